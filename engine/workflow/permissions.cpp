#include "workflow/permissions.h"

#include <algorithm>

namespace duban::workflow {

namespace {

// Is `role` one of `roles`?
bool Names(const std::vector<model::RoleId>& roles, model::RoleId role) {
  return std::find(roles.begin(), roles.end(), role) != roles.end();
}

Authorization Refuse(std::string rule, std::string message) {
  Authorization a;
  a.rule = std::move(rule);
  a.message = std::move(message);
  return a;
}

// What `grant` gives `person`: the whole campaign, or some units.
Authorization Granted(const model::Grant& grant, const model::Roster& roster, const model::Person& person) {
  Authorization a;
  for (const auto& as : person.roles) {
    if (Names(grant.campaign, as.role_id) && as.unit.empty()) a.campaign_wide = true;
    if (Names(grant.unit, as.role_id) && !as.unit.empty() &&
        std::find(a.units.begin(), a.units.end(), as.unit) == a.units.end())
      a.units.push_back(as.unit);
  }
  // Roster order, whatever the order of the person's roles.
  std::vector<std::string> ordered;
  for (const auto& u : roster.units)
    if (std::find(a.units.begin(), a.units.end(), u.id) != a.units.end()) ordered.push_back(u.id);
  a.units = std::move(ordered);
  if (a.campaign_wide) a.units.clear();
  a.allowed = a.campaign_wide || !a.units.empty();
  return a;
}

}  // namespace

std::string PermissionRule(model::Verb verb) { return "permission:" + std::string(model::VerbName(verb)); }

bool Authorization::Covers(std::string_view unit) const {
  return allowed && (campaign_wide || std::find(units.begin(), units.end(), unit) != units.end());
}

Authorization Authorize(const model::Workflow& wf, const model::Roster& roster, Principal who, model::Verb verb,
                        std::string_view unit) {
  const auto& spec = model::SpecOf(verb);
  if (who.system_channel) {
    if (who.person == "system" && spec.system) {
      Authorization a;
      a.allowed = a.campaign_wide = true;
      return a;
    }
    return Refuse(kRuleActor, "系统通道不能执行 '" + std::string(spec.name) +
                                  "' / the system channel acts only as 'system', for the engine's own clock");
  }
  if (who.person.empty())
    return Refuse(kRuleActor, "谁在操作？请用 --as 指定名册中的人员 / who is acting? give --as PERSON");
  if (who.person == "system")
    return Refuse(kRuleActor, "只有系统通道可以以 'system' 身份操作 / only the engine's own clock acts as 'system'");
  const model::Person* person = roster.FindPerson(who.person);
  if (person == nullptr)
    return Refuse(kRuleActor, "名册中没有人员 '" + std::string(who.person) + "' / no such person in the roster");
  const model::Grant& grant = wf.permissions.Of(verb);
  Authorization a = Granted(grant, roster, *person);
  std::vector<model::RoleId> named = grant.campaign;
  named.insert(named.end(), grant.unit.begin(), grant.unit.end());
  const std::string needed = named.empty() ? "无人可用 / no role may" : "需要角色：" + RoleList(wf, named);
  if (!a.allowed)
    return Refuse(PermissionRule(verb),
                  std::string(who.person) + " 无权执行 '" + std::string(spec.name) + "'；" + needed);
  if (!unit.empty() && !a.Covers(unit))
    return Refuse(PermissionRule(verb), std::string(who.person) + " 无权对单位 " + std::string(unit) + " 执行 '" +
                                            std::string(spec.name) + "'；" + needed + "（仅限本单位）");
  return a;
}

bool SeesContactDetails(const model::Workflow& wf, const model::Roster& roster, std::string_view viewer,
                        std::string_view person) {
  if (viewer.empty()) return false;
  if (viewer == person) return true;
  const model::Person* v = roster.FindPerson(viewer);
  if (v == nullptr) return false;
  Authorization a = Granted(wf.permissions.contact_details, roster, *v);
  if (a.campaign_wide) return true;
  const model::Person* p = roster.FindPerson(person);
  if (p == nullptr) return false;
  return std::any_of(p->roles.begin(), p->roles.end(),
                     [&](const model::Assignment& as) { return !as.unit.empty() && a.Covers(as.unit); });
}

bool HoldsAny(const model::Workflow& wf, const model::Roster& roster, std::string_view person,
              const std::vector<model::RoleId>& roles, std::string_view unit) {
  return std::any_of(roles.begin(), roles.end(), [&](model::RoleId r) { return roster.Holds(person, r, unit, wf); });
}

std::string RoleList(const model::Workflow& wf, const std::vector<model::RoleId>& roles) {
  std::string out;
  for (auto r : roles) {
    if (!out.empty()) out += "、";
    out += wf.roles[r].label.zh + "(" + wf.roles[r].id + ")";
  }
  return out;
}

}  // namespace duban::workflow
