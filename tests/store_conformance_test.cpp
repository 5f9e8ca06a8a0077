// The store's contracts (store/store.h, store/outbox.h, store/chain.h), held
// against every backend: event order per campaign, conflicts on stale
// instance versions, client command ids, the hash chain and its verifier
// against tampering, the outbox's claims, the ledger's snapshot, the
// lists' cursors, and the accounts, sessions and tokens. Each backend brings a factory (Backend below); SQLite's is
// here, PostgreSQL's comes with its backend. What only one backend has
// (SQLite's schema, pragmas and triggers) is tested in its own file
// (store_test.cpp).
#include <SQLiteCpp/SQLiteCpp.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <functional>
#include <ostream>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "app/app.h"
#include "store/chain.h"
#include "store/store.h"
#include "store/testing/memory_outbox.h"
#include "support/store_support.h"
#include "support/temp_dir.h"

namespace duban {
namespace {

namespace fs = std::filesystem;
using namespace duban::testing;  // NOLINT: the Taishan helpers

// A backend under test: one database per test, and raw access around the
// store's own checks, for the tampering tests.
class Backend {
 public:
  virtual ~Backend() = default;
  // A store on this test's database, created empty by the first call; each
  // call opens a new connection to the same database.
  virtual std::unique_ptr<store::Store> Open() = 0;
  // Rewrites the stored event (campaign, seq) as `edit` changes it, around
  // the store (append-only guards lifted for the edit).
  virtual void RewriteEvent(const std::string& campaign, std::int64_t seq,
                            const std::function<void(store::ChainRow&)>& edit) = 0;
  // Deletes the stored event (campaign, seq), around the store.
  virtual void DeleteEvent(const std::string& campaign, std::int64_t seq) = 0;
};

struct BackendFactory {
  std::string name;
  std::function<std::unique_ptr<Backend>()> make;
};
void PrintTo(const BackendFactory& b, std::ostream* os) { *os << b.name; }

class SqliteBackend final : public Backend {
 public:
  std::unique_ptr<store::Store> Open() override {
    auto s = store::OpenStore("sqlite:" + db_.string());
    EXPECT_TRUE(s.ok()) << (s.ok() ? "" : s.status().str());
    return s.ok() ? std::move(*s) : nullptr;
  }

  void RewriteEvent(const std::string& campaign, std::int64_t seq,
                    const std::function<void(store::ChainRow&)>& edit) override {
    SQLite::Database raw(db_.string(), SQLite::OPEN_READWRITE);
    SQLite::Transaction tx(raw);
    SQLite::Statement q(raw,
                        "SELECT type, unit_id, actor, at, payload, prev_hash, hash, channel FROM events"
                        " WHERE campaign_id = ? AND seq = ?");
    q.bind(1, campaign);
    q.bind(2, seq);
    ASSERT_TRUE(q.executeStep()) << "no event " << seq;
    store::ChainRow row;
    row.seq = seq;
    row.type = q.getColumn(0).getString();
    row.unit = q.getColumn(1).getString();
    row.actor = q.getColumn(2).getString();
    row.at = Instant(std::chrono::seconds(q.getColumn(3).getInt64()));
    row.payload = q.getColumn(4).getString();
    row.prev_hash = q.getColumn(5).getString();
    row.hash = q.getColumn(6).getString();
    row.channel = q.getColumn(7).getString();
    q.reset();
    edit(row);
    raw.exec("DROP TRIGGER events_append_only_update");
    SQLite::Statement upd(raw,
                          "UPDATE events SET type = ?, unit_id = ?, actor = ?, at = ?, payload = ?, prev_hash = ?,"
                          " hash = ?, channel = ? WHERE campaign_id = ? AND seq = ?");
    upd.bind(1, row.type);
    upd.bind(2, row.unit);
    upd.bind(3, row.actor);
    upd.bind(4, static_cast<std::int64_t>(row.at.time_since_epoch().count()));
    upd.bind(5, row.payload);
    upd.bind(6, row.prev_hash);
    upd.bind(7, row.hash);
    upd.bind(8, row.channel);
    upd.bind(9, campaign);
    upd.bind(10, seq);
    EXPECT_EQ(upd.exec(), 1);
    raw.exec(
        "CREATE TRIGGER events_append_only_update BEFORE UPDATE ON events"
        " BEGIN SELECT RAISE(ABORT, 'events are append-only'); END");
    tx.commit();
  }

  void DeleteEvent(const std::string& campaign, std::int64_t seq) override {
    SQLite::Database raw(db_.string(), SQLite::OPEN_READWRITE);
    SQLite::Transaction tx(raw);
    raw.exec("DROP TRIGGER events_append_only_delete");
    SQLite::Statement del(raw, "DELETE FROM events WHERE campaign_id = ? AND seq = ?");
    del.bind(1, campaign);
    del.bind(2, seq);
    EXPECT_EQ(del.exec(), 1);
    raw.exec(
        "CREATE TRIGGER events_append_only_delete BEFORE DELETE ON events"
        " BEGIN SELECT RAISE(ABORT, 'events are append-only'); END");
    tx.commit();
  }

 private:
  TempDir dir_{"conformance"};
  fs::path db_ = dir_.path() / "duban.db";
};

// Commits `n` events on `unit`, each with a notice for finance's liaison
// (`urgent` ones in their own lane). Returns the notice ids.
std::vector<std::string> CommitNotices(store::Store& store, const std::string& unit, int n, bool urgent = false,
                                       model::EventType type = model::EventType::kMaterialSubmitted) {
  store::Changeset ch;
  ch.campaign = kCampaign;
  for (int i = 0; i < n; ++i) {
    ch.events.push_back(model::Event{type, unit, "office-cao-bin", At("2021-10-08T09:00"), {{"i", i}}});
    model::Notice notice;
    notice.campaign_name = "泰山区";
    notice.urgent = urgent;
    notice.recipients.push_back(model::Recipient{"finance-liaison", "王芳", "wang@example.net", "liaison"});
    ch.notices.push_back(store::NoticeDraft{static_cast<std::size_t>(i), std::move(notice)});
  }
  auto r = store.Commit(ch);
  EXPECT_TRUE(r.ok()) << (r.ok() ? "" : r.status().str());
  std::vector<std::string> ids;
  if (r.ok())
    for (auto seq = r->first_seq; seq <= r->last_seq; ++seq) ids.push_back(model::NoticeId(kCampaign, seq));
  return ids;
}

// The Taishan campaign on a fresh database of the backend.
class StoreConformance : public ::testing::TestWithParam<BackendFactory> {
 protected:
  void SetUp() override {
    backend_ = GetParam().make();
    store_ = backend_->Open();
    ASSERT_NE(store_, nullptr);
    app_ = std::make_unique<app::App>(*store_);
    CreateTaishan(*app_);
  }

  void Populate() { testing::Populate(*app_, files_.path()); }

  // Closes the store and opens it again (the app goes with it).
  void Reopen() {
    app_.reset();
    store_.reset();
    store_ = backend_->Open();
    ASSERT_NE(store_, nullptr);
    app_ = std::make_unique<app::App>(*store_);
  }

  store::VerifyReport VerifyChain() {
    auto r = store_->Verify(kCampaign);
    EXPECT_TRUE(r.ok()) << (r.ok() ? "" : r.status().str());
    return r.ok() ? *r : store::VerifyReport{};
  }

  std::vector<model::StoredEvent> Events(const std::string& campaign = kCampaign) {
    store::EventFilter f;
    f.campaign = campaign;
    auto events = store_->ListEvents(f);
    EXPECT_TRUE(events.ok());
    return events.ok() ? *events : std::vector<model::StoredEvent>{};
  }

