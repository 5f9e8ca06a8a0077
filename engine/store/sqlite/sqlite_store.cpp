// The SQLite store: all of duban's SQL lives in this file (and the schema in
// migrations.cpp).
#include "store/sqlite/sqlite_store.h"

#include <SQLiteCpp/SQLiteCpp.h>
#include <sqlite3.h>

#include <map>

#include "store/chain.h"
#include "store/sqlite/migrations.h"
#include "store/sqlite/sqlite_accounts.h"
#include "store/sqlite/sqlite_digest.h"

namespace duban::store {

namespace {

std::int64_t Secs(Instant t) { return t.time_since_epoch().count(); }
Instant FromSecs(std::int64_t s) { return Instant(std::chrono::seconds(s)); }

// Rolls back unless committed. Inside a batch (Store::BeginBatch: a
// transaction already open on the connection) it is a savepoint: committing
// releases it into the batch, and rolling back undoes only its own changes.
class WriteTransaction {
 public:
  explicit WriteTransaction(SQLite::Database& db)
      : db_(db), nested_(sqlite3_get_autocommit(db.getHandle()) == 0) {
    db_.exec(nested_ ? "SAVEPOINT command" : "BEGIN IMMEDIATE");
  }
  ~WriteTransaction() {
    if (!done_) {
      try {
        db_.exec(nested_ ? "ROLLBACK TO command; RELEASE command" : "ROLLBACK");
      } catch (...) {  // the connection is already unusable; nothing more to undo
      }
    }
  }
  WriteTransaction(const WriteTransaction&) = delete;
  WriteTransaction& operator=(const WriteTransaction&) = delete;
  void Commit() {
    db_.exec(nested_ ? "RELEASE command" : "COMMIT");
    done_ = true;
  }

 private:
  SQLite::Database& db_;
  bool nested_;
  bool done_ = false;
};

// A read transaction: every read in it sees the database at one instant.
// A deferred BEGIN; the snapshot is taken at its first read. Inside another
// transaction it is that one. Statements stepped in it must be reset (or
// finished) before it ends.
class ReadTransaction {
 public:
  explicit ReadTransaction(SQLite::Database& db) : db_(db), own_(sqlite3_get_autocommit(db.getHandle()) != 0) {
    if (own_) db_.exec("BEGIN");
  }
  ~ReadTransaction() {
    if (!own_) return;
    try {
      db_.exec("COMMIT");
    } catch (...) {  // a read-only transaction has nothing to lose
    }
  }
  ReadTransaction(const ReadTransaction&) = delete;
  ReadTransaction& operator=(const ReadTransaction&) = delete;

 private:
  SQLite::Database& db_;
  bool own_;
};

class SqliteStore final : public Store {
 public:
  SqliteStore(const std::filesystem::path& path, const StoreOptions& options)
      : db_(path.string(), SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE | SQLite::OPEN_FULLMUTEX,
            static_cast<int>(options.lock_timeout.count())) {
    db_.exec("PRAGMA journal_mode = WAL");
    // FULL survives power loss; NORMAL only a crash of the process.
    db_.exec(std::string("PRAGMA synchronous = ") + (options.durable ? "FULL" : "NORMAL"));
    db_.exec("PRAGMA foreign_keys = ON");
  }

  Status Migrate() {
    return Guarded([&]() -> Status {
      WriteTransaction tx(db_);
      db_.exec(
          "CREATE TABLE IF NOT EXISTS schema_migrations ("
          " version INTEGER PRIMARY KEY, applied_at INTEGER NOT NULL DEFAULT (unixepoch()))");
      SQLite::Statement q(db_, "SELECT coalesce(max(version), 0) FROM schema_migrations");
      q.executeStep();
      const auto have = q.getColumn(0).getInt64();
      const auto migrations = sqlite::Migrations();
      const auto known = static_cast<std::int64_t>(migrations.size());
      if (have > known)
        return Status::InvalidInput("database schema version " + std::to_string(have) +
                                    " is newer than this duban (" + std::to_string(known) + ")");
      for (auto v = have; v < known; ++v) {
        db_.exec(migrations[static_cast<std::size_t>(v)]);
        SQLite::Statement ins(db_, "INSERT INTO schema_migrations(version) VALUES (?)");
        ins.bind(1, v + 1);
        ins.exec();
      }
      tx.Commit();
      return Status::Ok();
    });
  }

  Result<std::optional<Campaign>> GetCampaign(const std::string& id) override {
    return Guarded([&]() -> Result<std::optional<Campaign>> {
      auto& q = Prepare(
          "SELECT id, name, year, time_zone, workflow_hash, roster_hash, created_at, created_by,"
          " head_seq, head_hash,"
          " (SELECT at FROM events e WHERE e.campaign_id = campaigns.id AND e.seq = campaigns.head_seq)"
          " FROM campaigns WHERE id = ?");
      q.bind(1, id);
      if (!q.executeStep()) return std::optional<Campaign>();
      return std::optional<Campaign>(ReadCampaign(q));
    });
  }

  Result<std::vector<Campaign>> ListCampaigns() override {
    return Guarded([&]() -> Result<std::vector<Campaign>> {
      auto& q = Prepare(
          "SELECT id, name, year, time_zone, workflow_hash, roster_hash, created_at, created_by,"
          " head_seq, head_hash,"
          " (SELECT at FROM events e WHERE e.campaign_id = campaigns.id AND e.seq = campaigns.head_seq)"
          " FROM campaigns ORDER BY year, id");
      std::vector<Campaign> out;
      while (q.executeStep()) out.push_back(ReadCampaign(q));
      return out;
    });
  }

  Result<std::optional<Definition>> GetDefinition(const std::string& hash) override {
    return Guarded([&]() -> Result<std::optional<Definition>> {
      auto& q = Prepare("SELECT hash, kind, source, content FROM definitions WHERE hash = ?");
      q.bind(1, hash);
      if (!q.executeStep()) return std::optional<Definition>();
      return std::optional<Definition>(Definition{q.getColumn(0).getString(), q.getColumn(1).getString(),
                                                  q.getColumn(2).getString(), q.getColumn(3).getString()});
    });
  }

  Result<std::vector<model::Instance>> ListInstances(const std::string& campaign) override {
    return Guarded([&]() -> Result<std::vector<model::Instance>> {
      auto& q = Prepare(
          std::string(kInstanceColumns) + " WHERE campaign_id = ? ORDER BY unit_id");
      q.bind(1, campaign);
      std::vector<model::Instance> out;
      while (q.executeStep()) out.push_back(ReadInstance(q));
      return out;
    });
  }

  Result<std::optional<model::Instance>> GetInstance(const std::string& campaign,
                                                     const std::string& unit) override {
    return Guarded([&]() -> Result<std::optional<model::Instance>> {
      auto& q = Prepare(
          std::string(kInstanceColumns) + " WHERE campaign_id = ? AND unit_id = ?");
      q.bind(1, campaign);
      q.bind(2, unit);
      if (!q.executeStep()) return std::optional<model::Instance>();
      return std::optional<model::Instance>(ReadInstance(q));
    });
  }

