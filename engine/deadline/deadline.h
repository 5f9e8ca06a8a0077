// Deadlines: when a stage's work is due, on the campaign's working-day
// calendar and in its time zone. Pure: callers pass the calendar and times.
#pragma once

#include <optional>

#include "calendar/calendar.h"
#include "core/time.h"
#include "model/model.h"

namespace duban::deadline {

// The instant `stage`'s work is due for a unit that entered it at
// `entered_at`: the end of the due day in `tz`. nullopt when the stage has no
// deadline. An explicit date in the workflow wins over its phrase.
Result<std::optional<Instant>> StageDue(const model::Workflow& wf, model::StageId stage, int year,
                                        const calendar::Calendar& cal, const TimeZone& tz,
                                        Instant entered_at);

// Whole days, in `tz`, from the due day to the day of `now`: positive when
// late, zero on the due day or before it is due.
int DaysOverdue(Instant due_at, Instant now, const TimeZone& tz);

}  // namespace duban::deadline
