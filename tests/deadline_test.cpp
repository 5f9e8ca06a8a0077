// Deadlines on the shipped 2021 calendar: the default policy's schedule for a
// unit that never submits, escalation across National Day, idempotence,
// catch-up after a gap, the ledger's standing, and the scheduler on a
// simulated clock.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include <boost/asio/io_context.hpp>

#include "calendar/calendar.h"
#include "core/time.h"
#include "deadline/deadline.h"
#include "deadline/evaluator.h"
#include "support/local_time.h"
#include "runtime/scheduler.h"
#include "runtime/system_env.h"
#include "workflow/loader.h"

namespace duban::deadline {
namespace {

using namespace std::chrono_literals;
using runtime::Scheduler;
using runtime::SimulatedClock;
using runtime::SimulatedScheduler;
using ::testing::ElementsAre;
using ::testing::IsEmpty;

const TimeZone& Tz() { return TimeZone::Default(); }

const calendar::Calendar& Cal() {
  static const calendar::Calendar cal = [] {
    auto years = calendar::LoadDirectory(DUBAN_SOURCE_DIR "/workflows/calendars");
    EXPECT_TRUE(years.ok()) << years.status().str();
    return calendar::Calendar::FromYears(years.ok() ? std::move(years).value()
                                                    : std::vector<calendar::YearData>{});
  }();
  return cal;
}

const model::Workflow& Annual() {
  static const model::Workflow wf = [] {
    auto text = workflow::ReadTextFile(DUBAN_SOURCE_DIR "/workflows/annual-cycle.toml");
    EXPECT_TRUE(text.ok()) << text.status().str();
    auto parsed = workflow::ParseWorkflow(text.ok() ? *text : "", "annual-cycle.toml");
    EXPECT_TRUE(parsed.ok()) << parsed.status().str();
    return parsed.ok() ? std::move(parsed).value() : model::Workflow{};
  }();
  return wf;
}

// "2021-10-15 09:00" (local to Asia/Shanghai) as an instant.
Instant T(const char* local) {
  auto t = ParseInstant(local, Tz());
  EXPECT_TRUE(t.ok()) << local;
  return t.ok() ? *t : Instant{};
}

// "2021-10-15 09:00:00", local.
std::string Local(Instant t) { return duban::testing::LocalWithSeconds(t, Tz()); }

// One event as a line: "2021-10-22 09:00:00 level 2 overdue 2 [coordinator office_director]".
std::string Line(const model::Event& e) {
  std::string line = Local(e.at) + " ";
  const auto& p = e.payload;
  if (std::string(model::EventTypeName(e.type)) == "deadline.approaching") {
    line += "approaching, " + std::to_string(p.at("workdays_left").get<int>()) + " left";
  } else if (std::string(model::EventTypeName(e.type)) == "deadline.missed") {
    line += "missed";
  } else if (std::string(model::EventTypeName(e.type)) == "escalation.raised") {
    std::string roles;
    for (const auto& role : p.at("roles"))
      roles += (roles.empty() ? "" : " ") + role.get<std::string>();
    line += "level " + std::to_string(p.at("level").get<int>()) + " overdue " +
            std::to_string(p.at("overdue_workdays").get<int>()) + " [" + roles + "]";
    if (p.at("repeat").get<bool>()) line += " repeat";
  } else {
    line += std::string(model::EventTypeName(e.type));
  }
  return line;
}

std::vector<std::string> Lines(const std::vector<model::Event>& events) {
  std::vector<std::string> lines;
  for (const auto& e : events) lines.push_back(Line(e));
  return lines;
}

// The Finance Bureau, having entered `stage` at `entered`, with the stage's
// due as the shipped workflow resolves it in 2021 and fresh progress.
model::Instance Unit(std::string_view stage, Instant entered) {
  model::Instance unit;
  unit.unit = "finance";
  unit.stage = *Annual().FindStage(stage);
  unit.entered_at = entered;
  auto due = StageDue(Annual(), unit.stage, 2021, Cal(), Tz(), entered);
  EXPECT_TRUE(due.ok()) << due.status().str();
  if (due.ok()) unit.due_at = *due;
  const Progress start = Restart(Annual(), Cal(), Tz(), unit);
  unit.deadline_step = start.step;
  unit.next_deadline_at = start.next_at;
  return unit;
}

// Evaluates at `now` and stores the progress, as the tick would.
std::vector<std::string> Tick(model::Instance& unit, Instant now) {
  Evaluation ev = Evaluate(Annual(), Cal(), Tz(), unit, now);
  unit.deadline_step = ev.progress.step;
  unit.next_deadline_at = ev.progress.next_at;
  return Lines(ev.events);
}

// Ticks exactly at each next_deadline_at up to `until`, as the scheduler would.
std::vector<std::string> FollowUntil(model::Instance& unit, Instant until) {
  std::vector<std::string> all;
  while (unit.next_deadline_at && *unit.next_deadline_at <= until) {
    const int before = unit.deadline_step;
    for (auto& line : Tick(unit, *unit.next_deadline_at)) all.push_back(line);
    EXPECT_GT(unit.deadline_step, before) << "a tick at next_deadline_at made no progress";
    if (unit.deadline_step <= before) break;
  }
  return all;
}

// --- The 2021 schedule of a unit that never submits ---------------------------

TEST(Schedule, CollectingIn2021ForAUnitThatNeverSubmits) {
  // Acknowledged on Monday 11 October; due before late October: the end of
  // Wednesday 20 October. 15 October is the 3rd working day before it (19,
  // 18, then Friday 15: the weekend of 16-17 October is off).
  model::Instance unit = Unit("collecting", T("2021-10-11 10:00"));
  ASSERT_TRUE(unit.due_at);
  EXPECT_EQ(FormatUtc(*unit.due_at), "2021-10-20T15:59:59Z");
  EXPECT_EQ(*unit.due_at, T("2021-10-20T23:59:59+08:00"));
  EXPECT_EQ(unit.next_deadline_at, T("2021-10-15 09:00"));

  EXPECT_THAT(FollowUntil(unit, T("2021-11-10 00:00")),
              ElementsAre("2021-10-15 09:00:00 approaching, 3 left",
                          "2021-10-19 09:00:00 approaching, 1 left",
                          "2021-10-20 23:59:59 missed",
                          "2021-10-20 23:59:59 level 1 overdue 0 [liaison coordinator]",
                          // 21, 22 October: the 2nd working day overdue
                          "2021-10-22 09:00:00 level 2 overdue 2 [coordinator office_director]",
                          // 25, 26, 27 October: the 5th
                          "2021-10-27 09:00:00 level 3 overdue 5 [office_director deputy_leader]",
                          // then every 3 working days: 28, 29 Oct, 1 Nov; 2, 3, 4; 5, 8, 9
                          "2021-11-01 09:00:00 level 3 overdue 8 [office_director deputy_leader] repeat",
                          "2021-11-04 09:00:00 level 3 overdue 11 [office_director deputy_leader] repeat",
                          "2021-11-09 09:00:00 level 3 overdue 14 [office_director deputy_leader] repeat"));
  EXPECT_EQ(unit.next_deadline_at, T("2021-11-12 09:00"));
}

TEST(Schedule, EventsCarryTheirFactsAndAreStampedWhenTheStepFellDue) {
  model::Instance unit = Unit("collecting", T("2021-10-11 10:00"));
  const Evaluation ev = Evaluate(Annual(), Cal(), Tz(), unit, T("2021-10-22 10:30"));
  ASSERT_EQ(ev.events.size(), 3u);  // missed, levels 1 and 2; the reminders are superseded
  const model::Event& level2 = ev.events[2];
  EXPECT_EQ(std::string(model::EventTypeName(level2.type)), "escalation.raised");
  EXPECT_EQ(level2.unit, "finance");
  EXPECT_EQ(level2.actor, "system");
  EXPECT_EQ(level2.at, T("2021-10-22 09:00"));  // not `now`
  EXPECT_EQ(level2.payload, nlohmann::json::parse(R"({
      "stage": "collecting", "due": "2021-10-20T15:59:59Z", "due_date": "2021-10-20",
      "level": 2, "roles": ["coordinator", "office_director"], "overdue_workdays": 2, "repeat": false})"));
  EXPECT_EQ(std::string(model::EventTypeName(ev.events[0].type)), "deadline.missed");
  EXPECT_EQ(ev.events[0].payload, nlohmann::json::parse(R"({
      "stage": "collecting", "due": "2021-10-20T15:59:59Z", "due_date": "2021-10-20"})"));

  const Evaluation reminder = Evaluate(Annual(), Cal(), Tz(), unit, T("2021-10-15 09:00"));
  ASSERT_EQ(reminder.events.size(), 1u);
  EXPECT_EQ(std::string(model::EventTypeName(reminder.events[0].type)), "deadline.approaching");
  EXPECT_EQ(reminder.events[0].payload, nlohmann::json::parse(R"({
      "stage": "collecting", "due": "2021-10-20T15:59:59Z", "due_date": "2021-10-20",
      "workdays_left": 3})"));
}

TEST(Schedule, AStepFallsDueAtItsInstantNotASecondBefore) {
  model::Instance unit = Unit("collecting", T("2021-10-11 10:00"));
  EXPECT_THAT(Tick(unit, T("2021-10-15 08:59:59")), IsEmpty());
  EXPECT_EQ(unit.deadline_step, 0);
  EXPECT_THAT(Tick(unit, T("2021-10-15 09:00")),
              ElementsAre("2021-10-15 09:00:00 approaching, 3 left"));
  EXPECT_THAT(Tick(unit, T("2021-10-20 23:59:58")),
              ElementsAre("2021-10-19 09:00:00 approaching, 1 left"));
  EXPECT_THAT(Tick(unit, T("2021-10-20 23:59:59")),
              ElementsAre("2021-10-20 23:59:59 missed",
                          "2021-10-20 23:59:59 level 1 overdue 0 [liaison coordinator]"));
}

// --- Across a holiday ---------------------------------------------------------

TEST(Schedule, EscalationAcrossNationalDay2021) {
  // Due at the end of Thursday 30 September, the last working day before
  // National Day (1-7 October off; Saturday 9 October worked).
  model::Instance unit = Unit("collecting", T("2021-09-22 10:00"));
  unit.due_at = Tz().end_of_day(Date(2021y / 9 / 30));
  unit.next_deadline_at = Restart(Annual(), Cal(), Tz(), unit).next_at;
  EXPECT_THAT(FollowUntil(unit, T("2021-10-19 00:00")),
              ElementsAre("2021-09-27 09:00:00 approaching, 3 left",  // 29, 28, 27 September
                          "2021-09-29 09:00:00 approaching, 1 left",
                          "2021-09-30 23:59:59 missed",
                          "2021-09-30 23:59:59 level 1 overdue 0 [liaison coordinator]",
                          // 8 October, then the make-up Saturday 9 October
                          "2021-10-09 09:00:00 level 2 overdue 2 [coordinator office_director]",
                          "2021-10-13 09:00:00 level 3 overdue 5 [office_director deputy_leader]",  // 11, 12, 13
                          "2021-10-18 09:00:00 level 3 overdue 8 [office_director deputy_leader] repeat"));
}

TEST(Schedule, OneWorkingDayAfterTheLastDayBeforeNationalDayIsOctober8) {
  model::Workflow wf = Annual();
  const auto collecting = *wf.FindStage("collecting");
  model::DeadlinePolicy& policy = wf.stages[collecting].policy;
  policy.levels[1].after_workdays = 1;
  policy.levels[2].after_workdays = 3;
  model::Instance unit = Unit("collecting", T("2021-09-22 10:00"));
  unit.due_at = Tz().end_of_day(Date(2021y / 9 / 30));

  const Schedule schedule(policy, *unit.due_at, unit.entered_at, Cal(), Tz());
  ASSERT_TRUE(schedule.At(4));
  EXPECT_EQ(Local(schedule.At(4)->at), "2021-10-08 09:00:00");  // level 2, +1 working day
  EXPECT_EQ(schedule.At(4)->overdue_workdays, 1);
  EXPECT_EQ(Local(schedule.At(5)->at), "2021-10-11 09:00:00");  // level 3, +3: 8, 9, 11
  EXPECT_EQ(Cal().AddWorkdays(Date(2021y / 9 / 30), 1), Date(2021y / 10 / 8));
}

TEST(Schedule, AnEscalationDueOnAHolidayIsRaisedOnTheNextWorkingDay) {
  // The kickoff is due in early October: at the end of Sunday 10 October,
  // which is not worked. The missed deadline is a fact of that Sunday; level 1
  // goes out on Monday 11 October at 09:00. The 3rd working day before the
  // Sunday is 30 September (9 and 8 October are the 1st and 2nd).
  model::Instance unit = Unit("planned", T("2021-09-01 09:00"));
  EXPECT_EQ(unit.due_at, Tz().end_of_day(Date(2021y / 10 / 10)));
  EXPECT_THAT(FollowUntil(unit, T("2021-10-16 00:00")),
              ElementsAre("2021-09-30 09:00:00 approaching, 3 left",
                          "2021-10-09 09:00:00 approaching, 1 left",
                          "2021-10-10 23:59:59 missed",
                          "2021-10-11 09:00:00 level 1 overdue 1 [office_staff]",
                          "2021-10-12 09:00:00 level 2 overdue 2 [office_director]",
                          "2021-10-15 09:00:00 level 3 overdue 5 [office_director leader]"));
}

// --- The kicked_off stage: 3个工作日内 ------------------------------------------

TEST(Schedule, KickedOffIsDueThreeWorkingDaysAfterTheKickoff) {
  // Kickoff on Friday 8 October at 15:00, the first working day after
  // National Day: 9 (the make-up Saturday), 11 and 12 October are the 3
  // working days, so it is due at the end of Tuesday 12 October. The stage's
  // own policy reminds once, the day before.
  model::Instance unit = Unit("kicked_off", T("2021-10-08 15:00"));
  EXPECT_EQ(unit.due_at, T("2021-10-12T23:59:59+08:00"));
  EXPECT_THAT(FollowUntil(unit, T("2021-10-23 00:00")),
              ElementsAre("2021-10-11 09:00:00 approaching, 1 left",
                          "2021-10-12 23:59:59 missed",
                          "2021-10-12 23:59:59 level 1 overdue 0 [liaison coordinator]",
                          "2021-10-14 09:00:00 level 2 overdue 2 [coordinator office_director]",
                          "2021-10-19 09:00:00 level 3 overdue 5 [office_director deputy_leader]",
                          "2021-10-22 09:00:00 level 3 overdue 8 [office_director deputy_leader] repeat"));
}

TEST(Schedule, AStepBeforeTheUnitEnteredTheStageIsStampedWhenItEntered) {
  // Under the default reminders a 3-working-day reminder for the kickoff on
  // 8 October would fall at 09:00 that day, before the meeting at 15:00.
  model::Workflow wf = Annual();
  const auto kicked_off = *wf.FindStage("kicked_off");
  wf.stages[kicked_off].policy.reminders = {3, 1};
  model::Instance unit = Unit("kicked_off", T("2021-10-08 15:00"));
  const Evaluation ev = Evaluate(wf, Cal(), Tz(), unit, T("2021-10-08 15:00:05"));
  EXPECT_THAT(Lines(ev.events), ElementsAre("2021-10-08 15:00:00 approaching, 3 left"));
  EXPECT_EQ(ev.progress.next_at, T("2021-10-11 09:00"));
}

TEST(Schedule, AStageWithNoDueHasNoSchedule) {
  model::Instance unit = Unit("submitted", T("2021-10-18 10:00"));
  EXPECT_FALSE(unit.due_at);
  EXPECT_EQ(unit.deadline_step, 0);
  EXPECT_FALSE(unit.next_deadline_at);
  const Evaluation ev = Evaluate(Annual(), Cal(), Tz(), unit, T("2022-06-01 00:00"));
  EXPECT_THAT(ev.events, IsEmpty());
  EXPECT_EQ(ev.progress, (Progress{0, std::nullopt}));
  EXPECT_FALSE(StandingAt(Annual(), Cal(), Tz(), unit, T("2022-06-01 00:00")));
}

TEST(Schedule, WithoutRepeatsTheScheduleEnds) {
  model::Workflow wf = Annual();
  const auto collecting = *wf.FindStage("collecting");
  wf.stages[collecting].policy.repeat_every_workdays = 0;
  model::Instance unit = Unit("collecting", T("2021-10-11 10:00"));
  const Evaluation ev = Evaluate(wf, Cal(), Tz(), unit, T("2021-12-31 00:00"));
  EXPECT_THAT(Lines(ev.events),
              ElementsAre("2021-10-20 23:59:59 missed",
                          "2021-10-20 23:59:59 level 1 overdue 0 [liaison coordinator]",
                          "2021-10-22 09:00:00 level 2 overdue 2 [coordinator office_director]",
                          "2021-10-27 09:00:00 level 3 overdue 5 [office_director deputy_leader]"));
  EXPECT_EQ(ev.progress, (Progress{6, std::nullopt}));
}

// --- Idempotence and catch-up -----------------------------------------------

TEST(Evaluate, TwiceAtOneTimeRaisesNothingNew) {
  for (const char* at : {"2021-10-14 12:00", "2021-10-15 09:00", "2021-10-20 23:59:59",
                         "2021-10-22 09:00", "2021-11-05 10:00"}) {
    model::Instance unit = Unit("collecting", T("2021-10-11 10:00"));
    Tick(unit, T(at));
    const model::Instance after_first = unit;
    EXPECT_THAT(Tick(unit, T(at)), IsEmpty()) << at;
    EXPECT_EQ(unit.deadline_step, after_first.deadline_step) << at;
    EXPECT_EQ(unit.next_deadline_at, after_first.next_deadline_at) << at;
  }
}

TEST(Evaluate, HourlyTicksRaiseEachStepOnceAtItsOwnTime) {
  model::Instance unit = Unit("collecting", T("2021-10-11 10:00"));
  std::vector<std::string> hourly;
  for (Instant now = T("2021-10-11 10:00"); now <= T("2021-11-10 00:00"); now += 1h)
    for (auto& line : Tick(unit, now)) hourly.push_back(line);
  model::Instance followed = Unit("collecting", T("2021-10-11 10:00"));
  EXPECT_EQ(hourly, FollowUntil(followed, T("2021-11-10 00:00")));
  EXPECT_EQ(hourly.size(), 9u);
}

struct GapCase {
  const char* name;
  const char* last_tick;  // the machine's last tick before it went off
  const char* back_on;    // its first tick after
  std::vector<std::string> raised;
  const char* next;       // next_deadline_at afterwards
};

std::string GapName(const ::testing::TestParamInfo<GapCase>& param) { return param.param.name; }
// Test listings show the case's name, not its bytes.
void PrintTo(const GapCase& c, std::ostream* os) { *os << c.name; }

class CatchUp : public ::testing::TestWithParam<GapCase> {};

TEST_P(CatchUp, EachMissedStepOnceStampedWithItsOwnTimeWithoutAFlood) {
  const GapCase& c = GetParam();
  model::Instance unit = Unit("collecting", T("2021-10-11 10:00"));
  Tick(unit, T(c.last_tick));
  EXPECT_THAT(Tick(unit, T(c.back_on)), ::testing::ElementsAreArray(c.raised));
  EXPECT_EQ(unit.next_deadline_at, T(c.next));
  EXPECT_THAT(Tick(unit, T(c.back_on)), IsEmpty());
}

INSTANTIATE_TEST_SUITE_P(
    Gaps, CatchUp,
    ::testing::Values(
        // Both reminders missed: only the later one, still true, is raised.
        GapCase{"BothReminders", "2021-10-14 12:00", "2021-10-19 10:00",
                {"2021-10-19 09:00:00 approaching, 1 left"}, "2021-10-20 23:59:59"},
        // A reminder overtaken by the missed deadline is not raised at all.
        GapCase{"ReminderOvertaken", "2021-10-18 12:00", "2021-10-21 10:00",
                {"2021-10-20 23:59:59 missed",
                 "2021-10-20 23:59:59 level 1 overdue 0 [liaison coordinator]"},
                "2021-10-22 09:00"},
        // A week off: each level once, in order, each at its own time.
        GapCase{"AWeekOff", "2021-10-20 12:00", "2021-10-28 10:00",
                {"2021-10-20 23:59:59 missed",
                 "2021-10-20 23:59:59 level 1 overdue 0 [liaison coordinator]",
                 "2021-10-22 09:00:00 level 2 overdue 2 [coordinator office_director]",
                 "2021-10-27 09:00:00 level 3 overdue 5 [office_director deputy_leader]"},
                "2021-11-01 09:00"},
        // Off past level 3 and two of its repeats: level 3 on the day it was
        // first reached, then of the repeats only the latest.
        GapCase{"PastRepeats", "2021-10-14 12:00", "2021-11-05 10:00",
                {"2021-10-20 23:59:59 missed",
                 "2021-10-20 23:59:59 level 1 overdue 0 [liaison coordinator]",
                 "2021-10-22 09:00:00 level 2 overdue 2 [coordinator office_director]",
                 "2021-10-27 09:00:00 level 3 overdue 5 [office_director deputy_leader]",
                 "2021-11-04 09:00:00 level 3 overdue 11 [office_director deputy_leader] repeat"},
                "2021-11-09 09:00"},
        // Off from October to 30 November: every level on its own day, and
        // of the repeats only the latest.
        GapCase{"OctoberToNovember30", "2021-10-19 12:00", "2021-11-30 10:00",
                {"2021-10-20 23:59:59 missed",
                 "2021-10-20 23:59:59 level 1 overdue 0 [liaison coordinator]",
                 "2021-10-22 09:00:00 level 2 overdue 2 [coordinator office_director]",
                 "2021-10-27 09:00:00 level 3 overdue 5 [office_director deputy_leader]",
                 "2021-11-30 09:00:00 level 3 overdue 29 [office_director deputy_leader] repeat"},
                "2021-12-03 09:00"},
        // Off between repeats for a month: one repeat, the latest.
        GapCase{"AMonthBetweenRepeats", "2021-11-01 12:00", "2021-12-01 12:00",
                {"2021-11-30 09:00:00 level 3 overdue 29 [office_director deputy_leader] repeat"},
                "2021-12-03 09:00"}),
    GapName);

TEST(Evaluate, StepAtAndRestartGiveTheInstantsTheStoreIndexes) {
  model::Instance unit = Unit("collecting", T("2021-10-11 10:00"));
  EXPECT_EQ(Restart(Annual(), Cal(), Tz(), unit), (Progress{0, T("2021-10-15 09:00")}));
  EXPECT_EQ(StepAt(Annual(), Cal(), Tz(), unit, 2), T("2021-10-20 23:59:59"));
  EXPECT_EQ(StepAt(Annual(), Cal(), Tz(), unit, 5), T("2021-10-27 09:00"));
  // Step 6 is the 1st repeat of level 3 (after 5 + 3 working days), so step
  // 1000 is the 995th.
  const Date day_995 = Cal().AddWorkdays(Date(2021y / 10 / 20), 5 + 3 * 995);
  EXPECT_EQ(StepAt(Annual(), Cal(), Tz(), unit, 1000), Tz().start_of_day(day_995) + 9h);
  unit.due_at.reset();
  EXPECT_FALSE(StepAt(Annual(), Cal(), Tz(), unit, 0));
}

// --- The ledger -------------------------------------------------------------

TEST(Standing, WorkdaysLeftLightAndEscalationLevelThrough2021) {
  struct Row {
    const char* now;
    int workdays_left;
    Light light;
    int level;
  };
  const Row rows[] = {
      {"2021-10-11 10:00", 7, Light::kGreen, 0},    // 11-15, 18, 19
      {"2021-10-14 12:00", 4, Light::kGreen, 0},
      {"2021-10-15 00:00", 3, Light::kYellow, 0},   // the 3-day reminder's day
      {"2021-10-16 12:00", 2, Light::kYellow, 0},   // a Saturday: 18, 19 are left
      {"2021-10-19 10:00", 1, Light::kYellow, 0},
      {"2021-10-20 12:00", 0, Light::kYellow, 0},
      {"2021-10-20 23:59:59", 0, Light::kRed, 1},
      {"2021-10-21 10:00", -1, Light::kRed, 1},
      {"2021-10-22 08:59", -2, Light::kRed, 1},
      {"2021-10-22 09:00", -2, Light::kRed, 2},
      {"2021-10-24 12:00", -2, Light::kRed, 2},     // Sunday
      {"2021-10-27 09:00", -5, Light::kRed, 3},
      {"2021-11-05 10:00", -12, Light::kRed, 3},
  };
  const model::Instance unit = Unit("collecting", T("2021-10-11 10:00"));
  for (const Row& r : rows) {
    const auto standing = StandingAt(Annual(), Cal(), Tz(), unit, T(r.now));
    ASSERT_TRUE(standing) << r.now;
    EXPECT_EQ(standing->due, Date(2021y / 10 / 20)) << r.now;
    EXPECT_EQ(standing->workdays_left, r.workdays_left) << r.now;
    EXPECT_EQ(LightName(standing->light), LightName(r.light)) << r.now;
    EXPECT_EQ(standing->escalation_level, r.level) << r.now;
  }
}

TEST(Standing, TheLedgerIsTrueAfterAGapWhateverWasRaised) {
  model::Instance unit = Unit("collecting", T("2021-10-11 10:00"));  // never ticked
  const auto standing = StandingAt(Annual(), Cal(), Tz(), unit, T("2021-10-28 10:00"));
  ASSERT_TRUE(standing);
  EXPECT_EQ(standing->escalation_level, 3);
  EXPECT_EQ(standing->workdays_left, -6);
}

TEST(Standing, WorkdaysLeftAroundAHolidayDueDay) {
  // Due on Sunday 10 October 2021: Saturday 9 October (worked) is the last
  // working day ahead of it, 30 September the 3rd.
  const Date due(2021y / 10 / 10);
  EXPECT_EQ(WorkdaysLeft(Cal(), Date(2021y / 9 / 30), due), 3);
  EXPECT_EQ(WorkdaysLeft(Cal(), Date(2021y / 10 / 3), due), 2);  // in the holiday
  EXPECT_EQ(WorkdaysLeft(Cal(), Date(2021y / 10 / 9), due), 1);
  EXPECT_EQ(WorkdaysLeft(Cal(), due, due), 0);
  EXPECT_EQ(WorkdaysLeft(Cal(), Date(2021y / 10 / 11), due), -1);
  EXPECT_EQ(WorkdaysLeft(Cal(), Date(2021y / 10 / 17), due), -5);
}

// --- The scheduler ------------------------------------------------------------

// Runs `io` in 1 ms slices of real time until `done()` or 5 s have passed.
template <typename Pred>
bool RunUntil(boost::asio::io_context& io, Pred done) {
  for (int i = 0; i < 5000 && !done(); ++i) {
    io.restart();
    io.run_for(1ms);
  }
  return done();
}

void RunAWhile(boost::asio::io_context& io) {
  for (int i = 0; i < 20; ++i) {
    io.restart();
    io.run_for(1ms);
  }
}

// Due instants the way the store answers: the earliest one not yet ticked.
struct FakeStore {
  explicit FakeStore(std::vector<Instant> due_instants) : due(std::move(due_instants)) {}

