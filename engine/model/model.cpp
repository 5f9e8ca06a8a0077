#include "model/model.h"

#include <algorithm>

namespace duban::model {

std::string_view GuardName(Guard g) {
  switch (g) {
    case Guard::kMaterialsComplete: return "materials_complete";
    case Guard::kMaterialsAccepted: return "materials_accepted";
    case Guard::kCommitmentSigned: return "commitment_signed";
    case Guard::kMaterialsReturned: return "materials_returned";
  }
  return "?";
}

std::optional<Guard> GuardFromName(std::string_view name) {
  for (Guard g : {Guard::kMaterialsComplete, Guard::kMaterialsAccepted, Guard::kCommitmentSigned,
                  Guard::kMaterialsReturned})
    if (GuardName(g) == name) return g;
  return std::nullopt;
}

std::string_view RequestStatusName(RequestStatus s) {
  switch (s) {
    case RequestStatus::kPending: return "pending";
    case RequestStatus::kApproved: return "approved";
    case RequestStatus::kRejected: return "rejected";
  }
  return "?";
}

std::string_view RequestKindName(RequestKind k) {
  switch (k) {
    case RequestKind::kTransition: return "transition";
    case RequestKind::kExtension: return "extension";
  }
  return "?";
}

std::optional<RequestKind> RequestKindFromName(std::string_view name) {
  for (auto k : {RequestKind::kTransition, RequestKind::kExtension})
    if (RequestKindName(k) == name) return k;
  return std::nullopt;
}

std::string_view CommitmentStateName(CommitmentState s) {
  switch (s) {
    case CommitmentState::kNone: return "none";
    case CommitmentState::kSigned: return "signed";
    case CommitmentState::kIncomplete: return "incomplete";
  }
  return "?";
}

std::string_view MaterialStateName(MaterialState s) {
  switch (s) {
    case MaterialState::kPending: return "pending";
    case MaterialState::kSubmitted: return "submitted";
    case MaterialState::kReturned: return "returned";
    case MaterialState::kExplained: return "explained";
    case MaterialState::kAccepted: return "accepted";
  }
  return "?";
}

std::optional<MaterialState> MaterialStateFromName(std::string_view name) {
  for (auto s : {MaterialState::kPending, MaterialState::kSubmitted, MaterialState::kReturned,
                 MaterialState::kExplained, MaterialState::kAccepted})
    if (MaterialStateName(s) == name) return s;
  return std::nullopt;
}

std::optional<StageId> Workflow::FindStage(std::string_view wanted) const {
  for (std::size_t i = 0; i < stages.size(); ++i)
    if (stages[i].id == wanted) return static_cast<StageId>(i);
  return std::nullopt;
}

std::optional<RoleId> Workflow::FindRole(std::string_view wanted) const {
  for (std::size_t i = 0; i < roles.size(); ++i)
    if (roles[i].id == wanted) return static_cast<RoleId>(i);
  return std::nullopt;
}

std::vector<TransitionId> Workflow::FindTrigger(std::string_view trigger) const {
  std::vector<TransitionId> out;
  for (std::size_t i = 0; i < transitions.size(); ++i)
    if (transitions[i].trigger == trigger) out.push_back(static_cast<TransitionId>(i));
  return out;
}

std::optional<TransitionId> Workflow::FindTransition(std::string_view trigger, StageId stage) const {
  for (std::size_t i = 0; i < transitions.size(); ++i) {
    const auto& t = transitions[i];
    if (t.trigger == trigger && std::find(t.from.begin(), t.from.end(), stage) != t.from.end())
      return static_cast<TransitionId>(i);
  }
  return std::nullopt;
}

const Unit* Roster::FindUnit(std::string_view wanted) const {
  for (const auto& u : units)
    if (u.id == wanted) return &u;
  return nullptr;
}

const Person* Roster::FindPerson(std::string_view wanted) const {
  for (const auto& p : people)
    if (p.id == wanted) return &p;
  return nullptr;
}

bool Roster::Holds(std::string_view person, RoleId role, std::string_view unit,
                   const Workflow& wf) const {
  const Person* p = FindPerson(person);
  if (p == nullptr || role >= wf.roles.size()) return false;
  const bool unit_scoped = wf.roles[role].scope == RoleScope::kUnit;
  return std::any_of(p->roles.begin(), p->roles.end(), [&](const Assignment& a) {
    return a.role_id == role && (!unit_scoped || a.unit == unit);
  });
}

}  // namespace duban::model
