// The domain's data: workflow definitions, rosters, unit instances, approval
// requests and events. Names from files are mapped to typed ids once, when a
// definition is loaded (engine/workflow); the decision core works on ids.
#pragma once

#include <array>
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "calendar/phrase.h"
#include "core/status.h"
#include "core/time.h"
#include "model/assessment_rule.h"
#include "model/events.h"
#include "model/permissions.h"

namespace duban::model {

using StageId = std::uint16_t;
using RoleId = std::uint16_t;
using TransitionId = std::uint16_t;

// User-facing text: zh-CN first, English beside it.
struct Text {
  std::string zh;
  std::string en;
};

// Whether a role is held for one unit (a unit's liaison) or for the whole
// campaign (the office director).
enum class RoleScope : std::uint8_t { kUnit, kCampaign };

struct RoleDef {
  std::string id;  // "liaison"
  Text label;      // 联络员 / Liaison
  RoleScope scope = RoleScope::kCampaign;
  SourcePos pos;
};

struct DeadlineDef {
  calendar::DuePhrase phrase;   // as the plan writes it: 10月下旬前
  std::optional<Date> date;     // an explicit date that overrides the phrase
  SourcePos pos;
};

// One step of escalation (督办) when a deadline slips: who hears of it, and
// how many working days after the due day.
struct EscalationLevel {
  int level = 1;                // 1, 2, 3, ... in the order they are raised
  int after_workdays = 0;       // overdue working days; 0: at the due instant
  std::vector<RoleId> roles;    // who is notified (non-empty)
  SourcePos pos;
};

// What happens around a stage's due instant (催办 before it, 督办 after it);
// the evaluator (deadline/evaluator.h) turns it into a schedule of steps. The
// member defaults are the built-in policy except `levels`, whose roles only a
// workflow can name (the loader requires them of a workflow with due dates).
struct DeadlinePolicy {
  std::vector<int> reminders = {3, 1};  // working days before the due day; descending, each >= 1
  // The local time of day reminders and escalations after the due day go out.
  std::chrono::minutes notice_time{9 * 60};
  std::vector<EscalationLevel> levels;  // ascending by level and by after_workdays
  int repeat_every_workdays = 3;        // repeat the last level this often while late; 0: never
  SourcePos pos;                        // the table it was read from; unknown for the built-in one
};

struct StageDef {
  std::string id;  // "collecting"
  Text label;      // 材料收集 / Collecting materials
  std::optional<DeadlineDef> due;  // when this stage's work must be done
  DeadlinePolicy policy;  // the stage's own, else the workflow's deadline_policy
  // The roles that own the stage's work (who must act while a unit stands in
  // it): reminders go to them, and notices tell them to act and everyone else
  // to urge them. Required with a `due`.
  std::vector<RoleId> owners;
  bool terminal = false;
  SourcePos pos;
};

// Preconditions a transition checks against the unit's paperwork.
enum class Guard : std::uint8_t {
  kMaterialsComplete,  // "materials_complete": every required item submitted or explained
  kMaterialsAccepted,  // "materials_accepted": every item accepted
  kCommitmentSigned,   // "commitment_signed": a signed, stamped commitment with its scan
  kMaterialsReturned,  // "materials_returned": some item was returned, naming what failed review
  kAssessmentScored,     // "assessment_scored": the unit has a current score (engine/assessment)
  kAssessmentSubmitted,  // "assessment_submitted": that score's ranking went to the approvers, or was published
  kInspectionRecorded,   // "inspection_recorded": fired by recording the on-site verification (inspect record)
};
std::string_view GuardName(Guard g);
std::optional<Guard> GuardFromName(std::string_view name);

struct TransitionDef {
  std::string trigger;            // "submit"
  Text label;                     // 报送材料 / Submit materials
  std::vector<StageId> from;      // stages it may be fired from
  StageId to = 0;
  std::vector<RoleId> roles;      // who may fire it (non-empty)
  bool needs_approval = false;
  std::vector<RoleId> approvers;  // who may approve (non-empty when needs_approval)
  std::vector<Guard> guards;
  bool note_required = false;     // e.g. a return must say why
  SourcePos pos;
};

// One addressee of a [notices] entry: a role, or (payload_field set) the
// roles the event's payload names in that member ("$role").
struct NoticeTarget {
  RoleId role = 0;
  std::string_view payload_field;  // a FieldSpec name of the event's type; empty: `role`
  // "$stage.owners": the owners of the stage the payload's `stage` names
  // (payload_field is then "stage").
  bool stage_owners = false;
  SourcePos pos;
};

// Who may use a verb ([permissions] in the workflow file): `campaign` roles
// for the whole campaign, `unit` roles for the units they hold them for.
struct Grant {
  std::vector<RoleId> campaign;  // campaign-scoped roles
  std::vector<RoleId> unit;      // unit-scoped roles
  SourcePos pos;
};

// The workflow's [permissions]: a grant for every verb, and the roles the
// engine needs by purpose.
struct Permissions {
  std::array<Grant, kVerbCount> verbs;     // indexed by Verb
  std::vector<RoleId> commitment_signers;  // who signs a unit's commitment (unit-scoped)
  std::vector<RoleId> unit_contacts;       // the contact roles `contact set` records (unit-scoped)
  std::vector<RoleId> extension_approvers; // who approves an extension of a due day
  std::vector<RoleId> assessment_approvers; // who approves the assessment's ranking (may be empty without [assessment])
  Grant contact_details;                   // who sees other people's phone and e-mail
  SourcePos pos;

