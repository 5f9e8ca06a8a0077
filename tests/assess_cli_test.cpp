// Black-box tests of the assessment verbs of the real `duban` binary, on the
// 2021 replay: the ranking circulated with every unit, the deductions and the
// events behind them, the unit's own notice, frozen scores, a unit seeing
// only its own parts, a bad CSV changing nothing, and `assess verify`
// agreeing with the log until the log is tampered with.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>

#include "support/shell.h"
#include "support/temp_dir.h"

namespace {

namespace fs = std::filesystem;
using nlohmann::json;
using ::testing::HasSubstr;

using duban::testing::Quote;
using duban::testing::Ran;
using duban::testing::Slurp;

Ran Shell(const std::string& cmd, const fs::path& dir) {
  const int raw = std::system((cmd + " >" + Quote((dir / "out").string()) + " 2>" + Quote((dir / "err").string())).c_str());
  return {WIFEXITED(raw) ? WEXITSTATUS(raw) : -1, Slurp(dir / "out"), Slurp(dir / "err")};
}

// The text/plain part of a notice e-mail, decoded from base64.
std::string PlainText(const std::string& mail) {
  const auto part = mail.find("Content-Type: text/plain");
  if (part == std::string::npos) return "";
  const auto start = mail.find("\r\n\r\n", part) != std::string::npos ? mail.find("\r\n\r\n", part) : mail.find("\n\n", part);
  const auto end = mail.find("--=_", start);
  static const std::string kAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  unsigned buffer = 0;
  int bits = 0;
  for (std::size_t i = start; i < end && i < mail.size(); ++i) {
    const auto v = kAlphabet.find(mail[i]);
    if (v == std::string::npos) continue;
    buffer = (buffer << 6) | static_cast<unsigned>(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out += static_cast<char>((buffer >> bits) & 0xFF);
    }
  }
  return out;
}

class AssessCli : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    suite_ = new duban::testing::TempDir("assess-cli");
    const fs::path db = suite_->path() / "t.db";
    Ran init = Shell(Quote(DUBAN_EXE) + " --db " + Quote(db.string()) + " init", suite_->path());
    ASSERT_EQ(init.status, 0) << init.err;
    Ran replay = Shell(Quote(DUBAN_EXE) + " --db " + Quote(db.string()) + " replay " +
                         Quote(std::string(DUBAN_SOURCE_DIR) + "/workflows/taishan-2021/replay-2021.txt"),
                     suite_->path());
    ASSERT_EQ(replay.status, 0) << replay.err;
    replayed_ = true;
  }
  static void TearDownTestSuite() { delete suite_; }

  void SetUp() override {
    ASSERT_TRUE(replayed_) << "the replay failed";
    // (Fresh() calls this again before each part.)
    // Each test works on its own copy of the replayed database.
    for (const char* suffix : {"", "-wal", "-shm"}) {
      const fs::path from = suite_->path() / (std::string("t.db") + suffix);
      if (fs::exists(from)) fs::copy_file(from, dir_.path() / (std::string("t.db") + suffix));
    }
  }

  Ran Duban(const std::string& as, const std::vector<std::string>& args, const std::string& at = "2021-12-31T17:30") {
    std::string cmd = Quote(DUBAN_EXE) + " --db " + Quote((dir_.path() / "t.db").string()) + " --as " + Quote(as) +
                      " --at " + at;
    for (const auto& a : args) cmd += " " + Quote(a);
    return Shell(cmd, dir_.path());
  }
  json Json(const std::string& as, std::vector<std::string> args) {
    args.insert(args.begin(), {"--format", "json"});
    Ran r = Duban(as, args);
    EXPECT_EQ(r.status, 0) << r.err;
    return json::parse(r.out, nullptr, false);
  }
  std::size_t EventCount() { return Json("office-cao-bin", {"events"}).size(); }

  // Fresh copy of the replayed database for the next part.
  void Fresh() {
    for (const auto& entry : fs::directory_iterator(dir_.path())) fs::remove_all(entry.path());
    SetUp();
  }

  // The parts of the one test below, each on a fresh copy of the database.
  void TheReplayEndsWithEveryUnitRankedAndTheCorrectionPublished();
  void AssessVerifyAgreesWithTheLogAndSeesATamperedScore();
  void PublishedScoresAreFrozenUnlessCorrectedWithAReason();
  void AUnitSeesItsOwnScoreAndTheCirculatedRanking();
  void ABadPriorCsvNamesFileLineAndColumnAndChangesNothing();
  void EachUnitHearsItsOwnScoreAndDeductions();
  void TheOnSiteVerificationCostsForestryItsFindingsAndItsLateFixUp();
  void NextYearCarriesTheRosterContactsAndPublishedScores();

  static duban::testing::TempDir* suite_;
  static bool replayed_;
  duban::testing::TempDir dir_{"assess-cli-test"};
};
duban::testing::TempDir* AssessCli::suite_ = nullptr;
bool AssessCli::replayed_ = false;

