// The one list of event types (model/events.h): every type named once, each
// with its e-mail templates or an explicit "no notice"; the [notices] table
// of the workflow file and its loader's refusals; the notice routing; and the
// plugin host answering what a plugin wants without calling it again.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <set>
#include <string>

#include "machine/notices.h"
#include "model/events.h"
#include "notify/plugin_host.h"
#include "support/temp_dir.h"
#include "workflow/loader.h"

namespace duban {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;
using duban::testing::TempDir;
using model::Audience;
using model::EventType;

const fs::path kSource = DUBAN_SOURCE_DIR;

std::string Shipped() {
  auto text = workflow::ReadTextFile(kSource / "workflows/annual-cycle.toml");
  EXPECT_TRUE(text.ok()) << text.status().str();
  return text.ok() ? *text : std::string();
}

model::Workflow ShippedWorkflow() {
  auto wf = workflow::ParseWorkflow(Shipped(), "annual-cycle.toml");
  EXPECT_TRUE(wf.ok()) << wf.status().str();
  return wf.ok() ? *wf : model::Workflow{};
}

TEST(EventTypes, EachNameIsListedOnceAndRoundTrips) {
  std::set<std::string_view> names;
  ASSERT_EQ(model::AllEventTypes().size(), model::kEventTypeCount);
  for (EventType t : model::AllEventTypes()) {
    const std::string_view name = model::EventTypeName(t);
    EXPECT_TRUE(names.insert(name).second) << name << " listed twice";
    EXPECT_EQ(model::EventTypeFromName(name), t) << name;
    EXPECT_FALSE(model::SpecOf(t).meaning.empty()) << name;
    EXPECT_FALSE(model::SpecOf(t).payload.empty()) << name << ": document its payload";
  }
  EXPECT_EQ(model::EventTypeFromName("deadline.someday"), std::nullopt);
  EXPECT_EQ(model::EventTypeFromName("Deadline.Missed"), std::nullopt);
  EXPECT_EQ(nlohmann::json(EventType::kPaperReceived), "paper.received");
}

// The names of DESIGN.md's "External contracts" are all listed.
TEST(EventTypes, TheContractNamesAreListed) {
  for (const char* name : {"campaign.created", "transition.requested", "transition.approved", "transition.rejected",
                           "transition.applied", "deadline.approaching", "deadline.missed", "deadline.extended",
                           "escalation.raised", "material.submitted", "material.returned", "material.explained",
                           "material.accepted", "commitment.signed", "contact.changed", "assessment.scored",
                           "assessment.published", "notice.sent", "notice.failed"})
    EXPECT_TRUE(model::EventTypeFromName(name).has_value()) << name;
}

// A type anyone may hear of has its own e-mail wording; the others say
// "no notice" (Audience::kNone, or an empty [notices] entry).
TEST(EventTypes, EveryTypeHasItsTemplatesOrAnExplicitNoNotice) {
  const model::Workflow wf = ShippedWorkflow();
  const fs::path templates = kSource / "workflows/templates";
  for (const model::EventSpec& spec : model::kEventSpecs) {
    if (spec.audience == Audience::kNone) continue;
    if (spec.audience == Audience::kWorkflow && wf.notices[static_cast<std::size_t>(spec.type)].empty()) continue;
    for (const char* part : {".subject.mustache", ".txt.mustache"})
      EXPECT_TRUE(fs::is_regular_file(templates / (std::string(spec.name) + part)))
          << spec.name << " may be heard of but has no " << spec.name << part;
  }
}

TEST(EventTypes, PayloadRolesNameAMemberThatNamesRoles) {
  for (const model::EventSpec& spec : model::kEventSpecs) {
    if (spec.audience != Audience::kPayloadRoles) continue;
    bool found = false;
    for (const auto& f : spec.payload) found = found || (f.name == spec.roles_field && f.names_roles());
    EXPECT_TRUE(found) << spec.name << ": roles_field '" << spec.roles_field << "' is no role member";
  }
}

// --- routing -----------------------------------------------------------------

std::vector<std::string> Routed(const model::Workflow& wf, EventType t, nlohmann::json payload = {}) {
  model::Event e{t, "finance", "someone", {}, payload.is_null() ? nlohmann::json::object() : payload};
  std::vector<std::string> out;
  for (model::RoleId r : machine::NoticeRolesFor(wf, e)) out.push_back(wf.roles[r].id);
  return out;
}

TEST(NoticeRouting, FollowsTheListAndTheWorkflowsTable) {
  const model::Workflow wf = ShippedWorkflow();
  using V = std::vector<std::string>;
  EXPECT_EQ(Routed(wf, EventType::kMaterialSubmitted), V({"office_staff"}));
  EXPECT_EQ(Routed(wf, EventType::kTransitionApplied), V({"liaison", "coordinator"}));
  EXPECT_EQ(Routed(wf, EventType::kPaperReceived), V({"liaison", "coordinator"}));
  EXPECT_EQ(Routed(wf, EventType::kContactChanged, {{"role", "liaison"}}), V({"office_staff", "liaison"}));
  EXPECT_EQ(Routed(wf, EventType::kContactChanged, {{"role", "office_staff"}}), V({"office_staff"}));  // once
  EXPECT_EQ(Routed(wf, EventType::kContactChanged, {{"role", "no_such_role"}}), V({"office_staff"}));
  EXPECT_EQ(Routed(wf, EventType::kEscalationRaised, {{"roles", {"office_director"}}}), V({"office_director"}));
  EXPECT_EQ(Routed(wf, EventType::kTransitionRequested, {{"approvers", {"office_staff", "office_director"}}}),
            V({"office_staff", "office_director"}));
  EXPECT_EQ(Routed(wf, EventType::kCampaignCreated), V());
  EXPECT_EQ(Routed(wf, EventType::kNoticeSent, {{"roles", {"liaison"}}}), V());
}

// --- the loader -------------------------------------------------------------

struct NoticesCase {
  const char* name;
  const char* find;     // in the shipped workflow
  const char* replace;  // by this
  const char* at;       // where the error points, in the replacement (nullptr: the [notices] header)
  const char* message;
};

void PrintTo(const NoticesCase& c, std::ostream* os) { *os << c.name; }

std::string CaseName(const ::testing::TestParamInfo<NoticesCase>& param) { return param.param.name; }

class NoticesError : public ::testing::TestWithParam<NoticesCase> {};

TEST_P(NoticesError, NamesFileLineAndColumn) {
  const NoticesCase& c = GetParam();
  std::string text = Shipped();
  const auto found = text.find(c.find);
  ASSERT_NE(found, std::string::npos) << c.find;
  text.replace(found, std::string_view(c.find).size(), c.replace);
  const auto at = c.at != nullptr ? text.find(c.at, found) : text.find("[notices]");
  ASSERT_NE(at, std::string::npos);
  const auto line_start = text.rfind('\n', at) + 1;
  const int line = 1 + static_cast<int>(std::count(text.begin(), text.begin() + static_cast<long>(at), '\n'));
  const int column = 1 + static_cast<int>(at - line_start);  // the lines here are ASCII up to the point

  auto wf = workflow::ParseWorkflow(text, "annual-cycle.toml");
  ASSERT_FALSE(wf.ok()) << c.name << " was accepted";
  const Status& s = wf.status();
  EXPECT_EQ(s.code(), Code::kInvalidInput);
  EXPECT_EQ(s.pos().file, "annual-cycle.toml");
  EXPECT_EQ(s.pos().line, line) << s.str();
  EXPECT_EQ(s.pos().column, column) << s.str();
  EXPECT_THAT(s.message(), HasSubstr(c.message));
}

INSTANTIATE_TEST_SUITE_P(
    Cases, NoticesError,
    ::testing::Values(
        NoticesCase{"UnknownType", "\"paper.received\" =", "\"paper.recieved\" =", "\"paper.recieved\"",
                    "unknown event type 'paper.recieved'"},
        NoticesCase{"UnquotedName", "\"paper.received\" =", "paper.received =", "paper.received =",
                    "write an event type's name in quotes"},
        NoticesCase{"MissingEntry", "\"material.added\" = [\"liaison\", \"coordinator\"]\n", "", nullptr,
                    "no entry for 'material.added'"},
        NoticesCase{"EntryForANoNoticeType", "[notices]\n", "[notices]\n\"notice.sent\" = []\n", "\"notice.sent\"",
                    "'notice.sent' never raises a notice"},
        NoticesCase{"EntryForAPayloadRolesType", "[notices]\n", "[notices]\n\"escalation.raised\" = [\"leader\"]\n",
                    "\"escalation.raised\"", "goes to the roles its payload names"},
        NoticesCase{"UnknownRole", "\"material.submitted\" = [\"office_staff\"]",
                    "\"material.submitted\" = [\"office_stuff\"]", "office_stuff",
                    "names unknown role 'office_stuff'"},
        NoticesCase{"UnknownPayloadMember", "[\"office_staff\", \"$role\"]", "[\"office_staff\", \"$rolle\"]",
                    "$rolle", "no such member naming roles (it has: $role)"},
        NoticesCase{"PayloadMemberOfAnotherType", "\"paper.received\" = [\"liaison\", \"coordinator\"]",
                    "\"paper.received\" = [\"$role\"]", "$role", "(it has none)"},
        NoticesCase{"RoleTwice", "\"material.submitted\" = [\"office_staff\"]",
                    "\"material.submitted\" = [\"office_staff\", \"office_staff\"]", "office_staff\"]",
                    "names 'office_staff' twice"},
        NoticesCase{"NotAList", "\"material.submitted\" = [\"office_staff\"]", "\"material.submitted\" = \"office_staff\"",
                    "\"office_staff\"", "must be a list of roles, not a string"},
        NoticesCase{"MisspeltTable", "[notices]\n", "[notice]\n", "notice]", "unknown key 'notice'"}),
    CaseName);

TEST(NoticesLoader, AWorkflowWithoutTheTableIsRefused) {
  std::string text = Shipped();
  const auto from = text.find("[notices]");
  const auto to = text.find("# --- Stages");
  ASSERT_LT(from, to);
  text.erase(from, to - from);
  auto wf = workflow::ParseWorkflow(text, "annual-cycle.toml");
  ASSERT_FALSE(wf.ok());
  EXPECT_EQ(wf.status().pos().file, "annual-cycle.toml");
  EXPECT_EQ(wf.status().pos().line, 1) << wf.status().str();
  EXPECT_THAT(wf.status().message(), HasSubstr("has no [notices] table"));
}

TEST(NoticesLoader, AnEmptyListMeansNobody) {
  std::string text = Shipped();
  const std::string entry = "\"material.submitted\" = [\"office_staff\"]";
  text.replace(text.find(entry), entry.size(), "\"material.submitted\" = []");
  auto wf = workflow::ParseWorkflow(text, "annual-cycle.toml");
  ASSERT_TRUE(wf.ok()) << wf.status().str();
  EXPECT_TRUE(Routed(*wf, EventType::kMaterialSubmitted).empty());
}

// --- the plugin host ----------------------------------------------------------

// Planning deliveries runs inside the outbox's write transaction, so Wants()
// must answer every listed type from what the probe at Load learnt: no child
// is forked for it, however often it is asked.
TEST(PluginHostWants, AnswersEveryListedTypeFromTheProbeAtLoad) {
  TempDir tmp;
  notify::PluginHost host(DUBAN_PLUGIN_DIR);
  nlohmann::json settings = {{"file", "notices.jsonl"},
                             {"events", {"deadline.*", "material.added", "paper.received"}},
                             {"duban", {{"base_dir", tmp.path().string()}, {"data_dir", (tmp.path() / "data").string()}}}};
  ASSERT_TRUE(host.Load({"log", "log", settings, std::chrono::seconds(20)}).ok());
  EXPECT_EQ(host.ProbeCount(), 1u);
  for (int round = 0; round < 2; ++round)
    for (EventType t : model::AllEventTypes()) {
      auto wants = host.Wants("log", t);
      ASSERT_TRUE(wants.ok()) << model::EventTypeName(t) << ": " << wants.status().str();
      const std::string name(model::EventTypeName(t));
      EXPECT_EQ(*wants, name.starts_with("deadline.") || name == "material.added" || name == "paper.received")
          << name;
    }
  EXPECT_EQ(host.ProbeCount(), 1u) << "Wants() forked a probe";
}

}  // namespace
}  // namespace duban
