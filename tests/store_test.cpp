// The SQLite store against real files: schema and migrations, pragmas, the
// hash chain and its verifier against tampering, append-only triggers,
// optimistic concurrency, client command ids, refused commands.
#include <SQLiteCpp/SQLiteCpp.h>
#include <gtest/gtest.h>

#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <functional>
#include <future>
#include <sstream>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "app/app.h"
#include "core/hash.h"
#include "core/time.h"
#include "store/store.h"
#include "support/temp_dir.h"

namespace duban {
namespace {

namespace fs = std::filesystem;

const fs::path kSource = DUBAN_SOURCE_DIR;
const char* const kCampaign = "taishan-2021";

using duban::testing::TempDir;

Instant At(const std::string& text) {
  auto t = ParseInstant(text, TimeZone::Default());
  EXPECT_TRUE(t.ok()) << text;
  return t.ok() ? *t : Instant{};
}

app::RequestContext As(const std::string& person, const std::string& at,
                      std::optional<std::string> command_id = std::nullopt) {
  return app::RequestContext{person, At(at), std::move(command_id), app::Channel::kCli};
}

std::unique_ptr<store::Store> Open(const fs::path& db) {
  auto s = store::OpenSqlite(db);
  EXPECT_TRUE(s.ok()) << (s.ok() ? "" : s.status().str());
  return s.ok() ? std::move(*s) : nullptr;
}

void CreateTaishan(app::App& app) {
  app::CampaignSpec spec;
  spec.workflow = kSource / "workflows" / "annual-cycle.toml";
  spec.roster = kSource / "workflows" / "taishan-2021" / "roster.toml";
  spec.calendars = kSource / "workflows" / "calendars";
  auto r = app.CreateCampaign(spec, As("office-cao-bin", "2021-09-28"));
  ASSERT_TRUE(r.ok()) << r.status().str();
}

void Fire(app::App& app, const std::string& unit, const std::string& trigger, const std::string& person,
          const std::string& at, const std::string& note = "") {
  auto r = app.Fire(kCampaign, unit, trigger, note, As(person, at));
  ASSERT_TRUE(r.ok()) << unit << " " << trigger << ": " << r.status().str();
}

store::Campaign Head(store::Store& s) {
  auto c = s.GetCampaign(kCampaign);
  EXPECT_TRUE(c.ok() && c->has_value());
  return c.ok() && c->has_value() ? **c : store::Campaign{};
}

std::int64_t EventCount(store::Store& s) {
  store::EventFilter f;
  f.campaign = kCampaign;
  auto events = s.ListEvents(f);
  EXPECT_TRUE(events.ok());
  return events.ok() ? static_cast<std::int64_t>(events->size()) : -1;
}

// Everything the store holds for the campaign, written out so that two
// snapshots compare as strings.
std::string Snapshot(store::Store& s) {
  std::ostringstream out;
  auto c = s.GetCampaign(kCampaign);
  if (!c.ok() || !c->has_value()) return "no campaign";
  const auto& camp = **c;
  out << "campaign " << camp.id << '|' << camp.name << '|' << camp.year << '|' << camp.time_zone << '|'
      << camp.workflow_hash << '|' << camp.roster_hash << '|' << FormatUtc(camp.created_at) << '|'
      << camp.created_by << '|' << camp.head_seq << '|' << camp.head_hash << '\n';
  auto instances = s.ListInstances(kCampaign);
  if (!instances.ok()) return "instances failed";
  for (const auto& i : *instances)
    out << "instance " << i.unit << '|' << i.stage << '|' << i.version << '|' << FormatUtc(i.entered_at) << '|'
        << (i.due_at ? FormatUtc(*i.due_at) : "-") << '|' << i.pending_request.value_or("-") << '\n';
  auto requests = s.ListRequests(kCampaign, std::nullopt);
  if (!requests.ok()) return "requests failed";
  for (const auto& r : *requests)
    out << "request " << r.id << '|' << r.unit << '|' << r.transition << '|' << r.from << '|' << r.to << '|'
        << r.requested_by << '|' << FormatUtc(r.requested_at) << '|' << r.note << '|'
        << model::RequestStatusName(r.status) << '|' << r.decided_by << '|'
        << (r.decided_at ? FormatUtc(*r.decided_at) : "-") << '|' << r.decision_note << '\n';
  auto materials = s.ListMaterials(kCampaign, "");
  if (!materials.ok()) return "materials failed";
  for (const auto& m : *materials)
    out << "material " << m.unit << '|' << m.material << '|' << m.required << '|'
        << model::MaterialStateName(m.state) << '|' << m.explained << '|' << m.submissions << '|' << m.note
        << '|' << FormatUtc(m.updated_at) << '|' << m.updated_by << '\n';
  auto signatures = s.ListCommitments(kCampaign, "");
  if (!signatures.ok()) return "commitments failed";
  for (const auto& x : *signatures)
    out << "commitment " << x.unit << '|' << x.number << '|' << x.signer << '|' << FormatDate(x.signed_on)
        << '|' << x.stamped << '|' << x.document_hash << '|' << x.document_name << '\n';
  store::EventFilter f;
  f.campaign = kCampaign;
  auto events = s.ListEvents(f);
  if (!events.ok()) return "events failed";
  for (const auto& e : *events)
    out << "event " << e.seq << '|' << e.event.type << '|' << e.event.unit << '|' << e.event.actor << '|'
        << FormatUtc(e.event.at) << '|' << e.event.payload.dump() << '|' << e.prev_hash << '|' << e.hash
        << '\n';
  return out.str();
}

// A database with the Taishan campaign and a little history in it: every unit
// kicked off, finance through submission and review to an open request, and a
// signed commitment.
class StoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    db_ = dir_.path() / "duban.db";
    store_ = Open(db_);
    ASSERT_NE(store_, nullptr);
    app_ = std::make_unique<app::App>(*store_);
    CreateTaishan(*app_);
  }

