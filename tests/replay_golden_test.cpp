// The 2021 replay's record, compared with the one the engine produced before
// the front-door refactor (tests/golden/replay-2021-events.jsonl, written by
// the pre-refactor binary, then extended by the December assessment's steps:
// tests/golden/only_adds.py checked that the extension only added the
// assessment's events and the notices about them, a few earlier deliveries
// going out at the new steps; then regenerated for the daily digest, 督办日报:
// tests/golden/digest_only_delivery.py checked that only deliveries changed —
// the digest.assembled events added, the notice.sent of held notices gone,
// every other event the same in order and every other person's deliveries the
// same); then for on-site verification (现场核查): inspection.announced and
// inspection.recorded added, ecology-environment's verify and forestry's
// rectify fired by `inspect record`, forestry's fix-up deadline and its
// escalations, its fix, and its findings and late fix-up in the scores, every
// other event the same in order (only the sequence numbers they cite moved):
// every event's type, unit, actor, time and payload,
// in order. A change of behaviour shows as the first differing event. And
// every payload carries what model/events.h says it does: each member it
// always has, and no member the list lacks.
//
// Normalised: the workflow's and the roster's content hash and source path in
// campaign.created (they name files, which change when a definition gains a
// section, not what happened).
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>

#include "model/events.h"
#include "support/temp_dir.h"