  std::vector<Instant> due;  // ascending
  std::vector<Instant> ticks;
  int next_due_calls = 0;
  int failures_left = 0;

  std::optional<Instant> NextDue() {
    ++next_due_calls;
    if (due.empty()) return std::nullopt;
    return due.front();
  }
  Status Tick(Instant now) {
    ticks.push_back(now);
    if (failures_left > 0) {
      --failures_left;
      return Status::Io("database is locked");
    }
    while (!due.empty() && due.front() <= now) due.erase(due.begin());
    return Status::Ok();
  }
};

SimulatedScheduler MakeScheduler(boost::asio::io_context& io, FakeStore& store) {
  return SimulatedScheduler(
      io.get_executor(), [&store] { return store.NextDue(); },
      [&store](Instant now) { return store.Tick(now); });
}

TEST(Scheduler, TicksThreeFarApartInstantsInOrderOnceEachWithoutWaiting) {
  const Instant a = T("2021-10-15 09:00");
  const Instant b = T("2021-10-20 23:59:59");
  const Instant c = T("2021-12-20 23:59:59");
  FakeStore store({a, b, c});
  SimulatedClock::Set(T("2021-10-01 00:00"));
  boost::asio::io_context io;
  SimulatedScheduler scheduler(
      io.get_executor(), [&store] { return store.NextDue(); },
      [&store](Instant now) { return store.Tick(now); });
  scheduler.Start();

  const auto real_start = std::chrono::steady_clock::now();
  for (const Instant due : {a, b, c}) {
    const std::size_t before = store.ticks.size();
    SimulatedClock::Set(due - 1s);
    RunAWhile(io);
    EXPECT_EQ(store.ticks.size(), before) << "ticked before " << Local(due);
    SimulatedClock::Set(due);
    ASSERT_TRUE(RunUntil(io, [&] { return store.ticks.size() > before; })) << Local(due);
  }
  SimulatedClock::Set(T("2022-12-31 00:00"));
  RunAWhile(io);

  EXPECT_EQ(store.ticks, (std::vector<Instant>{a, b, c}));
  EXPECT_TRUE(store.due.empty());
  // It asked for the next due instant once to start and once after each tick,
  // however often the reactor looked at the clock: it never polls the rows.
  EXPECT_EQ(store.next_due_calls, 4);
  EXPECT_LT(std::chrono::steady_clock::now() - real_start, 10s);
}

TEST(Scheduler, RescheduleWakesItForAnEarlierDeadline) {
  FakeStore store({T("2021-12-20 23:59:59")});
  SimulatedClock::Set(T("2021-10-01 00:00"));
  boost::asio::io_context io;
  SimulatedScheduler scheduler = MakeScheduler(io, store);
  scheduler.Start();
  RunAWhile(io);

  // A command sets an earlier deadline; the scheduler hears of it.
  store.due.insert(store.due.begin(), T("2021-10-15 09:00"));
  scheduler.Reschedule();
  RunAWhile(io);
  SimulatedClock::Set(T("2021-10-15 09:00"));
  ASSERT_TRUE(RunUntil(io, [&] { return !store.ticks.empty(); }));
  EXPECT_EQ(store.ticks, (std::vector<Instant>{T("2021-10-15 09:00")}));
}

TEST(Scheduler, RetriesAFailedTickAfterTheRetryDelay) {
  FakeStore store({T("2021-10-15 09:00")});
  store.failures_left = 1;
  SimulatedClock::Set(T("2021-10-15 09:00"));
  boost::asio::io_context io;
  SimulatedScheduler scheduler = MakeScheduler(io, store);
  scheduler.Start();
  ASSERT_TRUE(RunUntil(io, [&] { return store.ticks.size() == 1; }));
  SimulatedClock::Set(T("2021-10-15 09:00:59"));
  RunAWhile(io);
  EXPECT_EQ(store.ticks.size(), 1u);
  SimulatedClock::Set(T("2021-10-15 09:01"));
  ASSERT_TRUE(RunUntil(io, [&] { return store.ticks.size() == 2; }));
  EXPECT_TRUE(store.due.empty());
}

TEST(Scheduler, StopCancelsAndNothingIsTickedAfterIt) {
  FakeStore store({T("2021-10-15 09:00")});
  SimulatedClock::Set(T("2021-10-01 00:00"));
  boost::asio::io_context io;
  SimulatedScheduler scheduler = MakeScheduler(io, store);
  scheduler.Start();
  RunAWhile(io);
  scheduler.Stop();
  RunAWhile(io);
  SimulatedClock::Set(T("2021-10-16 00:00"));
  RunAWhile(io);
  EXPECT_THAT(store.ticks, IsEmpty());
}

TEST(Scheduler, OnTheSystemClockAPastDueInstantIsTickedAtOnce) {
  FakeStore store({runtime::DefaultEnv()->Now() - 1h});
  boost::asio::io_context io;
  Scheduler scheduler(
      io.get_executor(), [&store] { return store.NextDue(); },
      [&store](Instant now) { return store.Tick(now); });
  scheduler.Start();
  ASSERT_TRUE(RunUntil(io, [&] { return !store.ticks.empty(); }));
  EXPECT_EQ(store.ticks.size(), 1u);
  EXPECT_GE(store.ticks[0], runtime::DefaultEnv()->Now() - 1min);
}

}  // namespace
}  // namespace duban::deadline
