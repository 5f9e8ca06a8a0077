// The working-day calendar: date phrases, the shipped holiday data, working-day
// arithmetic and the year-file loader's errors.
#include "calendar/calendar.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "calendar/phrase.h"
#include "core/status.h"
#include "core/time.h"

namespace duban::calendar {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;
using Kind = DuePhrase::Kind;

const char* const kCalendarDir = DUBAN_SOURCE_DIR "/workflows/calendars";

Date D(const char* iso) {
  auto d = ParseDate(iso);
  EXPECT_TRUE(d.ok()) << iso;
  return d.ok() ? *d : Date{};
}

std::string S(Date d) { return FormatDate(d); }

// The shipped calendar, loaded once.
const Calendar& Shipped() {
  static const Calendar cal = [] {
    auto years = LoadDirectory(kCalendarDir);
    EXPECT_TRUE(years.ok()) << years.status().str();
    return Calendar::FromYears(years.ok() ? std::move(years).value() : std::vector<YearData>{});
  }();
  return cal;
}

// ---------------------------------------------------------------------------
// Date phrases

TEST(DuePhraseTest, ParsesEveryKind) {
  struct Case {
    const char* text;
    Kind kind;
    unsigned month;
    Dekad dekad;
    int workdays;
    const char* date;
  };
  const Case cases[] = {
      {"10月上旬", Kind::kDekad, 10, Dekad::kEarly, 0, nullptr},
      {"10月中旬", Kind::kDekad, 10, Dekad::kMiddle, 0, nullptr},
      {"10月下旬", Kind::kDekad, 10, Dekad::kLate, 0, nullptr},
      {"1月上旬前", Kind::kBeforeDekad, 1, Dekad::kEarly, 0, nullptr},
      {"10月中旬前", Kind::kBeforeDekad, 10, Dekad::kMiddle, 0, nullptr},
      {"10月下旬前", Kind::kBeforeDekad, 10, Dekad::kLate, 0, nullptr},
      {"12月下旬前", Kind::kBeforeDekad, 12, Dekad::kLate, 0, nullptr},
      {"12月底", Kind::kMonthEnd, 12, Dekad::kEarly, 0, nullptr},
      {"2月末", Kind::kMonthEnd, 2, Dekad::kEarly, 0, nullptr},
      {"5个工作日内", Kind::kWorkdaysWithin, 0, Dekad::kEarly, 5, nullptr},
      {"15个工作日内", Kind::kWorkdaysWithin, 0, Dekad::kEarly, 15, nullptr},
      {"2021-10-20", Kind::kDate, 0, Dekad::kEarly, 0, "2021-10-20"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.text);
    auto p = ParseDuePhrase(c.text);
    ASSERT_TRUE(p.ok()) << p.status().str();
    EXPECT_EQ(p->kind, c.kind);
    EXPECT_EQ(p->text, c.text);
    if (c.kind == Kind::kDekad || c.kind == Kind::kBeforeDekad || c.kind == Kind::kMonthEnd) {
      EXPECT_EQ(p->month, c.month);
    }
    if (c.kind == Kind::kDekad || c.kind == Kind::kBeforeDekad) {
      EXPECT_EQ(p->dekad, c.dekad);
    }
    if (c.kind == Kind::kWorkdaysWithin) {
      EXPECT_EQ(p->workdays, c.workdays);
    }
    if (c.kind == Kind::kDate) {
      EXPECT_EQ(S(p->date), c.date);
    }
  }
}

TEST(DuePhraseTest, ErrorsGiveTheColumnWhereReadingFailed) {
  struct Case {
    const char* text;
    std::uint32_t column;  // in characters, 1-based
    const char* why;
  };
  const Case cases[] = {
      {"", 1, "empty"},
      {"abc", 1, "expected a number"},
      {"10月中", 4, "expected 上旬, 中旬, 下旬"},
      {"10月", 4, "expected 上旬, 中旬, 下旬"},
      {"13月上旬", 1, "month must be 1 to 12"},
      {"0月上旬", 1, "month must be 1 to 12"},
      {"3个工作日", 2, "expected 月 or 个工作日内"},
      {"0个工作日内", 1, "at least 1"},
      {"10月上旬后", 6, "unexpected text"},
      {"10月底了", 5, "unexpected text"},
      {"5个工作日内完成", 7, "unexpected text after 个工作日内"},
      {"2021-13-01", 1, "not a valid date"},
      {"2021-02-30", 1, "not a valid date"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.text);
    auto p = ParseDuePhrase(c.text);
    ASSERT_FALSE(p.ok());
    EXPECT_EQ(p.status().code(), Code::kInvalidInput);
    EXPECT_EQ(p.status().pos().column, c.column);
    EXPECT_THAT(p.status().message(), HasSubstr(c.why));
  }
}

TEST(ResolveDueTest, ResolvesEveryKind) {
  struct Case {
    const char* phrase;
    int year;
    const char* stage_start;  // or nullptr
    const char* due;
  };
  const Case cases[] = {
      // The campaign plan's own phrases (DESIGN.md).
      {"10月上旬", 2021, nullptr, "2021-10-10"},
      {"10月下旬前", 2021, nullptr, "2021-10-20"},
      {"12月下旬前", 2021, nullptr, "2021-12-20"},
      // Dekads end on the 10th, the 20th and the month's last day.
      {"10月中旬", 2021, nullptr, "2021-10-20"},
      {"10月下旬", 2021, nullptr, "2021-10-31"},
      {"2月下旬", 2021, nullptr, "2021-02-28"},
      {"2月下旬", 2024, nullptr, "2024-02-29"},
      {"4月下旬", 2021, nullptr, "2021-04-30"},
      // Before a window: the day before it opens.
      {"10月中旬前", 2021, nullptr, "2021-10-10"},
      {"10月上旬前", 2021, nullptr, "2021-09-30"},
      {"3月上旬前", 2024, nullptr, "2024-02-29"},
      {"1月上旬前", 2021, nullptr, "2020-12-31"},
      // Month ends.
      {"12月底", 2021, nullptr, "2021-12-31"},
      {"2月末", 2023, nullptr, "2023-02-28"},
      {"2月底", 2024, nullptr, "2024-02-29"},
      {"6月底", 2021, nullptr, "2021-06-30"},
      // A date is a date, whatever the year.
      {"2021-10-20", 2022, nullptr, "2021-10-20"},
      // A due date is not moved off a holiday: 10月上旬 2021 is 10 October, a Sunday.
      {"10月上旬", 2021, nullptr, "2021-10-10"},
      // Working days from the stage's start, across National Day 2021:
      // 29 Sep, 30 Sep, 8 Oct, 9 Oct (a Saturday worked), 11 Oct.
      {"5个工作日内", 2021, "2021-09-28", "2021-10-11"},
      {"1个工作日内", 2021, "2021-09-30", "2021-10-08"},
      {"2个工作日内", 2021, "2021-09-30", "2021-10-09"},
      // Starting on a holiday counts from the next working day.
      {"1个工作日内", 2021, "2021-10-03", "2021-10-08"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(std::string(c.phrase) + " in " + std::to_string(c.year));
    auto p = ParseDuePhrase(c.phrase);
    ASSERT_TRUE(p.ok()) << p.status().str();
    std::optional<Date> start;
    if (c.stage_start != nullptr) start = D(c.stage_start);
    auto due = ResolveDue(*p, c.year, Shipped(), start);
    ASSERT_TRUE(due.ok()) << due.status().str();
    EXPECT_EQ(S(*due), c.due);
  }
}

TEST(ResolveDueTest, WorkingDaysNeedAStageStart) {
  auto p = ParseDuePhrase("5个工作日内");
  ASSERT_TRUE(p.ok());
  auto due = ResolveDue(*p, 2021, Shipped(), std::nullopt);
  ASSERT_FALSE(due.ok());
  EXPECT_EQ(due.status().code(), Code::kInvalidInput);
  EXPECT_THAT(due.status().message(), HasSubstr("5个工作日内"));
}

TEST(ResolveDueTest, RejectsAHandBuiltPhraseWithNoMonth) {
  DuePhrase p;
  p.kind = Kind::kDekad;
  p.month = 13;
  p.text = "bad";
  auto due = ResolveDue(p, 2021, Shipped(), std::nullopt);
  ASSERT_FALSE(due.ok());
  EXPECT_EQ(due.status().code(), Code::kInvalidInput);
}

// ---------------------------------------------------------------------------
// The shipped data

struct DayFact {
  const char* date;
  bool working;
  const char* holiday;  // nullptr: not a holiday
};

void ExpectFacts(const Calendar& cal, std::initializer_list<DayFact> facts) {
  for (const DayFact& f : facts) {
    SCOPED_TRACE(f.date);
    Date d = D(f.date);
    EXPECT_EQ(cal.IsWorkingDay(d), f.working);
    auto name = cal.HolidayName(d);
    if (f.holiday == nullptr) {
      EXPECT_FALSE(name.has_value()) << *name;
    } else {
      ASSERT_TRUE(name.has_value());
      EXPECT_EQ(*name, f.holiday);
    }
  }
}

TEST(ShippedCalendarTest, NationalDay2021) {
  ExpectFacts(Shipped(), {
      {"2021-09-24", true, nullptr},   // Friday
      {"2021-09-25", false, nullptr},  // Saturday
      {"2021-09-26", true, nullptr},   // Sunday, worked for National Day
      {"2021-09-30", true, nullptr},
      {"2021-10-01", false, "国庆节"},
      {"2021-10-02", false, "国庆节"},
      {"2021-10-03", false, "国庆节"},
      {"2021-10-04", false, "国庆节"},
      {"2021-10-05", false, "国庆节"},
      {"2021-10-06", false, "国庆节"},
      {"2021-10-07", false, "国庆节"},
      {"2021-10-08", true, nullptr},   // Friday
      {"2021-10-09", true, nullptr},   // Saturday, worked for National Day
      {"2021-10-10", false, nullptr},  // Sunday
      {"2021-10-11", true, nullptr},
  });
  // October 2021: 8, 9, 11–15, 18–22, 25–29.
  EXPECT_EQ(Shipped().WorkdaysBetween(D("2021-10-01"), D("2021-10-31")), 17);
}

TEST(ShippedCalendarTest, Year2021) {
  ExpectFacts(Shipped(), {
      {"2021-01-01", false, "元旦"},
      {"2021-01-04", true, nullptr},
      {"2021-02-07", true, nullptr},  // Sunday worked
      {"2021-02-10", true, nullptr},  // 除夕 was worked in 2021
      {"2021-02-11", false, "春节"},
      {"2021-02-17", false, "春节"},
      {"2021-02-20", true, nullptr},  // Saturday worked
      {"2021-04-05", false, "清明节"},
      {"2021-04-25", true, nullptr},
      {"2021-05-05", false, "劳动节"},
      {"2021-05-08", true, nullptr},
      {"2021-06-14", false, "端午节"},
      {"2021-09-18", true, nullptr},
      {"2021-09-21", false, "中秋节"},
  });
}

TEST(ShippedCalendarTest, SpringFestival2024) {
  ExpectFacts(Shipped(), {
      {"2024-02-04", true, nullptr},   // Sunday worked
      {"2024-02-09", true, nullptr},   // 除夕: only encouraged off, a working day
      {"2024-02-10", false, "春节"},
      {"2024-02-12", false, "春节"},   // Monday
      {"2024-02-16", false, "春节"},   // Friday
      {"2024-02-17", false, "春节"},
      {"2024-02-18", true, nullptr},   // Sunday worked
      {"2024-02-19", true, nullptr},
      {"2024-01-01", false, "元旦"},
      {"2024-06-10", false, "端午节"},
      {"2024-10-12", true, nullptr},
  });
}

TEST(ShippedCalendarTest, SpringFestivalAndLabourDay2025) {
  ExpectFacts(Shipped(), {
      {"2025-01-26", true, nullptr},   // Sunday worked
      {"2025-01-27", true, nullptr},
      {"2025-01-28", false, "春节"},   // 除夕, statutory from 2025
      {"2025-02-04", false, "春节"},
      {"2025-02-05", true, nullptr},
      {"2025-02-08", true, nullptr},   // Saturday worked
      {"2025-04-27", true, nullptr},   // Sunday worked
      {"2025-05-02", false, "劳动节"}, // statutory from 2025
      {"2025-05-05", false, "劳动节"},
      {"2025-05-06", true, nullptr},
      {"2025-10-08", false, "国庆节、中秋节"},
      {"2025-10-11", true, nullptr},
  });
}

TEST(ShippedCalendarTest, OtherYears) {
  ExpectFacts(Shipped(), {
      // 2022
      {"2022-01-29", true, nullptr},
      {"2022-01-30", true, nullptr},
      {"2022-01-31", false, "春节"},
      {"2022-04-02", true, nullptr},
      {"2022-10-08", true, nullptr},
      {"2022-10-09", true, nullptr},
      // 2023: New Year's Day began on Saturday 2022-12-31 (the 2023 notice).
      {"2022-12-30", true, nullptr},
      {"2022-12-31", false, "元旦"},
      {"2023-01-02", false, "元旦"},
      {"2023-04-05", false, "清明节"},
      {"2023-06-25", true, nullptr},
      {"2023-09-29", false, "中秋节、国庆节"},
      {"2023-10-06", false, "中秋节、国庆节"},
      {"2023-10-07", true, nullptr},
      {"2023-10-08", true, nullptr},
      // 2026
      {"2026-01-04", true, nullptr},
      {"2026-02-14", true, nullptr},
      {"2026-02-15", false, "春节"},
      {"2026-02-23", false, "春节"},
      {"2026-02-28", true, nullptr},
      {"2026-05-09", true, nullptr},
      {"2026-09-20", true, nullptr},
      {"2026-10-10", true, nullptr},
  });
}

TEST(ShippedCalendarTest, EveryFileLoadsAndIsConsistent) {
  auto years = LoadDirectory(kCalendarDir);
  ASSERT_TRUE(years.ok()) << years.status().str();
  std::vector<int> got;
  for (const YearData& y : *years) got.push_back(y.year);
  EXPECT_EQ(got, (std::vector<int>{2021, 2022, 2023, 2024, 2025, 2026}));

  Calendar cal = Calendar::FromYears(*years);
  EXPECT_TRUE(cal.YearsWithoutData(2021, 2026).empty());
  for (const YearData& y : *years) {
    SCOPED_TRACE(y.year);
    EXPECT_THAT(y.source, HasSubstr("国务院办公厅关于" + std::to_string(y.year) +
                                    "年部分节假日安排的通知"));
    EXPECT_THAT(y.source, HasSubstr("国办发明电〔" + std::to_string(y.year - 1) + "〕"));
    EXPECT_EQ(y.content_hash_or_empty.size(), 64U);
    EXPECT_GE(y.holidays.size(), 6U);
    // The seven festivals, once each (merged names count for both).
    for (const char* festival : {"元旦", "春节", "清明节", "劳动节", "端午节", "中秋节", "国庆节"}) {
      int n = 0;
      for (const Holiday& h : y.holidays)
        if (h.name.find(festival) != std::string::npos) ++n;
      EXPECT_EQ(n, 1) << festival;
    }
    // Working days = Mondays to Fridays - statutory days (11, or 13 from 2025):
    // every holiday's weekdays beyond its statutory days are made up on weekends.
    int plain = 0;
    Date first{std::chrono::year(y.year), std::chrono::January, std::chrono::day(1)};
    Date last{std::chrono::year(y.year), std::chrono::December, std::chrono::day(31)};
    for (auto d = std::chrono::sys_days(first); d <= std::chrono::sys_days(last);
         d += std::chrono::days(1)) {
      std::chrono::weekday w{d};
      if (w != std::chrono::Saturday && w != std::chrono::Sunday) ++plain;
    }
    int statutory = y.year >= 2025 ? 13 : 11;
    EXPECT_EQ(cal.WorkdaysBetween(first, last), plain - statutory);
  }
}

// ---------------------------------------------------------------------------
// Working-day arithmetic

TEST(CalendarTest, AddWorkdaysAcrossNationalDay2021) {
  struct Case {
    const char* from;
    int n;
    const char* to;
  };
  const Case cases[] = {
      {"2021-09-30", 1, "2021-10-08"},
      {"2021-09-30", 2, "2021-10-09"},
      {"2021-09-30", 3, "2021-10-11"},
      {"2021-09-25", 1, "2021-09-26"},   // Saturday → the Sunday worked
      {"2021-10-03", 0, "2021-10-03"},   // zero: the day itself, holiday or not
      {"2021-10-08", -1, "2021-09-30"},
      {"2021-10-08", -2, "2021-09-29"},
      {"2021-10-09", -1, "2021-10-08"},
      {"2021-10-11", -2, "2021-10-08"},
      {"2021-09-27", -1, "2021-09-26"},  // Sunday worked
      {"2021-10-05", -1, "2021-09-30"},
      {"2021-12-31", 1, "2022-01-04"},   // across the year and New Year's Day 2022
      {"2022-01-04", -1, "2021-12-31"},
      {"2021-01-04", 250, "2022-01-04"},  // 2021 has 250 working days
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(std::string(c.from) + " + " + std::to_string(c.n));
    EXPECT_EQ(S(Shipped().AddWorkdays(D(c.from), c.n)), c.to);
  }
}

TEST(CalendarTest, WorkdaysBetween) {
  struct Case {
    const char* from;
    const char* to;
    int count;
  };
  const Case cases[] = {
      {"2021-09-30", "2021-10-08", 2},
      {"2021-10-08", "2021-09-30", -2},
      {"2021-09-30", "2021-09-30", 1},
      {"2021-10-03", "2021-10-03", 0},
      {"2021-10-01", "2021-10-07", 0},
      {"2021-09-26", "2021-10-09", 7},  // 26–30 Sep, 8 and 9 Oct
      {"2021-12-31", "2022-01-04", 2},
      {"2021-01-01", "2021-12-31", 250},
      {"2021-01-01", "2026-12-31", 250 + 249 + 249 + 251 + 248 + 248},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(std::string(c.from) + " .. " + c.to);
    EXPECT_EQ(Shipped().WorkdaysBetween(D(c.from), D(c.to)), c.count);
  }
}

// Every answer agrees with counting day by day, in years with data, without
// data and across the edges between them.
TEST(CalendarTest, ArithmeticAgreesWithCountingDays) {
  const Calendar& cal = Shipped();
  const auto first = std::chrono::sys_days(D("2019-11-01"));
  const auto last = std::chrono::sys_days(D("2028-02-01"));
  auto working = [&](std::chrono::sys_days d) { return cal.IsWorkingDay(Date(d)); };
  for (auto d = first; d <= last; d += std::chrono::days(5)) {
    const Date date(d);
    for (int n : {-40, -9, -3, -1, 1, 2, 5, 10, 37}) {
      auto x = d;
      for (int left = n > 0 ? n : -n; left > 0;) {
        x += std::chrono::days(n > 0 ? 1 : -1);
        if (working(x)) --left;
      }
      ASSERT_EQ(S(cal.AddWorkdays(date, n)), S(Date(x))) << S(date) << " + " << n;
    }
    for (int span : {0, 1, 6, 13, 45, 400}) {
      int count = 0;
      for (auto x = d; x <= d + std::chrono::days(span); x += std::chrono::days(1))
        if (working(x)) ++count;
      const Date end(d + std::chrono::days(span));
      ASSERT_EQ(cal.WorkdaysBetween(date, end), count) << S(date) << " .. " << S(end);
      if (span > 0) {
        ASSERT_EQ(cal.WorkdaysBetween(end, date), -count);
      }
    }
  }
}

TEST(CalendarTest, YearsWithoutDataFallBackToWeekends) {
  const Calendar& cal = Shipped();
  EXPECT_FALSE(cal.HasYear(2030));
  EXPECT_TRUE(cal.HasYear(2021));
  EXPECT_EQ(cal.YearsWithoutData(2019, 2028), (std::vector<int>{2019, 2020, 2027, 2028}));
  EXPECT_TRUE(cal.YearsWithoutData(2030, 2029).empty());
  ExpectFacts(cal, {
      {"2030-10-01", true, nullptr},   // Tuesday: no notice, so a working day
      {"2030-10-05", false, nullptr},  // Saturday
      {"2030-10-06", false, nullptr},  // Sunday
      {"2020-10-01", true, nullptr},   // 2020 is not shipped either
  });
  EXPECT_EQ(S(cal.AddWorkdays(D("2030-10-04"), 1)), "2030-10-07");
  EXPECT_EQ(S(cal.AddWorkdays(D("2030-10-07"), -1)), "2030-10-04");
  EXPECT_EQ(cal.WorkdaysBetween(D("2030-10-01"), D("2030-10-31")), 23);

  Calendar empty;
  EXPECT_FALSE(empty.HasYear(2021));
  EXPECT_TRUE(empty.IsWorkingDay(D("2021-10-01")));
  EXPECT_EQ(S(empty.AddWorkdays(D("2021-09-30"), 1)), "2021-10-01");
  EXPECT_EQ(empty.YearsWithoutData(2021, 2022), (std::vector<int>{2021, 2022}));
}

TEST(CalendarTest, AddYearReplacesAndChecks) {
  auto years = LoadDirectory(kCalendarDir);
  ASSERT_TRUE(years.ok()) << years.status().str();
  Calendar cal = Calendar::FromYears(*years);
  ASSERT_NE(cal.Year(2021), nullptr);

  YearData y2021 = *cal.Year(2021);
  std::erase_if(y2021.holidays, [](const Holiday& h) { return h.name == "国庆节"; });
  std::erase_if(y2021.workdays, [](const MakeupDay& m) { return m.for_holiday == "国庆节"; });
  ASSERT_TRUE(cal.AddYear(y2021).ok());
  EXPECT_TRUE(cal.IsWorkingDay(D("2021-10-04")));
  EXPECT_FALSE(cal.IsWorkingDay(D("2021-10-09")));
  EXPECT_FALSE(cal.HolidayName(D("2021-10-04")).has_value());
  EXPECT_EQ(cal.Years(), (std::vector<int>{2021, 2022, 2023, 2024, 2025, 2026}));

  YearData bad = y2021;
  bad.workdays.push_back({D("2021-11-03"), "春节"});  // a Wednesday
  Status st = cal.AddYear(bad);
  EXPECT_EQ(st.code(), Code::kInvalidInput);
  EXPECT_THAT(st.message(), HasSubstr("not a Saturday or Sunday"));
  EXPECT_EQ(*cal.Year(2021), y2021);  // unchanged

  YearData extra;
  extra.year = 2030;
  extra.source = "test";
  extra.holidays.push_back({"国庆节", "National Day", D("2030-10-01"), D("2030-10-07")});
  ASSERT_TRUE(cal.AddYear(extra).ok());
  EXPECT_FALSE(cal.IsWorkingDay(D("2030-10-01")));
  EXPECT_EQ(cal.YearsWithoutData(2026, 2030), (std::vector<int>{2027, 2028, 2029}));
}

// ---------------------------------------------------------------------------
// Year-file errors

constexpr const char* kGoodHead =
    "year = 2021\n"
    "source = \"test notice\"\n";

TEST(ParseYearTest, ReadsAFile) {
  auto y = ParseYear(std::string(kGoodHead) +
                         "[[holiday]]\n"
                         "name = \"国庆节\"\n"
                         "name_en = \"National Day\"\n"
                         "from = 2021-10-01\n"
                         "to = 2021-10-07\n"
                         "[[workday]]\n"
                         "date = 2021-09-26\n"
                         "for = \"国庆节\"\n",
                     "test.toml");
  ASSERT_TRUE(y.ok()) << y.status().str();
  EXPECT_EQ(y->year, 2021);
  EXPECT_EQ(y->source, "test notice");
  ASSERT_EQ(y->holidays.size(), 1U);
  EXPECT_EQ(y->holidays[0], (Holiday{"国庆节", "National Day", D("2021-10-01"), D("2021-10-07")}));
  ASSERT_EQ(y->workdays.size(), 1U);
  EXPECT_EQ(y->workdays[0], (MakeupDay{D("2021-09-26"), "国庆节"}));
  EXPECT_EQ(y->content_hash_or_empty.size(), 64U);
}

TEST(ParseYearTest, EveryErrorNamesFileLineAndColumn) {
  const std::string holiday =
      "[[holiday]]\n"                // line 3
      "name = \"国庆节\"\n"          // line 4
      "name_en = \"National Day\"\n" // line 5
      "from = 2021-10-01\n"          // line 6
      "to = 2021-10-07\n";           // line 7
  struct Case {
    const char* what;
    std::string content;
    const char* where;  // file:line:column
    const char* message;
  };
  const std::vector<Case> cases = {
      {"TOML syntax", std::string(kGoodHead) + "[[holiday]\n", "cal/x.toml:3:11",
       "TOML syntax error"},
      {"bad value", "year = 2021\nsource = 国\n", "cal/x.toml:2:10", "TOML syntax error"},
      {"missing year", "source = \"x\"\n" + holiday, "cal/x.toml:1:1", "missing key 'year'"},
      {"missing source", "year = 2021\n" + holiday, "cal/x.toml:1:1", "missing key 'source'"},
      {"missing holiday", std::string(kGoodHead), "cal/x.toml:1:1", "missing key 'holiday'"},
      {"missing to", std::string(kGoodHead) +
                         "[[holiday]]\nname = \"国庆节\"\nname_en = \"National Day\"\n"
                         "from = 2021-10-01\n",
       "cal/x.toml:3:1", "[[holiday]] is missing key 'to'"},
      {"missing for", std::string(kGoodHead) + holiday + "[[workday]]\ndate = 2021-09-26\n",
       "cal/x.toml:8:1", "[[workday]] is missing key 'for'"},
      {"year as string", "year = \"2021\"\nsource = \"x\"\n" + holiday, "cal/x.toml:1:8",
       "'year' must be an integer"},
      {"name as integer", std::string(kGoodHead) + "[[holiday]]\nname = 1\n", "cal/x.toml:4:8",
       "'name' must be a string, not an integer"},
      {"date as string", std::string(kGoodHead) +
                             "[[holiday]]\nname = \"国庆节\"\nname_en = \"National Day\"\n"
                             "from = \"2021-10-01\"\nto = 2021-10-07\n",
       "cal/x.toml:6:8", "'from' must be a TOML date"},
      {"date-time", std::string(kGoodHead) + holiday + "[[workday]]\ndate = 2021-09-26T08:00:00\n" +
                        "for = \"国庆节\"\n",
       "cal/x.toml:9:8", "not a date-time"},
      {"holiday not a table array", std::string(kGoodHead) + "holiday = 3\n", "cal/x.toml:3:11",
       "'holiday' must be an array of tables"},
      {"unknown top-level key", std::string(kGoodHead) + "notes = \"x\"\n" + holiday,
       "cal/x.toml:3:1", "unknown key 'notes'"},
      {"unknown holiday key", std::string(kGoodHead) +
                                  "[[holiday]]\nname = \"国庆节\"\nname_en = \"National Day\"\n"
                                  "  from = 2021-10-01\nto = 2021-10-07\n  days = 7\n",
       "cal/x.toml:8:3", "unknown key 'days' in [[holiday]]"},
      {"from after to", std::string(kGoodHead) +
                            "[[holiday]]\nname = \"国庆节\"\nname_en = \"National Day\"\n"
                            "from = 2021-10-07\nto = 2021-10-01\n",
       "cal/x.toml:7:6", "ends (2021-10-01) before it begins (2021-10-07)"},
      {"to outside the year", std::string(kGoodHead) +
                                  "[[holiday]]\nname = \"国庆节\"\nname_en = \"National Day\"\n"
                                  "from = 2021-10-01\nto = 2022-10-07\n",
       "cal/x.toml:7:6", "2022-10-07 is outside 2021"},
      {"from outside the year", std::string(kGoodHead) +
                                    "[[holiday]]\nname = \"元旦\"\nname_en = \"New Year's Day\"\n"
                                    "from = 2020-12-20\nto = 2021-01-01\n",
       "cal/x.toml:6:8", "2020-12-20 is outside 2021"},
      {"workday outside the year", std::string(kGoodHead) + holiday +
                                       "[[workday]]\ndate = 2022-10-08\nfor = \"国庆节\"\n",
       "cal/x.toml:9:8", "2022-10-08 is outside 2021"},
      {"workday on a Monday", std::string(kGoodHead) + holiday +
                                  "[[workday]]\ndate = 2021-09-27\nfor = \"国庆节\"\n",
       "cal/x.toml:9:8", "2021-09-27 is not a Saturday or Sunday"},
      {"workday inside a holiday", std::string(kGoodHead) + holiday +
                                       "[[workday]]\ndate = 2021-10-02\nfor = \"国庆节\"\n",
       "cal/x.toml:9:8", "lies inside holiday '国庆节'"},
      {"workday twice", std::string(kGoodHead) + holiday +
                            "[[workday]]\ndate = 2021-09-26\nfor = \"国庆节\"\n"
                            "[[workday]]\ndate = 2021-09-26\nfor = \"国庆节\"\n",
       "cal/x.toml:12:8", "listed twice"},
      {"workday for no holiday", std::string(kGoodHead) + holiday +
                                     "[[workday]]\ndate = 2021-09-26\nfor = \"春节\"\n",
       "cal/x.toml:10:7", "'春节', which is not a holiday of this file"},
      {"overlapping holidays", std::string(kGoodHead) + holiday +
                                   "[[holiday]]\nname = \"中秋节\"\nname_en = \"Mid-Autumn\"\n"
                                   "from = 2021-10-06\nto = 2021-10-08\n",
       "cal/x.toml:11:8", "overlaps '国庆节'"},
      {"empty source", "year = 2021\nsource = \"\"\n" + holiday, "cal/x.toml:2:10",
       "source is empty"},
      {"year out of range", "year = 21\nsource = \"x\"\n" + holiday, "cal/x.toml:1:8",
       "year 21 is not between"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.what);
    auto y = ParseYear(c.content, "cal/x.toml");
    ASSERT_FALSE(y.ok());
    EXPECT_EQ(y.status().code(), Code::kInvalidInput);
    EXPECT_EQ(y.status().pos().str(), c.where);
    EXPECT_THAT(y.status().message(), HasSubstr(c.message));
    EXPECT_THAT(y.status().str(), HasSubstr(std::string(c.where) + ": "));
  }
}

TEST(ParseYearTest, YearMustMatchTheFileName) {
  const std::string content = std::string(kGoodHead) +
                              "[[holiday]]\nname = \"国庆节\"\nname_en = \"National Day\"\n"
                              "from = 2021-10-01\nto = 2021-10-07\n";
  EXPECT_TRUE(ParseYear(content, "calendars/2021.toml").ok());
  EXPECT_TRUE(ParseYear(content, "anything.toml").ok());
  auto y = ParseYear(content, "calendars/2022.toml");
  ASSERT_FALSE(y.ok());
  EXPECT_EQ(y.status().pos().str(), "calendars/2022.toml:1:8");
  EXPECT_THAT(y.status().message(), HasSubstr("does not match the file name 2022.toml"));
}

TEST(ParseYearTest, NewYearMayBeginInThePreviousDecember) {
  auto y = ParseYear(
      "year = 2023\nsource = \"x\"\n"
      "[[holiday]]\nname = \"元旦\"\nname_en = \"New Year's Day\"\n"
      "from = 2022-12-31\nto = 2023-01-02\n",
      "2023.toml");
  ASSERT_TRUE(y.ok()) << y.status().str();
  // The spilled day counts only when the previous year has data of its own.
  Calendar alone = Calendar::FromYears({*y});
  EXPECT_FALSE(alone.HolidayName(D("2022-12-31")).has_value());
  EXPECT_TRUE(alone.HolidayName(D("2023-01-01")).has_value());
}

// ---------------------------------------------------------------------------
// LoadDirectory

class LoadDirectoryTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::path(::testing::TempDir()) /
           ("duban_calendar_test_" +
            std::string(::testing::UnitTest::GetInstance()->current_test_info()->name()));
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }
  void Write(const std::string& name, const std::string& content) {
    std::ofstream(dir_ / name, std::ios::binary) << content;
  }
  fs::path dir_;
};

