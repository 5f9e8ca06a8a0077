#include "model/model.h"

#include <algorithm>
#include <array>

#include "core/enum_names.h"

namespace duban::model {

namespace {

constexpr std::array<EnumName<Guard>, 7> kGuardNames{{
    {Guard::kMaterialsComplete, "materials_complete"},
    {Guard::kMaterialsAccepted, "materials_accepted"},
    {Guard::kCommitmentSigned, "commitment_signed"},
    {Guard::kMaterialsReturned, "materials_returned"},
    {Guard::kAssessmentScored, "assessment_scored"},
    {Guard::kAssessmentSubmitted, "assessment_submitted"},
    {Guard::kInspectionRecorded, "inspection_recorded"},
}};

constexpr std::array<EnumName<RequestStatus>, 3> kRequestStatusNames{{
    {RequestStatus::kPending, "pending"},
    {RequestStatus::kApproved, "approved"},
    {RequestStatus::kRejected, "rejected"},
}};

constexpr std::array<EnumName<RequestKind>, 3> kRequestKindNames{{
    {RequestKind::kTransition, "transition"},
    {RequestKind::kExtension, "extension"},
    {RequestKind::kAssessment, "assessment"},
}};

constexpr std::array<EnumName<CommitmentState>, 3> kCommitmentStateNames{{
    {CommitmentState::kNone, "none"},
    {CommitmentState::kSigned, "signed"},
    {CommitmentState::kIncomplete, "incomplete"},
}};

constexpr std::array<EnumName<MaterialState>, 5> kMaterialStateNames{{
    {MaterialState::kPending, "pending"},
    {MaterialState::kSubmitted, "submitted"},
    {MaterialState::kReturned, "returned"},
    {MaterialState::kExplained, "explained"},
    {MaterialState::kAccepted, "accepted"},
}};

constexpr std::array<EnumName<DigestChoice>, 2> kDigestChoiceNames{{
    {DigestChoice::kImmediate, "immediate"},
    {DigestChoice::kDaily, "daily"},
}};

}  // namespace

std::string_view DigestChoiceName(DigestChoice c) { return NameIn(kDigestChoiceNames, c, "?"); }
std::optional<DigestChoice> DigestChoiceFromName(std::string_view name) { return ValueIn(kDigestChoiceNames, name); }

std::string_view GuardName(Guard g) { return NameIn(kGuardNames, g, "?"); }
std::optional<Guard> GuardFromName(std::string_view name) { return ValueIn(kGuardNames, name); }

std::string_view RequestStatusName(RequestStatus s) { return NameIn(kRequestStatusNames, s, "?"); }
std::optional<RequestStatus> RequestStatusFromName(std::string_view name) {
  return ValueIn(kRequestStatusNames, name);
}

std::string_view RequestKindName(RequestKind k) { return NameIn(kRequestKindNames, k, "?"); }
std::optional<RequestKind> RequestKindFromName(std::string_view name) {
  return ValueIn(kRequestKindNames, name);
}

std::string_view CommitmentStateName(CommitmentState s) {
  return NameIn(kCommitmentStateNames, s, "?");
}

std::string_view MaterialStateName(MaterialState s) { return NameIn(kMaterialStateNames, s, "?"); }
std::optional<MaterialState> MaterialStateFromName(std::string_view name) {
  return ValueIn(kMaterialStateNames, name);
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