  using Store::ListRequests;
  Result<std::vector<model::Request>> ListRequests(const RequestFilter& f) override {
    return Guarded([&]() -> Result<std::vector<model::Request>> {
      ReadTransaction read(db_);
      std::optional<std::int64_t> after_at;
      if (!f.after.empty()) {
        auto& c = Prepare("SELECT requested_at FROM requests WHERE campaign_id = ? AND id = ?");
        c.bind(1, f.campaign);
        c.bind(2, f.after);
        if (!c.executeStep())
          return Status::InvalidInput("no request '" + f.after + "' in campaign '" + f.campaign + "' to list after");
        after_at = c.getColumn(0).getInt64();
        c.reset();
      }
      auto& q = Prepare(std::string(kRequestColumns) +
                        " WHERE campaign_id = ?1 AND (?2 IS NULL OR status = ?2)"
                        " AND (?3 IS NULL OR (requested_at, id) > (?3, ?4))"
                        " ORDER BY requested_at, id LIMIT ?5");
      q.bind(1, f.campaign);
      if (f.status) q.bind(2, std::string(model::RequestStatusName(*f.status)));
      else q.bind(2);
      if (after_at) q.bind(3, *after_at);
      else q.bind(3);
      q.bind(4, f.after);
      q.bind(5, f.limit > 0 ? static_cast<std::int64_t>(f.limit) : std::int64_t{-1});
      std::vector<model::Request> out;
      while (q.executeStep()) out.push_back(ReadRequest(q));
      return out;
    });
  }

  Result<std::optional<model::Request>> GetRequest(const std::string& campaign,
                                                   const std::string& id) override {
    return Guarded([&]() -> Result<std::optional<model::Request>> {
      auto& q = Prepare(std::string(kRequestColumns) + " WHERE campaign_id = ? AND id = ?");
      q.bind(1, campaign);
      q.bind(2, id);
      if (!q.executeStep()) return std::optional<model::Request>();
      return std::optional<model::Request>(ReadRequest(q));
    });
  }

  Result<std::int64_t> CountRequests(const std::string& campaign, const std::string& unit) override {
    return Guarded([&]() -> Result<std::int64_t> {
      auto& q = Prepare("SELECT count(*) FROM requests WHERE campaign_id = ? AND unit_id = ?");
      q.bind(1, campaign);
      q.bind(2, unit);
      q.executeStep();
      return q.getColumn(0).getInt64();
    });
  }

  Result<std::vector<model::StoredEvent>> ListEvents(const EventFilter& f) override {
    return Guarded([&]() -> Result<std::vector<model::StoredEvent>> {
      std::string sql =
          "SELECT seq, type, unit_id, actor, at, payload, prev_hash, hash, channel FROM events"
          " WHERE campaign_id = ?1 AND seq > ?2";
      if (f.unit) sql += " AND unit_id = ?3";
      bool prefix = f.type && f.type->size() >= 2 && f.type->ends_with(".*");
      if (f.type) sql += prefix ? " AND substr(type, 1, length(?4)) = ?4" : " AND type = ?4";
      if (f.since) sql += " AND at >= ?5";
      sql += " ORDER BY seq";
      if (f.limit > 0) sql += " LIMIT " + std::to_string(f.limit);
      SQLite::Statement q(db_, sql);
      q.bind(1, f.campaign);
      q.bind(2, f.after_seq);
      if (f.unit) q.bind(3, *f.unit);
      if (f.type) q.bind(4, prefix ? f.type->substr(0, f.type->size() - 1) : *f.type);
      if (f.since) q.bind(5, Secs(*f.since));
      std::vector<model::StoredEvent> out;
      while (q.executeStep()) {
        model::StoredEvent e;
        e.campaign = f.campaign;
        e.seq = q.getColumn(0).getInt64();
        const std::string type = q.getColumn(1).getString();
        const auto known = model::EventTypeFromName(type);
        if (!known)
          return Status::Internal("event " + std::to_string(e.seq) + " of campaign '" + f.campaign +
                                  "' has the unknown type '" + type + "'");
        e.event.type = *known;
        e.event.unit = q.getColumn(2).getString();
        e.event.actor = q.getColumn(3).getString();
        e.event.at = FromSecs(q.getColumn(4).getInt64());
        e.event.payload = nlohmann::json::parse(q.getColumn(5).getString(), nullptr, false);
        e.prev_hash = q.getColumn(6).getString();
        e.hash = q.getColumn(7).getString();
        e.event.channel = q.getColumn(8).getString();
        out.push_back(std::move(e));
      }
      return out;
    });
  }

  Result<std::optional<CommandRecord>> GetCommand(const std::string& campaign,
                                                  const std::string& id) override {
    return Guarded([&]() -> Result<std::optional<CommandRecord>> {
      auto& q = Prepare(
          "SELECT id, fingerprint, exit_code, result FROM commands WHERE campaign_id = ? AND id = ?");
      q.bind(1, campaign);
      q.bind(2, id);
      if (!q.executeStep()) return std::optional<CommandRecord>();
      return std::optional<CommandRecord>(CommandRecord{q.getColumn(0).getString(), q.getColumn(1).getString(),
                                                        q.getColumn(2).getInt(), q.getColumn(3).getString()});
    });
  }

  Result<std::vector<CalendarYear>> ListCalendarYears() override {
    return Guarded([&]() -> Result<std::vector<CalendarYear>> {
      auto& q = Prepare("SELECT year, source, content, hash, loaded_at FROM calendar_years ORDER BY year");
      std::vector<CalendarYear> out;
      while (q.executeStep())
        out.push_back(CalendarYear{q.getColumn(0).getInt(), q.getColumn(1).getString(),
                                   q.getColumn(2).getString(), q.getColumn(3).getString(),
                                   FromSecs(q.getColumn(4).getInt64())});
      return out;
    });
  }

  Result<std::vector<std::pair<int, std::string>>> CalendarHashes() override {
    return Guarded([&]() -> Result<std::vector<std::pair<int, std::string>>> {
      auto& q = Prepare("SELECT year, hash FROM calendar_years ORDER BY year");
      std::vector<std::pair<int, std::string>> out;
      while (q.executeStep()) out.emplace_back(q.getColumn(0).getInt(), q.getColumn(1).getString());
      return out;
    });
  }

  Result<std::vector<model::DueOverride>> ListDueOverrides(const std::string& campaign) override {
    return Guarded([&]() -> Result<std::vector<model::DueOverride>> {
      auto& q = Prepare(
          "SELECT stage, due_date, reason, set_by, set_at FROM due_overrides WHERE campaign_id = ?"
          " ORDER BY stage");
      q.bind(1, campaign);
      std::vector<model::DueOverride> out;
      while (q.executeStep()) {
        model::DueOverride o;
        o.stage = static_cast<model::StageId>(q.getColumn(0).getInt());
        auto d = ParseDate(q.getColumn(1).getString());
        if (d.ok()) o.due = *d;
        o.reason = q.getColumn(2).getString();
        o.set_by = q.getColumn(3).getString();
        o.set_at = FromSecs(q.getColumn(4).getInt64());
        out.push_back(std::move(o));
      }
      return out;
    });
  }

  Result<std::vector<std::pair<std::string, model::Instance>>> ListDueInstances(Instant now,
                                                                               std::size_t limit) override {
    return Guarded([&]() -> Result<std::vector<std::pair<std::string, model::Instance>>> {
      auto& q = Prepare(std::string(kInstanceColumns) +
                        " WHERE next_deadline_at IS NOT NULL AND next_deadline_at <= ?"
                        " ORDER BY next_deadline_at LIMIT ?");
      q.bind(1, Secs(now));
      q.bind(2, static_cast<std::int64_t>(limit));
      std::vector<std::pair<std::string, model::Instance>> out;
      while (q.executeStep()) {
        model::Instance i = ReadInstance(q);
        out.emplace_back(q.getColumn(9).getString(), std::move(i));
      }
      return out;
    });
  }

