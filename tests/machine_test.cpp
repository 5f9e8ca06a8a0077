// The pure core: every path of the shipped annual cycle, table-driven, and
// the paperwork rules behind its guards.
#include <gtest/gtest.h>

#include "machine/machine.h"
#include "machine/paperwork.h"
#include "workflow/loader.h"

namespace duban::machine {
namespace {

using model::Instance;
using model::MaterialRecord;
using model::MaterialState;

struct Shipped {
  model::Workflow wf;
  model::Roster roster;
};

const Shipped& Load() {
  static const Shipped s = [] {
    const std::string dir = DUBAN_SOURCE_DIR "/workflows/";
    auto wf = workflow::ParseWorkflow(*workflow::ReadTextFile(dir + "annual-cycle.toml"), "annual-cycle.toml");
    EXPECT_TRUE(wf.ok()) << wf.status().str();
    auto roster =
        workflow::ParseRoster(*workflow::ReadTextFile(dir + "taishan-2021/roster.toml"), "roster.toml", *wf);
    EXPECT_TRUE(roster.ok()) << roster.status().str();
    return Shipped{*wf, *roster};
  }();
  return s;
}

GuardFacts AllHold() {
  GuardFacts f;
  f.materials_complete.holds = f.materials_accepted.holds = f.commitment_signed.holds = true;
  f.materials_returned.holds = true;
  f.assessment_scored.holds = f.assessment_submitted.holds = true;
  f.inspection_recorded.holds = true;
  return f;
}

Instance At(const std::string& unit, const std::string& stage) {
  Instance i;
  i.unit = unit;
  i.stage = *Load().wf.FindStage(stage);
  i.version = 1;
  return i;
}

const Instant kAt = Instant(std::chrono::seconds(1633654800));  // 2021-10-08T01:00:00Z

struct FireCase {
  const char* name;
  const char* stage;
  const char* unit;
  const char* trigger;
  const char* actor;
  const char* note;
  Decision::Kind kind;
  const char* to_or_rule;  // the stage reached (or requested), or the refusing rule
};

// Test listings show the case's name, not its bytes.
void PrintTo(const FireCase& c, std::ostream* os) { *os << c.name; }

class FireTable : public ::testing::TestWithParam<FireCase> {};

TEST_P(FireTable, Decides) {
  const auto& c = GetParam();
  const auto& s = Load();
  auto d = DecideFire(s.wf, s.roster, At(c.unit, c.stage), Fire{c.trigger, c.actor, kAt, c.note}, AllHold(),
                      std::string(c.unit) + "#1");
  ASSERT_EQ(static_cast<int>(d.kind), static_cast<int>(c.kind)) << d.rule << ": " << d.message;
  if (c.kind == Decision::Kind::kRefused) {
    EXPECT_EQ(d.rule, c.to_or_rule) << d.message;
    EXPECT_FALSE(d.message.empty());
    EXPECT_TRUE(d.events.empty());
    return;
  }
  EXPECT_EQ(s.wf.stages[d.to].id, c.to_or_rule);
  ASSERT_EQ(d.events.size(), 1u);
  EXPECT_EQ(std::string(model::EventTypeName(d.events[0].type)), c.kind == Decision::Kind::kApplied ? "transition.applied" : "transition.requested");
  EXPECT_EQ(d.events[0].unit, c.unit);
  EXPECT_EQ(d.events[0].actor, c.actor);
  EXPECT_EQ(d.events[0].at, kAt);
  EXPECT_EQ(d.events[0].payload["trigger"], c.trigger);
  if (c.kind == Decision::Kind::kRequested) {
    ASSERT_TRUE(d.request.has_value());
    EXPECT_EQ(d.request->requested_by, c.actor);
    EXPECT_EQ(d.request->status, model::RequestStatus::kPending);
  }
}

using K = Decision::Kind;
INSTANTIATE_TEST_SUITE_P(
    AnnualCycle, FireTable,
    ::testing::Values(
        // The happy path, stage by stage.
        FireCase{"kickoff", "planned", "finance", "kickoff", "office-cao-bin", "", K::kApplied, "kicked_off"},
        FireCase{"kickoff_director", "planned", "finance", "kickoff", "office-director-sun-yecun", "", K::kApplied,
                 "kicked_off"},
        FireCase{"acknowledge", "kicked_off", "finance", "acknowledge", "finance-liaison", "", K::kApplied,
                 "collecting"},
        FireCase{"acknowledge_coordinator", "kicked_off", "finance", "acknowledge", "finance-coordinator", "",
                 K::kApplied, "collecting"},
        FireCase{"submit", "collecting", "finance", "submit", "finance-liaison", "", K::kApplied, "submitted"},
        FireCase{"receive", "submitted", "finance", "receive", "office-guo-yushuang", "", K::kApplied,
                 "under_review"},
        FireCase{"return", "under_review", "finance", "return", "office-cao-bin", "数据不全", K::kApplied,
                 "returned"},
        FireCase{"revise", "returned", "finance", "revise", "finance-liaison", "", K::kApplied, "collecting"},
        FireCase{"accept_requests", "under_review", "finance", "accept", "office-cao-bin", "", K::kRequested,
                 "accepted"},
        FireCase{"commit", "accepted", "finance", "commit", "finance-principal-leader", "", K::kApplied, "committed"},
        FireCase{"verify", "committed", "forestry", "verify", "office-director-sun-yecun", "", K::kApplied,
                 "verified"},
        FireCase{"rectify", "committed", "forestry", "rectify", "office-cao-bin", "", K::kApplied, "fixing"},
        FireCase{"fix", "fixing", "forestry", "fix", "forestry-liaison", "已补齐巡查台账", K::kApplied, "verified"},
        FireCase{"assess_from_fixing", "fixing", "forestry", "assess", "office-cao-bin", "", K::kRequested,
                 "assessed"},
        FireCase{"assess_from_committed", "committed", "finance", "assess", "office-cao-bin", "", K::kRequested,
                 "assessed"},
        FireCase{"assess_from_verified", "verified", "forestry", "assess", "office-cao-bin", "", K::kRequested,
                 "assessed"},
        FireCase{"publish_requests", "assessed", "finance", "publish", "office-director-sun-yecun", "",
                 K::kRequested, "published"},
        // Refusals: permissions.
        FireCase{"other_units_liaison", "kicked_off", "water", "acknowledge", "finance-liaison", "", K::kRefused,
                 "role"},
        FireCase{"liaison_cannot_kickoff", "planned", "finance", "kickoff", "finance-liaison", "", K::kRefused,
                 "role"},
        FireCase{"member_cannot_submit", "collecting", "finance", "submit", "finance-feng-li", "", K::kRefused,
                 "role"},
        FireCase{"unit_cannot_accept_itself", "under_review", "finance", "accept", "finance-coordinator", "",
                 K::kRefused, "role"},
        FireCase{"director_cannot_fire_accept", "under_review", "finance", "accept", "office-director-sun-yecun", "",
                 K::kRefused, "role"},
        FireCase{"leader_cannot_publish", "assessed", "finance", "publish", "leader-zhang-peifeng", "", K::kRefused,
                 "role"},
        FireCase{"unknown_person", "planned", "finance", "kickoff", "nobody", "", K::kRefused, "actor"},
        // Refusals: the workflow's rules.
        FireCase{"wrong_stage", "planned", "finance", "submit", "finance-liaison", "", K::kRefused, "stage"},
        FireCase{"terminal", "published", "finance", "return", "office-cao-bin", "x", K::kRefused, "stage"},
        FireCase{"unknown_trigger", "planned", "finance", "launch", "office-cao-bin", "", K::kRefused, "trigger"},
        FireCase{"return_needs_note", "under_review", "finance", "return", "office-cao-bin", "", K::kRefused,
                 "note_required"},
        FireCase{"fix_needs_note", "fixing", "forestry", "fix", "forestry-liaison", "", K::kRefused, "note_required"},
        FireCase{"office_cannot_report_a_fix", "fixing", "forestry", "fix", "office-cao-bin", "x", K::kRefused,
                 "role"}),
    [](const ::testing::TestParamInfo<FireCase>& p) { return std::string(p.param.name); });

TEST(Fire, GuardsRefuseWithTheRuleAndWhatIsMissing) {
  const auto& s = Load();
  GuardFacts f = AllHold();
  f.materials_complete = {false, "未报送或说明：预算报告"};
  auto d = DecideFire(s.wf, s.roster, At("finance", "collecting"), Fire{"submit", "finance-liaison", kAt, ""}, f,
                      "finance#1");
  ASSERT_TRUE(d.refused());
  EXPECT_EQ(d.rule, "guard:materials_complete");
  EXPECT_NE(d.message.find("预算报告"), std::string::npos);

  f = AllHold();
  f.commitment_signed = {false, "承诺书未加盖公章"};
  d = DecideFire(s.wf, s.roster, At("finance", "accepted"), Fire{"commit", "finance-liaison", kAt, ""}, f, "x");
  ASSERT_TRUE(d.refused());
  EXPECT_EQ(d.rule, "guard:commitment_signed");

  // verify and rectify only from `inspect record`, which alone sets the fact.
  f = AllHold();
  f.inspection_recorded = {false, "须以现场核查记录（inspect record）办理"};
  for (const char* trigger : {"verify", "rectify"}) {
    d = DecideFire(s.wf, s.roster, At("forestry", "committed"), Fire{trigger, "office-cao-bin", kAt, ""}, f, "x");
    ASSERT_TRUE(d.refused()) << trigger;
    EXPECT_EQ(d.rule, "guard:inspection_recorded") << trigger;
  }
}

TEST(Fire, AnOpenRequestBlocksFurtherMoves) {
  const auto& s = Load();
  Instance i = At("finance", "under_review");
  i.pending_request = "finance#1";
  auto d = DecideFire(s.wf, s.roster, i, Fire{"return", "office-cao-bin", kAt, "x"}, AllHold(), "finance#2");
  ASSERT_TRUE(d.refused());
  EXPECT_EQ(d.rule, "pending_request");
}

class Approval : public ::testing::Test {
 protected:
  // office-cao-bin asks to accept finance.
  void SetUp() override {
    const auto& s = Load();
    inst_ = At("finance", "under_review");
    auto d = DecideFire(s.wf, s.roster, inst_, Fire{"accept", "office-cao-bin", kAt, "材料齐全"}, AllHold(),
                        "finance#1");
    ASSERT_EQ(d.kind, Decision::Kind::kRequested);
    request_ = *d.request;
    inst_.pending_request = request_.id;
  }
  Decision DecideAs(const std::string& who, bool approve, const std::string& note = "",
                    GuardFacts facts = AllHold()) {
    const auto& s = Load();
    return DecideRequest(s.wf, s.roster, inst_, request_, Decide{approve, who, kAt + std::chrono::hours(1), note},
                         facts);
  }
  Instance inst_;
  model::Request request_;
};

TEST_F(Approval, DirectorApprovesAndTheUnitMoves) {
  auto d = DecideAs("office-director-sun-yecun", true, "同意");
  ASSERT_EQ(d.kind, Decision::Kind::kApplied) << d.message;
  EXPECT_EQ(Load().wf.stages[d.to].id, "accepted");
  ASSERT_EQ(d.events.size(), 2u);
  EXPECT_EQ(std::string(model::EventTypeName(d.events[0].type)), "transition.approved");
  EXPECT_EQ(std::string(model::EventTypeName(d.events[1].type)), "transition.applied");
  EXPECT_EQ(d.events[0].payload["requested_by"], "office-cao-bin");
  EXPECT_EQ(d.request->status, model::RequestStatus::kApproved);
  EXPECT_EQ(d.request->decided_by, "office-director-sun-yecun");
  EXPECT_EQ(d.request->decision_note, "同意");
}

TEST_F(Approval, DirectorRejectsWithAReason) {
  auto d = DecideAs("office-director-sun-yecun", false, "数据口径不一致");
  ASSERT_EQ(d.kind, Decision::Kind::kRejected) << d.message;
  ASSERT_EQ(d.events.size(), 1u);
  EXPECT_EQ(std::string(model::EventTypeName(d.events[0].type)), "transition.rejected");
  EXPECT_EQ(d.request->status, model::RequestStatus::kRejected);
}

TEST_F(Approval, RejectingNeedsAReason) {
  auto d = DecideAs("office-director-sun-yecun", false, "");
  ASSERT_TRUE(d.refused());
  EXPECT_EQ(d.rule, "note_required");
}

TEST_F(Approval, TheRequesterCannotApproveTheirOwnRequest) {
  // Even a requester who holds the approving role: give the request to the director.
  request_.requested_by = "office-director-sun-yecun";
  auto d = DecideAs("office-director-sun-yecun", true);
  ASSERT_TRUE(d.refused());
  EXPECT_EQ(d.rule, "self_approval");
}

TEST_F(Approval, OnlyApproverRolesMayDecide) {
  for (const char* who : {"office-guo-yushuang", "finance-principal-leader", "leader-zhang-peifeng"}) {
    auto d = DecideAs(who, true);
    ASSERT_TRUE(d.refused()) << who;
    EXPECT_EQ(d.rule, "approver_role") << who;
  }
}

TEST_F(Approval, GuardsAreCheckedAgainOnApproval) {
  GuardFacts f = AllHold();
  f.materials_accepted = {false, "未通过审核：预算报告(已退回)"};
  auto d = DecideAs("office-director-sun-yecun", true, "", f);
  ASSERT_TRUE(d.refused());
  EXPECT_EQ(d.rule, "guard:materials_accepted");
}

TEST_F(Approval, ADecidedRequestCannotBeDecidedAgain) {
  request_.status = model::RequestStatus::kApproved;
  auto d = DecideAs("office-director-sun-yecun", true);
  ASSERT_TRUE(d.refused());
  EXPECT_EQ(d.rule, "request_not_pending");
}

// ----- paperwork -----

MaterialRecord Item(const std::string& unit, const std::string& id, MaterialState st, bool required = true) {
  MaterialRecord m;
  m.unit = unit;
  m.material = id;
  m.name = id;
  m.required = required;
  m.state = st;
  return m;
}

TEST(Paperwork, SubmitReturnResubmitAccept) {
  const auto& s = Load();
  auto m = Item("finance", "budget-report", MaterialState::kPending);
  auto d = DecideMaterial(s.wf, s.roster, m, {MaterialAction::kSubmit, "finance-liaison", kAt, ""});
  ASSERT_FALSE(d.refused) << d.message;
  EXPECT_EQ(d.record.state, MaterialState::kSubmitted);
  EXPECT_EQ(d.record.submissions, 1);
  EXPECT_EQ(std::string(model::EventTypeName(d.event.type)), "material.submitted");

  auto r = DecideMaterial(s.wf, s.roster, d.record, {MaterialAction::kReturn, "office-cao-bin", kAt, "缺签章"});
  ASSERT_FALSE(r.refused) << r.message;
  EXPECT_EQ(r.record.state, MaterialState::kReturned);
  EXPECT_EQ(std::string(model::EventTypeName(r.event.type)), "material.returned");
  EXPECT_EQ(r.event.payload["note"], "缺签章");

  auto again = DecideMaterial(s.wf, s.roster, r.record, {MaterialAction::kSubmit, "finance-coordinator", kAt, ""});
  ASSERT_FALSE(again.refused);
  EXPECT_EQ(again.record.submissions, 2);

  auto ok = DecideMaterial(s.wf, s.roster, again.record, {MaterialAction::kAccept, "office-guo-yushuang", kAt, ""});
  ASSERT_FALSE(ok.refused);
  EXPECT_EQ(ok.record.state, MaterialState::kAccepted);
  EXPECT_EQ(std::string(model::EventTypeName(ok.event.type)), "material.accepted");
}

TEST(Paperwork, RulesRefuse) {
  const auto& s = Load();
  auto pending = Item("finance", "budget-report", MaterialState::kPending);
  auto submitted = Item("finance", "budget-report", MaterialState::kSubmitted);
  struct Case {
    MaterialRecord m;
    MaterialCommand cmd;
    const char* rule;
  } cases[] = {
      // Who may take each action is the workflow's [permissions] (tests/authz_test.cpp).
      {pending, {MaterialAction::kAccept, "office-cao-bin", kAt, ""}, "material_state"},
      {submitted, {MaterialAction::kSubmit, "finance-liaison", kAt, ""}, "material_state"},
      {pending, {MaterialAction::kExplain, "finance-liaison", kAt, ""}, "note_required"},
      {submitted, {MaterialAction::kReturn, "office-cao-bin", kAt, ""}, "note_required"},
  };
  for (const auto& c : cases) {
    auto d = DecideMaterial(s.wf, s.roster, c.m, c.cmd);
    EXPECT_TRUE(d.refused) << c.rule;
    EXPECT_EQ(d.rule, c.rule) << d.message;
  }
}

TEST(Paperwork, FactsFollowTheMaterials) {
  const auto& s = Load();
  std::vector<MaterialRecord> ms = {Item("finance", "a", MaterialState::kSubmitted),
                                    Item("finance", "b", MaterialState::kExplained),
                                    Item("finance", "c", MaterialState::kPending, /*required=*/false)};
  auto f = FactsFor(s.wf, s.roster, "finance", ms, std::nullopt);
  EXPECT_TRUE(f.materials_complete.holds);
  EXPECT_FALSE(f.materials_accepted.holds);
  EXPECT_FALSE(f.commitment_signed.holds);

  ms.push_back(Item("finance", "d", MaterialState::kReturned));
  f = FactsFor(s.wf, s.roster, "finance", ms, std::nullopt);
  EXPECT_FALSE(f.materials_complete.holds);
  EXPECT_NE(f.materials_complete.detail.find("d"), std::string::npos);

  ms = {Item("finance", "a", MaterialState::kAccepted), Item("finance", "c", MaterialState::kPending, false)};
  f = FactsFor(s.wf, s.roster, "finance", ms, std::nullopt);
  EXPECT_TRUE(f.materials_accepted.holds) << f.materials_accepted.detail;
}

TEST(Paperwork, OnlyThePrincipalLeaderSignsAndANewSignatureSupersedes) {
  const auto& s = Load();
  SignCommand cmd{"finance-liaison", kAt, "finance-liaison", Date{}, true, "abc", "scan.pdf"};
  auto wrong = DecideSign(s.wf, s.roster, "finance", std::nullopt, cmd);
  ASSERT_TRUE(wrong.refused);
  EXPECT_EQ(wrong.rule, "signer");

  cmd.signer = "water-principal-leader";  // another unit's leader
  EXPECT_TRUE(DecideSign(s.wf, s.roster, "finance", std::nullopt, cmd).refused);

  cmd.signer = "finance-principal-leader";
  cmd.stamped = false;
  auto first = DecideSign(s.wf, s.roster, "finance", std::nullopt, cmd);
  ASSERT_FALSE(first.refused) << first.message;
  EXPECT_EQ(first.commitment.number, 1);
  auto facts = FactsFor(s.wf, s.roster, "finance", {}, first.commitment);
  EXPECT_FALSE(facts.commitment_signed.holds);  // not stamped

  cmd.stamped = true;
  auto second = DecideSign(s.wf, s.roster, "finance", first.commitment, cmd);
  ASSERT_FALSE(second.refused);
  EXPECT_EQ(second.commitment.number, 2);
  EXPECT_EQ(second.event.payload["supersedes"], 1);
  EXPECT_TRUE(FactsFor(s.wf, s.roster, "finance", {}, second.commitment).commitment_signed.holds);

  cmd.document_hash.clear();
  auto no_scan = DecideSign(s.wf, s.roster, "finance", second.commitment, cmd);
  ASSERT_TRUE(no_scan.refused);
  EXPECT_EQ(no_scan.rule, "document");
}

}  // namespace
}  // namespace duban::machine
