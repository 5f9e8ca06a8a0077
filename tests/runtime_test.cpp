// The runtime: the services every entry point is built from (the default
// configuration beside the database, reopening, the Env handed down), the
// real and the fake Env, and the layering it stands on (nothing below the
// runtime includes it, reads a clock, a random device, or sleeps).
#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>
#include <string>
#include <vector>

#include "attach/file_store.h"
#include "runtime/serve.h"
#include "runtime/services.h"
#include "runtime/system_env.h"
#include "support/fake_env.h"
#include "support/temp_dir.h"

namespace duban::runtime {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;
using duban::testing::FakeEnv;
using duban::testing::TempDir;

const fs::path kEngine = fs::path(DUBAN_SOURCE_DIR) / "engine";

TEST(Services, WithoutAConfigFileTheDefaultLivesBesideTheDatabase) {
  TempDir tmp;
  Services services;
  const std::string db = (tmp.path() / "office.db").string();
  auto app = services.Open(db);
  ASSERT_TRUE(app.ok()) << app.status().str();
  EXPECT_EQ(services.app(), *app);
  EXPECT_NE(services.store(), nullptr);
  EXPECT_EQ(services.database(), db);
  EXPECT_EQ(services.config().data_dir, tmp.path() / "office.db.data");
  EXPECT_EQ(services.config().smtp.maildir, tmp.path() / "office.db.data" / "maildir");
  EXPECT_EQ(services.config().notify.urgent, std::vector<model::EventType>{model::EventType::kEscalationRaised});
}

TEST(Services, TheSameDatabaseAnswersTheOpenAppAnotherFilesDirectoryReopens) {
  TempDir tmp;
  Services services;
  const std::string db = (tmp.path() / "office.db").string();
  auto first = services.Open(db);
  ASSERT_TRUE(first.ok());
  auto again = services.Open(db, db + ".files");  // the default, named
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(*again, *first);
  auto other = services.Open(db, (tmp.path() / "elsewhere").string());
  ASSERT_TRUE(other.ok());
  EXPECT_EQ(services.app(), *other);
  EXPECT_EQ(services.database(), db);
}

TEST(Services, AConfigFileIsReadAndABadOneLeavesNothingOpen) {
  TempDir tmp;
  const fs::path config = tmp.path() / "duban.toml";
  std::ofstream(config) << "data_dir = \"office\"\n[notify]\ninterval_seconds = 5\n";
  Services services;
  auto app = services.Open((tmp.path() / "a.db").string(), "", config.string());
  ASSERT_TRUE(app.ok()) << app.status().str();
  EXPECT_EQ(services.config().notify.interval, 5s);
  EXPECT_EQ(services.config().data_dir, tmp.path() / "office");

  std::ofstream(config, std::ios::app) << "[smtp]\nstarttls = \"sometimes\"\n";
  Services fresh;
  auto bad = fresh.Open((tmp.path() / "b.db").string(), "", config.string());
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().message().find("smtp.starttls"), std::string::npos) << bad.status().str();
  EXPECT_EQ(fresh.app(), nullptr);
  EXPECT_EQ(fresh.Dispatcher().status().code(), Code::kInternal);
  ServeOptions options;
  std::ostringstream out, err;
  options.out = &out;
  options.err = &err;
  EXPECT_EQ(Serve(fresh, options).code(), Code::kInternal);
}

TEST(Services, HandsItsEnvDown) {
  FakeEnv env;
  Services services(&env);
  EXPECT_EQ(&services.env(), &env);
  Services real;
  EXPECT_EQ(&real.env(), DefaultEnv());
}

TEST(SystemEnv, ReadsTheSystemClockSleepsAndDraws) {
  Env& env = *DefaultEnv();
  const auto wall = std::chrono::floor<std::chrono::seconds>(std::chrono::system_clock::now());
  EXPECT_LE(std::chrono::abs(env.Now() - wall), 2s);
  const auto start = std::chrono::steady_clock::now();
  env.SleepFor(5ms);
  EXPECT_GE(std::chrono::steady_clock::now() - start, 5ms);
  EXPECT_NE(env.Random(), env.Random());  // a 2^-64 chance of a false failure
}

TEST(FakeEnv, IsReproducibleAndSleepsOnlyOnItsOwnClock) {
  const Instant t0 = std::chrono::sys_days(std::chrono::year(2021) / 10 / 8);
  FakeEnv a(t0, 7), b(t0, 7);
  for (int i = 0; i < 3; ++i) EXPECT_EQ(a.Random(), b.Random());
  const auto start = std::chrono::steady_clock::now();
  a.SleepFor(1500ms);
  a.SleepFor(600ms);
  EXPECT_LT(std::chrono::steady_clock::now() - start, 1s);
  EXPECT_EQ(a.Now(), t0 + 2s);
  EXPECT_EQ(a.sleeps(), (std::vector<std::chrono::milliseconds>{1500ms, 600ms}));
  a.Advance(1h);
  EXPECT_EQ(a.Now(), t0 + 2s + 1h);
}

TEST(FileStore, NamesItsTemporaryCopyFromTheEnv) {
  TempDir tmp;
  FakeEnv env, twin;
  attach::FileStoreOptions options;
  options.env = &env;
  attach::FileStore files(tmp.path() / "files", options);
  std::ofstream(tmp.path() / "report.pdf") << "%PDF-1.4 the report";
  auto stored = files.Put(tmp.path() / "report.pdf");
  ASSERT_TRUE(stored.ok()) << stored.status().str();
  EXPECT_TRUE(fs::exists(files.PathOf(stored->sha256)));
  twin.Random();  // the one draw the copy took
  EXPECT_EQ(env.Random(), twin.Random());
}

// Every file of the engine's modules below the runtime (all but runtime and
// http, which stands above it), with its text.
std::vector<std::pair<fs::path, std::string>> EngineSourcesBelowRuntime() {
  std::vector<std::pair<fs::path, std::string>> out;
  for (const auto& entry : fs::recursive_directory_iterator(kEngine)) {
    if (!entry.is_regular_file()) continue;
    const fs::path rel = fs::relative(entry.path(), kEngine);
    if (*rel.begin() == "runtime" || *rel.begin() == "http") continue;  // the runtime, and the one module above it
    const auto ext = entry.path().extension();
    if (ext != ".h" && ext != ".cpp") continue;
    std::ifstream in(entry.path());
    std::ostringstream text;
    text << in.rdbuf();
    out.emplace_back(rel, text.str());
  }
  return out;
}

TEST(Layering, NothingBelowTheRuntimeIncludesItOrAsio) {
  const std::regex bad(R"(#include\s*[<"](runtime/|boost/asio))");
  const auto sources = EngineSourcesBelowRuntime();
  ASSERT_FALSE(sources.empty());
  for (const auto& [path, text] : sources)
    EXPECT_FALSE(std::regex_search(text, bad)) << path << " includes the runtime or Asio";
}

TEST(Layering, NothingBelowTheRuntimeReadsAClockARandomDeviceOrSleeps) {
  const std::regex bad(R"(random_device|system_clock|sleep_for|sleep_until|\btime\(|rand\(\))");
  for (const auto& [path, text] : EngineSourcesBelowRuntime())
    EXPECT_FALSE(std::regex_search(text, bad)) << path << ": take it from an Env (core/env.h)";
}

}  // namespace
}  // namespace duban::runtime