  Result<std::optional<Instant>> NextDeadline() override {
    return Guarded([&]() -> Result<std::optional<Instant>> {
      auto& q = Prepare("SELECT min(next_deadline_at) FROM instances WHERE next_deadline_at IS NOT NULL");
      q.executeStep();
      if (q.getColumn(0).isNull()) return std::optional<Instant>();
      return std::optional<Instant>(FromSecs(q.getColumn(0).getInt64()));
    });
  }

  Result<std::vector<model::MaterialRecord>> ListMaterials(const std::string& campaign,
                                                           const std::string& unit) override {
    return ListOfUnit<model::MaterialRecord>(
        "SELECT unit_id, material_id, name, required, state, explained, submissions, note,"
        " updated_at, updated_by, dropped, change_reason FROM materials WHERE campaign_id = ?1 AND (?2 = '' OR unit_id = ?2)"
        " ORDER BY unit_id, ordinal",
        campaign, unit, ReadMaterial);
  }

  Result<std::vector<model::Attachment>> ListAttachments(const std::string& campaign,
                                                         const std::string& unit) override {
    return ListOfUnit<model::Attachment>(
        "SELECT unit_id, material_id, sha256, name, size, media_type, attached_by, attached_at FROM attachments"
        " WHERE campaign_id = ?1 AND (?2 = '' OR unit_id = ?2) ORDER BY attached_at, unit_id, material_id",
        campaign, unit, ReadAttachment);
  }

  Result<std::vector<model::Contact>> ListContacts(const std::string& campaign, const std::string& unit) override {
    return ListOfUnit<model::Contact>(
        "SELECT unit_id, role, number, person_id, name, phone, email, reported_by, reported_on, recorded_by,"
        " recorded_at FROM contacts WHERE campaign_id = ?1 AND (?2 = '' OR unit_id = ?2)"
        " ORDER BY recorded_at, unit_id, role, number",
        campaign, unit, ReadContact);
  }

  Result<std::vector<std::pair<std::string, int>>> ListPaperCopies(const std::string& campaign) override {
    return Guarded([&]() -> Result<std::vector<std::pair<std::string, int>>> {
      auto& q = Prepare("SELECT unit_id, received FROM paper_copies WHERE campaign_id = ? ORDER BY unit_id");
      q.bind(1, campaign);
      std::vector<std::pair<std::string, int>> out;
      while (q.executeStep()) out.emplace_back(q.getColumn(0).getString(), q.getColumn(1).getInt());
      return out;
    });
  }

  Result<std::vector<model::Commitment>> ListCommitments(const std::string& campaign,
                                                         const std::string& unit) override {
    return ListOfUnit<model::Commitment>(
        "SELECT unit_id, number, signer, signed_on, stamped, document_hash, document_name,"
        " recorded_at, recorded_by FROM commitments WHERE campaign_id = ?1 AND (?2 = '' OR unit_id = ?2)"
        " ORDER BY unit_id, number",
        campaign, unit, ReadCommitment);
  }

  store::Outbox& Outbox() override { return outbox_; }
  store::Accounts& Accounts() override { return *accounts_; }

  Status BeginBatch() override {
    return Guarded([&]() -> Status {
      if (sqlite3_get_autocommit(db_.getHandle()) == 0) return Status::Internal("a batch is already open");
      db_.exec("BEGIN IMMEDIATE");
      return Status::Ok();
    });
  }

  Status CommitBatch() override {
    return Guarded([&]() -> Status {
      if (sqlite3_get_autocommit(db_.getHandle()) != 0) return Status::Internal("no batch is open");
      try {
        db_.exec("COMMIT");
      } catch (...) {
        try {
          db_.exec("ROLLBACK");
        } catch (...) {  // nothing more to undo
        }
        throw;
      }
      return Status::Ok();
    });
  }

  Result<std::vector<NoticeRecord>> ListNotices(const NoticeFilter& f) override {
    return Guarded([&]() -> Result<std::vector<NoticeRecord>> {
      // One read transaction: the notices and their deliveries at one instant.
      ReadTransaction read(db_);
      std::optional<std::pair<std::string, std::int64_t>> after;
      if (!f.after.empty()) {
        SQLite::Statement c(db_, "SELECT campaign_id, seq FROM notices WHERE id = ?");
        c.bind(1, f.after);
        if (!c.executeStep()) return Status::InvalidInput("no notice '" + f.after + "' to list after");
        after.emplace(c.getColumn(0).getString(), c.getColumn(1).getInt64());
      }
      std::string sql =
          "SELECT n.id, n.body, n.queued_at FROM notices n WHERE (?1 = '' OR n.campaign_id = ?1)"
          " AND (?2 IS NULL OR n.unit_id = ?2)"
          " AND (?3 IS NULL OR EXISTS (SELECT 1 FROM deliveries d WHERE d.notice_id = n.id AND d.state = ?3))"
          " AND (?4 IS NULL OR (n.campaign_id, n.seq) > (?4, ?5))"
          " ORDER BY n.campaign_id, n.seq";
      if (f.limit > 0) sql += " LIMIT " + std::to_string(f.limit);
      SQLite::Statement q(db_, sql);
      q.bind(1, f.campaign);
      if (f.unit) q.bind(2, *f.unit);
      if (f.state) q.bind(3, *f.state);
      if (after) {
        q.bind(4, after->first);
        q.bind(5, after->second);
      }
      std::vector<NoticeRecord> out;
      while (q.executeStep()) {
        NoticeRecord r;
        auto parsed = model::NoticeFromJson(nlohmann::json::parse(q.getColumn(1).getString(), nullptr, false));
        if (!parsed.ok()) return parsed.status();
        r.notice = std::move(*parsed);
        r.queued_at = FromSecs(q.getColumn(2).getInt64());
        out.push_back(std::move(r));
      }
      for (auto& r : out) {
        SQLite::Statement d(db_,
                            "SELECT plugin, state, attempts, next_attempt_at, last_attempt_at, last_error, delivered_at"
                            " FROM deliveries WHERE notice_id = ? ORDER BY plugin");
        d.bind(1, r.notice.id);
        while (d.executeStep()) r.deliveries.push_back(ReadDelivery(d, 0));
        SQLite::Statement a(db_,
                            "SELECT plugin, attempt, at, outcome, error, elapsed_ms FROM delivery_attempts"
                            " WHERE notice_id = ? ORDER BY at, plugin, attempt");
        a.bind(1, r.notice.id);
        while (a.executeStep())
          r.attempts.push_back({a.getColumn(0).getString(), a.getColumn(1).getInt(), FromSecs(a.getColumn(2).getInt64()),
                                a.getColumn(3).getString(), a.getColumn(4).getString(), a.getColumn(5).getInt64()});
      }
      return out;
    });
  }

  Result<int> RetryNotice(const std::string& notice_id, const std::string& plugin) override {
    return Guarded([&]() -> Result<int> {
      WriteTransaction tx(db_);
      SQLite::Statement q(db_,
                          "UPDATE deliveries SET state = 'pending', attempts = 0, next_attempt_at = NULL,"
                          " lease_owner = NULL, lease_until = NULL WHERE notice_id = ?1 AND (?2 = '' OR plugin = ?2) AND state = 'dead'");
      q.bind(1, notice_id);
      q.bind(2, plugin);
      const int n = q.exec();
      tx.Commit();
      return n;
    });
  }

