// Reading a workflow's [permissions] section. Internal to engine/workflow; the
// format is described in workflows/README.md.
#pragma once

#include "model/model.h"
#include "workflow/toml_fields.h"

namespace duban::workflow::detail {

// Reads `root`'s [permissions] into wf.permissions, once the roles and
// transitions are read. Fails (LoadError) at the offending node on: a missing
// section, an unknown key (neither a verb nor an engine role key), an unknown
// role, a campaign-scoped role under `unit` or a unit-scoped one under
// `campaign`, a verb left without a rule, a missing or empty engine role key,
// an engine role of the wrong scope, and a transition whose roles (or
// approvers) the fire (approve) rule does not grant.
void ReadPermissions(const Fields& root, model::Workflow& wf);

}  // namespace duban::workflow::detail
