// Hostile input to the real `duban` binary (issue "nothing lost, nothing
// twice, no crash on any input"): each reproduction of the issue gives a
// clear error and exit status 2, and leaves the database and the file store
// as they were. Every test works on its own copy of the 2021 campaign as it
// stands on 13 October, after the kickoff and the acknowledgements.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "support/shell.h"
#include "support/temp_dir.h"

namespace {

namespace fs = std::filesystem;
using nlohmann::json;
using ::testing::HasSubstr;
using ::testing::Not;

using duban::testing::Quote;
using duban::testing::Ran;
using duban::testing::Slurp;

const std::string kSource = DUBAN_SOURCE_DIR;

Ran Shell(const std::string& cmd, const fs::path& dir) {
  const int raw =
      std::system((cmd + " >" + Quote((dir / "out").string()) + " 2>" + Quote((dir / "err").string())).c_str());
  return {WIFEXITED(raw) ? WEXITSTATUS(raw) : (WIFSIGNALED(raw) ? 128 + WTERMSIG(raw) : -1), Slurp(dir / "out"),
          Slurp(dir / "err")};
}

// Every regular file under `dir`, by path relative to it.
std::vector<std::string> FilesUnder(const fs::path& dir) {
  std::vector<std::string> out;
  std::error_code ec;
  if (!fs::exists(dir, ec)) return out;
  for (const auto& e : fs::recursive_directory_iterator(dir))
    if (e.is_regular_file()) out.push_back(fs::relative(e.path(), dir).string());
  std::sort(out.begin(), out.end());
  return out;
}

class HostileCli : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    suite_ = new duban::testing::TempDir("hostile-cli");
    const fs::path db = suite_->path() / "t.db";
    // The 2021 scenario up to 13 October 11:30 (before the first submission).
    std::ifstream in(kSource + "/workflows/taishan-2021/replay-2021.txt");
    std::ofstream out(suite_->path() / "head.txt");
    std::string line;
    while (std::getline(in, line)) {
      if (line.starts_with("2021-10-14")) break;
      if (auto at = line.find("roster.toml"); at != std::string::npos)
        line.replace(at, 11, kSource + "/workflows/taishan-2021/roster.toml");
      out << line << '\n';
    }
    out.close();
    Ran init = Shell(Quote(DUBAN_EXE) + " --db " + Quote(db.string()) + " init", suite_->path());
    ASSERT_EQ(init.status, 0) << init.err;
    Ran replay = Shell(Quote(DUBAN_EXE) + " --db " + Quote(db.string()) + " replay " +
                           Quote((suite_->path() / "head.txt").string()),
                       suite_->path());
    ASSERT_EQ(replay.status, 0) << replay.err;
    ready_ = true;
  }
  static void TearDownTestSuite() { delete suite_; }

  void SetUp() override {
    ASSERT_TRUE(ready_) << "the set-up replay failed";
    for (const char* suffix : {"", "-wal", "-shm"}) {
      const fs::path from = suite_->path() / (std::string("t.db") + suffix);
      if (fs::exists(from)) fs::copy_file(from, dir_.path() / (std::string("t.db") + suffix));
    }
    if (fs::exists(suite_->path() / "t.db.files"))
      fs::copy(suite_->path() / "t.db.files", files(), fs::copy_options::recursive);
    events_before_ = EventCount();
    files_before_ = FilesUnder(files());
  }

  fs::path db() const { return dir_.path() / "t.db"; }
  fs::path files() const { return dir_.path() / "t.db.files"; }

  Ran Raw(const std::string& args) { return Shell(Quote(DUBAN_EXE) + " --db " + Quote(db().string()) + " " + args, dir_.path()); }
  Ran Duban(const std::string& as, const std::string& at, const std::vector<std::string>& args) {
    std::string cmd = "--as " + Quote(as) + " --at " + Quote(at);
    for (const auto& a : args) cmd += " " + Quote(a);
    return Raw(cmd);
  }
  std::size_t EventCount() {
    Ran r = Raw("--as office-cao-bin --at 2021-10-13T12:00 --format json events");
    EXPECT_EQ(r.status, 0) << r.err;
    return json::parse(r.out, nullptr, false).size();
  }
  // The record and the file store are as they were before the test.
  void ExpectUnchanged() {
    EXPECT_EQ(EventCount(), events_before_) << "a refused command was recorded";
    EXPECT_EQ(FilesUnder(files()), files_before_) << "a refused command left a file behind";
  }
  // A clear error: exit 2, one short line naming the problem, no internal error.
  void ExpectClearError(const Ran& r, const std::string& says) {
    EXPECT_EQ(r.status, 2) << r.err;
    EXPECT_THAT(r.err, HasSubstr(says));
    EXPECT_THAT(r.err, Not(HasSubstr("internal")));
    EXPECT_THAT(r.err, Not(HasSubstr("json.exception")));
    EXPECT_LT(r.err.size(), 600u) << "the error echoes too much of the bad value";
  }
  fs::path WriteFile(const std::string& name, const std::string& content) {
    const fs::path p = dir_.path() / name;
    std::ofstream(p, std::ios::binary) << content;
    return p;
  }

  static duban::testing::TempDir* suite_;
  static bool ready_;
  duban::testing::TempDir dir_{"hostile-cli-test"};
  std::size_t events_before_ = 0;
  std::vector<std::string> files_before_;
};
duban::testing::TempDir* HostileCli::suite_ = nullptr;
bool HostileCli::ready_ = false;

