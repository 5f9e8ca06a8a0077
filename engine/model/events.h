// The one list of event types: every event the engine raises, what its
// payload carries, and who hears of it. The names are the external contract
// (DESIGN.md, "External contracts"): they are stored in the event log, sent
// to plugins and name the e-mail templates (workflows/templates). Inside the
// engine an event's type is an EventType; names are converted only at the
// edges (the store, the notice JSON, the CLI) with EventTypeName and
// EventTypeFromName.
//
// Adding a type: add its enumerator (at the end: the order is the table's),
// its EventSpec beside its payload below, its row in kEventSpecs, its e-mail
// templates (or Audience::kNone), and, for Audience::kWorkflow, its entry in
// every workflow's [notices] table.
//
// Thread-safety: everything here is immutable; any thread may read it.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <nlohmann/json_fwd.hpp>
#include <optional>
#include <span>
#include <string_view>

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
  kAssessmentPriorRecorded,
  kAssessmentEvaluated,
  kDigestAssembled,
  kInspectionAnnounced,
  kInspectionRecorded,
};
inline constexpr std::size_t kEventTypeCount = 28;

// Who hears of an event of a type (engine/machine/notices.h resolves it).
enum class Audience : std::uint8_t {
  kNone,          // nobody: no notice is ever queued for it
  kPayloadRoles,  // the roles its payload names (EventSpec::roles_field)
  kWorkflow,      // the roles the workflow's [notices] table lists for it
};

// One member of an event's payload.
// Whether a payload carries a member. A role member (kRoleIds) holds a role
// id, or a list of them, and is always there: a [notices] entry may name it
// as "$name".
enum class Presence : std::uint8_t { kAlways, kOptional, kRoleIds };

struct FieldSpec {
  std::string_view name;
  std::string_view meaning;
  Presence presence = Presence::kAlways;

  constexpr bool names_roles() const { return presence == Presence::kRoleIds; }
  constexpr bool optional() const { return presence == Presence::kOptional; }
};

struct EventSpec {
  EventType type;
  std::string_view name;     // "transition.applied"
  std::string_view meaning;  // one line, for people
  std::span<const FieldSpec> payload;
  Audience audience;
  std::string_view roles_field = {};  // kPayloadRoles: the payload member listing the roles
};

