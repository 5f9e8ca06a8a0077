// The one list of event types: every event the engine raises, what its
// payload carries, and who hears of it. The names are the external contract
// (DESIGN.md, "External contracts"): they are stored in the event log, sent
// to plugins and name the e-mail templates (workflows/templates). Inside the
// engine an event's type is an EventType; names are converted only at the
// edges (the store, the notice JSON, the CLI) with EventTypeName and
// EventTypeFromName.
//
// Adding a type: add its enumerator (at the end: the order is the table's),
// its row below, its e-mail templates (or Audience::kNone), and, for
// Audience::kWorkflow, its entry in every workflow's [notices] table.
//
// Thread-safety: everything here is immutable; any thread may read it.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string_view>

#include <nlohmann/json_fwd.hpp>

namespace duban::model {

enum class EventType : std::uint8_t {
  kCampaignCreated,
  kTransitionRequested,
  kTransitionApproved,
  kTransitionRejected,
  kTransitionApplied,
  kDeadlineApproaching,
  kDeadlineMissed,
  kDeadlineExtended,
  kEscalationRaised,
  kMaterialSubmitted,
  kMaterialReturned,
  kMaterialExplained,
  kMaterialAccepted,
  kMaterialAdded,
  kMaterialDropped,
  kPaperReceived,
  kCommitmentSigned,
  kContactChanged,
  kAssessmentScored,
  kAssessmentPublished,
  kNoticeSent,
  kNoticeFailed,
  kNoticeRetried,
};
inline constexpr std::size_t kEventTypeCount = 23;

// Who hears of an event of a type (engine/machine/notices.h resolves it).
enum class Audience : std::uint8_t {
  kNone,          // nobody: no notice is ever queued for it
  kPayloadRoles,  // the roles its payload names (EventSpec::roles_field)
  kWorkflow,      // the roles the workflow's [notices] table lists for it
};

// One member of an event's payload. Optional members are said to be so.
struct FieldSpec {
  std::string_view name;
  std::string_view meaning;
  bool names_roles = false;  // holds a role id, or a list of them: a [notices] entry may say "$name"
};

struct EventSpec {
  EventType type;
  std::string_view name;     // "transition.applied"
  std::string_view meaning;  // one line, for people
  std::span<const FieldSpec> payload;
  Audience audience;
  std::string_view roles_field;  // kPayloadRoles: the payload member listing the roles
};

// The payload of each type, as the engine writes it. Stage, trigger and role
// values are the workflow's ids; dates are YYYY-MM-DD in the campaign's zone;
// instants are UTC ISO 8601.
namespace event_fields {

// Members several types carry with the same meaning.
inline constexpr FieldSpec kDue{"due", "the due instant"};
inline constexpr FieldSpec kDueDate{"due_date", "the due day"};
inline constexpr FieldSpec kReturnedItems{"returned_items", "optional: the materials returned, for a return"};
inline constexpr FieldSpec kMaterial{"material", "the roster's material id"};
inline constexpr FieldSpec kNoticeId{"notice", "the notice id: \"taishan-2021/42\""};
inline constexpr FieldSpec kReason{"reason", "why the office did it"};

inline constexpr FieldSpec kCampaignCreated[] = {
    {"name", "the campaign's name (the roster's)"},
    {"year", "the assessment year"},
    {"time_zone", "the campaign's IANA time zone"},
    {"workflow", "{id, version, sha256, source}: the workflow file it was created from"},
    {"roster", "{id, sha256, source}: the roster file it was created from"},
    {"units", "how many member units it has"},
    {"calendar_missing_years", "optional: years without holiday data (plain weekends assumed)"},
};
// A transition's own fields; an extension (kind = "extension") names its stage instead.
inline constexpr FieldSpec kTransitionRequested[] = {
    {"trigger", "the trigger fired (absent for an extension)"},
    {"from", "the stage it leaves (absent for an extension)"},
    {"to", "the stage it enters (absent for an extension)"},
    {"kind", "optional: \"extension\" for a request to move the stage's due day"},
    {"stage", "extension: the stage whose due day would move"},
    {"due_date", "extension: the current due day"},
    {"new_due_date", "extension: the due day asked for"},
    {"request", "the request's id: \"finance#1\""},
    {"approvers", "the roles that may approve it", true},
    {"note", "optional: the requester's reason"},
    kReturnedItems,
};
inline constexpr FieldSpec kTransitionDecided[] = {
    {"trigger", "the trigger requested (absent for an extension)"},
    {"from", "the stage it leaves (absent for an extension)"},
    {"to", "the stage it enters (absent for an extension)"},
    {"kind", "optional: \"extension\""},
    {"stage", "extension: the stage whose due day moves"},
    {"new_due_date", "extension: the due day asked for"},
    {"request", "the request decided"},
    {"requested_by", "the person who asked"},
    {"note", "optional: the approver's note (required for a rejection)"},
};
inline constexpr FieldSpec kTransitionApplied[] = {
    {"trigger", "the trigger fired"},
    {"from", "the stage it left"},
    {"to", "the stage it entered"},
    {"request", "optional: the approved request it completes"},
    {"note", "optional: the note of the firing (or of the request)"},
    kReturnedItems,
};
inline constexpr FieldSpec kDeadlineApproaching[] = {
    {"stage", "the stage whose work is due"},
    kDue,
    kDueDate,
    {"workdays_left", "working days left before the due day"},
};
inline constexpr FieldSpec kDeadlineMissed[] = {
    {"stage", "the stage whose work is overdue"},
    kDue,
    kDueDate,
};
inline constexpr FieldSpec kDeadlineExtended[] = {
    {"scope", "\"unit\" (an approved extension), \"campaign\" (the office moved the stage's due) or "
              "\"calendar\" (a corrected holiday calendar moved it)"},
    {"stage", "the stage whose due moved"},
    {"from", "optional: the due day before"},
    {"to", "optional: the due day after"},
    {"reason", "why: the request's reason, the upper-level notice, or the calendar correction"},
    {"request", "unit scope: the approved request"},
    {"requested_by", "unit scope: who asked"},
    {"units", "optional: 0 when a campaign-wide move found no unit in the stage (unit empty)"},
};
inline constexpr FieldSpec kEscalationRaised[] = {
    {"stage", "the stage whose work is overdue (or urged)"},
    {"level", "the escalation level, 1, 2, ...; 0 for the office urging by hand"},
    {"roles", "the roles who hear of it", true},
    {"due", "optional: the due instant (absent when urged by hand)"},
    {"due_date", "optional: the due day"},
    {"overdue_workdays", "optional: working days overdue"},
    {"repeat", "optional: how often the last level was repeated before this one"},
    {"manual", "optional: true when the office urged by hand (催办)"},
    {"workdays_left", "optional, urged by hand: working days left"},
    {"note", "optional, urged by hand: the office's note"},
};
inline constexpr FieldSpec kMaterialReviewed[] = {
    kMaterial,
    {"name", "the material's name"},
    {"action", "\"submit\", \"explain\", \"return\" or \"accept\""},
    {"from", "the material's state before"},
    {"to", "the material's state after"},
    {"note", "optional: the explanation, or the reviewer's comment"},
    {"explained", "optional: true when it stands on an explanation, not the item"},
};
inline constexpr FieldSpec kMaterialAdded[] = {
    {"material", "the new material's id"},
    {"name", "its name"},
    {"required", "whether the unit must hand it in"},
    kReason,
};
inline constexpr FieldSpec kMaterialDropped[] = {
    {"material", "the material's id"},
    {"name", "its name"},
    kReason,
    {"state", "the state it was in"},
};
inline constexpr FieldSpec kPaperReceived[] = {
    {"received", "paper copies the office now holds"},
    {"before", "copies it held before"},
    {"required", "copies the office must receive"},
    {"note", "optional: the office's note"},
};
inline constexpr FieldSpec kCommitmentSigned[] = {
    {"number", "1, 2, ... per unit; the highest is current"},
    {"signer", "the principal leader who signed (person id)"},
    {"signed_on", "the signing day"},
    {"stamped", "whether it bears the unit's stamp"},
    {"document_sha256", "the scanned document's SHA-256"},
    {"document_name", "the scan's file name"},
    {"supersedes", "optional: the number of the commitment it replaces"},
};
inline constexpr FieldSpec kContactChanged[] = {
    {"role", "the role whose holder changed: \"coordinator\" or \"liaison\"", true},
    {"number", "1, 2, ... per unit and role"},
    {"person", "the new holder (person id)"},
    {"name", "their name"},
    {"phone", "their phone"},
    {"email", "their e-mail address"},
    {"previous", "the holder before (person id; empty when none)"},
    {"reported_by", "who reported the change"},
    {"reported_on", "the day it was reported"},
};
inline constexpr FieldSpec kAssessment[] = {
    {"note", "reserved: not raised yet (the scoring work defines its payload)"},
};
inline constexpr FieldSpec kNoticeEnded[] = {
    kNoticeId,
    {"plugin", "the plugin instance"},
    {"attempts", "attempts made"},
    {"event", "the notice's event type name"},
    {"recipients", "[{person, email}] it was for"},
    {"error", "optional: the last failure"},
};
inline constexpr FieldSpec kNoticeRetried[] = {
    kNoticeId,
    {"event_seq", "the sequence number of the notice's event"},
    {"deliveries", "how many dead deliveries were made pending again"},
    {"plugin", "optional: the one plugin whose delivery was retried"},
};

}  // namespace event_fields

// Row i describes EventType(i).
inline constexpr std::array<EventSpec, kEventTypeCount> kEventSpecs = {{
    {EventType::kCampaignCreated, "campaign.created", "a campaign was created from a workflow and a roster",
     event_fields::kCampaignCreated, Audience::kWorkflow, {}},
    {EventType::kTransitionRequested, "transition.requested",
     "a transition or an extension waits for a supervisor's approval", event_fields::kTransitionRequested,
     Audience::kPayloadRoles, "approvers"},
    {EventType::kTransitionApproved, "transition.approved", "a request was approved",
     event_fields::kTransitionDecided, Audience::kWorkflow, {}},
    {EventType::kTransitionRejected, "transition.rejected", "a request was rejected",
     event_fields::kTransitionDecided, Audience::kWorkflow, {}},
    {EventType::kTransitionApplied, "transition.applied", "a unit moved to another stage",
     event_fields::kTransitionApplied, Audience::kWorkflow, {}},
    {EventType::kDeadlineApproaching, "deadline.approaching", "a reminder (催办) before a stage's due day",
     event_fields::kDeadlineApproaching, Audience::kWorkflow, {}},
    {EventType::kDeadlineMissed, "deadline.missed", "a stage's due instant passed with its work undone (超期)",
     event_fields::kDeadlineMissed, Audience::kWorkflow, {}},
    {EventType::kDeadlineExtended, "deadline.extended", "a unit's (or the campaign's) due day moved",
     event_fields::kDeadlineExtended, Audience::kWorkflow, {}},
    {EventType::kEscalationRaised, "escalation.raised", "an overdue unit escalated a level (督办), or urged by hand",
     event_fields::kEscalationRaised, Audience::kPayloadRoles, "roles"},
    {EventType::kMaterialSubmitted, "material.submitted", "a unit handed in a material",
     event_fields::kMaterialReviewed, Audience::kWorkflow, {}},
    {EventType::kMaterialReturned, "material.returned", "the office returned a material for revision (退回)",
     event_fields::kMaterialReviewed, Audience::kWorkflow, {}},
    {EventType::kMaterialExplained, "material.explained", "a unit explained why it cannot obtain a material",
     event_fields::kMaterialReviewed, Audience::kWorkflow, {}},
    {EventType::kMaterialAccepted, "material.accepted", "the office accepted a material",
     event_fields::kMaterialReviewed, Audience::kWorkflow, {}},
    {EventType::kMaterialAdded, "material.added", "the office added a material a unit owes",
     event_fields::kMaterialAdded, Audience::kWorkflow, {}},
    {EventType::kMaterialDropped, "material.dropped", "the office dropped a material a unit owed",
     event_fields::kMaterialDropped, Audience::kWorkflow, {}},
    {EventType::kPaperReceived, "paper.received", "the office recorded the paper copies it holds of a unit",
     event_fields::kPaperReceived, Audience::kWorkflow, {}},
    {EventType::kCommitmentSigned, "commitment.signed", "a unit's signed and stamped commitment was recorded (承诺书)",
     event_fields::kCommitmentSigned, Audience::kWorkflow, {}},
    {EventType::kContactChanged, "contact.changed", "a unit reported a new coordinator or liaison",
     event_fields::kContactChanged, Audience::kWorkflow, {}},
    {EventType::kAssessmentScored, "assessment.scored", "the office scored a unit (not raised yet)",
     event_fields::kAssessment, Audience::kWorkflow, {}},
    {EventType::kAssessmentPublished, "assessment.published", "the result was circulated (通报; not raised yet)",
     event_fields::kAssessment, Audience::kWorkflow, {}},
    // A notice about a notice would never end.
    {EventType::kNoticeSent, "notice.sent", "a plugin delivered a notice", event_fields::kNoticeEnded,
     Audience::kNone, {}},
    {EventType::kNoticeFailed, "notice.failed", "a plugin gave up on a notice (a dead letter)",
     event_fields::kNoticeEnded, Audience::kNone, {}},
    {EventType::kNoticeRetried, "notice.retried", "the office made a dead notice's deliveries pending again",
     event_fields::kNoticeRetried, Audience::kNone, {}},
}};

// The row of `t`.
constexpr const EventSpec& SpecOf(EventType t) { return kEventSpecs[static_cast<std::size_t>(t)]; }

// "transition.applied".
constexpr std::string_view EventTypeName(EventType t) { return SpecOf(t).name; }

// The type named `name` exactly; nullopt for a name the list lacks.
std::optional<EventType> EventTypeFromName(std::string_view name);

// Every type, in the table's order.
std::span<const EventType> AllEventTypes();

// A type in JSON is its name (never its number).
void to_json(nlohmann::json& j, EventType t);

}  // namespace duban::model
