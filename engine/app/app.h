// Commands and queries: the use cases of duban. Each command reads what it
// needs through the Store, asks the pure core what happens, and commits the
// state change with all its events in one transaction, retrying when another
// writer won the race. Nothing here knows which database is behind the Store.
//
// Every command and query takes the RequestContext (request.h) and is
// authorised first, by the campaign workflow's [permissions]
// (workflow::Authorize): an unknown person or none is refused, a unit-scoped
// person sees and acts on their own units only, and phone numbers and e-mail
// addresses are shown only to the roles the workflow lets see them and to the
// person themselves. A refusal is Status::Refused naming the rule.
#pragma once

#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "assessment/assessment.h"
#include "attach/file_store.h"
#include "calendar/calendar.h"
#include "core/env.h"
#include "core/status.h"
#include "core/time.h"
#include "deadline/evaluator.h"
#include "machine/machine.h"
#include "machine/notices.h"
#include "app/request.h"
#include "machine/paperwork.h"
#include "model/model.h"
#include "store/store.h"
#include "wire/results.h"

namespace duban::app {

// A command's answer: its typed result (wire/results.h writes its one JSON
// form, which the command record keeps), and whether it was answered from
// an earlier command with the same id rather than applied.
template <typename T>
struct Outcome {
  T value;
  bool replayed = false;
};

struct CampaignSpec {
  std::filesystem::path workflow;       // workflows/annual-cycle.toml
  std::filesystem::path roster;         // workflows/taishan-2021/roster.toml
  std::string id;                       // default: the roster's id
  std::string name;                     // default: the roster's name
  std::optional<int> year;              // default: the roster's year
  std::string time_zone;                // default: the roster's, else Asia/Shanghai
  std::filesystem::path calendars;      // loaded first when the database has no calendar yet
  // The previous year's campaign (campaign create --from taishan-2021): the
  // new one takes its pinned roster (unless `roster` is given) with the
  // contact changes it recorded, its pinned workflow unless `workflow` is
  // given (the plan stays in force until revised, 方案更新), the next year,
  // its id and name with the year moved on, and its published ranking as
  // every unit's last-year score.
  std::string from;
};

// A campaign with its pinned definitions, parsed.
struct Context {
  store::Campaign campaign;
  std::shared_ptr<const model::Workflow> workflow;
  std::shared_ptr<const model::Roster> roster;
  std::shared_ptr<const calendar::Calendar> calendar;
  TimeZone tz;
  std::vector<model::DueOverride> overrides;  // campaign-wide due days set by the office

