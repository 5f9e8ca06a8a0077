// Real concurrent writers: several duban PROCESSES against one database file,
// started together behind a gate so that they truly race.
#include <gtest/gtest.h>

#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "app/app.h"
#include "store/store.h"

namespace duban {
namespace {

namespace fs = std::filesystem;

const fs::path kSource = DUBAN_SOURCE_DIR;
const char* const kExe = DUBAN_EXE;
const char* const kCampaign = "taishan-2021";

std::string ReadFile(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// One duban process: its pid, and where its stdout and stderr went.
struct Proc {
  pid_t pid = -1;
  fs::path log;
  std::vector<std::string> args;
};

class ConcurrencyTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    dir_ = fs::temp_directory_path() /
           ("duban-concurrency-" + std::to_string(::getpid()) + "-" + std::string(info->name()));
    fs::remove_all(dir_);
    fs::create_directories(dir_);
    db_ = dir_ / "duban.db";
    ASSERT_EQ(Run({"init"}), 0);
    ASSERT_EQ(Run({"--as", "office-cao-bin", "--at", "2021-09-28", "campaign", "create", "--roster",
                   (kSource / "workflows" / "taishan-2021" / "roster.toml").string()}),
              0);
  }
  void TearDown() override {
    std::error_code ec;
    if (!HasFailure()) fs::remove_all(dir_, ec);
    else std::cerr << "kept " << dir_ << " for inspection\n";
  }

