// Accounts and sign-in through app::Accounts on a real SQLite database with
// the Taishan roster: passwords (Argon2id), sessions with expiry and CSRF
// tokens, API tokens stored only as hashes, failed sign-ins slowed down and
// locked per person and per address, and a replaced liaison's credentials
// refused for the unit at once.
#include <gtest/gtest.h>
#include <openssl/rand.h>

#include <sys/wait.h>

#include <cstdlib>
#include <fstream>
#include <iterator>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>

#include "app/accounts.h"
#include "app/app.h"
#include "core/hash.h"
#include "store/store.h"
#include "support/store_support.h"
#include "support/temp_dir.h"
#include "workflow/permissions.h"

namespace duban {
namespace {

using namespace duban::testing;  // NOLINT: the Taishan helpers
using Outcome = app::SignInAnswer::Outcome;

constexpr const char* kDirector = "office-director-sun-yecun";
constexpr const char* kPassword = "correct horse battery";

app::AccountsOptions TestOptions() {
  app::AccountsOptions o;
  o.argon2_memory_kib = 1024;  // cheap for tests; a stored hash carries its own cost
  o.argon2_iterations = 1;
  o.secret_bytes = [](std::span<unsigned char> out) -> Status {
    if (RAND_bytes(out.data(), static_cast<int>(out.size())) != 1) return Status::Io("RAND_bytes failed");
    return Status::Ok();
  };
  return o;
}

class AccountsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto s = store::OpenStore((dir_.path() / "duban.db").string());
    ASSERT_TRUE(s.ok()) << s.status().str();
    store_ = std::move(*s);
    app_ = std::make_unique<app::App>(*store_);
    CreateTaishan(*app_);
    accounts_ = std::make_unique<app::Accounts>(*store_, *app_, TestOptions());
    ASSERT_TRUE(accounts_->SetPassword(kDirector, "", kPassword, As("operator", "2021-10-01")).ok());
  }

  app::SignInAnswer SignIn(const std::string& password, const std::string& at, const std::string& address = "10.0.0.1",
                           const std::string& person = kDirector) {
    auto a = accounts_->SignIn(person, password, "", address, At(at));
    EXPECT_TRUE(a.ok()) << a.status().str();
    return a.ok() ? *a : app::SignInAnswer{};
  }

  TempDir dir_{"accounts"};
  std::unique_ptr<store::Store> store_;
  std::unique_ptr<app::App> app_;
  std::unique_ptr<app::Accounts> accounts_;
};

TEST_F(AccountsTest, PasswordsAreArgon2idAndCheckedOnSet) {
  auto a = store_->Accounts().GetAccount(kDirector, "");
  ASSERT_TRUE(a.ok() && a->has_value());
  EXPECT_EQ((*a)->password_hash.rfind("$argon2id$", 0), 0u);
  EXPECT_EQ((*a)->password_hash.find(kPassword), std::string::npos);
  EXPECT_EQ((*a)->set_by, "operator");
  EXPECT_EQ(accounts_->SetPassword(kDirector, "", "short", As("operator", "2021-10-01")).code(), Code::kInvalidInput);
  EXPECT_EQ(accounts_->SetPassword("nobody", "", kPassword, As("operator", "2021-10-01")).code(), Code::kNotFound);
  EXPECT_EQ(accounts_->SetPassword(kDirector, "taishan-2099", kPassword, As("operator", "2021-10-01")).code(),
            Code::kNotFound);
}

TEST_F(AccountsTest, SignInOpensASessionTheCookieResolvesTo) {
  auto a = SignIn(kPassword, "2021-10-08T09:00");
  ASSERT_EQ(a.outcome, Outcome::kSignedIn) << a.message;
  ASSERT_TRUE(a.session);
  EXPECT_EQ(a.session->expires_at, At("2021-10-08T21:00"));
  // Only hashes are stored.
  auto stored = store_->Accounts().GetSession(Sha256Hex(a.session->cookie));
  ASSERT_TRUE(stored.ok() && stored->has_value());
  EXPECT_EQ((*stored)->csrf_hash, Sha256Hex(a.session->csrf));
  EXPECT_EQ((*stored)->address, "10.0.0.1");

  auto p = accounts_->FromSession(a.session->cookie, std::nullopt, false, At("2021-10-08T10:00"));
  ASSERT_TRUE(p.ok()) << p.status().str();
  EXPECT_EQ(p->request.person, kDirector);
  EXPECT_EQ(p->request.channel, app::Channel::kSession);
  EXPECT_EQ(p->request.at, At("2021-10-08T10:00"));
  // A state-changing request needs the CSRF token, the right one.
  auto no_csrf = accounts_->FromSession(a.session->cookie, std::nullopt, true, At("2021-10-08T10:00"));
  ASSERT_FALSE(no_csrf.ok());
  EXPECT_EQ(no_csrf.status().rule(), app::kRuleCsrf);
  auto wrong = accounts_->FromSession(a.session->cookie, std::string("0000"), true, At("2021-10-08T10:00"));
  ASSERT_FALSE(wrong.ok());
  EXPECT_EQ(wrong.status().rule(), app::kRuleCsrf);
  EXPECT_TRUE(accounts_->FromSession(a.session->cookie, a.session->csrf, true, At("2021-10-08T10:00")).ok());
  // Expired at its end.
  auto late = accounts_->FromSession(a.session->cookie, std::nullopt, false, At("2021-10-08T21:00"));
  ASSERT_FALSE(late.ok());
  EXPECT_EQ(late.status().rule(), app::kRuleSession);
  // Unknown cookie.
  EXPECT_EQ(accounts_->FromSession("feed", std::nullopt, false, At("2021-10-08T10:00")).status().rule(),
            app::kRuleSession);
}

