// The December assessment's pure core (engine/assessment): points, the prior
// scores' CSV, the submission score against hand-computed cases (on time,
// late, returned twice, an accepted explanation, a missing paper copy, a late
// commitment, never submitted), the weighted total and ranking, the record
// read back from the events, the recomputation of `assess verify`, and the
// [assessment] loader's errors with file, line and column.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "assessment/assessment.h"
#include "calendar/calendar.h"
#include "deadline/deadline.h"
#include "workflow/loader.h"

namespace duban {
namespace {

using ::testing::HasSubstr;
using assessment::Points;
using model::EventType;

const std::string kSource = DUBAN_SOURCE_DIR;

std::string Shipped() { return *workflow::ReadTextFile(kSource + "/workflows/annual-cycle.toml"); }

const model::Workflow& Wf() {
  static const model::Workflow wf = [] {
    auto parsed = workflow::ParseWorkflow(Shipped(), "annual-cycle.toml");
    EXPECT_TRUE(parsed.ok()) << parsed.status().str();
    return *parsed;
  }();
  return wf;
}

const calendar::Calendar& Cal() {
  static const calendar::Calendar cal = [] {
    auto years = calendar::LoadDirectory(kSource + "/workflows/calendars");
    EXPECT_TRUE(years.ok());
    return calendar::Calendar::FromYears(*years);
  }();
  return cal;
}

const TimeZone& Tz() { return TimeZone::Default(); }

Instant T(const std::string& text) { return *ParseInstant(text, Tz()); }

assessment::DueOf DueOf() {
  return [](model::StageId stage, Instant entered) -> std::optional<Date> {
    auto due = deadline::StageDue(Wf(), stage, 2021, Cal(), Tz(), entered);
    if (!due.ok() || !due->has_value()) return std::nullopt;
    return Tz().local_date(**due);
  };
}

model::Roster Roster() {
  model::Roster r;
  r.id = "test-2021";
  r.year = 2021;
  model::Unit a;
  a.id = "finance";
  a.name = "区财政局";
  a.materials = {{"report", "自查总结报告", true, {}}, {"budget", "预算报告", true, {}}, {"other", "其他", false, {}}};
  model::Unit b = a;
  b.id = "water";
  b.name = "区水利局";
  model::Unit c = a;
  c.id = "emergency";
  c.name = "区应急管理局";
  r.units = {a, b, c};
  return r;
}

// A unit's record, event by event, with seqs in order.
class Log {
 public:
  Log& Add(EventType type, const std::string& unit, const std::string& at, nlohmann::json payload,
           const std::string& actor = "office") {
    model::StoredEvent e;
    e.campaign = "test-2021";
    e.seq = static_cast<std::int64_t>(events_.size()) + 1;
    e.event = model::Event{type, unit, actor, T(at), std::move(payload)};
    events_.push_back(std::move(e));
    return *this;
  }
  Log& Move(const std::string& unit, const std::string& at, const std::string& trigger, const std::string& from,
            const std::string& to) {
    return Add(EventType::kTransitionApplied, unit, at, {{"trigger", trigger}, {"from", from}, {"to", to}});
  }
  Log& Material(const std::string& unit, const std::string& at, EventType type, const std::string& material,
                const std::string& to, bool explained = false) {
    nlohmann::json p = {{"material", material}, {"name", material}, {"to", to}};
    if (explained) p["explained"] = true;
    return Add(type, unit, at, p);
  }
  // Kicked off, acknowledged on 9 October, submitted at `submit_at`, accepted
  // on `accepted_at` (both materials), copies, and a stamped commitment signed on `signed_on`.
  Log& Cycle(const std::string& unit, const std::string& submit_at, const std::string& accepted_at, int copies,
             const std::string& signed_on) {
    Move(unit, "2021-10-08 09:00", "kickoff", "planned", "kicked_off");
    Move(unit, "2021-10-09 10:00", "acknowledge", "kicked_off", "collecting");
    Material(unit, submit_at, EventType::kMaterialSubmitted, "report", "submitted");
    Material(unit, submit_at, EventType::kMaterialSubmitted, "budget", "submitted");
    Move(unit, submit_at, "submit", "collecting", "submitted");
    Move(unit, submit_at, "receive", "submitted", "under_review");
    Material(unit, accepted_at, EventType::kMaterialAccepted, "report", "accepted");
    Material(unit, accepted_at, EventType::kMaterialAccepted, "budget", "accepted");
    Move(unit, accepted_at, "accept", "under_review", "accepted");
    if (copies > 0) Add(EventType::kPaperReceived, unit, accepted_at, {{"received", copies}});
    Add(EventType::kCommitmentSigned, unit, signed_on + " 10:00",
        {{"number", 1}, {"signed_on", signed_on}, {"stamped", true}});
    Move(unit, signed_on + " 10:01", "commit", "accepted", "committed");
    return *this;
  }
  const std::vector<model::StoredEvent>& events() const { return events_; }
  std::int64_t last() const { return events_.back().seq; }

