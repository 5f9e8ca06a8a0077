// SQL of the accounts, sessions, API tokens and failed sign-ins (migration 6).
#include "store/sqlite/sqlite_accounts.h"

#include <SQLiteCpp/SQLiteCpp.h>
#include <sqlite3.h>

#include <string>
#include <utility>

namespace duban::store::sqlite {

namespace {

std::int64_t Secs(Instant t) { return t.time_since_epoch().count(); }
Instant FromSecs(std::int64_t s) { return Instant(std::chrono::seconds(s)); }
std::optional<Instant> OptionalAt(const SQLite::Column& c) {
  if (c.isNull()) return std::nullopt;
  return FromSecs(c.getInt64());
}

std::string_view KindName(FailureKind k) { return k == FailureKind::kPerson ? "person" : "address"; }

// SQLite's exceptions as the store's Status: a busy database is Conflict.
template <typename F>
auto Guarded(F&& f) -> decltype(f()) {
  try {
    return f();
  } catch (const SQLite::Exception& e) {
    if (e.getErrorCode() == SQLITE_BUSY || e.getErrorCode() == SQLITE_LOCKED)
      return Status::Conflict(std::string("database is busy: ") + e.what());
    if (e.getErrorCode() == SQLITE_CONSTRAINT) return Status::Conflict(std::string("already recorded: ") + e.what());
    return Status::Io(std::string("database error: ") + e.what());
  } catch (const std::exception& e) {
    return Status::Internal(e.what());
  }
}

// Binds `args` to the parameters 1, 2, ... in order.
template <typename... Args>
void BindAll(SQLite::Statement& q, const Args&... args) {
  int index = 0;
  (q.bind(++index, args), ...);
}

constexpr const char* kSessionColumns =
    "SELECT id_hash, csrf_hash, person_id, campaign_id, address, created_at, expires_at, ended_at FROM sessions";
constexpr const char* kTokenColumns =
    "SELECT id, hash, person_id, campaign_id, name, created_by, created_at, revoked_at, revoked_by FROM api_tokens";

SessionRecord ReadSession(SQLite::Statement& q) {
  SessionRecord s;
  s.id_hash = q.getColumn(0).getString();
  s.csrf_hash = q.getColumn(1).getString();
  s.person = q.getColumn(2).getString();
  s.campaign = q.getColumn(3).getString();
  s.address = q.getColumn(4).getString();
  s.created_at = FromSecs(q.getColumn(5).getInt64());
  s.expires_at = FromSecs(q.getColumn(6).getInt64());
  s.ended_at = OptionalAt(q.getColumn(7));
  return s;
}

ApiToken ReadToken(SQLite::Statement& q) {
  ApiToken t;
  t.id = q.getColumn(0).getString();
  t.hash = q.getColumn(1).getString();
  t.person = q.getColumn(2).getString();
  t.campaign = q.getColumn(3).getString();
  t.name = q.getColumn(4).getString();
  t.created_by = q.getColumn(5).getString();
  t.created_at = FromSecs(q.getColumn(6).getInt64());
  t.revoked_at = OptionalAt(q.getColumn(7));
  t.revoked_by = q.getColumn(8).getString();
  return t;
}

class SqliteAccounts final : public Accounts {
 public:
  explicit SqliteAccounts(SQLite::Database& db) : db_(db) {}

  Status PutAccount(const Account& a) override {
    return Guarded([&]() -> Status {
      SQLite::Statement q(db_,
                          "INSERT INTO accounts(person_id, campaign_id, password_hash, set_by, created_at, updated_at)"
                          " VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT(person_id, campaign_id) DO UPDATE SET"
                          " password_hash = excluded.password_hash, set_by = excluded.set_by,"
                          " updated_at = excluded.updated_at");
      BindAll(q, a.person, a.campaign, a.password_hash, a.set_by, Secs(a.created_at), Secs(a.updated_at));
      q.exec();
      return Status::Ok();
    });
  }

  Result<std::optional<Account>> GetAccount(const std::string& person, const std::string& campaign) override {
    return Guarded([&]() -> Result<std::optional<Account>> {
      SQLite::Statement q(db_,
                          "SELECT person_id, campaign_id, password_hash, set_by, created_at, updated_at FROM accounts"
                          " WHERE person_id = ? AND campaign_id = ?");
      BindAll(q, person, campaign);
      if (!q.executeStep()) return std::optional<Account>();
      Account a;
      a.person = q.getColumn(0).getString();
      a.campaign = q.getColumn(1).getString();
      a.password_hash = q.getColumn(2).getString();
      a.set_by = q.getColumn(3).getString();
      a.created_at = FromSecs(q.getColumn(4).getInt64());
      a.updated_at = FromSecs(q.getColumn(5).getInt64());
      return std::optional<Account>(std::move(a));
    });
  }

  Status AddSession(const SessionRecord& s) override {
    return Guarded([&]() -> Status {
      SQLite::Statement q(db_,
                          "INSERT INTO sessions(id_hash, csrf_hash, person_id, campaign_id, address, created_at,"
                          " expires_at) VALUES (?, ?, ?, ?, ?, ?, ?)");
      BindAll(q, s.id_hash, s.csrf_hash, s.person, s.campaign, s.address, Secs(s.created_at), Secs(s.expires_at));
      q.exec();
      return Status::Ok();
    });
  }

