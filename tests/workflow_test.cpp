#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <string>
#include <tuple>
#include <vector>

#include "support/permissions_text.h"
#include "workflow/loader.h"

namespace duban::workflow {
namespace {

using ::testing::HasSubstr;

const std::string kSourceDir = DUBAN_SOURCE_DIR;

// A [notices] table in which nobody hears of anything, for the small
// workflows below (every event type routed by the workflow needs an entry).
std::string NoNotices() {
  std::string text = "[notices]\n";
  for (const auto& spec : model::kEventSpecs)
    if (spec.audience == model::Audience::kWorkflow) text += "\"" + std::string(spec.name) + "\" = []\n";
  return text;
}

std::string ReadShipped(const std::string& relative) {
  auto text = ReadTextFile(kSourceDir + "/" + relative);
  EXPECT_TRUE(text.ok()) << text.status().str();
  return text.ok() ? *text : std::string();
}

model::Workflow ShippedWorkflow() {
  auto wf = ParseWorkflow(ReadShipped("workflows/annual-cycle.toml"), "annual-cycle.toml");
  EXPECT_TRUE(wf.ok()) << wf.status().str();
  return wf.ok() ? *wf : model::Workflow{};
}

model::Roster ShippedRoster(const model::Workflow& wf) {
  auto roster = ParseRoster(ReadShipped("workflows/taishan-2021/roster.toml"), "roster.toml", wf);
  EXPECT_TRUE(roster.ok()) << roster.status().str();
  return roster.ok() ? *roster : model::Roster{};
}

// --- The shipped definitions ------------------------------------------------

TEST(Shipped, AnnualCycleHasTwelveStagesFromPlannedToPublished) {
  const model::Workflow wf = ShippedWorkflow();
  ASSERT_EQ(wf.stages.size(), 12u);
  EXPECT_EQ(wf.id, "annual-cycle");
  EXPECT_EQ(wf.stages[wf.initial].id, "planned");
  const std::vector<std::string> expected = {
      "planned",  "kicked_off", "collecting", "submitted", "under_review", "returned",
      "accepted", "committed",  "verified",   "fixing",    "assessed",  "published"};
  for (std::size_t i = 0; i < expected.size(); ++i) EXPECT_EQ(wf.stages[i].id, expected[i]);
  for (const auto& stage : wf.stages) {
    EXPECT_FALSE(stage.label.zh.empty()) << stage.id;
    EXPECT_FALSE(stage.label.en.empty()) << stage.id;
    EXPECT_EQ(stage.terminal, stage.id == "published") << stage.id;
  }
}

TEST(Shipped, RosterHasFifteenUnitsEachWithLiaisonCoordinatorAndPrincipalLeader) {
  const model::Workflow wf = ShippedWorkflow();
  const model::Roster roster = ShippedRoster(wf);
  ASSERT_EQ(roster.units.size(), 15u);
  for (const char* role_name : {"liaison", "coordinator", "principal_leader", "member"}) {
    const auto role = wf.FindRole(role_name);
    ASSERT_TRUE(role) << role_name;
    for (const auto& unit : roster.units) {
      const bool held = std::any_of(roster.people.begin(), roster.people.end(), [&](const auto& p) {
        return roster.Holds(p.id, *role, unit.id, wf);
      });
      EXPECT_TRUE(held) << unit.id << " has no " << role_name;
    }
  }
}

TEST(Shipped, RosterUnitsCarryDutiesAndMaterials) {
  const model::Roster roster = ShippedRoster(ShippedWorkflow());
  for (const auto& unit : roster.units) {
    EXPECT_FALSE(unit.name.empty()) << unit.id;
    EXPECT_FALSE(unit.name_en.empty()) << unit.id;
    EXPECT_THAT(unit.duties, HasSubstr("负责提供")) << unit.id;
    EXPECT_GE(unit.materials.size(), 2u) << unit.id;
  }
}

TEST(Shipped, EmailsAreOnlyOnReservedExampleDomains) {
  const model::Roster roster = ShippedRoster(ShippedWorkflow());
  ASSERT_FALSE(roster.people.empty());
  for (const auto& person : roster.people) {
    if (person.email.empty()) continue;
    const std::string domain = person.email.substr(person.email.find('@') + 1);
    EXPECT_TRUE(domain == "example.org" || domain == "example.com" || domain == "example.net")
        << person.id << ": " << person.email;
  }
  const std::string text = ReadShipped("workflows/taishan-2021/roster.toml");
  EXPECT_EQ(text.find("163.com"), std::string::npos);
}

TEST(Shipped, PlaceholdersSayTheyAreAndHaveNoPhone) {
  const model::Roster roster = ShippedRoster(ShippedWorkflow());
  int placeholders = 0;
  for (const auto& person : roster.people) {
    if (!person.placeholder) continue;
    ++placeholders;
    EXPECT_THAT(person.name, HasSubstr("方案未列明")) << person.id;
    EXPECT_THAT(person.title, HasSubstr("方案未列明")) << person.id;
    EXPECT_TRUE(person.phone.empty()) << person.id;
  }
  EXPECT_EQ(placeholders, 15 * 3 + 1);  // coordinator, liaison, principal leader; government leader
}

// --- Round trip: selected fields of the shipped files ------------------------

TEST(RoundTrip, StagesCarryThePlansDuePhrases) {
  const model::Workflow wf = ShippedWorkflow();
  auto due = [&](std::string_view stage) -> const model::DeadlineDef& {
    const auto id = wf.FindStage(stage);
    EXPECT_TRUE(id && wf.stages[*id].due) << stage;
    return *wf.stages[*id].due;
  };
  using Kind = calendar::DuePhrase::Kind;
  EXPECT_EQ(due("planned").phrase.kind, Kind::kDekad);
  EXPECT_EQ(due("planned").phrase.month, 10u);
  EXPECT_EQ(due("planned").phrase.dekad, calendar::Dekad::kEarly);
  EXPECT_EQ(due("kicked_off").phrase.kind, Kind::kWorkdaysWithin);
  EXPECT_EQ(due("kicked_off").phrase.workdays, 3);
  for (const char* stage : {"collecting", "returned"}) {
    EXPECT_EQ(due(stage).phrase.text, "10月下旬前") << stage;
    EXPECT_EQ(due(stage).phrase.kind, Kind::kBeforeDekad) << stage;
  }
  for (const char* stage : {"committed", "verified", "assessed"}) {
    EXPECT_EQ(due(stage).phrase.month, 12u) << stage;
    EXPECT_EQ(due(stage).phrase.dekad, calendar::Dekad::kLate) << stage;
  }
  EXPECT_FALSE(due("collecting").date.has_value());
  EXPECT_FALSE(wf.stages[*wf.FindStage("published")].due.has_value());
  EXPECT_EQ(due("collecting").pos.file, "annual-cycle.toml");
  EXPECT_GT(due("collecting").pos.line, 0u);
}

TEST(RoundTrip, TransitionsBindRolesStagesGuardsAndApprovals) {
  const model::Workflow wf = ShippedWorkflow();
  const auto stage = [&](std::string_view id) { return *wf.FindStage(id); };
  const auto role = [&](std::string_view id) { return *wf.FindRole(id); };

  const auto accept = wf.FindTransition("accept", stage("under_review"));
  ASSERT_TRUE(accept);
  const model::TransitionDef& a = wf.transitions[*accept];
  EXPECT_EQ(a.to, stage("accepted"));
  EXPECT_EQ(a.roles, std::vector<model::RoleId>{role("office_staff")});
  EXPECT_TRUE(a.needs_approval);
  EXPECT_EQ(a.approvers, std::vector<model::RoleId>{role("office_director")});
  EXPECT_EQ(a.guards, std::vector<model::Guard>{model::Guard::kMaterialsAccepted});

  EXPECT_TRUE(wf.FindTransition("assess", stage("committed")));
  EXPECT_TRUE(wf.FindTransition("assess", stage("verified")));
  EXPECT_FALSE(wf.FindTransition("assess", stage("accepted")));

  const auto ret = wf.FindTransition("return", stage("under_review"));
  ASSERT_TRUE(ret);
  EXPECT_TRUE(wf.transitions[*ret].note_required);
  EXPECT_EQ(wf.transitions[*ret].to, stage("returned"));

  const auto publish = wf.FindTransition("publish", stage("assessed"));
  ASSERT_TRUE(publish);
  EXPECT_EQ(wf.transitions[*publish].approvers,
            std::vector<model::RoleId>{role("government_leader")});

  EXPECT_EQ(wf.roles[role("liaison")].scope, model::RoleScope::kUnit);
  EXPECT_EQ(wf.roles[role("office_director")].scope, model::RoleScope::kCampaign);
}

TEST(RoundTrip, RosterPeopleAndMaterials) {
  const model::Workflow wf = ShippedWorkflow();
  const model::Roster roster = ShippedRoster(wf);
  EXPECT_EQ(roster.id, "taishan-2021");
  EXPECT_EQ(roster.year, 2021);
  EXPECT_EQ(roster.time_zone, "Asia/Shanghai");

  const model::Unit* finance = roster.FindUnit("finance");
  ASSERT_NE(finance, nullptr);
  EXPECT_EQ(finance->name, "区财政局");
  EXPECT_THAT(finance->duties, HasSubstr("年度财政预算收支报告"));
  const auto budget = std::find_if(finance->materials.begin(), finance->materials.end(),
                                   [](const auto& m) { return m.id == "budget-report"; });
  ASSERT_NE(budget, finance->materials.end());
  EXPECT_TRUE(budget->required);
  const auto other = std::find_if(finance->materials.begin(), finance->materials.end(),
                                  [](const auto& m) { return m.id == "other"; });
  ASSERT_NE(other, finance->materials.end());
  EXPECT_FALSE(other->required);

  const model::Person* sun = roster.FindPerson("office-director-sun-yecun");
  ASSERT_NE(sun, nullptr);
  EXPECT_EQ(sun->name, "孙业存");
  EXPECT_FALSE(sun->placeholder);
  EXPECT_TRUE(roster.Holds(sun->id, *wf.FindRole("office_director"), "", wf));
  EXPECT_TRUE(roster.Holds(sun->id, *wf.FindRole("member"), "ecology-environment", wf));
  EXPECT_FALSE(roster.Holds(sun->id, *wf.FindRole("member"), "finance", wf));

  for (const char* id : {"office-cao-bin", "office-guo-yushuang"})
    EXPECT_TRUE(roster.Holds(id, *wf.FindRole("office_staff"), "", wf)) << id;
  EXPECT_TRUE(roster.Holds("finance-liaison", *wf.FindRole("liaison"), "finance", wf));
  EXPECT_FALSE(roster.Holds("finance-liaison", *wf.FindRole("liaison"), "water", wf));
  EXPECT_EQ(roster.FindPerson("leader-zhang-peifeng")->name, "张培峰");
  EXPECT_EQ(roster.FindPerson("deputy-leader-ni-hailiang")->name, "倪海亮");
}

// --- Errors: each names file:line:column and the problem --------------------

struct ErrorCase {
  std::string name;
  std::string find;     // replaced in the valid base text; empty: append
  std::string replace;
  std::uint32_t line;
  std::uint32_t column;
  std::string message;  // a part of the expected message
};

std::ostream& operator<<(std::ostream& os, const ErrorCase& c) { return os << c.name; }

std::string CaseName(const ::testing::TestParamInfo<ErrorCase>& param) { return param.param.name; }

std::string Apply(std::string base, const ErrorCase& c) {
  if (c.find.empty()) {  // appended to the last table, before the [notices] of NoNotices()
    const auto notices = base.find("[notices]\n");
    return notices == std::string::npos ? base + c.replace : base.insert(notices, c.replace);
  }
  const auto at = base.find(c.find);
  EXPECT_NE(at, std::string::npos) << c.name << ": '" << c.find << "' not in the base text";
  if (at != std::string::npos) base.replace(at, c.find.size(), c.replace);
  return base;
}

void ExpectError(const Status& status, const ErrorCase& c, std::string_view file) {
  EXPECT_EQ(status.code(), Code::kInvalidInput);
  EXPECT_EQ(status.pos().file, file);
  EXPECT_EQ(status.pos().line, c.line) << status.str();
  EXPECT_EQ(status.pos().column, c.column) << status.str();
  EXPECT_THAT(status.message(), HasSubstr(c.message));
}

// A valid workflow. Line numbers, for the cases below:
//   1 id   3 label   4 initial   5 deadline_policy (its escalation: the engine knows
//   no escalation roles of its own)   6-9 role clerk   10-13 stage open (13: due)
//   14-17 stage done (17: terminal)   18-23 transition finish (21 from, 22 to, 23 roles)
const std::string kWorkflow = R"(id = "w"
version = 1
label = { zh = "流程", en = "Flow" }
initial = "open"
deadline_policy = { escalation = [{ level = 1, after_workdays = 0, roles = ['clerk'] }] }
[[roles]]
id = "clerk"
label = { zh = "办事员", en = "Clerk" }
scope = "campaign"
[[stages]]
id = "open"
label = { zh = "进行中", en = "Open" }
due = "10月下旬前"
[[stages]]
id = "done"
label = { zh = "完成", en = "Done" }
terminal = true
[[transitions]]
trigger = "finish"
label = { zh = "完成", en = "Finish" }
from = ["open"]
to = "done"
roles = ["clerk"]
)" + NoNotices() + testing::PermissionsFor("clerk");

TEST(WorkflowErrors, TheBaseTextIsValid) {
  auto wf = ParseWorkflow(kWorkflow, "w.toml");
  ASSERT_TRUE(wf.ok()) << wf.status().str();
  EXPECT_EQ(wf->stages.size(), 2u);
}

TEST(WorkflowErrors, AnExplicitDateMayBeATomlDateOrAString) {
  using namespace std::chrono;
  for (const char* date : {"2021-10-15", "\"2021-10-15\""}) {
    std::string text = kWorkflow;
    const std::string due = "due = \"10月下旬前\"";
    text.replace(text.find(due), due.size(),
                 "due = { phrase = \"10月下旬前\", date = " + std::string(date) + " }");
    auto wf = ParseWorkflow(text, "w.toml");
    ASSERT_TRUE(wf.ok()) << wf.status().str();
    const auto& deadline = wf->stages[0].due;
    ASSERT_TRUE(deadline.has_value());
    EXPECT_EQ(deadline->phrase.text, "10月下旬前");
    EXPECT_EQ(deadline->date, Date(2021y / October / 15d)) << date;
  }
}

class WorkflowError : public ::testing::TestWithParam<ErrorCase> {};

TEST_P(WorkflowError, NamesLineColumnAndProblem) {
  const ErrorCase& c = GetParam();
  auto wf = ParseWorkflow(Apply(kWorkflow, c), "w.toml");
  ASSERT_FALSE(wf.ok()) << c.name << " was accepted";
  ExpectError(wf.status(), c, "w.toml");
  EXPECT_THAT(wf.status().str(), HasSubstr("w.toml:" + std::to_string(c.line) + ":" +
                                           std::to_string(c.column) + ": "));
}

const char kLimboStage[] = R"(terminal = true
[[stages]]
id = "limbo"
label = { zh = "悬空", en = "Limbo" }
terminal = true
)";

