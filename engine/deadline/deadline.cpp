#include "deadline/deadline.h"

namespace duban::deadline {

Result<std::optional<Instant>> StageDue(const model::Workflow& wf, model::StageId stage, int year,
                                        const calendar::Calendar& cal, const TimeZone& tz,
                                        Instant entered_at) {
  const auto& due = wf.stages[stage].due;
  if (!due) return std::optional<Instant>();
  if (due->date) return std::optional<Instant>(tz.end_of_day(*due->date));
  auto day = calendar::ResolveDue(due->phrase, year, cal, tz.local_date(entered_at));
  if (!day.ok()) return day.status();
  return std::optional<Instant>(tz.end_of_day(*day));
}

int DaysOverdue(Instant due_at, Instant now, const TimeZone& tz) {
  if (now <= due_at) return 0;
  auto days = std::chrono::sys_days(tz.local_date(now)) - std::chrono::sys_days(tz.local_date(due_at));
  return static_cast<int>(days.count());
}

}  // namespace duban::deadline