namespace {

namespace fs = std::filesystem;
using nlohmann::json;

// The replay's [serve] public_url: the links in its mails start with it.
constexpr const char* kPublicUrl = "http://duban.example.org:8080";

std::string Quote(const std::string& s) {
  std::string q = "'";
  for (char c : s) q += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return q + "'";
}

std::string Slurp(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

int Duban(const std::string& args, const fs::path& out, const fs::path& err) {
  const std::string cmd = Quote(DUBAN_EXE) + " " + args + " >" + Quote(out.string()) + " 2>" + Quote(err.string());
  const int raw = std::system(cmd.c_str());
  return WIFEXITED(raw) ? WEXITSTATUS(raw) : -1;
}

json Normalised(json row) {
  // row: [type, unit, actor, at, payload]
  if (row.at(0) == "campaign.created") {
    for (const char* def : {"workflow", "roster"}) {
      row[4][def].erase("sha256");
      row[4][def].erase("source");
    }
  }
  return row;
}

class ReplayGolden : public ::testing::Test {
 protected:
  // The replay runs once for the suite.
  static void SetUpTestSuite() {
    dir_ = new duban::testing::TempDir("golden");
    const fs::path db = dir_->path() / "t.db";
    const fs::path out = dir_->path() / "out", err = dir_->path() / "err";
    // The shipped e-mail plugin into a maildir, refusing any template that
    // would print an empty field (tests/mailbox_check.py reads the mails).
    const fs::path config = dir_->path() / "duban.toml";
    std::ofstream(config) << "data_dir = \"data\"\n[serve]\npublic_url = \"" << kPublicUrl << "\"\n"
                          << "[plugins.email]\nstrict_templates = true\n";
    const std::string base = "--config " + Quote(config.string()) + " --db " + Quote(db.string());
    ASSERT_EQ(Duban(base + " init", out, err), 0) << Slurp(err);
    ASSERT_EQ(Duban(base + " replay " +
                      Quote(std::string(DUBAN_SOURCE_DIR) + "/workflows/taishan-2021/replay-2021.txt"),
                  out, err),
              0)
        << Slurp(err);
    ASSERT_EQ(Duban(base + " --as office-cao-bin --format json notices list", out, err), 0) << Slurp(err);
    {
      std::ofstream(dir_->path() / "notices.json") << Slurp(out);
    }
    ASSERT_EQ(Duban(base + " --as office-cao-bin --format json events", out, err), 0) << Slurp(err);
    events_ = new json(json::parse(Slurp(out)));
  }
  static void TearDownTestSuite() {
    delete events_;
    delete dir_;
  }
  void SetUp() override { ASSERT_NE(events_, nullptr) << "the replay failed"; }

  static duban::testing::TempDir* dir_;
  static json* events_;
};
duban::testing::TempDir* ReplayGolden::dir_ = nullptr;
json* ReplayGolden::events_ = nullptr;

TEST_F(ReplayGolden, The2021ReplayRecordsTheSameEventsAsBeforeTheRefactor) {
  const json& events = *events_;
  std::ifstream golden(std::string(DUBAN_SOURCE_DIR) + "/tests/golden/replay-2021-events.jsonl");
  ASSERT_TRUE(golden) << "tests/golden/replay-2021-events.jsonl is missing";
  std::size_t i = 0;
  for (std::string line; std::getline(golden, line); ++i) {
    ASSERT_LT(i, events.size()) << "the replay recorded only " << events.size() << " events; the golden record has more";
    const json& e = events[i];
    const json got = Normalised(json::array({e.at("type"), e.at("unit"), e.at("actor"), e.at("at"), e.at("payload")}));
    const json want = Normalised(json::parse(line));
    ASSERT_EQ(got, want) << "event " << (i + 1) << " differs:\n got  " << got.dump() << "\n want " << want.dump();
  }
  EXPECT_EQ(i, events.size()) << "the replay recorded more events than the golden record";
}

TEST_F(ReplayGolden, EveryPayloadCarriesWhatTheListOfEventTypesSays) {
  std::size_t checked = 0;
  for (const json& e : *events_) {
    const std::string type = e.at("type");
    const auto t = duban::model::EventTypeFromName(type);
    ASSERT_TRUE(t.has_value()) << type << " is emitted but not in model/events.h";
    const json& payload = e.at("payload");
    const auto& fields = duban::model::SpecOf(*t).payload;
    for (const auto& f : fields) {
      if (!f.optional()) {
        EXPECT_TRUE(payload.contains(std::string(f.name))) << type << " lacks '" << f.name << "': " << payload.dump();
      }
    }
    for (const auto& [member, value] : payload.items()) {
      const bool listed = std::any_of(fields.begin(), fields.end(), [&](const auto& f) { return f.name == member; });
      EXPECT_TRUE(listed) << type << " carries '" << member << "', which model/events.h does not list";
    }
    ++checked;
  }
  EXPECT_GT(checked, 1000u);
}

// The replay's mailbox end to end (tests/mailbox_check.py, issue 13): every
// mail parses with Python's email (policy default) without defects, no raw
// event id or empty field, text and HTML say the same, each unit's mail links
// to its page and gives the office's phone, threads per unit and stage, and
// nobody hears of a deadline of a stage they do not own. Every notice was
// delivered: a template printing a value the notice lacks fails its delivery.
TEST_F(ReplayGolden, TheMailboxSaysWhatToDoByWhenAndWhereToTheRightPeople) {
  const fs::path out = dir_->path() / "check.out", err = dir_->path() / "check.err";
  const std::string cmd = "python3 " + Quote(std::string(DUBAN_SOURCE_DIR) + "/tests/mailbox_check.py") + " " +
                          Quote((dir_->path() / "data" / "maildir").string()) + " " +
                          Quote((dir_->path() / "notices.json").string()) + " >" + Quote(out.string()) + " 2>" +
                          Quote(err.string());
  const int raw = std::system(cmd.c_str());
  EXPECT_TRUE(WIFEXITED(raw) && WEXITSTATUS(raw) == 0) << Slurp(out) << Slurp(err);
  const std::string report = Slurp(out);
  EXPECT_NE(report.find("mails "), std::string::npos) << report;
  // The mails per role with the digest and as they would be without it
  // ("role R N without-digest M"): the office is no longer buried, the units
  // hear of everything at once as before. Printed for the record.
  std::cout << report.substr(0, report.find("FAIL"));
  auto figures = [&](const std::string& role) -> std::pair<int, int> {
    const std::string key = "role " + role + " ";
    const auto at = report.find(key);
    if (at == std::string::npos) return {-1, -1};
    std::istringstream line(report.substr(at + key.size()));
    int with = -1, without = -1;
    std::string word;
    line >> with >> word >> without;
    return {with, without};
  };
  const auto [staff, staff_before] = figures("office_staff");
  EXPECT_GE(staff_before, 200) << report;
  EXPECT_GT(staff, 0) << report;
  EXPECT_LE(staff, 60) << "office staff still buried:\n" << report;
  const auto [director, director_before] = figures("office_director");
  EXPECT_LT(director, director_before) << report;
  const auto [liaison, liaison_before] = figures("liaison");
  EXPECT_EQ(liaison, liaison_before) << report;
  EXPECT_NE(report.find("digest mails "), std::string::npos) << report;
  EXPECT_EQ(report.find("digest mails 0 "), std::string::npos) << report;
  const json notices = json::parse(Slurp(dir_->path() / "notices.json"));
  std::size_t dead = 0;
  for (const json& n : notices)
    for (const json& d : n.at("deliveries"))
      if (d.at("state") != "delivered") {
        ++dead;
        ADD_FAILURE() << n.at("id") << ": " << d.at("last_error");
        if (dead > 5) return;
      }
}

// Every link in the mails resolves on a real `duban serve --listen` over a
// copy of the replay's database, signed in as the office: the page's shell
// answers, and so does the API read behind it (tests/mailbox_links.py).
TEST_F(ReplayGolden, EveryLinkInTheMailboxOpensItsPage) {
  const fs::path out = dir_->path() / "links.out", err = dir_->path() / "links.err";
  const std::string cmd = "python3 " + Quote(std::string(DUBAN_SOURCE_DIR) + "/tests/mailbox_links.py") + " " +
                          Quote(DUBAN_EXE) + " " + Quote((dir_->path() / "t.db").string()) + " " +
                          Quote((dir_->path() / "data" / "maildir").string()) + " " +
                          Quote(kPublicUrl) + " >" + Quote(out.string()) + " 2>" +
                          Quote(err.string());
  const int raw = std::system(cmd.c_str());
  EXPECT_TRUE(WIFEXITED(raw) && WEXITSTATUS(raw) == 0) << Slurp(out) << Slurp(err);
  const std::string report = Slurp(out);
  std::cout << report;
  // The ledger, the approval queue and each of the 15 units' pages.
  EXPECT_NE(report.find("pages 17"), std::string::npos) << report;
}

}  // namespace
