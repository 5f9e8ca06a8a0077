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

model::DigestChoice DigestChoiceOf(const model::Roster& roster, const model::Person& person, const DigestRule& rule) {
  if (auto it = rule.people.find(person.id); it != rule.people.end()) return it->second;
  if (person.digest) return *person.digest;
  for (const auto& a : person.roles)
    if (std::find(roster.digest_roles.begin(), roster.digest_roles.end(), a.role_id) != roster.digest_roles.end())
      return model::DigestChoice::kDaily;
  return model::DigestChoice::kImmediate;
}

Routed RouteRecipients(const model::Roster& roster, const model::Notice& notice, const DigestRule& rule) {
  Routed out;
  const bool at_once = notice.urgent || std::find(rule.immediate.begin(), rule.immediate.end(), notice.event.type) !=
                                            rule.immediate.end();
  for (const auto& r : notice.recipients) {
    const model::Person* p = roster.FindPerson(r.person);
    const bool held = !at_once && p != nullptr && DigestChoiceOf(roster, *p, rule) == model::DigestChoice::kDaily;
    (held ? out.held : out.now).push_back(r);
  }
  return out;
}

Instant DigestSlot(const TimeZone& tz, Date d, const DigestRule& rule) {
  return tz.to_instant(std::chrono::local_days(d) + rule.time);
}

namespace {
constexpr int kSearchDays = 400;  // a year and some: no calendar has longer runs of holidays
}

std::optional<Date> DigestDayAt(const calendar::Calendar& cal, const TimeZone& tz, Instant now, const DigestRule& rule) {
  Date d = tz.local_date(now);
  for (int i = 0; i < kSearchDays; ++i, d = Date(std::chrono::sys_days(d) - std::chrono::days(1)))
    if (cal.IsWorkingDay(d) && DigestSlot(tz, d, rule) <= now) return d;
  return std::nullopt;
}

std::optional<Instant> NextDigestSlot(const calendar::Calendar& cal, const TimeZone& tz, Instant t,
                                      std::optional<Date> after_day, const DigestRule& rule) {
  Date d = tz.local_date(t);
  if (after_day && d <= *after_day) d = Date(std::chrono::sys_days(*after_day) + std::chrono::days(1));
  for (int i = 0; i < kSearchDays; ++i, d = Date(std::chrono::sys_days(d) + std::chrono::days(1))) {
    if (!cal.IsWorkingDay(d)) continue;
    const Instant slot = DigestSlot(tz, d, rule);
    if (slot >= t) return slot;
  }
  return std::nullopt;
}

}  // namespace duban::machine