  const Grant& Of(Verb v) const { return verbs[static_cast<std::size_t>(v)]; }
};

struct Workflow {
  std::string id;       // "annual-cycle"
  int version = 1;
  Text label;
  StageId initial = 0;
  DeadlinePolicy deadline_policy;  // the default for stages that give none
  std::vector<RoleDef> roles;
  std::vector<StageDef> stages;
  std::vector<TransitionDef> transitions;
  // Who hears of each event type of Audience::kWorkflow ([notices]), by
  // EventType; empty: nobody.
  std::array<std::vector<NoticeTarget>, kEventTypeCount> notices;
  // The roles whose holders every notice names as whom to ask (the office's
  // contact block: name, phone, e-mail); `notice_contacts` in the file.
  std::vector<RoleId> notice_contacts;
  Permissions permissions;
  AssessmentRule assessment;  // [assessment]; given = false when the file has none

  std::optional<StageId> FindStage(std::string_view wanted) const;
  std::optional<RoleId> FindRole(std::string_view wanted) const;
  // Every transition with this trigger name (a trigger may appear once per
  // source stage).
  std::vector<TransitionId> FindTrigger(std::string_view trigger) const;
  // The transition `trigger` fires from `stage`, if any.
  std::optional<TransitionId> FindTransition(std::string_view trigger, StageId stage) const;
};

struct Material {
  std::string id;        // "budget-report"
  std::string name;      // 年度财政预算收支报告
  bool required = true;
  SourcePos pos;
};

struct Unit {
  std::string id;        // "finance"
  std::string name;      // 区财政局
  std::string name_en;   // District Finance Bureau
  std::string duties;    // the plan's text for this unit
  std::vector<Material> materials;
  SourcePos pos;
};

// How a person receives the notices that are not urgent: each at once, or
// held for one daily digest (督办日报, engine/app/digest.cpp).
enum class DigestChoice : std::uint8_t { kImmediate, kDaily };
std::string_view DigestChoiceName(DigestChoice c);  // "immediate", "daily"
std::optional<DigestChoice> DigestChoiceFromName(std::string_view name);

// A person holds a role, for one unit when the role is unit-scoped.
struct Assignment {
  std::string role;      // as written in the roster
  RoleId role_id = 0;    // bound against the workflow
  std::string unit;      // empty for campaign-wide roles
  SourcePos pos;
};

struct Person {
  std::string id;        // "office-director"
  std::string name;      // 孙业存
  std::string title;     // 区生态环境分局局长、领导小组办公室主任
  std::string email;     // reserved example domains only
  std::string phone;
  bool placeholder = false;  // the plan does not name this person
  // The roster's `digest` for this person; nullopt: the roster's digest_roles decide.
  std::optional<DigestChoice> digest;
  std::vector<Assignment> roles;
  SourcePos pos;
};

struct Roster {
  std::string id;        // "taishan-2021"
  std::string name;      // 泰山区2021年国家重点生态功能区县域生态环境质量监测评价与考核
  int year = 0;
  std::string time_zone = std::string(kDefaultTimeZone);
  std::vector<Unit> units;
  std::vector<Person> people;
  // `digest_roles`: people holding one of these roles get the daily digest
  // unless their own `digest` says otherwise.
  std::vector<RoleId> digest_roles;

