// The crash test (issue 14): SIGKILLs at random points of a burst of commands
// and deliveries, against the real binary, a real SMTP server (aiosmtpd on
// loopback) and one database file. Afterwards every acknowledged command is
// there exactly once, no command is there by half, the chain and SQLite's
// own check are clean, and the mailbox holds each notice's messages once per
// recipient except the copies counted here as re-sent after a kill (only a
// delivery in flight at the kill may go twice, under its own Message-ID, so
// the receiver can drop it). Prints its figures; DUBAN_CRASH_KILLS=N runs
// longer (README, "Crash test").
#include <gtest/gtest.h>

#include <SQLiteCpp/SQLiteCpp.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <random>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "support/local_server.h"
#include "support/shell.h"

namespace duban {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;
using std::chrono::milliseconds;
using Clock = std::chrono::steady_clock;

const char* const kExe = DUBAN_EXE;
const fs::path kSource = DUBAN_SOURCE_DIR;
const fs::path kPlugins = fs::path(DUBAN_BINARY_DIR) / "plugins";
constexpr const char* kPython = "/usr/bin/python3";
constexpr int kLeaseSeconds = 3;  // notify.lease_seconds in the test's configuration
constexpr int kParallel = 4;      // notify.parallel: deliveries in flight at once
// Units the burst urges: each urge is one command and one notice (an
// escalation, sent at once) to the unit's people.
const std::vector<std::string> kUnits = {"gov-office", "development-reform", "industry-it", "finance",
                                         "forestry", "water"};

int KillsWanted() {
  if (const char* v = std::getenv("DUBAN_CRASH_KILLS"); v != nullptr && *v != '\0') {
    const int n = std::atoi(v);
    if (n > 0) return n;
  }
  return 100;
}

std::uint32_t Seed() {
  if (const char* v = std::getenv("DUBAN_CRASH_SEED"); v != nullptr && *v != '\0')
    return static_cast<std::uint32_t>(std::strtoul(v, nullptr, 10));
  return 20211008u;
}

// One message file of the receiving mailbox: its Message-ID, its envelope
// recipients (aiosmtpd's X-RcptTo) and the notice it is of.
struct Mail {
  std::string message_id;
  std::vector<std::string> rcpt;
  std::string notice;
};

// The header fields of a message file (unfolded), by lower-case name.
std::map<std::string, std::string> Headers(const fs::path& file) {
  std::ifstream in(file, std::ios::binary);
  std::map<std::string, std::string> out;
  std::string line, name;
  while (std::getline(in, line)) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.empty()) break;
    if ((line[0] == ' ' || line[0] == '\t') && !name.empty()) {
      out[name] += " " + line.substr(line.find_first_not_of(" \t"));
      continue;
    }
    const auto colon = line.find(':');
    if (colon == std::string::npos) continue;
    name = line.substr(0, colon);
    for (char& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    std::string value = line.substr(colon + 1);
    value.erase(0, value.find_first_not_of(" \t"));
    out[name] = value;
  }
  return out;
}

std::vector<Mail> ReadMailbox(const fs::path& dir) {
  std::vector<Mail> out;
  for (const char* sub : {"new", "cur"}) {
    std::error_code ec;
    if (!fs::is_directory(dir / sub, ec)) continue;
    for (const auto& entry : fs::directory_iterator(dir / sub)) {
      auto h = Headers(entry.path());
      Mail m;
      m.message_id = h["message-id"];
      m.notice = h["x-duban-notice"];
      std::string rcpt = h["x-rcptto"];
      for (std::size_t start = 0; start < rcpt.size();) {
        auto end = rcpt.find(',', start);
        if (end == std::string::npos) end = rcpt.size();
        std::string a = rcpt.substr(start, end - start);
        a.erase(0, a.find_first_not_of(' '));
        a.erase(a.find_last_not_of(' ') + 1);
        if (!a.empty()) m.rcpt.push_back(a);
        start = end + 1;
      }
      out.push_back(std::move(m));
    }
  }
  return out;
}

// What a mailbox holds, per (Message-ID, recipient).
struct MailCount {
  std::size_t files = 0;
  std::size_t deliveries = 0;  // (message, recipient) pairs, copies included
  std::size_t distinct = 0;    // distinct (Message-ID, recipient) pairs
  std::size_t copies = 0;      // deliveries - distinct: what a receiver would drop
  std::set<std::string> notices;
  std::size_t without_id = 0;  // messages without a Message-ID or notice (never expected)
  std::size_t message_copies = 0;        // files - distinct Message-IDs
  std::set<std::string> resent_notices;  // notices with a (Message-ID, recipient) more than once
};

