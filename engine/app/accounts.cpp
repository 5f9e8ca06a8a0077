#include "app/accounts.h"

#include <argon2.h>

#include <algorithm>
#include <array>

#include "core/hash.h"

namespace duban::app {

namespace {

constexpr std::size_t kSaltBytes = 16;
constexpr std::size_t kHashBytes = 32;
constexpr std::size_t kSecretBytes = 32;  // cookies, CSRF tokens, API tokens: 256 bits
constexpr const char* kTokenPrefix = "dbn_";

std::string Hex(std::span<const unsigned char> bytes) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  out.reserve(bytes.size() * 2);
  for (unsigned char b : bytes) {
    out.push_back(kDigits[b >> 4]);
    out.push_back(kDigits[b & 0xf]);
  }
  return out;
}

// Equal strings, in time that depends only on their lengths.
bool SameSecret(const std::string& a, const std::string& b) {
  if (a.size() != b.size()) return false;
  unsigned char diff = 0;
  for (std::size_t i = 0; i < a.size(); ++i) diff |= static_cast<unsigned char>(a[i] ^ b[i]);
  return diff == 0;
}

}  // namespace

Status Principal::MayUse(const std::string& campaign) const {
  if (campaign_scope.empty() || campaign_scope == campaign) return Status::Ok();
  return Status::Refused(kRuleAccountScope, request.person + " 的账户只用于考核年度 " + campaign_scope +
                                                " / this account is for campaign '" + campaign_scope + "' only");
}

Accounts::Accounts(store::Store& store, App& app, AccountsOptions options)
    : store_(store), app_(app), options_(std::move(options)) {}

std::optional<Instant> Accounts::NotBefore(const store::Failures& f, int slow_after, int lock_after,
                                           std::chrono::seconds max_delay, std::chrono::seconds lock_for,
                                           Instant at) {
  if (f.count == 0 || !f.last_at || *f.last_at + lock_for <= at) return std::nullopt;
  Instant until = *f.last_at;
  if (f.count >= lock_after) {
    until += lock_for;
  } else if (f.count >= slow_after) {
    const int doublings = std::min(f.count - slow_after, 30);
    until += std::min<std::chrono::seconds>(max_delay, std::chrono::seconds(std::int64_t{1} << doublings));
  } else {
    return std::nullopt;
  }
  if (until <= at) return std::nullopt;
  return until;
}

Status Accounts::KnownPerson(const std::string& person, const std::string& campaign) {
  if (person.empty()) return Status::InvalidInput("no person named");
  std::vector<std::string> ids;
  if (!campaign.empty()) {
    ids.push_back(campaign);
  } else {
    auto all = store_.ListCampaigns();
    if (!all.ok()) return all.status();
    for (const auto& c : *all) ids.push_back(c.id);
  }
  for (const auto& id : ids) {
    auto ctx = app_.Load(id);
    if (!ctx.ok()) return ctx.status();
    if (ctx->roster->FindPerson(person) != nullptr) return Status::Ok();
  }
  return Status::NotFound("no person '" + person + "' on the roster of " +
                          (campaign.empty() ? std::string("any campaign") : "campaign '" + campaign + "'"));
}

Result<std::string> Accounts::Secret(std::size_t n) {
  if (!options_.secret_bytes) return Status::Internal("no source of secret random bytes configured");
  std::vector<unsigned char> bytes(n);
  DUBAN_RETURN_IF_ERROR(options_.secret_bytes(bytes));
  return Hex(bytes);
}

Result<std::string> Accounts::Hash(const std::string& password) {
  if (!options_.secret_bytes) return Status::Internal("no source of secret random bytes configured");
  std::array<unsigned char, kSaltBytes> salt{};
  DUBAN_RETURN_IF_ERROR(options_.secret_bytes(salt));
  const std::size_t len = argon2_encodedlen(options_.argon2_iterations, options_.argon2_memory_kib,
                                            options_.argon2_lanes, kSaltBytes, kHashBytes, Argon2_id);
  std::string encoded(len, '\0');
  const int rc = argon2id_hash_encoded(options_.argon2_iterations, options_.argon2_memory_kib,
                                       options_.argon2_lanes, password.data(), password.size(), salt.data(),
                                       salt.size(), kHashBytes, encoded.data(), encoded.size());
  if (rc != ARGON2_OK) return Status::Internal(std::string("argon2id: ") + argon2_error_message(rc));
  encoded.resize(encoded.find('\0'));
  return encoded;
}

