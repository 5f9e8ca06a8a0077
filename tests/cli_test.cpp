// Black-box tests of the real `duban` binary: the shipped Taishan files,
// exit statuses, JSON, aligned Chinese tables, and bad input changing nothing.
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>

#include "core/text.h"
#include "model/events.h"
#include "support/shell.h"

namespace {

namespace fs = std::filesystem;
using nlohmann::json;

using duban::testing::Quote;
using duban::testing::Ran;
using duban::testing::Slurp;

class Cli : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("duban-cli-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
    db_ = (dir_ / "t.db").string();
    // Only init creates a database; every test starts from one.
    Ran init = Duban({"init"});
    ASSERT_EQ(init.status, 0) << init.err;
  }
  void TearDown() override { fs::remove_all(dir_); }

  // Runs duban with `args` (already split), the database set, and, unless
  // `args` say who acts, as the office (as_; empty: nobody).
  Ran Duban(const std::vector<std::string>& args, bool with_db = true) {
    std::string cmd = Quote(DUBAN_EXE);
    if (with_db) cmd += " --db " + Quote(db_);
    if (with_db && !as_.empty() && std::find(args.begin(), args.end(), "--as") == args.end())
      cmd += " --as " + Quote(as_);
    for (const auto& a : args) cmd += " " + Quote(a);
    cmd += " >" + Quote((dir_ / "out").string()) + " 2>" + Quote((dir_ / "err").string());
    int raw = std::system(cmd.c_str());
    Ran r;
    r.status = WIFEXITED(raw) ? WEXITSTATUS(raw) : -1;
    r.out = Slurp(dir_ / "out");
    r.err = Slurp(dir_ / "err");
    return r;
  }
  json Json(const std::vector<std::string>& args) {
    std::vector<std::string> a{"--format", "json"};
    a.insert(a.end(), args.begin(), args.end());
    Ran r = Duban(a);
    EXPECT_EQ(r.status, 0) << r.err;
    return json::parse(r.out);
  }
  void Replay2021() {
    Ran r = Duban({"replay", std::string(DUBAN_SOURCE_DIR) + "/workflows/taishan-2021/replay-2021.txt"});
    ASSERT_EQ(r.status, 0) << r.err << r.out.substr(r.out.size() > 3000 ? r.out.size() - 3000 : 0);
  }
  void Create() {
    Ran r = Duban({"--as", "office-cao-bin", "--at", "2021-09-28T10:00", "campaign", "create", "--roster",
                   std::string(DUBAN_SOURCE_DIR) + "/workflows/taishan-2021/roster.toml"});
    ASSERT_EQ(r.status, 0) << r.err;
  }
  fs::path dir_;
  std::string db_;
  std::string as_ = "office-cao-bin";
};

TEST_F(Cli, HelpExplainsEveryVerb) {
  Ran top = Duban({"--help"}, false);
  EXPECT_EQ(top.status, 0);
  for (const char* verb : {"init", "campaign", "roster", "status", "fire", "requests", "approve", "reject",
                           "material", "sign", "events", "verify", "replay"}) {
    EXPECT_NE(top.out.find(verb), std::string::npos) << verb;
    Ran r = Duban({verb, "--help"}, false);
    EXPECT_EQ(r.status, 0) << verb << ": " << r.err;
    EXPECT_NE(r.out.find(std::string("Usage: duban ") + verb), std::string::npos) << verb << ": " << r.out;
  }
  Ran create = Duban({"campaign", "create", "--help"}, false);
  EXPECT_NE(create.out.find("--roster"), std::string::npos) << create.out;
}

TEST_F(Cli, BadUsageIsExitStatusTwo) {
  EXPECT_EQ(Duban({"frobnicate"}).status, 2);
  EXPECT_EQ(Duban({"fire"}).status, 2);
  Ran r = Duban({"--at", "yesterday", "status"});
  EXPECT_EQ(r.status, 2);
  EXPECT_NE(r.err.find("--at"), std::string::npos) << r.err;
}