  void Populate() {
    auto ctx = app_->Load(kCampaign);
    ASSERT_TRUE(ctx.ok());
    for (const auto& u : ctx->roster->units) Fire(*app_, u.id, "kickoff", "office-cao-bin", "2021-10-08T09:00");
    Fire(*app_, "finance", "acknowledge", "finance-liaison", "2021-10-09T10:00");
    for (const auto& m : ctx->roster->FindUnit("finance")->materials) {
      if (!m.required) continue;
      auto r = app_->Material(kCampaign, "finance", m.id, machine::MaterialAction::kSubmit, "", {},
                              As("finance-liaison", "2021-10-12T10:00"));
      ASSERT_TRUE(r.ok()) << r.status().str();
    }
    Fire(*app_, "finance", "submit", "finance-liaison", "2021-10-13T10:00");
    Fire(*app_, "finance", "receive", "office-cao-bin", "2021-10-14T10:00");
    for (const auto& m : ctx->roster->FindUnit("finance")->materials) {
      if (!m.required) continue;
      auto r = app_->Material(kCampaign, "finance", m.id, machine::MaterialAction::kAccept, "", {},
                              As("office-cao-bin", "2021-10-15T10:00"));
      ASSERT_TRUE(r.ok()) << r.status().str();
    }
    auto req = app_->Fire(kCampaign, "finance", "accept", "", As("office-cao-bin", "2021-10-15T11:00"));
    ASSERT_TRUE(req.ok()) << req.status().str();
    ASSERT_EQ(req->result["outcome"], "requested");
    SignFinance();
  }

  void SignFinance() {
    const fs::path scan = dir_.path() / "commitment.pdf";
    std::ofstream(scan, std::ios::binary) << "%PDF-1.4 signed and stamped";
    auto r = app_->Sign(kCampaign, "finance", "finance-principal-leader",
                        std::chrono::year{2021} / 10 / 15, true, scan, As("finance-liaison", "2021-10-15T12:00"));
    ASSERT_TRUE(r.ok()) << r.status().str();
  }

