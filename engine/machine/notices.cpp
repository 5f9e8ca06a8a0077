#include "machine/notices.h"

#include <algorithm>
#include <string>

namespace duban::machine {

namespace {

// Adds the roles a payload member names: a role id, or a list of them.
void AddNamed(const model::Workflow& wf, const nlohmann::json& payload, std::string_view member,
              std::vector<model::RoleId>& out) {
  const auto it = payload.find(std::string(member));
  if (it == payload.end()) return;
  auto add = [&](const nlohmann::json& v) {
    if (!v.is_string()) return;
    if (auto r = wf.FindRole(v.get<std::string>())) out.push_back(*r);
  };
  if (it->is_array()) {
    for (const auto& v : *it) add(v);
  } else {
    add(*it);
  }
}

}  // namespace

std::vector<model::RoleId> NoticeRolesFor(const model::Workflow& wf, const model::Event& e) {
  const model::EventSpec& spec = model::SpecOf(e.type);
  std::vector<model::RoleId> roles;
  switch (spec.audience) {
    case model::Audience::kNone:
      break;
    case model::Audience::kPayloadRoles:
      AddNamed(wf, e.payload, spec.roles_field, roles);
      break;
    case model::Audience::kWorkflow:
      for (const model::NoticeTarget& t : wf.notices[static_cast<std::size_t>(e.type)]) {
        if (t.stage_owners) {
          const auto it = e.payload.find(std::string(t.payload_field));
          if (it != e.payload.end() && it->is_string())
            if (auto sid = wf.FindStage(it->get<std::string>()))
              roles.insert(roles.end(), wf.stages[*sid].owners.begin(), wf.stages[*sid].owners.end());
        } else if (t.payload_field.empty()) {
          roles.push_back(t.role);
        } else {
          AddNamed(wf, e.payload, t.payload_field, roles);
        }
      }
      break;
  }
  // Each once, the first mention's place kept.
  std::vector<model::RoleId> out;
  for (model::RoleId r : roles)
    if (std::find(out.begin(), out.end(), r) == out.end()) out.push_back(r);
  return out;
}

}  // namespace duban::machine