const char kSecondOpenStage[] = R"(terminal = true
[[stages]]
id = "open"
label = { zh = "重复", en = "Again" }
)";

const char kSecondClerk[] = R"(scope = "campaign"
[[roles]]
id = "clerk"
label = { zh = "办事员", en = "Clerk" }
scope = "unit"
)";

const char kSecondFinish[] = R"([[transitions]]
trigger = "finish"
label = { zh = "再完成", en = "Finish again" }
from = ["open"]
to = "done"
roles = ["clerk"]
)";

INSTANTIATE_TEST_SUITE_P(
    Cases, WorkflowError,
    ::testing::Values(
        ErrorCase{"SyntaxError", "to = \"done\"", "to = \"done", 22, 11, "TOML syntax error"},
        ErrorCase{"MissingRequiredField", "to = \"done\"\n", "", 18, 1,
                  "transition 'finish': missing required key 'to'"},
        ErrorCase{"WrongType", "terminal = true", "terminal = \"yes\"", 17, 12,
                  "stage 'done': 'terminal' must be a boolean, not a string"},
        ErrorCase{"UnknownKey", "terminal = true", "terminl = true", 17, 1,
                  "stage 'done': unknown key 'terminl' "
                  "(expected one of: id, label, owners, due, deadline_policy, terminal)"},
        ErrorCase{"UnknownKeyInLabel", "en = \"Done\"", "eng = \"Done\"", 16, 22,
                  "unknown key 'eng'"},
        ErrorCase{"UnknownStageInTransition", "to = \"done\"", "to = \"finished\"", 22, 6,
                  "unknown stage 'finished'"},
        ErrorCase{"UnknownInitialStage", "initial = \"open\"", "initial = \"opne\"", 4, 11,
                  "unknown stage 'opne'"},
        ErrorCase{"UnknownRole", "roles = [\"clerk\"]", "roles = [\"clerk\", \"boss\"]", 23, 19,
                  "unknown role 'boss'"},
        ErrorCase{"UnreachableStage", "terminal = true\n", kLimboStage, 19, 6,
                  "stage 'limbo' cannot be reached from the initial stage 'open'"},
        ErrorCase{"DuplicateStage", "terminal = true\n", kSecondOpenStage, 19, 6,
                  "duplicate stage id 'open' (first defined at w.toml:11:6)"},
        ErrorCase{"DuplicateRole", "scope = \"campaign\"\n", kSecondClerk, 11, 6,
                  "duplicate role id 'clerk'"},
        ErrorCase{"DuplicateTriggerFromSameStage", "", kSecondFinish, 27, 9,
                  "duplicate trigger 'finish' from stage 'open'"},
        ErrorCase{"EmptyRoles", "roles = [\"clerk\"]", "roles = []", 23, 9,
                  "no role may fire it"},
        ErrorCase{"ApprovalWithoutApprovers", "", "needs_approval = true\n", 24, 18,
                  "needs approval but names no approver roles"},
        ErrorCase{"ApprovalWithEmptyApprovers", "",
                  "needs_approval = true\napprovers = []\n", 25, 13,
                  "needs approval but names no approver roles ('approvers' is empty)"},
        ErrorCase{"UnknownGuard", "", "guards = [\"signed\"]\n", 24, 11, "unknown guard 'signed'"},
        ErrorCase{"UnreadableDuePhrase", "due = \"10月下旬前\"", "due = \"10月中下旬\"", 13, 11,
                  "cannot read date phrase '10月中下旬'"},
        ErrorCase{"UnreadableDuePhraseInTable", "due = \"10月下旬前\"",
                  "due = { phrase = \"10月下旬后\" }", 13, 24, "unexpected text at the end"},
        ErrorCase{"BadExplicitDate", "due = \"10月下旬前\"",
                  "due = { phrase = \"10月下旬前\", date = \"2021-02-30\" }", 13, 35,
                  "'date' '2021-02-30' is not a calendar date"},
        ErrorCase{"StageWithNoWayOut", "terminal = true", "terminal = false", 15, 6,
                  "stage 'done' has no way out"},
        ErrorCase{"TerminalStageWithTransitionOut", "due = \"10月下旬前\"", "terminal = true", 21,
                  9, "stage 'open' is terminal, so no transition may leave it"},
        ErrorCase{"BadIdentifier", "id = \"done\"", "id = \"已完成\"", 15, 6,
                  "is not an identifier"},
        ErrorCase{"DueButNoEscalation",
                  "deadline_policy = { escalation = [{ level = 1, after_workdays = 0, "
                  "roles = ['clerk'] }] }\n",
                  "", 12, 7,
                  "stage 'open': it has a due date but no escalation levels name who hears when "
                  "it passes; give 'escalation' in [deadline_policy] or in the stage's "
                  "'deadline_policy' (an empty list for none)"},
        ErrorCase{"DueButAPolicyWithoutEscalation",
                  "deadline_policy = { escalation = [{ level = 1, after_workdays = 0, "
                  "roles = ['clerk'] }] }",
                  "deadline_policy = { reminders = [2] }", 13, 7,
                  "stage 'open': it has a due date but no escalation levels"},
        ErrorCase{"ALevelWithoutRoles", ", roles = ['clerk'] }", " }", 5, 35,
                  "missing required key 'roles'"}),
    CaseName);