// The payload of each type, as the engine writes it. Stage, trigger and role
// values are the workflow's ids; dates are YYYY-MM-DD in the campaign's zone;
// instants are UTC ISO 8601. Each payload is followed by the EventSpec of the
// type (or types) that carry it.
namespace event_fields {

// Members several types carry with the same meaning.
inline constexpr FieldSpec kDue{"due", "the due instant"};
inline constexpr FieldSpec kDueDate{"due_date", "the due day"};
inline constexpr FieldSpec kReturnedItems{"returned_items", "the materials returned, for a return", Presence::kOptional};
inline constexpr FieldSpec kMaterial{"material", "the roster's material id"};
inline constexpr FieldSpec kNoticeId{"notice", "the notice id: \"taishan-2021/42\""};
inline constexpr FieldSpec kReason{"reason", "why the office did it"};

inline constexpr FieldSpec kCampaignCreated[] = {
    {"name", "the campaign's name (the roster's)"},
    {"year", "the assessment year"},
    {"time_zone", "the campaign's IANA time zone"},
    {"calendar_missing_years", "years without holiday data (plain weekends assumed)", Presence::kOptional},
    {"workflow", "{id, version, sha256, source}: the workflow file it was created from"},
    {"roster", "{id, sha256, source}: the roster file it was created from"},
    {"units", "how many member units it has"},
};
inline constexpr EventSpec kCampaignCreatedEvent{EventType::kCampaignCreated, "campaign.created",
                                                 "a campaign was created from a workflow and a roster",
                                                 kCampaignCreated, Audience::kWorkflow};
// A transition's own fields; an extension (kind = "extension") names its stage instead.
inline constexpr FieldSpec kTransitionRequested[] = {
    {"trigger", "the trigger fired (absent for an extension)", Presence::kOptional},
    {"from", "the stage it leaves (absent for an extension)", Presence::kOptional},
    {"to", "the stage it enters (absent for an extension)", Presence::kOptional},
    {"kind", "\"extension\" for a request to move the stage's due day; \"assessment\" for the ranking", Presence::kOptional},
    {"stage", "extension: the stage whose due day would move", Presence::kOptional},
    {"due_date", "extension: the current due day", Presence::kOptional},
    {"new_due_date", "extension: the due day asked for", Presence::kOptional},
    {"request", "the request's id: \"finance#1\""},
    {"approvers", "the roles that may approve it", Presence::kRoleIds},
    {"note", "the requester's reason", Presence::kOptional},
    {"revision", "assessment (kind = \"assessment\", campaign-wide): the revision of the ranking", Presence::kOptional},
    kReturnedItems,
};
inline constexpr EventSpec kTransitionRequestedEvent{EventType::kTransitionRequested,
                                                     "transition.requested",
                                                     "a transition or an extension waits for a supervisor's approval",
                                                     kTransitionRequested,
                                                     Audience::kPayloadRoles,
                                                     "approvers"};
inline constexpr FieldSpec kTransitionDecided[] = {
    {"trigger", "the trigger requested (absent for an extension)", Presence::kOptional},
    {"from", "the stage it leaves (absent for an extension)", Presence::kOptional},
    {"to", "the stage it enters (absent for an extension)", Presence::kOptional},
    {"kind", "\"extension\"", Presence::kOptional},
    {"stage", "extension: the stage whose due day moves", Presence::kOptional},
    {"new_due_date", "extension: the due day asked for", Presence::kOptional},
    {"request", "the request decided"},
    {"requested_by", "the person who asked"},
    {"note", "the approver's note (required for a rejection)", Presence::kOptional},
    {"revision", "assessment: the revision of the ranking decided", Presence::kOptional},
};
inline constexpr EventSpec kTransitionApprovedEvent{EventType::kTransitionApproved, "transition.approved",
                                                    "a request was approved", kTransitionDecided, Audience::kWorkflow};
inline constexpr EventSpec kTransitionRejectedEvent{EventType::kTransitionRejected, "transition.rejected",
                                                    "a request was rejected", kTransitionDecided, Audience::kWorkflow};
inline constexpr FieldSpec kTransitionApplied[] = {
    {"trigger", "the trigger fired"},
    {"from", "the stage it left"},
    {"to", "the stage it entered"},
    {"request", "the approved request it completes", Presence::kOptional},
    {"note", "the note of the firing (or of the request)", Presence::kOptional},
    kReturnedItems,
};
inline constexpr EventSpec kTransitionAppliedEvent{EventType::kTransitionApplied, "transition.applied",
                                                   "a unit moved to another stage", kTransitionApplied,
                                                   Audience::kWorkflow};
inline constexpr FieldSpec kDeadlineApproaching[] = {
    {"stage", "the stage whose work is due"},
    kDue,
    kDueDate,
    {"workdays_left", "working days left before the due day"},
};
inline constexpr EventSpec kDeadlineApproachingEvent{EventType::kDeadlineApproaching, "deadline.approaching",
                                                     "a reminder (催办) before a stage's due day", kDeadlineApproaching,
                                                     Audience::kWorkflow};
inline constexpr FieldSpec kDeadlineMissed[] = {
    {"stage", "the stage whose work is overdue"},
    kDue,
    kDueDate,
};
inline constexpr EventSpec kDeadlineMissedEvent{EventType::kDeadlineMissed, "deadline.missed",
                                                "a stage's due instant passed with its work undone (超期)",
                                                kDeadlineMissed, Audience::kWorkflow};
inline constexpr FieldSpec kDeadlineExtended[] = {
    {"scope",
     "\"unit\" (an approved extension), \"campaign\" (the office moved the stage's due) or "
     "\"calendar\" (a corrected holiday calendar moved it)"},
    {"stage", "the stage whose due moved"},
    {"from", "the due day before", Presence::kOptional},
    {"to", "the due day after", Presence::kOptional},
    {"reason", "why: the request's reason, the upper-level notice, or the calendar correction"},
    {"request", "unit scope: the approved request", Presence::kOptional},
    {"requested_by", "unit scope: who asked", Presence::kOptional},
    {"units", "0 when a campaign-wide move found no unit in the stage (unit empty)", Presence::kOptional},
};
inline constexpr EventSpec kDeadlineExtendedEvent{EventType::kDeadlineExtended, "deadline.extended",
                                                  "a unit's (or the campaign's) due day moved", kDeadlineExtended,
                                                  Audience::kWorkflow};
inline constexpr FieldSpec kEscalationRaised[] = {
    {"stage", "the stage whose work is overdue (or urged)"},
    {"level", "the escalation level, 1, 2, ...; 0 for the office urging by hand"},
    {"roles", "the roles who hear of it", Presence::kRoleIds},
    {"due", "the due instant (absent when urged by hand)", Presence::kOptional},
    {"due_date", "the due day", Presence::kOptional},
    {"overdue_workdays", "working days overdue", Presence::kOptional},
    {"repeat", "how often the last level was repeated before this one", Presence::kOptional},
    {"manual", "true when the office urged by hand (催办)", Presence::kOptional},
    {"workdays_left", "urged by hand: working days left", Presence::kOptional},
    {"note", "urged by hand: the office's note", Presence::kOptional},
};
inline constexpr EventSpec kEscalationRaisedEvent{EventType::kEscalationRaised,
                                                  "escalation.raised",
                                                  "an overdue unit escalated a level (督办), or urged by hand",
                                                  kEscalationRaised,
                                                  Audience::kPayloadRoles,
                                                  "roles"};
inline constexpr FieldSpec kMaterialReviewed[] = {
    kMaterial,
    {"name", "the material's name"},
    {"action", "\"submit\", \"explain\", \"return\" or \"accept\""},
    {"from", "the material's state before"},
    {"to", "the material's state after"},
    {"note", "the explanation, or the reviewer's comment", Presence::kOptional},
    {"explained", "true when it stands on an explanation, not the item", Presence::kOptional},
    {"files", "[{name, sha256, size, media_type}]: the files handed in with it", Presence::kOptional},
};
inline constexpr EventSpec kMaterialSubmittedEvent{EventType::kMaterialSubmitted, "material.submitted",
                                                   "a unit handed in a material", kMaterialReviewed,
                                                   Audience::kWorkflow};
inline constexpr EventSpec kMaterialReturnedEvent{EventType::kMaterialReturned, "material.returned",
                                                  "the office returned a material for revision (退回)",
                                                  kMaterialReviewed, Audience::kWorkflow};
inline constexpr EventSpec kMaterialExplainedEvent{EventType::kMaterialExplained, "material.explained",
                                                   "a unit explained why it cannot obtain a material",
                                                   kMaterialReviewed, Audience::kWorkflow};
inline constexpr EventSpec kMaterialAcceptedEvent{EventType::kMaterialAccepted, "material.accepted",
                                                  "the office accepted a material", kMaterialReviewed,
                                                  Audience::kWorkflow};
inline constexpr FieldSpec kMaterialAdded[] = {
    {"material", "the new material's id"},
    {"name", "its name"},
    {"required", "whether the unit must hand it in"},
    kReason,
};
inline constexpr EventSpec kMaterialAddedEvent{EventType::kMaterialAdded, "material.added",
                                               "the office added a material a unit owes", kMaterialAdded,
                                               Audience::kWorkflow};
inline constexpr FieldSpec kMaterialDropped[] = {
    {"material", "the material's id"},
    {"name", "its name"},
    kReason,
    {"state", "the state it was in"},
};
inline constexpr EventSpec kMaterialDroppedEvent{EventType::kMaterialDropped, "material.dropped",
                                                 "the office dropped a material a unit owed", kMaterialDropped,
                                                 Audience::kWorkflow};
inline constexpr FieldSpec kPaperReceived[] = {
    {"received", "paper copies the office now holds"},
    {"before", "copies it held before"},
    {"required", "copies the office must receive"},
    {"note", "the office's note", Presence::kOptional},
};
inline constexpr EventSpec kPaperReceivedEvent{EventType::kPaperReceived, "paper.received",
                                               "the office recorded the paper copies it holds of a unit",
                                               kPaperReceived, Audience::kWorkflow};
inline constexpr FieldSpec kCommitmentSigned[] = {
    {"number", "1, 2, ... per unit; the highest is current"},
    {"signer", "the principal leader who signed (person id)"},
    {"signed_on", "the signing day"},
    {"stamped", "whether it bears the unit's stamp"},
    {"document_sha256", "the scanned document's SHA-256"},
    {"document_name", "the scan's file name"},
    {"supersedes", "the number of the commitment it replaces", Presence::kOptional},
};
inline constexpr EventSpec kCommitmentSignedEvent{EventType::kCommitmentSigned, "commitment.signed",
                                                  "a unit's signed and stamped commitment was recorded (承诺书)",
                                                  kCommitmentSigned, Audience::kWorkflow};
inline constexpr FieldSpec kContactChanged[] = {
    {"role", "the role whose holder changed: \"coordinator\" or \"liaison\"", Presence::kRoleIds},
    {"number", "1, 2, ... per unit and role"},
    {"person", "the new holder (person id)"},
    {"name", "their name"},
    {"phone", "their phone"},
    {"email", "their e-mail address"},
    {"previous", "the holder before (person id; empty when none)"},
    {"reported_by", "who reported the change"},
    {"reported_on", "the day it was reported"},
    {"carried_from", "the previous year's campaign it was carried from (campaign create --from)", Presence::kOptional},
};
inline constexpr EventSpec kContactChangedEvent{EventType::kContactChanged, "contact.changed",
                                                "a unit reported a new coordinator or liaison", kContactChanged,
                                                Audience::kWorkflow};
// The December assessment (三、（三）; engine/assessment). Points are numbers
// with at most two decimals, each part out of 100; `correction` is the reason
// given for a change after a revision was published.
inline constexpr FieldSpec kCorrection{"correction", "why a published result is corrected", Presence::kOptional};
inline constexpr FieldSpec kAssessmentPriorRecorded[] = {
    {"score", "last year's indicator score, 0-100"},
    {"source", "the CSV file it was imported from, or \"campaign:ID\" when carried over"},
    {"line", "the CSV line it was read from", Presence::kOptional},
    kCorrection,
};
inline constexpr EventSpec kAssessmentPriorRecordedEvent{EventType::kAssessmentPriorRecorded,
                                                         "assessment.prior_recorded",
                                                         "the office recorded a unit's last-year indicator score (30 %)",
                                                         kAssessmentPriorRecorded, Audience::kWorkflow};
inline constexpr FieldSpec kAssessmentEvaluated[] = {
    {"score", "the office's evaluation, 0-100"},
    {"comment", "the office's comment"},
    kCorrection,
};
inline constexpr EventSpec kAssessmentEvaluatedEvent{EventType::kAssessmentEvaluated, "assessment.evaluated",
                                                     "the office entered its evaluation of a unit (20 %)",
                                                     kAssessmentEvaluated, Audience::kWorkflow};
inline constexpr FieldSpec kAssessmentScored[] = {
    {"revision", "1, 2, ...: the scoring round; a correction scores a new one"},
    {"prior", "last year's indicator score"},
    {"submission", "this year's submission score, from the record"},
    {"evaluation", "the office's evaluation"},
    {"weights", "{prior, submission, evaluation} in percent"},
    {"total", "the weighted total, rounded to two decimals"},
    {"deductions", "[{item, points, reason, events}]: each deduction from the submission and the seqs behind it"},
    {"prior_event", "seq of the assessment.prior_recorded used"},
    {"evaluation_event", "seq of the assessment.evaluated used"},
    {"comment", "the office's evaluation comment"},
    kCorrection,
};
inline constexpr EventSpec kAssessmentScoredEvent{EventType::kAssessmentScored, "assessment.scored",
                                                  "the office scored a unit: its parts, total and deductions",
                                                  kAssessmentScored, Audience::kWorkflow};
inline constexpr FieldSpec kAssessmentPublished[] = {
    {"revision", "the revision published"},
    {"request", "the approved request: \"assessment#1\""},
    {"requested_by", "who submitted the ranking for approval"},
    {"ranking", "[{rank, unit, name, total, prior, submission, evaluation}], best first"},
    {"supersedes", "the published revision this one corrects", Presence::kOptional},
    kCorrection,
    {"note", "the approver's note", Presence::kOptional},
};
inline constexpr EventSpec kAssessmentPublishedEvent{EventType::kAssessmentPublished, "assessment.published",
                                                     "the ranking was approved and circulated (通报); scores frozen",
                                                     kAssessmentPublished, Audience::kWorkflow};
// The on-site verification (现场核查, 二、（三）2): announced by the upper level
// for some units, recorded per unit with its findings; findings open a fix-up
// (整改) with its own due, in the workflow's fix-up stage.
inline constexpr FieldSpec kInspectionId{"inspection", "the verification's id: \"inspection#1\""};
inline constexpr FieldSpec kInspectionOn{"on", "the day of the on-site verification"};
inline constexpr FieldSpec kInspectionAnnounced[] = {
    kInspectionId,
    kInspectionOn,
    {"units", "every unit it visits (ids), this one among them"},
    {"note", "the upper level's notice (上级通知)", Presence::kOptional},
};
inline constexpr EventSpec kInspectionAnnouncedEvent{EventType::kInspectionAnnounced, "inspection.announced",
                                                     "the upper level announced an on-site verification of the unit (现场核查)",
                                                     kInspectionAnnounced, Audience::kWorkflow};
inline constexpr FieldSpec kInspectionRecorded[] = {
    kInspectionId,
    kInspectionOn,
    {"findings", "[text]: each problem found (现场核查问题); empty when none"},
    {"fixup_due", "the day the fix-up (整改) is due, when there are findings", Presence::kOptional},
    {"note", "the office's note", Presence::kOptional},
};
inline constexpr EventSpec kInspectionRecordedEvent{EventType::kInspectionRecorded, "inspection.recorded",
                                                    "the office recorded the on-site verification's findings for the unit",
                                                    kInspectionRecorded, Audience::kWorkflow};
inline constexpr FieldSpec kNoticeEnded[] = {
    kNoticeId,
    {"plugin", "the plugin instance"},
    {"attempts", "attempts made"},
    {"event", "the notice's event type name"},
    {"recipients", "[{person, email}] it was for"},
    {"error", "the last failure", Presence::kOptional},
};
// A notice about a notice would never end.
inline constexpr EventSpec kNoticeSentEvent{EventType::kNoticeSent, "notice.sent", "a plugin delivered a notice",
                                            kNoticeEnded, Audience::kNone};
inline constexpr EventSpec kNoticeFailedEvent{EventType::kNoticeFailed, "notice.failed",
                                              "a plugin gave up on a notice (a dead letter)", kNoticeEnded,
                                              Audience::kNone};
inline constexpr FieldSpec kNoticeRetried[] = {
    kNoticeId,
    {"event_seq", "the sequence number of the notice's event"},
    {"deliveries", "how many dead deliveries were made pending again"},
    {"plugin", "the one plugin whose delivery was retried", Presence::kOptional},
};
inline constexpr EventSpec kNoticeRetriedEvent{EventType::kNoticeRetried, "notice.retried",
                                               "the office made a dead notice's deliveries pending again",
                                               kNoticeRetried, Audience::kNone};

// The daily digest (督办日报, engine/app/digest.cpp): a delivery record like
// notice.sent, not something that happened to a unit. Its notice is queued
// by the digest itself to the one person it names (Audience::kNone: the
// [notices] routing never sends it anyone).
inline constexpr FieldSpec kDigestAssembled[] = {
    {"person", "whose digest it is (person id)"},
    {"day", "the working day it is for (YYYY-MM-DD)"},
    {"since", "the day of the person's previous digest", Presence::kOptional},
    {"items", "the seqs of the held notices it lists, ascending"},
    {"late", "how many units it lists as late"},
    {"waiting", "how many requests and materials it lists as waiting for the person"},
};
inline constexpr EventSpec kDigestAssembledEvent{EventType::kDigestAssembled, "digest.assembled",
                                                 "a person's daily digest (督办日报) was made from the notices held for it",
                                                 kDigestAssembled, Audience::kNone};

}  // namespace event_fields

