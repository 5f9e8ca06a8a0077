// The December assessment (三、（三）): each member unit's score from three
// parts, weighed by the workflow's [assessment] rule — (a) last year's
// indicator score, (b) this year's submission, computed from the unit's own
// record, and (c) the office's evaluation — and the ranking of the units.
//
// Pure: every function takes the rule, the events and `now` as data; nothing
// here reads a clock, a file or a database. The same functions score a unit
// when the office scores it and again when `assess verify` recomputes the
// score from the event log, so the two agree unless the log changed.
//
// Thread-safety: free functions over const data; any thread may call them.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "calendar/calendar.h"
#include "core/status.h"
#include "core/time.h"
#include "model/model.h"

namespace duban::assessment {

using model::Points;

// "87.50": two decimals.
std::string FormatPoints(Points p);
// "87.5", "90", "0.25" as hundredths; nullopt for anything else (a sign, more
// than two decimals, an exponent, a blank).
std::optional<Points> ParsePoints(std::string_view text);
// Points as a JSON number (87.5) and back; nullopt for a value that is not a
// number with at most two decimals.
nlohmann::json PointsJson(Points p);
std::optional<Points> PointsFromJson(const nlohmann::json& j);

// The weighted total of three parts out of 100, rounded half up to hundredths.
Points Total(const model::AssessmentWeights& w, Points prior, Points submission, Points evaluation);

// ----- (a) last year's indicator score, from CSV -----

struct PriorRow {
  std::string unit;
  Points score = 0;
  int line = 0;  // 1-based line of the file
};

// Reads a CSV with a header naming a `unit` column (the roster's unit id) and
// a `score` column (0 to 100, at most two decimals); other columns (a name)
// are ignored. UTF-8, an optional BOM, LF or CRLF, fields optionally in double
// quotes. Every unit of `roster` must appear exactly once. Fails with
// InvalidInput at `source`:line:column of the first problem: a missing
// header column, a wrong field count, an unknown or repeated unit, a score
// out of range or not a number, and (at the last line) a unit left out.
Result<std::vector<PriorRow>> ParsePriorCsv(std::string_view text, std::string_view source,
                                            const model::Roster& roster);

// Last year's scores carried over from the previous campaign's published
// ranking (its assessment.published payload's "ranking"): each unit's total.
// Fails with InvalidInput naming the units of `roster` the ranking lacks.
Result<std::vector<PriorRow>> PriorFromRanking(const nlohmann::json& ranking, std::string_view campaign,
                                               const model::Roster& roster);

// ----- (b) this year's submission, from the record -----

// Rules a command is refused by (Status::Refused), named in messages and docs.
inline constexpr const char* kRuleIncomplete = "assessment_incomplete";  // a part is missing, or a record not final
inline constexpr const char* kRuleFrozen = "assessment_frozen";          // published: a change needs --correction
inline constexpr const char* kRulePending = "assessment_pending";        // a ranking awaits approval
inline constexpr const char* kRuleNotScored = "assessment_not_scored";   // nothing to submit, or stale
inline constexpr const char* kRuleRule = "assessment_rule";              // the workflow has no [assessment]

// What a deduction is for: stable ids, shown with a zh-CN reason.
inline constexpr std::string_view kItemLate = "late";
inline constexpr std::string_view kItemNotSubmitted = "not_submitted";
inline constexpr std::string_view kItemReturned = "returned";
inline constexpr std::string_view kItemExplained = "explained";
inline constexpr std::string_view kItemMissingMaterial = "missing_material";
inline constexpr std::string_view kItemPaperCopies = "paper_copies";
inline constexpr std::string_view kItemCommitmentLate = "commitment_late";
inline constexpr std::string_view kItemFinding = "finding";        // a problem the on-site verification found
inline constexpr std::string_view kItemFixupLate = "fixup_late";   // its fix-up finished late, or not at all

struct Deduction {
  std::string item;                  // one of the kItem ids
  Points points = 0;                 // taken off the submission score
  std::string reason;                // for people (zh-CN)
  std::vector<std::int64_t> events;  // the seqs of the events behind it

