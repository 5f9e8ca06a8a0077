// The deadline evaluator: which reminders, missed deadlines and escalations
// fall due for a unit, and where the unit stands for the ledger. Pure: callers
// pass the calendar, the time zone and `now`.
//
// A due instant has a schedule of steps, ordered by time, under its stage's
// DeadlinePolicy (model.h). With the default policy and a due at the end of
// Wednesday 2021-10-20 (Asia/Shanghai):
//
//   step  event                               falls due
//   0     deadline.approaching, 3 days left   2021-10-15 09:00  (3rd working day before)
//   1     deadline.approaching, 1 day left    2021-10-19 09:00
//   2     deadline.missed                     2021-10-20 23:59:59 (the due instant)
//   3     escalation.raised level 1           2021-10-20 23:59:59
//   4     escalation.raised level 2           2021-10-22 09:00  (2nd working day after)
//   5     escalation.raised level 3           2021-10-27 09:00  (5th)
//   6, 7, ... level 3 again                   2021-11-01, 11-04, ... 09:00 (every 3rd)
//
// Precisely, with D the due day (the local date of the due instant), T the
// policy's notice_time and E the instant the unit entered its stage:
//   - reminder r (one per entry of policy.reminders, largest first): T on the
//     r-th working day before D;
//   - deadline.missed: the due instant;
//   - escalation level with after_workdays a: the due instant when a == 0,
//     else T on the a-th working day after D;
//   - repeat m = 1, 2, ... of the last level (when repeat_every_workdays k >
//     0): as a level with a = a_last + m * k.
// Then every step falling before E is moved to E (nothing is raised for a
// stage before the unit was in it), and an escalation falling on a day that
// is not a working day is moved to T on the next working day: escalation
// notices go out on working days only. (Reminders always fall on working days
// unless moved to E; deadline.missed records a fact and is never moved.)
// Moving keeps the steps in order. A step falls due at its instant: it is
// raised by an evaluation at any `now` >= that instant.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

#include "calendar/calendar.h"
#include "core/time.h"
#include "model/model.h"

namespace duban::deadline {

// One step of a due's schedule.
struct Step {
  enum class Kind : std::uint8_t { kReminder, kMissed, kEscalation };
  Kind kind = Kind::kMissed;
  Instant at{};              // when it falls due; the stamp of its event
  int workdays_left = 0;     // WorkdaysLeft on the day of `at` (kReminder)
  int level = 0;             // kEscalation
  int overdue_workdays = 0;  // -WorkdaysLeft on the day of `at` (kEscalation)
  bool repeat = false;       // kEscalation: a repeat of the last level

  friend bool operator==(const Step&, const Step&) = default;
};

// The schedule of one due instant (see the top of this file), step by step.
// Holds references to `policy`, `cal` and `tz`: they must outlive it.
class Schedule {
 public:
  Schedule(const model::DeadlinePolicy& policy, Instant due_at, Instant entered_at,
           const calendar::Calendar& cal, const TimeZone& tz);

  // Step `index` (>= 0), or nullopt past the end. A schedule whose policy has
  // escalation levels and repeat_every_workdays > 0 never ends.
  std::optional<Step> At(int index) const;

  // The largest index >= `from` whose step has fallen due at `now` (its `at`
  // <= now), or from - 1 when there is none. O(levels + reminders + log) calendar
  // queries, however long ago the steps fell due. REQUIRES: from >= 0.
  int LastDueBy(Instant now, int from) const;

  // Index ranges: [0, first_missed()) reminders, then deadline.missed, then
  // the levels in order; indexes >= first_repeat() are repeats of the last.
  int first_missed() const { return reminders_; }
  int last_level() const { return reminders_ + levels_; }  // == first_missed() without levels
  int first_repeat() const { return reminders_ + levels_ + 1; }
  bool repeats() const { return levels_ > 0 && policy_.repeat_every_workdays > 0; }

 private:
  Instant NoticeOn(Date day) const;
  Step Escalation(int level, int after_workdays, bool repeat) const;