TEST_F(Cli, The2021ReplayEndsWithTheLedger) {
  Replay2021();
  json st = Json({"--at", "2021-12-31T17:00", "status"});
  ASSERT_EQ(st["units"].size(), 15u);
  std::map<std::string, json> by;
  for (const auto& u : st["units"]) by[u["unit"]] = u;
  EXPECT_EQ(by["finance"]["name"], "区财政局");
  EXPECT_EQ(by["finance"]["stage"], "published");
  EXPECT_EQ(by["finance"]["commitment"], "signed");
  EXPECT_EQ(by["agriculture"]["review_rounds"], 2);
  EXPECT_EQ(by["emergency"]["stage"], "collecting");
  EXPECT_EQ(by["emergency"]["due"], "2021-10-20");
  EXPECT_GT(by["emergency"]["days_overdue"].get<int>(), 60);
  EXPECT_EQ(by["housing"]["commitment"], "signed");

  Ran verify = Duban({"verify"});
  EXPECT_EQ(verify.status, 0) << verify.out << verify.err;

  // Every event the replay raised, and every notice queued, is of a listed type.
  for (const auto& e : Json({"events"}))
    EXPECT_TRUE(duban::model::EventTypeFromName(e["type"].get<std::string>())) << e.dump();
  for (const auto& n : Json({"notices", "list"}))
    EXPECT_TRUE(duban::model::EventTypeFromName(n["event"]["type"].get<std::string>())) << n.dump();

  // Events filter by unit and family; the housing correction kept both signatures.
  json ev = Json({"events", "--unit", "housing", "--type", "commitment.*"});
  ASSERT_EQ(ev.size(), 2u);
  EXPECT_EQ(ev[0]["payload"]["stamped"], false);
  EXPECT_EQ(ev[1]["payload"]["supersedes"], 1);
  json explained = Json({"events", "--unit", "statistics", "--type", "material.explained"});
  ASSERT_EQ(explained.size(), 1u);
  // Two rejections: emergency's extension request, then law-enforcement's acceptance.
  json rejected = Json({"events", "--type", "transition.rejected"});
  ASSERT_EQ(rejected.size(), 2u);
  EXPECT_EQ(rejected[0]["unit"], "emergency");
  EXPECT_EQ(rejected[0]["payload"]["kind"], "extension");
  EXPECT_EQ(rejected[1]["unit"], "law-enforcement");

  // The paperwork in the ledger: copies, acknowledgement, a dropped item, the
  // water bureau's new liaison, files kept by content hash.
  EXPECT_EQ(by["womens-federation"]["paper_copies"], 1);
  EXPECT_EQ(by["finance"]["paper_copies"], 2);
  EXPECT_TRUE(by["emergency"]["acknowledged_at"].is_string());
  EXPECT_EQ(by["forestry"]["materials_total"], 5);
  EXPECT_EQ(by["housing"]["commitment_number"], 2);
  json contacts = Json({"contact", "history", "water"});
  ASSERT_EQ(contacts.size(), 1u);
  EXPECT_EQ(contacts[0]["person"], "water-liaison-2");
  json files = Json({"material", "files", "finance"});
  ASSERT_GE(files.size(), 3u);  // two materials and the commitment's scan
  for (const auto& f : files) EXPECT_TRUE(fs::exists(f["stored_at"].get<std::string>())) << f.dump();
}

TEST_F(Cli, TablesStayAlignedWithChineseText) {
  Create();
  Ran r = Duban({"--at", "2021-10-12", "status"});
  ASSERT_EQ(r.status, 0) << r.err;
  std::istringstream lines(r.out);
  std::string line, header;
  std::vector<std::string> rows;
  while (std::getline(lines, line)) {
    if (line.rfind("单位 unit", 0) == 0) header = line;
    else if (!header.empty() && line.find("待部署") != std::string::npos) rows.push_back(line);
  }
  ASSERT_FALSE(header.empty()) << r.out;
  ASSERT_EQ(rows.size(), 15u) << r.out;
  const auto column = duban::DisplayWidth(header.substr(0, header.find("阶段 stage")));
  for (const auto& row : rows)
    EXPECT_EQ(duban::DisplayWidth(row.substr(0, row.find("待部署"))), column) << row;
}