TEST_F(HostileCli, AReplayStepGivingDataDirIsRefusedNotACrash) {
  const fs::path s = WriteFile("s.txt",
                               "2021-10-13T12:00 office-cao-bin urge finance --data-dir x\n"
                               "2021-10-13T12:01 office-cao-bin status\n");
  Ran r = Raw("replay " + Quote(s.string()));
  EXPECT_EQ(r.status, 2) << r.err;
  EXPECT_THAT(r.err, HasSubstr("s.txt:1: a step cannot give --data-dir"));
  ExpectUnchanged();
  EXPECT_FALSE(fs::exists(dir_.path() / "x"));
}

TEST_F(HostileCli, ARefusedSignLeavesNoFileBehind) {
  const fs::path scan = WriteFile("scan.pdf", "%PDF-1.4 a scan nobody may keep\n");
  // Not the finance bureau's principal leader.
  Ran r = Duban("finance-liaison", "2021-10-13T12:00",
                {"sign", "finance", "--signer", "finance-liaison", "--date", "2021-10-13", "--stamped", "--document",
                 scan.string()});
  EXPECT_EQ(r.status, 3) << r.err;
  ExpectUnchanged();
}

TEST_F(HostileCli, ARefusedMaterialSubmitWithAFileLeavesNoFileBehind) {
  const fs::path f = WriteFile("report.txt", "a report for a material the unit does not owe\n");
  Ran r = Duban("finance-liaison", "2021-10-13T12:00",
                {"material", "submit", "finance", "no-such-material", "--file", f.string()});
  EXPECT_NE(r.status, 0);
  ExpectUnchanged();
  // The liaison of another unit is refused too, and leaves nothing.
  r = Duban("finance-liaison", "2021-10-13T12:00", {"material", "submit", "water", "all", "--file", f.string()});
  EXPECT_EQ(r.status, 3) << r.err;
  ExpectUnchanged();
}

TEST_F(HostileCli, InvalidUtf8InEveryTextOptionIsACleanUsageError) {
  const std::string bad = "催办\xC3\x28\xFF";
  const std::vector<std::vector<std::string>> commands = {
      {"--as", "office-cao-bin", "urge", "finance", "--note", bad},
      {"--as", "finance-liaison", "material", "explain", "finance", "budget-report", "--note", bad},
      {"--as", "office-cao-bin", "material", "add", "finance", "x", "--name", bad, "--note", "理由"},
      {"--as", "water-coordinator", "contact", "set", "water", "liaison", "--person", "p", "--name", bad},
      {"--as", bad, "status"},
  };
  for (const auto& c : commands) {
    std::string cmd = "--at 2021-10-13T12:00";
    for (const auto& a : c) cmd += " " + Quote(a);
    Ran r = Raw(cmd);
    ExpectClearError(r, "not valid UTF-8");
  }
  ExpectUnchanged();
}

TEST_F(HostileCli, AnOffsetBeyondFourteenHoursIsRefused) {
  Ran r = Duban("office-cao-bin", "2021-10-13T12:00+99:00", {"urge", "finance", "--note", "请抓紧"});
  ExpectClearError(r, "UTC offset");
  r = Duban("office-cao-bin", "2021-10-13T12:00+14:30", {"urge", "finance", "--note", "请抓紧"});
  ExpectClearError(r, "UTC offset");
  ExpectUnchanged();
}

TEST_F(HostileCli, YearsZeroAnd2200AreRefused) {
  for (const char* at : {"0000-10-13T12:00", "2200-10-13T12:00"}) {
    Ran r = Duban("office-cao-bin", at, {"urge", "finance", "--note", "请抓紧"});
    ExpectClearError(r, "year");
  }
  ExpectUnchanged();
}

TEST_F(HostileCli, ACommandDatedBeforeTheLastEventIsRefused) {
  Ran r = Duban("office-cao-bin", "2021-10-12T09:00", {"urge", "finance", "--note", "请抓紧"});
  ExpectClearError(r, "before the campaign's last event");
  ExpectUnchanged();
  // The same command at a later time is fine.
  r = Duban("office-cao-bin", "2021-10-13T12:00", {"urge", "finance", "--note", "请抓紧"});
  EXPECT_EQ(r.status, 0) << r.err;
}