TEST_F(AccountsTest, SignOutAndANewPasswordEndSessions) {
  auto a = SignIn(kPassword, "2021-10-08T09:00");
  auto b = SignIn(kPassword, "2021-10-08T09:01");
  ASSERT_TRUE(a.session && b.session);
  ASSERT_TRUE(accounts_->SignOut(a.session->cookie, At("2021-10-08T09:30")).ok());
  EXPECT_EQ(accounts_->FromSession(a.session->cookie, std::nullopt, false, At("2021-10-08T09:31")).status().rule(),
            app::kRuleSession);
  EXPECT_EQ(accounts_->SignOut(a.session->cookie, At("2021-10-08T09:32")).rule(), app::kRuleSession);
  EXPECT_TRUE(accounts_->FromSession(b.session->cookie, std::nullopt, false, At("2021-10-08T09:31")).ok());
  ASSERT_TRUE(accounts_->SetPassword(kDirector, "", "another long password", As("operator", "2021-10-08T09:40")).ok());
  EXPECT_FALSE(accounts_->FromSession(b.session->cookie, std::nullopt, false, At("2021-10-08T09:41")).ok());
  EXPECT_EQ(SignIn(kPassword, "2021-10-08T09:42").outcome, Outcome::kWrongCredentials);
  EXPECT_EQ(SignIn("another long password", "2021-10-08T09:43").outcome, Outcome::kSignedIn);
}

TEST_F(AccountsTest, UnknownPersonAndWrongPasswordAnswerAlike) {
  auto unknown = SignIn(kPassword, "2021-10-08T09:00", "10.0.0.2", "nobody");
  auto wrong = SignIn("not the password", "2021-10-08T09:00", "10.0.0.3");
  EXPECT_EQ(unknown.outcome, Outcome::kWrongCredentials);
  EXPECT_EQ(wrong.outcome, Outcome::kWrongCredentials);
  EXPECT_EQ(unknown.message, wrong.message);
}

TEST_F(AccountsTest, FailuresPerPersonSlowDownThenLock) {
  const Instant t0 = At("2021-10-08T09:00");
  auto at = [&](int s) { return FormatUtc(t0 + std::chrono::seconds(s)); };
  for (int i = 0; i < 3; ++i) EXPECT_EQ(SignIn("wrong password!", at(i)).outcome, Outcome::kWrongCredentials);
  // After 3 failures: wait 1 s after the last; even the right password is not checked meanwhile.
  auto held = SignIn(kPassword, at(2));
  EXPECT_EQ(held.outcome, Outcome::kThrottled);
  EXPECT_EQ(held.retry_after, std::chrono::seconds(1));
  EXPECT_EQ(SignIn("wrong password!", at(3)).outcome, Outcome::kWrongCredentials);  // 4th: wait 2 s
  EXPECT_EQ(SignIn(kPassword, at(4)).retry_after, std::chrono::seconds(1));
  // Keep failing (each after its wait) up to the lock.
  int t = 5;
  for (int n = 4; n < 10; ++n) {
    auto a = SignIn("wrong password!", at(t));
    ASSERT_EQ(a.outcome, Outcome::kWrongCredentials) << "failure " << n + 1 << " at +" << t;
    t += 61;
  }
  auto locked = SignIn(kPassword, at(t));
  EXPECT_EQ(locked.outcome, Outcome::kThrottled);
  EXPECT_GT(locked.retry_after, std::chrono::seconds(60));
  // Another address does not lift a person's lock.
  EXPECT_EQ(SignIn(kPassword, at(t), "10.9.9.9").outcome, Outcome::kThrottled);
  // After lock_for the right password works and the count is cleared.
  auto after = SignIn(kPassword, at(t + 15 * 60));
  EXPECT_EQ(after.outcome, Outcome::kSignedIn) << after.message;
  auto f = store_->Accounts().GetFailures(store::FailureKind::kPerson, kDirector);
  ASSERT_TRUE(f.ok());
  EXPECT_EQ(f->count, 0);
}