// Row i describes EventType(i).
inline constexpr std::array<EventSpec, kEventTypeCount> kEventSpecs = {
    event_fields::kCampaignCreatedEvent,    event_fields::kTransitionRequestedEvent,
    event_fields::kTransitionApprovedEvent, event_fields::kTransitionRejectedEvent,
    event_fields::kTransitionAppliedEvent,  event_fields::kDeadlineApproachingEvent,
    event_fields::kDeadlineMissedEvent,     event_fields::kDeadlineExtendedEvent,
    event_fields::kEscalationRaisedEvent,   event_fields::kMaterialSubmittedEvent,
    event_fields::kMaterialReturnedEvent,   event_fields::kMaterialExplainedEvent,
    event_fields::kMaterialAcceptedEvent,   event_fields::kMaterialAddedEvent,
    event_fields::kMaterialDroppedEvent,    event_fields::kPaperReceivedEvent,
    event_fields::kCommitmentSignedEvent,   event_fields::kContactChangedEvent,
    event_fields::kAssessmentScoredEvent,   event_fields::kAssessmentPublishedEvent,
    event_fields::kNoticeSentEvent,         event_fields::kNoticeFailedEvent,
    event_fields::kNoticeRetriedEvent,      event_fields::kAssessmentPriorRecordedEvent,
    event_fields::kAssessmentEvaluatedEvent, event_fields::kDigestAssembledEvent,
    event_fields::kInspectionAnnouncedEvent, event_fields::kInspectionRecordedEvent};

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