// --- Deadline policy --------------------------------------------------------

// A valid workflow with a deadline policy. Lines: 5-12 [deadline_policy]
// (6 reminders, 7 notice_time, 9 and 10 the escalation levels, 12 repeat);
// 21-25 stage open (24 due, 25 its own deadline_policy); 26-29 stage done.
const std::string kPolicyWorkflow = R"(id = "p"
version = 1
label = { zh = "流程", en = "Flow" }
initial = "open"
[deadline_policy]
reminders = [3, 1]
notice_time = "09:00"
escalation = [
  { level = 1, after_workdays = 0, roles = ["clerk"] },
  { level = 2, after_workdays = 2, roles = ["boss"] },
]
repeat_every_workdays = 3
[[roles]]
id = "clerk"
label = { zh = "办事员", en = "Clerk" }
scope = "campaign"
[[roles]]
id = "boss"
label = { zh = "主任", en = "Boss" }
scope = "campaign"
[[stages]]
id = "open"
label = { zh = "进行中", en = "Open" }
due = "10月下旬前"
deadline_policy = { reminders = [2] }
[[stages]]
id = "done"
label = { zh = "完成", en = "Done" }
terminal = true
[[transitions]]
trigger = "finish"
label = { zh = "完成", en = "Finish" }
from = ["open"]
to = "done"
roles = ["clerk"]
)" + NoNotices() + testing::PermissionsFor("clerk");