TEST_F(Cli, JsonKeepsChineseAsUtf8) {
  Create();
  Ran r = Duban({"--format", "json", "roster", "--unit", "finance"});
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_NE(r.out.find("区财政局"), std::string::npos);
  EXPECT_EQ(r.out.find("\\u"), std::string::npos);
  json j = json::parse(r.out);
  EXPECT_EQ(j["units"][0]["id"], "finance");
  for (const auto& p : j["people"]) {
    std::string email = p["email"];
    EXPECT_TRUE(email.empty() || email.ends_with("@example.org")) << email;
  }
}

TEST_F(Cli, RefusalsAreExitStatusThreeAndChangeNothing) {
  Create();
  json before = Json({"campaign", "list"});
  Ran r = Duban({"--as", "finance-liaison", "fire", "finance", "kickoff"});
  EXPECT_EQ(r.status, 3);
  EXPECT_NE(r.err.find("'role'"), std::string::npos) << r.err;
  EXPECT_EQ(Json({"campaign", "list"}), before);
}

TEST_F(Cli, ARepeatedCommandIdIsAnsweredNotAppliedTwice) {
  Create();
  std::vector<std::string> fire{"--as", "office-cao-bin", "--command-id", "kickoff-finance-1", "fire", "finance",
                                "kickoff"};
  Ran first = Duban(fire);
  ASSERT_EQ(first.status, 0) << first.err;
  auto events = Json({"campaign", "list"})[0]["events"];
  Ran second = Duban(fire);
  ASSERT_EQ(second.status, 0) << second.err;
  EXPECT_NE(second.out.find("not applied again"), std::string::npos) << second.out;
  EXPECT_EQ(Json({"campaign", "list"})[0]["events"], events);
  // The same id for another command is refused as bad input.
  Ran other = Duban({"--as", "office-cao-bin", "--command-id", "kickoff-finance-1", "fire", "water", "kickoff"});
  EXPECT_EQ(other.status, 2) << other.err;
}

// A comma list is one command per unit, each with the client command id
// suffixed ":UNIT": repeating the list applies nothing again, and the id with
// one unit's suffix is that unit's command.
TEST_F(Cli, ACommaListIsOneCommandPerUnitUnderItsOwnCommandId) {
  Create();
  std::vector<std::string> fire{"--as", "office-cao-bin", "--command-id", "kickoff-2", "fire", "finance,water",
                                "kickoff"};
  Ran first = Duban(fire);
  ASSERT_EQ(first.status, 0) << first.err;
  EXPECT_NE(first.out.find("finance: "), std::string::npos) << first.out;
  EXPECT_NE(first.out.find("water: "), std::string::npos) << first.out;
  auto events = Json({"campaign", "list"})[0]["events"];
  Ran second = Duban(fire);
  ASSERT_EQ(second.status, 0) << second.err;
  EXPECT_EQ(Json({"campaign", "list"})[0]["events"], events);
  Ran water = Duban({"--as", "office-cao-bin", "--command-id", "kickoff-2:water", "fire", "water", "kickoff"});
  ASSERT_EQ(water.status, 0) << water.err;
  EXPECT_NE(water.out.find("not applied again"), std::string::npos) << water.out;
  // 'all' with nothing open for the action names the unit and changes nothing.
  Ran none = Duban({"--as", "office-cao-bin", "material", "accept", "finance", "all"});
  EXPECT_EQ(none.status, 2) << none.err;
  EXPECT_NE(none.err.find("no material of unit 'finance' is open for this"), std::string::npos) << none.err;
  EXPECT_EQ(Json({"campaign", "list"})[0]["events"], events);
}