  // Closes the store (the app goes with it).
  void Close() {
    app_.reset();
    store_.reset();
  }

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
    EXPECT_EQ(names, (std::vector<std::string>{"attachments", "calendar_years", "campaigns", "commands",
                                               "commitments", "contacts", "definitions", "deliveries",
                                               "delivery_attempts", "due_overrides", "events", "instances",
                                               "materials", "notices", "paper_copies", "requests",
                                               "schema_migrations"}));
    SQLite::Statement triggers(raw, "SELECT name FROM sqlite_master WHERE type = 'trigger' ORDER BY name");
    std::vector<std::string> trigger_names;
    while (triggers.executeStep()) trigger_names.push_back(triggers.getColumn(0).getString());
    EXPECT_EQ(trigger_names, (std::vector<std::string>{"commitments_never_edited", "contacts_history_kept",
                                                       "events_append_only_delete", "events_append_only_update"}));
    SQLite::Statement m(raw, "SELECT version, applied_at FROM schema_migrations ORDER BY version");
    while (m.executeStep())
      migrations_first.push_back(m.getColumn(0).getString() + "@" + m.getColumn(1).getString());
    // Every migration, in order, once.
    ASSERT_EQ(migrations_first.size(), 4u);
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
  auto s = store::OpenSqlite(db);
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

// ----- durability -----

TEST_F(StoreTest, CampaignSurvivesCloseAndReopen) {
  Populate();
  const std::string before = Snapshot(*store_);
  ASSERT_NE(before.find("request finance#1|finance"), std::string::npos) << before;
  ASSERT_NE(before.find("commitment finance|1|finance-principal-leader"), std::string::npos) << before;
  const auto head = Head(*store_);
  EXPECT_GT(head.head_seq, 20);
  Close();

  store_ = Open(db_);
  ASSERT_NE(store_, nullptr);
  EXPECT_EQ(Snapshot(*store_), before);
  // And the app carries on from there: the pending request is decided.
  app_ = std::make_unique<app::App>(*store_);
  auto d = app_->Decide(kCampaign, "finance", true, "", As("office-director-sun-yecun", "2021-10-16T09:00"));
  ASSERT_TRUE(d.ok()) << d.status().str();
  EXPECT_EQ(d->result["outcome"], "approved");
  EXPECT_GT(Head(*store_).head_seq, head.head_seq);
  EXPECT_TRUE(VerifyChain().ok);
}

// ----- several connections -----

// A long-lived store (the daemon) must see what other processes commit: no
// read may leave an old snapshot open behind it.
TEST_F(StoreTest, SeesOtherConnectionsWrites) {
  auto before = store_->GetInstance(kCampaign, "finance");  // a point lookup
  ASSERT_TRUE(before.ok() && before->has_value());
  const auto head = Head(*store_);

  auto other = Open(db_);
  ASSERT_NE(other, nullptr);
  app::App other_app(*other);
  Fire(other_app, "finance", "kickoff", "office-cao-bin", "2021-10-08T09:00");
  const auto other_head = Head(*other);
  ASSERT_GT(other_head.head_seq, head.head_seq);

  auto after = store_->GetInstance(kCampaign, "finance");
  ASSERT_TRUE(after.ok() && after->has_value());
  EXPECT_EQ((*after)->version, (*before)->version + 1);
  EXPECT_NE((*after)->stage, (*before)->stage);
  EXPECT_EQ(Head(*store_).head_seq, other_head.head_seq);
  const auto report = VerifyChain();
  EXPECT_TRUE(report.ok) << report.problem;
  EXPECT_EQ(report.rows, other_head.head_seq);
  // And it writes on top of them.
  Fire(*app_, "finance", "acknowledge", "finance-liaison", "2021-10-09T10:00");
  EXPECT_EQ(Head(*other).head_seq, Head(*store_).head_seq);
}

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
  ch.events.push_back(model::Event{"test.waited", "finance", "office-cao-bin", At("2021-10-08"), {{"n", 1}}});
  auto r = store_->Commit(ch);
  holder.join();
  EXPECT_TRUE(r.ok()) << r.status().str();
  EXPECT_TRUE(VerifyChain().ok);
}

// ----- the hash chain -----

TEST_F(StoreTest, VerifyOkOnACleanChain) {
  Populate();
  const auto report = VerifyChain();
  EXPECT_TRUE(report.ok) << report.problem;
  EXPECT_EQ(report.rows, Head(*store_).head_seq);
  EXPECT_EQ(report.rows, EventCount(*store_));
  EXPECT_TRUE(report.problem.empty());
  // Each stored hash follows the shared rule.
  store::EventFilter f;
  f.campaign = kCampaign;
  auto events = store_->ListEvents(f);
  ASSERT_TRUE(events.ok());
  std::string prev = store::kGenesisHash;
  for (const auto& e : *events) {
    EXPECT_EQ(e.prev_hash, prev) << e.seq;
    EXPECT_EQ(e.hash, store::EventHash(kCampaign, e.seq, e.event.type, e.event.unit, e.event.actor, e.event.at,
                                       e.event.payload.dump(), e.prev_hash))
        << e.seq;
    prev = e.hash;
  }
}