// The parts of a policy that mean something (not where it was written).
struct PolicyFacts {
  std::vector<int> reminders;
  std::chrono::minutes notice_time;
  std::vector<std::tuple<int, int, std::vector<model::RoleId>>> levels;
  int repeat_every_workdays;
  friend bool operator==(const PolicyFacts&, const PolicyFacts&) = default;
};

PolicyFacts FactsOf(const model::DeadlinePolicy& p) {
  PolicyFacts f{p.reminders, p.notice_time, {}, p.repeat_every_workdays};
  for (const auto& l : p.levels) f.levels.emplace_back(l.level, l.after_workdays, l.roles);
  return f;
}

TEST(DeadlinePolicy, TheBaseTextIsValidAndAStageOverridesKeyByKey) {
  using namespace std::chrono_literals;
  auto wf = ParseWorkflow(kPolicyWorkflow, "p.toml");
  ASSERT_TRUE(wf.ok()) << wf.status().str();
  const model::RoleId clerk = *wf->FindRole("clerk");
  const model::RoleId boss = *wf->FindRole("boss");
  const PolicyFacts workflow_default{
      {3, 1}, 9h, {{1, 0, {clerk}}, {2, 2, {boss}}}, 3};
  EXPECT_EQ(FactsOf(wf->deadline_policy), workflow_default);
  EXPECT_EQ(wf->deadline_policy.pos.line, 5u);

  PolicyFacts open = workflow_default;  // only the reminders are its own
  open.reminders = {2};
  EXPECT_EQ(FactsOf(wf->stages[*wf->FindStage("open")].policy), open);
  EXPECT_EQ(wf->stages[*wf->FindStage("open")].policy.pos.line, 25u);
  EXPECT_EQ(FactsOf(wf->stages[*wf->FindStage("done")].policy), workflow_default);
}