  // When `stage`'s work is due for a unit entering it at `entered_at`: an
  // extension granted to the unit wins, then the office's override, then the
  // workflow's date or phrase.
  Result<std::optional<Instant>> DueFor(model::StageId stage, Instant entered_at,
                                        std::optional<Date> extended_to) const;
};

// One unit's line in the ledger (工作台账).
struct LedgerRow {
  const model::Unit* unit = nullptr;
  model::Instance instance;
  const model::StageDef* stage = nullptr;
  std::optional<Instant> due_at;
  int days_overdue = 0;
  // Where the unit stands against its deadline (deadline::StandingAt).
  std::optional<int> workdays_left;  // negative when overdue
  std::optional<deadline::Light> light;  // none without a due
  int escalation_level = 0;
  int materials_done = 0;   // submitted, explained or accepted
  int materials_total = 0;
  int review_rounds = 0;    // times the unit was returned
  model::CommitmentState commitment = model::CommitmentState::kNone;
  int commitment_number = 0;  // the signature in force (1, 2, ...); 0 when none
  int paper_copies = 0;       // paper copies received by the office
  std::optional<Instant> acknowledged_at;  // when the unit signed for its task list (签收)
};

struct Ledger {
  Context context;
  Instant now{};
  // Years of the campaign (and the next) with no holiday calendar: their
  // working days fall back to plain weekends.
  std::vector<int> calendar_missing_years;
  std::vector<LedgerRow> rows;  // roster order
};

// Paper copies the office keeps of each unit's materials: the plan asks for
// three, two to the office and one kept by the unit.
inline constexpr int kPaperCopiesToOffice = 2;

struct AppOptions {
  // Where attached files are kept, by content hash.
  std::filesystem::path files_dir = "duban-files";
  attach::FileStoreOptions files;
  // Event types whose notices skip quiet hours (the config's notify.urgent).
  std::vector<model::EventType> urgent_types = {model::EventType::kEscalationRaised};
  // The server's public base URL (config [serve] public_url): notices link to
  // {public_url}/c/{campaign}/units/{unit}.
  std::string public_url = "http://127.0.0.1:8080";
  // The daily digest (督办日报): when it is made, which notices skip it, and
  // per-person choices overriding the roster's (config [digest]).
  machine::DigestRule digest;
  // Sleeps and draws the jittered pause before a command retries after a
  // conflict; not owned, must outlive the App. nullptr: retry at once (tests
  // that race nothing). The runtime always passes its Env.
  Env* env = nullptr;
};

// The campaign's units and people as one person may see them.
struct RosterView {
  std::string campaign;
  std::shared_ptr<const model::Workflow> workflow;  // for the roles' labels
  std::vector<model::Unit> units;                   // roster order
  // With phone and e-mail blank where the asker may not see them.
  std::vector<model::Person> people;
};

// What the office records when a unit reports a new coordinator or liaison.
struct ContactChange {
  std::string role;        // one of the workflow's unit_contacts roles ("coordinator", "liaison")
  std::string person;      // the new holder's person id (new or from the roster)
  std::string name;
  std::string phone;
  std::string email;
  std::string reported_by; // default: the actor
  std::optional<Date> reported_on;  // default: the day of the command
};

// What one person is and may do in one campaign (GET /api/v1/me): their
// roster entry with the roles they hold now (contact changes applied), and
// every verb the workflow's [permissions] grant them, with its reach. The
// verdicts are workflow::Authorize's, the one place permissions are decided.
struct SelfView {
  std::string campaign;
  std::shared_ptr<const model::Workflow> workflow;  // for the roles' ids and labels
  model::Person person;
  struct Grant {
    model::Verb verb;
    bool campaign_wide = false;
    std::vector<std::string> units;  // when not campaign-wide
  };
  std::vector<Grant> grants;  // the verbs allowed, in kVerbSpecs order
};

// The December assessment as one person may see it (assess show): the parts
// recorded, this year's submission as the record stands now, the latest
// revision's scores, and the ranking once circulated (every reader's).
struct AssessmentView {
  Context context;
  Instant now{};
  assessment::Record record;  // cut to the asker's units
  struct Row {
    const model::Unit* unit = nullptr;
    std::optional<assessment::Part> prior;
    std::optional<assessment::Part> evaluation;
    assessment::SubmissionScore preview;  // this year's submission at `now`
    std::optional<assessment::Scored> scored;  // the latest revision's assessment.scored
  };
  std::vector<Row> rows;  // roster order
};

// `assess verify`: every recorded score and ranking recomputed from the log.
struct AssessmentCheck {
  int checked = 0;  // assessment.scored and assessment.published events recomputed
  std::vector<assessment::Difference> differences;
};

class App {
 public:
  explicit App(store::Store& store, AppOptions options = {})
      : store_(store), options_(std::move(options)), files_(options_.files_dir, options_.files) {}

  // ----- commands -----