TEST_F(StoreTest, VerifyCatchesAnEditedRow) {
  Populate();
  {
    SQLite::Database raw = Raw();
    raw.exec("DROP TRIGGER events_append_only_update");
    // One byte more: the payload is hashed as stored.
    EXPECT_EQ(raw.exec("UPDATE events SET payload = payload || ' ' WHERE campaign_id = 'taishan-2021' AND seq = 5"),
              1);
  }
  const auto report = VerifyChain();
  EXPECT_FALSE(report.ok);
  EXPECT_EQ(report.seq, 5);
  EXPECT_NE(report.problem.find("altered"), std::string::npos) << report.problem;
}

TEST_F(StoreTest, VerifyCatchesAnEditedActorOrTime) {
  Populate();
  {
    SQLite::Database raw = Raw();
    raw.exec("DROP TRIGGER events_append_only_update");
    raw.exec("UPDATE events SET at = at - 86400 WHERE campaign_id = 'taishan-2021' AND seq = 7");
  }
  auto report = VerifyChain();
  EXPECT_FALSE(report.ok);
  EXPECT_EQ(report.seq, 7);
  EXPECT_NE(report.problem.find("altered"), std::string::npos) << report.problem;
}

TEST_F(StoreTest, VerifyCatchesADeletedMiddleRow) {
  Populate();
  {
    SQLite::Database raw = Raw();
    raw.exec("DROP TRIGGER events_append_only_delete");
    EXPECT_EQ(raw.exec("DELETE FROM events WHERE campaign_id = 'taishan-2021' AND seq = 9"), 1);
  }
  const auto report = VerifyChain();
  EXPECT_FALSE(report.ok);
  EXPECT_EQ(report.seq, 9);
  EXPECT_NE(report.problem.find("missing"), std::string::npos) << report.problem;
}

TEST_F(StoreTest, VerifyCatchesADeletedLastRow) {
  Populate();
  const auto head = Head(*store_);
  {
    SQLite::Database raw = Raw();
    raw.exec("DROP TRIGGER events_append_only_delete");
    SQLite::Statement del(raw, "DELETE FROM events WHERE campaign_id = 'taishan-2021' AND seq = ?");
    del.bind(1, head.head_seq);
    EXPECT_EQ(del.exec(), 1);
  }
  const auto report = VerifyChain();
  EXPECT_FALSE(report.ok);
  EXPECT_EQ(report.rows, head.head_seq - 1);
  EXPECT_EQ(report.seq, head.head_seq);
  EXPECT_NE(report.problem.find("head"), std::string::npos) << report.problem;
}

TEST_F(StoreTest, VerifyCatchesAForgedRowThatHashesCorrectly) {
  Populate();
  // The forger rewrites row 6 and recomputes its hash by the published rule:
  // row 6 alone checks out, but row 7 no longer links to it (a fork).
  {
    SQLite::Database raw = Raw();
    raw.exec("DROP TRIGGER events_append_only_update");
    SQLite::Statement q(raw,
                        "SELECT type, unit_id, actor, at, payload, prev_hash FROM events"
                        " WHERE campaign_id = 'taishan-2021' AND seq = 6");
    ASSERT_TRUE(q.executeStep());
    const std::string payload = "{\"forged\":true}";
    const std::string hash =
        store::EventHash(kCampaign, 6, q.getColumn(0).getString(), q.getColumn(1).getString(),
                         q.getColumn(2).getString(), Instant(std::chrono::seconds(q.getColumn(3).getInt64())),
                         payload, q.getColumn(5).getString());
    SQLite::Statement upd(raw,
                          "UPDATE events SET payload = ?, hash = ? WHERE campaign_id = 'taishan-2021' AND seq = 6");
    upd.bind(1, payload);
    upd.bind(2, hash);
    EXPECT_EQ(upd.exec(), 1);
  }
  const auto report = VerifyChain();
  EXPECT_FALSE(report.ok);
  EXPECT_EQ(report.seq, 7);
  EXPECT_NE(report.problem.find("does not link"), std::string::npos) << report.problem;
}