MailCount Count(const std::vector<Mail>& mails) {
  MailCount c;
  std::map<std::pair<std::string, std::string>, int> per;
  for (const Mail& m : mails) {
    ++c.files;
    if (m.message_id.empty() || m.notice.empty()) ++c.without_id;
    c.notices.insert(m.notice);
    for (const std::string& r : m.rcpt) {
      ++c.deliveries;
      ++per[{m.message_id, r}];
    }
  }
  c.distinct = per.size();
  c.copies = c.deliveries - c.distinct;
  std::map<std::string, std::string> notice_of;
  for (const Mail& m : mails) notice_of[m.message_id] = m.notice;
  c.message_copies = c.files - notice_of.size();
  for (const auto& [key, count] : per)
    if (count > 1) c.resent_notices.insert(notice_of[key.first]);
  return c;
}

class CrashTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    dir_ = fs::temp_directory_path() / ("duban-crash-" + std::to_string(::getpid()) + "-" + info->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
    mailbox_ = dir_ / "received";
    port_ = testing::FreePort();
    smtp_ = std::make_unique<testing::LocalServer>(
        std::vector<std::string>{kPython, "-m", "aiosmtpd", "-n", "-l", "127.0.0.1:" + std::to_string(port_), "-c",
                                 "aiosmtpd.handlers.Mailbox", mailbox_.string()},
        port_);
    ASSERT_TRUE(smtp_->Start());
    config_ = dir_ / "duban.toml";
    std::ofstream(config_) << "data_dir = \"data\"\n"
                           << "database = \"data/duban.db\"\n"
                           << "plugin_dir = \"" << kPlugins.string() << "\"\n"
                           << "[notify]\nurgent = [\"escalation.raised\"]\nparallel = " << kParallel
                           << "\ninterval_seconds = 1\nlease_seconds = " << kLeaseSeconds << "\n"
                           << "[notify.quiet_hours]\nenabled = false\n"
                           << "[smtp]\nurl = \"smtp://127.0.0.1:" << port_ << "\"\nstarttls = \"off\"\n"
                           << "from = \"duban@example.org\"\ntimeout_seconds = 5\n";
    db_ = dir_ / "data" / "duban.db";
    ASSERT_EQ(Run({"init"}), 0);
    ASSERT_EQ(Run({"--as", "office-cao-bin", "--at", "2021-09-28", "campaign", "create", "--roster",
                   (kSource / "workflows" / "taishan-2021" / "roster.toml").string()}),
              0);
  }
  void TearDown() override {
    smtp_.reset();
    std::error_code ec;
    if (!HasFailure()) fs::remove_all(dir_, ec);
    else std::cerr << "kept " << dir_ << " for inspection\n";
  }

  // Starts duban with `args` (after --config); its output goes to a log file.
  pid_t Start(const std::vector<std::string>& args) {
    std::vector<std::string> argv{kExe, "--config", config_.string()};
    argv.insert(argv.end(), args.begin(), args.end());
    const fs::path log = dir_ / ("proc-" + std::to_string(procs_++) + ".log");
    std::vector<char*> raw;
    for (auto& a : argv) raw.push_back(a.data());
    raw.push_back(nullptr);
    const int fd = ::open(log.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    const pid_t pid = ::fork();
    if (pid == 0) {
      ::dup2(fd, STDOUT_FILENO);
      ::dup2(fd, STDERR_FILENO);
      ::setpgid(0, 0);  // so that a kill reaches its plugin children too
      ::execv(raw[0], raw.data());
      ::_exit(127);
    }
    ::close(fd);
    return pid;
  }
  // The exit status, or 128 + the signal.
  static int Wait(pid_t pid) {
    int status = 0;
    while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  }
  int Run(const std::vector<std::string>& args) { return Wait(Start(args)); }
  // Kills `pid` (and its process group) after `after` unless it ended
  // before. Returns its exit status; `killed` says whether the kill hit it.
  static int KillAfter(pid_t pid, milliseconds after, bool& killed) {
    const auto until = Clock::now() + after;
    int status = 0;
    while (Clock::now() < until) {
      const pid_t r = ::waitpid(pid, &status, WNOHANG);
      if (r == pid) {
        killed = false;
        return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
      }
      std::this_thread::sleep_for(milliseconds(2));
    }
    ::kill(-pid, SIGKILL);
    ::kill(pid, SIGKILL);
    killed = true;
    return Wait(pid);
  }
  json Json(std::vector<std::string> args) {
    args.insert(args.begin(), {"--as", "office-cao-bin", "--format", "json"});
    const fs::path out = dir_ / "out.json";
    std::vector<std::string> argv{kExe, "--config", config_.string()};
    argv.insert(argv.end(), args.begin(), args.end());
    std::string cmd;
    for (const auto& a : argv) cmd += testing::Quote(a) + " ";
    cmd += "> " + testing::Quote(out.string()) + " 2>/dev/null";
    EXPECT_EQ(std::system(cmd.c_str()), 0) << cmd;
    return json::parse(testing::Slurp(out), nullptr, false);
  }

  std::vector<std::string> Urge(const std::string& unit, const std::string& id) {
    return {"--as", "office-cao-bin", "--command-id", id, "urge", unit, "--note", id};
  }

  // Dispatches until nothing is pending (claims of killed dispatchers run
  // out after kLeaseSeconds); false if something is still pending after a while.
  bool Drain() {
    for (int i = 0; i < 8; ++i) {
      EXPECT_EQ(Run({"notices", "dispatch"}), 0);
      if (Json({"notices", "list", "--state", "pending"}).empty()) return true;
      std::this_thread::sleep_for(milliseconds(kLeaseSeconds * 1000 / 2 + 100));
    }
    return false;
  }

  // The urges on the chain, by their note (the command id).
  std::map<std::string, int> UrgesByNote() {
    std::map<std::string, int> out;
    for (const auto& e : Json({"events", "--type", "escalation.raised"}))
      if (e["payload"].contains("note")) ++out[e["payload"]["note"].get<std::string>()];
    return out;
  }

  // Deliveries whose claim ran out and was taken over: those in flight when
  // their dispatcher was killed.
  int Interrupted() {
    SQLite::Database db(db_.string(), SQLite::OPEN_READONLY);
    SQLite::Statement q(db, "SELECT count(*) FROM delivery_attempts WHERE outcome = 'interrupted'");
    return q.executeStep() ? q.getColumn(0).getInt() : -1;
  }

  // The command ids the database has a record of.
  std::set<std::string> RecordedCommands() {
    SQLite::Database db(db_.string(), SQLite::OPEN_READONLY);
    SQLite::Statement q(db, "SELECT id FROM commands");
    std::set<std::string> out;
    while (q.executeStep()) out.insert(q.getColumn(0).getString());
    return out;
  }
  // The notes (command ids) of the urges that have their notice queued.
  std::set<std::string> NoticedUrges() {
    SQLite::Database db(db_.string(), SQLite::OPEN_READONLY);
    SQLite::Statement q(db,
                        "SELECT json_extract(e.payload, '$.note') FROM events e JOIN notices n"
                        " ON n.campaign_id = e.campaign_id AND n.seq = e.seq"
                        " WHERE e.type = 'escalation.raised' AND json_extract(e.payload, '$.note') IS NOT NULL");
    std::set<std::string> out;
    while (q.executeStep()) out.insert(q.getColumn(0).getString());
    return out;
  }

  void CheckDatabase() {
    EXPECT_EQ(Run({"--as", "office-cao-bin", "verify"}), 0);
    SQLite::Database db(db_.string(), SQLite::OPEN_READONLY);
    SQLite::Statement q(db, "PRAGMA integrity_check");
    ASSERT_TRUE(q.executeStep());
    EXPECT_EQ(q.getColumn(0).getString(), "ok");
  }

  fs::path dir_, mailbox_, config_, db_;
  int port_ = 0;
  int procs_ = 0;
  std::unique_ptr<testing::LocalServer> smtp_;
};

