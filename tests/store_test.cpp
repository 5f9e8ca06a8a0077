// The SQLite backend against real files: schema and migrations, pragmas,
// append-only triggers, waiting for another writer, opening by URL. Every
// contract a backend shares (ordering, conflicts, command ids, the chain
// against tampering, the outbox, the ledger, cursors) is in the conformance
// suite, store_conformance_test.cpp, which runs on SQLite too.
#include <SQLiteCpp/SQLiteCpp.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <future>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "app/app.h"
#include "core/time.h"
#include "store/chain.h"
#include "store/sqlite/migrations.h"
#include "store/store.h"
#include "support/store_support.h"
#include "support/temp_dir.h"

namespace duban {
namespace {

namespace fs = std::filesystem;
using namespace duban::testing;  // NOLINT: the Taishan helpers

std::unique_ptr<store::Store> Open(const fs::path& db) {
  auto s = store::OpenStore(db.string());
  EXPECT_TRUE(s.ok()) << (s.ok() ? "" : s.status().str());
  return s.ok() ? std::move(*s) : nullptr;
}

// A database with the Taishan campaign in it.
class StoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    db_ = dir_.path() / "duban.db";
    store_ = Open(db_);
    ASSERT_NE(store_, nullptr);
    app_ = std::make_unique<app::App>(*store_);
    CreateTaishan(*app_);
  }

  void Populate() { testing::Populate(*app_, dir_.path()); }
  void SignFinance() { testing::SignFinance(*app_, dir_.path()); }

  // A raw connection to the same file, beside the store.
  SQLite::Database Raw() const { return SQLite::Database(db_.string(), SQLite::OPEN_READWRITE); }

  store::VerifyReport VerifyChain() {
    auto r = store_->Verify(kCampaign);
    EXPECT_TRUE(r.ok()) << (r.ok() ? "" : r.status().str());
    return r.ok() ? *r : store::VerifyReport{};
  }

  TempDir dir_;
  fs::path db_;
  std::unique_ptr<store::Store> store_;
  std::unique_ptr<app::App> app_;
};

// ----- schema and pragmas -----

TEST(StoreSchema, CreatedAndMigrationsRecordedOnce) {
  TempDir dir;
  const fs::path db = dir.path() / "nested" / "duban.db";  // the parent is created too
  ASSERT_NE(Open(db), nullptr);
  std::vector<std::string> migrations_first;
  {
    SQLite::Database raw(db.string(), SQLite::OPEN_READONLY);
    SQLite::Statement tables(raw, "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name");
    std::vector<std::string> names;
    while (tables.executeStep()) names.push_back(tables.getColumn(0).getString());
    EXPECT_EQ(names, (std::vector<std::string>{"accounts", "api_tokens", "attachments", "calendar_years",
                                               "campaigns", "commands", "commitments", "contacts", "definitions",
                                               "deliveries", "delivery_attempts", "digest_queue", "digests",
                                               "due_overrides", "events",
                                               "instances", "materials", "notices", "paper_copies", "requests",
                                               "schema_migrations", "sessions", "sign_in_failures"}));
    SQLite::Statement triggers(raw, "SELECT name FROM sqlite_master WHERE type = 'trigger' ORDER BY name");
    std::vector<std::string> trigger_names;
    while (triggers.executeStep()) trigger_names.push_back(triggers.getColumn(0).getString());
    EXPECT_EQ(trigger_names, (std::vector<std::string>{"api_tokens_kept", "commitments_never_edited",
                                                       "contacts_history_kept",
                                                       "events_append_only_delete", "events_append_only_update"}));
    SQLite::Statement m(raw, "SELECT version, applied_at FROM schema_migrations ORDER BY version");
    while (m.executeStep())
      migrations_first.push_back(m.getColumn(0).getString() + "@" + m.getColumn(1).getString());
    // Every migration, in order, once.
    ASSERT_EQ(migrations_first.size(), store::sqlite::Migrations().size());
    ASSERT_EQ(migrations_first.size(), 8u);
    for (std::size_t i = 0; i < migrations_first.size(); ++i)
      EXPECT_EQ(migrations_first[i].substr(0, 2), std::to_string(i + 1) + "@");
  }
  // Reopening applies nothing again: the same rows, the same times.
  for (int i = 0; i < 2; ++i) ASSERT_NE(Open(db), nullptr);
  SQLite::Database raw(db.string(), SQLite::OPEN_READONLY);
  SQLite::Statement m(raw, "SELECT version, applied_at FROM schema_migrations ORDER BY version");
  std::vector<std::string> migrations_again;
  while (m.executeStep())
    migrations_again.push_back(m.getColumn(0).getString() + "@" + m.getColumn(1).getString());
  EXPECT_EQ(migrations_again, migrations_first);
}