TEST_F(StoreTest, VerifyCatchesARelinkedRow) {
  Populate();
  // Row 8 is relinked past row 7 (as if 7 had been cut out and the rest
  // renumbered into place), its own hash recomputed.
  {
    SQLite::Database raw = Raw();
    raw.exec("DROP TRIGGER events_append_only_update");
    SQLite::Statement prev(raw, "SELECT hash FROM events WHERE campaign_id = 'taishan-2021' AND seq = 6");
    ASSERT_TRUE(prev.executeStep());
    const std::string six = prev.getColumn(0).getString();
    SQLite::Statement q(raw,
                        "SELECT type, unit_id, actor, at, payload FROM events"
                        " WHERE campaign_id = 'taishan-2021' AND seq = 8");
    ASSERT_TRUE(q.executeStep());
    const std::string hash =
        store::EventHash(kCampaign, 8, q.getColumn(0).getString(), q.getColumn(1).getString(),
                         q.getColumn(2).getString(), Instant(std::chrono::seconds(q.getColumn(3).getInt64())),
                         q.getColumn(4).getString(), six);
    SQLite::Statement upd(raw,
                          "UPDATE events SET prev_hash = ?, hash = ? WHERE campaign_id = 'taishan-2021' AND seq = 8");
    upd.bind(1, six);
    upd.bind(2, hash);
    EXPECT_EQ(upd.exec(), 1);
  }
  const auto report = VerifyChain();
  EXPECT_FALSE(report.ok);
  EXPECT_EQ(report.seq, 8);
  EXPECT_NE(report.problem.find("does not link"), std::string::npos) << report.problem;
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

// ----- optimistic concurrency -----

TEST_F(StoreTest, StaleExpectedVersionIsAConflictAndChangesNothing) {
  Fire(*app_, "finance", "kickoff", "office-cao-bin", "2021-10-08T09:00");
  auto current = store_->GetInstance(kCampaign, "finance");
  ASSERT_TRUE(current.ok() && current->has_value());
  const model::Instance read = **current;

  // Two writers read the same version and each plan a change.
  auto plan = [&](const std::string& actor) {
    store::Changeset ch;
    ch.campaign = kCampaign;
    model::Instance next = read;
    next.version = read.version + 1;
    next.entered_at = At("2021-10-09T10:00");
    ch.instances.push_back({next, read.version});
    ch.events.push_back(model::Event{"test.changed", "finance", actor, At("2021-10-09T10:00"), {{"by", actor}}});
    ch.command = store::CommandRecord{"cmd-" + actor, "fp", 0, "{}"};
    return ch;
  };
  const auto first = plan("finance-liaison");
  const auto second = plan("finance-coordinator");
  auto won = store_->Commit(first);
  ASSERT_TRUE(won.ok()) << won.status().str();
  const std::string after_winner = Snapshot(*store_);
  const auto head = Head(*store_);
  EXPECT_EQ(won->last_seq, head.head_seq);

  auto lost = store_->Commit(second);
  ASSERT_FALSE(lost.ok());
  EXPECT_EQ(lost.status().code(), Code::kConflict) << lost.status().str();
  EXPECT_EQ(Snapshot(*store_), after_winner);
  const auto head_after = Head(*store_);
  EXPECT_EQ(head_after.head_seq, head.head_seq);
  EXPECT_EQ(head_after.head_hash, head.head_hash);
  EXPECT_EQ(EventCount(*store_), head.head_seq);
  auto cmd = store_->GetCommand(kCampaign, "cmd-finance-coordinator");
  ASSERT_TRUE(cmd.ok());
  EXPECT_FALSE(cmd->has_value()) << "the loser's command id was recorded";

  // A version far in the past is just as stale.
  auto older = plan("finance-principal-leader");
  older.instances[0].expected_version = 0;
  auto r = store_->Commit(older);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), Code::kConflict);
  EXPECT_EQ(Snapshot(*store_), after_winner);
  EXPECT_TRUE(VerifyChain().ok);
}

TEST_F(StoreTest, CommandIdRecordedMeanwhileIsAConflict) {
  store::Changeset ch;
  ch.campaign = kCampaign;
  ch.events.push_back(model::Event{"test.noted", "", "office-cao-bin", At("2021-10-01"), {{"n", 1}}});
  ch.command = store::CommandRecord{"same-id", "fp", 0, "{}"};
  ASSERT_TRUE(store_->Commit(ch).ok());
  const auto head = Head(*store_);
  auto again = store_->Commit(ch);
  ASSERT_FALSE(again.ok());
  EXPECT_EQ(again.status().code(), Code::kConflict);
  EXPECT_EQ(Head(*store_).head_seq, head.head_seq);
}

// ----- client command ids -----