TEST_F(AccountsTest, FailuresPerAddressSlowDownEveryPersonFromIt) {
  const Instant t0 = At("2021-10-08T09:00");
  // Guessing many people's passwords from one address.
  for (int i = 0; i < 10; ++i) {
    auto a = accounts_->SignIn("person-" + std::to_string(i), "guess", "", "10.6.6.6", t0 + std::chrono::seconds(i));
    ASSERT_TRUE(a.ok());
    EXPECT_EQ(a->outcome, Outcome::kWrongCredentials);
  }
  EXPECT_EQ(SignIn(kPassword, FormatUtc(t0 + std::chrono::seconds(9)), "10.6.6.6").outcome, Outcome::kThrottled);
  EXPECT_EQ(SignIn(kPassword, FormatUtc(t0 + std::chrono::seconds(9)), "10.0.0.1").outcome, Outcome::kSignedIn);
}

TEST_F(AccountsTest, TokensAreShownOnceStoredAsHashesAndRevoked) {
  auto t = accounts_->CreateToken("finance-liaison", "", "ledger export", As("operator", "2021-10-01"));
  ASSERT_TRUE(t.ok()) << t.status().str();
  EXPECT_EQ(t->secret.rfind("dbn_", 0), 0u);
  EXPECT_EQ(t->token.hash, Sha256Hex(t->secret));
  auto listed = accounts_->Tokens("finance-liaison");
  ASSERT_TRUE(listed.ok());
  ASSERT_EQ(listed->size(), 1u);
  EXPECT_EQ((*listed)[0].name, "ledger export");
  EXPECT_NE((*listed)[0].hash, t->secret);
  auto p = accounts_->FromToken(t->secret, At("2021-10-08T09:00"));
  ASSERT_TRUE(p.ok()) << p.status().str();
  EXPECT_EQ(p->request.person, "finance-liaison");
  EXPECT_EQ(p->request.channel, app::Channel::kToken);
  EXPECT_EQ(accounts_->FromToken("dbn_guess", At("2021-10-08T09:00")).status().rule(), app::kRuleToken);
  ASSERT_TRUE(accounts_->RevokeToken(t->token.id, As("operator", "2021-10-08T10:00")).ok());
  EXPECT_EQ(accounts_->FromToken(t->secret, At("2021-10-08T10:01")).status().rule(), app::kRuleToken);
  EXPECT_EQ(accounts_->CreateToken("finance-liaison", "", "", As("operator", "2021-10-01")).status().code(),
            Code::kInvalidInput);
  EXPECT_EQ(accounts_->CreateToken("nobody", "", "x", As("operator", "2021-10-01")).status().code(), Code::kNotFound);
}

TEST_F(AccountsTest, ACampaignScopedAccountIsRefusedElsewhere) {
  ASSERT_TRUE(accounts_->SetPassword("finance-liaison", kCampaign, kPassword, As("operator", "2021-10-01")).ok());
  auto a = accounts_->SignIn("finance-liaison", kPassword, kCampaign, "10.0.0.1", At("2021-10-08T09:00"));
  ASSERT_TRUE(a.ok() && a->session);
  EXPECT_EQ(a->session->campaign, kCampaign);
  auto p = accounts_->FromSession(a->session->cookie, std::nullopt, false, At("2021-10-08T09:01"));
  ASSERT_TRUE(p.ok());
  EXPECT_TRUE(p->MayUse(kCampaign).ok());
  EXPECT_EQ(p->MayUse("taishan-2022").rule(), app::kRuleAccountScope);
}

TEST_F(AccountsTest, AReplacedLiaisonsTokenIsRefusedForTheUnitAtOnce) {
  auto t = accounts_->CreateToken("finance-liaison", "", "phone app", As("operator", "2021-10-01"));
  ASSERT_TRUE(t.ok());
  auto p = accounts_->FromToken(t->secret, At("2021-10-08T09:00"));
  ASSERT_TRUE(p.ok());
  ASSERT_TRUE(app_->Status(kCampaign, "finance", p->request).ok());
  app::ContactChange change{"liaison", "finance-liaison-2", "新任联络员", "", "", "", std::nullopt};
  ASSERT_TRUE(app_->SetContact(kCampaign, "finance", change, As("office-cao-bin", "2021-10-08T09:30")).ok());
  auto again = accounts_->FromToken(t->secret, At("2021-10-08T09:31"));
  ASSERT_TRUE(again.ok());  // the credential stands; the role is gone
  auto refused = app_->Status(kCampaign, "finance", again->request);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.status().code(), Code::kRefused);
  EXPECT_EQ(refused.status().rule(), workflow::PermissionRule(model::Verb::kStatus));
  // The new holder may get an account at once (a reported contact is a known person).
  EXPECT_TRUE(accounts_->SetPassword("finance-liaison-2", kCampaign, kPassword, As("operator", "2021-10-08")).ok());
}