// SIGKILLs of `notices dispatch`, of commands and of `serve`, at random
// points of a burst; then the checks above.
TEST_F(CrashTest, KillDuringDispatchSendsNoDuplicates) {
  const int wanted = KillsWanted();
  std::mt19937 rng(Seed());
  auto pick = [&](milliseconds lo, milliseconds hi) {
    return milliseconds(std::uniform_int_distribution<long>(lo.count(), std::max(lo.count(), hi.count()))(rng));
  };
  // How long a command and a pass take here (ASan, a busy machine): kills
  // land anywhere from before the start to just past the usual end.
  auto timed = [&](const std::vector<std::string>& args) {
    const auto t0 = Clock::now();
    EXPECT_EQ(Run(args), 0);
    return std::chrono::duration_cast<milliseconds>(Clock::now() - t0);
  };
  std::map<std::string, std::string> issued{{"warm-up", "finance"}};  // command id -> unit
  std::set<std::string> acknowledged{"warm-up"};                       // command ids whose process said yes
  std::set<std::string> issued_again;                                  // killed, then repeated by the test
  const milliseconds command_time = timed(Urge("finance", "warm-up"));
  const milliseconds pass_time = timed({"notices", "dispatch"});

  int kills = 0, dispatch_kills = 0, serve_kills = 0, command_kills = 0, round = 0, n = 0;
  const auto started = Clock::now();
  while (kills < wanted) {
    // Three commands and a dispatcher at once (every fourth round the daemon
    // instead), each killed at a random point unless it ended first.
    struct Victim {
      pid_t pid;
      enum { kCommand, kDispatch, kServe } kind;
      std::string id;
      Clock::time_point kill_at;
      bool done = false;
    };
    const auto t0 = Clock::now();
    std::vector<Victim> victims;
    for (int c = 0; c < 3; ++c, ++n) {
      const std::string id = "crash-" + std::to_string(n);
      const std::string unit = kUnits[std::uniform_int_distribution<std::size_t>(0, kUnits.size() - 1)(rng)];
      issued[id] = unit;
      victims.push_back(
          {Start(Urge(unit, id)), Victim::kCommand, id, t0 + pick(milliseconds(0), command_time * 5 / 2)});
    }
    if (round % 4 == 3)
      victims.push_back({Start({"serve"}), Victim::kServe, "", t0 + pick(pass_time / 2, pass_time * 3)});
    else
      victims.push_back(
          {Start({"notices", "dispatch"}), Victim::kDispatch, "", t0 + pick(pass_time / 3, pass_time * 2)});
    for (std::size_t left = victims.size(); left > 0;) {
      for (Victim& v : victims) {
        if (v.done) continue;
        int status = 0;
        if (::waitpid(v.pid, &status, WNOHANG) == v.pid) {
          v.done = true;
          --left;
          const int code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
          if (v.kind == Victim::kCommand) {
            if (code == 0) acknowledged.insert(v.id);
            else ADD_FAILURE() << v.id << " exited " << code;
          } else {
            EXPECT_EQ(code, 0) << "a dispatcher exited " << code;
          }
        } else if (Clock::now() >= v.kill_at) {
          ::kill(-v.pid, SIGKILL);
          ::kill(v.pid, SIGKILL);
          Wait(v.pid);
          v.done = true;
          --left;
          ++kills;
          ++(v.kind == Victim::kCommand ? command_kills : v.kind == Victim::kDispatch ? dispatch_kills : serve_kills);
        }
      }
      std::this_thread::sleep_for(milliseconds(2));
    }
    ++round;
  }
  const auto burst = std::chrono::duration_cast<milliseconds>(Clock::now() - started);

  // The claims of the killed run out; then everything pending goes.
  std::this_thread::sleep_for(std::chrono::seconds(kLeaseSeconds));
  ASSERT_TRUE(Drain());
  CheckDatabase();

  // Every acknowledged command exactly once; a killed one at most once, and
  // never by half: its event is there iff its command id is recorded, so a
  // repeat of a killed command is answered from the record when its event is
  // there and applies it when not.
  std::map<std::string, int> urges;
  std::map<std::string, std::string> at_of;  // command id -> its event's time, which the command carried
  for (const auto& e : Json({"events", "--type", "escalation.raised"})) {
    const std::string note = e["payload"].value("note", "");
    if (note.empty()) continue;
    ++urges[note];
    at_of[note] = e["at"].get<std::string>();
    EXPECT_EQ(e["unit"], issued[note]) << note;
  }
  // Never by half: a command's record (commands table) is there iff its
  // event is, and its notice with it.
  const std::set<std::string> recorded = RecordedCommands();
  const std::set<std::string> noticed = NoticedUrges();
  int killed_applied = 0, retried = 0;
  for (const auto& [id, unit] : issued) {
    const int count = urges.count(id) != 0 ? urges[id] : 0;
    EXPECT_EQ(recorded.count(id), static_cast<std::size_t>(count)) << id << ": a record without its event, or back";
    EXPECT_EQ(noticed.count(id), static_cast<std::size_t>(count)) << id << ": an event without its notice";
    if (acknowledged.count(id) != 0) {
      EXPECT_EQ(count, 1) << id;
      continue;
    }
    EXPECT_LE(count, 1) << id;
    if (count == 1) ++killed_applied;
    // The client's retry, for every killed command that committed and a few
    // that did not: the same command (its time included) under the same id.
    if (count == 0 && retried >= 5) continue;
    ++retried;
    std::vector<std::string> again = Urge(unit, id);
    if (count == 1) again.insert(again.begin(), {"--at", at_of[id]});
    EXPECT_EQ(Run(again), 0) << id;
    issued_again.insert(id);
  }
  urges.clear();
  for (const auto& e : Json({"events", "--type", "escalation.raised"}))
    if (const std::string note = e["payload"].value("note", ""); !note.empty()) ++urges[note];
  for (const auto& [id, unit] : issued) {
    const bool once = acknowledged.count(id) != 0 || issued_again.count(id) != 0;
    if (once) EXPECT_EQ(urges[id], 1) << id << ": once, after its repeat";
    else EXPECT_LE(urges[id], 1) << id;
  }

  // Every notice delivered; the mailbox holds each notice's messages once per
  // recipient, except copies re-sent after a kill.
  ASSERT_TRUE(Drain());
  const json notices = Json({"notices", "list"});
  std::size_t delivered = 0;
  for (const auto& nt : notices)
    for (const auto& d : nt["deliveries"])
      if (d["state"] == "delivered") ++delivered;
  const MailCount mail = Count(ReadMailbox(mailbox_));
  EXPECT_EQ(mail.without_id, 0u);
  EXPECT_EQ(mail.notices.size(), delivered) << "every delivered notice is in the mailbox";
  const int delivery_kills = dispatch_kills + serve_kills;
  // Only what was in flight when a dispatcher died may go twice: a delivery
  // claimed and not recorded, whose claim the next pass took over (those
  // claimed in the same round but not started yet are taken over too, and
  // sent once).
  const int interrupted = Interrupted();
  EXPECT_LE(mail.resent_notices.size(), static_cast<std::size_t>(interrupted));
  std::cout << "[ crash    ] " << kills << " SIGKILLs in " << burst.count() << " ms (" << command_kills
            << " commands, " << dispatch_kills << " `notices dispatch`, " << serve_kills << " `serve`); "
            << issued.size() << " commands issued, " << acknowledged.size() << " acknowledged, " << killed_applied
            << " killed but committed\n"
            << "[ crash    ] " << delivered << " notices delivered in " << mail.files << " messages, "
            << mail.deliveries << " (message, recipient) deliveries, " << mail.copies
            << " of them copies (same Message-ID and recipient) in " << mail.message_copies << " re-sent messages of "
            << mail.resent_notices.size() << " notices; " << interrupted << " deliveries were in flight at a kill\n"
            << "[ crash    ] duplicates per kill of a dispatcher: "
            << (delivery_kills > 0 ? static_cast<double>(mail.message_copies) / delivery_kills : 0.0)
            << " messages (" << mail.message_copies << " / " << delivery_kills << "), per kill of any process: "
            << static_cast<double>(mail.message_copies) / kills << "\n";
}

