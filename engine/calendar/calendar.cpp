#include "calendar/calendar.h"
#include "core/toml_names.h"

#include <toml++/toml.h>

#include <algorithm>
#include <fstream>
#include <initializer_list>
#include <iterator>
#include <system_error>
#include <utility>

#include "core/hash.h"

namespace duban::calendar {

namespace {

namespace fs = std::filesystem;
using std::chrono::days;
using std::chrono::sys_days;

constexpr int kMinYear = 1900;
constexpr int kMaxYear = 2999;
// The New Year's Day holiday of year Y may begin on or after this day of
// December of Y-1.
constexpr unsigned kFirstSpillDay = 25;

// ---------------------------------------------------------------------------
// Day arithmetic. Days are numbered from 1970-01-01 (a Thursday).

std::int64_t DayNumber(Date d) {
  return static_cast<std::int64_t>(sys_days(d).time_since_epoch().count());
}

Date FromDayNumber(std::int64_t n) {
  return Date(sys_days(days(static_cast<days::rep>(n))));
}

std::int64_t FloorDiv(std::int64_t a, std::int64_t b) {
  std::int64_t q = a / b;
  if ((a % b != 0) && ((a < 0) != (b < 0))) --q;
  return q;
}

// 0 = Monday … 6 = Sunday.
std::int64_t WeekdayIndex(std::int64_t day) {
  std::int64_t t = day + 3;
  return t - 7 * FloorDiv(t, 7);
}

bool IsWeekdayNumber(std::int64_t day) { return WeekdayIndex(day) < 5; }

// Mondays to Fridays strictly before `day`, counted from Monday 1969-12-29
// (negative before it): the count over [a, b) is PlainBefore(b) - PlainBefore(a).
std::int64_t PlainBefore(std::int64_t day) {
  std::int64_t t = day + 3;
  std::int64_t weeks = FloorDiv(t, 7);
  std::int64_t rest = t - 7 * weeks;
  return 5 * weeks + std::min<std::int64_t>(rest, 5);
}

bool IsWeekend(Date d) {
  std::chrono::weekday w{sys_days(d)};
  return w == std::chrono::Saturday || w == std::chrono::Sunday;
}

int YearOf(Date d) { return static_cast<int>(d.year()); }

Date Jan1(int year) {
  return Date{std::chrono::year(year), std::chrono::January, std::chrono::day(1)};
}

Date LastDayOf(int year, unsigned month) {
  return Date{std::chrono::year_month_day_last{
      std::chrono::year(year), std::chrono::month_day_last{std::chrono::month(month)}}};
}

// The first day a date of `year`'s data may fall on.
Date WindowStart(int year) {
  return Date{std::chrono::year(year - 1), std::chrono::December, std::chrono::day(kFirstSpillDay)};
}

bool InWindow(Date d, int year) { return d >= WindowStart(year) && YearOf(d) <= year; }

std::string OutsideYear(Date d, int year) {
  return FormatDate(d) + " is outside " + std::to_string(year) +
         " (dates lie in the file's year; only the New Year's Day holiday and its make-up "
         "days may fall in the last week of the previous December)";
}

// ---------------------------------------------------------------------------
// The checks shared by ParseYear (which knows where each value was written)
// and Calendar::AddYear (which does not).

enum class Field : std::uint8_t {
  kYear, kSource, kHolidayName, kHolidayNameEn, kHolidayFrom, kHolidayTo, kWorkdayDate,
  kWorkdayFor,
};

struct Problem {
  Field field;
  std::size_t index;  // into holidays or workdays
  std::string message;
};

std::optional<Problem> Check(const YearData& y) {
  if (y.year < kMinYear || y.year > kMaxYear)
    return Problem{Field::kYear, 0,
                   "year " + std::to_string(y.year) + " is not between " +
                       std::to_string(kMinYear) + " and " + std::to_string(kMaxYear)};
  if (y.source.empty())
    return Problem{Field::kSource, 0, "source is empty (give the notice's title and number)"};
  if (y.holidays.empty())
    return Problem{Field::kYear, 0, "the year has no holidays"};

  for (std::size_t i = 0; i < y.holidays.size(); ++i) {
    const Holiday& h = y.holidays[i];
    if (h.name.empty()) return Problem{Field::kHolidayName, i, "holiday name is empty"};
    if (h.name_en.empty()) return Problem{Field::kHolidayNameEn, i, "holiday name_en is empty"};
    if (!h.from.ok()) return Problem{Field::kHolidayFrom, i, "holiday 'from' is not a valid date"};
    if (!h.to.ok()) return Problem{Field::kHolidayTo, i, "holiday 'to' is not a valid date"};
    for (std::size_t j = 0; j < i; ++j)
      if (y.holidays[j].name == h.name)
        return Problem{Field::kHolidayName, i, "holiday '" + h.name + "' is listed twice"};
    if (YearOf(h.to) != y.year) return Problem{Field::kHolidayTo, i, OutsideYear(h.to, y.year)};
    if (!InWindow(h.from, y.year))
      return Problem{Field::kHolidayFrom, i, OutsideYear(h.from, y.year)};
    if (h.from > h.to)
      return Problem{Field::kHolidayTo, i,
                     "holiday '" + h.name + "' ends (" + FormatDate(h.to) + ") before it begins (" +
                         FormatDate(h.from) + ")"};
    for (std::size_t j = 0; j < i; ++j) {
      const Holiday& o = y.holidays[j];
      if (h.from <= o.to && o.from <= h.to)
        return Problem{Field::kHolidayFrom, i,
                       "holiday '" + h.name + "' (" + FormatDate(h.from) + " to " +
                           FormatDate(h.to) + ") overlaps '" + o.name + "' (" +
                           FormatDate(o.from) + " to " + FormatDate(o.to) + ")"};
    }
  }

  for (std::size_t i = 0; i < y.workdays.size(); ++i) {
    const MakeupDay& m = y.workdays[i];
    if (!m.date.ok()) return Problem{Field::kWorkdayDate, i, "make-up day is not a valid date"};
    if (!InWindow(m.date, y.year)) return Problem{Field::kWorkdayDate, i, OutsideYear(m.date, y.year)};
    if (!IsWeekend(m.date))
      return Problem{Field::kWorkdayDate, i,
                     "make-up day " + FormatDate(m.date) +
                         " is not a Saturday or Sunday (a weekday is worked anyway)"};
    for (std::size_t j = 0; j < i; ++j)
      if (y.workdays[j].date == m.date)
        return Problem{Field::kWorkdayDate, i,
                       "make-up day " + FormatDate(m.date) + " is listed twice"};
    for (const Holiday& h : y.holidays)
      if (h.from <= m.date && m.date <= h.to)
        return Problem{Field::kWorkdayDate, i,
                       "make-up day " + FormatDate(m.date) + " lies inside holiday '" + h.name +
                           "'"};
    if (m.for_holiday.empty())
      return Problem{Field::kWorkdayFor, i, "make-up day " + FormatDate(m.date) + " has an empty 'for'"};
    bool known = std::any_of(y.holidays.begin(), y.holidays.end(),
                             [&](const Holiday& h) { return h.name == m.for_holiday; });
    if (!known)
      return Problem{Field::kWorkdayFor, i,
                     "make-up day " + FormatDate(m.date) + " is for '" + m.for_holiday +
                         "', which is not a holiday of this file"};
  }
  return std::nullopt;
}

// ---------------------------------------------------------------------------
// TOML reading.

class YearReader {
 public:
  explicit YearReader(std::string_view file) : file_(file) {}