  // --- the outbox (store::Outbox), over the same connection ---

  Status PlanDeliveries(const std::string& plugin,
                        const std::function<Result<bool>(model::EventType)>& wants) {
    return Guarded([&]() -> Status {
      WriteTransaction tx(db_);
      SQLite::Statement q(db_,
                          "SELECT id, event_type, campaign_id, unit_id, urgent, seq FROM notices n"
                          " WHERE NOT EXISTS (SELECT 1 FROM deliveries d WHERE d.notice_id = n.id AND d.plugin = ?)"
                          " ORDER BY campaign_id, seq");
      q.bind(1, plugin);
      std::map<std::string, bool> answers;  // per event type
      Status stopped;
      while (q.executeStep()) {
        const std::string type = q.getColumn(1).getString();
        auto it = answers.find(type);
        if (it == answers.end()) {
          const auto known = model::EventTypeFromName(type);
          if (!known) {
            stopped = Status::Internal("notice " + q.getColumn(0).getString() + " has the unknown event type '" +
                                       type + "'");
            break;
          }
          auto w = wants(*known);
          if (!w.ok()) {
            stopped = w.status();
            break;
          }
          it = answers.emplace(type, *w).first;
        }
        SQLite::Statement ins(db_,
                              "INSERT INTO deliveries(notice_id, plugin, campaign_id, unit_id, urgent, seq, state)"
                              " VALUES (?, ?, ?, ?, ?, ?, ?)");
        ins.bind(1, q.getColumn(0).getString());
        ins.bind(2, plugin);
        ins.bind(3, q.getColumn(2).getString());
        ins.bind(4, q.getColumn(3).getString());
        ins.bind(5, q.getColumn(4).getInt());
        ins.bind(6, q.getColumn(5).getInt64());
        ins.bind(7, it->second ? "pending" : "skipped");
        ins.exec();
      }
      q.reset();
      tx.Commit();
      return stopped;
    });
  }

  // The lane heads Due() returns (at most `limit`; 0: all), read in the
  // caller's transaction.
  Result<std::vector<Delivery>> LaneHeads(const std::string& plugin, Instant now, std::size_t limit) {
    // Each lane's head: the pending delivery with the lowest seq of its
    // (campaign, unit, urgent); returned only when it is due and not under a
    // running lease.
    SQLite::Statement q(db_,
                        "SELECT d.plugin, d.state, d.attempts, d.next_attempt_at, d.last_attempt_at, d.last_error,"
                        " d.delivered_at, n.body, d.lease_owner, d.lease_until"
                        " FROM deliveries d JOIN notices n ON n.id = d.notice_id"
                        " WHERE d.plugin = ?1 AND d.state = 'pending'"
                        " AND d.seq = (SELECT min(h.seq) FROM deliveries h WHERE h.plugin = d.plugin"
                        "   AND h.state = 'pending' AND h.campaign_id = d.campaign_id AND h.unit_id = d.unit_id"
                        "   AND h.urgent = d.urgent)"
                        " AND (d.next_attempt_at IS NULL OR d.next_attempt_at <= ?2)"
                        " AND (d.lease_until IS NULL OR d.lease_until <= ?2)"
                        " ORDER BY d.campaign_id, d.seq LIMIT ?3");
    q.bind(1, plugin);
    q.bind(2, Secs(now));
    q.bind(3, limit == 0 ? std::int64_t{-1} : static_cast<std::int64_t>(limit));
    std::vector<Delivery> out;
    while (q.executeStep()) {
      Delivery d = ReadDelivery(q, 0);
      auto parsed = model::NoticeFromJson(nlohmann::json::parse(q.getColumn(7).getString(), nullptr, false));
      if (!parsed.ok()) return parsed.status();
      d.notice = std::move(*parsed);
      if (!q.getColumn(8).isNull()) d.lease_owner = q.getColumn(8).getString();
      if (!q.getColumn(9).isNull()) d.lease_until = FromSecs(q.getColumn(9).getInt64());
      out.push_back(std::move(d));
    }
    return out;
  }

  Result<std::vector<Delivery>> DueDeliveries(const std::string& plugin, Instant now, std::size_t limit) {
    return Guarded([&]() -> Result<std::vector<Delivery>> {
      if (limit == 0) return Status::InvalidInput("Outbox::Due: limit must be positive");
      ReadTransaction read(db_);
      return LaneHeads(plugin, now, limit);
    });
  }

  Result<std::vector<Delivery>> ClaimDeliveries(const std::string& plugin, const std::string& owner, Instant now,
                                                std::chrono::seconds lease, std::size_t limit,
                                                const std::function<bool(const Delivery&)>& take) {
    return Guarded([&]() -> Result<std::vector<Delivery>> {
      if (owner.empty() || lease.count() <= 0 || limit == 0)
        return Status::InvalidInput("Outbox::Claim: needs an owner, a positive lease and a positive limit");
      WriteTransaction tx(db_);
      auto heads = LaneHeads(plugin, now, 0);
      if (!heads.ok()) return heads.status();
      std::vector<Delivery> out;
      for (Delivery& d : *heads) {
        if (take && !take(d)) continue;
        if (!d.lease_owner.empty()) {  // its lease ran out: the attempt was interrupted
          ++d.attempts;
          d.last_error = "interrupted: the claim of " + d.lease_owner + " ran out";
          SQLite::Statement a(db_,
                              "INSERT OR REPLACE INTO delivery_attempts(notice_id, plugin, attempt, at, outcome, error,"
                              " elapsed_ms) VALUES (?, ?, ?, ?, 'interrupted', ?, 0)");
          a.bind(1, d.notice.id);
          a.bind(2, plugin);
          a.bind(3, d.attempts);
          a.bind(4, Secs(now));
          a.bind(5, d.last_error);
          a.exec();
        }
        d.lease_owner = owner;
        d.lease_until = now + lease;
        SQLite::Statement u(db_,
                            "UPDATE deliveries SET lease_owner = ?3, lease_until = ?4, attempts = ?5, last_error = ?6"
                            " WHERE notice_id = ?1 AND plugin = ?2");
        u.bind(1, d.notice.id);
        u.bind(2, plugin);
        u.bind(3, owner);
        u.bind(4, Secs(*d.lease_until));
        u.bind(5, d.attempts);
        u.bind(6, d.last_error);
        u.exec();
        out.push_back(std::move(d));
        if (out.size() == limit) break;
      }
      tx.Commit();
      return out;
    });
  }

  Result<int> ExtendLeases(const std::string& owner, Instant until) {
    return Guarded([&]() -> Result<int> {
      if (owner.empty()) return 0;
      WriteTransaction tx(db_);
      SQLite::Statement q(db_, "UPDATE deliveries SET lease_until = ?2 WHERE lease_owner = ?1 AND state = 'pending'");
      q.bind(1, owner);
      q.bind(2, Secs(until));
      const int n = q.exec();
      tx.Commit();
      return n;
    });
  }