  const model::DeadlinePolicy& policy_;
  Instant due_at_;
  Date due_day_;
  Instant entered_at_;
  const calendar::Calendar& cal_;
  const TimeZone& tz_;
  int reminders_;
  int levels_;
};

// A unit's deadline progress, as model::Instance keeps it (deadline_step,
// next_deadline_at).
struct Progress {
  int step = 0;                    // steps of the schedule already dealt with
  std::optional<Instant> next_at;  // when step `step` falls due; nullopt: never

  friend bool operator==(const Progress&, const Progress&) = default;
};

struct Evaluation {
  std::vector<model::Event> events;  // oldest first, each stamped with its step's `at`
  Progress progress;                 // to store in the instance
};

// The deadline events that have fallen due for `instance` at `now`, given
// that its first instance.deadline_step steps were dealt with before: every
// step with index >= deadline_step and `at` <= now, except that
//   - a reminder is skipped when a later step is due too (it is superseded);
//   - of the last escalation level and its repeats, only the latest due is
//     raised (after a gap, the deputy leader hears once, not once per repeat).
// Every other step is raised once, as its own event stamped with its own
// time, so a week's gap yields e.g. missed, level 1, level 2 and level 3, in
// order. Events (unit = instance.unit, actor = "system"):
//   deadline.approaching {stage, due, due_date, workdays_left}
//   deadline.missed      {stage, due, due_date}
//   escalation.raised    {stage, due, due_date, level, roles, overdue_workdays, repeat}
// where `due` is the due instant in UTC ("2021-10-20T15:59:59Z"), `due_date`
// the due day in `tz` ("2021-10-20") and `roles` the notified roles' ids.
// The returned progress has step = 1 + the last index due (deadline_step
// unchanged when nothing fell due) and next_at = the instant of that step, so
// evaluating again at the same `now` returns no events.
// Without a due (instance.due_at empty): no events, next_at nullopt.
// REQUIRES: instance.stage indexes wf.stages; instance.deadline_step >= 0.
Evaluation Evaluate(const model::Workflow& wf, const calendar::Calendar& cal, const TimeZone& tz,
                    const model::Instance& instance, Instant now);

// The instant step `step` of the instance's schedule falls due, or nullopt
// (no due, or past the end). For recomputing next_deadline_at after the
// calendar changed without moving due_at.
std::optional<Instant> StepAt(const model::Workflow& wf, const calendar::Calendar& cal,
                              const TimeZone& tz, const model::Instance& instance, int step);

// The progress of an instance whose stage or due_at was just set or changed
// (an override, an extension): step 0 and its instant. Steps already past
// are raised by the next Evaluate, under its rules above.
Progress Restart(const model::Workflow& wf, const calendar::Calendar& cal, const TimeZone& tz,
                 const model::Instance& instance);

// Working days from `today` to the due day `due`: before it, the working days
// left ahead of the due day, today included (those in [today, due), so 3 on
// the day of the 3-working-day reminder, also when the due day is a holiday);
// 0 on the due day; after it, minus the overdue working days (those in
// (due, today]: -2 on the day of an escalation after 2 overdue working days).
int WorkdaysLeft(const calendar::Calendar& cal, Date today, Date due);

enum class Light : std::uint8_t { kGreen, kYellow, kRed };
// "green", "yellow", "red"
std::string_view LightName(Light light);

// Where a unit stands at `now`, for the ledger.
struct Standing {
  Date due{};             // the due day in the time zone
  int workdays_left = 0;  // WorkdaysLeft(today, due)
  Light light = Light::kGreen;
  int escalation_level = 0;  // the highest level fallen due by now; 0 when none
};

// The unit's standing at `now`, from its schedule rather than from what was
// raised so far, so it is right after a gap too. light is red from the due
// instant on; yellow before it when workdays_left <= the policy's largest
// reminder (inside the reminder window); green otherwise (and always before
// the due instant when the policy has no reminders). nullopt without a due.
// REQUIRES: instance.stage indexes wf.stages.
std::optional<Standing> StandingAt(const model::Workflow& wf, const calendar::Calendar& cal,
                                   const TimeZone& tz, const model::Instance& instance,
                                   Instant now);

}  // namespace duban::deadline