void AssessCli::TheReplayEndsWithEveryUnitRankedAndTheCorrectionPublished() {
  const json show = Json("office-cao-bin", {"assess", "show"});
  EXPECT_EQ(show["revision"], 2);
  EXPECT_EQ(show["published"], 2);
  const json& ranking = show["ranking"];
  ASSERT_EQ(ranking.size(), 15u);
  EXPECT_EQ(ranking[0]["unit"], "ecology-environment");
  EXPECT_EQ(ranking[0]["total"], 98);
  // The emergency bureau never submitted: 0 of 50 %, last.
  EXPECT_EQ(ranking[14]["unit"], "emergency");
  EXPECT_EQ(ranking[14]["submission"], 0);
  EXPECT_EQ(ranking[14]["total"], 29.6);
  // The women's federation: late by 3 working days and one paper copy short; its evaluation corrected.
  for (const auto& row : show["rows"]) {
    if (row["unit"] != "womens-federation") continue;
    EXPECT_EQ(row["scored"]["submission"], 80);
    EXPECT_EQ(row["scored"]["evaluation"], 82);
    EXPECT_EQ(row["scored"]["total"], 80.4);
    EXPECT_EQ(row["scored"]["correction"], "妇联办公室工作评价更正");
    ASSERT_EQ(row["scored"]["deductions"].size(), 2u);
    EXPECT_EQ(row["scored"]["deductions"][0]["item"], "late");
    EXPECT_EQ(row["scored"]["deductions"][0]["points"], 15);
    // The deduction names its events: the missed deadline and the late submission.
    const json events = Json("office-cao-bin", {"events", "--unit", "womens-federation"});
    std::set<std::string> types;
    for (const auto& seq : row["scored"]["deductions"][0]["events"])
      for (const auto& e : events)
        if (e["seq"] == seq) types.insert(e["type"].get<std::string>() + ":" + e["payload"].value("trigger", ""));
    EXPECT_THAT(types, ::testing::UnorderedElementsAre("deadline.missed:", "transition.applied:submit"));
  }
  // Both revisions are kept in the log.
  const json published = Json("office-cao-bin", {"events", "--type", "assessment.published"});
  ASSERT_EQ(published.size(), 2u);
  EXPECT_EQ(published[1]["payload"]["supersedes"], 1);
  EXPECT_EQ(published[0]["payload"]["ranking"][13]["total"], 79.6);
}

void AssessCli::AssessVerifyAgreesWithTheLogAndSeesATamperedScore() {
  Ran ok = Duban("office-cao-bin", {"assess", "verify"});
  EXPECT_EQ(ok.status, 0) << ok.err;
  EXPECT_THAT(ok.out, HasSubstr("no difference"));
  // Someone edits a recorded score behind the engine's back.
  const std::string sql =
      "import sqlite3,sys; c=sqlite3.connect(sys.argv[1]); c.execute('DROP TRIGGER events_append_only_update'); "
      "c.execute(\"UPDATE events SET payload=json_set(payload,'$.total',99) WHERE type='assessment.scored' AND "
      "unit_id='water'\"); c.commit()";
  Ran edit = Shell("/usr/bin/python3 -c " + Quote(sql) + " " + Quote((dir_.path() / "t.db").string()), dir_.path());
  ASSERT_EQ(edit.status, 0) << edit.err;
  Ran bad = Duban("office-cao-bin", {"assess", "verify"});
  EXPECT_EQ(bad.status, 1);
  EXPECT_THAT(bad.out, HasSubstr("DIFFERS"));
  EXPECT_THAT(bad.out, HasSubstr("water"));
  EXPECT_THAT(bad.out, HasSubstr("95.85"));
  const json j = json::parse(Duban("office-cao-bin", {"--format", "json", "assess", "verify"}).out);
  EXPECT_FALSE(j["ok"]);
  EXPECT_EQ(j["differences"][0]["unit"], "water");
  EXPECT_EQ(j["differences"][0]["what"], "total");
}

