// The zh-CN display labels the CLI and the reports print for the engine's enums and states,
// all in one place. Role, stage and trigger labels come from the workflow;
// request and delivery states print their wire names.
//
// Pure functions over constant tables: safe from any thread.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "deadline/evaluator.h"
#include "model/events.h"
#include "model/model.h"

namespace duban::report::labels {

// A ledger light ("green", "yellow", "red") as the status table shows it;
// empty for no light.
std::string_view Light(std::optional<deadline::Light> light);

// A unit's commitment state ("none", "signed", "incomplete"), with the
// version number when a later signature superseded the first.
std::string Commitment(model::CommitmentState state, int number);

// A material's state; `explained` marks an item accepted on an explanation.
std::string MaterialState(model::MaterialState state, bool explained = false);

// A material item the office dropped for this campaign.
std::string_view MaterialDropped();

// Whether a unit acknowledged its task list: empty when it did.
std::string_view NotAcknowledged();

// An escalation level in the status table ("2级"); empty for none.
std::string EscalationLevel(int level);

// A commitment's stamp: the commitments table's yes/no and the sign line's words.
std::string_view StampedShort(bool stamped);
std::string_view Stamped(bool stamped);

// Whether a commitment is the unit's current one or a superseded one.
std::string_view CommitmentCurrency(bool current);

// The words a tick line adds to a deadline event type; empty for any other type.
std::string_view DeadlineEvent(std::string_view type_name);

// A notice whose deliveries the dispatcher has not planned yet.
std::string_view NoticeNotPlanned();

}  // namespace duban::report::labels