TEST(DeadlinePolicy, AStageMayGiveItsPolicyAsASubTable) {
  std::string text = kPolicyWorkflow;
  const std::string inline_table = "deadline_policy = { reminders = [2] }";
  text.replace(text.find(inline_table), inline_table.size(),
               "[stages.deadline_policy]\nreminders = [2]\nrepeat_every_workdays = 0");
  auto wf = ParseWorkflow(text, "p.toml");
  ASSERT_TRUE(wf.ok()) << wf.status().str();
  const model::DeadlinePolicy& open = wf->stages[*wf->FindStage("open")].policy;
  EXPECT_EQ(open.reminders, std::vector<int>{2});
  EXPECT_EQ(open.repeat_every_workdays, 0);
  EXPECT_EQ(open.levels.size(), 2u);
  EXPECT_EQ(open.pos.line, 25u);
}

TEST(DeadlinePolicy, RemindersAreSortedAndATomlTimeIsANoticeTime) {
  using namespace std::chrono_literals;
  std::string text = kPolicyWorkflow;
  text.replace(text.find("reminders = [3, 1]"), 18, "reminders = [1, 5, 3]");
  text.replace(text.find("notice_time = \"09:00\""), 21, "notice_time = 08:30:00");
  text.replace(text.find("repeat_every_workdays = 3"), 25, "repeat_every_workdays = 0");
  auto wf = ParseWorkflow(text, "p.toml");
  ASSERT_TRUE(wf.ok()) << wf.status().str();
  EXPECT_EQ(wf->deadline_policy.reminders, (std::vector<int>{5, 3, 1}));
  EXPECT_EQ(wf->deadline_policy.notice_time, 8h + 30min);
  EXPECT_EQ(wf->deadline_policy.repeat_every_workdays, 0);
}