TEST(AccountsNotBefore, IsPureInTheFailureCount) {
  const Instant t0 = At("2021-10-08T09:00");
  using std::chrono::seconds;
  auto nb = [&](int count, int after_s) {
    return app::Accounts::NotBefore(store::Failures{count, t0}, 3, 10, seconds(60), seconds(900),
                                    t0 + seconds(after_s));
  };
  EXPECT_FALSE(nb(2, 0));
  EXPECT_EQ(nb(3, 0), t0 + seconds(1));
  EXPECT_EQ(nb(5, 0), t0 + seconds(4));
  EXPECT_EQ(nb(9, 0), t0 + seconds(60));  // capped
  EXPECT_FALSE(nb(9, 60));
  EXPECT_EQ(nb(10, 100), t0 + seconds(900));
  EXPECT_FALSE(nb(10, 900));
  EXPECT_FALSE(app::Accounts::NotBefore(store::Failures{}, 3, 10, seconds(60), seconds(900), t0));
}

// The verbs, through the real binary: a password from standard input (never
// an argument), a token printed once, listed without its secret, revoked.
class UsersCli : public ::testing::Test {
 protected:
  int Duban(const std::string& args, std::string* out = nullptr, const std::string& stdin_text = "") {
    std::string cmd;
    if (!stdin_text.empty()) cmd = "printf '%s\\n' '" + stdin_text + "' | ";
    else cmd = "</dev/null ";
    cmd += std::string(DUBAN_EXE) + " --db " + (dir_.path() / "t.db").string() + " " + args + " >" +
           (dir_.path() / "out").string() + " 2>" + (dir_.path() / "err").string();
    const int raw = std::system(cmd.c_str());
    std::ifstream in(dir_.path() / "out");
    if (out != nullptr) *out = std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
    return WIFEXITED(raw) ? WEXITSTATUS(raw) : -1;
  }
  TempDir dir_{"users-cli"};
};

TEST_F(UsersCli, PasswordsFromStdinTokensPrintedOnceAndRevoked) {
  const std::string roster = (kSource / "workflows" / "taishan-2021" / "roster.toml").string();
  ASSERT_EQ(Duban("init"), 0);
  ASSERT_EQ(Duban("--as office-cao-bin campaign create --roster " + roster), 0);
  EXPECT_EQ(Duban("user password office-director-sun-yecun", nullptr, "a long password"), 0);
  EXPECT_EQ(Duban("user password office-director-sun-yecun 'a long password'"), 2);  // never an argument
  EXPECT_EQ(Duban("user password office-director-sun-yecun"), 2);                    // nothing on stdin
  EXPECT_EQ(Duban("user password office-director-sun-yecun", nullptr, "short"), 2);
  EXPECT_EQ(Duban("user password nobody", nullptr, "a long password"), 2);
  std::string out;
  ASSERT_EQ(Duban("--format json token create --person finance-liaison --name export", &out), 0);
  auto created = nlohmann::json::parse(out);
  const std::string secret = created.at("token");
  const std::string id = created.at("id");
  EXPECT_EQ(secret.rfind("dbn_", 0), 0u);
  ASSERT_EQ(Duban("--format json token list", &out), 0);
  EXPECT_EQ(out.find(secret), std::string::npos);
  auto listed = nlohmann::json::parse(out);
  ASSERT_EQ(listed.size(), 1u);
  EXPECT_EQ(listed[0].at("id"), id);
  EXPECT_TRUE(listed[0].at("revoked_at").is_null());
  EXPECT_EQ(Duban("--as office-cao-bin token revoke " + id), 0);
  EXPECT_EQ(Duban("token revoke " + id), 1);  // already revoked: nothing changes
  EXPECT_EQ(Duban("token revoke tok-none"), 2);
  ASSERT_EQ(Duban("--format json token list --person finance-liaison", &out), 0);
  EXPECT_EQ(nlohmann::json::parse(out)[0].at("revoked_by"), "office-cao-bin");
  EXPECT_EQ(Duban("token create --person nobody --name x"), 2);
}

}  // namespace
}  // namespace duban