 private:
  std::vector<model::StoredEvent> events_;
};

assessment::SubmissionScore Score(const Log& log, const std::string& unit, const std::string& now) {
  static const model::Roster roster = Roster();
  return assessment::ScoreSubmission(Wf(), {roster.FindUnit(unit), log.events()}, Cal(), Tz(), DueOf(), T(now));
}

std::vector<std::string> Items(const assessment::SubmissionScore& s) {
  std::vector<std::string> out;
  for (const auto& d : s.deductions) out.push_back(d.item + ":" + assessment::FormatPoints(d.points));
  return out;
}

TEST(Points, ParseFormatAndJson) {
  EXPECT_EQ(assessment::ParsePoints("87.5"), 8750);
  EXPECT_EQ(assessment::ParsePoints("90"), 9000);
  EXPECT_EQ(assessment::ParsePoints("0.25"), 25);
  for (const char* bad : {"", "-1", "1e2", "87.", ".5", "87.555", "8a", " 8"})
    EXPECT_FALSE(assessment::ParsePoints(bad).has_value()) << bad;
  EXPECT_EQ(assessment::FormatPoints(8750), "87.50");
  EXPECT_EQ(assessment::FormatPoints(5), "0.05");
  EXPECT_EQ(assessment::PointsJson(9000).dump(), "90");
  EXPECT_EQ(assessment::PointsFromJson(assessment::PointsJson(8755)), 8755);
}

TEST(Total, WeighsThePartsByThePlansPercentages) {
  const model::AssessmentWeights w;  // 30 / 50 / 20
  // 87.5 * 0.3 + 90 * 0.5 + 95 * 0.2 = 26.25 + 45 + 19 = 90.25
  EXPECT_EQ(assessment::Total(w, 8750, 9000, 9500), 9025);
  // 33.33 * 0.3 + 0 + 0 = 9.999 -> 10.00 (half up)
  EXPECT_EQ(assessment::Total(w, 3333, 0, 0), 1000);
  EXPECT_EQ(assessment::Total(w, 10000, 10000, 10000), 10000);
}

TEST(Submission, OnTimeCompleteAndCommittedLosesNothing) {
  Log log;
  log.Cycle("finance", "2021-10-14 10:00", "2021-10-21 15:00", 2, "2021-10-27");
  const auto s = Score(log, "finance", "2021-12-13 09:00");
  EXPECT_TRUE(s.complete) << s.pending;
  EXPECT_EQ(s.score, 10000);
  EXPECT_TRUE(s.deductions.empty()) << ::testing::PrintToString(Items(s));
}

TEST(Submission, LateByWorkingDaysNamesTheSubmitAndTheMissedDeadline) {
  Log log;
  log.Move("water", "2021-10-08 09:00", "kickoff", "planned", "kicked_off");
  log.Move("water", "2021-10-09 10:00", "acknowledge", "kicked_off", "collecting");
  log.Add(EventType::kDeadlineMissed, "water", "2021-10-20 23:59:59", {{"stage", "collecting"}});
  const std::int64_t missed = log.last();
  // Due 20 October (Wednesday); submitted Monday 25 October: 21, 22 and 25 are 3 working days.
  log.Material("water", "2021-10-25 10:00", EventType::kMaterialSubmitted, "report", "submitted");
  log.Material("water", "2021-10-25 10:00", EventType::kMaterialSubmitted, "budget", "submitted");
  log.Move("water", "2021-10-25 10:05", "submit", "collecting", "submitted");
  const std::int64_t submit = log.last();
  log.Move("water", "2021-10-26 10:00", "receive", "submitted", "under_review");
  log.Material("water", "2021-10-26 10:10", EventType::kMaterialAccepted, "report", "accepted");
  log.Material("water", "2021-10-26 10:10", EventType::kMaterialAccepted, "budget", "accepted");
  log.Move("water", "2021-10-28 09:00", "accept", "under_review", "accepted");
  log.Add(EventType::kPaperReceived, "water", "2021-10-28 09:30", {{"received", 2}});
  log.Add(EventType::kCommitmentSigned, "water", "2021-11-03 09:00",
          {{"number", 1}, {"signed_on", "2021-11-03"}, {"stamped", true}});
  log.Move("water", "2021-11-03 09:01", "commit", "accepted", "committed");
  const auto s = Score(log, "water", "2021-12-13 09:00");
  ASSERT_TRUE(s.complete);
  ASSERT_EQ(s.deductions.size(), 1u) << ::testing::PrintToString(Items(s));
  EXPECT_EQ(s.deductions[0].item, assessment::kItemLate);
  EXPECT_EQ(s.deductions[0].points, 1500);  // 3 x 5
  EXPECT_THAT(s.deductions[0].events, ::testing::ElementsAre(missed, submit));
  EXPECT_THAT(s.deductions[0].reason, HasSubstr("3个工作日"));
  EXPECT_EQ(s.score, 8500);
}

TEST(Submission, AnExtensionMovesTheDue) {
  Log log;
  log.Move("water", "2021-10-08 09:00", "kickoff", "planned", "kicked_off");
  log.Move("water", "2021-10-09 10:00", "acknowledge", "kicked_off", "collecting");
  log.Add(EventType::kDeadlineExtended, "water", "2021-10-19 10:00",
          {{"scope", "unit"}, {"stage", "collecting"}, {"from", "2021-10-20"}, {"to", "2021-10-26"}});
  log.Move("water", "2021-10-25 10:05", "submit", "collecting", "submitted");
  const auto s = Score(log, "water", "2021-12-13 09:00");
  EXPECT_FALSE(s.complete);  // still under review
  for (const auto& d : s.deductions) EXPECT_NE(d.item, assessment::kItemLate);
}

TEST(Submission, ReturnedTwiceAnExplanationAMissingCopyAndALateCommitment) {
  Log log;
  log.Move("finance", "2021-10-08 09:00", "kickoff", "planned", "kicked_off");
  log.Move("finance", "2021-10-09 10:00", "acknowledge", "kicked_off", "collecting");
  log.Material("finance", "2021-10-14 09:00", EventType::kMaterialSubmitted, "report", "submitted");
  log.Material("finance", "2021-10-14 09:00", EventType::kMaterialExplained, "budget", "explained");
  const std::int64_t explained = log.last();
  log.Move("finance", "2021-10-14 10:00", "submit", "collecting", "submitted");
  log.Move("finance", "2021-10-15 10:00", "receive", "submitted", "under_review");
  log.Move("finance", "2021-10-15 11:00", "return", "under_review", "returned");
  const std::int64_t return1 = log.last();
  log.Move("finance", "2021-10-18 10:00", "revise", "returned", "collecting");
  log.Move("finance", "2021-10-18 10:05", "submit", "collecting", "submitted");
  log.Move("finance", "2021-10-18 11:00", "receive", "submitted", "under_review");
  log.Move("finance", "2021-10-19 11:00", "return", "under_review", "returned");
  const std::int64_t return2 = log.last();
  log.Move("finance", "2021-10-20 10:00", "revise", "returned", "collecting");
  log.Move("finance", "2021-10-20 10:05", "submit", "collecting", "submitted");
  log.Move("finance", "2021-10-21 10:00", "receive", "submitted", "under_review");
  log.Material("finance", "2021-10-21 11:00", EventType::kMaterialAccepted, "report", "accepted");
  log.Material("finance", "2021-10-21 11:00", EventType::kMaterialAccepted, "budget", "accepted", true);
  const std::int64_t accepted = log.last();
  log.Add(EventType::kPaperReceived, "finance", "2021-10-21 12:00", {{"received", 1}});
  const std::int64_t copies = log.last();
  // Accepted Thursday 21 October: the commitment is due within 5 working days, by 28 October.
  log.Move("finance", "2021-10-21 15:00", "accept", "under_review", "accepted");
  log.Add(EventType::kCommitmentSigned, "finance", "2021-10-29 09:00",
          {{"number", 1}, {"signed_on", "2021-10-29"}, {"stamped", true}});
  const std::int64_t signature = log.last();
  log.Move("finance", "2021-10-29 09:01", "commit", "accepted", "committed");

  const auto s = Score(log, "finance", "2021-12-13 09:00");
  ASSERT_TRUE(s.complete) << s.pending;
  EXPECT_THAT(Items(s), ::testing::ElementsAre("returned:10.00", "explained:2.00", "paper_copies:5.00",
                                               "commitment_late:10.00"));
  EXPECT_THAT(s.deductions[0].events, ::testing::ElementsAre(return1, return2));
  EXPECT_THAT(s.deductions[1].events, ::testing::ElementsAre(explained, accepted));
  EXPECT_THAT(s.deductions[2].events, ::testing::ElementsAre(copies));
  EXPECT_THAT(s.deductions[3].events, ::testing::ElementsAre(signature));
  EXPECT_EQ(s.score, 10000 - 1000 - 200 - 500 - 1000);  // 73.00
}

// The on-site verification: finance visited with two findings, its fix-up due
// Friday 26 November, reported done Tuesday 30 November (2 working days late).
Log& Inspected(Log& log, const std::string& fixed_at) {
  log.Cycle("finance", "2021-10-14 10:00", "2021-10-21 15:00", 2, "2021-10-27");
  log.Add(EventType::kInspectionAnnounced, "finance", "2021-11-10 10:00",
          {{"inspection", "inspection#1"}, {"on", "2021-11-16"}, {"units", {"finance"}}});
  log.Add(EventType::kInspectionRecorded, "finance", "2021-11-16 17:00",
          {{"inspection", "inspection#1"},
           {"on", "2021-11-16"},
           {"findings", {"巡查记录不完整", "验收资料未归档"}},
           {"fixup_due", "2021-11-26"}});
  log.Move("finance", "2021-11-16 17:00", "rectify", "committed", "fixing");
  if (!fixed_at.empty()) log.Move("finance", fixed_at, "fix", "fixing", "verified");
  return log;
}

TEST(Submission, EachFindingAndALateFixUpCostPointsNamingTheirEvents) {
  Log log;
  Inspected(log, "2021-11-30 10:00");
  const std::int64_t fixed = log.last();
  const std::int64_t recorded = fixed - 2;
  const auto s = Score(log, "finance", "2021-12-13 09:00");
  ASSERT_TRUE(s.complete) << s.pending;
  EXPECT_THAT(Items(s), ::testing::ElementsAre("finding:10.00", "fixup_late:5.00"));
  EXPECT_THAT(s.deductions[0].events, ::testing::ElementsAre(recorded));
  EXPECT_THAT(s.deductions[1].events, ::testing::ElementsAre(recorded, fixed));
  EXPECT_THAT(s.deductions[1].reason, HasSubstr("逾期2个工作日"));
  EXPECT_EQ(s.score, 10000 - 1000 - 500);
}

TEST(Submission, AFixUpOnTimeCostsOnlyTheFindings) {
  Log log;
  Inspected(log, "2021-11-26 16:00");
  const auto s = Score(log, "finance", "2021-12-13 09:00");
  ASSERT_TRUE(s.complete) << s.pending;
  EXPECT_THAT(Items(s), ::testing::ElementsAre("finding:10.00"));
}

TEST(Submission, AnExtensionWhileFixingUpMovesTheFixUpDue) {
  Log log;
  Inspected(log, "");
  log.Add(EventType::kDeadlineExtended, "finance", "2021-11-24 10:00",
          {{"stage", "fixing"}, {"from", "2021-11-26"}, {"to", "2021-12-01"}});
  log.Move("finance", "2021-11-30 10:00", "fix", "fixing", "verified");
  const auto s = Score(log, "finance", "2021-12-13 09:00");
  EXPECT_THAT(Items(s), ::testing::ElementsAre("finding:10.00"));
}

TEST(Submission, AUnitFixingUpIsFinalOnlyOnceItsFixUpDueHasPassed) {
  Log log;
  Inspected(log, "");
  const auto before = Score(log, "finance", "2021-11-26 12:00");
  EXPECT_FALSE(before.complete);
  EXPECT_THAT(before.pending, HasSubstr("整改中"));
  const auto after = Score(log, "finance", "2021-12-13 09:00");
  ASSERT_TRUE(after.complete) << after.pending;
  EXPECT_THAT(Items(after), ::testing::ElementsAre("finding:10.00", "fixup_late:5.00"));
  EXPECT_THAT(after.deductions[1].reason, HasSubstr("整改未完成"));
}

TEST(Submission, AVerificationWithNoFindingCostsNothing) {
  Log log;
  log.Cycle("finance", "2021-10-14 10:00", "2021-10-21 15:00", 2, "2021-10-27");
  log.Add(EventType::kInspectionRecorded, "finance", "2021-11-16 17:00",
          {{"inspection", "inspection#1"}, {"on", "2021-11-16"}, {"findings", nlohmann::json::array()}});
  log.Move("finance", "2021-11-16 17:00", "verify", "committed", "verified");
  const auto s = Score(log, "finance", "2021-12-13 09:00");
  ASSERT_TRUE(s.complete) << s.pending;
  EXPECT_EQ(s.score, 10000);
}

TEST(Submission, NeverSubmittedScoresZeroOnceTheDueHasPassed) {
  Log log;
  log.Move("emergency", "2021-10-08 09:00", "kickoff", "planned", "kicked_off");
  log.Move("emergency", "2021-10-13 09:00", "acknowledge", "kicked_off", "collecting");
  log.Add(EventType::kDeadlineMissed, "emergency", "2021-10-20 23:59:59", {{"stage", "collecting"}});
  const auto before = Score(log, "emergency", "2021-10-19 09:00");
  EXPECT_FALSE(before.complete);
  EXPECT_THAT(before.pending, HasSubstr("尚未报送"));
  const auto after = Score(log, "emergency", "2021-12-13 09:00");
  EXPECT_TRUE(after.complete);
  EXPECT_EQ(after.score, 0);
  ASSERT_EQ(after.deductions.size(), 1u);
  EXPECT_EQ(after.deductions[0].item, assessment::kItemNotSubmitted);
  EXPECT_THAT(after.deductions[0].events, ::testing::ElementsAre(log.last()));
}

TEST(Submission, AUnitStillUnderReviewIsNotFinal) {
  Log log;
  log.Move("finance", "2021-10-08 09:00", "kickoff", "planned", "kicked_off");
  log.Move("finance", "2021-10-09 10:00", "acknowledge", "kicked_off", "collecting");
  log.Move("finance", "2021-10-14 10:00", "submit", "collecting", "submitted");
  const auto s = Score(log, "finance", "2021-12-13 09:00");
  EXPECT_FALSE(s.complete);
  EXPECT_THAT(s.pending, HasSubstr("已报送"));
  // Both required materials are not accepted, and no copies are in.
  EXPECT_THAT(Items(s), ::testing::ElementsAre("missing_material:10.00", "missing_material:10.00", "paper_copies:10.00"));
}

// Prior scores and evaluations recorded for every unit of Roster().
Log& WithParts(Log& log) {
  const char* units[] = {"finance", "water", "emergency"};
  const char* prior[] = {"87.5", "92", "60"};
  const char* eval[] = {"95", "90", "50"};
  for (int i = 0; i < 3; ++i) {
    log.Add(EventType::kAssessmentPriorRecorded, units[i], "2021-12-01 09:00",
            {{"score", assessment::PointsJson(*assessment::ParsePoints(prior[i]))}, {"source", "prior.csv"}});
    log.Add(EventType::kAssessmentEvaluated, units[i], "2021-12-10 09:00",
            {{"score", assessment::PointsJson(*assessment::ParsePoints(eval[i]))}, {"comment", "工作积极"}});
  }
  return log;
}

TEST(ScoreAll, NeedsEveryPartOfEveryUnit) {
  Log log;
  log.Cycle("finance", "2021-10-14 10:00", "2021-10-21 15:00", 2, "2021-10-27");
  log.Cycle("water", "2021-10-14 10:00", "2021-10-21 15:00", 1, "2021-10-27");
  auto refused = assessment::ScoreAll(Wf(), Roster(), log.events(), Cal(), Tz(), DueOf(), T("2021-12-13 09:00"));
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.status().rule(), assessment::kRuleIncomplete);
  EXPECT_THAT(refused.status().message(), HasSubstr("上一年度指标得分"));
  EXPECT_THAT(refused.status().message(), HasSubstr("办公室工作评价"));
  EXPECT_THAT(refused.status().message(), HasSubstr("区应急管理局"));
}

TEST(ScoreAll, TotalsRankAndRecordReadBack) {
  Log log;
  log.Cycle("finance", "2021-10-14 10:00", "2021-10-21 15:00", 2, "2021-10-27");
  log.Cycle("water", "2021-10-14 10:00", "2021-10-21 15:00", 1, "2021-10-27");
  log.Move("emergency", "2021-10-08 09:00", "kickoff", "planned", "kicked_off");
  log.Move("emergency", "2021-10-13 09:00", "acknowledge", "kicked_off", "collecting");
  WithParts(log);
  auto scores = assessment::ScoreAll(Wf(), Roster(), log.events(), Cal(), Tz(), DueOf(), T("2021-12-13 09:00"));
  ASSERT_TRUE(scores.ok()) << scores.status().str();
  ASSERT_EQ(scores->size(), 3u);
  // finance: 87.5*.3 + 100*.5 + 95*.2 = 26.25 + 50 + 19 = 95.25
  EXPECT_EQ((*scores)[0].total, 9525);
  // water: one copy short: 95; 92*.3 + 95*.5 + 90*.2 = 27.6 + 47.5 + 18 = 93.10
  EXPECT_EQ((*scores)[1].submission, 9500);
  EXPECT_EQ((*scores)[1].total, 9310);
  // emergency: 60*.3 + 0 + 50*.2 = 28
  EXPECT_EQ((*scores)[2].total, 2800);
  const auto ranked = assessment::Rank(*scores);
  EXPECT_EQ(ranked[0].score->unit, "finance");
  EXPECT_EQ(ranked[2].score->unit, "emergency");

  // Record them as the App does, and read the record back.
  for (const auto& s : *scores)
    log.Add(EventType::kAssessmentScored, s.unit, "2021-12-13 09:00", assessment::ScoredPayload(s, 1, Wf().assessment.weights));
  auto rec = assessment::ReadRecord(log.events());
  EXPECT_EQ(rec.revision, 1);
  EXPECT_EQ(rec.scored.size(), 3u);
  EXPECT_FALSE(rec.frozen());
  log.Add(EventType::kTransitionRequested, "", "2021-12-16 09:00",
          {{"kind", "assessment"}, {"request", "assessment#1"}, {"revision", 1}}, "director");
  rec = assessment::ReadRecord(log.events());
  ASSERT_NE(rec.pending(), nullptr);
  EXPECT_EQ(rec.pending()->requested_by, "director");
  log.Add(EventType::kTransitionApproved, "", "2021-12-17 09:00", {{"kind", "assessment"}, {"request", "assessment#1"}});
  log.Add(EventType::kAssessmentPublished, "", "2021-12-17 09:00",
          {{"revision", 1}, {"request", "assessment#1"}, {"ranking", assessment::RankingJson(*scores, Roster())}});
  rec = assessment::ReadRecord(log.events());
  EXPECT_EQ(rec.pending(), nullptr);
  EXPECT_TRUE(rec.frozen());

  // The log agrees with itself ...
  int checked = 0;
  auto diffs = assessment::VerifyLog(Wf(), Roster(), log.events(), Cal(), Tz(), DueOf(), &checked);
  EXPECT_TRUE(diffs.empty()) << diffs.front().unit << " " << diffs.front().what << ": " << diffs.front().recorded
                             << " vs " << diffs.front().recomputed;
  EXPECT_EQ(checked, 4);
  // ... until a recorded total is not what the record gives.
  std::vector<model::StoredEvent> tampered = log.events();
  for (auto& e : tampered)
    if (e.event.type == EventType::kAssessmentScored && e.event.unit == "water") e.event.payload["total"] = 99;
  diffs = assessment::VerifyLog(Wf(), Roster(), tampered, Cal(), Tz(), DueOf());
  ASSERT_EQ(diffs.size(), 2u);  // the score, and the ranking built from it
  EXPECT_EQ(diffs[0].unit, "water");
  EXPECT_EQ(diffs[0].what, "total");
  EXPECT_EQ(diffs[0].recorded, "99");
  EXPECT_EQ(diffs[0].recomputed, "93.1");
  EXPECT_EQ(diffs[1].what, "ranking");
}

TEST(Rank, EqualTotalsShareARankInRosterOrder) {
  std::vector<assessment::UnitScore> s(4);
  const Points totals[] = {8000, 9000, 9000, 7000};
  for (std::size_t i = 0; i < 4; ++i) {
    s[i].unit = "u" + std::to_string(i);
    s[i].total = totals[i];
  }
  const auto r = assessment::Rank(s);
  std::vector<std::string> got;
  for (const auto& x : r) got.push_back(std::to_string(x.rank) + x.score->unit);
  EXPECT_THAT(got, ::testing::ElementsAre("1u1", "1u2", "3u0", "4u3"));
}

// ----- the prior CSV -----

struct CsvCase {
  const char* name;
  const char* text;
  const char* at;  // "line:column"
  const char* message;
};
void PrintTo(const CsvCase& c, std::ostream* os) { *os << c.name; }

class PriorCsvError : public ::testing::TestWithParam<CsvCase> {};

TEST_P(PriorCsvError, NamesFileLineAndColumn) {
  const CsvCase& c = GetParam();
  auto rows = assessment::ParsePriorCsv(c.text, "prior.csv", Roster());
  ASSERT_FALSE(rows.ok());
  EXPECT_EQ(rows.status().code(), Code::kInvalidInput);
  EXPECT_EQ(rows.status().pos().file, "prior.csv");
  EXPECT_EQ(std::to_string(rows.status().pos().line) + ":" + std::to_string(rows.status().pos().column), c.at);
  EXPECT_THAT(rows.status().message(), HasSubstr(c.message));
}

INSTANTIATE_TEST_SUITE_P(
    Cases, PriorCsvError,
    ::testing::Values(
        CsvCase{"NoHeader", "finance,80\n", "1:1", "'unit' column"},
        CsvCase{"Empty", "", "1:1", "empty"},
        CsvCase{"UnknownUnit", "unit,name,score\nfinance,区财政局,80\nfarming,农业,70\n", "3:1", "unknown unit 'farming'"},
        CsvCase{"Twice", "unit,score\nfinance,80\nwater,70\nfinance,81\n", "4:1", "listed twice (first on line 2)"},
        CsvCase{"OutOfRange", "unit,name,score\nfinance,区财政局,100.5\n", "2:14", "0 to 100"},
        CsvCase{"NotANumber", "unit,score\nfinance, 八十\n", "2:10", "must be a number"},
        CsvCase{"FieldCount", "unit,score\nfinance,80,x\n", "2:1", "expected 2 fields"},
        CsvCase{"Missing", "unit,score\nfinance,80\nwater,70\n", "3:1", "missing: emergency"},
        CsvCase{"Quote", "unit,score\n\"finance,80\n", "2:1", "unclosed quote"}),
    [](const auto& param) { return std::string(param.param.name); });

TEST(PriorCsv, ReadsEveryUnitOnceWithBomQuotesAndCrlf) {
  auto rows = assessment::ParsePriorCsv("\xEF\xBB\xBFunit,name,score\r\nfinance,\"区财政局, 预算科\",87.5\r\n\r\n"
                                        "water,区水利局,92\r\nemergency,区应急管理局,0\r\n",
                                        "prior.csv", Roster());
  ASSERT_TRUE(rows.ok()) << rows.status().str();
  ASSERT_EQ(rows->size(), 3u);
  EXPECT_EQ((*rows)[0].score, 8750);
  EXPECT_EQ((*rows)[1].line, 4);
  EXPECT_EQ((*rows)[2].score, 0);
}

TEST(PriorFromRanking, TakesEachUnitsPublishedTotalAndNamesTheMissing) {
  const nlohmann::json ranking = {{{"rank", 1}, {"unit", "water"}, {"total", 93.1}},
                                  {{"rank", 2}, {"unit", "finance"}, {"total", 90}},
                                  {{"rank", 3}, {"unit", "emergency"}, {"total", 28}}};
  auto rows = assessment::PriorFromRanking(ranking, "test-2020", Roster());
  ASSERT_TRUE(rows.ok()) << rows.status().str();
  ASSERT_EQ(rows->size(), 3u);
  EXPECT_EQ((*rows)[0].unit, "finance");  // roster order
  EXPECT_EQ((*rows)[0].score, 9000);
  EXPECT_EQ((*rows)[1].score, 9310);
  auto short_of_one = assessment::PriorFromRanking(nlohmann::json::array({ranking[0], ranking[1]}), "test-2020", Roster());
  ASSERT_FALSE(short_of_one.ok());
  EXPECT_THAT(short_of_one.status().message(), HasSubstr("test-2020"));
  EXPECT_THAT(short_of_one.status().message(), HasSubstr("emergency"));
}

// ----- the [assessment] loader -----

TEST(AssessmentLoader, TheShippedWorkflowHasThePlansDefaults) {
  const auto& a = Wf().assessment;
  ASSERT_TRUE(a.given);
  EXPECT_EQ(a.weights.prior, 30);
  EXPECT_EQ(a.weights.submission, 50);
  EXPECT_EQ(a.weights.evaluation, 20);
  EXPECT_EQ(Wf().stages[a.submission.stage].id, "collecting");
  EXPECT_EQ(a.submission.late_per_workday, 500);
  EXPECT_EQ(a.submission.final_stages.size(), 4u);
}

TEST(AssessmentLoader, AWorkflowWithoutTheSectionHasNoRule) {
  std::string text = Shipped();
  text = text.substr(0, text.find("[assessment]"));
  auto wf = workflow::ParseWorkflow(text, "annual-cycle.toml");
  ASSERT_TRUE(wf.ok()) << wf.status().str();
  EXPECT_FALSE(wf->assessment.given);
}

struct LoaderCase {
  const char* name;
  const char* find;
  const char* replace;
  const char* at;  // where the error points, in the replacement
  const char* message;
};
void PrintTo(const LoaderCase& c, std::ostream* os) { *os << c.name; }

class AssessmentLoaderError : public ::testing::TestWithParam<LoaderCase> {};

TEST_P(AssessmentLoaderError, NamesFileLineAndColumn) {
  const LoaderCase& c = GetParam();
  std::string text = Shipped();
  const auto at = text.find(c.find);
  ASSERT_NE(at, std::string::npos) << c.find;
  text.replace(at, std::string(c.find).size(), c.replace);
  // The expected position: where `c.at` starts within the replacement.
  const std::size_t where = at + std::string(c.replace).rfind(c.at);  // the last: a repeated name points at the repeat
  const std::uint32_t line = static_cast<std::uint32_t>(std::count(text.begin(), text.begin() + static_cast<std::ptrdiff_t>(where), '\n') + 1);
  const std::uint32_t column = static_cast<std::uint32_t>(where - text.rfind('\n', where - 1));
  auto wf = workflow::ParseWorkflow(text, "annual-cycle.toml");
  ASSERT_FALSE(wf.ok());
  EXPECT_EQ(wf.status().code(), Code::kInvalidInput);
  EXPECT_EQ(wf.status().pos().file, "annual-cycle.toml");
  EXPECT_EQ(wf.status().pos().line, line) << wf.status().str();
  EXPECT_EQ(wf.status().pos().column, column) << wf.status().str();
  EXPECT_THAT(wf.status().message(), HasSubstr(c.message));
}

INSTANTIATE_TEST_SUITE_P(
    Cases, AssessmentLoaderError,
    ::testing::Values(
        LoaderCase{"WeightsNotSummingTo100", "weights = { prior = 30, submission = 50, evaluation = 20 }",
                   "weights = { prior = 30, submission = 40, evaluation = 20 }", "{ prior", "sum to 100 (percent), not 90"},
        LoaderCase{"WeightNotWhole", "weights = { prior = 30,", "weights = { prior = 30.5,", "30.5", "a whole percentage"},
        LoaderCase{"UnknownWeight", "weights = { prior = 30,", "weights = { last = 30,", "last", "unknown key 'last'"},
        LoaderCase{"UnknownStage", "stage = \"collecting\"            #", "stage = \"gathering\"  #", "\"gathering\"",
                   "unknown stage 'gathering'"},
        LoaderCase{"UnknownTrigger", "return = \"return\"", "return = \"send-back\"", "\"send-back\"",
                   "unknown trigger 'send-back'"},
        LoaderCase{"SubmitNotFromTheStage", "submit = \"submit\"", "submit = \"receive\"", "\"receive\"",
                   "does not leave stage 'collecting'"},
        LoaderCase{"NegativePoints", "late_per_workday = 5 ", "late_per_workday = -5 ", "-5", "0 to 100 points"},
        LoaderCase{"TooFine", "per_explained = 2 ", "per_explained = 2.125 ", "2.125", "two decimal places"},
        LoaderCase{"UnknownKey", "per_return = 5 ", "per_returns = 5 ", "per_returns", "unknown key 'per_returns'"},
        LoaderCase{"FinalStageTwice", "final_stages = [\"committed\", \"verified\"",
                   "final_stages = [\"committed\", \"committed\"", "\"committed\"", "listed twice"},
        LoaderCase{"InspectionUnknownTrigger", "rectify = \"rectify\"", "rectify = \"repair\"", "\"repair\"",
                   "unknown trigger 'repair'"},
        LoaderCase{"InspectionFromOtherStages", "rectify = \"rectify\"", "rectify = \"fix\"", "\"fix\"",
                   "must leave the same stages"},
        LoaderCase{"InspectionNeedsApproval", "rectify = \"rectify\"", "rectify = \"accept\"", "\"accept\"",
                   "needs approval"},
        LoaderCase{"InspectionSameTarget", "rectify = \"rectify\"", "rectify = \"verify\"", "\"verify\"",
                   "fix-up stage of its own"}),
    [](const auto& param) { return std::string(param.param.name); });

}  // namespace
}  // namespace duban