TEST(DeadlinePolicy, EmptyListsMeanNone) {
  std::string text = kWorkflow;
  const std::string given = "roles = ['clerk'] }]";
  text.replace(text.find(given), given.size(), "roles = ['clerk'] }], reminders = [] ");
  auto wf = ParseWorkflow(text, "w.toml");
  ASSERT_TRUE(wf.ok()) << wf.status().str();
  EXPECT_TRUE(wf->stages[0].policy.reminders.empty());

  text = kWorkflow;
  const std::string line5 =
      "deadline_policy = { escalation = [{ level = 1, after_workdays = 0, roles = ['clerk'] }] }";
  text.replace(text.find(line5), line5.size(), "deadline_policy = { escalation = [] }");
  wf = ParseWorkflow(text, "w.toml");
  ASSERT_TRUE(wf.ok()) << wf.status().str();
  EXPECT_TRUE(wf->stages[0].policy.levels.empty());
  EXPECT_EQ(wf->stages[0].policy.reminders, (std::vector<int>{3, 1}));
}

TEST(DeadlinePolicy, TheShippedPolicyWritesItsEscalationOut) {
  using namespace std::chrono_literals;
  const model::Workflow shipped = ShippedWorkflow();
  const auto role = [&](std::string_view id) { return *shipped.FindRole(id); };
  const PolicyFacts builtin{{3, 1},
                            9h,
                            {{1, 0, {role("liaison"), role("coordinator")}},
                             {2, 2, {role("coordinator"), role("office_director")}},
                             {3, 5, {role("office_director"), role("deputy_leader")}}},
                            3};
  EXPECT_EQ(FactsOf(shipped.deadline_policy), builtin);
  // The office's own stages climb the office's ladder: 办公室工作人员 → 主任 → 组长.
  const decltype(PolicyFacts::levels) office = {{1, 0, {role("office_staff")}},
                                                  {2, 2, {role("office_director")}},
                                                  {3, 5, {role("office_director"), role("leader")}}};
  for (const auto& stage : shipped.stages) {
    PolicyFacts expected = builtin;
    if (stage.id == "kicked_off") expected.reminders = {1};  // its own: remind once
    if (stage.id == "planned" || stage.id == "committed" || stage.id == "verified") expected.levels = office;
    if (stage.id == "assessed")
      expected.levels = {{1, 0, std::vector<model::RoleId>{role("office_director")}},
                         {2, 2, std::vector<model::RoleId>{role("office_director"), role("leader")}}};
    EXPECT_EQ(FactsOf(stage.policy), expected) << stage.id;
  }

  // Without its [deadline_policy] table the file is refused at its first due
  // date: the engine names no escalation roles of its own.
  std::string text = ReadShipped("workflows/annual-cycle.toml");
  const auto from = text.find("[deadline_policy]");
  const auto to = text.find("# --- Notices");
  ASSERT_NE(from, std::string::npos);
  ASSERT_NE(to, std::string::npos);
  text.erase(from, to - from);
  auto bare = ParseWorkflow(text, "annual-cycle.toml");
  ASSERT_FALSE(bare.ok());
  EXPECT_EQ(bare.status().pos().file, "annual-cycle.toml");
  EXPECT_TRUE(bare.status().pos().known());
  EXPECT_THAT(bare.status().message(),
              HasSubstr("stage 'kicked_off': it has a due date but no escalation levels"));

  // With only the escalation left, the other keys take the built-in timings.
  const std::string full = ReadShipped("workflows/annual-cycle.toml");
  const auto levels_from = full.find("escalation = [");
  const auto levels_to = full.find("]\n", full.find("deputy_leader", levels_from)) + 2;
  text.insert(from, "[deadline_policy]\n" + full.substr(levels_from, levels_to - levels_from));
  auto minimal = ParseWorkflow(text, "annual-cycle.toml");
  ASSERT_TRUE(minimal.ok()) << minimal.status().str();
  EXPECT_EQ(FactsOf(minimal->deadline_policy), builtin);
}

class PolicyError : public ::testing::TestWithParam<ErrorCase> {};

TEST_P(PolicyError, NamesLineColumnAndProblem) {
  const ErrorCase& c = GetParam();
  auto wf = ParseWorkflow(Apply(kPolicyWorkflow, c), "p.toml");
  ASSERT_FALSE(wf.ok()) << c.name << " was accepted";
  ExpectError(wf.status(), c, "p.toml");
}