  Result<std::optional<SessionRecord>> GetSession(const std::string& id_hash) override {
    return Guarded([&]() -> Result<std::optional<SessionRecord>> {
      SQLite::Statement q(db_, std::string(kSessionColumns) + " WHERE id_hash = ?");
      BindAll(q, id_hash);
      if (!q.executeStep()) return std::optional<SessionRecord>();
      return std::optional<SessionRecord>(ReadSession(q));
    });
  }

  Status EndSession(const std::string& id_hash, Instant at) override {
    return Guarded([&]() -> Status {
      SQLite::Statement q(db_, "UPDATE sessions SET ended_at = coalesce(ended_at, ?) WHERE id_hash = ?");
      BindAll(q, Secs(at), id_hash);
      if (q.exec() == 0) return Status::NotFound("no such session");
      return Status::Ok();
    });
  }

  Result<int> EndSessionsOf(const std::string& person, Instant at) override {
    return Guarded([&]() -> Result<int> {
      SQLite::Statement q(db_, "UPDATE sessions SET ended_at = ? WHERE person_id = ? AND ended_at IS NULL");
      BindAll(q, Secs(at), person);
      return q.exec();
    });
  }

  Status AddToken(const ApiToken& t) override {
    return Guarded([&]() -> Status {
      SQLite::Statement q(db_,
                          "INSERT INTO api_tokens(id, hash, person_id, campaign_id, name, created_by, created_at)"
                          " VALUES (?, ?, ?, ?, ?, ?, ?)");
      BindAll(q, t.id, t.hash, t.person, t.campaign, t.name, t.created_by, Secs(t.created_at));
      q.exec();
      return Status::Ok();
    });
  }

  Result<std::optional<ApiToken>> GetTokenByHash(const std::string& hash) override {
    return Guarded([&]() -> Result<std::optional<ApiToken>> {
      SQLite::Statement q(db_, std::string(kTokenColumns) + " WHERE hash = ?");
      BindAll(q, hash);
      if (!q.executeStep()) return std::optional<ApiToken>();
      return std::optional<ApiToken>(ReadToken(q));
    });
  }

  Result<std::vector<ApiToken>> ListTokens(const std::string& person) override {
    return Guarded([&]() -> Result<std::vector<ApiToken>> {
      SQLite::Statement q(db_, std::string(kTokenColumns) +
                                   " WHERE ?1 = '' OR person_id = ?1 ORDER BY created_at, id");
      BindAll(q, person);
      std::vector<ApiToken> out;
      while (q.executeStep()) out.push_back(ReadToken(q));
      return out;
    });
  }

  Status RevokeToken(const std::string& id, const std::string& by, Instant at) override {
    return Guarded([&]() -> Status {
      SQLite::Transaction tx(db_, SQLite::TransactionBehavior::IMMEDIATE);
      SQLite::Statement q(db_, "SELECT revoked_at IS NOT NULL FROM api_tokens WHERE id = ?");
      BindAll(q, id);
      if (!q.executeStep()) return Status::NotFound("no token '" + id + "'");
      if (q.getColumn(0).getInt() != 0) return Status::Conflict("token '" + id + "' is already revoked");
      q.reset();
      SQLite::Statement upd(db_, "UPDATE api_tokens SET revoked_at = ?, revoked_by = ? WHERE id = ?");
      BindAll(upd, Secs(at), by, id);
      upd.exec();
      tx.commit();
      return Status::Ok();
    });
  }

  Result<Failures> AddFailure(FailureKind kind, const std::string& key, Instant at, Instant forget_before) override {
    return Guarded([&]() -> Result<Failures> {
      SQLite::Statement q(db_,
                          "INSERT INTO sign_in_failures(kind, key, count, last_at) VALUES (?1, ?2, 1, ?3)"
                          " ON CONFLICT(kind, key) DO UPDATE SET"
                          " count = CASE WHEN last_at < ?4 THEN 1 ELSE count + 1 END, last_at = ?3"
                          " RETURNING count, last_at");
      BindAll(q, std::string(KindName(kind)), key, Secs(at), Secs(forget_before));
      if (!q.executeStep()) return Status::Internal("no failure count returned");
      return Failures{q.getColumn(0).getInt(), FromSecs(q.getColumn(1).getInt64())};
    });
  }

  Result<Failures> GetFailures(FailureKind kind, const std::string& key) override {
    return Guarded([&]() -> Result<Failures> {
      SQLite::Statement q(db_, "SELECT count, last_at FROM sign_in_failures WHERE kind = ? AND key = ?");
      BindAll(q, std::string(KindName(kind)), key);
      if (!q.executeStep()) return Failures{};
      return Failures{q.getColumn(0).getInt(), FromSecs(q.getColumn(1).getInt64())};
    });
  }

  Status ClearFailures(FailureKind kind, const std::string& key) override {
    return Guarded([&]() -> Status {
      SQLite::Statement q(db_, "DELETE FROM sign_in_failures WHERE kind = ? AND key = ?");
      BindAll(q, std::string(KindName(kind)), key);
      q.exec();
      return Status::Ok();
    });
  }

 private:
  SQLite::Database& db_;
};

}  // namespace

std::unique_ptr<Accounts> MakeAccounts(SQLite::Database& db) { return std::make_unique<SqliteAccounts>(db); }

}  // namespace duban::store::sqlite
