// Reading a workflow's [notices] table: who hears of each event type whose
// Audience is kWorkflow (model/events.h). Internal to engine/workflow; the
// format is described in workflows/README.md.
#pragma once

#include <array>
#include <vector>

#include "model/model.h"
#include "workflow/toml_fields.h"

namespace duban::workflow::detail {

// Reads root's [notices] against wf.roles: one entry per event type of
// Audience::kWorkflow, by its name, a list of role ids and "$member" (the
// role or roles the event's payload names in `member`, a FieldSpec with
// names_roles). Fails (LoadError) at the offending node on a missing table,
// an unknown event type name, an entry for a type of another Audience, a
// missing entry, a value that is not a list of strings, an unknown role or
// payload member, and a target named twice.
std::array<std::vector<model::NoticeTarget>, model::kEventTypeCount> ReadNotices(const Fields& root,
                                                                                  const model::Workflow& wf);

}  // namespace duban::workflow::detail