  // Loads a calendar year file, or every one in a directory, into the
  // database, replacing the years it holds. The person must be granted
  // calendar_load in every campaign of the database (none: nothing to affect).
  Result<Outcome<wire::CalendarLoaded>> LoadCalendars(const std::filesystem::path& path, const RequestContext& rc);
  // Creates a campaign from a workflow and a roster file, pinning both; the
  // person is authorised against that roster.
  Result<Outcome<wire::CampaignCreated>> CreateCampaign(const CampaignSpec& spec, const RequestContext& rc);
  // Fires `trigger` at `unit`: applied, a request for approval, or refused.
  Result<Outcome<wire::Fired>> Fire(const std::string& campaign, const std::string& unit, const std::string& trigger,
                       const std::string& note, const RequestContext& rc);
  // Approves or rejects an open request. `request` is its id ("finance#1") or
  // the unit id, meaning the unit's open request.
  Result<Outcome<wire::Decided>> Decide(const std::string& campaign, const std::string& request, bool approve,
                         const std::string& note, const RequestContext& rc);
  // Moves one material of a unit: submit, explain, return or accept. Files
  // given are copied into the content-addressed store first and attached.
  Result<Outcome<wire::Recorded>> Material(const std::string& campaign, const std::string& unit,
                           const std::string& material, machine::MaterialAction action,
                           const std::string& note, const std::vector<std::filesystem::path>& files,
                           const RequestContext& rc);
  // The office adds an item a unit owes in this campaign, or drops one, with a reason.
  Result<Outcome<wire::Recorded>> AddMaterial(const std::string& campaign, const std::string& unit, const std::string& material,
                              const std::string& name, bool required, const std::string& reason,
                              const RequestContext& rc);
  Result<Outcome<wire::Recorded>> DropMaterial(const std::string& campaign, const std::string& unit, const std::string& material,
                               const std::string& reason, const RequestContext& rc);
  // The office records the paper copies received from a unit so far.
  Result<Outcome<wire::Recorded>> PaperCopies(const std::string& campaign, const std::string& unit, int received,
                              const std::string& note, const RequestContext& rc);
  // A new coordinator or liaison for a unit; from now on they act for it and
  // receive its notices.
  Result<Outcome<wire::Recorded>> SetContact(const std::string& campaign, const std::string& unit, const ContactChange& change,
                             const RequestContext& rc);
  // Evaluates every deadline due at rc.at: reminders, missed deadlines and
  // escalations, each raised once, stamped with the time it fell due. The
  // engine's clock (SystemRequest) or, by hand, a person granted tick in
  // every campaign; the events record who.
  Result<Outcome<wire::Ticked>> Tick(const RequestContext& rc);
  // The earliest instant a deadline step falls due in any campaign (for the
  // scheduler; reveals nothing of any unit).
  Result<std::optional<Instant>> NextDeadline();
  // The office moves a stage's due day for the whole campaign, with a reason.
  Result<Outcome<wire::DueSet>> SetDue(const std::string& campaign, const std::string& stage, Date due,
                         const std::string& reason, const RequestContext& rc);
  // A unit asks for an extension of its current stage's due day (延期申请).
  Result<Outcome<wire::ExtensionRequested>> RequestExtension(const std::string& campaign, const std::string& unit, Date new_due,
                                   const std::string& reason, const RequestContext& rc);
  // The office urges a unit by hand (催办).
  Result<Outcome<wire::Recorded>> Urge(const std::string& campaign, const std::string& unit, const std::string& note,
                       const RequestContext& rc);
  // Records the principal leader's signed commitment with its scanned document.
  Result<Outcome<wire::Recorded>> Sign(const std::string& campaign, const std::string& unit, const std::string& signer,
                       Date signed_on, bool stamped, const std::filesystem::path& document,
                       const RequestContext& rc);

  // ----- the December assessment (assessment.cpp; scores by engine/assessment) -----
  // Each changes nothing once a revision is published unless `correction`
  // gives the reason (rule assessment_frozen), and nothing while a ranking
  // awaits approval (assessment_pending).

  // Records last year's indicator score of every unit from a CSV file
  // (assessment::ParsePriorCsv), one assessment.prior_recorded per unit.
  Result<Outcome<wire::Recorded>> AssessImportPrior(const std::string& campaign, const std::filesystem::path& csv,
                                                    const std::string& correction, const RequestContext& rc);
  // Carries over last year's score of every unit from campaign `from`'s
  // latest published ranking (its totals), when it recorded one.
  Result<Outcome<wire::Recorded>> AssessCarryOverPrior(const std::string& campaign, const std::string& from,
                                                       const std::string& correction, const RequestContext& rc);
  // The office's evaluation of a unit (0 to 100, hundredths) with its comment.
  Result<Outcome<wire::Recorded>> AssessEvaluate(const std::string& campaign, const std::string& unit,
                                                 model::Points score, const std::string& comment,
                                                 const std::string& correction, const RequestContext& rc);
  // Scores every unit (every part complete, else assessment_incomplete) as a
  // new revision: one assessment.scored per unit, each heard of by the unit.
  Result<Outcome<wire::Recorded>> AssessScore(const std::string& campaign, const std::string& correction,
                                              const RequestContext& rc);
  // Sends the latest revision's ranking for approval: request assessment#N to
  // the workflow's assessment_approvers. `approve assessment#N` (Decide)
  // publishes it (assessment.published, carrying the ranking).
  Result<Outcome<wire::Recorded>> AssessSubmit(const std::string& campaign, const std::string& note,
                                               const RequestContext& rc);

  // ----- queries -----