INSTANTIATE_TEST_SUITE_P(
    Cases, PolicyError,
    ::testing::Values(
        ErrorCase{"NegativeReminder", "reminders = [3, 1]", "reminders = [3, -1]", 6, 17,
                  "workflow 'p' deadline_policy: 'reminders' must not be negative, not -1"},
        ErrorCase{"ReminderOnTheDueDay", "reminders = [3, 1]", "reminders = [3, 0]", 6, 17,
                  "'reminders' must be at least 1, not 0"},
        ErrorCase{"ReminderTwice", "reminders = [3, 1]", "reminders = [3, 3]", 6, 17,
                  "reminder 3 is given twice"},
        ErrorCase{"ReminderNotANumber", "reminders = [3, 1]", "reminders = [3, \"1\"]", 6, 17,
                  "'reminders' must be an integer number of working days, not a string"},
        ErrorCase{"UnknownKey", "notice_time = \"09:00\"", "notice_hour = 9", 7, 1,
                  "workflow 'p' deadline_policy: unknown key 'notice_hour' (expected one of: "
                  "reminders, notice_time, escalation, repeat_every_workdays)"},
        ErrorCase{"BadNoticeTime", "\"09:00\"", "\"9 am\"", 7, 15,
                  "'notice_time' must be a time of day \"HH:MM\""},
        ErrorCase{"NoticeTimePastTheDay", "\"09:00\"", "\"24:00\"", 7, 15,
                  "'notice_time' must be a time of day"},
        ErrorCase{"UnknownKeyInLevel", "after_workdays = 0", "after_days = 0", 9, 16,
                  "deadline_policy escalation level 1: unknown key 'after_days'"},
        ErrorCase{"LevelNumbersOutOfOrder", "level = 2", "level = 3", 10, 13,
                  "escalation levels out of order: entry 2 must be level 2, not 3"},
        ErrorCase{"LevelsNotLaterThanTheOneBefore", "after_workdays = 2", "after_workdays = 0",
                  10, 33,
                  "escalation levels out of order: level 2 comes after 0 overdue working days, "
                  "but level 1 already after 0"},
        ErrorCase{"NegativeAfterWorkdays", "after_workdays = 2", "after_workdays = -2", 10, 33,
                  "'after_workdays' must not be negative, not -2"},
        ErrorCase{"UnknownRoleInLevel", "[\"boss\"]", "[\"bos\"]", 10, 45,
                  "deadline_policy escalation level 2: 'roles' names unknown role 'bos' "
                  "(roles: clerk, boss, member)"},
        ErrorCase{"LevelWithNoRoles", "roles = [\"boss\"]", "roles = []", 10, 44,
                  "escalation level 2: notifies no role ('roles' is empty)"},
        ErrorCase{"RoleTwiceInALevel", "[\"clerk\"]", "[\"clerk\", \"clerk\"]", 9, 54,
                  "role 'clerk' is named twice"},
        ErrorCase{"NegativeRepeat", "repeat_every_workdays = 3", "repeat_every_workdays = -1",
                  12, 25, "'repeat_every_workdays' must not be negative, not -1"},
        ErrorCase{"UnknownKeyInStagePolicy", "{ reminders = [2] }", "{ reminder = [2] }", 25, 21,
                  "stage 'open' deadline_policy: unknown key 'reminder'"},
        ErrorCase{"UnknownRoleInStagePolicy", "{ reminders = [2] }",
                  "{ escalation = [{ level = 1, after_workdays = 0, roles = [\"nobody\"] }] }", 25,
                  77, "stage 'open' deadline_policy escalation level 1: 'roles' names unknown role "
                      "'nobody'"},
        ErrorCase{"StagePolicyNotATable", "{ reminders = [2] }", "\"strict\"", 25, 19,
                  "stage 'open': 'deadline_policy' must be a table, not a string"},
        ErrorCase{"StagePolicyWithoutDue", "terminal = true",
                  "deadline_policy = { reminders = [1] }\nterminal = true", 29, 19,
                  "stage 'done': 'deadline_policy' given but the stage has no 'due'"}),
    CaseName);

// A valid roster against the shipped annual cycle. Lines: 2 year; 4-11 unit
// finance (10: its material); 12-16 person finance-liaison (16: roles).
const std::string kRoster = R"(id = "r"
year = 2021
name = "测试"
[[units]]
id = "finance"
name = "区财政局"
name_en = "District Finance Bureau"
duties = "负责提供预算报告。"
materials = [
  { id = "budget-report", name = "预算报告" },
]
[[people]]
id = "finance-liaison"
name = "联络员"
email = "finance-liaison@example.org"
roles = [{ role = "liaison", unit = "finance" }]
)";

TEST(RosterErrors, TheBaseTextIsValid) {
  const model::Workflow wf = ShippedWorkflow();
  auto roster = ParseRoster(kRoster, "r.toml", wf);
  ASSERT_TRUE(roster.ok()) << roster.status().str();
  EXPECT_EQ(roster->time_zone, "Asia/Shanghai");
  ASSERT_EQ(roster->people.size(), 1u);
  ASSERT_EQ(roster->people[0].roles.size(), 1u);
  EXPECT_EQ(roster->people[0].roles[0].role_id, *wf.FindRole("liaison"));
}

class RosterError : public ::testing::TestWithParam<ErrorCase> {};