  // CommitNotices on this test's store.
  std::vector<std::string> QueueNotices(const std::string& unit, int n, bool urgent = false,
                                        model::EventType type = model::EventType::kMaterialSubmitted) {
    return CommitNotices(*store_, unit, n, urgent, type);
  }

  static std::vector<std::string> Ids(const std::vector<store::Delivery>& ds) {
    std::vector<std::string> out;
    for (const auto& d : ds) out.push_back(d.notice.id);
    return out;
  }

  std::vector<std::string> DueIds(const std::string& plugin, Instant now) {
    auto due = store_->Outbox().Due(plugin, now, 100);
    EXPECT_TRUE(due.ok()) << (due.ok() ? "" : due.status().str());
    return due.ok() ? Ids(*due) : std::vector<std::string>{};
  }

  static store::DeliveryResult Outcome(const std::string& id, store::DeliveryState state, int expected,
                                       Instant at) {
    store::DeliveryResult r;
    r.notice_id = id;
    r.plugin = "mail";
    r.expected_attempts = expected;
    r.attempts = expected + 1;
    r.state = state;
    r.attempted_at = at;
    if (state != store::DeliveryState::kDelivered) r.error = "smtp said no";
    return r;
  }

  std::unique_ptr<Backend> backend_;
  TempDir files_{"conformance-files"};
  std::unique_ptr<store::Store> store_;
  std::unique_ptr<app::App> app_;
};

// ----- durability and several connections -----

TEST_P(StoreConformance, CampaignSurvivesCloseAndReopen) {
  Populate();
  const std::string before = Snapshot(*store_);
  ASSERT_NE(before.find("request finance#1|finance"), std::string::npos) << before;
  ASSERT_NE(before.find("commitment finance|1|finance-principal-leader"), std::string::npos) << before;
  const auto head = Head(*store_);
  EXPECT_GT(head.head_seq, 20);
  Reopen();
  EXPECT_EQ(Snapshot(*store_), before);
  // And the app carries on from there: the pending request is decided.
  auto d = app_->Decide(kCampaign, "finance", true, "", As("office-director-sun-yecun", "2021-10-16T09:00"));
  ASSERT_TRUE(d.ok()) << d.status().str();
  EXPECT_EQ(wire::ToJson(d->value)["outcome"], "approved");
  EXPECT_GT(Head(*store_).head_seq, head.head_seq);
  EXPECT_TRUE(VerifyChain().ok);
}

// A long-lived store (the daemon) must see what other connections commit: no
// read may leave an old snapshot open behind it.
TEST_P(StoreConformance, SeesOtherConnectionsWrites) {
  auto before = store_->GetInstance(kCampaign, "finance");  // a point lookup
  ASSERT_TRUE(before.ok() && before->has_value());
  const auto head = Head(*store_);

  auto other = backend_->Open();
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

// ----- event order -----

// Each campaign numbers its own events 1, 2, ... in commit order, however
// the commits of two campaigns interleave, over two connections.
TEST_P(StoreConformance, EachCampaignNumbersItsEventsInCommitOrder) {
  CreateTaishan(*app_, "taishan-2021-copy");
  auto other = backend_->Open();
  ASSERT_NE(other, nullptr);
  const auto start = Head(*store_).head_seq;
  const auto start_copy = Head(*store_, "taishan-2021-copy").head_seq;
  for (int i = 0; i < 6; ++i) {
    store::Store& s = i % 2 == 0 ? *store_ : *other;
    store::Changeset ch;
    ch.campaign = i % 3 == 0 ? "taishan-2021-copy" : kCampaign;
    ch.events.push_back(model::Event{model::EventType::kMaterialSubmitted, "finance", "office-cao-bin", At("2021-10-08"), {{"i", i}}});
    ch.events.push_back(model::Event{model::EventType::kMaterialAccepted, "water", "office-cao-bin", At("2021-10-08"), {{"i", i}}});
    auto r = s.Commit(ch);
    ASSERT_TRUE(r.ok()) << r.status().str();
    EXPECT_EQ(r->last_seq, r->first_seq + 1);
  }
  for (const std::string& campaign : {std::string(kCampaign), std::string("taishan-2021-copy")}) {
    const auto events = Events(campaign);
    ASSERT_FALSE(events.empty());
    for (std::size_t k = 0; k < events.size(); ++k) EXPECT_EQ(events[k].seq, static_cast<std::int64_t>(k + 1));
    std::vector<int> order;
    for (const auto& e : events)
      if (e.event.type == model::EventType::kMaterialSubmitted) order.push_back(e.event.payload["i"].get<int>());
    EXPECT_TRUE(std::is_sorted(order.begin(), order.end())) << campaign;
    auto report = store_->Verify(campaign);
    ASSERT_TRUE(report.ok());
    EXPECT_TRUE(report->ok) << report->problem;
  }
  EXPECT_EQ(Head(*store_).head_seq, start + 8);
  EXPECT_EQ(Head(*store_, "taishan-2021-copy").head_seq, start_copy + 4);
}

// Events page by after_seq and limit, in seq order; filters by unit and type
// (a prefix ending in ".*").
TEST_P(StoreConformance, EventsPageByTheirSequenceNumber) {
  Populate();
  const auto all = Events();
  ASSERT_GT(all.size(), 10u);
  std::vector<std::int64_t> paged;
  store::EventFilter f;
  f.campaign = kCampaign;
  f.limit = 4;
  for (;;) {
    auto page = store_->ListEvents(f);
    ASSERT_TRUE(page.ok());
    if (page->empty()) break;
    EXPECT_LE(page->size(), 4u);
    for (const auto& e : *page) paged.push_back(e.seq);
    f.after_seq = page->back().seq;
  }
  ASSERT_EQ(paged.size(), all.size());
  for (std::size_t i = 0; i < all.size(); ++i) EXPECT_EQ(paged[i], all[i].seq);

  store::EventFilter finance;
  finance.campaign = kCampaign;
  finance.unit = "finance";
  finance.type = "transition.*";
  auto moves = store_->ListEvents(finance);
  ASSERT_TRUE(moves.ok());
  ASSERT_FALSE(moves->empty());
  for (const auto& e : *moves) {
    EXPECT_EQ(e.event.unit, "finance");
    EXPECT_TRUE(model::EventTypeName(e.event.type).starts_with("transition.")) << model::EventTypeName(e.event.type);
  }
}

// ----- the channel -----

// An event's channel is stored and hashed; an event without one hashes by
// the rule of the rows from before channels.
TEST_P(StoreConformance, TheChannelIsStoredAndHashedOnlyWhenSet) {
  store::Changeset ch;
  ch.campaign = kCampaign;
  model::Event by_cli{model::EventType::kPaperReceived, "finance", "office-cao-bin", At("2021-10-08"), {{"n", 1}}};
  by_cli.channel = "cli";
  ch.events.push_back(by_cli);
  ch.events.push_back(model::Event{model::EventType::kPaperReceived, "finance", "office-cao-bin", At("2021-10-08"), {{"n", 2}}});
  auto r = store_->Commit(ch);
  ASSERT_TRUE(r.ok()) << r.status().str();
  const auto events = Events();
  const auto& with = events[static_cast<std::size_t>(r->first_seq - 1)];
  const auto& without = events[static_cast<std::size_t>(r->last_seq - 1)];
  EXPECT_EQ(with.event.channel, "cli");
  EXPECT_EQ(without.event.channel, "");
  const std::string payload = with.event.payload.dump();
  EXPECT_EQ(with.hash, store::EventHash(kCampaign, with.seq, std::string(model::EventTypeName(with.event.type)), with.event.unit, with.event.actor,
                                        with.event.at, payload, with.prev_hash, "cli"));
  EXPECT_NE(with.hash, store::EventHash(kCampaign, with.seq, std::string(model::EventTypeName(with.event.type)), with.event.unit, with.event.actor,
                                        with.event.at, payload, with.prev_hash));
  EXPECT_EQ(without.hash,
            store::EventHash(kCampaign, without.seq, std::string(model::EventTypeName(without.event.type)), without.event.unit, without.event.actor,
                             without.event.at, without.event.payload.dump(), without.prev_hash));
  EXPECT_TRUE(VerifyChain().ok);
  // A changed channel is a changed row.
  backend_->RewriteEvent(kCampaign, with.seq, [](store::ChainRow& row) { row.channel = "token"; });
  const auto report = VerifyChain();
  EXPECT_FALSE(report.ok);
  EXPECT_EQ(report.seq, with.seq);
}

// ----- the hash chain -----

TEST_P(StoreConformance, VerifyOkOnACleanChain) {
  Populate();
  const auto report = VerifyChain();
  EXPECT_TRUE(report.ok) << report.problem;
  EXPECT_EQ(report.rows, Head(*store_).head_seq);
  EXPECT_EQ(report.rows, EventCount(*store_));
  EXPECT_TRUE(report.problem.empty());
  // Each stored hash follows the shared rule.
  std::string prev = store::kGenesisHash;
  for (const auto& e : Events()) {
    EXPECT_EQ(e.prev_hash, prev) << e.seq;
    EXPECT_EQ(e.hash, store::EventHash(kCampaign, e.seq, std::string(model::EventTypeName(e.event.type)), e.event.unit, e.event.actor, e.event.at,
                                       e.event.payload.dump(), e.prev_hash, e.event.channel))
        << e.seq;
    prev = e.hash;
  }
}

TEST_P(StoreConformance, VerifyCatchesAnEditedRow) {
  Populate();
  // One byte more: the payload is hashed as stored.
  backend_->RewriteEvent(kCampaign, 5, [](store::ChainRow& row) { row.payload += " "; });
  const auto report = VerifyChain();
  EXPECT_FALSE(report.ok);
  EXPECT_EQ(report.seq, 5);
  EXPECT_NE(report.problem.find("altered"), std::string::npos) << report.problem;
}

TEST_P(StoreConformance, VerifyCatchesAnEditedActorOrTime) {
  Populate();
  backend_->RewriteEvent(kCampaign, 7, [](store::ChainRow& row) { row.at -= std::chrono::hours(24); });
  auto report = VerifyChain();
  EXPECT_FALSE(report.ok);
  EXPECT_EQ(report.seq, 7);
  EXPECT_NE(report.problem.find("altered"), std::string::npos) << report.problem;
  backend_->RewriteEvent(kCampaign, 7, [](store::ChainRow& row) {
    row.at += std::chrono::hours(24);
    row.actor = "someone-else";
  });
  report = VerifyChain();
  EXPECT_FALSE(report.ok);
  EXPECT_EQ(report.seq, 7);
}

TEST_P(StoreConformance, VerifyCatchesADeletedMiddleRow) {
  Populate();
  backend_->DeleteEvent(kCampaign, 9);
  const auto report = VerifyChain();
  EXPECT_FALSE(report.ok);
  EXPECT_EQ(report.seq, 9);
  EXPECT_NE(report.problem.find("missing"), std::string::npos) << report.problem;
}

TEST_P(StoreConformance, VerifyCatchesADeletedLastRow) {
  Populate();
  const auto head = Head(*store_);
  backend_->DeleteEvent(kCampaign, head.head_seq);
  const auto report = VerifyChain();
  EXPECT_FALSE(report.ok);
  EXPECT_EQ(report.rows, head.head_seq - 1);
  EXPECT_EQ(report.seq, head.head_seq);
  EXPECT_NE(report.problem.find("head"), std::string::npos) << report.problem;
}

TEST_P(StoreConformance, VerifyCatchesAForgedRowThatHashesCorrectly) {
  Populate();
  // The forger rewrites row 6 and recomputes its hash by the published rule:
  // row 6 alone checks out, but row 7 no longer links to it (a fork).
  backend_->RewriteEvent(kCampaign, 6, [](store::ChainRow& row) {
    row.payload = "{\"forged\":true}";
    row.hash = store::EventHash(kCampaign, row);
  });
  const auto report = VerifyChain();
  EXPECT_FALSE(report.ok);
  EXPECT_EQ(report.seq, 7);
  EXPECT_NE(report.problem.find("does not link"), std::string::npos) << report.problem;
}

TEST_P(StoreConformance, VerifyCatchesARelinkedRow) {
  Populate();
  // Row 8 is relinked past row 7 (as if 7 had been cut out and the rest
  // renumbered into place), its own hash recomputed.
  const std::string six = Events()[5].hash;
  backend_->RewriteEvent(kCampaign, 8, [&](store::ChainRow& row) {
    row.prev_hash = six;
    row.hash = store::EventHash(kCampaign, row);
  });
  const auto report = VerifyChain();
  EXPECT_FALSE(report.ok);
  EXPECT_EQ(report.seq, 8);
  EXPECT_NE(report.problem.find("does not link"), std::string::npos) << report.problem;
}

// ----- optimistic concurrency -----

TEST_P(StoreConformance, StaleExpectedVersionIsAConflictAndChangesNothing) {
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
    ch.events.push_back(model::Event{model::EventType::kPaperReceived, "finance", actor, At("2021-10-09T10:00"), {{"by", actor}}});
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

// ----- client command ids -----

// A recorded id answers with its record; committing it again is a Conflict,
// so it is stored once.
TEST_P(StoreConformance, CommandIdRecordedMeanwhileIsAConflict) {
  store::Changeset ch;
  ch.campaign = kCampaign;
  ch.events.push_back(model::Event{model::EventType::kPaperReceived, "", "office-cao-bin", At("2021-10-01"), {{"n", 1}}});
  ch.command = store::CommandRecord{"same-id", "fp", 0, "{\"answer\":1}"};
  ASSERT_TRUE(store_->Commit(ch).ok());
  const auto head = Head(*store_);
  auto again = store_->Commit(ch);
  ASSERT_FALSE(again.ok());
  EXPECT_EQ(again.status().code(), Code::kConflict);
  EXPECT_EQ(Head(*store_).head_seq, head.head_seq);
  auto recorded = store_->GetCommand(kCampaign, "same-id");
  ASSERT_TRUE(recorded.ok() && recorded->has_value());
  EXPECT_EQ((*recorded)->fingerprint, "fp");
  EXPECT_EQ((*recorded)->result, "{\"answer\":1}");
  auto none = store_->GetCommand(kCampaign, "other-id");
  ASSERT_TRUE(none.ok());
  EXPECT_FALSE(none->has_value());
}

TEST_P(StoreConformance, RepeatedCommandIdIsAnsweredNotAppliedAgain) {
  auto first = app_->Fire(kCampaign, "finance", "kickoff", "", As("office-cao-bin", "2021-10-08T09:00", "kick-1"));
  ASSERT_TRUE(first.ok()) << first.status().str();
  EXPECT_FALSE(first->replayed);
  const auto head = Head(*store_);
  const std::string snapshot = Snapshot(*store_);

  // The retry (a minute later, say after a lost connection) gets the first answer.
  auto again = app_->Fire(kCampaign, "finance", "kickoff", "", As("office-cao-bin", "2021-10-08T09:01", "kick-1"));
  ASSERT_TRUE(again.ok()) << again.status().str();
  EXPECT_TRUE(again->replayed);
  EXPECT_EQ(wire::ToJson(again->value), wire::ToJson(first->value));
  EXPECT_EQ(Head(*store_).head_seq, head.head_seq);
  EXPECT_EQ(Snapshot(*store_), snapshot);

  // The id survives a restart.
  Reopen();
  auto after_restart =
      app_->Fire(kCampaign, "finance", "kickoff", "", As("office-cao-bin", "2021-10-08T09:02", "kick-1"));
  ASSERT_TRUE(after_restart.ok()) << after_restart.status().str();
  EXPECT_TRUE(after_restart->replayed);
  EXPECT_EQ(wire::ToJson(after_restart->value), wire::ToJson(first->value));

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
  Result<std::vector<store::HeldNotice>> ListHeld(const std::string& c, bool with_consumed) override {
    return s_.ListHeld(c, with_consumed);
  }
  Result<std::vector<store::DigestRecord>> ListDigests(const std::string& c) override { return s_.ListDigests(c); }
  Result<std::optional<store::Definition>> GetDefinition(const std::string& h) override {
    return s_.GetDefinition(h);
  }
  Result<std::vector<model::Instance>> ListInstances(const std::string& c) override { return s_.ListInstances(c); }
  Result<std::optional<model::Instance>> GetInstance(const std::string& c, const std::string& u) override {
    if (hook_) std::exchange(hook_, nullptr)();
    return s_.GetInstance(c, u);
  }
  using store::Store::ListRequests;
  Result<std::vector<model::Request>> ListRequests(const store::RequestFilter& f) override {
    return s_.ListRequests(f);
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
  Result<store::LedgerSnapshot> ReadLedger(const std::string& c, const std::string& type) override {
    return s_.ReadLedger(c, type);
  }
  store::Outbox& Outbox() override { return s_.Outbox(); }
  store::Accounts& Accounts() override { return s_.Accounts(); }
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
  Status BeginBatch() override { return s_.BeginBatch(); }
  Status CommitBatch() override { return s_.CommitBatch(); }

 private:
  store::Store& s_;
  std::function<void()> hook_;
};

// A retry racing its own first attempt: the first attempt commits after the
// retry checked the id but before it read the unit. The retry must still get
// the first answer, not a refusal from the stage the first attempt moved to.
TEST_P(StoreConformance, RetryRacingTheFirstAttemptGetsItsAnswer) {
  Fire(*app_, "finance", "kickoff", "office-cao-bin", "2021-10-08T09:00");
  auto first_store = backend_->Open();
  ASSERT_NE(first_store, nullptr);
  app::App first_app(*first_store);
  Result<app::Outcome<wire::Fired>> first = Status::Internal("not run");
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
  EXPECT_EQ(wire::ToJson(retry->value), wire::ToJson(first->value));
  store::EventFilter f;
  f.campaign = kCampaign;
  f.unit = "finance";
  f.type = "transition.applied";
  auto moves = store_->ListEvents(f);
  ASSERT_TRUE(moves.ok());
  EXPECT_EQ(moves->size(), 2u);  // kickoff, acknowledge once
}

TEST_P(StoreConformance, RefusedCommandLeavesTheChainAlone) {
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

// ----- the outbox -----

// Plan gives every notice one delivery per plugin, in event order, pending or
// skipped as the plugin wants; again it adds nothing; a later plugin gets the
// backlog; a failing `wants` stops it, keeping what it made before.
TEST_P(StoreConformance, OutboxPlansEachNoticeOncePerPlugin) {
  const auto noticed = QueueNotices("finance", 2);
  const auto skipped = QueueNotices("water", 1, false, model::EventType::kMaterialReturned);
  auto& outbox = store_->Outbox();
  int asked = 0;
  auto wants = [&](model::EventType type) -> Result<bool> {
    ++asked;
    return type != model::EventType::kMaterialReturned;
  };
  ASSERT_TRUE(outbox.Plan("mail", wants).ok());
  EXPECT_GT(asked, 0);
  const Instant now = At("2021-10-08T10:00");
  EXPECT_EQ(DueIds("mail", now), (std::vector<std::string>{noticed[0]}));
  auto listed = store_->ListNotices(store::NoticeFilter{kCampaign, "water", std::nullopt, "", 0});
  ASSERT_TRUE(listed.ok());
  ASSERT_EQ(listed->size(), 1u);
  ASSERT_EQ(listed->front().deliveries.size(), 1u);
  EXPECT_EQ(listed->front().deliveries.front().state, store::DeliveryState::kSkipped);
  EXPECT_EQ(listed->front().notice.id, skipped[0]);

  // Idempotent.
  asked = 0;
  ASSERT_TRUE(outbox.Plan("mail", wants).ok());
  EXPECT_EQ(asked, 0);
  auto again = store_->ListNotices(store::NoticeFilter{kCampaign, std::nullopt, std::nullopt, "", 0});
  ASSERT_TRUE(again.ok());
  for (const auto& n : *again) EXPECT_EQ(n.deliveries.size(), 1u) << n.notice.id;

  // A plugin that fails to answer stops planning with its Status.
  auto failing = outbox.Plan("hook", [](model::EventType) -> Result<bool> { return Status::Io("probe died"); });
  EXPECT_EQ(failing.code(), Code::kIo);
  EXPECT_TRUE(DueIds("hook", now).empty());
  // Configured later, it receives the backlog.
  ASSERT_TRUE(outbox.Plan("hook", wants).ok());
  EXPECT_EQ(DueIds("hook", now), (std::vector<std::string>{noticed[0]}));
}

// Only a lane's head is due: a lane is (campaign, unit, urgent) in event
// order; Due returns heads by campaign and seq, at most `limit`.
TEST_P(StoreConformance, OutboxLanesGoInOrder) {
  const auto finance = QueueNotices("finance", 2);
  const auto water = QueueNotices("water", 1);
  const auto urgent = QueueNotices("finance", 1, true);
  auto& outbox = store_->Outbox();
  ASSERT_TRUE(outbox.Plan("mail", [](model::EventType) -> Result<bool> { return true; }).ok());
  const Instant now = At("2021-10-08T10:00");
  EXPECT_EQ(DueIds("mail", now), (std::vector<std::string>{finance[0], water[0], urgent[0]}));
  auto two = outbox.Due("mail", now, 2);
  ASSERT_TRUE(two.ok());
  EXPECT_EQ(Ids(*two), (std::vector<std::string>{finance[0], water[0]}));
  EXPECT_EQ(two->front().notice.recipients.front().email, "wang@example.net");
  EXPECT_EQ(two->front().attempts, 0);
  EXPECT_FALSE(outbox.Due("mail", now, 0).ok());
  EXPECT_TRUE(DueIds("nobody", now).empty());

  ASSERT_TRUE(outbox.Record(Outcome(finance[0], store::DeliveryState::kDelivered, 0, now)).ok());
  EXPECT_EQ(DueIds("mail", now), (std::vector<std::string>{finance[1], water[0], urgent[0]}));
}

// Record is a compare-and-set on (state pending, attempts): a second record
// of the same attempt is a Conflict and changes nothing; an unknown delivery
// is NotFound. A retry waits for its time and holds its lane meanwhile.
TEST_P(StoreConformance, OutboxRecordIsACompareAndSet) {
  const auto finance = QueueNotices("finance", 2);
  auto& outbox = store_->Outbox();
  ASSERT_TRUE(outbox.Plan("mail", [](model::EventType) -> Result<bool> { return true; }).ok());
  const Instant now = At("2021-10-08T10:00");

  auto retry = Outcome(finance[0], store::DeliveryState::kPending, 0, now);
  retry.next_attempt_at = now + std::chrono::hours(1);
  ASSERT_TRUE(outbox.Record(retry).ok());
  auto twice = outbox.Record(retry);
  EXPECT_EQ(twice.code(), Code::kConflict) << twice.str();
  EXPECT_EQ(outbox.Record(Outcome("taishan-2021/999999", store::DeliveryState::kDelivered, 0, now)).code(),
            Code::kNotFound);
  // Not due before its time, and its lane waits behind it.
  EXPECT_TRUE(DueIds("mail", now).empty());
  const Instant later = now + std::chrono::hours(2);
  auto due = outbox.Due("mail", later, 10);
  ASSERT_TRUE(due.ok());
  ASSERT_EQ(Ids(*due), (std::vector<std::string>{finance[0]}));
  EXPECT_EQ(due->front().attempts, 1);
  EXPECT_EQ(due->front().last_error, "smtp said no");
  // A stale attempt count is refused.
  EXPECT_EQ(outbox.Record(Outcome(finance[0], store::DeliveryState::kDelivered, 0, later)).code(),
            Code::kConflict);
  ASSERT_TRUE(outbox.Record(Outcome(finance[0], store::DeliveryState::kDelivered, 1, later)).ok());
  EXPECT_EQ(DueIds("mail", later), (std::vector<std::string>{finance[1]}));

  auto listed = store_->ListNotices(store::NoticeFilter{kCampaign, std::nullopt, "delivered", "", 0});
  ASSERT_TRUE(listed.ok());
  ASSERT_EQ(listed->size(), 1u);
  const auto& record = listed->front();
  EXPECT_EQ(record.notice.id, finance[0]);
  ASSERT_EQ(record.deliveries.size(), 1u);
  EXPECT_EQ(record.deliveries.front().state, store::DeliveryState::kDelivered);
  EXPECT_EQ(record.deliveries.front().attempts, 2);
  ASSERT_TRUE(record.deliveries.front().delivered_at.has_value());
  EXPECT_EQ(*record.deliveries.front().delivered_at, later);
  ASSERT_EQ(record.attempts.size(), 2u);
  EXPECT_EQ(record.attempts[0].outcome, "retry");
  EXPECT_EQ(record.attempts[1].outcome, "delivered");
}

// A dead letter leaves its lane, so the unit's later notices go on; only
// RetryNotice makes it pending again (attempts 0, due at once).
TEST_P(StoreConformance, OutboxDeadLettersLeaveTheirLaneUntilRetried) {
  const auto finance = QueueNotices("finance", 2);
  auto& outbox = store_->Outbox();
  ASSERT_TRUE(outbox.Plan("mail", [](model::EventType) -> Result<bool> { return true; }).ok());
  const Instant now = At("2021-10-08T10:00");
  ASSERT_TRUE(outbox.Record(Outcome(finance[0], store::DeliveryState::kDead, 0, now)).ok());
  EXPECT_EQ(DueIds("mail", now), (std::vector<std::string>{finance[1]}));
  auto none = store_->RetryNotice(finance[1], "");
  ASSERT_TRUE(none.ok());
  EXPECT_EQ(*none, 0);  // not dead
  auto retried = store_->RetryNotice(finance[0], "mail");
  ASSERT_TRUE(retried.ok());
  EXPECT_EQ(*retried, 1);
  auto due = outbox.Due("mail", now, 10);
  ASSERT_TRUE(due.ok());
  ASSERT_EQ(Ids(*due), (std::vector<std::string>{finance[0]}));
  EXPECT_EQ(due->front().attempts, 0);
}

// The event a result carries goes on the notice's campaign chain with the
// outcome; a refused record appends nothing.
TEST_P(StoreConformance, OutboxRecordAppendsTheEventItCarries) {
  const auto finance = QueueNotices("finance", 1);
  auto& outbox = store_->Outbox();
  ASSERT_TRUE(outbox.Plan("mail", [](model::EventType) -> Result<bool> { return true; }).ok());
  const Instant now = At("2021-10-08T10:00");
  const auto head = Head(*store_);
  auto sent = Outcome(finance[0], store::DeliveryState::kDelivered, 0, now);
  sent.event = model::Event{model::EventType::kNoticeSent, "finance", "system", now, {{"notice", finance[0]}}};
  ASSERT_TRUE(outbox.Record(sent).ok());
  EXPECT_EQ(Head(*store_).head_seq, head.head_seq + 1);
  const auto last = Events().back();
  EXPECT_EQ(last.event.type, model::EventType::kNoticeSent);
  EXPECT_EQ(last.event.unit, "finance");
  EXPECT_EQ(last.event.payload, (nlohmann::json{{"notice", finance[0]}}));
  EXPECT_TRUE(VerifyChain().ok);
  EXPECT_EQ(outbox.Record(sent).code(), Code::kConflict);
  EXPECT_EQ(Head(*store_).head_seq, head.head_seq + 1);
}

// ----- the ledger's snapshot and the lists' cursors -----

TEST_P(StoreConformance, ReadLedgerHoldsWhatTheListsHold) {
  Populate();
  ASSERT_TRUE(store_->Commit([] {
                store::Changeset ch;
                ch.campaign = kCampaign;
                ch.paper_copies.emplace_back("finance", 2);
                return ch;
              }())
                  .ok());
  auto snap = store_->ReadLedger(kCampaign, "transition.applied");
  ASSERT_TRUE(snap.ok()) << snap.status().str();
  auto instances = store_->ListInstances(kCampaign);
  auto materials = store_->ListMaterials(kCampaign, "");
  auto commitments = store_->ListCommitments(kCampaign, "");
  auto copies = store_->ListPaperCopies(kCampaign);
  store::EventFilter f;
  f.campaign = kCampaign;
  f.type = "transition.applied";
  auto events = store_->ListEvents(f);
  ASSERT_TRUE(instances.ok() && materials.ok() && commitments.ok() && copies.ok() && events.ok());
  ASSERT_EQ(snap->instances.size(), instances->size());
  for (std::size_t i = 0; i < instances->size(); ++i) {
    EXPECT_EQ(snap->instances[i].unit, (*instances)[i].unit);
    EXPECT_EQ(snap->instances[i].version, (*instances)[i].version);
  }
  ASSERT_EQ(snap->materials.size(), materials->size());
  for (std::size_t i = 0; i < materials->size(); ++i)
    EXPECT_EQ(snap->materials[i].material, (*materials)[i].material);
  ASSERT_EQ(snap->commitments.size(), commitments->size());
  EXPECT_EQ(snap->paper_copies, *copies);
  EXPECT_EQ(snap->paper_copies, (std::vector<std::pair<std::string, int>>{{"finance", 2}}));
  ASSERT_EQ(snap->events.size(), events->size());
  ASSERT_FALSE(events->empty());
  for (std::size_t i = 0; i < events->size(); ++i) EXPECT_EQ(snap->events[i].hash, (*events)[i].hash);
  // And the ledger's reads are still free to see later commits.
  store::Changeset moved;
  moved.campaign = kCampaign;
  moved.events.push_back(model::Event{model::EventType::kTransitionApplied, "water", "office-cao-bin", At("2021-10-09"), {}});
  ASSERT_TRUE(store_->Commit(moved).ok());
  auto next = store_->ReadLedger(kCampaign, "transition.*");
  ASSERT_TRUE(next.ok());
  EXPECT_GT(next->events.size(), snap->events.size());
}

// Notices page by the last notice id, in (campaign, seq) order.
TEST_P(StoreConformance, NoticesPageByTheLastId) {
  auto ids = QueueNotices("finance", 3);
  const auto more = QueueNotices("water", 2);
  ids.insert(ids.end(), more.begin(), more.end());
  std::vector<std::string> paged;
  store::NoticeFilter f;
  f.campaign = kCampaign;
  f.limit = 2;
  for (;;) {
    auto page = store_->ListNotices(f);
    ASSERT_TRUE(page.ok()) << page.status().str();
    if (page->empty()) break;
    EXPECT_LE(page->size(), 2u);
    for (const auto& n : *page) paged.push_back(n.notice.id);
    f.after = page->back().notice.id;
  }
  EXPECT_EQ(paged, ids);
  f.after = "taishan-2021/999999";
  auto bad = store_->ListNotices(f);
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().code(), Code::kInvalidInput);
}

// Requests page by the last request id, in (requested_at, id) order.
TEST_P(StoreConformance, RequestsPageByTheLastId) {
  store::Changeset ch;
  ch.campaign = kCampaign;
  const std::vector<std::pair<std::string, std::string>> asked = {
      {"water#1", "2021-10-10T09:00"}, {"finance#1", "2021-10-11T09:00"}, {"agriculture#1", "2021-10-11T09:00"},
      {"finance#2", "2021-10-12T09:00"}, {"water#2", "2021-10-13T09:00"}};
  for (const auto& [id, at] : asked) {
    model::Request r;
    r.id = id;
    r.unit = id.substr(0, id.find('#'));
    r.requested_by = "office-cao-bin";
    r.requested_at = At(at);
    if (id == "finance#1") r.status = model::RequestStatus::kApproved;
    ch.requests.push_back(r);
  }
  auto committed = store_->Commit(ch);
  ASSERT_TRUE(committed.ok()) << committed.status().str();
  const std::vector<std::string> order = {"water#1", "agriculture#1", "finance#1", "finance#2", "water#2"};
  std::vector<std::string> paged;
  store::RequestFilter f;
  f.campaign = kCampaign;
  f.limit = 2;
  for (;;) {
    auto page = store_->ListRequests(f);
    ASSERT_TRUE(page.ok()) << page.status().str();
    if (page->empty()) break;
    EXPECT_LE(page->size(), 2u);
    for (const auto& r : *page) paged.push_back(r.id);
    f.after = page->back().id;
  }
  EXPECT_EQ(paged, order);
  auto pending = store_->ListRequests(kCampaign, model::RequestStatus::kPending);
  ASSERT_TRUE(pending.ok());
  EXPECT_EQ(pending->size(), 4u);
  f.after = "nobody#9";
  auto bad = store_->ListRequests(f);
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().code(), Code::kInvalidInput);
}

// ----- group commit -----

TEST_P(StoreConformance, ABatchCommitsItsCommandsTogetherAndAFailedOneAlone) {
  const auto head = Head(*store_).head_seq;
  auto other = backend_->Open();
  ASSERT_TRUE(store_->BeginBatch().ok());
  EXPECT_EQ(store_->BeginBatch().code(), Code::kInternal);
  ASSERT_TRUE(app_->Urge(kCampaign, "water", "一", As("office-cao-bin", "2021-10-08T09:00")).ok());
  // A command that fails in the store (a stale version) undoes only itself.
  auto water = store_->GetInstance(kCampaign, "water");
  ASSERT_TRUE(water.ok() && water->has_value());
  store::Changeset stale;
  stale.campaign = kCampaign;
  model::Instance next = **water;
  next.version += 1;
  stale.instances.push_back({next, (*water)->version - 1});
  stale.events.push_back(model::Event{model::EventType::kEscalationRaised, "water", "office-cao-bin",
                                      At("2021-10-08T09:00"), {{"manual", true}}});
  EXPECT_EQ(store_->Commit(stale).status().code(), Code::kConflict);
  ASSERT_TRUE(app_->Urge(kCampaign, "finance", "二", As("office-cao-bin", "2021-10-08T09:01")).ok());
  // The batch sees itself; another connection sees nothing yet.
  EXPECT_EQ(Head(*store_).head_seq, head + 2);
  EXPECT_EQ(Head(*other).head_seq, head);
  ASSERT_TRUE(store_->CommitBatch().ok());
  EXPECT_EQ(store_->CommitBatch().code(), Code::kInternal);
  EXPECT_EQ(Head(*other).head_seq, head + 2);
  EXPECT_TRUE(VerifyChain().ok);
  // Outside a batch each commit is its own transaction again.
  ASSERT_TRUE(app_->Urge(kCampaign, "water", "三", As("office-cao-bin", "2021-10-08T09:02")).ok());
  EXPECT_EQ(Head(*other).head_seq, head + 3);
}

// ----- accounts, sessions, tokens, failed sign-ins (store/accounts.h) -----

std::string Hex64(char c) { return std::string(64, c); }

TEST_P(StoreConformance, AccountsArePutReplacedAndScopedByCampaign) {
  auto& acc = store_->Accounts();
  store::Account a{"office-director", "", "$argon2id$v=19$m=8,t=1,p=1$c2FsdA$aGFzaA", "operator",
                   At("2021-09-28T09:00"), At("2021-09-28T09:00")};
  ASSERT_TRUE(acc.PutAccount(a).ok());
  a.password_hash = "$argon2id$v=19$m=8,t=1,p=1$c2FsdA$bmV3";
  a.created_at = a.updated_at = At("2021-10-01T09:00");
  ASSERT_TRUE(acc.PutAccount(a).ok());
  auto got = acc.GetAccount("office-director", "");
  ASSERT_TRUE(got.ok() && got->has_value());
  EXPECT_EQ((*got)->password_hash, a.password_hash);
  EXPECT_EQ((*got)->created_at, At("2021-09-28T09:00"));  // kept from the first put
  EXPECT_EQ((*got)->updated_at, At("2021-10-01T09:00"));
  auto other = acc.GetAccount("office-director", kCampaign);  // another scope: no account
  ASSERT_TRUE(other.ok());
  EXPECT_FALSE(other->has_value());
  // Not an Argon2id hash: refused by the backend, nothing stored.
  store::Account plain{"finance-liaison", "", "secret", "operator", a.created_at, a.created_at};
  EXPECT_FALSE(acc.PutAccount(plain).ok());
  auto none = acc.GetAccount("finance-liaison", "");
  ASSERT_TRUE(none.ok());
  EXPECT_FALSE(none->has_value());
  // Another connection sees it.
  auto second = backend_->Open();
  auto seen = second->Accounts().GetAccount("office-director", "");
  ASSERT_TRUE(seen.ok() && seen->has_value());
}

TEST_P(StoreConformance, SessionsEndOnceAndAllOfAPersonEndTogether) {
  auto& acc = store_->Accounts();
  for (char c : {'a', 'b', 'c'}) {
    store::SessionRecord s{Hex64(c), Hex64('f'), c == 'c' ? "finance-liaison" : "office-director", "",
                           "127.0.0.1", At("2021-10-08T09:00"), At("2021-10-08T21:00"), std::nullopt};
    ASSERT_TRUE(acc.AddSession(s).ok());
  }
  store::SessionRecord dup{Hex64('a'), Hex64('e'), "x", "", "", At("2021-10-08T09:00"), At("2021-10-08T09:00"),
                           std::nullopt};
  EXPECT_EQ(acc.AddSession(dup).code(), Code::kConflict);
  ASSERT_TRUE(acc.EndSession(Hex64('a'), At("2021-10-08T10:00")).ok());
  ASSERT_TRUE(acc.EndSession(Hex64('a'), At("2021-10-08T11:00")).ok());  // the first end is kept
  auto a = acc.GetSession(Hex64('a'));
  ASSERT_TRUE(a.ok() && a->has_value());
  EXPECT_EQ((*a)->ended_at, At("2021-10-08T10:00"));
  EXPECT_EQ((*a)->person, "office-director");
  EXPECT_EQ((*a)->expires_at, At("2021-10-08T21:00"));
  EXPECT_EQ(acc.EndSession(Hex64('9'), At("2021-10-08T10:00")).code(), Code::kNotFound);
  auto ended = acc.EndSessionsOf("office-director", At("2021-10-08T12:00"));
  ASSERT_TRUE(ended.ok());
  EXPECT_EQ(*ended, 1);  // b; a was already ended
  auto b = acc.GetSession(Hex64('b'));
  ASSERT_TRUE(b.ok() && b->has_value());
  EXPECT_EQ((*b)->ended_at, At("2021-10-08T12:00"));
  auto c = acc.GetSession(Hex64('c'));
  ASSERT_TRUE(c.ok() && c->has_value());
  EXPECT_FALSE((*c)->ended_at.has_value());
}

TEST_P(StoreConformance, TokensAreFoundByHashListedAndRevokedOnce) {
  auto& acc = store_->Accounts();
  store::ApiToken t1{"tok-1", Hex64('1'), "finance-liaison", "", "export", "operator", At("2021-10-08T09:00"),
                     std::nullopt, ""};
  store::ApiToken t2{"tok-2", Hex64('2'), "office-director", kCampaign, "sync", "operator", At("2021-10-08T10:00"),
                     std::nullopt, ""};
  ASSERT_TRUE(acc.AddToken(t1).ok());
  ASSERT_TRUE(acc.AddToken(t2).ok());
  store::ApiToken same_hash = t1;
  same_hash.id = "tok-3";
  EXPECT_EQ(acc.AddToken(same_hash).code(), Code::kConflict);
  auto found = acc.GetTokenByHash(Hex64('2'));
  ASSERT_TRUE(found.ok() && found->has_value());
  EXPECT_EQ((*found)->id, "tok-2");
  EXPECT_EQ((*found)->campaign, kCampaign);
  auto missing = acc.GetTokenByHash(Hex64('9'));
  ASSERT_TRUE(missing.ok());
  EXPECT_FALSE(missing->has_value());
  auto all = acc.ListTokens("");
  ASSERT_TRUE(all.ok());
  ASSERT_EQ(all->size(), 2u);
  EXPECT_EQ((*all)[0].id, "tok-1");
  auto mine = acc.ListTokens("finance-liaison");
  ASSERT_TRUE(mine.ok());
  ASSERT_EQ(mine->size(), 1u);
  ASSERT_TRUE(acc.RevokeToken("tok-1", "office-cao-bin", At("2021-10-09T09:00")).ok());
  EXPECT_EQ(acc.RevokeToken("tok-1", "office-cao-bin", At("2021-10-10T09:00")).code(), Code::kConflict);
  EXPECT_EQ(acc.RevokeToken("tok-9", "office-cao-bin", At("2021-10-10T09:00")).code(), Code::kNotFound);
  auto revoked = acc.GetTokenByHash(Hex64('1'));
  ASSERT_TRUE(revoked.ok() && revoked->has_value());
  EXPECT_EQ((*revoked)->revoked_at, At("2021-10-09T09:00"));
  EXPECT_EQ((*revoked)->revoked_by, "office-cao-bin");
}

TEST_P(StoreConformance, FailedSignInsCountPerKeyAndAreForgotten) {
  auto& acc = store_->Accounts();
  using store::FailureKind;
  const Instant t0 = At("2021-10-08T09:00");
  for (int i = 1; i <= 3; ++i) {
    auto f = acc.AddFailure(FailureKind::kPerson, "office-director", t0 + std::chrono::seconds(i), t0);
    ASSERT_TRUE(f.ok()) << f.status().str();
    EXPECT_EQ(f->count, i);
    EXPECT_EQ(f->last_at, t0 + std::chrono::seconds(i));
  }
  // The same key of the other kind counts apart.
  auto addr = acc.AddFailure(FailureKind::kAddress, "office-director", t0, t0);
  ASSERT_TRUE(addr.ok());
  EXPECT_EQ(addr->count, 1);
  // The last failure older than forget_before: counting starts again.
  auto again = acc.AddFailure(FailureKind::kPerson, "office-director", t0 + std::chrono::hours(2),
                              t0 + std::chrono::hours(1));
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->count, 1);
  ASSERT_TRUE(acc.ClearFailures(FailureKind::kPerson, "office-director").ok());
  auto cleared = acc.GetFailures(FailureKind::kPerson, "office-director");
  ASSERT_TRUE(cleared.ok());
  EXPECT_EQ(cleared->count, 0);
  EXPECT_FALSE(cleared->last_at.has_value());
  auto kept = acc.GetFailures(FailureKind::kAddress, "office-director");
  ASSERT_TRUE(kept.ok());
  EXPECT_EQ(kept->count, 1);
}

INSTANTIATE_TEST_SUITE_P(Backends, StoreConformance,
                         ::testing::Values(BackendFactory{"Sqlite", [] { return std::make_unique<SqliteBackend>(); }}),
                         [](const ::testing::TestParamInfo<BackendFactory>& param) { return param.param.name; });

// ----- the outbox contract (store/outbox.h), per implementation: claims -----

// An outbox under test with notices it can be given: the in-memory one, and
// the SQLite store's (its notices committed as the engine commits them).
class OutboxBackend {
 public:
  virtual ~OutboxBackend() = default;
  virtual store::Outbox& outbox() = 0;
  // Queues `n` notices on `unit` in event order; returns their ids.
  virtual std::vector<std::string> Queue(const std::string& unit, int n, bool urgent = false) = 0;
};

class MemoryOutboxBackend final : public OutboxBackend {
 public:
  store::Outbox& outbox() override { return outbox_; }
  std::vector<std::string> Queue(const std::string& unit, int n, bool urgent) override {
    std::vector<std::string> ids;
    for (int i = 0; i < n; ++i) {
      model::Notice notice;
      notice.campaign = kCampaign;
      notice.seq = ++seq_;
      notice.id = model::NoticeId(kCampaign, notice.seq);
      notice.event = model::Event{model::EventType::kMaterialSubmitted, unit, "office-cao-bin",
                                  At("2021-10-08T09:00"), {{"i", i}}};
      notice.urgent = urgent;
      notice.recipients.push_back(model::Recipient{"finance-liaison", "王芳", "wang@example.net", "liaison"});
      ids.push_back(notice.id);
      EXPECT_TRUE(outbox_.Add(std::move(notice)).ok());
    }
    return ids;
  }

 private:
  store::MemoryOutbox outbox_;
  std::int64_t seq_ = 100;
};

class SqliteOutboxBackend final : public OutboxBackend {
 public:
  SqliteOutboxBackend() {
    auto s = store::OpenStore("sqlite:" + (dir_.path() / "duban.db").string());
    EXPECT_TRUE(s.ok()) << (s.ok() ? "" : s.status().str());
    store_ = std::move(*s);
    app_ = std::make_unique<app::App>(*store_);
    CreateTaishan(*app_);
  }
  store::Outbox& outbox() override { return store_->Outbox(); }
  std::vector<std::string> Queue(const std::string& unit, int n, bool urgent) override {
    return CommitNotices(*store_, unit, n, urgent);
  }

 private:
  TempDir dir_{"outbox-conformance"};
  std::unique_ptr<store::Store> store_;
  std::unique_ptr<app::App> app_;
};

struct OutboxFactory {
  std::string name;
  std::function<std::unique_ptr<OutboxBackend>()> make;
};
void PrintTo(const OutboxFactory& b, std::ostream* os) { *os << b.name; }

class OutboxContract : public ::testing::TestWithParam<OutboxFactory> {
 protected:
  void SetUp() override { backend_ = GetParam().make(); }
  store::Outbox& outbox() { return backend_->outbox(); }

  std::vector<store::Delivery> Claim(const std::string& owner, Instant at, std::size_t limit = 100,
                                     const std::function<bool(const store::Delivery&)>& take = nullptr) {
    // Plans what was queued since (idempotent), as the dispatcher does first.
    EXPECT_TRUE(outbox().Plan("mail", [](model::EventType) -> Result<bool> { return true; }).ok());
    auto r = outbox().Claim("mail", owner, at, kLease, limit, take);
    EXPECT_TRUE(r.ok()) << (r.ok() ? "" : r.status().str());
    return r.ok() ? *r : std::vector<store::Delivery>{};
  }
  static std::vector<std::string> Ids(const std::vector<store::Delivery>& ds) {
    std::vector<std::string> out;
    for (const auto& d : ds) out.push_back(d.notice.id);
    return out;
  }
  static store::DeliveryResult Outcome(const store::Delivery& d, store::DeliveryState state, Instant at) {
    store::DeliveryResult r = store::DeliveryResult::AttemptOf(d, at);
    r.state = state;
    if (state == store::DeliveryState::kPending) r.next_attempt_at = at + std::chrono::minutes(1);
    if (state != store::DeliveryState::kDelivered) r.error = "smtp said no";
    return r;
  }

  static constexpr std::chrono::seconds kLease{300};
  const Instant now_ = At("2021-10-08T10:00");
  std::unique_ptr<OutboxBackend> backend_;
};

// A claim is committed with its lease; while it runs nobody else (its owner
// neither) gets the delivery, and its lane waits behind it.
TEST_P(OutboxContract, AClaimHoldsItsLaneAgainstEveryOtherClaimUntilItsLeaseRunsOut) {
  const auto finance = backend_->Queue("finance", 2);
  const auto water = backend_->Queue("water", 1);
  const auto a = Claim("a", now_);
  ASSERT_EQ(Ids(a), (std::vector<std::string>{finance[0], water[0]}));
  EXPECT_EQ(a[0].lease_owner, "a");
  EXPECT_EQ(a[0].lease_until, now_ + kLease);
  EXPECT_EQ(a[0].attempts, 0);
  EXPECT_TRUE(Claim("b", now_ + kLease - std::chrono::seconds(1)).empty());
  EXPECT_TRUE(Claim("a", now_).empty());
  auto due = outbox().Due("mail", now_, 10);
  ASSERT_TRUE(due.ok());
  EXPECT_TRUE(due->empty());
  // Recorded, the claim ends and the lane moves on.
  ASSERT_TRUE(outbox().Record(Outcome(a[0], store::DeliveryState::kDelivered, now_)).ok());
  EXPECT_EQ(Ids(Claim("b", now_)), (std::vector<std::string>{finance[1]}));
}

// The owner crashed: the next claim after the lease takes the delivery over,
// counting the interrupted attempt, and the old owner's outcome is refused.
TEST_P(OutboxContract, AnExpiredClaimIsTakenOverAndTheOldOwnersRecordIsFencedOff) {
  const auto finance = backend_->Queue("finance", 2);
  const auto a = Claim("a", now_);
  ASSERT_EQ(a.size(), 1u);
  const Instant later = now_ + kLease;
  const auto b = Claim("b", later);
  ASSERT_EQ(Ids(b), (std::vector<std::string>{finance[0]}));
  EXPECT_EQ(b[0].lease_owner, "b");
  EXPECT_EQ(b[0].attempts, 1);
  EXPECT_NE(b[0].last_error.find("a"), std::string::npos) << b[0].last_error;
  // a wakes up and reports: refused, whether it succeeded or not.
  EXPECT_EQ(outbox().Record(Outcome(a[0], store::DeliveryState::kDelivered, later)).code(), Code::kConflict);
  auto forged = Outcome(b[0], store::DeliveryState::kDelivered, later);
  forged.owner = "a";
  EXPECT_EQ(outbox().Record(forged).code(), Code::kConflict);
  forged.owner = "";
  EXPECT_EQ(outbox().Record(forged).code(), Code::kConflict);
  ASSERT_TRUE(outbox().Record(Outcome(b[0], store::DeliveryState::kDelivered, later)).ok());
  EXPECT_EQ(outbox().Record(Outcome(b[0], store::DeliveryState::kDelivered, later)).code(), Code::kConflict);
  // The lane goes on in order.
  EXPECT_EQ(Ids(Claim("a", later)), (std::vector<std::string>{finance[1]}));
}

// A heartbeat keeps a claim past its first lease; another owner's Extend
// touches nothing of it.
TEST_P(OutboxContract, ExtendKeepsAClaimThatIsStillBeingSent) {
  backend_->Queue("finance", 1);
  const auto a = Claim("a", now_);
  ASSERT_EQ(a.size(), 1u);
  auto n = outbox().Extend("a", now_ + 2 * kLease);
  ASSERT_TRUE(n.ok());
  EXPECT_EQ(*n, 1);
  n = outbox().Extend("b", now_ + 10 * kLease);
  ASSERT_TRUE(n.ok());
  EXPECT_EQ(*n, 0);
  EXPECT_TRUE(Claim("b", now_ + kLease + std::chrono::seconds(1)).empty());
  const auto b = Claim("b", now_ + 2 * kLease);
  ASSERT_EQ(b.size(), 1u);
  n = outbox().Extend("a", now_ + 5 * kLease);  // a's claim is b's now
  ASSERT_TRUE(n.ok());
  EXPECT_EQ(*n, 0);
  EXPECT_TRUE(outbox().Record(Outcome(b[0], store::DeliveryState::kDelivered, now_ + 2 * kLease)).ok());
}

// What `take` refuses stays unclaimed and keeps holding its lane; `limit`
// counts claimed ones; a retry's claim ends with its outcome and the retry
// is anyone's once due.
TEST_P(OutboxContract, ClaimTakesWhatTakeWantsUpToTheLimitAndARetryIsAnyonesAgain) {
  const auto finance = backend_->Queue("finance", 2);
  const auto water = backend_->Queue("water", 2);
  const auto urgent = backend_->Queue("finance", 1, true);
  const auto only_urgent = Claim("a", now_, 100, [](const store::Delivery& d) { return d.notice.urgent; });
  EXPECT_EQ(Ids(only_urgent), (std::vector<std::string>{urgent[0]}));
  EXPECT_EQ(Ids(Claim("a", now_, 1)), (std::vector<std::string>{finance[0]}));
  const auto w = Claim("b", now_, 5);
  ASSERT_EQ(Ids(w), (std::vector<std::string>{water[0]}));
  ASSERT_TRUE(outbox().Record(Outcome(w[0], store::DeliveryState::kPending, now_)).ok());
  EXPECT_TRUE(Claim("c", now_).empty());  // the retry is not due yet; the rest is claimed
  const auto again = Claim("c", now_ + std::chrono::minutes(1));
  ASSERT_EQ(Ids(again), (std::vector<std::string>{water[0]}));
  EXPECT_EQ(again[0].attempts, 1);
  EXPECT_EQ(again[0].lease_owner, "c");
  EXPECT_EQ(again[0].last_error, "smtp said no");

  EXPECT_EQ(outbox().Claim("mail", "", now_, kLease, 1, nullptr).status().code(), Code::kInvalidInput);
  EXPECT_EQ(outbox().Claim("mail", "a", now_, std::chrono::seconds(0), 1, nullptr).status().code(),
            Code::kInvalidInput);
  EXPECT_EQ(outbox().Claim("mail", "a", now_, kLease, 0, nullptr).status().code(), Code::kInvalidInput);
}

INSTANTIATE_TEST_SUITE_P(
    Backends, OutboxContract,
    ::testing::Values(OutboxFactory{"Memory", [] { return std::make_unique<MemoryOutboxBackend>(); }},
                      OutboxFactory{"Sqlite", [] { return std::make_unique<SqliteOutboxBackend>(); }}),
    [](const ::testing::TestParamInfo<OutboxFactory>& param) { return param.param.name; });

}  // namespace
}  // namespace duban
