// Instants, civil dates and time zones. Instants are UTC seconds; a campaign's
// civil dates (due days, working days) live in its time zone, Asia/Shanghai by
// default. Nothing here reads the system clock: the time comes in as `now`,
// read at the edge from an Env (core/env.h).
#pragma once

#include <chrono>
#include <string>
#include <string_view>

#include "core/status.h"

namespace date { class time_zone; }

namespace duban {

using Instant = std::chrono::sys_seconds;
using Date = std::chrono::year_month_day;

inline constexpr std::string_view kDefaultTimeZone = "Asia/Shanghai";

// A named IANA time zone from the system's tzdata.
class TimeZone {
 public:
  static Result<TimeZone> Find(std::string_view name);
  // Asia/Shanghai. REQUIRES: tzdata is installed.
  static const TimeZone& Default();

  const std::string& name() const { return name_; }
  // The civil date at `t` in this zone.
  Date local_date(Instant t) const;
  // The local wall time at `t`, seconds since the local day's midnight included.
  std::chrono::local_seconds to_local(Instant t) const;
  // The instant of a local wall time; for a skipped or repeated local time the
  // earliest interpretation.
  Instant to_instant(std::chrono::local_seconds local) const;
  // The last second of `d` in this zone: when something due on `d` is due.
  Instant end_of_day(Date d) const;
  Instant start_of_day(Date d) const;

 private:
  TimeZone(std::string name, const date::time_zone* zone) : name_(std::move(name)), zone_(zone) {}
  std::string name_;
  const date::time_zone* zone_;
};

// Parses ISO 8601: "2021-10-08", "2021-10-08T09:30", "2021-10-08 09:30:15",
// each optionally followed by "Z" or an offset "+08:00"/"+0800". A time with no
// offset is local to `tz`; a bare date means its local midnight. Offsets lie
// within ±14:00.
Result<Instant> ParseInstant(std::string_view text, const TimeZone& tz);
// The years a date may name: anything else is a typing slip.
inline constexpr int kMinYear = 1970;
inline constexpr int kMaxYear = 2199;

// Parses "YYYY-MM-DD" (years kMinYear..kMaxYear).
Result<Date> ParseDate(std::string_view text);

// "2021-10-08T01:30:00Z"
std::string FormatUtc(Instant t);
// "2021-10-08 09:30" in `tz`.
std::string FormatLocal(Instant t, const TimeZone& tz);
// "2021-10-08"
std::string FormatDate(Date d);
// "2021年10月8日"
std::string FormatDateZh(Date d);

}  // namespace duban