  Status Error(const toml::source_region& where, const std::string& message) const {
    SourcePos pos;
    pos.file = file_;
    pos.line = where.begin.line;
    pos.column = where.begin.column;
    if (pos.line == 0) {  // toml++ gave no position: point at the start of the file
      pos.line = 1;
      pos.column = 1;
    }
    return Status::InvalidInput(message, pos);
  }

  // The first key of `t` (in file order) that is not in `allowed`.
  Status CheckKeys(const toml::table& t, std::string_view where,
                   std::initializer_list<std::string_view> allowed) const {
    std::vector<const toml::key*> keys;
    for (auto&& [k, v] : t) keys.push_back(&k);
    std::sort(keys.begin(), keys.end(), [](const toml::key* a, const toml::key* b) {
      const auto& pa = a->source().begin;
      const auto& pb = b->source().begin;
      return std::pair(pa.line, pa.column) < std::pair(pb.line, pb.column);
    });
    for (const toml::key* k : keys) {
      if (std::find(allowed.begin(), allowed.end(), k->str()) != allowed.end()) continue;
      std::string list;
      for (std::string_view a : allowed) list += (list.empty() ? "" : ", ") + std::string(a);
      return Error(k->source(),
                   "unknown key '" + std::string(k->str()) + "' in " + std::string(where) +
                       " (expected " + list + ")");
    }
    return Status::Ok();
  }