TEST_F(StoreTest, RepeatedCommandIdIsAnsweredNotAppliedAgain) {
  auto first = app_->Fire(kCampaign, "finance", "kickoff", "", As("office-cao-bin", "2021-10-08T09:00", "kick-1"));
  ASSERT_TRUE(first.ok()) << first.status().str();
  EXPECT_FALSE(first->replayed);
  const auto head = Head(*store_);
  const std::string snapshot = Snapshot(*store_);

  // The retry (a minute later, say after a lost connection) gets the first answer.
  auto again = app_->Fire(kCampaign, "finance", "kickoff", "", As("office-cao-bin", "2021-10-08T09:01", "kick-1"));
  ASSERT_TRUE(again.ok()) << again.status().str();
  EXPECT_TRUE(again->replayed);
  EXPECT_EQ(again->result, first->result);
  EXPECT_EQ(Head(*store_).head_seq, head.head_seq);
  EXPECT_EQ(Snapshot(*store_), snapshot);

  // The id survives a restart.
  Close();
  store_ = Open(db_);
  ASSERT_NE(store_, nullptr);
  app_ = std::make_unique<app::App>(*store_);
  auto after_restart =
      app_->Fire(kCampaign, "finance", "kickoff", "", As("office-cao-bin", "2021-10-08T09:02", "kick-1"));
  ASSERT_TRUE(after_restart.ok()) << after_restart.status().str();
  EXPECT_TRUE(after_restart->replayed);
  EXPECT_EQ(after_restart->result, first->result);

  // The same id asking for something else is refused as invalid input.
  auto other = app_->Fire(kCampaign, "water", "kickoff", "", As("office-cao-bin", "2021-10-08T09:03", "kick-1"));
  ASSERT_FALSE(other.ok());
  EXPECT_EQ(other.status().code(), Code::kInvalidInput) << other.status().str();
  auto other_verb = app_->Fire(kCampaign, "finance", "acknowledge", "", As("finance-liaison", "2021-10-09", "kick-1"));
  ASSERT_FALSE(other_verb.ok());
  EXPECT_EQ(other_verb.status().code(), Code::kInvalidInput) << other_verb.status().str();
  EXPECT_EQ(Snapshot(*store_), snapshot);
  auto water = store_->GetInstance(kCampaign, "water");
  ASSERT_TRUE(water.ok() && water->has_value());
  EXPECT_EQ((*water)->version, 1);
}

// A Store that runs `hook` once, just before the first GetInstance it serves:
// another writer slipping in between a command's id check and its reads.
class InterleavingStore final : public store::Store {
 public:
  InterleavingStore(store::Store& s, std::function<void()> hook) : s_(s), hook_(std::move(hook)) {}
  Result<std::optional<store::Campaign>> GetCampaign(const std::string& id) override { return s_.GetCampaign(id); }
  Result<std::vector<store::Campaign>> ListCampaigns() override { return s_.ListCampaigns(); }
  Result<std::optional<store::Definition>> GetDefinition(const std::string& h) override {
    return s_.GetDefinition(h);
  }
  Result<std::vector<model::Instance>> ListInstances(const std::string& c) override { return s_.ListInstances(c); }
  Result<std::optional<model::Instance>> GetInstance(const std::string& c, const std::string& u) override {
    if (hook_) std::exchange(hook_, nullptr)();
    return s_.GetInstance(c, u);
  }
  Result<std::vector<model::Request>> ListRequests(const std::string& c,
                                                   std::optional<model::RequestStatus> st) override {
    return s_.ListRequests(c, st);
  }
  Result<std::optional<model::Request>> GetRequest(const std::string& c, const std::string& id) override {
    return s_.GetRequest(c, id);
  }
  Result<std::int64_t> CountRequests(const std::string& c, const std::string& u) override {
    return s_.CountRequests(c, u);
  }
  Result<std::vector<model::StoredEvent>> ListEvents(const store::EventFilter& f) override {
    return s_.ListEvents(f);
  }
  Result<std::optional<store::CommandRecord>> GetCommand(const std::string& c, const std::string& id) override {
    return s_.GetCommand(c, id);
  }
  Result<std::vector<store::CalendarYear>> ListCalendarYears() override { return s_.ListCalendarYears(); }
  Result<std::vector<std::pair<int, std::string>>> CalendarHashes() override { return s_.CalendarHashes(); }
  Result<std::vector<model::DueOverride>> ListDueOverrides(const std::string& c) override {
    return s_.ListDueOverrides(c);
  }
  Result<std::vector<std::pair<std::string, model::Instance>>> ListDueInstances(Instant now,
                                                                               std::size_t limit) override {
    return s_.ListDueInstances(now, limit);
  }
  Result<std::optional<Instant>> NextDeadline() override { return s_.NextDeadline(); }
  Result<std::vector<model::Attachment>> ListAttachments(const std::string& c, const std::string& u) override {
    return s_.ListAttachments(c, u);
  }
  Result<std::vector<model::Contact>> ListContacts(const std::string& c, const std::string& u) override {
    return s_.ListContacts(c, u);
  }
  Result<std::vector<std::pair<std::string, int>>> ListPaperCopies(const std::string& c) override {
    return s_.ListPaperCopies(c);
  }
  notify::Outbox& Outbox() override { return s_.Outbox(); }
  Result<std::vector<store::NoticeRecord>> ListNotices(const store::NoticeFilter& f) override {
    return s_.ListNotices(f);
  }
  Result<int> RetryNotice(const std::string& id, const std::string& plugin) override {
    return s_.RetryNotice(id, plugin);
  }
  Result<std::vector<model::MaterialRecord>> ListMaterials(const std::string& c, const std::string& u) override {
    return s_.ListMaterials(c, u);
  }
  Result<std::vector<model::Commitment>> ListCommitments(const std::string& c, const std::string& u) override {
    return s_.ListCommitments(c, u);
  }
  Result<store::VerifyReport> Verify(const std::string& c) override { return s_.Verify(c); }
  Result<store::CommitResult> Commit(const store::Changeset& ch) override { return s_.Commit(ch); }