  Status RecordDelivery(const DeliveryResult& r) {
    return Guarded([&]() -> Status {
      WriteTransaction tx(db_);
      SQLite::Statement q(db_,
                          "UPDATE deliveries SET state = ?3, attempts = ?4, next_attempt_at = ?5, last_attempt_at = ?6,"
                          " last_error = CASE WHEN ?3 = 'delivered' THEN last_error ELSE ?7 END,"
                          " delivered_at = CASE WHEN ?3 = 'delivered' THEN ?6 ELSE delivered_at END,"
                          " lease_owner = NULL, lease_until = NULL"
                          " WHERE notice_id = ?1 AND plugin = ?2 AND state = 'pending' AND attempts = ?8"
                          " AND coalesce(lease_owner, '') = ?9");
      q.bind(1, r.notice_id);
      q.bind(2, r.plugin);
      q.bind(3, std::string(DeliveryStateName(r.state)));
      q.bind(4, r.attempts);
      if (r.next_attempt_at) q.bind(5, Secs(*r.next_attempt_at));
      q.bind(6, Secs(r.attempted_at));
      q.bind(7, r.error);
      q.bind(8, r.expected_attempts);
      q.bind(9, r.owner);
      if (q.exec() != 1) {
        SQLite::Statement e(db_, "SELECT 1 FROM deliveries WHERE notice_id = ? AND plugin = ?");
        e.bind(1, r.notice_id);
        e.bind(2, r.plugin);
        if (!e.executeStep()) return Status::NotFound("no delivery of notice '" + r.notice_id + "' by '" + r.plugin + "'");
        return Status::Conflict("delivery of notice '" + r.notice_id + "' by '" + r.plugin +
                                "' changed meanwhile (its claim was taken over, or it was recorded already)");
      }
      SQLite::Statement a(db_,
                          "INSERT OR REPLACE INTO delivery_attempts(notice_id, plugin, attempt, at, outcome, error, elapsed_ms)"
                          " VALUES (?, ?, ?, ?, ?, ?, ?)");
      a.bind(1, r.notice_id);
      a.bind(2, r.plugin);
      a.bind(3, r.attempts);
      a.bind(4, Secs(r.attempted_at));
      a.bind(5, r.state == DeliveryState::kDelivered ? "delivered"
                : r.state == DeliveryState::kDead    ? "dead"
                                                             : "retry");
      a.bind(6, r.error);
      a.bind(7, static_cast<std::int64_t>(r.elapsed.count()));
      a.exec();
      // The event the dispatcher built for the outcome (a delivery that
      // ended: notice.sent, notice.failed) goes on the notice's campaign
      // chain in this transaction.
      if (r.event) {
        SQLite::Statement n(db_, "SELECT campaign_id FROM notices WHERE id = ?");
        n.bind(1, r.notice_id);
        if (!n.executeStep()) return Status::NotFound("no notice '" + r.notice_id + "'");
        const std::string campaign = n.getColumn(0).getString();
        n.reset();
        auto appended = AppendEvents(campaign, {*r.event});
        if (!appended.ok()) return appended.status();
      }
      tx.Commit();
      return Status::Ok();
    });
  }

  Result<std::vector<HeldNotice>> ListHeld(const std::string& campaign, bool with_consumed) override {
    return Guarded([&]() -> Result<std::vector<HeldNotice>> {
      ReadTransaction tx(db_);
      return sqlite::ListHeld(db_, campaign, with_consumed);
    });
  }
  Result<std::vector<DigestRecord>> ListDigests(const std::string& campaign) override {
    return Guarded([&]() -> Result<std::vector<DigestRecord>> {
      ReadTransaction tx(db_);
      return sqlite::ListDigests(db_, campaign);
    });
  }

  Result<VerifyReport> Verify(const std::string& campaign) override {
    return Guarded([&]() -> Result<VerifyReport> {
      // One read transaction, so the chain and the head are seen at one instant.
      ReadTransaction read(db_);
      auto c = GetCampaign(campaign);
      if (!c.ok()) return c.status();
      if (!c->has_value()) return Status::NotFound("no campaign '" + campaign + "'");
      // The payload is hashed as stored, byte for byte.
      SQLite::Statement q(db_,
                          "SELECT seq, type, unit_id, actor, at, payload, prev_hash, hash, channel FROM events"
                          " WHERE campaign_id = ? ORDER BY seq");
      q.bind(1, campaign);
      return VerifyChain(
          campaign,
          [&](ChainRow& row) -> Result<bool> {
            if (!q.executeStep()) return false;
            row.seq = q.getColumn(0).getInt64();
            row.type = q.getColumn(1).getString();
            row.unit = q.getColumn(2).getString();
            row.actor = q.getColumn(3).getString();
            row.at = FromSecs(q.getColumn(4).getInt64());
            row.payload = q.getColumn(5).getString();
            row.prev_hash = q.getColumn(6).getString();
            row.hash = q.getColumn(7).getString();
            row.channel = q.getColumn(8).getString();
            return true;
          },
          (*c)->head_seq, (*c)->head_hash);
    });
  }

  Result<LedgerSnapshot> ReadLedger(const std::string& campaign, const std::string& event_type) override {
    return Guarded([&]() -> Result<LedgerSnapshot> {
      ReadTransaction read(db_);
      LedgerSnapshot snap;
      auto instances = ListInstances(campaign);
      if (!instances.ok()) return instances.status();
      snap.instances = std::move(*instances);
      auto materials = ListMaterials(campaign, "");
      if (!materials.ok()) return materials.status();
      snap.materials = std::move(*materials);
      auto commitments = ListCommitments(campaign, "");
      if (!commitments.ok()) return commitments.status();
      snap.commitments = std::move(*commitments);
      auto copies = ListPaperCopies(campaign);
      if (!copies.ok()) return copies.status();
      snap.paper_copies = std::move(*copies);
      EventFilter f;
      f.campaign = campaign;
      f.type = event_type;
      auto events = ListEvents(f);
      if (!events.ok()) return events.status();
      snap.events = std::move(*events);
      return snap;
    });
  }

