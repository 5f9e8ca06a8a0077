// Who hears of an event: the routing of notices, as the event list
// (model/events.h) and the workflow's [notices] table say. Pure: no role id
// lives here, only the data's.
#pragma once

#include <vector>

#include "model/model.h"

namespace duban::machine {

// The roles that hear of `e`, in the order the data names them, each once:
// none for Audience::kNone; the roles the payload member
// EventSpec::roles_field lists for kPayloadRoles; for kWorkflow the
// workflow's notices[e.type], where a "$member" target contributes the role
// (or roles) the payload names in that member. Role names the workflow lacks
// are left out. Which people hold the roles is the caller's business.
std::vector<model::RoleId> NoticeRolesFor(const model::Workflow& wf, const model::Event& e);

}  // namespace duban::machine
