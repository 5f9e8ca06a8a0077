// The per-unit state machine: a pure function of the workflow, the roster, the
// unit's instance and a command at a time. It reads no clock, touches no store
// and returns what happens: applied, waiting for approval, or refused by a
// named rule. The app layer persists the result.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "model/model.h"

namespace duban::machine {

// What the unit's paperwork says about each guard, computed by the caller.
struct GuardFacts {
  struct Fact {
    bool holds = false;
    std::string detail;  // what is missing, for the refusal message (zh-CN)
  };
  Fact materials_complete;
  Fact materials_accepted;
  Fact commitment_signed;
  Fact materials_returned;
  Fact assessment_scored;     // from the event log (app: engine/assessment)
  Fact assessment_submitted;
  Fact inspection_recorded;   // only the command recording a verification sets it (app)
  std::vector<std::string> returned_items;  // names of the items in the returned state

  const Fact& Get(model::Guard g) const;
};

// A person fires a trigger at a unit.
struct Fire {
  std::string trigger;
  std::string actor;  // person id
  Instant at{};
  std::string note;
};

// A supervisor decides an open request.
struct Decide {
  bool approve = true;
  std::string actor;
  Instant at{};
  std::string note;
};

struct Decision {
  enum class Kind : std::uint8_t { kApplied, kRequested, kRejected, kRefused };
  Kind kind = Kind::kRefused;
  model::TransitionId transition = 0;
  model::StageId from = 0;
  model::StageId to = 0;
  // When refused: the rule that refused ("role", "stage", "guard:materials_complete",
  // "self_approval", ...) and a message for the user.
  std::string rule;
  std::string message;
  // Events to append, in order.
  std::vector<model::Event> events;
  // The request created (kRequested) or decided (kApplied after approval, kRejected).
  std::optional<model::Request> request;

  bool refused() const { return kind == Kind::kRefused; }
  bool moves() const { return kind == Kind::kApplied; }
};

// Rule names, shared with tests and documentation.
inline constexpr const char* kRuleUnknownTrigger = "trigger";
inline constexpr const char* kRuleStage = "stage";
inline constexpr const char* kRuleActor = "actor";
inline constexpr const char* kRuleRole = "role";
inline constexpr const char* kRulePending = "pending_request";
inline constexpr const char* kRuleNote = "note_required";
inline constexpr const char* kRuleSelfApproval = "self_approval";
inline constexpr const char* kRuleApprover = "approver_role";
inline constexpr const char* kRuleNotPending = "request_not_pending";

// Decides `fire` against `instance`. A transition that needs approval yields a
// request with id `request_id`.
Decision DecideFire(const model::Workflow& wf, const model::Roster& roster,
                    const model::Instance& instance, const Fire& fire, const GuardFacts& facts,
                    const std::string& request_id);

// A unit asks to move its current stage's due day to `new_due` (reason
// required, later than `current_due`). Yields a request of kind "extension",
// approved by the workflow's extension_approvers. Who may ask is decided
// before, by the workflow's permissions (the `extend` verb).
Decision DecideExtension(const model::Workflow& wf, const model::Roster& roster,
                         const model::Instance& instance, std::optional<Date> current_due, Date new_due,
                         const Fire& ask, const std::string& request_id);

// Decides a supervisor's approval or rejection of `request`, which must belong
// to `instance`. Guards are checked again: the paperwork may have changed. An
// approved extension leaves the stage as it is (from == to) and raises
// deadline.extended.
Decision DecideRequest(const model::Workflow& wf, const model::Roster& roster,
                       const model::Instance& instance, const model::Request& request,
                       const Decide& decide, const GuardFacts& facts);

}  // namespace duban::machine