TEST(StoreSchema, NewerSchemaThanThisDubanIsRefused) {
  TempDir dir;
  const fs::path db = dir.path() / "duban.db";
  ASSERT_NE(Open(db), nullptr);
  {
    SQLite::Database raw(db.string(), SQLite::OPEN_READWRITE);
    raw.exec("INSERT INTO schema_migrations(version) VALUES (99)");
  }
  auto s = store::OpenStore(db.string());
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.status().code(), Code::kInvalidInput);
  EXPECT_NE(s.status().message().find("99"), std::string::npos) << s.status().message();
}

TEST_F(StoreTest, WalJournalAndForeignKeysAreOn) {
  {
    SQLite::Database raw = Raw();
    SQLite::Statement mode(raw, "PRAGMA journal_mode");
    ASSERT_TRUE(mode.executeStep());
    EXPECT_EQ(mode.getColumn(0).getString(), "wal");
  }
  EXPECT_TRUE(fs::exists(fs::path(db_.string() + "-wal")));
  // foreign_keys is per connection: prove the store's own connection enforces
  // it. An instance of a campaign that does not exist is refused...
  store::Changeset orphan;
  orphan.campaign = "no-such-campaign";
  model::Instance inst;
  inst.unit = "finance";
  inst.version = 1;
  orphan.instances.push_back({inst, std::nullopt});
  auto r = store_->Commit(orphan);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("FOREIGN KEY"), std::string::npos) << r.status().message();
  // ...and so is a request naming a unit the campaign does not have.
  store::Changeset stray;
  stray.campaign = kCampaign;
  model::Request req;
  req.id = "nobody#1";
  req.unit = "nobody";
  stray.requests.push_back(req);
  auto r2 = store_->Commit(stray);
  ASSERT_FALSE(r2.ok());
  EXPECT_NE(r2.status().message().find("FOREIGN KEY"), std::string::npos) << r2.status().message();
  // Neither left anything behind; the store still works.
  auto missing = store_->GetInstance("no-such-campaign", "finance");
  ASSERT_TRUE(missing.ok());
  EXPECT_FALSE(missing->has_value());
  EXPECT_TRUE(VerifyChain().ok);
}

// ----- several connections -----

// A commit waits (up to busy_timeout) for another connection's write
// transaction rather than failing at once.
TEST_F(StoreTest, ACommitWaitsForAnotherWriter) {
  auto read = store_->GetInstance(kCampaign, "finance");
  ASSERT_TRUE(read.ok() && read->has_value());
  std::promise<void> locked;
  std::thread holder([&] {
    SQLite::Database raw(db_.string(), SQLite::OPEN_READWRITE);
    raw.exec("BEGIN IMMEDIATE");
    locked.set_value();
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
    raw.exec("COMMIT");
  });
  locked.get_future().wait();
  store::Changeset ch;
  ch.campaign = kCampaign;
  model::Instance next = **read;
  next.version = (*read)->version + 1;
  ch.instances.push_back({next, (*read)->version});
  ch.events.push_back(model::Event{model::EventType::kPaperReceived, "finance", "office-cao-bin", At("2021-10-08"), {{"n", 1}}});
  auto r = store_->Commit(ch);
  holder.join();
  EXPECT_TRUE(r.ok()) << r.status().str();
  EXPECT_TRUE(VerifyChain().ok);
}

// ----- triggers -----

TEST_F(StoreTest, EventsRefuseUpdateAndDelete) {
  Populate();
  SQLite::Database raw = Raw();
  try {
    raw.exec("UPDATE events SET payload = '{}' WHERE campaign_id = 'taishan-2021' AND seq = 2");
    ADD_FAILURE() << "UPDATE on events was allowed";
  } catch (const SQLite::Exception& e) {
    EXPECT_NE(std::string(e.what()).find("append-only"), std::string::npos) << e.what();
  }
  try {
    raw.exec("DELETE FROM events WHERE campaign_id = 'taishan-2021' AND seq = 2");
    ADD_FAILURE() << "DELETE on events was allowed";
  } catch (const SQLite::Exception& e) {
    EXPECT_NE(std::string(e.what()).find("append-only"), std::string::npos) << e.what();
  }
  try {
    raw.exec("DELETE FROM events");
    ADD_FAILURE() << "DELETE of every event was allowed";
  } catch (const SQLite::Exception& e) {
    EXPECT_NE(std::string(e.what()).find("append-only"), std::string::npos) << e.what();
  }
  EXPECT_TRUE(VerifyChain().ok);
  EXPECT_EQ(EventCount(*store_), Head(*store_).head_seq);
}

TEST_F(StoreTest, ACommitmentIsNeverUpdated) {
  SignFinance();
  SQLite::Database raw = Raw();
  try {
    raw.exec("UPDATE commitments SET stamped = 0 WHERE campaign_id = 'taishan-2021' AND unit_id = 'finance'");
    ADD_FAILURE() << "UPDATE on commitments was allowed";
  } catch (const SQLite::Exception& e) {
    EXPECT_NE(std::string(e.what()).find("never edited"), std::string::npos) << e.what();
  }
  auto signatures = store_->ListCommitments(kCampaign, "finance");
  ASSERT_TRUE(signatures.ok());
  ASSERT_EQ(signatures->size(), 1u);
  EXPECT_TRUE(signatures->front().stamped);
}

