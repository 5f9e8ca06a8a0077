// The working-day calendar: which days are worked, per the State Council
// General Office's yearly holiday notice (国务院办公厅关于YYYY年部分节假日安排的通知),
// and the due dates that date phrases (phrase.h) resolve to.
//
// One notice is one YearData, read from workflows/calendars/YYYY.toml (the
// format is described in workflows/calendars/README.md). A Calendar holds any
// number of years; a day in a year without data is worked Monday to Friday.
#pragma once

#include <array>
#include <bitset>
#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "calendar/phrase.h"
#include "core/status.h"
#include "core/time.h"

namespace duban::calendar {

// A statutory holiday as the notice arranges it, weekends and swapped days
// included: 2021 National Day is 国庆节, 2021-10-01 to 2021-10-07.
struct Holiday {
  std::string name;     // as the notice writes it: 国庆节, or 中秋节、国庆节 when merged
  std::string name_en;  // National Day
  Date from{};          // first day off
  Date to{};            // last day off, inclusive; from <= to

  friend bool operator==(const Holiday&, const Holiday&) = default;
};

// A weekend day worked in exchange for a holiday (调休上班).
struct MakeupDay {
  Date date{};              // a Saturday or Sunday
  std::string for_holiday;  // the Holiday::name it makes up for

  friend bool operator==(const MakeupDay&, const MakeupDay&) = default;
};

// One year's notice.
//
// Every date lies in `year`, with one exception the notices need: the New
// Year's Day holiday of year Y may begin in the last week of December of Y-1
// (the 2023 notice: 2022-12-31 to 2023-01-02), and a make-up day for it may
// fall there too. Such days count in Y-1 when Y-1 has data of its own; a
// Holiday's `to` always lies in `year`.
struct YearData {
  int year = 0;
  std::string source;  // the notice's title and document number
  std::vector<Holiday> holidays;
  std::vector<MakeupDay> workdays;
  // Lowercase hex SHA-256 of the TOML text ParseYear read; empty when the
  // YearData was built in code.
  std::string content_hash_or_empty;

  friend bool operator==(const YearData&, const YearData&) = default;
};

// Parses one year file. Every error is Status::InvalidInput with pos
// {file = source_name, line, column} (1-based; column in characters) at the
// offending key or value: a TOML syntax error, a missing key, a value of the
// wrong type, an unknown key, an empty source/name/name_en, no [[holiday]] at
// all, a date outside the year (see YearData), a holiday range with from > to,
// overlapping holidays or a holiday name used twice, a make-up day that is not a
// Saturday or Sunday, lies inside a holiday, repeats, or names no holiday of
// the file. When source_name's file name is "YYYY.toml", `year` must be YYYY.
Result<YearData> ParseYear(std::string_view toml_content, std::string_view source_name);

// Reads and parses every *.toml file directly in `dir`, in file-name order.
// The first error stops it: a missing directory (NotFound), an unreadable file
// (Io), a ParseYear error, or two files for one year (InvalidInput).
Result<std::vector<YearData>> LoadDirectory(const std::filesystem::path& dir);

// Working days over any number of years. Day queries are a binary search over
// the years held plus a bit test; WorkdaysBetween is O(log years) whatever the
// range. Copyable; immutable while it is being read from several threads.
//
// Date arguments must be valid dates (Date::ok()).
class Calendar {
 public:
  Calendar() = default;

  // REQUIRES: each YearData is valid (ParseYear's output is; AddYear checks
  // and says why not). A later entry for a year replaces an earlier one.
  // Dates outside a year's range are ignored rather than checked here.
  static Calendar FromYears(std::vector<YearData> years);

  // Adds a year, replacing the data already held for it. InvalidInput (and
  // the calendar unchanged) if the data breaks the rules ParseYear checks.
  Status AddYear(YearData year);

  bool HasYear(int year) const;
  // The data held for `year`, or nullptr.
  const YearData* Year(int year) const;
  // The years held, ascending.
  std::vector<int> Years() const;

  // A holiday day is off, a make-up day is worked, any other day is worked
  // Monday to Friday. In a year without data: Monday to Friday.
  bool IsWorkingDay(Date d) const;
  // The holiday `d` falls in (its Chinese name), or nullopt.
  std::optional<std::string> HolidayName(Date d) const;

  // Working days in the closed range [from, to]; when from > to, minus the
  // count for [to, from].
  int WorkdaysBetween(Date from, Date to) const;
  // n > 0: the n-th working day after d; n < 0: the |n|-th working day before
  // d; n == 0: d itself (even when d is not a working day).
  Date AddWorkdays(Date d, int n) const;

  // The years in [from_year, to_year] this calendar has no data for,
  // ascending (empty when from_year > to_year). Callers say so: those years
  // fall back to plain weekends.
  std::vector<int> YearsWithoutData(int from_year, int to_year) const;

 private:
  // One year's days, built from its YearData (and the next year's New Year
  // days that fall in it).
  struct Table {
    int year = 0;
    std::int64_t first = 0;         // day number (days since 1970-01-01) of 1 January
    std::int64_t days = 0;          // 365 or 366
    std::int64_t delta = 0;         // worked days minus Mondays-to-Fridays in this year
    std::int64_t delta_before = 0;  // the sum of `delta` over the tables before this one
    std::bitset<366> worked;
    std::array<std::uint16_t, 367> before{};  // worked days in [first, first + i)
    std::array<std::uint16_t, 366> holiday{}; // 0, or 1 + an index into names
    std::vector<std::string> names;
  };

  void Rebuild();
  const Table* Find(std::int64_t day) const;
  // Working days strictly before `day`, relative to a fixed origin: counts
  // over ranges are differences of this.
  std::int64_t Potential(std::int64_t day) const;

  std::map<int, YearData> data_;
  std::vector<Table> tables_;  // ascending by year, one per entry of data_
};

// The due day of a phrase in `year` (the campaign's assessment year):
//   kDekad          day 10, day 20 or the last day of month p.month
//   kBeforeDekad    the day before the window opens: 上旬前 the last day of the
//                   previous month (31 December of year-1 for 1月上旬前),
//                   中旬前 the 10th, 下旬前 the 20th
//   kMonthEnd       the last day of the month
//   kWorkdaysWithin cal.AddWorkdays(*stage_start, p.workdays); InvalidInput
//                   without a stage_start
//   kDate           p.date
// The day is not moved off weekends or holidays: a due date is a date, and
// callers decide what to do when it is not a working day.
Result<Date> ResolveDue(const DuePhrase& p, int year, const Calendar& cal,
                        std::optional<Date> stage_start);

}  // namespace duban::calendar