  // The value of a required key, or an error at the table.
  Result<const toml::node*> Need(const toml::table& t, std::string_view where,
                                 std::string_view key) const {
    const toml::node* n = t.get(key);
    if (n == nullptr)
      return Error(t.source(), std::string(where) + " is missing key '" + std::string(key) + "'");
    return n;
  }

  Status WrongType(const toml::node& n, std::string_view key, std::string_view want) const {
    return Error(n.source(), "'" + std::string(key) + "' must be " + std::string(want) +
                                 ", not " + std::string(TomlTypeName(n.type())));
  }

  Result<std::string> String(const toml::table& t, std::string_view where,
                             std::string_view key) const {
    auto n = Need(t, where, key);
    if (!n.ok()) return n.status();
    const auto* s = (*n)->as_string();
    if (s == nullptr) return WrongType(**n, key, "a string");
    return s->get();
  }

  Result<Date> DateValue(const toml::table& t, std::string_view where,
                         std::string_view key) const {
    auto n = Need(t, where, key);
    if (!n.ok()) return n.status();
    const auto* d = (*n)->as_date();
    if (d == nullptr)
      return WrongType(**n, key, "a TOML date such as 2021-10-01 (no quotes, no time)");
    const toml::date& v = d->get();
    return Date{std::chrono::year(static_cast<int>(v.year)),
                std::chrono::month(static_cast<unsigned>(v.month)),
                std::chrono::day(static_cast<unsigned>(v.day))};
  }

  // An optional array of tables: nullptr when absent.
  Result<const toml::array*> Tables(const toml::table& t, std::string_view key) const {
    const toml::node* n = t.get(key);
    if (n == nullptr) return static_cast<const toml::array*>(nullptr);
    const auto* a = n->as_array();
    if (a == nullptr)
      return WrongType(*n, key, "an array of tables (write [[" + std::string(key) + "]])");
    for (const toml::node& e : *a)
      if (!e.is_table())
        return WrongType(e, key, "an array of tables (write [[" + std::string(key) + "]])");
    return a;
  }

 private:
  std::string file_;
};

// Where each value of a YearData was written, to place the shared checks'
// problems.
struct Positions {
  toml::source_region year, source, holidays_key;
  struct H { toml::source_region name, name_en, from, to; };
  struct W { toml::source_region date, for_holiday; };
  std::vector<H> holidays;
  std::vector<W> workdays;