void AssessCli::PublishedScoresAreFrozenUnlessCorrectedWithAReason() {
  const std::size_t before = EventCount();
  Ran evaluate = Duban("office-cao-bin", {"assess", "evaluate", "finance", "--score", "99", "--comment", "改分"});
  EXPECT_EQ(evaluate.status, 3);
  EXPECT_THAT(evaluate.err, HasSubstr("assessment_frozen"));
  Ran score = Duban("office-cao-bin", {"assess", "score"});
  EXPECT_EQ(score.status, 3);
  EXPECT_THAT(score.err, HasSubstr("assessment_frozen"));
  // Nothing new to submit: the latest revision is the published one.
  Ran submit = Duban("office-director-sun-yecun", {"assess", "submit"});
  EXPECT_EQ(submit.status, 3);
  EXPECT_THAT(submit.err, HasSubstr("assessment_not_scored"));
  EXPECT_EQ(EventCount(), before);
  // A correction with its reason is recorded.
  Ran fix = Duban("office-cao-bin", {"assess", "evaluate", "finance", "--score", "96", "--comment", "复核",
                                     "--correction", "复核后更正"});
  EXPECT_EQ(fix.status, 0) << fix.err;
  // Sending it for approval before it is scored again is refused: the revision is stale.
  Ran stale = Duban("office-director-sun-yecun", {"assess", "submit"});
  EXPECT_EQ(stale.status, 3);
  EXPECT_THAT(stale.err, HasSubstr("assessment_not_scored"));
}

void AssessCli::AUnitSeesItsOwnScoreAndTheCirculatedRanking() {
  const json show = Json("finance-liaison", {"assess", "show"});
  ASSERT_EQ(show["rows"].size(), 1u);
  EXPECT_EQ(show["rows"][0]["unit"], "finance");
  EXPECT_EQ(show["ranking"].size(), 15u);
  Ran other = Duban("finance-liaison", {"assess", "show", "--unit", "water"});
  EXPECT_EQ(other.status, 3);
  EXPECT_THAT(other.err, HasSubstr("permission:assess_show"));
  Ran verify = Duban("finance-liaison", {"assess", "verify"});
  EXPECT_EQ(verify.status, 3);
}

void AssessCli::ABadPriorCsvNamesFileLineAndColumnAndChangesNothing() {
  const std::size_t before = EventCount();
  const fs::path csv = dir_.path() / "prior.csv";
  std::ofstream(csv) << "unit,name,score\nfinance,区财政局,95\nwater,区水利局,101\n";
  Ran r = Duban("office-cao-bin", {"assess", "import-prior", csv.string(), "--correction", "重新导入"});
  EXPECT_EQ(r.status, 2);
  EXPECT_THAT(r.err, HasSubstr(csv.string() + ":3:12"));
  EXPECT_THAT(r.err, HasSubstr("0 to 100"));
  std::ofstream(csv, std::ios::trunc) << "unit,score\nfinance,95\nfinance,96\n";
  r = Duban("office-cao-bin", {"assess", "import-prior", csv.string(), "--correction", "重新导入"});
  EXPECT_EQ(r.status, 2);
  EXPECT_THAT(r.err, HasSubstr(csv.string() + ":3:1"));
  EXPECT_THAT(r.err, HasSubstr("listed twice"));
  EXPECT_EQ(EventCount(), before);
}