// Four dispatchers started at once over one backlog: each notice goes once.
TEST_F(CrashTest, FourDispatchersSendEachOnce) {
  // A backlog of 18 urges (six commands at a time), nothing sent yet.
  for (int batch = 0; batch < 3; ++batch) {
    std::vector<pid_t> commands;
    for (int i = batch * 6; i < batch * 6 + 6; ++i)
      commands.push_back(Start(Urge(kUnits[static_cast<std::size_t>(i) % kUnits.size()], "four-" + std::to_string(i))));
    for (pid_t p : commands) ASSERT_EQ(Wait(p), 0);
  }
  const std::size_t queued = Json({"notices", "list"}).size();
  ASSERT_GE(queued, 18u);
  std::vector<pid_t> pids;
  std::vector<fs::path> logs;
  for (int i = 0; i < 4; ++i) {
    logs.push_back(dir_ / ("proc-" + std::to_string(procs_) + ".log"));
    pids.push_back(Start({"--format", "json", "notices", "dispatch"}));
  }
  for (pid_t p : pids) EXPECT_EQ(Wait(p), 0);
  std::string shares;  // what each dispatcher delivered
  int total = 0;
  for (const fs::path& log : logs) {
    const json pass = json::parse(testing::Slurp(log), nullptr, false);
    const int delivered = pass.is_object() ? pass.value("delivered", -1) : -1;
    total += delivered;
    shares += (shares.empty() ? "" : " + ") + std::to_string(delivered);
  }
  EXPECT_EQ(static_cast<std::size_t>(total), queued) << shares;
  EXPECT_TRUE(Json({"notices", "list", "--state", "pending"}).empty());
  const MailCount mail = Count(ReadMailbox(mailbox_));
  EXPECT_EQ(mail.notices.size(), queued);
  EXPECT_EQ(mail.copies, 0u);
  EXPECT_EQ(mail.without_id, 0u);
  CheckDatabase();
  std::cout << "[ crash    ] four dispatchers at once: " << mail.notices.size() << " notices (delivered " << shares
            << "), " << mail.files << " messages, " << mail.copies << " copies\n";
}

}  // namespace
}  // namespace duban