TEST_F(HostileCli, ASigningDateInTheFutureIsRefused) {
  const fs::path scan = WriteFile("scan.pdf", "%PDF-1.4 signed in 2099\n");
  Ran r = Duban("finance-liaison", "2021-10-13T12:00",
                {"sign", "finance", "--signer", "finance-principal-leader", "--date", "2099-01-01", "--stamped",
                 "--document", scan.string()});
  ExpectClearError(r, "cannot come from the future");
  ExpectUnchanged();
}

TEST_F(HostileCli, ADeviceOrPipeIsNotReadAsAFile) {
  Ran r = Duban("office-cao-bin", "2021-10-13T12:00",
                {"campaign", "create", "--id", "zero", "--roster", "/dev/zero"});
  ExpectClearError(r, "not a regular file");
  r = Duban("office-cao-bin", "2021-10-13T12:00",
            {"campaign", "create", "--id", "zero", "--roster", kSource + "/workflows/taishan-2021/roster.toml",
             "--workflow", "/dev/zero"});
  ExpectClearError(r, "not a regular file");
  r = Raw("replay /dev/zero");
  ExpectClearError(r, "not a regular file");
  r = Raw("--as office-cao-bin calendar load /dev/zero");
  ExpectClearError(r, "not a regular file");
  r = Raw("--as office-cao-bin --at 2021-10-13T12:00 campaign create --id stdin --roster /dev/stdin </dev/zero");
  ExpectClearError(r, "not a regular file");
  ExpectUnchanged();
}

TEST_F(HostileCli, AHugeValueIsRefusedAndNotEchoedBack) {
  const std::string role(5 * 1024 * 1024, 'r');
  const fs::path args = WriteFile("args", role);
  // Through the shell: the 5 MB role as one argument.
  Ran r = Shell("xargs -0 -a " + Quote(args.string()) + " -I{} " + Quote(DUBAN_EXE) + " --db " + Quote(db().string()) +
                    " --as water-coordinator --at 2021-10-13T12:00 contact set water {} --person p",
                dir_.path());
  // xargs exits 123 when the command it ran failed: 5 MB is over the
  // argument limit of the kernel or of duban, and nothing long is printed.
  EXPECT_NE(r.status, 0);
  EXPECT_LT(r.err.size(), 600u);
  // Within the kernel's limit but over duban's.
  const std::string note(100 * 1024, 'n');
  r = Duban("office-cao-bin", "2021-10-13T12:00", {"urge", "finance", "--note", note});
  ExpectClearError(r, "over the limit");
  // A long id, within duban's argument limit, is refused by the command's bound.
  const std::string id(10 * 1024, 'i');
  r = Duban("office-cao-bin", "2021-10-13T12:00", {"urge", id, "--note", "请抓紧"});
  EXPECT_NE(r.status, 0);
  EXPECT_LT(r.err.size(), 600u);
  ExpectUnchanged();
}

TEST_F(HostileCli, EventsLimitMinusOneIsAUsageError) {
  Ran r = Raw("--as office-cao-bin --at 2021-10-13T12:00 events --limit -1");
  EXPECT_EQ(r.status, 2) << r.err;
  EXPECT_THAT(r.err, Not(HasSubstr("datatype mismatch")));
}

TEST_F(HostileCli, CalendarAddOfAHugeNumberIsRefused) {
  Ran r = Raw("--as office-cao-bin calendar add 2021-10-08 999999999");
  EXPECT_EQ(r.status, 2) << r.err;
  EXPECT_LT(r.err.size() + r.out.size(), 600u);
}

TEST_F(HostileCli, ASymlinkedAttachmentIsRefused) {
  const fs::path real = WriteFile("real.txt", "the budget report\n");
  fs::create_symlink(real, dir_.path() / "link.txt");
  Ran r = Duban("finance-liaison", "2021-10-13T12:00",
                {"material", "submit", "finance", "budget-report", "--file", (dir_.path() / "link.txt").string()});
  ExpectClearError(r, "symbolic link");
  ExpectUnchanged();
}

TEST_F(HostileCli, AnAttachmentLimitThatIsNotANumberIsRefused) {
  const fs::path f = WriteFile("report.txt", "the budget report\n");
  for (const char* limit : {"abc", "-1", "0"}) {
    Ran r = Shell("DUBAN_MAX_ATTACHMENT_MB=" + std::string(limit) + " " + Quote(DUBAN_EXE) + " --db " +
                      Quote(db().string()) +
                      " --as finance-liaison --at 2021-10-13T12:00 material submit finance budget-report --file " +
                      Quote(f.string()),
                  dir_.path());
    ExpectClearError(r, "DUBAN_MAX_ATTACHMENT_MB");
  }
  ExpectUnchanged();
}

}  // namespace