void AssessCli::EachUnitHearsItsOwnScoreAndDeductions() {
  // The replay's mail folder: one e-mail per notice.
  const fs::path maildir = suite_->path() / "t.db.data" / "maildir" / "new";
  ASSERT_TRUE(fs::is_directory(maildir));
  int scored = 0;
  std::string womens;
  for (const auto& f : fs::directory_iterator(maildir)) {
    const std::string mail = Slurp(f.path());
    if (mail.find("X-Duban-Event: assessment.scored") == std::string::npos) continue;
    ++scored;
    const std::string text = PlainText(mail);
    if (text.find("区妇联在") != std::string::npos && text.find("第1版") != std::string::npos) womens = text;
  }
  EXPECT_EQ(scored, 30);  // 15 units, two revisions
  EXPECT_THAT(womens, HasSubstr("总分：79.6分"));
  EXPECT_THAT(womens, HasSubstr("首次报送逾期3个工作日"));
  EXPECT_THAT(womens, HasSubstr("纸质材料应报送2份，收到1份：扣5分"));
}

void AssessCli::TheOnSiteVerificationCostsForestryItsFindingsAndItsLateFixUp() {
  const json events = Json("office-cao-bin", {"events", "--unit", "forestry"});
  std::int64_t recorded = 0, fixed = 0;
  bool escalated = false;
  for (const auto& e : events) {
    if (e["type"] == "inspection.recorded") recorded = e["seq"];
    if (e["type"] == "transition.applied" && e["payload"]["trigger"] == "fix") fixed = e["seq"];
    // The fix-up's own due (26 November) escalated on the unit's ladder.
    if (e["type"] == "escalation.raised" && e["payload"].value("stage", "") == "fixing") escalated = true;
  }
  ASSERT_NE(recorded, 0);
  ASSERT_NE(fixed, 0);
  EXPECT_TRUE(escalated);
  const json show = Json("office-cao-bin", {"assess", "show", "--unit", "forestry"});
  ASSERT_EQ(show["rows"].size(), 1u);
  const json& deductions = show["rows"][0]["scored"]["deductions"];
  std::map<std::string, json> by_item;
  for (const auto& d : deductions) by_item[d["item"]] = d;
  ASSERT_TRUE(by_item.count("finding")) << deductions.dump();
  EXPECT_EQ(by_item["finding"]["points"], 10);  // two findings
  EXPECT_EQ(by_item["finding"]["events"], json::array({recorded}));
  ASSERT_TRUE(by_item.count("fixup_late")) << deductions.dump();
  EXPECT_EQ(by_item["fixup_late"]["events"], json::array({recorded, fixed}));
  // Ecology-environment was visited and nothing was found.
  const json eco = Json("office-cao-bin", {"assess", "show", "--unit", "ecology-environment"});
  for (const auto& d : eco["rows"][0]["scored"]["deductions"]) EXPECT_NE(d["item"], "finding");
  // Recording again, or for a unit never announced, is refused and changes nothing.
  const std::size_t before = EventCount();
  Ran again = Duban("office-cao-bin", {"inspect", "record", "forestry"});
  EXPECT_EQ(again.status, 3);
  EXPECT_THAT(again.err, HasSubstr("inspection_not_announced"));
  Ran unit = Duban("finance-liaison", {"inspect", "announce", "--on", "2022-01-05", "--units", "finance"});
  EXPECT_EQ(unit.status, 3);
  EXPECT_THAT(unit.err, HasSubstr("permission:inspect_announce"));
  Ran no_due = Duban("office-cao-bin", {"inspect", "record", "water", "--finding", "x"});
  EXPECT_EQ(no_due.status, 2);
  EXPECT_THAT(no_due.err, HasSubstr("--fixup-due"));
  EXPECT_EQ(EventCount(), before);
}