  const toml::source_region& Of(const Problem& p) const {
    switch (p.field) {
      case Field::kYear: return year;
      case Field::kSource: return source;
      case Field::kHolidayName: return holidays.at(p.index).name;
      case Field::kHolidayNameEn: return holidays.at(p.index).name_en;
      case Field::kHolidayFrom: return holidays.at(p.index).from;
      case Field::kHolidayTo: return holidays.at(p.index).to;
      case Field::kWorkdayDate: return workdays.at(p.index).date;
      case Field::kWorkdayFor: return workdays.at(p.index).for_holiday;
    }
    return year;
  }
};

// `lhs = *expr`, or return expr's Status. Local to this file.
#define CAL_CONCAT_INNER(a, b) a##b
#define CAL_CONCAT(a, b) CAL_CONCAT_INNER(a, b)
#define CAL_ASSIGN_OR_RETURN_IMPL(tmp, lhs, expr) \
  auto tmp = (expr);                              \
  if (!tmp.ok()) return std::move(tmp).status();  \
  lhs = std::move(tmp).value()
#define CAL_ASSIGN_OR_RETURN(lhs, expr) \
  CAL_ASSIGN_OR_RETURN_IMPL(CAL_CONCAT(cal_result_, __LINE__), lhs, expr)

}  // namespace

// ---------------------------------------------------------------------------

Result<YearData> ParseYear(std::string_view toml_content, std::string_view source_name) {
  YearReader r(source_name);
  toml::table root;
  try {
    root = toml::parse(toml_content, std::string_view(source_name));
  } catch (const toml::parse_error& e) {
    return r.Error(e.source(), "TOML syntax error: " + std::string(e.description()));
  }

  YearData y;
  Positions pos;
  DUBAN_RETURN_IF_ERROR(r.CheckKeys(root, "the file", {"year", "source", "holiday", "workday"}));

  const toml::node* year_node = nullptr;
  CAL_ASSIGN_OR_RETURN(year_node, r.Need(root, "the file", "year"));
  const auto* year_int = year_node->as_integer();
  if (year_int == nullptr) return r.WrongType(*year_node, "year", "an integer such as 2021");
  pos.year = year_node->source();
  std::int64_t year_value = year_int->get();
  if (year_value < kMinYear || year_value > kMaxYear)
    return r.Error(pos.year, "year " + std::to_string(year_value) + " is not between " +
                                 std::to_string(kMinYear) + " and " + std::to_string(kMaxYear));
  y.year = static_cast<int>(year_value);

  // A file named YYYY.toml must hold year YYYY.
  std::string stem = fs::path(std::string(source_name)).stem().string();
  if (fs::path(std::string(source_name)).extension() == ".toml" && stem.size() == 4 &&
      std::all_of(stem.begin(), stem.end(), [](char c) { return c >= '0' && c <= '9'; }) &&
      stem != std::to_string(y.year))
    return r.Error(pos.year, "year " + std::to_string(y.year) + " does not match the file name " +
                                 stem + ".toml");

  CAL_ASSIGN_OR_RETURN(y.source, r.String(root, "the file", "source"));
  pos.source = root.get("source")->source();

  const toml::array* holidays = nullptr;
  CAL_ASSIGN_OR_RETURN(holidays, r.Tables(root, "holiday"));
  if (holidays == nullptr)
    return r.Error(root.source(), "the file is missing key 'holiday' (add [[holiday]] tables)");
  for (const toml::node& e : *holidays) {
    const toml::table& t = *e.as_table();
    DUBAN_RETURN_IF_ERROR(r.CheckKeys(t, "[[holiday]]", {"name", "name_en", "from", "to"}));
    Holiday h;
    CAL_ASSIGN_OR_RETURN(h.name, r.String(t, "[[holiday]]", "name"));
    CAL_ASSIGN_OR_RETURN(h.name_en, r.String(t, "[[holiday]]", "name_en"));
    CAL_ASSIGN_OR_RETURN(h.from, r.DateValue(t, "[[holiday]]", "from"));
    CAL_ASSIGN_OR_RETURN(h.to, r.DateValue(t, "[[holiday]]", "to"));
    pos.holidays.push_back({t.get("name")->source(), t.get("name_en")->source(),
                            t.get("from")->source(), t.get("to")->source()});
    y.holidays.push_back(std::move(h));
  }
  if (y.holidays.empty()) return r.Error(holidays->source(), "the year has no holidays");

  const toml::array* workdays = nullptr;
  CAL_ASSIGN_OR_RETURN(workdays, r.Tables(root, "workday"));
  if (workdays != nullptr) {
    for (const toml::node& e : *workdays) {
      const toml::table& t = *e.as_table();
      DUBAN_RETURN_IF_ERROR(r.CheckKeys(t, "[[workday]]", {"date", "for"}));
      MakeupDay m;
      CAL_ASSIGN_OR_RETURN(m.date, r.DateValue(t, "[[workday]]", "date"));
      CAL_ASSIGN_OR_RETURN(m.for_holiday, r.String(t, "[[workday]]", "for"));
      pos.workdays.push_back({t.get("date")->source(), t.get("for")->source()});
      y.workdays.push_back(std::move(m));
    }
  }

  if (auto problem = Check(y)) return r.Error(pos.Of(*problem), problem->message);
  y.content_hash_or_empty = Sha256Hex(toml_content);
  return y;
}

Result<std::vector<YearData>> LoadDirectory(const std::filesystem::path& dir) {
  std::error_code ec;
  if (!fs::is_directory(dir, ec))
    return Status::NotFound("calendar directory '" + dir.string() + "' does not exist");

  std::vector<fs::path> files;
  fs::directory_iterator it(dir, ec);
  for (; !ec && it != fs::directory_iterator(); it.increment(ec)) {
    std::error_code type_ec;
    if (it->path().extension() == ".toml" && it->is_regular_file(type_ec)) files.push_back(it->path());
  }
  if (ec) return Status::Io("cannot list calendar directory '" + dir.string() + "': " + ec.message());
  std::sort(files.begin(), files.end(), [](const fs::path& a, const fs::path& b) {
    return a.filename().string() < b.filename().string();
  });

  std::vector<YearData> out;
  std::map<int, std::string> seen;
  for (const fs::path& file : files) {
    std::ifstream in(file, std::ios::binary);
    if (!in) return Status::Io("cannot open '" + file.string() + "'");
    std::string content((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    if (in.bad()) return Status::Io("cannot read '" + file.string() + "'");
    auto year = ParseYear(content, file.string());
    if (!year.ok()) return year.status();
    auto [at, fresh] = seen.emplace(year->year, file.string());
    if (!fresh) {
      SourcePos where;
      where.file = file.string();
      return Status::InvalidInput(
          "year " + std::to_string(year->year) + " is also given by '" + at->second + "'", where);
    }
    out.push_back(std::move(year).value());
  }
  return out;
}

#undef CAL_ASSIGN_OR_RETURN
#undef CAL_ASSIGN_OR_RETURN_IMPL
#undef CAL_CONCAT
#undef CAL_CONCAT_INNER

// ---------------------------------------------------------------------------

Calendar Calendar::FromYears(std::vector<YearData> years) {
  Calendar c;
  for (YearData& y : years) {
    int key = y.year;
    c.data_[key] = std::move(y);
  }
  c.Rebuild();
  return c;
}

Status Calendar::AddYear(YearData year) {
  if (auto problem = Check(year)) {
    std::string where = "calendar data for " + std::to_string(year.year) + ": ";
    return Status::InvalidInput(where + problem->message);
  }
  int key = year.year;
  data_[key] = std::move(year);
  Rebuild();
  return Status::Ok();
}

void Calendar::Rebuild() {
  tables_.clear();
  tables_.reserve(data_.size());
  std::int64_t delta_before = 0;
  for (const auto& [year, data] : data_) {
    Table t;
    t.year = year;
    t.first = DayNumber(Jan1(year));
    t.days = DayNumber(Jan1(year + 1)) - t.first;
    for (std::int64_t i = 0; i < t.days; ++i)
      t.worked.set(static_cast<std::size_t>(i), IsWeekdayNumber(t.first + i));

    auto apply = [&t](const YearData& src) {
      const std::int64_t last = t.first + t.days - 1;
      for (const Holiday& h : src.holidays) {
        std::int64_t from = std::max(DayNumber(h.from), t.first);
        std::int64_t to = std::min(DayNumber(h.to), last);
        if (from > to) continue;
        auto found = std::find(t.names.begin(), t.names.end(), h.name);
        std::size_t index = static_cast<std::size_t>(found - t.names.begin());
        if (found == t.names.end()) t.names.push_back(h.name);
        auto tag = index < 0xFFFE ? static_cast<std::uint16_t>(index + 1) : std::uint16_t{0};
        for (std::int64_t d = from; d <= to; ++d) {
          auto i = static_cast<std::size_t>(d - t.first);
          t.worked.reset(i);
          t.holiday[i] = tag;
        }
      }
      for (const MakeupDay& m : src.workdays) {
        std::int64_t d = DayNumber(m.date);
        if (d < t.first || d > last) continue;
        auto i = static_cast<std::size_t>(d - t.first);
        t.worked.set(i);
        t.holiday[i] = 0;
      }
    };
    apply(data);
    // The next notice's New Year's Day days that fall at the end of this year.
    if (auto next = data_.find(year + 1); next != data_.end()) apply(next->second);

    std::uint16_t count = 0;
    for (std::int64_t i = 0; i < t.days; ++i) {
      auto u = static_cast<std::size_t>(i);
      t.before[u] = count;
      if (t.worked.test(u)) ++count;
    }
    t.before[static_cast<std::size_t>(t.days)] = count;
    t.delta = count - (PlainBefore(t.first + t.days) - PlainBefore(t.first));
    t.delta_before = delta_before;
    delta_before += t.delta;
    tables_.push_back(std::move(t));
  }
}

const Calendar::Table* Calendar::Find(std::int64_t day) const {
  auto it = std::upper_bound(tables_.begin(), tables_.end(), day,
                             [](std::int64_t d, const Table& t) { return d < t.first; });
  if (it == tables_.begin()) return nullptr;
  --it;
  return day < it->first + it->days ? &*it : nullptr;
}

std::int64_t Calendar::Potential(std::int64_t day) const {
  std::int64_t plain = PlainBefore(day);
  auto it = std::upper_bound(tables_.begin(), tables_.end(), day,
                             [](std::int64_t d, const Table& t) { return d < t.first; });
  if (it == tables_.begin()) return plain;
  const Table& t = *std::prev(it);
  if (day >= t.first + t.days) return plain + t.delta_before + t.delta;
  std::int64_t worked = t.before[static_cast<std::size_t>(day - t.first)];
  return plain + t.delta_before + worked - (plain - PlainBefore(t.first));
}

bool Calendar::HasYear(int year) const { return data_.count(year) != 0; }

const YearData* Calendar::Year(int year) const {
  auto it = data_.find(year);
  return it == data_.end() ? nullptr : &it->second;
}

std::vector<int> Calendar::Years() const {
  std::vector<int> out;
  out.reserve(data_.size());
  for (const auto& [year, data] : data_) out.push_back(year);
  return out;
}

bool Calendar::IsWorkingDay(Date d) const {
  std::int64_t day = DayNumber(d);
  if (const Table* t = Find(day)) return t->worked.test(static_cast<std::size_t>(day - t->first));
  return IsWeekdayNumber(day);
}

std::optional<std::string> Calendar::HolidayName(Date d) const {
  std::int64_t day = DayNumber(d);
  const Table* t = Find(day);
  if (t == nullptr) return std::nullopt;
  std::uint16_t tag = t->holiday[static_cast<std::size_t>(day - t->first)];
  if (tag == 0) return std::nullopt;
  return t->names[static_cast<std::size_t>(tag - 1)];
}

int Calendar::WorkdaysBetween(Date from, Date to) const {
  if (from > to) return -WorkdaysBetween(to, from);
  return static_cast<int>(Potential(DayNumber(to) + 1) - Potential(DayNumber(from)));
}

Date Calendar::AddWorkdays(Date d, int n) const {
  if (n == 0) return d;
  const std::int64_t x = DayNumber(d);
  const std::int64_t want = n > 0 ? n : -static_cast<std::int64_t>(n);
  if (n > 0) {
    // The smallest y > x with want working days in (x, y].
    const std::int64_t base = Potential(x + 1);
    auto enough = [&](std::int64_t y) { return Potential(y + 1) - base >= want; };
    std::int64_t lo = x + 1, hi = x + want;
    while (!enough(hi)) {
      lo = hi + 1;
      hi = x + 2 * (hi - x);
    }
    while (lo < hi) {
      std::int64_t mid = lo + (hi - lo) / 2;
      if (enough(mid)) hi = mid;
      else lo = mid + 1;
    }
    return FromDayNumber(lo);
  }
  // The largest y < x with want working days in [y, x).
  const std::int64_t base = Potential(x);
  auto enough = [&](std::int64_t y) { return base - Potential(y) >= want; };
  std::int64_t hi = x - 1, lo = x - want;
  while (!enough(lo)) {
    hi = lo - 1;
    lo = x - 2 * (x - lo);
  }
  while (lo < hi) {
    std::int64_t mid = hi - (hi - lo) / 2;
    if (enough(mid)) lo = mid;
    else hi = mid - 1;
  }
  return FromDayNumber(lo);
}

std::vector<int> Calendar::YearsWithoutData(int from_year, int to_year) const {
  std::vector<int> out;
  for (int y = from_year; y <= to_year; ++y)
    if (!HasYear(y)) out.push_back(y);
  return out;
}

// ---------------------------------------------------------------------------

Result<Date> ResolveDue(const DuePhrase& p, int year, const Calendar& cal,
                        std::optional<Date> stage_start) {
  auto bad = [&](const std::string& why) {
    return Status::InvalidInput("cannot resolve due date '" + p.text + "': " + why);
  };
  using Kind = DuePhrase::Kind;
  if (p.kind == Kind::kDate) {
    if (!p.date.ok()) return bad("not a valid date");
    return p.date;
  }
  if (p.kind == Kind::kWorkdaysWithin) {
    if (!stage_start) return bad("a working-day deadline needs the day its stage started");
    if (!stage_start->ok()) return bad("the stage's start is not a valid date");
    if (p.workdays < 1) return bad("the number of working days must be at least 1");
    return cal.AddWorkdays(*stage_start, p.workdays);
  }
  if (p.month < 1 || p.month > 12) return bad("month " + std::to_string(p.month) + " is not 1 to 12");
  if (year < kMinYear || year > kMaxYear) return bad("year " + std::to_string(year) + " is out of range");
  auto on = [&](unsigned day) {
    return Date{std::chrono::year(year), std::chrono::month(p.month), std::chrono::day(day)};
  };
  switch (p.kind) {
    case Kind::kMonthEnd:
      return LastDayOf(year, p.month);
    case Kind::kDekad:
      switch (p.dekad) {
        case Dekad::kEarly: return on(10);
        case Dekad::kMiddle: return on(20);
        case Dekad::kLate: return LastDayOf(year, p.month);
      }
      break;
    case Kind::kBeforeDekad:
      switch (p.dekad) {
        case Dekad::kEarly:
          return p.month == 1 ? LastDayOf(year - 1, 12) : LastDayOf(year, p.month - 1);
        case Dekad::kMiddle: return on(10);
        case Dekad::kLate: return on(20);
      }
      break;
    case Kind::kWorkdaysWithin:
    case Kind::kDate:
      break;
  }
  return bad("unknown phrase kind or part of month");
}

}  // namespace duban::calendar