TEST_F(Cli, ABrokenWorkflowFileNamesFileLineColumnAndWritesNothing) {
  std::string wf = Slurp(std::string(DUBAN_SOURCE_DIR) + "/workflows/annual-cycle.toml");
  const std::string from = "due = \"10月下旬前\"";
  auto at = wf.find(from);
  ASSERT_NE(at, std::string::npos);
  wf.replace(at, from.size(), "due = \"10月下旬後\"");
  const fs::path broken = dir_ / "broken.toml";
  std::ofstream(broken) << wf;
  const auto line = 1 + std::count(wf.begin(), wf.begin() + static_cast<long>(at), '\n');
  Ran r = Duban({"--as", "office-cao-bin", "campaign", "create", "--workflow", broken.string(), "--roster",
                 std::string(DUBAN_SOURCE_DIR) + "/workflows/taishan-2021/roster.toml"});
  EXPECT_EQ(r.status, 2);
  EXPECT_NE(r.err.find(broken.string() + ":" + std::to_string(line) + ":"), std::string::npos) << r.err;
  EXPECT_TRUE(Json({"campaign", "list"}).empty());
}

TEST_F(Cli, ABadScenarioLineStopsTheReplayBeforeAnythingRuns) {
  const fs::path scenario = dir_ / "bad.txt";
  std::ofstream(scenario) << "# two good lines, then a bad time\n"
                          << "2021-09-28T10:00 office-cao-bin campaign create --roster "
                          << DUBAN_SOURCE_DIR << "/workflows/taishan-2021/roster.toml\n"
                          << "2021-10-08T09:00 office-cao-bin fire all kickoff\n"
                          << "2021-10-3x office-cao-bin status\n";
  Ran r = Duban({"replay", scenario.string()});
  EXPECT_EQ(r.status, 2);
  EXPECT_NE(r.err.find(scenario.string() + ":4:1"), std::string::npos) << r.err;
  EXPECT_TRUE(Json({"campaign", "list"}).empty());
}

TEST_F(Cli, EditingTheFilesLaterNeverChangesARunningCampaign) {
  const fs::path roster = dir_ / "roster.toml";
  fs::copy_file(std::string(DUBAN_SOURCE_DIR) + "/workflows/taishan-2021/roster.toml", roster);
  Ran r = Duban({"--as", "office-cao-bin", "--at", "2021-09-28", "campaign", "create", "--roster", roster.string()});
  ASSERT_EQ(r.status, 0) << r.err;
  std::string text = Slurp(roster);
  auto at = text.find("区财政局");
  ASSERT_NE(at, std::string::npos);
  text.replace(at, std::string("区财政局").size(), "区财政局（已改名）");
  std::ofstream(roster, std::ios::trunc) << text;
  json j = Json({"roster", "--unit", "finance"});
  EXPECT_EQ(j["units"][0]["name"], "区财政局");
}

// --- Deadlines on the working-day calendar (issue 3) ---------------------------

TEST_F(Cli, CalendarVerbsMakeTheCalendarCheckable) {
  Ran resolve = Duban({"calendar", "resolve", "10月下旬前", "--year", "2021"});
  ASSERT_EQ(resolve.status, 0) << resolve.err;
  EXPECT_NE(resolve.out.find("2021-10-20"), std::string::npos) << resolve.out;
  json j = Json({"calendar", "resolve", "10月下旬前", "--year", "2021"});
  EXPECT_EQ(j["due"], "2021-10-20");
  EXPECT_EQ(j["working_day"], true);
  // 10月上旬 ends on Sunday 10 October: a due date, not a working day.
  EXPECT_EQ(Json({"calendar", "resolve", "10月上旬", "--year", "2021"})["working_day"], false);

  // Sunday 26 September and Saturday 9 October are worked; 1-7 October are off.
  Ran workdays = Duban({"calendar", "workdays", "2021-09-26", "2021-10-09"});
  ASSERT_EQ(workdays.status, 0) << workdays.err;
  EXPECT_EQ(workdays.out, "7\n");
  Ran add = Duban({"calendar", "add", "2021-09-30", "1"});
  ASSERT_EQ(add.status, 0) << add.err;
  EXPECT_EQ(add.out, "2021-10-08\n");
  Ran back = Duban({"calendar", "add", "2021-10-08", "-1"});
  ASSERT_EQ(back.status, 0) << back.err;
  EXPECT_EQ(back.out, "2021-09-30\n");

  // A year without data falls back to plain weekends, and says so.
  Ran bare = Duban({"calendar", "workdays", "2030-10-01", "2030-10-07"});
  ASSERT_EQ(bare.status, 0) << bare.err;
  EXPECT_EQ(bare.out, "5\n");
  EXPECT_NE(bare.err.find("2030"), std::string::npos) << bare.err;
}