  Result<CommitResult> Commit(const Changeset& ch) override {
    return Guarded([&]() -> Result<CommitResult> {
      WriteTransaction tx(db_);
      if (ch.command) {
        auto& q = Prepare("SELECT 1 FROM commands WHERE campaign_id = ? AND id = ?");
        q.bind(1, ch.campaign);
        q.bind(2, ch.command->id);
        if (q.executeStep())
          return Status::Conflict("command id '" + ch.command->id + "' was recorded meanwhile");
      }
      for (const auto& d : ch.definitions) {
        auto& q = Prepare(
            "INSERT INTO definitions(hash, kind, source, content) VALUES (?, ?, ?, ?)"
            " ON CONFLICT(hash) DO NOTHING");
        q.bind(1, d.hash);
        q.bind(2, d.kind);
        q.bind(3, d.source);
        q.bind(4, d.content);
        q.exec();
      }
      for (const auto& y : ch.calendar_years) {
        auto& q = Prepare(
            "INSERT INTO calendar_years(year, source, content, hash, loaded_at) VALUES (?, ?, ?, ?, ?)"
            " ON CONFLICT(year) DO UPDATE SET source = excluded.source, content = excluded.content,"
            " hash = excluded.hash, loaded_at = excluded.loaded_at");
        q.bind(1, y.year);
        q.bind(2, y.source);
        q.bind(3, y.content);
        q.bind(4, y.hash);
        q.bind(5, Secs(y.loaded_at));
        q.exec();
      }
      if (ch.create_campaign) {
        const Campaign& c = *ch.create_campaign;
        auto& q = Prepare(
            "INSERT INTO campaigns(id, name, year, time_zone, workflow_hash, roster_hash, created_at,"
            " created_by, head_seq, head_hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?, 0, ?)");
        q.bind(1, c.id);
        q.bind(2, c.name);
        q.bind(3, c.year);
        q.bind(4, c.time_zone);
        q.bind(5, c.workflow_hash);
        q.bind(6, c.roster_hash);
        q.bind(7, Secs(c.created_at));
        q.bind(8, c.created_by);
        q.bind(9, kGenesisHash);
        q.exec();
      }
      for (const auto& w : ch.instances) {
        if (auto st = WriteInstance(ch.campaign, w); !st.ok()) return st;
      }
      for (const auto& r : ch.requests) WriteRequest(ch.campaign, r);
      for (const auto& m : ch.materials) WriteMaterial(ch.campaign, m);
      for (const auto& o : ch.due_overrides) {
        auto& q = Prepare(
            "INSERT INTO due_overrides(campaign_id, stage, due_date, reason, set_by, set_at)"
            " VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT(campaign_id, stage) DO UPDATE SET"
            " due_date = excluded.due_date, reason = excluded.reason, set_by = excluded.set_by,"
            " set_at = excluded.set_at");
        q.bind(1, ch.campaign);
        q.bind(2, static_cast<int>(o.stage));
        q.bind(3, FormatDate(o.due));
        q.bind(4, o.reason);
        q.bind(5, o.set_by);
        q.bind(6, Secs(o.set_at));
        q.exec();
      }
      for (const auto& c : ch.commitments) InsertCommitment(ch.campaign, c);
      for (const auto& a : ch.attachments) InsertAttachment(ch.campaign, a);
      for (const auto& c : ch.contacts) InsertContact(ch.campaign, c);
      for (const auto& [unit, received] : ch.paper_copies) {
        auto& q = Prepare(
            "INSERT INTO paper_copies(campaign_id, unit_id, received) VALUES (?, ?, ?)"
            " ON CONFLICT(campaign_id, unit_id) DO UPDATE SET received = excluded.received");
        q.bind(1, ch.campaign);
        q.bind(2, unit);
        q.bind(3, received);
        q.exec();
      }
      CommitResult result;
      if (!ch.events.empty()) {
        auto appended = AppendEvents(ch.campaign, ch.events);
        if (!appended.ok()) return appended.status();
        result = *appended;
      }
      for (const auto& draft : ch.notices) {
        if (draft.event_index >= ch.events.size()) return Status::Internal("a notice names no event of its command");
        model::Notice n = draft.notice;
        n.seq = result.first_seq + static_cast<std::int64_t>(draft.event_index);
        n.id = model::NoticeId(ch.campaign, n.seq);
        n.campaign = ch.campaign;
        n.event = ch.events[draft.event_index];
        auto& q = Prepare(
            "INSERT INTO notices(campaign_id, seq, id, unit_id, event_type, urgent, body, queued_at)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?)");
        q.bind(1, ch.campaign);
        q.bind(2, n.seq);
        q.bind(3, n.id);
        q.bind(4, n.event.unit);
        q.bind(5, std::string(model::EventTypeName(n.event.type)));
        q.bind(6, n.urgent ? 1 : 0);
        q.bind(7, model::ToJson(n).dump());
        q.bind(8, Secs(n.event.at));
        q.exec();
      }
      if (auto st = sqlite::InsertHolds(db_, ch.campaign, result.first_seq, ch.events, ch.digest_holds); !st.ok())
        return st;
      if (auto st = sqlite::RecordDigests(db_, ch.campaign, result.first_seq, ch.digests); !st.ok()) return st;
      if (ch.command) {
        auto& q = Prepare(
            "INSERT INTO commands(campaign_id, id, fingerprint, exit_code, result) VALUES (?, ?, ?, ?, ?)");
        q.bind(1, ch.campaign);
        q.bind(2, ch.command->id);
        q.bind(3, ch.command->fingerprint);
        q.bind(4, ch.command->exit_code);
        q.bind(5, ch.command->result);
        q.exec();
      }
      tx.Commit();
      return result;
    });
  }

 private:
  static constexpr const char* kRequestColumns =
      "SELECT id, unit_id, transition, from_stage, to_stage, requested_by, requested_at, note,"
      " status, decided_by, decided_at, decision_note, kind, new_due FROM requests";
  static constexpr const char* kInstanceColumns =
      "SELECT unit_id, stage, version, entered_at, due_at, pending_request, deadline_step,"
      " next_deadline_at, extended_to, campaign_id, deadline_since FROM instances";

  // Runs `f`, turning SQLite's exceptions into a Status. A busy database after
  // the busy timeout is a Conflict: another writer held it.
  template <typename F>
  auto Guarded(F&& f) -> decltype(f()) {
    try {
      auto result = f();
      // A cached statement left on a row (a point lookup) holds its read
      // transaction, and so an old snapshot, until it is reset: later reads
      // (Verify too) would not see other connections' writes, BEGIN IMMEDIATE
      // would fail at once instead of waiting out busy_timeout, and the WAL
      // could never be checkpointed past it.
      ResetAll();
      return result;
    } catch (const SQLite::Exception& e) {
      ResetAll();
      if (e.getErrorCode() == SQLITE_BUSY || e.getErrorCode() == SQLITE_LOCKED)
        return Status::Conflict(std::string("database is busy: ") + e.what());
      return Status::Io(std::string("database error: ") + e.what());
    } catch (const std::exception& e) {
      ResetAll();
      return Status::Internal(e.what());
    }
  }

  // A cached prepared statement, reset and cleared for reuse.
  SQLite::Statement& Prepare(const std::string& sql) {
    auto it = cache_.find(sql);
    if (it == cache_.end()) it = cache_.emplace(sql, std::make_unique<SQLite::Statement>(db_, sql)).first;
    it->second->reset();
    it->second->clearBindings();
    in_use_.push_back(it->second.get());
    return *it->second;
  }

  // Resets the statements used since the last reset, ending their reads.
  void ResetAll() {
    for (auto* st : in_use_) {
      try {
        st->reset();
      } catch (...) {  // reset reports the statement's last error again; it is already handled
      }
    }
    in_use_.clear();
  }

  // Runs `sql` with `args` bound to its parameters 1, 2, ... in order.
  template <typename... Args>
  void Execute(const std::string& sql, const Args&... args) {
    auto& q = Prepare(sql);
    int index = 0;
    (q.bind(++index, args), ...);
    q.exec();
  }

  // The rows `sql` selects for a campaign (?1) and one unit or all (?2: ''),
  // each read by `read`.
  template <typename Row>
  Result<std::vector<Row>> ListOfUnit(const char* sql, const std::string& campaign,
                                      const std::string& unit, Row (*read)(SQLite::Statement&)) {
    return Guarded([&]() -> Result<std::vector<Row>> {
      auto& q = Prepare(sql);
      q.bind(1, campaign);
      q.bind(2, unit);
      std::vector<Row> out;
      while (q.executeStep()) out.push_back(read(q));
      return out;
    });
  }

  static model::MaterialRecord ReadMaterial(SQLite::Statement& q) {
    model::MaterialRecord m;
    m.unit = q.getColumn(0).getString();
    m.material = q.getColumn(1).getString();
    m.name = q.getColumn(2).getString();
    m.required = q.getColumn(3).getInt() != 0;
    m.state = model::MaterialStateFromName(q.getColumn(4).getString()).value_or(model::MaterialState::kPending);
    m.explained = q.getColumn(5).getInt() != 0;
    m.submissions = q.getColumn(6).getInt();
    m.note = q.getColumn(7).getString();
    m.updated_at = FromSecs(q.getColumn(8).getInt64());
    m.updated_by = q.getColumn(9).getString();
    m.dropped = q.getColumn(10).getInt() != 0;
    m.change_reason = q.getColumn(11).getString();
    return m;
  }