  // The asker as the campaign knows them. Refused (the actor rule) when the
  // campaign's roster does not have them.
  Result<SelfView> Self(const std::string& campaign, const RequestContext& rc);
  // The on-site verification (现场核查, 二、（三）2; inspection.cpp), under the
  // workflow's [assessment.inspection]. Announce: the upper level will visit
  // `units` (every unit for {"all"}) on `on`; each gets inspection.announced
  // with the next id ("inspection#2"). Record: the findings of the latest
  // announced verification of `unit` not yet recorded, on or after its day;
  // none fires the rule's verify trigger, some fire its rectify trigger with
  // the fix-up due on `fixup_due` (required then, refused otherwise).
  Result<Outcome<wire::Recorded>> AnnounceInspection(const std::string& campaign, Date on,
                                                     const std::vector<std::string>& units, const std::string& note,
                                                     const RequestContext& rc);
  Result<Outcome<wire::Fired>> RecordInspection(const std::string& campaign, const std::string& unit,
                                                const std::vector<std::string>& findings,
                                                std::optional<Date> fixup_due, const std::string& note,
                                                const RequestContext& rc);
  Result<AssessmentView> AssessShow(const std::string& campaign, const std::string& unit, const RequestContext& rc);
  Result<AssessmentCheck> AssessVerify(const std::string& campaign, const RequestContext& rc);

  // The campaign `id`, or the only campaign when `id` is empty, with its
  // definitions. Not authorised: for the composition root and tests; never
  // hand its roster to a user (RosterView is the authorised read).
  Result<Context> Load(const std::string& id);
  // The campaigns the person may list (campaign_list in each).
  Result<std::vector<store::Campaign>> Campaigns(const RequestContext& rc);
  // The working-day calendar held in the database: public data (the State
  // Council's holidays), not authorised.
  Result<calendar::Calendar> Calendar();
  // The units and people the person may see (`unit` non-empty: that unit's).
  Result<RosterView> Roster(const std::string& campaign, const std::string& unit, const RequestContext& rc);
  // The ledger at rc.at: every unit the person may see, or only `unit`.
  Result<Ledger> Status(const std::string& campaign, const std::string& unit, const RequestContext& rc);
  // Requests of the units the person may see, in the order asked: the filter's
  // status (nullopt: every one), after its cursor, at most its limit.
  Result<std::vector<model::Request>> Requests(store::RequestFilter filter, const RequestContext& rc);
  // Events of the units the person may see, and campaign-wide ones; a
  // filter's unit must be one of theirs.
  Result<std::vector<model::StoredEvent>> Events(store::EventFilter filter, const RequestContext& rc);
  Result<std::vector<model::MaterialRecord>> Materials(const std::string& campaign, const std::string& unit,
                                                       const RequestContext& rc);
  Result<std::vector<model::Attachment>> Attachments(const std::string& campaign, const std::string& unit,
                                                     const RequestContext& rc);
  Result<std::vector<model::Contact>> Contacts(const std::string& campaign, const std::string& unit,
                                               const RequestContext& rc);
  Result<std::vector<model::Commitment>> Commitments(const std::string& campaign, const std::string& unit,
                                                     const RequestContext& rc);
  const attach::FileStore& files() const { return files_; }
  // The notice outbox, for the dispatcher.
  store::Outbox& outbox() { return store_.Outbox(); }
  // The campaign's notices (filter.campaign empty: the only campaign) of the
  // units the person may see.
  Result<std::vector<store::NoticeRecord>> Notices(store::NoticeFilter filter, const RequestContext& rc);
  // Makes a dead notice's deliveries pending again (`plugin` empty: all),
  // recorded as a notice.retried event of the notice's campaign. Answers
  // {"notice", "retried": count}.
  Result<Outcome<wire::NoticeRetried>> RetryNotice(const std::string& notice_id, const std::string& plugin, const RequestContext& rc);
  Result<store::VerifyReport> Verify(const std::string& campaign, const RequestContext& rc);

 private:
  // A list query of one campaign whose rows each name their unit: authorised
  // for `verb` (on `unit` when given), read by `read` (given the campaign and
  // the limit to pass to the store: 0 when the rows are cut afterwards), cut
  // to the units the asker may see, then each row passed to `finish`.
  template <typename Row>
  struct ScopedQuery {
    std::string campaign;
    std::string unit;
    model::Verb verb;
    std::function<Result<std::vector<Row>>(const Context&, std::size_t limit)> read;
    std::function<const std::string&(const Row&)> unit_of;
    bool keep_campaign_wide = false;  // rows of no unit are seen by every reader
    std::size_t limit = 0;            // 0: all
    std::function<void(const Context&, Row&)> finish = {};
  };
  template <typename Row>
  Result<std::vector<Row>> Scoped(const ScopedQuery<Row>& q, const RequestContext& rc);
  // The query of a store filter with campaign, unit and limit members
  // (events, notices): rows of no unit are every reader's, and the limit
  // applies after the rows are cut to the reader's units. `filter` must
  // outlive the query.
  template <typename Row, typename Filter>
  ScopedQuery<Row> FilteredQuery(Filter& filter, model::Verb verb,
                                 std::function<Result<std::vector<Row>>(const Filter&)> list,
                                 std::function<const std::string&(const Row&)> unit_of);