TEST_F(Cli, StatusJsonCarriesWorkdaysLeftLightAndEscalationLevel) {
  Create();
  // Planned, due 10月上旬: the end of Sunday 10 October.
  json early = Json({"--at", "2021-09-29T10:00", "status"});
  ASSERT_EQ(early["units"].size(), 15u);
  for (const auto& u : early["units"]) {
    ASSERT_TRUE(u.contains("workdays_left")) << u.dump();
    ASSERT_TRUE(u.contains("light")) << u.dump();
    ASSERT_TRUE(u.contains("escalation_level")) << u.dump();
    EXPECT_EQ(u["workdays_left"], 4) << u.dump();  // 29, 30 Sep, 8, 9 Oct
    EXPECT_EQ(u["light"], "green");
    EXPECT_EQ(u["escalation_level"], 0);
  }
  json late = Json({"--at", "2021-10-12T10:00", "status", "--unit", "finance"});
  ASSERT_EQ(late["units"].size(), 1u);
  EXPECT_EQ(late["units"][0]["workdays_left"], -2);  // 11, 12 October
  EXPECT_EQ(late["units"][0]["light"], "red");
  EXPECT_EQ(late["units"][0]["escalation_level"], 2);
}

TEST_F(Cli, TheReplayedEmergencyBureauEscalatesOnTheRightDaysOnceEach) {
  Replay2021();
  json ev = Json({"events", "--unit", "emergency", "--type", "escalation.raised"});
  ASSERT_FALSE(ev.empty());
  // Each level's first raising (urging by hand is level 0 and manual).
  std::map<int, std::string> first;
  std::vector<std::string> level3;
  for (const auto& e : ev) {
    const json& p = e["payload"];
    if (p.value("manual", false)) continue;
    const int level = p["level"].get<int>();
    if (!first.count(level)) first[level] = e["at"].get<std::string>();
    if (level == 3) level3.push_back(e["at"].get<std::string>());
    EXPECT_EQ(e["actor"], "system");
  }
  // Level 1 first when kicked_off lapsed on Tuesday 12 October (acknowledged
  // only on the 13th); level 2 on the 2nd working day after collecting's due
  // of Wednesday 20 October; level 3 on the 5th; then every 3 working days.
  EXPECT_EQ(first[1], "2021-10-12T15:59:59Z");
  EXPECT_EQ(first[2], "2021-10-22T01:00:00Z");
  EXPECT_EQ(first[3], "2021-10-27T01:00:00Z");
  ASSERT_GE(level3.size(), 4u);
  EXPECT_EQ(level3[1], "2021-11-01T01:00:00Z");
  EXPECT_EQ(level3[2], "2021-11-04T01:00:00Z");
  EXPECT_EQ(level3[3], "2021-11-09T01:00:00Z");
  json collecting_missed = Json({"events", "--unit", "emergency", "--type", "deadline.missed"});
  ASSERT_EQ(collecting_missed.size(), 2u);  // kicked_off, then collecting
  EXPECT_EQ(collecting_missed[1]["at"], "2021-10-20T15:59:59Z");

  // No event of any unit is raised twice at one instant.
  std::set<std::string> seen;
  for (const auto& e : Json({"events", "--type", "deadline.*"}))
    EXPECT_TRUE(seen.insert(e["unit"].get<std::string>() + " " + e["type"].get<std::string>() + " " +
                            e["at"].get<std::string>() + " " + e["payload"].dump())
                    .second)
        << e.dump();
  for (const auto& e : Json({"events", "--type", "escalation.raised"}))
    EXPECT_TRUE(seen.insert(e["unit"].get<std::string>() + " " + e["at"].get<std::string>() + " " +
                            e["payload"].dump())
                    .second)
        << e.dump();
}

