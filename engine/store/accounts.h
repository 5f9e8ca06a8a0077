// Accounts, sessions and API tokens: what the HTTP API signs people in with
// (engine/app/accounts.h decides; this is only where it is kept). Every
// backend holds the same contracts, checked by the store conformance suite:
//  - An account is a roster person's Argon2id password hash (the encoded
//    string, parameters and salt inside it), for one campaign or for every
//    campaign (campaign ""). Putting an account again replaces its hash.
//  - Secrets are never stored: a session is kept by the SHA-256 of its
//    cookie value and of its CSRF token, an API token by the SHA-256 of the
//    token. The store compares hashes; it never sees a secret.
//  - A session ends at its expiry or when ended (sign-out, a new password);
//    an ended session stays on record. A token is revoked, never deleted.
//  - Failed sign-ins are counted per key (a person, or an address): AddFailure
//    counts on from the stored count unless the last failure is older than
//    `forget_before`, when it starts again at 1; ClearFailures forgets them.
//
// Thread-safety: as the store that hands it out (Store::Accounts()).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/status.h"
#include "core/time.h"

namespace duban::store {

struct Account {
  std::string person;         // a roster person id
  std::string campaign;       // "" : valid in every campaign whose roster has the person
  std::string password_hash;  // argon2id encoded ("$argon2id$v=19$m=...")
  std::string set_by;         // who set the password
  Instant created_at{};
  Instant updated_at{};
};

struct SessionRecord {
  std::string id_hash;    // SHA-256 hex of the cookie value
  std::string csrf_hash;  // SHA-256 hex of the CSRF token
  std::string person;
  std::string campaign;   // the account's scope ("" : every campaign)
  std::string address;    // the client's address at sign-in
  Instant created_at{};
  Instant expires_at{};
  std::optional<Instant> ended_at;
};

struct ApiToken {
  std::string id;         // public, shown in `token list` ("tok-1a2b3c4d")
  std::string hash;       // SHA-256 hex of the secret token
  std::string person;
  std::string campaign;   // "" : every campaign
  std::string name;       // what the program is ("ledger export")
  std::string created_by;
  Instant created_at{};
  std::optional<Instant> revoked_at;
  std::string revoked_by;
};

// Failed sign-ins under one key.
enum class FailureKind : std::uint8_t { kPerson, kAddress };
struct Failures {
  int count = 0;
  std::optional<Instant> last_at;  // none when count is 0
};

class Accounts {
 public:
  virtual ~Accounts() = default;

  // Inserts or replaces the account (person, campaign); created_at is kept
  // from the first put.
  virtual Status PutAccount(const Account& account) = 0;
  virtual Result<std::optional<Account>> GetAccount(const std::string& person, const std::string& campaign) = 0;

  // Stores a new session; Conflict when its id_hash is taken.
  virtual Status AddSession(const SessionRecord& session) = 0;
  virtual Result<std::optional<SessionRecord>> GetSession(const std::string& id_hash) = 0;
  // Ends the session at `at` (kept when already ended). NotFound without one.
  virtual Status EndSession(const std::string& id_hash, Instant at) = 0;
  // Ends every open session of `person` at `at`; answers how many.
  virtual Result<int> EndSessionsOf(const std::string& person, Instant at) = 0;

  // Stores a new token; Conflict when its id or hash is taken.
  virtual Status AddToken(const ApiToken& token) = 0;
  virtual Result<std::optional<ApiToken>> GetTokenByHash(const std::string& hash) = 0;
  // Tokens of `person` (every person's when empty), oldest first, revoked too.
  virtual Result<std::vector<ApiToken>> ListTokens(const std::string& person) = 0;
  // Revokes the token `id` at `at`. NotFound without one; Conflict when it is
  // already revoked (nothing changes).
  virtual Status RevokeToken(const std::string& id, const std::string& by, Instant at) = 0;

  // Counts one more failure under (kind, key) at `at`, atomically; answers
  // the count now stored.
  virtual Result<Failures> AddFailure(FailureKind kind, const std::string& key, Instant at,
                                      Instant forget_before) = 0;
  virtual Result<Failures> GetFailures(FailureKind kind, const std::string& key) = 0;
  virtual Status ClearFailures(FailureKind kind, const std::string& key) = 0;
};

}  // namespace duban::store