bool Accounts::Matches(const std::string& encoded, const std::string& password) {
  return argon2id_verify(encoded.c_str(), password.data(), password.size()) == ARGON2_OK;
}

Status Accounts::SetPassword(const std::string& person, const std::string& campaign, const std::string& password,
                             const RequestContext& rc) {
  if (password.size() < options_.min_password_length)
    return Status::InvalidInput("密码至少 " + std::to_string(options_.min_password_length) +
                                " 个字符 / a password needs at least " +
                                std::to_string(options_.min_password_length) + " characters");
  DUBAN_RETURN_IF_ERROR(KnownPerson(person, campaign));
  auto hash = Hash(password);
  if (!hash.ok()) return hash.status();
  store::Account a{person, campaign, std::move(*hash), rc.person, rc.at, rc.at};
  DUBAN_RETURN_IF_ERROR(store_.Accounts().PutAccount(a));
  // A new password ends every session opened with the old one.
  auto ended = store_.Accounts().EndSessionsOf(person, rc.at);
  if (!ended.ok()) return ended.status();
  return store_.Accounts().ClearFailures(store::FailureKind::kPerson, person);
}

Result<store::Failures> Accounts::FailuresOf(store::FailureKind kind, const std::string& key, Instant at) {
  auto f = store_.Accounts().GetFailures(kind, key);
  if (!f.ok()) return f.status();
  if (f->last_at && *f->last_at + options_.lock_for <= at) return store::Failures{};  // forgotten
  return *f;
}

Result<SignInAnswer> Accounts::SignIn(const std::string& person, const std::string& password,
                                      const std::string& campaign, const std::string& address, Instant at) {
  using Outcome = SignInAnswer::Outcome;
  auto by_person = FailuresOf(store::FailureKind::kPerson, person, at);
  if (!by_person.ok()) return by_person.status();
  auto by_address = FailuresOf(store::FailureKind::kAddress, address, at);
  if (!by_address.ok()) return by_address.status();
  auto wait_person = NotBefore(*by_person, options_.slow_after, options_.lock_after, options_.max_delay,
                               options_.lock_for, at);
  auto wait_address = NotBefore(*by_address, options_.address_slow_after, options_.address_lock_after,
                                options_.max_delay, options_.lock_for, at);
  if (wait_person || wait_address) {
    const Instant until = std::max(wait_person.value_or(at), wait_address.value_or(at));
    SignInAnswer a;
    a.outcome = Outcome::kThrottled;
    a.retry_after = std::chrono::duration_cast<std::chrono::seconds>(until - at);
    a.message = "登录失败次数过多，请 " + std::to_string(a.retry_after.count()) +
                " 秒后再试 / too many failed sign-ins: try again in " + std::to_string(a.retry_after.count()) + " s";
    return a;
  }
  // The account for the campaign asked, else the person's for every campaign.
  std::optional<store::Account> account;
  for (const std::string& scope : {campaign, std::string()}) {
    if (person.empty()) break;
    auto got = store_.Accounts().GetAccount(person, scope);
    if (!got.ok()) return got.status();
    if (got->has_value()) {
      account = std::move(**got);
      break;
    }
    if (scope.empty()) break;
  }
  if (dummy_hash_.empty()) {
    auto h = Hash("an unknown person's password");
    if (!h.ok()) return h.status();
    dummy_hash_ = std::move(*h);
  }
  const bool matches = Matches(account ? account->password_hash : dummy_hash_, password) && account.has_value();
  if (!matches) {
    const Instant forget = at - options_.lock_for;
    if (!person.empty()) {
      auto f = store_.Accounts().AddFailure(store::FailureKind::kPerson, person, at, forget);
      if (!f.ok()) return f.status();
    }
    auto f = store_.Accounts().AddFailure(store::FailureKind::kAddress, address, at, forget);
    if (!f.ok()) return f.status();
    SignInAnswer a;
    a.outcome = Outcome::kWrongCredentials;
    a.message = "人员或密码不正确 / wrong person or password";
    return a;
  }
  DUBAN_RETURN_IF_ERROR(store_.Accounts().ClearFailures(store::FailureKind::kPerson, person));
  auto cookie = Secret(kSecretBytes);
  if (!cookie.ok()) return cookie.status();
  auto csrf = Secret(kSecretBytes);
  if (!csrf.ok()) return csrf.status();
  store::SessionRecord s{Sha256Hex(*cookie), Sha256Hex(*csrf), person, account->campaign, address, at,
                         at + options_.session_lifetime, std::nullopt};
  DUBAN_RETURN_IF_ERROR(store_.Accounts().AddSession(s));
  SignInAnswer a;
  a.outcome = Outcome::kSignedIn;
  a.session = NewSession{std::move(*cookie), std::move(*csrf), person, account->campaign, s.expires_at};
  a.message = "已登录 / signed in";
  return a;
}