  // What a command will change, and what it will answer.
  template <typename T>
  struct Plan {
    store::Changeset changes;
    T result;
  };
  // Runs `plan` (read, decide, build the changeset) and commits it, answering
  // a repeated command id from the record and retrying after a lost race.
  static store::Changeset Touching(const Context& ctx, const model::Instance& inst);
  // `ctx`, when given, is the campaign's: the events planned queue their
  // notices (QueueNotices) in the same transaction.
  // Every event planned records rc's channel.
  template <typename T>
  Result<Outcome<T>> Run(const std::string& campaign, const RequestContext& rc, const nlohmann::json& fingerprint,
                         const Context* ctx, const std::function<Result<Plan<T>>()>& plan);
  // Adds a notice for each event of `changes` that someone must hear of, its
  // recipients resolved from the event's roles and the unit's current
  // holders of them (contacts included).
  void QueueNotices(const Context& ctx, store::Changeset& changes) const;
  // The daily digests (督办日报) due at `now`, each campaign's made in one
  // transaction with its held notices consumed (digest.cpp).
  duban::Status AssembleDigests(Instant now, std::vector<wire::Ticked::Raised>& raised);
  // When the next digest falls due: the earliest slot of a person with
  // notices held; nullopt when nothing is held.
  Result<std::optional<Instant>> NextDigest();
  // The calendar in the database, parsed once and kept while no year changes.
  Result<std::shared_ptr<const calendar::Calendar>> LoadCalendar();
  // Reads and checks a calendar file or directory of year files.
  Result<std::vector<store::CalendarYear>> ReadCalendarYears(const std::filesystem::path& path, Instant at);
  Result<model::Instance> GetInstance(const Context& ctx, const std::string& unit);
  // The guard facts of `unit` for transition `tid`: the assessment's are read
  // (from the whole event log) only when that transition is guarded by them.
  Result<machine::GuardFacts> Facts(const Context& ctx, const std::string& unit, model::TransitionId tid);
  // The assessment guards' facts of `unit` (assessment.cpp), from the event log.
  duban::Status AssessmentFacts(const Context& ctx, const std::string& unit, model::TransitionId tid,
                                machine::GuardFacts& facts);
  // The unit's material `material`, unless it does not owe it (or it was dropped).
  Result<model::MaterialRecord> OwedMaterial(const std::string& campaign, const std::string& unit,
                                             const std::string& material);
  // Recomputes every open deadline of every campaign on the calendar now in
  // the database; one transaction per campaign, the events by rc's person.
  // Returns what moved.
  Result<std::vector<wire::CalendarLoaded::Moved>> RecomputeDeadlines(const RequestContext& rc);
  // Approves or rejects the assessment's request `request` ("assessment#1").
  Result<Outcome<wire::Decided>> DecideAssessment(const Context& ctx, const std::string& request, bool approve,
                                                  const std::string& note, const RequestContext& rc);
  // Records `rows` as last year's scores from `source`.
  Result<Outcome<wire::Recorded>> RecordPrior(const Context& ctx, const std::vector<assessment::PriorRow>& rows,
                                              const std::string& source, const nlohmann::json& fingerprint,
                                              const std::string& correction, const RequestContext& rc);
  // The campaign's whole event log, in seq order.
  Result<std::vector<model::StoredEvent>> AllEvents(const Context& ctx);
  // Every unit's instance written with its version bumped: the command is
  // ordered against every other command on any unit.
  Result<store::Changeset> TouchingAll(const Context& ctx);
  // Refused unless rc may use `verb` in every campaign of the database.
  duban::Status AuthorizeEverywhere(const RequestContext& rc, model::Verb verb);
  // The instance after a move to `to` at `at`: version bumped, due recomputed
  // (the end of `due_day` when given: the unit's own due in that stage).
  Result<model::Instance> Moved(const Context& ctx, const model::Instance& from, model::StageId to,
                                Instant at, std::optional<Date> due_day = std::nullopt);

  store::Store& store_;
  AppOptions options_;
  attach::FileStore files_;
  // Parsed definitions by content hash: a campaign's never change.
  std::map<std::string, std::shared_ptr<const model::Workflow>> workflows_;
  std::map<std::string, std::shared_ptr<const model::Roster>> rosters_;
  std::vector<std::pair<int, std::string>> calendar_hashes_;
  std::shared_ptr<const calendar::Calendar> calendar_;
};

}  // namespace duban::app