  // Forks a duban process with `args` after "--db DB". With a gate, the child
  // blocks before exec until the gate's write end is closed by everyone.
  Proc Start(const std::vector<std::string>& args, const int* gate = nullptr) {
    Proc p;
    p.args = {kExe, "--db", db_.string()};
    p.args.insert(p.args.end(), args.begin(), args.end());
    p.log = dir_ / ("proc-" + std::to_string(count_++) + ".log");
    std::vector<char*> argv;
    for (auto& a : p.args) argv.push_back(a.data());
    argv.push_back(nullptr);
    const int log = ::open(p.log.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    EXPECT_GE(log, 0) << p.log;
    p.pid = ::fork();
    if (p.pid == 0) {
      // The child: only async-signal-safe calls until exec.
      ::dup2(log, STDOUT_FILENO);
      ::dup2(log, STDERR_FILENO);
      if (gate != nullptr) {
        ::close(gate[1]);
        char c;
        while (::read(gate[0], &c, 1) < 0 && errno == EINTR) {
        }
        ::close(gate[0]);
      }
      ::execv(kExe, argv.data());
      ::_exit(127);
    }
    EXPECT_GT(p.pid, 0) << "fork failed";
    ::close(log);
    return p;
  }

  // The exit status, or 128 + the signal that killed it.
  static int Wait(const Proc& p) {
    int status = 0;
    pid_t r;
    while ((r = ::waitpid(p.pid, &status, 0)) < 0 && errno == EINTR) {
    }
    if (r != p.pid) return -1;
    if (WIFEXITED(status)) return WEXITSTATUS(status);
    if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
    return -1;
  }

  int Run(const std::vector<std::string>& args) {
    Proc p = Start(args);
    const int rc = Wait(p);
    EXPECT_TRUE(rc == 0 || rc == 2 || rc == 3) << Describe(p, rc);
    return rc;
  }

  static std::string Describe(const Proc& p, int rc) {
    std::string cmd;
    for (const auto& a : p.args) cmd += a + " ";
    return cmd + "→ exit " + std::to_string(rc) + "\n" + ReadFile(p.log);
  }

  // Starts every command at once: all are forked and blocked on one pipe,
  // then the pipe is closed and they exec together. Returns the exit codes.
  std::vector<int> Race(const std::vector<std::vector<std::string>>& commands, std::vector<Proc>* procs_out) {
    int gate[2];
    EXPECT_EQ(::pipe2(gate, O_CLOEXEC), 0);
    std::vector<Proc> procs;
    for (const auto& c : commands) procs.push_back(Start(c, gate));
    ::close(gate[0]);
    ::close(gate[1]);  // the starting gun
    std::vector<int> codes;
    for (const auto& p : procs) codes.push_back(Wait(p));
    if (procs_out != nullptr) *procs_out = std::move(procs);
    return codes;
  }

  std::unique_ptr<store::Store> Open() {
    auto s = store::OpenStore(db_.string());
    EXPECT_TRUE(s.ok()) << (s.ok() ? "" : s.status().str());
    return s.ok() ? std::move(*s) : nullptr;
  }

  std::vector<model::StoredEvent> Events(store::Store& s) {
    store::EventFilter f;
    f.campaign = kCampaign;
    auto events = s.ListEvents(f);
    EXPECT_TRUE(events.ok());
    return events.ok() ? *events : std::vector<model::StoredEvent>{};
  }

  // How many times `trigger` was applied to each unit.
  std::map<std::string, int> Applied(store::Store& s, const std::string& trigger) {
    std::map<std::string, int> n;
    for (const auto& e : Events(s))
      if (std::string(model::EventTypeName(e.event.type)) == "transition.applied" && e.event.payload.value("trigger", "") == trigger)
        ++n[e.event.unit];
    return n;
  }

  // The chain is whole: seqs 1..head without a gap, the verifier agrees, and
  // so does `duban verify`.
  void ExpectChainWhole() {
    auto s = Open();
    ASSERT_NE(s, nullptr);
    auto events = Events(*s);
    for (std::size_t i = 0; i < events.size(); ++i)
      ASSERT_EQ(events[i].seq, static_cast<std::int64_t>(i + 1)) << "seqs are not contiguous";
    auto c = s->GetCampaign(kCampaign);
    ASSERT_TRUE(c.ok() && c->has_value());
    EXPECT_EQ((*c)->head_seq, static_cast<std::int64_t>(events.size()));
    auto report = s->Verify(kCampaign);
    ASSERT_TRUE(report.ok());
    EXPECT_TRUE(report->ok) << report->problem;
    EXPECT_EQ(Run({"--as", "office-cao-bin", "verify"}), 0);
  }

  std::vector<std::string> Units() {
    auto s = Open();
    app::App app(*s);
    auto ctx = app.Load(kCampaign);
    EXPECT_TRUE(ctx.ok());
    std::vector<std::string> units;
    if (ctx.ok())
      for (const auto& u : ctx->roster->units) units.push_back(u.id);
    return units;
  }

  // The roster person who is `role` of `unit`.
  std::string Holder(const std::string& role, const std::string& unit) {
    auto s = Open();
    app::App app(*s);
    auto ctx = app.Load(kCampaign);
    EXPECT_TRUE(ctx.ok());
    if (!ctx.ok()) return "";
    for (const auto& p : ctx->roster->people)
      for (const auto& a : p.roles)
        if (a.role == role && a.unit == unit) return p.id;
    ADD_FAILURE() << "no " << role << " of " << unit;
    return "";
  }

  fs::path dir_;
  fs::path db_;
  int count_ = 0;
};

constexpr int kRacers = 4;

TEST_F(ConcurrencyTest, SameTransitionAtOneUnitHasExactlyOneWinner) {
  ASSERT_EQ(Run({"--as", "office-cao-bin", "--at", "2021-10-08T09:00", "fire", "all", "kickoff"}), 0);
  // Several rounds, each a fresh race at another unit.
  for (const std::string unit : {"finance", "water", "statistics"}) {
    SCOPED_TRACE(unit);
    const std::string liaison = Holder("liaison", unit);
    std::vector<std::vector<std::string>> commands(
        kRacers, {"--as", liaison, "--at", "2021-10-09T10:00", "fire", unit, "acknowledge"});
    std::vector<Proc> procs;
    const auto codes = Race(commands, &procs);
    int winners = 0, refused = 0;
    std::string all;
    for (std::size_t i = 0; i < codes.size(); ++i) {
      all += Describe(procs[i], codes[i]);
      if (codes[i] == 0) ++winners;
      if (codes[i] == 3) {
        ++refused;
        EXPECT_NE(ReadFile(procs[i].log).find("'stage'"), std::string::npos) << Describe(procs[i], codes[i]);
      }
    }
    EXPECT_EQ(winners, 1) << all;
    EXPECT_EQ(refused, kRacers - 1) << all;

    auto s = Open();
    ASSERT_NE(s, nullptr);
    EXPECT_EQ(Applied(*s, "acknowledge")[unit], 1);
    auto inst = s->GetInstance(kCampaign, unit);
    ASSERT_TRUE(inst.ok() && inst->has_value());
    EXPECT_EQ((*inst)->version, 3);  // created, kicked off, acknowledged: nothing more
    ExpectChainWhole();
  }
}

TEST_F(ConcurrencyTest, WritersAtDifferentUnitsAllSucceed) {
  ASSERT_EQ(Run({"--as", "office-cao-bin", "--at", "2021-10-08T09:00", "fire", "all", "kickoff"}), 0);
  const auto units = Units();
  ASSERT_EQ(units.size(), 15u);
  std::vector<std::vector<std::string>> commands;
  for (const auto& unit : units)
    commands.push_back({"--as", Holder("liaison", unit), "--at", "2021-10-09T10:00", "fire", unit, "acknowledge"});
  std::vector<Proc> procs;
  const auto codes = Race(commands, &procs);
  for (std::size_t i = 0; i < codes.size(); ++i) EXPECT_EQ(codes[i], 0) << Describe(procs[i], codes[i]);

  auto s = Open();
  ASSERT_NE(s, nullptr);
  const auto applied = Applied(*s, "acknowledge");
  EXPECT_EQ(applied.size(), units.size());
  for (const auto& unit : units) EXPECT_EQ(applied.count(unit) ? applied.at(unit) : 0, 1) << unit;
  EXPECT_EQ(Events(*s).size(), 1u + 2u * units.size());  // created, kickoffs, acknowledgements
  ExpectChainWhole();
}

TEST_F(ConcurrencyTest, TwoOfficesKickOffEverythingAtOnce) {
  // Two office staff run `fire all kickoff` at the same moment: every unit is
  // kicked off exactly once, whoever got there first.
  std::vector<Proc> procs;
  const auto codes =
      Race({{"--as", "office-cao-bin", "--at", "2021-10-08T09:00", "fire", "all", "kickoff"},
            {"--as", "office-guo-yushuang", "--at", "2021-10-08T09:00", "fire", "all", "kickoff"}},
           &procs);
  for (std::size_t i = 0; i < codes.size(); ++i)
    EXPECT_TRUE(codes[i] == 0 || codes[i] == 3) << Describe(procs[i], codes[i]);
  auto s = Open();
  ASSERT_NE(s, nullptr);
  const auto applied = Applied(*s, "kickoff");
  const auto units = Units();
  EXPECT_EQ(applied.size(), units.size());
  for (const auto& unit : units) EXPECT_EQ(applied.count(unit) ? applied.at(unit) : 0, 1) << unit;
  // Every refusal the two printed is a unit the other had kicked off.
  std::size_t refusals = 0;
  for (const auto& p : procs) {
    const std::string log = ReadFile(p.log);
    for (std::size_t at = log.find("'stage'"); at != std::string::npos; at = log.find("'stage'", at + 1))
      ++refusals;
  }
  EXPECT_EQ(refusals, units.size()) << Describe(procs[0], codes[0]) << Describe(procs[1], codes[1]);
  ExpectChainWhole();
}

TEST_F(ConcurrencyTest, RepeatedCommandIdFromRacingRetriesIsAppliedOnce) {
  // A client that times out and retries with the same command id while the
  // first attempt is still running: one application, every answer the same.
  ASSERT_EQ(Run({"--as", "office-cao-bin", "--at", "2021-10-08T09:00", "fire", "all", "kickoff"}), 0);
  std::vector<std::vector<std::string>> commands(
      kRacers, {"--as", "finance-liaison", "--at", "2021-10-09T10:00", "--command-id", "ack-finance-1", "--format",
                "json", "fire", "finance", "acknowledge"});
  std::vector<Proc> procs;
  const auto codes = Race(commands, &procs);
  for (std::size_t i = 0; i < codes.size(); ++i) EXPECT_EQ(codes[i], 0) << Describe(procs[i], codes[i]);
  for (std::size_t i = 1; i < procs.size(); ++i) EXPECT_EQ(ReadFile(procs[i].log), ReadFile(procs[0].log));
  auto s = Open();
  ASSERT_NE(s, nullptr);
  EXPECT_EQ(Applied(*s, "acknowledge")["finance"], 1);
  ExpectChainWhole();
}

}  // namespace
}  // namespace duban