Status Accounts::SignOut(const std::string& cookie, Instant at) {
  auto s = store_.Accounts().GetSession(Sha256Hex(cookie));
  if (!s.ok()) return s.status();
  if (!s->has_value() || (*s)->ended_at || (*s)->expires_at <= at)
    return Status::Refused(kRuleSession, "未登录 / not signed in");
  return store_.Accounts().EndSession((*s)->id_hash, at);
}

Result<Principal> Accounts::FromSession(const std::string& cookie, const std::optional<std::string>& csrf,
                                        bool state_changing, Instant at) {
  auto s = store_.Accounts().GetSession(Sha256Hex(cookie));
  if (!s.ok()) return s.status();
  if (!s->has_value()) return Status::Refused(kRuleSession, "未登录或会话无效 / no such session: sign in");
  const store::SessionRecord& r = **s;
  if (r.ended_at) return Status::Refused(kRuleSession, "会话已退出 / the session was ended: sign in again");
  if (r.expires_at <= at) return Status::Refused(kRuleSession, "会话已过期 / the session expired: sign in again");
  if (state_changing && (!csrf || !SameSecret(Sha256Hex(*csrf), r.csrf_hash)))
    return Status::Refused(kRuleCsrf, csrf ? "X-CSRF-Token 不正确 / the X-CSRF-Token does not match the session"
                                           : "缺少 X-CSRF-Token / a state-changing request needs X-CSRF-Token");
  return Principal{RequestContext{r.person, at, std::nullopt, Channel::kSession}, r.campaign};
}

Result<Principal> Accounts::FromToken(const std::string& token, Instant at) {
  auto t = store_.Accounts().GetTokenByHash(Sha256Hex(token));
  if (!t.ok()) return t.status();
  if (!t->has_value()) return Status::Refused(kRuleToken, "令牌无效 / unknown token");
  if ((*t)->revoked_at) return Status::Refused(kRuleToken, "令牌已吊销 / the token was revoked");
  return Principal{RequestContext{(*t)->person, at, std::nullopt, Channel::kToken}, (*t)->campaign};
}

Result<NewToken> Accounts::CreateToken(const std::string& person, const std::string& campaign,
                                       const std::string& name, const RequestContext& rc) {
  if (name.empty()) return Status::InvalidInput("a token needs a name (--name): what program uses it");
  DUBAN_RETURN_IF_ERROR(KnownPerson(person, campaign));
  for (int attempt = 0;; ++attempt) {
    auto secret = Secret(kSecretBytes);
    if (!secret.ok()) return secret.status();
    auto id = Secret(4);
    if (!id.ok()) return id.status();
    NewToken t{store::ApiToken{"tok-" + *id, "", person, campaign, name, rc.person, rc.at, std::nullopt, ""},
               kTokenPrefix + *secret};
    t.token.hash = Sha256Hex(t.secret);
    const Status st = store_.Accounts().AddToken(t.token);
    if (st.ok()) return t;
    if (st.code() != Code::kConflict || attempt >= 3) return st;  // an id drawn twice: draw again
  }
}

Result<std::vector<store::ApiToken>> Accounts::Tokens(const std::string& person) {
  return store_.Accounts().ListTokens(person);
}

Status Accounts::RevokeToken(const std::string& id, const RequestContext& rc) {
  return store_.Accounts().RevokeToken(id, rc.person, rc.at);
}

}  // namespace duban::app