// ----- opening by URL -----

TEST(StoreOpen, SqliteUrlOrBarePathAndNothingElse) {
  TempDir dir;
  const fs::path db = dir.path() / "duban.db";
  {
    auto by_url = store::OpenStore("sqlite:" + db.string());
    ASSERT_TRUE(by_url.ok()) << by_url.status().str();
    app::App app(**by_url);
    CreateTaishan(app);
  }
  auto bare = store::OpenStore(db.string());  // the same file
  ASSERT_TRUE(bare.ok()) << bare.status().str();
  auto c = (*bare)->GetCampaign(kCampaign);
  ASSERT_TRUE(c.ok());
  EXPECT_TRUE(c->has_value());
  auto relative = store::OpenStore("sqlite:" + (dir.path() / "nested" / "other.db").string());
  ASSERT_TRUE(relative.ok()) << relative.status().str();
  EXPECT_TRUE(fs::exists(dir.path() / "nested" / "other.db"));

  auto pg = store::OpenStore("postgresql://duban@localhost/duban");
  ASSERT_FALSE(pg.ok());
  EXPECT_EQ(pg.status().code(), Code::kInvalidInput);
  EXPECT_NE(pg.status().message().find("'postgresql'"), std::string::npos) << pg.status().message();
  auto empty = store::OpenStore("sqlite:");
  ASSERT_FALSE(empty.ok());
  EXPECT_EQ(empty.status().code(), Code::kInvalidInput);
}

// ----- the channel column -----

// A database written before events had a channel (schema 4) gains the column
// on opening, and its rows verify as they did.
TEST(StoreSchema, EventsWrittenBeforeChannelsVerifyAfterTheMigration) {
  TempDir dir;
  const fs::path db = dir.path() / "duban.db";
  const auto migrations = store::sqlite::Migrations();
  ASSERT_GE(migrations.size(), 5u);
  const Instant at = At("2021-10-08T09:00");
  std::string prev = store::kGenesisHash;
  {
    SQLite::Database raw(db.string(), SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE);
    raw.exec("CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, applied_at INTEGER NOT NULL DEFAULT 0)");
    for (std::size_t v = 0; v < 4; ++v) {
      raw.exec(migrations[v]);
      raw.exec("INSERT INTO schema_migrations(version) VALUES (" + std::to_string(v + 1) + ")");
    }
    raw.exec("INSERT INTO definitions VALUES ('w', 'workflow', 'w.toml', ''), ('r', 'roster', 'r.toml', '')");
    for (std::int64_t seq = 1; seq <= 3; ++seq) {
      const std::string payload = "{\"n\":" + std::to_string(seq) + "}";
      const std::string hash = store::EventHash("old", seq, "paper.received", "finance", "office-cao-bin", at, payload, prev);
      if (seq == 1)
        raw.exec("INSERT INTO campaigns VALUES ('old', 'Old', 2020, 'Asia/Shanghai', 'w', 'r', 0, 'x', 0, '" +
                 store::kGenesisHash + "')");
      SQLite::Statement ins(raw, "INSERT INTO events VALUES ('old', ?, 'paper.received', 'finance', 'office-cao-bin', ?, ?, ?, ?)");
      ins.bind(1, seq);
      ins.bind(2, static_cast<std::int64_t>(at.time_since_epoch().count()));
      ins.bind(3, payload);
      ins.bind(4, prev);
      ins.bind(5, hash);
      ins.exec();
      prev = hash;
    }
    SQLite::Statement head(raw, "UPDATE campaigns SET head_seq = 3, head_hash = ? WHERE id = 'old'");
    head.bind(1, prev);
    head.exec();
  }
  auto s = Open(db);
  ASSERT_NE(s, nullptr);
  auto report = s->Verify("old");
  ASSERT_TRUE(report.ok()) << report.status().str();
  EXPECT_TRUE(report->ok) << report->problem;
  EXPECT_EQ(report->rows, 3);
  store::EventFilter f;
  f.campaign = "old";
  auto events = s->ListEvents(f);
  ASSERT_TRUE(events.ok());
  ASSERT_EQ(events->size(), 3u);
  EXPECT_EQ(events->front().event.channel, "");
  // New rows chain on, with their channel.
  store::Changeset ch;
  ch.campaign = "old";
  model::Event e{model::EventType::kPaperReceived, "finance", "office-cao-bin", at, {{"n", 4}}};
  e.channel = "cli";
  ch.events.push_back(e);
  ASSERT_TRUE(s->Commit(ch).ok());
  report = s->Verify("old");
  ASSERT_TRUE(report.ok());
  EXPECT_TRUE(report->ok) << report->problem;
  EXPECT_EQ(report->rows, 4);
}

}  // namespace
}  // namespace duban