 private:
  store::Store& s_;
  std::function<void()> hook_;
};

// A retry racing its own first attempt: the first attempt commits after the
// retry checked the id but before it read the unit. The retry must still get
// the first answer, not a refusal from the stage the first attempt moved to.
TEST_F(StoreTest, RetryRacingTheFirstAttemptGetsItsAnswer) {
  Fire(*app_, "finance", "kickoff", "office-cao-bin", "2021-10-08T09:00");
  auto first_store = Open(db_);
  ASSERT_NE(first_store, nullptr);
  app::App first_app(*first_store);
  Result<app::Outcome> first = Status::Internal("not run");
  InterleavingStore racing(*store_, [&] {
    first = first_app.Fire(kCampaign, "finance", "acknowledge", "",
                           As("finance-liaison", "2021-10-09T10:00", "ack-1"));
  });
  app::App retry_app(racing);
  auto retry = retry_app.Fire(kCampaign, "finance", "acknowledge", "", As("finance-liaison", "2021-10-09T10:00", "ack-1"));
  ASSERT_TRUE(first.ok()) << first.status().str();
  EXPECT_FALSE(first->replayed);
  ASSERT_TRUE(retry.ok()) << retry.status().str();
  EXPECT_TRUE(retry->replayed);
  EXPECT_EQ(retry->result, first->result);
  store::EventFilter f;
  f.campaign = kCampaign;
  f.unit = "finance";
  f.type = "transition.applied";
  auto moves = store_->ListEvents(f);
  ASSERT_TRUE(moves.ok());
  EXPECT_EQ(moves->size(), 2u);  // kickoff, acknowledge once
}

// ----- refusals -----

TEST_F(StoreTest, RefusedCommandLeavesTheChainAlone) {
  const auto head = Head(*store_);
  const std::string snapshot = Snapshot(*store_);
  auto r = app_->Fire(kCampaign, "finance", "kickoff", "", As("finance-liaison", "2021-10-08T09:00", "liaison-1"));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), Code::kRefused);
  EXPECT_EQ(r.status().exit_code(), 3);
  const auto after = Head(*store_);
  EXPECT_EQ(after.head_seq, head.head_seq);
  EXPECT_EQ(after.head_hash, head.head_hash);
  EXPECT_EQ(Snapshot(*store_), snapshot);

  // Refused by the stage as well: acknowledge before kickoff.
  auto early = app_->Fire(kCampaign, "finance", "acknowledge", "", As("finance-liaison", "2021-10-08T09:00"));
  ASSERT_FALSE(early.ok());
  EXPECT_EQ(early.status().code(), Code::kRefused);
  EXPECT_EQ(Head(*store_).head_seq, head.head_seq);
  EXPECT_TRUE(VerifyChain().ok);
}

}  // namespace
}  // namespace duban
