// Who may do and see what: the one place permissions are decided, from the
// workflow's [permissions] section (workflows/README.md) and the roster. Pure:
// no clock, no store. Thread-safe: free functions over const data.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "model/model.h"

namespace duban::workflow {

// Rule names of refusals, shared with tests and documentation.
inline constexpr const char* kRuleActor = "actor";  // no person, an unknown one, or "system" off its channel
// A verb's rule is "permission:" + its name, e.g. "permission:status".
std::string PermissionRule(model::Verb verb);

// Who is asking: a roster person id, or the engine's own clock ("system",
// only on the system channel).
struct Principal {
  std::string_view person;
  bool system_channel = false;
};

// The answer of Authorize.
struct Authorization {
  bool allowed = false;
  std::string rule;     // the rule that refused, e.g. "permission:events"; empty when allowed
  std::string message;  // why, for the user (zh-CN)
  bool campaign_wide = false;      // granted for the whole campaign
  std::vector<std::string> units;  // else: the units it is granted for (roster order)

  // Does the grant reach `unit`? Campaign-wide grants reach every unit.
  bool Covers(std::string_view unit) const;
};

// May `who` use `verb` on `unit`? With `unit` empty (no unit in particular, or
// every unit the person may see) the verb is allowed when granted for any unit,
// and `units` says which. Refused: no person, one the roster lacks, "system"
// other than on the system channel (which may use only the verbs kVerbSpecs
// marks `system`), and a person who holds no role the verb's grant names (for
// `unit`, when given).
Authorization Authorize(const model::Workflow& wf, const model::Roster& roster, Principal who, model::Verb verb,
                        std::string_view unit = {});

// Does `viewer` see `person`'s phone and e-mail? Themselves always; otherwise
// the workflow's contact_details grant: its campaign roles see everyone's, its
// unit roles those of the people holding a role for one of the viewer's units.
bool SeesContactDetails(const model::Workflow& wf, const model::Roster& roster, std::string_view viewer,
                        std::string_view person);

// Does `person` hold any of `roles` (for `unit`, when a role is unit-scoped)?
bool HoldsAny(const model::Workflow& wf, const model::Roster& roster, std::string_view person,
              const std::vector<model::RoleId>& roles, std::string_view unit);

// "主要领导(principal_leader)、..." for messages.
std::string RoleList(const model::Workflow& wf, const std::vector<model::RoleId>& roles);

}  // namespace duban::workflow