void AssessCli::NextYearCarriesTheRosterContactsAndPublishedScores() {
  const std::string at = "2022-09-30T10:00";
  Ran missing = Duban("office-cao-bin", {"campaign", "create", "--from", "taishan-2020"}, at);
  EXPECT_EQ(missing.status, 2) << missing.err;
  Ran made = Duban("office-cao-bin", {"--format", "json", "campaign", "create", "--from", "taishan-2021"}, at);
  ASSERT_EQ(made.status, 0) << made.err;
  const json j = json::parse(made.out);
  EXPECT_EQ(j["id"], "taishan-2022");
  EXPECT_EQ(j["year"], 2022);
  EXPECT_THAT(j["name"].get<std::string>(), HasSubstr("2022年"));
  EXPECT_EQ(j["from"]["campaign"], "taishan-2021");
  EXPECT_EQ(j["from"]["workflow_revised"], false);
  EXPECT_EQ(j["from"]["prior_scores"], 15);
  EXPECT_GE(j["from"]["contacts"].get<int>(), 1);
  // The same pinned definitions: the plan stays in force until revised.
  const json campaigns = Json("office-cao-bin", {"campaign", "list"});
  ASSERT_EQ(campaigns.size(), 2u);
  // Last year's published totals are this year's prior part, unit by unit.
  const json last = Json("office-cao-bin", {"--campaign", "taishan-2021", "assess", "show"});
  const json next = Json("office-cao-bin", {"--campaign", "taishan-2022", "assess", "show"});
  std::map<std::string, json> total;
  for (const auto& r : last["ranking"]) total[r["unit"]] = r["total"];
  ASSERT_EQ(next["rows"].size(), 15u);
  for (const auto& row : next["rows"]) EXPECT_EQ(row["prior"]["score"], total[row["unit"]]) << row.dump();
  // The contacts reported during 2021 hold in 2022: the new holders are on the roster.
  const json contacts = Json("office-cao-bin", {"--campaign", "taishan-2021", "events", "--type", "contact.changed"});
  ASSERT_FALSE(contacts.empty());
  const std::string unit = contacts.back()["unit"], person = contacts.back()["payload"]["person"];
  const json roster = Json("office-cao-bin", {"--campaign", "taishan-2022", "roster", "--unit", unit});
  bool found = false;
  for (const auto& p : roster["people"]) found = found || p["id"] == person;
  EXPECT_TRUE(found) << person << " is not on the 2022 roster of " << unit;
  // Made once: again is refused.
  Ran again = Duban("office-cao-bin", {"campaign", "create", "--from", "taishan-2021"}, at);
  EXPECT_EQ(again.status, 2);
  EXPECT_THAT(again.err, HasSubstr("already exists"));
}

// One test, so that ctest (one process per test) replays the year once.
TEST_F(AssessCli, TheAssessmentVerbsOnThe2021Replay) {
  {
    SCOPED_TRACE("TheReplayEndsWithEveryUnitRankedAndTheCorrectionPublished");
    Fresh();
    TheReplayEndsWithEveryUnitRankedAndTheCorrectionPublished();
  }
  {
    SCOPED_TRACE("AssessVerifyAgreesWithTheLogAndSeesATamperedScore");
    Fresh();
    AssessVerifyAgreesWithTheLogAndSeesATamperedScore();
  }
  {
    SCOPED_TRACE("PublishedScoresAreFrozenUnlessCorrectedWithAReason");
    Fresh();
    PublishedScoresAreFrozenUnlessCorrectedWithAReason();
  }
  {
    SCOPED_TRACE("AUnitSeesItsOwnScoreAndTheCirculatedRanking");
    Fresh();
    AUnitSeesItsOwnScoreAndTheCirculatedRanking();
  }
  {
    SCOPED_TRACE("ABadPriorCsvNamesFileLineAndColumnAndChangesNothing");
    Fresh();
    ABadPriorCsvNamesFileLineAndColumnAndChangesNothing();
  }
  {
    SCOPED_TRACE("EachUnitHearsItsOwnScoreAndDeductions");
    Fresh();
    EachUnitHearsItsOwnScoreAndDeductions();
  }
  {
    SCOPED_TRACE("TheOnSiteVerificationCostsForestryItsFindingsAndItsLateFixUp");
    Fresh();
    TheOnSiteVerificationCostsForestryItsFindingsAndItsLateFixUp();
  }
  {
    SCOPED_TRACE("NextYearCarriesTheRosterContactsAndPublishedScores");
    Fresh();
    NextYearCarriesTheRosterContactsAndPublishedScores();
  }
}

}  // namespace