TEST_F(LoadDirectoryTest, LoadsTomlFilesInNameOrderAndStopsAtTheFirstError) {
  const std::string holiday =
      "[[holiday]]\nname = \"国庆节\"\nname_en = \"National Day\"\n"
      "from = YYYY-10-01\nto = YYYY-10-07\n";
  auto year_file = [&](int year) {
    std::string s = "year = " + std::to_string(year) + "\nsource = \"x\"\n" + holiday;
    for (auto at = s.find("YYYY"); at != std::string::npos; at = s.find("YYYY"))
      s.replace(at, 4, std::to_string(year));
    return s;
  };
  Write("2022.toml", year_file(2022));
  Write("2021.toml", year_file(2021));
  Write("README.md", "not a calendar");
  auto years = LoadDirectory(dir_);
  ASSERT_TRUE(years.ok()) << years.status().str();
  ASSERT_EQ(years->size(), 2U);
  EXPECT_EQ((*years)[0].year, 2021);
  EXPECT_EQ((*years)[1].year, 2022);

  Write("2023.toml", "year = 2023\nsource = \"x\"\n[[holiday]]\nname = 1\n");
  Write("2024.toml", "this is not TOML");
  auto bad = LoadDirectory(dir_);
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().pos().str(), (dir_ / "2023.toml").string() + ":4:8");

  fs::remove(dir_ / "2023.toml");
  fs::remove(dir_ / "2024.toml");
  Write("copy-of-2021.toml", year_file(2021));
  auto dup = LoadDirectory(dir_);
  ASSERT_FALSE(dup.ok());
  EXPECT_EQ(dup.status().code(), Code::kInvalidInput);
  EXPECT_THAT(dup.status().message(), HasSubstr("year 2021 is also given by"));
}

TEST_F(LoadDirectoryTest, MissingDirectoryIsNotFound) {
  auto years = LoadDirectory(dir_ / "nope");
  ASSERT_FALSE(years.ok());
  EXPECT_EQ(years.status().code(), Code::kNotFound);
}

}  // namespace
}  // namespace duban::calendar
