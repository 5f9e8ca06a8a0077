#include "core/time.h"

#include <date/tz.h>

#include <charconv>
#include <cstdio>

#include "core/text.h"

namespace duban {

namespace {

bool ParseInt(std::string_view s, int& out) {
  if (s.empty()) return false;
  for (char c : s)
    if (c < '0' || c > '9') return false;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
  return ec == std::errc() && p == s.data() + s.size();
}

}  // namespace

Result<TimeZone> TimeZone::Find(std::string_view name) {
  try {
    const date::time_zone* z = date::locate_zone(std::string(name));
    return TimeZone(std::string(name), z);
  } catch (const std::exception& e) {
    return Status::InvalidInput("unknown time zone '" + std::string(name) + "': " + e.what());
  }
}

const TimeZone& TimeZone::Default() {
  static const TimeZone tz = [] {
    auto r = Find(kDefaultTimeZone);
    if (!r.ok()) throw std::runtime_error(r.status().str());
    return std::move(r).value();
  }();
  return tz;
}

std::chrono::local_seconds TimeZone::to_local(Instant t) const {
  auto info = zone_->get_info(date::sys_seconds(t.time_since_epoch()));
  return std::chrono::local_seconds(t.time_since_epoch() + info.offset);
}

Date TimeZone::local_date(Instant t) const {
  return Date(std::chrono::floor<std::chrono::days>(to_local(t)));
}

Instant TimeZone::to_instant(std::chrono::local_seconds local) const {
  auto info = zone_->get_info(date::local_seconds(local.time_since_epoch()));
  auto offset = info.first.offset;
  if (info.result == date::local_info::nonexistent) offset = info.first.offset;
  return Instant(local.time_since_epoch() - offset);
}

Instant TimeZone::start_of_day(Date d) const {
  return to_instant(std::chrono::local_seconds(std::chrono::local_days(d).time_since_epoch()));
}

Instant TimeZone::end_of_day(Date d) const {
  auto next = std::chrono::local_days(d) + std::chrono::days(1);
  return to_instant(std::chrono::local_seconds(next.time_since_epoch())) - std::chrono::seconds(1);
}

Result<Date> ParseDate(std::string_view s) {
  int y = 0, m = 0, d = 0;
  if (s.size() != 10 || s[4] != '-' || s[7] != '-' || !ParseInt(s.substr(0, 4), y) ||
      !ParseInt(s.substr(5, 2), m) || !ParseInt(s.substr(8, 2), d))
    return Status::InvalidInput("'" + Quoted(s) + "' is not a date (expected YYYY-MM-DD)");
  Date date{std::chrono::year(y), std::chrono::month(static_cast<unsigned>(m)),
            std::chrono::day(static_cast<unsigned>(d))};
  if (!date.ok()) return Status::InvalidInput("'" + Quoted(s) + "' is not a calendar date");
  if (y < kMinYear || y > kMaxYear)
    return Status::InvalidInput("'" + Quoted(s) + "': the year must lie within " + std::to_string(kMinYear) +
                                " and " + std::to_string(kMaxYear));
  return date;
}

Result<Instant> ParseInstant(std::string_view text, const TimeZone& tz) {
  auto bad = [&] {
    return Status::InvalidInput("'" + Quoted(text) +
                                "' is not a time (expected YYYY-MM-DD[THH:MM[:SS]][Z|+HH:MM])");
  };
  if (text.size() < 10) return bad();
  auto date = ParseDate(text.substr(0, 10));
  if (!date.ok()) return date.status();
  std::string_view rest = text.substr(10);
  int hh = 0, mm = 0, ss = 0;
  if (!rest.empty() && (rest[0] == 'T' || rest[0] == ' ')) {
    if (rest.size() < 6 || rest[3] != ':' || !ParseInt(rest.substr(1, 2), hh) ||
        !ParseInt(rest.substr(4, 2), mm))
      return bad();
    rest.remove_prefix(6);
    if (!rest.empty() && rest[0] == ':') {
      if (rest.size() < 3 || !ParseInt(rest.substr(1, 2), ss)) return bad();
      rest.remove_prefix(3);
    }
    if (hh > 23 || mm > 59 || ss > 60) return bad();
  }
  auto local = std::chrono::local_seconds(std::chrono::local_days(*date).time_since_epoch()) +
               std::chrono::hours(hh) + std::chrono::minutes(mm) + std::chrono::seconds(ss);
  if (rest.empty()) return tz.to_instant(local);
  auto as_utc = Instant(local.time_since_epoch());
  if (rest == "Z" || rest == "z") return as_utc;
  if (rest[0] == '+' || rest[0] == '-') {
    int oh = 0, om = 0;
    std::string_view off = rest.substr(1);
    if (off.size() == 5 && off[2] == ':') {
      if (!ParseInt(off.substr(0, 2), oh) || !ParseInt(off.substr(3, 2), om)) return bad();
    } else if (off.size() == 4) {
      if (!ParseInt(off.substr(0, 2), oh) || !ParseInt(off.substr(2, 2), om)) return bad();
    } else if (off.size() == 2) {
      if (!ParseInt(off, oh)) return bad();
    } else {
      return bad();
    }
    // UTC offsets in use run from -12:00 to +14:00 (ISO 8601 allows no more).
    if (om > 59 || oh * 60 + om > 14 * 60)
      return Status::InvalidInput("'" + Quoted(text) +
                                  "': the UTC offset must lie within -14:00 and +14:00");
    auto offset = std::chrono::hours(oh) + std::chrono::minutes(om);
    return rest[0] == '+' ? as_utc - offset : as_utc + offset;
  }
  return bad();
}

std::string FormatUtc(Instant t) {
  auto day = std::chrono::floor<std::chrono::days>(t);
  Date d(day);
  std::chrono::hh_mm_ss hms(t - day);
  char buf[64];
  std::snprintf(buf, sizeof buf, "%04d-%02u-%02uT%02ld:%02ld:%02ldZ", int(d.year()),
                unsigned(d.month()), unsigned(d.day()), long(hms.hours().count()),
                long(hms.minutes().count()), long(hms.seconds().count()));
  return buf;
}

std::string FormatLocal(Instant t, const TimeZone& tz) {
  auto local = tz.to_local(t);
  auto day = std::chrono::floor<std::chrono::days>(local);
  Date d(day);
  std::chrono::hh_mm_ss hms(local - day);
  char buf[64];
  std::snprintf(buf, sizeof buf, "%04d-%02u-%02u %02ld:%02ld", int(d.year()), unsigned(d.month()),
                unsigned(d.day()), long(hms.hours().count()), long(hms.minutes().count()));
  return buf;
}

std::string FormatDate(Date d) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "%04d-%02u-%02u", int(d.year()), unsigned(d.month()),
                unsigned(d.day()));
  return buf;
}

std::string FormatDateZh(Date d) {
  return std::to_string(int(d.year())) + "年" + std::to_string(unsigned(d.month())) + "月" +
         std::to_string(unsigned(d.day())) + "日";
}

}  // namespace duban