TEST_F(Cli, TickingTwiceAtOneTimeRaisesNothingTheSecondTime) {
  Create();
  json first = Json({"--at", "2021-10-12T10:00", "tick"});
  // Every unit is past the planned stage's due: missed, levels 1 and 2; and,
  // past 08:30, the day's digest (督办日报) of each office reader it concerns.
  std::map<std::string, std::size_t> per_type;
  for (const auto& r : first["raised"]) ++per_type[r["type"].get<std::string>()];
  EXPECT_EQ(per_type["deadline.missed"] + per_type["escalation.raised"], 15u * 3u) << first.dump();
  EXPECT_GE(per_type["digest.assembled"], 1u) << first.dump();
  EXPECT_EQ(first["raised"].size(), 15u * 3u + per_type["digest.assembled"]) << first.dump();
  const auto events = Json({"campaign", "list"})[0]["events"];
  json second = Json({"--at", "2021-10-12T10:00", "tick"});
  EXPECT_TRUE(second["raised"].empty()) << second.dump();
  EXPECT_EQ(Json({"campaign", "list"})[0]["events"], events);
  Ran table = Duban({"--at", "2021-10-12T10:00", "tick"});
  ASSERT_EQ(table.status, 0) << table.err;
  EXPECT_NE(table.out.find("nothing due"), std::string::npos) << table.out;
  EXPECT_EQ(Json({"campaign", "list"})[0]["events"], events);
}

}  // namespace

namespace {

std::size_t FilesIn(const fs::path& dir) {
  std::error_code ec;
  if (!fs::exists(dir, ec)) return 0;
  return static_cast<std::size_t>(std::distance(fs::directory_iterator(dir), fs::directory_iterator()));
}

class CliNotices : public Cli {};

TEST_F(CliNotices, ARestartMidDeliveryLosesNothingAndSendsNothingTwice) {
  Create();
  Ran kickoff = Duban({"--as", "office-cao-bin", "--at", "2021-10-08T09:00", "fire", "all", "kickoff"});
  ASSERT_EQ(kickoff.status, 0) << kickoff.err;
  json queued = Json({"notices", "list"});
  ASSERT_EQ(queued.size(), 15u);  // one per unit: its liaison and coordinator hear of the kickoff
  // A dispatcher killed without warning part-way through its pass...
  const std::string cmd = "timeout -s KILL 0.4 " + Quote(DUBAN_EXE) + " --db " + Quote(db_) +
                          " --at 2021-10-08T10:00 notices dispatch >/dev/null 2>&1";
  (void)std::system(cmd.c_str());
  // ...and started again once its claims ran out (notify.lease_seconds, 5
  // minutes): every notice arrives, exactly once.
  Ran again = Duban({"--at", "2021-10-08T10:05", "notices", "dispatch"});
  ASSERT_EQ(again.status, 0) << again.err;
  const fs::path maildir = fs::path(db_ + ".data") / "maildir";
  EXPECT_EQ(FilesIn(maildir / "new") + FilesIn(maildir / "cur"), 15u);
  json after = Json({"notices", "list"});
  for (const auto& n : after) {
    ASSERT_EQ(n["deliveries"].size(), 1u) << n.dump();
    EXPECT_EQ(n["deliveries"][0]["state"], "delivered") << n.dump();
    EXPECT_EQ(n["recipients"].size(), 2u) << n.dump();
  }
  // The record shows what was sent to whom and when.
  Ran show = Duban({"--format", "json", "notices", "show", after[0]["id"].get<std::string>()});
  ASSERT_EQ(show.status, 0) << show.err;
  json shown = json::parse(show.out);
  ASSERT_FALSE(shown["attempts"].empty());
  EXPECT_EQ(shown["attempts"].back()["outcome"], "delivered");
  // Each delivery is on the tamper-evident chain, once.
  json sent = Json({"events", "--type", "notice.sent"});
  EXPECT_EQ(sent.size(), 15u);
  std::set<std::string> ids;
  for (const auto& e : sent) ids.insert(e["payload"]["notice"].get<std::string>());
  EXPECT_EQ(ids.size(), 15u);
  EXPECT_EQ(Duban({"verify"}).status, 0);
}

TEST_F(CliNotices, QuietHoursHoldNoticesButNotEscalations) {
  Create();
  // Saturday 2 October 2021 is a holiday: the kickoff's notices wait for Friday 8 October.
  Ran kickoff = Duban({"--as", "office-cao-bin", "--at", "2021-10-02T09:00", "fire", "finance", "kickoff"});
  ASSERT_EQ(kickoff.status, 0) << kickoff.err;
  Ran urge = Duban({"--as", "office-cao-bin", "--at", "2021-10-02T09:05", "urge", "finance", "--note", "请尽快签收"});
  ASSERT_EQ(urge.status, 0) << urge.err;
  json pass = Json({"--at", "2021-10-02T10:00", "notices", "dispatch"});
  EXPECT_EQ(pass["delivered"], 1);  // the urge (an escalation) goes at once
  EXPECT_EQ(pass["held"], 1);
  json later = Json({"--at", "2021-10-08T09:30", "notices", "dispatch"});
  EXPECT_EQ(later["delivered"], 1);
}

TEST_F(CliNotices, ServeTicksDeadlinesAndSendsEscalationsUntilStopped) {
  Create();  // 2021: every deadline is long past by now
  Ran serve = Duban({"serve", "--for", "2"});
  ASSERT_EQ(serve.status, 0) << serve.err;
  EXPECT_NE(serve.out.find("escalation.raised"), std::string::npos) << serve.out;
  json ev = Json({"events", "--type", "escalation.raised", "--unit", "finance"});
  EXPECT_FALSE(ev.empty());
  const fs::path maildir = fs::path(db_ + ".data") / "maildir" / "new";
  EXPECT_GT(FilesIn(maildir), 0u);
}

}  // namespace