  const Unit* FindUnit(std::string_view wanted) const;
  const Person* FindPerson(std::string_view wanted) const;
  // Does `person` hold `role` for `unit`? Campaign-wide roles ignore `unit`.
  bool Holds(std::string_view person, RoleId role, std::string_view unit, const Workflow& wf) const;
};

// One unit's place in the cycle.
struct Instance {
  std::string unit;
  StageId stage = 0;
  std::int64_t version = 0;        // bumped by every change; optimistic concurrency
  Instant entered_at{};            // when it entered `stage`
  std::optional<Instant> due_at;   // when `stage`'s work is due
  std::optional<std::string> pending_request;  // id of an open approval request
  // Deadline progress (deadline/evaluator.h): how many steps of due_at's
  // schedule were already dealt with, and when the next one falls due
  // (nullopt: none will; the store indexes it). Whenever stage or due_at
  // changes, set both from deadline::Restart; after a tick, from Evaluate.
  int deadline_step = 0;
  std::optional<Instant> next_deadline_at;
  // An extension (延期) granted to this unit for its current stage: the new
  // due day. Cleared when the stage changes.
  std::optional<Date> extended_to;
  // When the current due's schedule began, if after entering the stage (an
  // override, an extension or a corrected calendar moved the due): no step of
  // it is stamped earlier.
  std::optional<Instant> deadline_since;
};

// The office moves a stage's due day for the whole campaign (an upper-level
// notice), with its reason.
struct DueOverride {
  StageId stage = 0;
  Date due{};
  std::string reason;
  std::string set_by;
  Instant set_at{};
};

enum class RequestStatus : std::uint8_t { kPending, kApproved, kRejected };
std::string_view RequestStatusName(RequestStatus s);  // "pending", "approved", "rejected"
std::optional<RequestStatus> RequestStatusFromName(std::string_view name);

// What a request asks for: a stage transition, or a later due day.
// An assessment request (the ranking for approval) lives in the event log
// only (engine/assessment), never in the store's requests.
enum class RequestKind : std::uint8_t { kTransition, kExtension, kAssessment };
std::string_view RequestKindName(RequestKind k);  // "transition", "extension", "assessment"
std::optional<RequestKind> RequestKindFromName(std::string_view name);

// Where a unit's signed commitment stands: none yet, one in force that meets
// the commitment system's rules, or one that lacks something (stamp, scan).
enum class CommitmentState : std::uint8_t { kNone, kSigned, kIncomplete };
std::string_view CommitmentStateName(CommitmentState s);  // "none", "signed", "incomplete"

// A transition, or an extension of a deadline, waiting for a supervisor's
// approval.
struct Request {
  std::string id;                 // "finance#1"
  RequestKind kind = RequestKind::kTransition;
  std::optional<Date> new_due;    // the day an extension asks for
  std::string unit;
  TransitionId transition = 0;
  StageId from = 0;
  StageId to = 0;
  std::string requested_by;
  Instant requested_at{};
  std::string note;
  RequestStatus status = RequestStatus::kPending;
  std::string decided_by;
  std::optional<Instant> decided_at;
  std::string decision_note;
};

// Something that happened. The store gives it a per-campaign sequence number
// and chains it to the event before it.
struct Event {
  EventType type = EventType::kTransitionApplied;
  std::string unit;     // empty for campaign-wide events
  std::string actor;    // person id, or "system"
  Instant at{};
  nlohmann::json payload = nlohmann::json::object();
  std::string channel = {};  // how the command came: "cli", "token", "session", "system"; empty in old rows
};

// One material a unit owes, and where it stands (the commitment system: it
// is submitted, or explained when it truly cannot be obtained).
enum class MaterialState : std::uint8_t { kPending, kSubmitted, kReturned, kExplained, kAccepted };
std::string_view MaterialStateName(MaterialState s);
std::optional<MaterialState> MaterialStateFromName(std::string_view name);

struct MaterialRecord {
  std::string unit;
  std::string material;      // the roster's material id
  std::string name;
  bool required = true;
  MaterialState state = MaterialState::kPending;
  bool explained = false;    // accepted on an explanation rather than the item itself
  int submissions = 0;       // how many times it was handed in
  std::string note;          // the last comment: the reviewer's, or the explanation
  Instant updated_at{};
  std::string updated_by;
  bool dropped = false;      // the office dropped it for this campaign (change_reason says why)
  std::string change_reason; // why the office added or dropped it
};

// A file kept in the content-addressed store, by the SHA-256 of its bytes.
struct Attachment {
  std::string sha256;
  std::string name;          // the file name it was attached under
  std::int64_t size = 0;
  std::string media_type;    // "application/pdf"
  std::string unit;
  std::string material;      // the material it belongs to; "commitment" for a signed commitment's scan
  std::string attached_by;
  Instant attached_at{};
};

// Who the unit's coordinator or liaison is, as reported to the office.
// Kept as history: the highest number per unit and role is current.
struct Contact {
  std::string unit;
  std::string role;          // "coordinator" or "liaison"
  int number = 0;
  std::string person;        // person id; a new id adds the person to the campaign
  std::string name;
  std::string phone;
  std::string email;
  std::string reported_by;   // who told the office
  Date reported_on{};
  std::string recorded_by;
  Instant recorded_at{};
};

// The unit's principal leader's signed and stamped commitment (承诺书). Never
// edited: a correction is a new signature superseding the old.
struct Commitment {
  std::string unit;
  int number = 0;            // 1, 2, ... per unit; the highest is current
  std::string signer;        // person id: the unit's principal leader
  Date signed_on{};
  bool stamped = false;
  std::string document_hash; // SHA-256 of the scanned document
  std::string document_name;
  Instant recorded_at{};
  std::string recorded_by;
};

// An event as stored.
struct StoredEvent {
  std::string campaign;
  std::int64_t seq = 0;
  Event event;
  std::string prev_hash;
  std::string hash;
};

}  // namespace duban::model