  static model::Attachment ReadAttachment(SQLite::Statement& q) {
    model::Attachment a;
    a.unit = q.getColumn(0).getString();
    a.material = q.getColumn(1).getString();
    a.sha256 = q.getColumn(2).getString();
    a.name = q.getColumn(3).getString();
    a.size = q.getColumn(4).getInt64();
    a.media_type = q.getColumn(5).getString();
    a.attached_by = q.getColumn(6).getString();
    a.attached_at = FromSecs(q.getColumn(7).getInt64());
    return a;
  }

  static model::Contact ReadContact(SQLite::Statement& q) {
    model::Contact c;
    c.unit = q.getColumn(0).getString();
    c.role = q.getColumn(1).getString();
    c.number = q.getColumn(2).getInt();
    c.person = q.getColumn(3).getString();
    c.name = q.getColumn(4).getString();
    c.phone = q.getColumn(5).getString();
    c.email = q.getColumn(6).getString();
    c.reported_by = q.getColumn(7).getString();
    auto d = ParseDate(q.getColumn(8).getString());
    if (d.ok()) c.reported_on = *d;
    c.recorded_by = q.getColumn(9).getString();
    c.recorded_at = FromSecs(q.getColumn(10).getInt64());
    return c;
  }

  static model::Commitment ReadCommitment(SQLite::Statement& q) {
    model::Commitment c;
    c.unit = q.getColumn(0).getString();
    c.number = q.getColumn(1).getInt();
    c.signer = q.getColumn(2).getString();
    auto d = ParseDate(q.getColumn(3).getString());
    if (d.ok()) c.signed_on = *d;
    c.stamped = q.getColumn(4).getInt() != 0;
    c.document_hash = q.getColumn(5).getString();
    c.document_name = q.getColumn(6).getString();
    c.recorded_at = FromSecs(q.getColumn(7).getInt64());
    c.recorded_by = q.getColumn(8).getString();
    return c;
  }

  static Campaign ReadCampaign(SQLite::Statement& q) {
    Campaign c;
    c.id = q.getColumn(0).getString();
    c.name = q.getColumn(1).getString();
    c.year = q.getColumn(2).getInt();
    c.time_zone = q.getColumn(3).getString();
    c.workflow_hash = q.getColumn(4).getString();
    c.roster_hash = q.getColumn(5).getString();
    c.created_at = FromSecs(q.getColumn(6).getInt64());
    c.created_by = q.getColumn(7).getString();
    c.head_seq = q.getColumn(8).getInt64();
    c.head_hash = q.getColumn(9).getString();
    if (!q.getColumn(10).isNull()) c.head_at = FromSecs(q.getColumn(10).getInt64());
    return c;
  }

  static model::Instance ReadInstance(SQLite::Statement& q) {
    model::Instance i;
    i.unit = q.getColumn(0).getString();
    i.stage = static_cast<model::StageId>(q.getColumn(1).getInt());
    i.version = q.getColumn(2).getInt64();
    i.entered_at = FromSecs(q.getColumn(3).getInt64());
    if (!q.getColumn(4).isNull()) i.due_at = FromSecs(q.getColumn(4).getInt64());
    if (!q.getColumn(5).isNull()) i.pending_request = q.getColumn(5).getString();
    i.deadline_step = q.getColumn(6).getInt();
    if (!q.getColumn(7).isNull()) i.next_deadline_at = FromSecs(q.getColumn(7).getInt64());
    if (!q.getColumn(8).isNull()) {
      auto d = ParseDate(q.getColumn(8).getString());
      if (d.ok()) i.extended_to = *d;
    }
    if (!q.getColumn(10).isNull()) i.deadline_since = FromSecs(q.getColumn(10).getInt64());
    return i;
  }

  static model::Request ReadRequest(SQLite::Statement& q) {
    model::Request r;
    r.id = q.getColumn(0).getString();
    r.unit = q.getColumn(1).getString();
    r.transition = static_cast<model::TransitionId>(q.getColumn(2).getInt());
    r.from = static_cast<model::StageId>(q.getColumn(3).getInt());
    r.to = static_cast<model::StageId>(q.getColumn(4).getInt());
    r.requested_by = q.getColumn(5).getString();
    r.requested_at = FromSecs(q.getColumn(6).getInt64());
    r.note = q.getColumn(7).getString();
    r.status = model::RequestStatusFromName(q.getColumn(8).getString()).value_or(model::RequestStatus::kPending);
    r.decided_by = q.getColumn(9).getString();
    if (!q.getColumn(10).isNull()) r.decided_at = FromSecs(q.getColumn(10).getInt64());
    r.decision_note = q.getColumn(11).getString();
    const std::string kind = q.getColumn(12).getString();
    const auto known = model::RequestKindFromName(kind);
    if (!known) throw std::runtime_error("request '" + r.id + "' has an unknown kind '" + kind + "'");
    r.kind = *known;
    if (!q.getColumn(13).isNull()) {
      auto d = ParseDate(q.getColumn(13).getString());
      if (d.ok()) r.new_due = *d;
    }
    return r;
  }

  Status WriteInstance(const std::string& campaign, const Changeset::InstanceWrite& w) {
    const auto& i = w.instance;
    auto bind_state = [&](SQLite::Statement& q) {
      q.bind(1, campaign);
      q.bind(2, i.unit);
      q.bind(3, static_cast<int>(i.stage));
      q.bind(4, i.version);
      q.bind(5, Secs(i.entered_at));
      if (i.due_at) q.bind(6, Secs(*i.due_at));
      if (i.pending_request) q.bind(7, *i.pending_request);
      q.bind(9, i.deadline_step);
      if (i.next_deadline_at) q.bind(10, Secs(*i.next_deadline_at));
      if (i.extended_to) q.bind(11, FormatDate(*i.extended_to));
      if (i.deadline_since) q.bind(12, Secs(*i.deadline_since));
    };
    if (!w.expected_version) {
      auto& q = Prepare(
          "INSERT INTO instances(campaign_id, unit_id, stage, version, entered_at, due_at,"
          " pending_request, deadline_step, next_deadline_at, extended_to, deadline_since)"
          " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?9, ?10, ?11, ?12)");
      bind_state(q);
      q.exec();
      return Status::Ok();
    }
    auto& q = Prepare(
        "UPDATE instances SET stage = ?3, version = ?4, entered_at = ?5, due_at = ?6,"
        " pending_request = ?7, deadline_step = ?9, next_deadline_at = ?10, extended_to = ?11,"
        " deadline_since = ?12"
        " WHERE campaign_id = ?1 AND unit_id = ?2 AND version = ?8");
    bind_state(q);
    q.bind(8, *w.expected_version);
    if (q.exec() != 1)
      return Status::Conflict("unit '" + i.unit + "' was changed by another command (expected version " +
                              std::to_string(*w.expected_version) + ")");
    return Status::Ok();
  }

