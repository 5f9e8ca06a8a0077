// Reading a workflow's deadline policy: the top-level [deadline_policy] table
// and a stage's own `deadline_policy`. Internal to engine/workflow; the format
// is described in workflows/README.md.
#pragma once

#include <string>
#include <vector>

#include <toml++/toml.h>

#include "model/model.h"
#include "workflow/toml_fields.h"

namespace duban::workflow::detail {

// A policy as one table gives it.
struct PolicyRead {
  model::DeadlinePolicy policy;
  bool levels_given = false;  // the table has its own `escalation`
};

// Reads the table at `node` (the value of `owner`'s key "deadline_policy") over
// `base`: each key the table gives replaces base's value, the others are
// inherited. Role names are bound against wf.roles. Fails (LoadError) at the
// offending node on an unknown key, a value of the wrong type, a reminder
// below 1 or given twice, a negative after_workdays or repeat_every_workdays,
// escalation levels out of order (level numbers must run 1, 2, 3, ... and
// after_workdays must increase), a level with no roles, an unknown role or one
// named twice in a level, and a notice_time that is not a time of day HH:MM.
PolicyRead ReadDeadlinePolicy(const toml::node& node, const Fields& owner,
                              const model::DeadlinePolicy& base, const model::Workflow& wf);

}  // namespace duban::workflow::detail
