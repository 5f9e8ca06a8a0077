#include "deadline/evaluator.h"

#include <algorithm>
#include <array>
#include <chrono>
#include <string>

#include "core/enum_names.h"

namespace duban::deadline {

namespace {

// No step of a schedule is stamped before the unit entered its stage, nor
// before the due was last moved.
Instant ScheduleStart(const model::Instance& instance) {
  return instance.deadline_since ? std::max(instance.entered_at, *instance.deadline_since) : instance.entered_at;
}

}  // namespace


namespace {

Date NextDay(Date d) { return Date(std::chrono::sys_days(d) + std::chrono::days(1)); }
Date PreviousDay(Date d) { return Date(std::chrono::sys_days(d) - std::chrono::days(1)); }

const model::DeadlinePolicy& PolicyOf(const model::Workflow& wf, const model::Instance& instance) {
  return wf.stages[instance.stage].policy;
}

}  // namespace

// --- Schedule ------------------------------------------------------------------

Schedule::Schedule(const model::DeadlinePolicy& policy, Instant due_at, Instant entered_at,
                   const calendar::Calendar& cal, const TimeZone& tz)
    : policy_(policy),
      due_at_(due_at),
      due_day_(tz.local_date(due_at)),
      entered_at_(entered_at),
      cal_(cal),
      tz_(tz),
      reminders_(static_cast<int>(policy.reminders.size())),
      levels_(static_cast<int>(policy.levels.size())) {}

Instant Schedule::NoticeOn(Date day) const {
  return tz_.to_instant(std::chrono::local_days(day) + policy_.notice_time);
}

Step Schedule::Escalation(int level, int after_workdays, bool repeat) const {
  const Instant nominal =
      after_workdays == 0 ? due_at_ : NoticeOn(cal_.AddWorkdays(due_day_, after_workdays));
  Instant at = std::max(nominal, entered_at_);
  const Date day = tz_.local_date(at);
  if (!cal_.IsWorkingDay(day)) at = NoticeOn(cal_.AddWorkdays(day, 1));
  Step step;
  step.kind = Step::Kind::kEscalation;
  step.at = at;
  step.level = level;
  step.overdue_workdays = -WorkdaysLeft(cal_, tz_.local_date(at), due_day_);
  step.repeat = repeat;
  return step;
}

std::optional<Step> Schedule::At(int index) const {
  if (index < reminders_) {
    const int before = policy_.reminders[static_cast<std::size_t>(index)];
    Step step;
    step.kind = Step::Kind::kReminder;
    step.at = std::max(NoticeOn(cal_.AddWorkdays(due_day_, -before)), entered_at_);
    step.workdays_left = WorkdaysLeft(cal_, tz_.local_date(step.at), due_day_);
    return step;
  }
  if (index == first_missed()) {
    Step step;
    step.kind = Step::Kind::kMissed;
    step.at = std::max(due_at_, entered_at_);
    return step;
  }
  if (index <= last_level()) {
    const model::EscalationLevel& level =
        policy_.levels[static_cast<std::size_t>(index - first_missed() - 1)];
    return Escalation(level.level, level.after_workdays, false);
  }
  if (!repeats()) return std::nullopt;
  const model::EscalationLevel& last = policy_.levels.back();
  const int m = index - first_repeat() + 1;  // the m-th repeat
  return Escalation(last.level, last.after_workdays + m * policy_.repeat_every_workdays, true);
}

int Schedule::LastDueBy(Instant now, int from) const {
  auto due = [&](int index) {
    const std::optional<Step> step = At(index);
    return step && step->at <= now;
  };
  // The finite part: reminders, missed and the levels, in order.
  int last = from - 1;
  int i = from;
  for (; i < first_repeat(); ++i) {
    if (!due(i)) return last;
    last = i;
  }
  if (!repeats()) return last;
  // Repeats: no repeat whose nominal day is after today is due, and moving a
  // step only delays it, so the last one due is at most the one whose
  // nominal overdue count is the largest multiple not above today's.
  const int overdue_today = -WorkdaysLeft(cal_, tz_.local_date(now), due_day_);
  const int every = policy_.repeat_every_workdays;
  const int beyond_last = overdue_today - policy_.levels.back().after_workdays;
  if (beyond_last < every) return last;
  int lo = i;  // candidates: [lo, hi]
  int hi = first_repeat() + beyond_last / every - 1;
  if (hi < lo || !due(lo)) return last;
  while (lo < hi) {  // invariant: due(lo)
    const int mid = lo + (hi - lo + 1) / 2;
    if (due(mid)) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}

// --- Evaluation ------------------------------------------------------------------

namespace {

model::Event MakeEvent(const model::Workflow& wf, const model::Instance& instance, Instant due_at,
                       const TimeZone& tz, const Step& step) {
  nlohmann::json payload = {{"stage", wf.stages[instance.stage].id},
                            {"due", FormatUtc(due_at)},
                            {"due_date", FormatDate(tz.local_date(due_at))}};
  model::EventType type{};
  switch (step.kind) {
    case Step::Kind::kReminder:
      type = model::EventType::kDeadlineApproaching;
      payload["workdays_left"] = step.workdays_left;
      break;
    case Step::Kind::kMissed:
      type = model::EventType::kDeadlineMissed;
      break;
    case Step::Kind::kEscalation: {
      type = model::EventType::kEscalationRaised;
      const model::EscalationLevel& level =
          PolicyOf(wf, instance).levels[static_cast<std::size_t>(step.level - 1)];
      nlohmann::json roles = nlohmann::json::array();
      for (model::RoleId role : level.roles) roles.push_back(wf.roles[role].id);
      payload["level"] = step.level;
      payload["roles"] = std::move(roles);
      payload["overdue_workdays"] = step.overdue_workdays;
      payload["repeat"] = step.repeat;
      break;
    }
  }
  return model::Event{type, instance.unit, "system", step.at, std::move(payload)};
}

}  // namespace

Evaluation Evaluate(const model::Workflow& wf, const calendar::Calendar& cal, const TimeZone& tz,
                    const model::Instance& instance, Instant now) {
  Evaluation out;
  out.progress.step = instance.deadline_step;
  if (!instance.due_at) return out;
  const Schedule schedule(PolicyOf(wf, instance), *instance.due_at, ScheduleStart(instance), cal, tz);
  const int from = instance.deadline_step;
  const int last = schedule.LastDueBy(now, from);
  // Superseded: a reminder with a later step due, and a repeat of the last
  // level with a later repeat due. Each level's first raise is kept, stamped
  // with its own day: the record shows when every level was first reached.
  auto superseded = [&](int index) {
    return index < last && (index < schedule.first_missed() || index >= schedule.first_repeat());
  };
  for (int i = from; i <= last; ++i) {
    if (i >= schedule.first_repeat()) i = last;  // the repeats before `last` are superseded
    if (superseded(i)) continue;
    out.events.push_back(MakeEvent(wf, instance, *instance.due_at, tz, *schedule.At(i)));
  }
  out.progress.step = last + 1;
  if (const auto next = schedule.At(last + 1)) out.progress.next_at = next->at;
  return out;
}

std::optional<Instant> StepAt(const model::Workflow& wf, const calendar::Calendar& cal,
                              const TimeZone& tz, const model::Instance& instance, int step) {
  if (!instance.due_at || step < 0) return std::nullopt;
  const Schedule schedule(PolicyOf(wf, instance), *instance.due_at, ScheduleStart(instance), cal, tz);
  const auto s = schedule.At(step);
  if (!s) return std::nullopt;
  return s->at;
}

Progress Restart(const model::Workflow& wf, const calendar::Calendar& cal, const TimeZone& tz,
                 const model::Instance& instance) {
  return Progress{0, StepAt(wf, cal, tz, instance, 0)};
}

// --- The ledger ------------------------------------------------------------------

int WorkdaysLeft(const calendar::Calendar& cal, Date today, Date due) {
  if (today == due) return 0;
  if (today < due) return cal.WorkdaysBetween(today, PreviousDay(due));
  return -cal.WorkdaysBetween(NextDay(due), today);
}

namespace {
constexpr std::array<EnumName<Light>, 3> kLightNames{{
    {Light::kGreen, "green"},
    {Light::kYellow, "yellow"},
    {Light::kRed, "red"},
}};
}  // namespace

std::string_view LightName(Light light) { return NameIn(kLightNames, light, "green"); }

std::optional<Standing> StandingAt(const model::Workflow& wf, const calendar::Calendar& cal,
                                   const TimeZone& tz, const model::Instance& instance,
                                   Instant now) {
  if (!instance.due_at) return std::nullopt;
  const model::DeadlinePolicy& policy = PolicyOf(wf, instance);
  Standing standing;
  standing.due = tz.local_date(*instance.due_at);
  standing.workdays_left = WorkdaysLeft(cal, tz.local_date(now), standing.due);
  if (now >= *instance.due_at) {
    standing.light = Light::kRed;
    const Schedule schedule(policy, *instance.due_at, ScheduleStart(instance), cal, tz);
    const int first_level = schedule.first_missed() + 1;
    const int last = schedule.LastDueBy(now, first_level);
    if (last >= first_level) standing.escalation_level = schedule.At(last)->level;
  } else if (!policy.reminders.empty() && standing.workdays_left <= policy.reminders.front()) {
    standing.light = Light::kYellow;
  }
  return standing;
}

}  // namespace duban::deadline