  friend bool operator==(const Deduction&, const Deduction&) = default;
};
void to_json(nlohmann::json& j, const Deduction& d);
Result<Deduction> DeductionFromJson(const nlohmann::json& j);

struct SubmissionScore {
  // The record is final: the unit stands in one of the rule's final stages,
  // or never submitted and its due has passed. Scoring needs it.
  bool complete = false;
  std::string pending;  // why not complete (zh-CN)
  Points score = 0;     // out of 100, after the deductions, never below 0
  std::vector<Deduction> deductions;
};

// The due day of `stage` for a unit that entered it at `entered_at`, by the
// workflow alone (no override, no extension: those are read from the
// events). The caller resolves it on the campaign's calendar
// (deadline::StageDue); nullopt when the stage has no due.
using DueOf = std::function<std::optional<Date>(model::StageId stage, Instant entered_at)>;

struct UnitRecord {
  const model::Unit* unit = nullptr;           // the roster's: the materials it owes
  std::span<const model::StoredEvent> events;  // the campaign's, in seq order; only `unit`'s and campaign-wide ones count
};

// Scores this year's submission of `record.unit` by `wf.assessment`'s rule,
// as the record stands at `now`. With an [assessment.inspection] rule, each
// finding of an on-site verification (inspection.recorded) costs
// per_finding, and a fix-up finished after its due (the fixup_due recorded,
// moved by the fix-up stage's deadline.extended events) costs fixup_late; a
// unit still fixing up has a final record only once that due has passed (it
// then loses fixup_late as unfinished). The due of the rule's stage is the
// workflow's for the unit's first entry into it, moved by every
// deadline.extended event of that stage (the unit's, or the campaign's)
// before the first submission. REQUIRES: wf.assessment.given.
SubmissionScore ScoreSubmission(const model::Workflow& wf, const UnitRecord& record, const calendar::Calendar& cal,
                                const TimeZone& tz, const DueOf& due_of, Instant now);

// ----- (c) and the record of the assessment itself -----

// A part recorded for a unit: its score, the event that recorded it, and the
// office's comment (evaluation).
struct Part {
  Points score = 0;
  std::int64_t seq = 0;
  std::string comment;
};

// The assessment's approval request (assessment#N) as the events show it.
struct Approval {
  std::string id;  // "assessment#1"
  int revision = 0;
  std::string requested_by;
  std::int64_t seq = 0;
  model::RequestStatus status = model::RequestStatus::kPending;
};

struct Scored {
  std::int64_t seq = 0;
  Instant at{};
  nlohmann::json payload;
};

// The assessment as the event log holds it.
struct Record {
  std::map<std::string, Part> prior;       // the latest per unit
  std::map<std::string, Part> evaluation;  // the latest per unit
  int revision = 0;                        // the latest scored revision; 0: never scored
  std::map<std::string, Scored> scored;    // the latest revision's assessment.scored, by unit
  int published = 0;                       // the latest published revision; 0: none
  std::int64_t published_seq = 0;
  nlohmann::json published_payload;        // its assessment.published payload (null: none)
  std::int64_t parts_seq = 0;              // the last event that recorded a part
  std::vector<Approval> approvals;         // every assessment request, in order
  const Approval* pending() const;         // the open one, if any
  // Once a revision is published the scores are frozen: every later change
  // is a correction (with its reason) that ends in a new approved revision.
  bool frozen() const { return published != 0; }
};

// The request kind name of an assessment approval in transition.* payloads.
inline constexpr std::string_view kApprovalKind = "assessment";
inline constexpr std::string_view kApprovalPrefix = "assessment#";

Record ReadRecord(std::span<const model::StoredEvent> events);

// One unit's score, ready to be recorded as assessment.scored.
struct UnitScore {
  std::string unit;
  Points prior = 0;
  Points submission = 0;
  Points evaluation = 0;
  Points total = 0;
  std::vector<Deduction> deductions;
  std::int64_t prior_event = 0;
  std::int64_t evaluation_event = 0;
  std::string comment;
};

// The assessment.scored payload of `s` for `revision` (without correction).
nlohmann::json ScoredPayload(const UnitScore& s, int revision, const model::AssessmentWeights& w);

// Every unit of the roster scored at `now` from the record, in roster order;
// or why not: a unit without last year's score, without the office's
// evaluation, or whose record is not final (InvalidInput naming them all).
Result<std::vector<UnitScore>> ScoreAll(const model::Workflow& wf, const model::Roster& roster,
                                        std::span<const model::StoredEvent> events, const calendar::Calendar& cal,
                                        const TimeZone& tz, const DueOf& due_of, Instant now);

// The ranking: best total first; equal totals share a rank (1, 2, 2, 4) and
// keep roster order.
struct Ranked {
  int rank = 0;
  const UnitScore* score = nullptr;
};
std::vector<Ranked> Rank(const std::vector<UnitScore>& scores);

// The latest revision's scores as `rec` recorded them, in roster order.
std::vector<UnitScore> RecordedScores(const Record& rec, const model::Roster& roster);

// The ranking as assessment.published carries it.
nlohmann::json RankingJson(const std::vector<UnitScore>& scores, const model::Roster& roster);

// ----- verification -----

// One disagreement between a recorded score and its recomputation.
struct Difference {
  std::string unit;   // empty for the ranking as a whole
  int revision = 0;
  std::int64_t seq = 0;  // the event recorded
  std::string what;   // "total", "submission", "deductions", "ranking", ...
  std::string recorded;
  std::string recomputed;
};

// Recomputes every assessment.scored event from the events before it (at
// its own time) and every assessment.published ranking from the scores of
// its revision; answers the differences (none: the log agrees with itself).
std::vector<Difference> VerifyLog(const model::Workflow& wf, const model::Roster& roster,
                                  std::span<const model::StoredEvent> events, const calendar::Calendar& cal,
                                  const TimeZone& tz, const DueOf& due_of, int* checked = nullptr);

}  // namespace duban::assessment
