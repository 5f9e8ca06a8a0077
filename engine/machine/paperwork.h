// The commitment system's rules for a unit's paperwork: materials handed in,
// returned, explained and accepted, and the principal leader's signed
// commitment. Pure, like the state machine: the caller persists the result.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "machine/machine.h"
#include "model/model.h"

namespace duban::machine {

enum class MaterialAction : std::uint8_t { kSubmit, kExplain, kReturn, kAccept };

struct MaterialCommand {
  MaterialAction action = MaterialAction::kSubmit;
  std::string actor;
  Instant at{};
  std::string note;  // required for explain (the reason) and return (the comments)
};

struct MaterialDecision {
  bool refused = false;
  std::string rule;
  std::string message;
  model::MaterialRecord record;  // the new state when not refused
  model::Event event;
};

// Moves `current` by `cmd`. Who may take each action is decided before, by
// the workflow's permissions (workflow/permissions.h); this checks the state
// and the note.
MaterialDecision DecideMaterial(const model::Workflow& wf, const model::Roster& roster,
                                const model::MaterialRecord& current, const MaterialCommand& cmd);

struct SignCommand {
  std::string actor;
  Instant at{};
  std::string signer;
  Date signed_on{};
  bool stamped = false;
  std::string document_hash;
  std::string document_name;
};

struct SignDecision {
  bool refused = false;
  std::string rule;
  std::string message;
  model::Commitment commitment;  // the new signature, superseding `current`
  model::Event event;
};

// A new signature for `unit`; `current` is the signature in force, if any.
// The signer must hold one of the workflow's commitment_signers roles for the
// unit; who may record it is decided before, by the workflow's permissions.
SignDecision DecideSign(const model::Workflow& wf, const model::Roster& roster, const std::string& unit,
                        const std::optional<model::Commitment>& current, const SignCommand& cmd);

// What the guards of the unit's transitions see.
GuardFacts FactsFor(const model::Workflow& wf, const model::Roster& roster, const std::string& unit,
                    const std::vector<model::MaterialRecord>& materials,
                    const std::optional<model::Commitment>& commitment);

}  // namespace duban::machine