namespace {

TEST_F(CliNotices, AConfigFileNamesTheDatabaseAndThePlugins) {
  const fs::path config = dir_ / "duban.toml";
  std::ofstream(config) << "data_dir = \"office\"\n"
                        << "database = \"office/taishan.db\"\n"
                        << "plugin_dir = \"" << DUBAN_BINARY_DIR << "/plugins\"\n"
                        << "[notify]\nurgent = [\"escalation.raised\"]\n"
                        << "[plugins.log]\nfile = \"office/notices.jsonl\"\nevents = [\"*\"]\n";
  auto run = [&](std::vector<std::string> args) {
    args.insert(args.begin(), {"--config", config.string()});
    return Duban(args, /*with_db=*/false);
  };
  ASSERT_EQ(run({"init"}).status, 0);
  Ran create = run({"--as", "office-cao-bin", "--at", "2021-09-28", "campaign", "create", "--roster",
                    std::string(DUBAN_SOURCE_DIR) + "/workflows/taishan-2021/roster.toml"});
  ASSERT_EQ(create.status, 0) << create.err;
  EXPECT_TRUE(fs::exists(dir_ / "office" / "taishan.db"));
  ASSERT_EQ(run({"--as", "office-cao-bin", "--at", "2021-10-08T09:00", "fire", "finance", "kickoff"}).status, 0);
  Ran pass = run({"--at", "2021-10-08T10:00", "notices", "dispatch"});
  ASSERT_EQ(pass.status, 0) << pass.err;
  // The log plugin wrote the notice: one JSON line naming the unit.
  std::ifstream log(dir_ / "office" / "notices.jsonl");
  std::string line;
  ASSERT_TRUE(std::getline(log, line));
  EXPECT_EQ(json::parse(line)["event"]["unit"], "finance");
  // A bad setting is named with its key.
  std::ofstream(config, std::ios::app) << "[smtp]\nstarttls = \"sometimes\"\n";
  Ran bad = run({"status"});
  EXPECT_EQ(bad.status, 2);
  EXPECT_NE(bad.err.find("smtp.starttls"), std::string::npos) << bad.err;
}

// --- Who may do and see what (issue 8): the hostile user's tries ------------------

TEST_F(Cli, AUnitSeesNothingOfAnotherUnit) {
  Replay2021();
  Ran events = Duban({"--as", "finance-liaison", "events", "--unit", "water"});
  EXPECT_EQ(events.status, 3) << events.out;
  EXPECT_NE(events.err.find("permission:events"), std::string::npos) << events.err;
  EXPECT_EQ(events.out, "");
  json st = Json({"--as", "finance-liaison", "--at", "2021-12-31T17:00", "status"});
  ASSERT_EQ(st["units"].size(), 1u) << st.dump();
  EXPECT_EQ(st["units"][0]["unit"], "finance");
  Ran table = Duban({"--as", "finance-liaison", "--at", "2021-12-31T17:00", "status"});
  EXPECT_EQ(table.status, 0);
  EXPECT_EQ(table.out.find("water"), std::string::npos) << table.out;
  EXPECT_EQ(Duban({"--as", "finance-liaison", "material", "list", "water"}).status, 3);
  EXPECT_EQ(Duban({"--as", "finance-liaison", "contact", "history", "water"}).status, 3);
  // The roster: the unit's own people, with no one else's phone or e-mail.
  json roster = Json({"--as", "finance-liaison", "roster"});
  ASSERT_EQ(roster["units"].size(), 1u);
  for (const auto& p : roster["people"])
    EXPECT_EQ(p["email"].get<std::string>().empty(), p["id"] != "finance-liaison") << p.dump();
}

TEST_F(Cli, AUnitCannotTakeOverTheDirectorsNotices) {
  Create();
  Ran r = Duban({"--as", "finance-liaison", "--at", "2021-10-09T10:00", "contact", "set", "finance", "liaison",
                 "--person", "office-director-sun-yecun", "--email", "evil@example.net"});
  EXPECT_EQ(r.status, 3) << r.out;
  EXPECT_NE(r.err.find("contact_takeover"), std::string::npos) << r.err;
  json roster = Json({"roster"});
  for (const auto& p : roster["people"]) {
    if (p["id"] == "office-director-sun-yecun") {
      EXPECT_EQ(p["email"], "office-director-sun-yecun@example.org");
    }
  }
  EXPECT_TRUE(Json({"contact", "history"}).empty());
}

TEST_F(Cli, OfficeCommandsNeedTheOfficeAndSayWhoDidThem) {
  Create();
  const std::string calendars = std::string(DUBAN_SOURCE_DIR) + "/workflows/calendars";
  Ran nobody = Duban({"--as", "nobody", "calendar", "load", calendars});
  EXPECT_EQ(nobody.status, 3);
  EXPECT_NE(nobody.err.find("'actor'"), std::string::npos) << nobody.err;
  EXPECT_EQ(Duban({"--as", "finance-liaison", "calendar", "load", calendars}).status, 3);
  EXPECT_EQ(Duban({"--as", "system", "tick"}).status, 3);
  EXPECT_EQ(Duban({"--as", "finance-liaison", "--at", "2021-10-12T10:00", "tick"}).status, 3);
  EXPECT_EQ(Duban({"--as", "finance-liaison", "notices", "retry", "taishan-2021/1"}).status, 3);
  as_.clear();  // nobody at all
  for (const std::vector<std::string>& args :
       std::vector<std::vector<std::string>>{{"calendar", "load", calendars}, {"tick"}, {"status"}, {"events"},
                                             {"roster"}, {"requests"}, {"notices", "list"}, {"contact", "history"},
                                             {"material", "list"}, {"campaign", "list"}}) {
    Ran r = Duban(args);
    EXPECT_EQ(r.status, 3) << args[0] << ": " << r.err;
    EXPECT_NE(r.err.find("who is acting"), std::string::npos) << r.err;
  }
  as_ = "office-cao-bin";
  EXPECT_EQ(Duban({"calendar", "load", calendars}).status, 0);
  Ran tick = Duban({"--at", "2021-10-12T10:00", "tick"});
  ASSERT_EQ(tick.status, 0) << tick.err;
  json raised = Json({"events", "--type", "deadline.*"});
  ASSERT_FALSE(raised.empty());
  for (const auto& e : raised) EXPECT_EQ(e["actor"], "office-cao-bin");
}

}  // namespace