TEST_P(RosterError, NamesLineColumnAndProblem) {
  const ErrorCase& c = GetParam();
  auto roster = ParseRoster(Apply(kRoster, c), "r.toml", ShippedWorkflow());
  ASSERT_FALSE(roster.ok()) << c.name << " was accepted";
  ExpectError(roster.status(), c, "r.toml");
}

const char kSecondFinanceUnit[] = R"([[people]]
id = "x"
name = "某人"
[[units]]
id = "finance"
name = "区财政局"
name_en = "Finance again"
duties = "重复。"
)";

const char kSecondLiaison[] = R"([[people]]
id = "finance-liaison"
name = "重复"
)";

INSTANTIATE_TEST_SUITE_P(
    Cases, RosterError,
    ::testing::Values(
        ErrorCase{"SyntaxError", "year = 2021", "year = = 2021", 2, 8, "TOML syntax error"},
        ErrorCase{"MissingRequiredField", "name_en = \"District Finance Bureau\"\n", "", 4, 1,
                  "unit 'finance': missing required key 'name_en'"},
        ErrorCase{"WrongType", "year = 2021", "year = \"2021\"", 2, 8,
                  "'year' must be an integer, not a string"},
        ErrorCase{"UnknownKey", "{ id = \"budget-report\", name", "{ id = \"budget-report\", nme",
                  10, 27, "unit 'finance' material 'budget-report': unknown key 'nme'"},
        ErrorCase{"UnknownRole", "role = \"liaison\"", "role = \"liason\"", 16, 19,
                  "unknown role 'liason'"},
        ErrorCase{"UnitRoleWithoutUnit", "{ role = \"liaison\", unit = \"finance\" }",
                  "{ role = \"liaison\" }", 16, 10, "role 'liaison' is held for one unit"},
        ErrorCase{"UnitRoleNamesUnknownUnit", "unit = \"finance\"", "unit = \"finances\"", 16, 37,
                  "unknown unit 'finances'"},
        ErrorCase{"CampaignRoleNamesUnit", "role = \"liaison\"", "role = \"office_staff\"", 16,
                  42, "role 'office_staff' is campaign-wide, so it takes no 'unit'"},
        ErrorCase{"DuplicateUnit", "", kSecondFinanceUnit, 21, 6, "duplicate unit id 'finance'"},
        ErrorCase{"DuplicateMaterial", "  { id = \"budget-report\", name = \"预算报告\" },\n",
                  "  { id = \"budget-report\", name = \"预算报告\" },\n"
                  "  { id = \"budget-report\", name = \"又一份\" },\n",
                  11, 10,
                  "duplicate material id 'budget-report'"},
        ErrorCase{"DuplicatePerson", "", kSecondLiaison, 18, 6,
                  "duplicate person id 'finance-liaison'"},
        ErrorCase{"BadEmail", "finance-liaison@example.org", "finance-liaison at example", 15, 9,
                  "is not an e-mail address"},
        ErrorCase{"UnknownTimeZone", "year = 2021", "year = 2021\ntime_zone = \"Asia/Taishan\"", 3,
                  13, "unknown time zone 'Asia/Taishan'"}),
    CaseName);

// --- ReadTextFile --------------------------------------------------------------

std::filesystem::path WriteTemp(const std::string& name, const std::string& bytes) {
  const auto path = std::filesystem::path(::testing::TempDir()) / name;
  std::ofstream(path, std::ios::binary) << bytes;
  return path;
}

TEST(ReadTextFile, ReadsUtf8) {
  auto text = ReadTextFile(WriteTemp("ok.toml", "name = \"区财政局\"\n"));
  ASSERT_TRUE(text.ok()) << text.status().str();
  EXPECT_EQ(*text, "name = \"区财政局\"\n");
}

TEST(ReadTextFile, MissingFileIsNotFound) {
  auto text = ReadTextFile(std::filesystem::path(::testing::TempDir()) / "no-such-file.toml");
  ASSERT_FALSE(text.ok());
  EXPECT_EQ(text.status().code(), Code::kNotFound);
  EXPECT_THAT(text.status().message(), HasSubstr("no-such-file.toml': no such file"));
}

TEST(ReadTextFile, DirectoryIsRefused) {
  auto text = ReadTextFile(::testing::TempDir());
  ASSERT_FALSE(text.ok());
  EXPECT_THAT(text.status().message(), HasSubstr("is a directory"));
}

TEST(ReadTextFile, NotUtf8NamesTheFirstBadByte) {
  // GBK-encoded 区 (0xC7 0xF8) on line 2, after `a = "`.
  const auto path = WriteTemp("gbk.toml", "id = \"x\"\na = \"\xC7\xF8\"\n");
  auto text = ReadTextFile(path);
  ASSERT_FALSE(text.ok());
  EXPECT_EQ(text.status().code(), Code::kInvalidInput);
  EXPECT_EQ(text.status().pos().file, path.string());
  EXPECT_EQ(text.status().pos().line, 2u);
  EXPECT_EQ(text.status().pos().column, 6u);
  EXPECT_THAT(text.status().message(), HasSubstr("not UTF-8"));
}

}  // namespace
}  // namespace duban::workflow
