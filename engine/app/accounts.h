// Accounts and sign-in: who a request over the network speaks for. A roster
// person gets a password (hashed with Argon2id), signs in for a session (a
// cookie plus a CSRF token for every state-changing request) or is given an
// API token for a program. What the person may then do is decided, as for
// every request, by the workflow's [permissions] at request time (App): a
// liaison replaced by a contact change keeps their credentials but no longer
// holds the unit's role, so every request for the unit is refused at once.
//
// Secrets (cookie, CSRF token, API token) are drawn from
// AccountsOptions::secret_bytes and stored only as their SHA-256
// (store/accounts.h); a token is shown once, when created.
//
// Failed sign-ins are counted per person and per client address: from
// slow_after failures on, the next attempt must wait (1, 2, 4, ... s, at most
// max_delay) after the last failure; at lock_after the key is locked for
// lock_for. A throttled attempt is answered without checking the password.
//
// Thread-safety: as the store it is given (one thread at a time for SQLite).
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "app/app.h"
#include "app/request.h"
#include "core/status.h"
#include "core/time.h"
#include "store/accounts.h"
#include "store/store.h"

namespace duban::app {

// The rules a refused credential names (Status::Refused).
inline constexpr const char* kRuleSignIn = "sign_in";        // wrong person or password
inline constexpr const char* kRuleSession = "session";       // no session, ended or expired
inline constexpr const char* kRuleToken = "token";           // unknown or revoked token
inline constexpr const char* kRuleCsrf = "csrf";             // a state-changing cookie request without its token
inline constexpr const char* kRuleAccountScope = "account_scope";  // a credential of another campaign

struct AccountsOptions {
  // Argon2id cost of a new hash (a stored hash carries its own): 64 MiB,
  // 3 passes, 1 lane.
  std::uint32_t argon2_memory_kib = 64 * 1024;
  std::uint32_t argon2_iterations = 3;
  std::uint32_t argon2_lanes = 1;
  std::size_t min_password_length = 10;
  std::chrono::seconds session_lifetime = std::chrono::hours(12);
  // Per person.
  int slow_after = 3;
  int lock_after = 10;
  // Per address (many people may share an office's address).
  int address_slow_after = 10;
  int address_lock_after = 50;
  std::chrono::seconds max_delay{60};
  std::chrono::seconds lock_for = std::chrono::minutes(15);
  // Fills the span with cryptographically secure random bytes, or fails.
  // Required; the runtime passes the operating system's.
  std::function<Status(std::span<unsigned char>)> secret_bytes;
};

// A session just opened: the secrets the client keeps (shown this once).
struct NewSession {
  std::string cookie;  // the session cookie's value
  std::string csrf;    // to send as X-CSRF-Token with each state-changing request
  std::string person;
  std::string campaign;  // the account's scope; "" : every campaign
  Instant expires_at{};
};

struct SignInAnswer {
  enum class Outcome : std::uint8_t { kSignedIn, kWrongCredentials, kThrottled };
  Outcome outcome = Outcome::kWrongCredentials;
  std::optional<NewSession> session;    // kSignedIn
  std::chrono::seconds retry_after{0};  // kThrottled: wait this long
  std::string message;                  // for the user (zh-CN / English)
};

// An API token just created: `secret` is shown once and never stored.
struct NewToken {
  store::ApiToken token;
  std::string secret;
};

// Who a credential speaks for: the request context to hand to App (channel
// kSession or kToken, no command id yet) and the campaign it is limited to.
struct Principal {
  RequestContext request;
  std::string campaign_scope;  // "" : every campaign

  // Refused (kRuleAccountScope) when the credential is for another campaign.
  Status MayUse(const std::string& campaign) const;
};

class Accounts {
 public:
  // `store` and `app` must outlive the accounts.
  Accounts(store::Store& store, App& app, AccountsOptions options);

  // Sets `person`'s password for `campaign` ("" : every campaign whose roster
  // has them), ending their open sessions. InvalidInput for a password
  // shorter than min_password_length; NotFound when no campaign (or not
  // `campaign`) has the person. Recorded as set by rc.person at rc.at.
  Status SetPassword(const std::string& person, const std::string& campaign, const std::string& password,
                     const RequestContext& rc);

  // Checks a person's password (for `campaign`, else their account for every
  // campaign) from `address` at `at`, counting a failure or opening a session.
  Result<SignInAnswer> SignIn(const std::string& person, const std::string& password, const std::string& campaign,
                              const std::string& address, Instant at);
  // Ends the session of `cookie`. Refused (kRuleSession) when there is none.
  Status SignOut(const std::string& cookie, Instant at);

  // The principal of a session cookie at `at`. A state-changing request must
  // carry the session's CSRF token. Refused: kRuleSession (none, ended,
  // expired), kRuleCsrf.
  Result<Principal> FromSession(const std::string& cookie, const std::optional<std::string>& csrf,
                                bool state_changing, Instant at);
  // The principal of an API token. Refused (kRuleToken): unknown, revoked.
  Result<Principal> FromToken(const std::string& token, Instant at);

  // Creates a token for `person` (known as for SetPassword) named `name`.
  Result<NewToken> CreateToken(const std::string& person, const std::string& campaign, const std::string& name,
                               const RequestContext& rc);
  // Tokens of `person` (every person's when empty), revoked ones too.
  Result<std::vector<store::ApiToken>> Tokens(const std::string& person);
  Status RevokeToken(const std::string& id, const RequestContext& rc);

  // When the next sign-in under a key with `f` failures may be tried at
  // `at` given its thresholds; nullopt: now. Pure.
  static std::optional<Instant> NotBefore(const store::Failures& f, int slow_after, int lock_after,
                                          std::chrono::seconds max_delay, std::chrono::seconds lock_for, Instant at);

 private:
  // OK when `campaign` (or, empty, any campaign) has `person` on its roster
  // or among its reported contacts.
  Status KnownPerson(const std::string& person, const std::string& campaign);
  // `n` random bytes as 2n lowercase hex digits.
  Result<std::string> Secret(std::size_t n);
  Result<std::string> Hash(const std::string& password);
  // Argon2id's answer; false also for a malformed hash.
  static bool Matches(const std::string& encoded, const std::string& password);
  Result<store::Failures> FailuresOf(store::FailureKind kind, const std::string& key, Instant at);

  store::Store& store_;
  App& app_;
  AccountsOptions options_;
  std::string dummy_hash_;  // checked against for an unknown person, so that timing tells nothing
};

}  // namespace duban::app