  void WriteRequest(const std::string& campaign, const model::Request& r) {
    auto& q = Prepare(
        "INSERT INTO requests(campaign_id, id, unit_id, transition, from_stage, to_stage, requested_by,"
        " requested_at, note, status, decided_by, decided_at, decision_note, kind, new_due)"
        " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15)"
        " ON CONFLICT(campaign_id, id) DO UPDATE SET status = excluded.status,"
        " decided_by = excluded.decided_by, decided_at = excluded.decided_at,"
        " decision_note = excluded.decision_note");
    q.bind(1, campaign);
    q.bind(2, r.id);
    q.bind(3, r.unit);
    q.bind(4, static_cast<int>(r.transition));
    q.bind(5, static_cast<int>(r.from));
    q.bind(6, static_cast<int>(r.to));
    q.bind(7, r.requested_by);
    q.bind(8, Secs(r.requested_at));
    q.bind(9, r.note);
    q.bind(10, std::string(model::RequestStatusName(r.status)));
    q.bind(11, r.decided_by);
    if (r.decided_at) q.bind(12, Secs(*r.decided_at));
    q.bind(13, r.decision_note);
    q.bind(14, std::string(model::RequestKindName(r.kind)));
    if (r.new_due) q.bind(15, FormatDate(*r.new_due));
    q.exec();
  }

  void WriteMaterial(const std::string& campaign, const model::MaterialRecord& m) {
    Execute(
        "INSERT INTO materials(campaign_id, unit_id, material_id, ordinal, name, required, state,"
        " explained, submissions, note, updated_at, updated_by, dropped, change_reason)"
        " VALUES (?1, ?2, ?3, (SELECT count(*) FROM materials WHERE campaign_id = ?1 AND unit_id = ?2),"
        " ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)"
        " ON CONFLICT(campaign_id, unit_id, material_id) DO UPDATE SET state = excluded.state,"
        " explained = excluded.explained, submissions = excluded.submissions, note = excluded.note,"
        " updated_at = excluded.updated_at, updated_by = excluded.updated_by,"
        " dropped = excluded.dropped, change_reason = excluded.change_reason",
        campaign, m.unit, m.material, m.name, m.required ? 1 : 0,
        std::string(model::MaterialStateName(m.state)), m.explained ? 1 : 0, m.submissions,
        m.note, Secs(m.updated_at), m.updated_by, m.dropped ? 1 : 0, m.change_reason);
  }

  void InsertAttachment(const std::string& campaign, const model::Attachment& a) {
    Execute(
        "INSERT INTO attachments(campaign_id, unit_id, material_id, sha256, name, size, media_type,"
        " attached_by, attached_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
        campaign, a.unit, a.material, a.sha256, a.name, a.size, a.media_type, a.attached_by,
        Secs(a.attached_at));
  }

  void InsertContact(const std::string& campaign, const model::Contact& c) {
    Execute(
        "INSERT INTO contacts(campaign_id, unit_id, role, number, person_id, name, phone, email, reported_by,"
        " reported_on, recorded_by, recorded_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        campaign, c.unit, c.role, c.number, c.person, c.name, c.phone, c.email, c.reported_by,
        FormatDate(c.reported_on), c.recorded_by, Secs(c.recorded_at));
  }

  void InsertCommitment(const std::string& campaign, const model::Commitment& c) {
    Execute(
        "INSERT INTO commitments(campaign_id, unit_id, number, signer, signed_on, stamped, document_hash,"
        " document_name, recorded_at, recorded_by) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        campaign, c.unit, c.number, c.signer, FormatDate(c.signed_on), c.stamped ? 1 : 0,
        c.document_hash, c.document_name, Secs(c.recorded_at), c.recorded_by);
  }

  Result<CommitResult> AppendEvents(const std::string& campaign, const std::vector<model::Event>& events) {
    auto& head = Prepare("SELECT head_seq, head_hash FROM campaigns WHERE id = ?");
    head.bind(1, campaign);
    if (!head.executeStep()) return Status::NotFound("no campaign '" + campaign + "'");
    std::int64_t seq = head.getColumn(0).getInt64();
    std::string prev = head.getColumn(1).getString();
    head.reset();
    CommitResult result;
    result.first_seq = seq + 1;
    for (const auto& e : events) {
      ++seq;
      std::string payload = e.payload.dump();
      const std::string type(model::EventTypeName(e.type));
      std::string hash = EventHash(campaign, seq, type, e.unit, e.actor, e.at, payload, prev, e.channel);
      Execute(
          "INSERT INTO events(campaign_id, seq, type, unit_id, actor, at, payload, prev_hash, hash, channel)"
          " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
          campaign, seq, type, e.unit, e.actor, Secs(e.at), payload, prev, hash, e.channel);
      prev = std::move(hash);
    }
    auto& upd = Prepare("UPDATE campaigns SET head_seq = ?, head_hash = ? WHERE id = ?");
    upd.bind(1, seq);
    upd.bind(2, prev);
    upd.bind(3, campaign);
    upd.exec();
    result.last_seq = seq;
    return result;
  }

  static Delivery ReadDelivery(SQLite::Statement& q, int first) {
    Delivery d;
    d.plugin = q.getColumn(first).getString();
    d.state = DeliveryStateFromName(q.getColumn(first + 1).getString()).value_or(DeliveryState::kPending);
    d.attempts = q.getColumn(first + 2).getInt();
    if (!q.getColumn(first + 3).isNull()) d.next_attempt_at = FromSecs(q.getColumn(first + 3).getInt64());
    if (!q.getColumn(first + 4).isNull()) d.last_attempt_at = FromSecs(q.getColumn(first + 4).getInt64());
    d.last_error = q.getColumn(first + 5).getString();
    if (!q.getColumn(first + 6).isNull()) d.delivered_at = FromSecs(q.getColumn(first + 6).getInt64());
    return d;
  }

  // The store's outbox face, forwarding to its methods above.
  class SqliteOutbox final : public store::Outbox {
   public:
    explicit SqliteOutbox(SqliteStore& s) : s_(s) {}
    Status Plan(const std::string& plugin,
                const std::function<Result<bool>(model::EventType)>& wants) override {
      return s_.PlanDeliveries(plugin, wants);
    }
    Result<std::vector<Delivery>> Due(const std::string& plugin, Instant now, std::size_t limit) override {
      return s_.DueDeliveries(plugin, now, limit);
    }
    Result<std::vector<Delivery>> Claim(const std::string& plugin, const std::string& owner, Instant now,
                                        std::chrono::seconds lease, std::size_t limit,
                                        const std::function<bool(const Delivery&)>& take) override {
      return s_.ClaimDeliveries(plugin, owner, now, lease, limit, take);
    }
    Result<int> Extend(const std::string& owner, Instant until) override { return s_.ExtendLeases(owner, until); }
    Status Record(const DeliveryResult& r) override { return s_.RecordDelivery(r); }

   private:
    SqliteStore& s_;
  };

  SQLite::Database db_;
  SqliteOutbox outbox_{*this};
  std::unique_ptr<store::Accounts> accounts_ = sqlite::MakeAccounts(db_);
  std::map<std::string, std::unique_ptr<SQLite::Statement>> cache_;
  std::vector<SQLite::Statement*> in_use_;  // prepared since the last ResetAll
};

}  // namespace

Result<std::unique_ptr<Store>> OpenSqlite(const std::filesystem::path& path, const StoreOptions& options) {
  try {
    std::error_code ec;
    if (!options.create && !std::filesystem::exists(path, ec))
      return Status::NotFound("database " + path.string() + " does not exist (`duban init` creates it)");
    if (path.has_parent_path()) std::filesystem::create_directories(path.parent_path());
    auto store = std::make_unique<SqliteStore>(path, options);
    if (auto st = store->Migrate(); !st.ok()) return st;
    return std::unique_ptr<Store>(std::move(store));
  } catch (const std::exception& e) {
    return Status::Io("cannot open database " + path.string() + ": " + e.what());
  }
}

}  // namespace duban::store
