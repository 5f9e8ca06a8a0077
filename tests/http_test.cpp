// The HTTP API over loopback: a real server (http::Server on its own thread
// and io_context, over one SQLite store with the Taishan campaign and a
// little history, tests/support/store_support.h) and a small Beast client.
// The issue's Done-when scenario (a director signs in with a password,
// approves a unit's request, and the event records the director and the
// channel "session"), a liaison's token kept to its own unit, every error
// status, CSRF, an expired session, a revoked token, a replaced liaison,
// ETag, Idempotency-Key, keep-alive, and the routes served against the routes
// documented in engine/http/openapi.yaml.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <openssl/rand.h>
#include <sys/wait.h>
#include <unistd.h>

#include <csignal>
#include <cstdlib>
#include <iterator>

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <future>
#include <fstream>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <regex>
#include <sstream>
#include <set>
#include <string>
#include <thread>
#include <atomic>

#include "app/accounts.h"
#include "app/app.h"
#include "core/hash.h"
#include "http/api.h"
#include "http/metrics.h"
#include "http/multipart.h"
#include "http/routes.h"
#include "http/server.h"
#include "machine/machine.h"
#include "model/permissions.h"
#include "store/store.h"
#include "support/fake_env.h"
#include "support/store_support.h"
#include "support/temp_dir.h"
#include "workflow/permissions.h"

namespace duban {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using nlohmann::json;
using namespace duban::testing;  // NOLINT: the Taishan helpers

constexpr const char* kDirector = "office-director-sun-yecun";
constexpr const char* kPassword = "correct horse battery";

struct Reply {
  int status = 0;
  std::map<std::string, std::string> headers;  // lower-case names
  std::string body;
  json Json() const { return json::parse(body, nullptr, false); }
  std::string Header(const std::string& name) const {
    auto it = headers.find(name);
    return it == headers.end() ? "" : it->second;
  }
};

using Headers = std::map<std::string, std::string>;

// One HTTP/1.1 exchange on `stream` (kept open for the next one).
template <class Stream>
Reply Exchange(Stream& stream, const std::string& method, const std::string& target,
               const std::string& body, const Headers& headers) {
  bhttp::request<bhttp::string_body> req(bhttp::string_to_verb(method), target, 11);
  req.set(bhttp::field::host, "127.0.0.1");
  for (const auto& [k, v] : headers) req.set(k, v);
  req.body() = body;
  if (!body.empty() && !headers.count("Content-Type")) req.set(bhttp::field::content_type, "application/json");
  req.prepare_payload();
  bhttp::write(stream, req);
  beast::flat_buffer buffer;
  bhttp::response_parser<bhttp::string_body> parser;
  parser.body_limit(64 * 1024 * 1024);
  if (method == "HEAD") parser.skip(true);
  bhttp::read(stream, buffer, parser);
  auto res = parser.release();
  Reply r;
  r.status = static_cast<int>(res.result_int());
  for (const auto& f : res) {
    std::string name(f.name_string());
    for (char& ch : name) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
    r.headers[name] = std::string(f.value());
  }
  r.body = res.body();
  return r;
}

class HttpTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto s = store::OpenStore((dir_.path() / "duban.db").string());
    ASSERT_TRUE(s.ok()) << s.status().str();
    store_ = std::move(*s);
    app::AppOptions ao;
    ao.files_dir = dir_.path() / "files";
    ao.files.max_bytes = kMaxFile;
    app_ = std::make_unique<app::App>(*store_, ao);
    CreateTaishan(*app_);
    Populate(*app_, dir_.path());  // finance#1: office-cao-bin asks to accept finance
    app::AccountsOptions o;
    o.argon2_memory_kib = 1024;
    o.argon2_iterations = 1;
    o.secret_bytes = [](std::span<unsigned char> out) -> Status {
      return RAND_bytes(out.data(), static_cast<int>(out.size())) == 1 ? Status::Ok() : Status::Io("RAND_bytes");
    };
    accounts_ = std::make_unique<app::Accounts>(*store_, *app_, o);
    const auto rc = As("operator", "2021-10-01");
    for (const char* p : {kDirector, "office-cao-bin", "finance-liaison"})
      ASSERT_TRUE(accounts_->SetPassword(p, "", kPassword, rc).ok());
    auto liaison = accounts_->CreateToken("finance-liaison", "", "tests", rc);
    auto office = accounts_->CreateToken("office-cao-bin", "", "tests", rc);
    auto gov = accounts_->CreateToken("gov-office-liaison", "", "tests", rc);
    auto director = accounts_->CreateToken(kDirector, "", "tests", rc);
    ASSERT_TRUE(liaison.ok() && office.ok() && gov.ok() && director.ok());
    gov_token_ = gov->secret;
    director_token_ = director->secret;
    liaison_token_ = liaison->secret;
    liaison_token_id_ = liaison->token.id;
    office_token_ = office->secret;
    env_.Set(At("2021-10-16T09:00"));
    metrics_ = std::make_shared<http::Metrics>();
    http::ApiOptions api_options;
    api_options.metrics = metrics_.get();
    api_ = std::make_unique<http::Api>(*app_, *accounts_, env_, api_options);
    http::ServerOptions so;
    so.spool_dir = dir_.path() / "spool";
    so.max_file = kMaxFile;
    so.metrics = metrics_;
    so.port = 0;
    so.body_limit = 64 * 1024;
    so.begin_batch = [this] { return store_->BeginBatch(); };  // group commit, as `duban serve` runs
    so.commit_batch = [this] { return store_->CommitBatch(); };
    server_ = std::make_unique<http::Server>(io_, *api_, so);
    ASSERT_TRUE(server_->Start().ok());
    port_ = server_->port();
    thread_ = std::thread([this] { io_.run(); });
  }

  void TearDown() override {
    StopServer();
  }

  void StopServer() {
    if (!thread_.joinable()) return;
    asio::post(io_, [this] { server_->Stop(); });
    thread_.join();
  }

  beast::tcp_stream Connect() {
    beast::tcp_stream stream(client_io_);
    stream.connect(asio::ip::tcp::endpoint(asio::ip::make_address("127.0.0.1"), port_));
    return stream;
  }

  Reply Call(const std::string& method, const std::string& target, const std::string& body = "",
             const Headers& headers = {}) {
    auto stream = Connect();
    Reply r = Exchange(stream, method, target, body, headers);
    beast::error_code ec;
    stream.socket().shutdown(asio::ip::tcp::socket::shutdown_both, ec);
    return r;
  }
  static Headers Bearer(const std::string& token, Headers h = {}) {
    h["Authorization"] = "Bearer " + token;
    return h;
  }

  struct Signed {
    std::string cookie;  // "duban_session=..."
    std::string csrf;
  };
  Signed SignIn(const std::string& person) {
    Reply r = Call("POST", "/api/v1/session", json{{"person", person}, {"password", kPassword}}.dump());
    EXPECT_EQ(r.status, 201) << r.body;
    const std::string set = r.Header("set-cookie");
    EXPECT_NE(set.find("HttpOnly"), std::string::npos) << set;
    EXPECT_NE(set.find("SameSite=Strict"), std::string::npos) << set;
    return {set.substr(0, set.find(';')), r.Json().value("csrf", "")};
  }
  static Headers WithSession(const Signed& s, bool csrf = true) {
    Headers h{{"Cookie", s.cookie}};
    if (csrf) h["X-CSRF-Token"] = s.csrf;
    return h;
  }

  // Another connection to the server's database: the server's own store is
  // its thread's alone.
  std::unique_ptr<store::Store> Other() {
    auto other = store::OpenStore((dir_.path() / "duban.db").string());
    EXPECT_TRUE(other.ok());
    return other.ok() ? std::move(*other) : nullptr;
  }

  static std::string Campaign(const std::string& rest) { return std::string("/api/v1/campaigns/") + kCampaign + rest; }

  TempDir dir_{"http"};
  FakeEnv env_;
  std::unique_ptr<store::Store> store_;
  std::unique_ptr<app::App> app_;
  std::unique_ptr<app::Accounts> accounts_;
  std::unique_ptr<http::Api> api_;
  asio::io_context io_;
  asio::io_context client_io_;
  std::unique_ptr<http::Server> server_;
  std::thread thread_;
  std::uint16_t port_ = 0;
  std::string liaison_token_, liaison_token_id_, office_token_, gov_token_, director_token_;
  std::shared_ptr<http::Metrics> metrics_;
  static constexpr std::int64_t kMaxFile = 256 * 1024;
};

TEST_F(HttpTest, HealthNeedsNoSignIn) {
  Reply r = Call("GET", "/api/v1/health");
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.Json().value("status", ""), "ok");
  EXPECT_EQ(r.Header("content-type"), "application/json; charset=utf-8");
}

TEST_F(HttpTest, ReadyWhenTheDatabaseAnswers) {
  Reply r = Call("GET", "/api/v1/ready");
  EXPECT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.Json().value("status", ""), "ready");
}

// Done when: a director signs in with a password over HTTP, approves a unit's
// request, and the event records the director and the channel.
TEST_F(HttpTest, ADirectorSignsInAndApprovesAndTheEventRecordsTheSession) {
  const Signed s = SignIn(kDirector);
  Reply pending = Call("GET", Campaign("/requests"), "", WithSession(s, false));
  ASSERT_EQ(pending.status, 200) << pending.body;
  ASSERT_EQ(pending.Json()["requests"].size(), 1u);
  EXPECT_EQ(pending.Json()["requests"][0]["id"], "finance#1");
  Reply approved = Call("POST", Campaign("/requests/finance%231/approve"), json{{"note", "材料齐全"}}.dump(),
                        WithSession(s));
  ASSERT_EQ(approved.status, 200) << approved.body;
  EXPECT_EQ(approved.Json()["outcome"], "approved");
  EXPECT_EQ(approved.Json()["to"]["id"], "accepted");
  Reply events = Call("GET", Campaign("/units/finance/events?type=transition.approved"), "", WithSession(s, false));
  ASSERT_EQ(events.status, 200) << events.body;
  const json body = events.Json();
  const json& list = body["events"];
  ASSERT_EQ(list.size(), 1u);
  EXPECT_EQ(list[0]["actor"], kDirector);
  EXPECT_EQ(list[0]["channel"], "session");
  // And in the store itself.
  store::EventFilter f;
  f.campaign = kCampaign;
  f.type = "transition.approved";
  auto reader = Other();
  auto stored = reader->ListEvents(f);
  ASSERT_TRUE(stored.ok());
  ASSERT_EQ(stored->size(), 1u);
  EXPECT_EQ((*stored)[0].event.channel, "session");
  EXPECT_EQ((*stored)[0].event.actor, kDirector);
  auto verify = reader->Verify(kCampaign);
  ASSERT_TRUE(verify.ok());
  EXPECT_TRUE(verify->ok);
  // Signed out: the cookie is refused.
  Reply out = Call("DELETE", "/api/v1/session", "", WithSession(s));
  EXPECT_EQ(out.status, 204) << out.body;
  EXPECT_EQ(Call("GET", "/api/v1/campaigns", "", WithSession(s, false)).status, 401);
}

TEST_F(HttpTest, ALiaisonsTokenCannotReadAnotherUnit) {
  Reply other = Call("GET", Campaign("/units/water/events"), "", Bearer(liaison_token_));
  EXPECT_EQ(other.status, 403) << other.body;
  EXPECT_EQ(other.Header("content-type"), "application/problem+json");
  EXPECT_EQ(other.Json()["rule"], workflow::PermissionRule(model::Verb::kEvents));
  EXPECT_EQ(other.Json()["code"], "forbidden");
  Reply own = Call("GET", Campaign("/units/finance/events?limit=3"), "", Bearer(liaison_token_));
  ASSERT_EQ(own.status, 200) << own.body;
  ASSERT_EQ(own.Json()["events"].size(), 3u);
  // The next page starts after the last.
  const auto next = own.Json()["next_after"].get<std::int64_t>();
  Reply page2 = Call("GET", Campaign("/units/finance/events?after=" + std::to_string(next)), "",
                     Bearer(liaison_token_));
  ASSERT_EQ(page2.status, 200);
  ASSERT_FALSE(page2.Json()["events"].empty());
  EXPECT_GT(page2.Json()["events"][0]["seq"].get<std::int64_t>(), next);
  // The ledger holds the liaison's own unit only.
  Reply ledger = Call("GET", Campaign("/ledger"), "", Bearer(liaison_token_));
  ASSERT_EQ(ledger.status, 200);
  ASSERT_EQ(ledger.Json()["rows"].size(), 1u);
  EXPECT_EQ(ledger.Json()["rows"][0]["unit"], "finance");
}

TEST_F(HttpTest, TheRequesterCannotApproveTheirOwnRequest) {
  Reply r = Call("POST", Campaign("/requests/finance%231/approve"), "{}", Bearer(office_token_));
  EXPECT_EQ(r.status, 403) << r.body;
  EXPECT_EQ(r.Json()["rule"], workflow::PermissionRule(model::Verb::kApprove));
  // Nor can they reject it; the request stays open.
  EXPECT_EQ(Call("POST", Campaign("/requests/finance%231/reject"), "{}", Bearer(office_token_)).status, 403);
  Reply pending = Call("GET", Campaign("/requests"), "", Bearer(office_token_));
  ASSERT_EQ(pending.status, 200);
  ASSERT_EQ(pending.Json()["requests"].size(), 1u);
  EXPECT_EQ(pending.Json()["requests"][0]["requested_by"], "office-cao-bin");
}

TEST_F(HttpTest, EveryErrorStatusIsAProblem) {
  const Headers office = Bearer(office_token_);
  // 400: not JSON; a malformed query.
  EXPECT_EQ(Call("POST", Campaign("/units/finance/fire"), "{not json", office).status, 400);
  EXPECT_EQ(Call("GET", Campaign("/units/finance/events?after=x"), "", office).status, 400);
  // 401: no credential, an unknown token.
  Reply none = Call("GET", "/api/v1/campaigns");
  EXPECT_EQ(none.status, 401);
  EXPECT_EQ(none.Json()["code"], "unauthenticated");
  EXPECT_EQ(Call("GET", "/api/v1/campaigns", "", Bearer("dbn_guess")).status, 401);
  // 404: an unknown campaign, unit, request, route.
  EXPECT_EQ(Call("GET", "/api/v1/campaigns/nowhere/ledger", "", office).status, 404);
  EXPECT_EQ(Call("POST", Campaign("/requests/finance%2399/approve"), "{}", WithSession(SignIn(kDirector))).status, 404);
  EXPECT_EQ(Call("GET", "/api/v1/nothing", "", office).status, 404);
  // 405 with Allow.
  Reply wrong_method = Call("PUT", "/api/v1/campaigns", "", office);
  EXPECT_EQ(wrong_method.status, 405);
  EXPECT_EQ(wrong_method.Header("allow"), "GET");
  // 409: a workflow rule (a trigger the stage does not have).
  Reply rule = Call("POST", Campaign("/units/finance/fire"), json{{"trigger", "kickoff"}}.dump(), office);
  EXPECT_EQ(rule.status, 409) << rule.body;
  EXPECT_EQ(rule.Json()["code"], "rule_refused");
  EXPECT_FALSE(rule.Json().value("rule", "").empty());
  // 413: larger than the body limit.
  Reply big = Call("POST", Campaign("/units/finance/urge"), json{{"note", std::string(70 * 1024, 'x')}}.dump(), office);
  EXPECT_EQ(big.status, 413);
  EXPECT_EQ(big.Json()["code"], "payload_too_large");
  // 415: not JSON by type.
  Headers text = office;
  text["Content-Type"] = "text/plain";
  EXPECT_EQ(Call("POST", Campaign("/units/finance/urge"), "note", text).status, 415);
  // 422: a member missing or of the wrong type; a bad date.
  EXPECT_EQ(Call("POST", Campaign("/units/finance/fire"), "{}", office).status, 422);
  EXPECT_EQ(Call("POST", Campaign("/units/finance/fire"), json{{"trigger", 3}}.dump(), office).status, 422);
  EXPECT_EQ(Call("POST", Campaign("/units/finance/extend"), json{{"due", "10月"}, {"reason", "x"}}.dump(),
                 Bearer(liaison_token_)).status, 422);
  // 429: failed sign-ins, with Retry-After.
  int last = 0;
  Reply throttled;
  for (int i = 0; i < 4; ++i) {
    throttled = Call("POST", "/api/v1/session", json{{"person", "finance-liaison"}, {"password", "wrong"}}.dump());
    last = throttled.status;
  }
  EXPECT_EQ(last, 429);
  EXPECT_EQ(throttled.Header("retry-after"), "1");
  EXPECT_EQ(throttled.Json()["code"], "too_many_requests");
  Reply wrong = Call("POST", "/api/v1/session", json{{"person", kDirector}, {"password", "wrong"}}.dump());
  EXPECT_EQ(wrong.status, 401);
  EXPECT_EQ(wrong.Json()["code"], "sign_in_failed");
}

TEST_F(HttpTest, ACookieRequestThatChangesStateNeedsItsCsrfToken) {
  const Signed s = SignIn(kDirector);
  const std::string approve = Campaign("/requests/finance%231/approve");
  Reply missing = Call("POST", approve, "{}", WithSession(s, false));
  EXPECT_EQ(missing.status, 403);
  EXPECT_EQ(missing.Json()["rule"], app::kRuleCsrf);
  Headers wrong = WithSession(s);
  wrong["X-CSRF-Token"] = std::string(64, '0');
  EXPECT_EQ(Call("POST", approve, "{}", wrong).status, 403);
  EXPECT_EQ(Call("DELETE", "/api/v1/session", "", WithSession(s, false)).status, 403);
  // Reads need none; nothing was approved.
  Reply pending = Call("GET", Campaign("/requests"), "", WithSession(s, false));
  ASSERT_EQ(pending.status, 200);
  EXPECT_EQ(pending.Json()["requests"].size(), 1u);
  EXPECT_EQ(Call("POST", approve, "{}", WithSession(s)).status, 200);
}

TEST_F(HttpTest, AnExpiredSessionIsRefused) {
  const Signed s = SignIn(kDirector);
  EXPECT_EQ(Call("GET", "/api/v1/campaigns", "", WithSession(s, false)).status, 200);
  env_.Advance(std::chrono::hours(12));
  Reply r = Call("GET", "/api/v1/campaigns", "", WithSession(s, false));
  EXPECT_EQ(r.status, 401);
  EXPECT_EQ(r.Json()["rule"], app::kRuleSession);
}

TEST_F(HttpTest, ARevokedTokenIsRefused) {
  EXPECT_EQ(Call("GET", Campaign("/ledger"), "", Bearer(liaison_token_)).status, 200);
  // Revoked by the operator through another connection to the database.
  auto other = store::OpenStore((dir_.path() / "duban.db").string());
  ASSERT_TRUE(other.ok());
  ASSERT_TRUE((*other)->Accounts().RevokeToken(liaison_token_id_, "operator", At("2021-10-16T09:00")).ok());
  Reply r = Call("GET", Campaign("/ledger"), "", Bearer(liaison_token_));
  EXPECT_EQ(r.status, 401);
  EXPECT_EQ(r.Json()["rule"], app::kRuleToken);
}

TEST_F(HttpTest, AReplacedLiaisonIsRefusedAtOnce) {
  const Signed s = SignIn("finance-liaison");
  EXPECT_EQ(Call("GET", Campaign("/units/finance/events"), "", WithSession(s, false)).status, 200);
  EXPECT_EQ(Call("GET", Campaign("/units/finance/events"), "", Bearer(liaison_token_)).status, 200);
  // The office records a new liaison (another connection, as the CLI would).
  auto other = store::OpenStore((dir_.path() / "duban.db").string());
  ASSERT_TRUE(other.ok());
  app::App office(**other);
  app::ContactChange change{"liaison", "finance-liaison-2", "新任联络员", "", "", "", std::nullopt};
  ASSERT_TRUE(office.SetContact(kCampaign, "finance", change, As("office-cao-bin", "2021-10-16T09:30")).ok());
  for (const Headers& h : {WithSession(s, false), Bearer(liaison_token_)}) {
    Reply r = Call("GET", Campaign("/units/finance/events"), "", h);
    EXPECT_EQ(r.status, 403) << r.body;
    EXPECT_EQ(r.Json()["rule"], workflow::PermissionRule(model::Verb::kEvents));
  }
  EXPECT_EQ(Call("POST", Campaign("/units/finance/extend"), json{{"due", "2021-10-30"}, {"reason", "x"}}.dump(),
                 WithSession(s)).status,
            403);
}

TEST_F(HttpTest, TheLedgerCarriesAnETag) {
  Reply first = Call("GET", Campaign("/ledger"), "", Bearer(office_token_));
  ASSERT_EQ(first.status, 200);
  EXPECT_EQ(first.Json()["rows"].size(), 15u);
  const std::string etag = first.Header("etag");
  ASSERT_FALSE(etag.empty());
  Headers h = Bearer(office_token_);
  h["If-None-Match"] = etag;
  Reply same = Call("GET", Campaign("/ledger"), "", h);
  EXPECT_EQ(same.status, 304);
  EXPECT_TRUE(same.body.empty());
  // A change moves it.
  ASSERT_EQ(Call("POST", Campaign("/units/water/urge"), json{{"note", "请抓紧"}}.dump(), Bearer(office_token_)).status,
            200);
  Reply moved = Call("GET", Campaign("/ledger"), "", h);
  EXPECT_EQ(moved.status, 200);
  EXPECT_NE(moved.Header("etag"), etag);
}

TEST_F(HttpTest, TheIdempotencyKeyIsTheCommandId) {
  Headers h = Bearer(office_token_);
  h["Idempotency-Key"] = "urge-water-1";
  const std::string body = json{{"note", "请抓紧"}}.dump();
  Reply first = Call("POST", Campaign("/units/water/urge"), body, h);
  ASSERT_EQ(first.status, 200) << first.body;
  EXPECT_EQ(first.Header("idempotent-replayed"), "");
  Reply again = Call("POST", Campaign("/units/water/urge"), body, h);
  ASSERT_EQ(again.status, 200);
  EXPECT_EQ(again.Header("idempotent-replayed"), "true");
  EXPECT_EQ(again.Json(), first.Json());
  // The same key for something else is refused.
  EXPECT_EQ(Call("POST", Campaign("/units/finance/urge"), body, h).status, 422);
}

TEST_F(HttpTest, AConnectionIsKeptAliveAcrossRequests) {
  auto stream = Connect();
  for (int i = 0; i < 3; ++i) {
    Reply r = Exchange(stream, "GET", Campaign("/ledger"), "", Bearer(office_token_));
    EXPECT_EQ(r.status, 200);
  }
}

TEST_F(HttpTest, StoppingClosesIdleConnectionsAndEndsTheLoop) {
  auto idle = Connect();
  EXPECT_EQ(Exchange(idle, "GET", "/api/v1/health", "", {}).status, 200);
  StopServer();  // returns only once the io_context ran out of work: every connection closed
  beast::flat_buffer buffer;
  bhttp::response<bhttp::string_body> res;
  beast::error_code ec;
  bhttp::read(idle, buffer, res, ec);
  EXPECT_TRUE(ec) << "the idle connection is closed";
}

// Group commit: commands from many connections at once are each answered
// once durable, each recorded exactly once in order, and a refused one in the
// batch takes no other with it.
TEST_F(HttpTest, ConcurrentCommandsAreGroupCommittedAndEachRecordedOnce) {
  auto count = [&] {
    store::EventFilter f;
    f.campaign = kCampaign;
    f.type = std::string(model::EventTypeName(model::EventType::kEscalationRaised));
    auto events = Other()->ListEvents(f);
    return events.ok() ? static_cast<int>(events->size()) : -1;
  };
  const int before = count();
  constexpr int kClients = 8;
  constexpr int kEach = 5;
  std::vector<std::thread> clients;
  std::atomic<int> ok{0}, refused{0}, other_status{0};
  for (int c = 0; c < kClients; ++c) {
    clients.emplace_back([&, c] {
      asio::io_context io;
      beast::tcp_stream stream(io);
      stream.connect(asio::ip::tcp::endpoint(asio::ip::make_address("127.0.0.1"), port_));
      for (int i = 0; i < kEach; ++i) {
        // Every fourth client is the liaison, whom urging is refused.
        const bool liaison = c % 4 == 3;
        Reply r = Exchange(stream, "POST", Campaign(c % 2 == 0 ? "/units/water/urge" : "/units/finance/urge"),
                           json{{"note", "第" + std::to_string(i) + "次"}}.dump(),
                           Bearer(liaison ? liaison_token_ : office_token_));
        if (r.status == 200) ++ok;
        else if (r.status == 403 && liaison) ++refused;
        else ++other_status;
      }
    });
  }
  for (auto& t : clients) t.join();
  EXPECT_EQ(other_status.load(), 0);
  EXPECT_EQ(refused.load(), 2 * kEach);
  EXPECT_EQ(ok.load(), (kClients - 2) * kEach);
  EXPECT_EQ(count() - before, ok.load());
  auto verify = Other()->Verify(kCampaign);
  ASSERT_TRUE(verify.ok());
  EXPECT_TRUE(verify->ok) << verify->problem;
}

// `duban serve --listen` through the real binary: it prints the port it
// bound, answers, and on SIGTERM stops and exits 0.
// ----- uploads, downloads, the unit's page, /me, /metrics, the calendar -----

constexpr const char* kBoundary = "----duban-test-boundary-7MA4YWxkTrZu0gW";

// A multipart/form-data body: `fields` then a part `file` named `filename`.
std::string FormBody(const std::map<std::string, std::string>& fields, const std::string& filename,
                     const std::string& content) {
  std::string out;
  for (const auto& [k, v] : fields)
    out += std::string("--") + kBoundary + "\r\nContent-Disposition: form-data; name=\"" + k + "\"\r\n\r\n" + v + "\r\n";
  if (!filename.empty())
    out += std::string("--") + kBoundary + "\r\nContent-Disposition: form-data; name=\"file\"; filename=\"" + filename +
           "\"\r\nContent-Type: application/pdf\r\n\r\n" + content + "\r\n";
  return out + "--" + kBoundary + "--\r\n";
}

Headers Multipart(Headers h) {
  h["Content-Type"] = std::string("multipart/form-data; boundary=") + kBoundary;
  return h;
}

// Bytes that look like a boundary's beginning here and there.
std::string ScanBytes(std::size_t n) {
  std::string out;
  out.reserve(n);
  std::uint32_t x = 12345;
  while (out.size() < n) {
    x = x * 1103515245u + 12345u;
    out.push_back(static_cast<char>(x >> 24));
    if (out.size() % 997 == 0) out += "\r\n------duban-test-boundary";
  }
  out.resize(n);
  return out;
}

// Regular files under `dir`, recursively.
int FilesUnder(const std::filesystem::path& dir) {
  int n = 0;
  std::error_code ec;
  if (!std::filesystem::exists(dir, ec)) return 0;
  for (const auto& e : std::filesystem::recursive_directory_iterator(dir, ec))
    if (e.is_regular_file()) ++n;
  return n;
}

TEST_F(HttpTest, AnUploadIsStoredWithItsHashAndDownloadsAsSent) {
  const std::string content = ScanBytes(100 * 1024);
  const std::string name = "自查报告（2021）.pdf";
  const int before = FilesUnder(dir_.path() / "files");
  Reply up = Call("POST", Campaign("/units/gov-office/materials/self-inspection-report/files"),
                  FormBody({{"note", "第一次报送"}}, name, content), Multipart(Bearer(gov_token_)));
  ASSERT_EQ(up.status, 200) << up.body;
  const std::string sha = Sha256Hex(content);
  EXPECT_EQ(up.Header("x-content-sha256"), sha);
  const json result = up.Json();
  EXPECT_EQ(result["to"], "submitted") << result.dump();
  ASSERT_TRUE(result["files"].is_array()) << result.dump();
  EXPECT_EQ(result["files"][0]["sha256"], sha);
  EXPECT_EQ(result["files"][0]["name"], name);
  EXPECT_EQ(result["files"][0]["size"], content.size());
  EXPECT_EQ(FilesUnder(dir_.path() / "files"), before + 1);
  EXPECT_EQ(FilesUnder(dir_.path() / "spool"), 0) << "the spool is emptied once the upload is answered";

  Reply list = Call("GET", Campaign("/units/gov-office/files"), "", Bearer(gov_token_));
  ASSERT_EQ(list.status, 200) << list.body;
  ASSERT_EQ(list.Json()["files"].size(), 1u);
  EXPECT_EQ(list.Json()["files"][0]["sha256"], sha);

  Reply down = Call("GET", Campaign("/units/gov-office/files/" + sha), "", Bearer(gov_token_));
  ASSERT_EQ(down.status, 200) << down.body;
  EXPECT_EQ(down.body, content);
  EXPECT_EQ(Sha256Hex(down.body), sha);
  EXPECT_EQ(down.Header("content-type"), "application/pdf");
  EXPECT_EQ(down.Header("content-disposition"), http::AttachmentDisposition(name));
  EXPECT_NE(down.Header("content-disposition").find("filename*=UTF-8''%E8%87%AA%E6%9F%A5"), std::string::npos)
      << down.Header("content-disposition");
  EXPECT_EQ(down.Header("etag"), "\"" + sha + "\"");
  EXPECT_EQ(Call("GET", Campaign("/units/gov-office/files/" + sha), "", Bearer(gov_token_, {{"If-None-Match", "\"" + sha + "\""}})).status, 304);
  // Another unit's liaison cannot fetch it, nor can it be fetched through another unit.
  EXPECT_EQ(Call("GET", Campaign("/units/gov-office/files/" + sha), "", Bearer(liaison_token_)).status, 403);
  EXPECT_EQ(Call("GET", Campaign("/units/finance/files/" + sha), "", Bearer(liaison_token_)).status, 404);
}

TEST_F(HttpTest, ATooLargeUploadIsRefusedAndNothingIsStored) {
  const int before = FilesUnder(dir_.path() / "files");
  Reply r = Call("POST", Campaign("/units/gov-office/materials/self-inspection-report/files"),
                 FormBody({}, "big.pdf", ScanBytes(static_cast<std::size_t>(kMaxFile) + 1)),
                 Multipart(Bearer(gov_token_)));
  EXPECT_EQ(r.status, 413) << r.body;
  EXPECT_EQ(r.Json()["code"], "payload_too_large");
  EXPECT_EQ(FilesUnder(dir_.path() / "files"), before);
  EXPECT_EQ(FilesUnder(dir_.path() / "spool"), 0);
  Reply m = Call("GET", Campaign("/units/gov-office/materials"), "", Bearer(gov_token_));
  ASSERT_EQ(m.status, 200) << m.body;
  const json materials = m.Json()["materials"];
  for (const auto& x : materials)
    if (x["material"] == "self-inspection-report") {
      EXPECT_EQ(x["state"], "pending");
    }
}

TEST_F(HttpTest, ALiaisonCannotUploadToAnotherUnitAndARefusalKeepsNoFile) {
  const int before = FilesUnder(dir_.path() / "files");
  Reply other = Call("POST", Campaign("/units/gov-office/materials/self-inspection-report/files"),
                     FormBody({}, "x.pdf", "not finance's to send"), Multipart(Bearer(liaison_token_)));
  EXPECT_EQ(other.status, 403) << other.body;
  EXPECT_EQ(other.Json()["rule"], workflow::PermissionRule(model::Verb::kMaterialSubmit));
  // Allowed, but refused by the workflow (finance's report is accepted already): no file kept either.
  Reply late = Call("POST", Campaign("/units/finance/materials/self-inspection-report/files"),
                    FormBody({}, "late.pdf", "a new version nobody asked for"), Multipart(Bearer(liaison_token_)));
  EXPECT_EQ(late.status, 409) << late.body;
  EXPECT_EQ(FilesUnder(dir_.path() / "files"), before);
  EXPECT_EQ(FilesUnder(dir_.path() / "spool"), 0);
  // Not multipart: 415; no file part: 422.
  EXPECT_EQ(Call("POST", Campaign("/units/gov-office/materials/self-inspection-report/files"), "{}",
                 Bearer(gov_token_)).status,
            415);
  EXPECT_EQ(Call("POST", Campaign("/units/gov-office/materials/self-inspection-report/files"),
                 FormBody({{"note", "x"}}, "", ""), Multipart(Bearer(gov_token_))).status,
            422);
}

TEST_F(HttpTest, ACommitmentScanIsRecordedWithItsSignerAndDate) {
  const std::string scan = "%PDF-1.4 承诺书 signed and stamped " + ScanBytes(5000);
  Reply missing = Call("POST", Campaign("/units/gov-office/commitment"),
                       FormBody({{"signer", "gov-office-principal-leader"}}, "承诺书.pdf", scan),
                       Multipart(Bearer(gov_token_)));
  EXPECT_EQ(missing.status, 422) << missing.body;
  Reply r = Call("POST", Campaign("/units/gov-office/commitment"),
                 FormBody({{"signer", "gov-office-principal-leader"}, {"signed_on", "2021-10-15"}, {"stamped", "true"}},
                          "承诺书.pdf", scan),
                 Multipart(Bearer(gov_token_)));
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.Json()["document_sha256"], Sha256Hex(scan));
  Reply unit = Call("GET", Campaign("/units/gov-office"), "", Bearer(gov_token_));
  ASSERT_EQ(unit.status, 200) << unit.body;
  const json commitments = unit.Json()["commitments"];
  ASSERT_EQ(commitments.size(), 1u) << unit.body;
  EXPECT_EQ(commitments[0]["signer"], "gov-office-principal-leader");
  EXPECT_EQ(commitments[0]["signed_on"], "2021-10-15");
  EXPECT_EQ(commitments[0]["stamped"], true);
  EXPECT_EQ(commitments[0]["document_name"], "承诺书.pdf");
  EXPECT_EQ(commitments[0]["current"], true);
  EXPECT_EQ(Call("GET", Campaign("/units/gov-office/files/" + Sha256Hex(scan)), "", Bearer(office_token_)).body, scan);
}

TEST_F(HttpTest, AUnitsPageCarriesItsPartsAndItsMoves) {
  Reply r = Call("GET", Campaign("/units/finance"), "", Bearer(office_token_));
  ASSERT_EQ(r.status, 200) << r.body;
  const json j = r.Json();
  EXPECT_EQ(j["unit"]["unit"], "finance");
  EXPECT_FALSE(j["materials"].empty());
  EXPECT_EQ(j["commitments"].size(), 1u);
  ASSERT_EQ(j["requests"].size(), 1u) << r.body;
  EXPECT_EQ(j["requests"][0]["id"], "finance#1");
  EXPECT_EQ(Call("GET", Campaign("/units/finance"), "", Bearer(gov_token_)).status, 403);
  EXPECT_EQ(Call("GET", Campaign("/units/nowhere"), "", Bearer(office_token_)).status, 404);

  // Paper copies: the office's, not a liaison's.
  Reply paper = Call("POST", Campaign("/units/finance/paper"), json{{"received", 2}}.dump(), Bearer(office_token_));
  EXPECT_EQ(paper.status, 200) << paper.body;
  EXPECT_EQ(Call("POST", Campaign("/units/finance/paper"), json{{"received", 2}}.dump(), Bearer(liaison_token_)).status,
            403);
  EXPECT_EQ(Call("POST", Campaign("/units/finance/paper"), json{{"received", "two"}}.dump(), Bearer(office_token_)).status,
            422);
  // A material moved by id, then every open one with `all`.
  Reply one = Call("POST", Campaign("/units/gov-office/materials/self-inspection-report/submit"), "{}", Bearer(gov_token_));
  EXPECT_EQ(one.status, 200) << one.body;
  Reply all = Call("POST", Campaign("/units/gov-office/materials/all/submit"), "{}", Bearer(gov_token_));
  ASSERT_EQ(all.status, 200) << all.body;
  EXPECT_GE(all.Json()["results"].size(), 1u);
  const json results = all.Json()["results"];
  for (const auto& x : results) EXPECT_EQ(x["status"], 200) << x.dump();
  EXPECT_EQ(Call("POST", Campaign("/units/gov-office/materials/self-inspection-report/sing"), "{}", Bearer(gov_token_)).status,
            404);
  // The assessment and the contacts read.
  EXPECT_EQ(Call("GET", Campaign("/assessment"), "", Bearer(office_token_)).Json()["revision"], 0);
  EXPECT_EQ(Call("GET", Campaign("/units/finance/contacts"), "", Bearer(office_token_)).status, 200);
}

TEST_F(HttpTest, AContactChangeOverHttpEndsTheOldLiaisonsRights) {
  ASSERT_EQ(Call("GET", Campaign("/units/finance"), "", Bearer(liaison_token_)).status, 200);
  Reply put = Call("PUT", Campaign("/units/finance/contacts"),
                   json{{"role", "liaison"}, {"person", "finance-liaison-2"}, {"name", "新任联络员"}}.dump(),
                   Bearer(office_token_));
  ASSERT_EQ(put.status, 200) << put.body;
  EXPECT_EQ(put.Json()["previous"], "finance-liaison");
  Reply old = Call("GET", Campaign("/units/finance"), "", Bearer(liaison_token_));
  EXPECT_EQ(old.status, 403) << old.body;
  Reply contacts = Call("GET", Campaign("/units/finance/contacts"), "", Bearer(office_token_));
  ASSERT_EQ(contacts.Json()["contacts"].size(), 1u);
  EXPECT_EQ(contacts.Json()["contacts"][0]["person"], "finance-liaison-2");
  // A liaison may not name someone who holds roles elsewhere.
  Reply takeover = Call("PUT", Campaign("/units/gov-office/contacts"),
                        json{{"role", "liaison"}, {"person", "office-cao-bin"}}.dump(), Bearer(gov_token_));
  EXPECT_EQ(takeover.status, 409) << takeover.body;
  EXPECT_EQ(takeover.Json()["rule"], "contact_takeover");
}

TEST_F(HttpTest, MeSaysWhatTheCallerMayDo) {
  Reply liaison = Call("GET", "/api/v1/me", "", Bearer(liaison_token_));
  ASSERT_EQ(liaison.status, 200) << liaison.body;
  const json l = liaison.Json();
  EXPECT_EQ(l["person"], "finance-liaison");
  EXPECT_EQ(l["roles"], json::array({"liaison"}));
  EXPECT_EQ(l["units"], json::array({"finance"}));
  ASSERT_EQ(l["campaigns"].size(), 1u);
  const json& may = l["campaigns"][0]["may"];
  EXPECT_EQ(may["material_submit"]["units"], json::array({"finance"}));
  EXPECT_EQ(may["material_submit"]["campaign_wide"], false);
  EXPECT_FALSE(may.contains("copies")) << may.dump();
  EXPECT_FALSE(may.contains("approve")) << may.dump();
  Reply director = Call("GET", "/api/v1/me", "", Bearer(director_token_));
  ASSERT_EQ(director.status, 200) << director.body;
  EXPECT_EQ(director.Json()["campaigns"][0]["may"]["copies"]["campaign_wide"], true);
  EXPECT_EQ(Call("GET", "/api/v1/me").status, 401);
}

TEST_F(HttpTest, TheCalendarIsPublic) {
  Reply r = Call("GET", "/api/v1/calendar?year=2021");
  ASSERT_EQ(r.status, 200) << r.body;
  const json j = r.Json();
  EXPECT_EQ(j["has_data"], true);
  ASSERT_EQ(j["days"].size(), 365u);
  const json oct1 = j["days"][273];  // 2021-10-01
  EXPECT_EQ(oct1["date"], "2021-10-01");
  EXPECT_EQ(oct1["working"], false);
  EXPECT_EQ(j["days"][280]["date"], "2021-10-08");  // a Friday
  EXPECT_EQ(Call("GET", "/api/v1/calendar?year=twenty").status, 400);
}

TEST_F(HttpTest, MetricsAreThePrometheusTextFormatAndCount) {
  for (int i = 0; i < 3; ++i) ASSERT_EQ(Call("GET", "/api/v1/health").status, 200);
  EXPECT_EQ(Call("POST", Campaign("/units/finance/urge"), json{{"note", "请抓紧"}}.dump(), Bearer(office_token_)).status,
            200);
  EXPECT_EQ(Call("GET", "/api/v1/metrics", "", Bearer(liaison_token_)).status, 403);
  Reply r = Call("GET", "/api/v1/metrics", "", Bearer(office_token_));
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.Header("content-type").rfind("text/plain; version=0.0.4", 0), 0u);
  // Every line a comment (# HELP / # TYPE) or `name{labels} value`.
  const std::regex sample(R"(^[a-zA-Z_:][a-zA-Z0-9_:]*(\{([a-zA-Z_][a-zA-Z0-9_]*="([^"\\]|\\.)*",?)*\})? -?[0-9.eE+-]+$)");
  const std::regex comment(R"(^# (HELP|TYPE) [a-zA-Z_:][a-zA-Z0-9_:]* .+$)");
  std::map<std::string, double> values;
  std::istringstream in(r.body);
  int samples = 0;
  for (std::string line; std::getline(in, line);) {
    if (line.rfind("#", 0) == 0) {
      EXPECT_TRUE(std::regex_match(line, comment)) << line;
      continue;
    }
    ASSERT_TRUE(std::regex_match(line, sample)) << line;
    const auto space = line.rfind(' ');
    values[line.substr(0, space)] = std::stod(line.substr(space + 1));
    ++samples;
  }
  EXPECT_GT(samples, 10);
  EXPECT_EQ(values["duban_http_requests_total{route=\"/api/v1/health\",method=\"GET\",status=\"200\"}"], 3);
  EXPECT_EQ(values["duban_http_request_duration_seconds_count{route=\"/api/v1/health\"}"], 3);
  EXPECT_EQ(values["duban_http_request_duration_seconds_bucket{route=\"/api/v1/health\",le=\"+Inf\"}"], 3);
  EXPECT_EQ(values["duban_commands_total{outcome=\"applied\"}"], 1);
  EXPECT_EQ(values["duban_http_requests_total{route=\"/api/v1/metrics\",method=\"GET\",status=\"403\"}"], 1);
  EXPECT_TRUE(values.count(std::string("duban_notices_pending{campaign=\"") + kCampaign + "\"}"));
  EXPECT_GT(values["duban_next_deadline_timestamp_seconds"], 1.6e9);
}


TEST_F(HttpTest, OverTlsTheApiAnswersAndTheCookieIsSecure) {
  // A self-signed certificate made now by the openssl CLI.
  const auto cert = dir_.path() / "cert.pem";
  const auto key = dir_.path() / "key.pem";
  const std::string make = "openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj /CN=127.0.0.1 -keyout '" +
                           key.string() + "' -out '" + cert.string() + "' 2>/dev/null";
  ASSERT_EQ(std::system(make.c_str()), 0) << make;
  http::ServerOptions so;
  so.port = 0;
  so.tls_cert = cert;
  so.tls_key = key;
  std::unique_ptr<http::Server> tls;
  std::promise<Status> started;
  asio::post(io_, [&] {
    tls = std::make_unique<http::Server>(io_, *api_, so);
    started.set_value(tls->Start());
  });
  const Status st = started.get_future().get();
  ASSERT_TRUE(st.ok()) << st.str();
  const asio::ip::tcp::endpoint at(asio::ip::make_address("127.0.0.1"), tls->port());
  {
    asio::ssl::context ctx(asio::ssl::context::tls_client);
    ctx.load_verify_file(cert.string());
    ctx.set_verify_mode(asio::ssl::verify_peer);
    beast::ssl_stream<beast::tcp_stream> stream(client_io_, ctx);
    beast::get_lowest_layer(stream).connect(at);
    stream.handshake(asio::ssl::stream_base::client);
    Reply in = Exchange(stream, "POST", "/api/v1/session",
                        json{{"person", kDirector}, {"password", kPassword}}.dump(), {});
    ASSERT_EQ(in.status, 201) << in.body;
    EXPECT_NE(in.Header("set-cookie").find("; Secure"), std::string::npos) << in.Header("set-cookie");
    Reply health = Exchange(stream, "GET", "/api/v1/health", "", {});
    EXPECT_EQ(health.status, 200);
    beast::error_code ec;
    stream.shutdown(ec);
  }
  // Plain HTTP to the TLS port gets no HTTP answer.
  {
    beast::tcp_stream plain(client_io_);
    plain.connect(at);
    plain.expires_after(std::chrono::seconds(10));
    bhttp::request<bhttp::string_body> req(bhttp::verb::get, "/api/v1/health", 11);
    req.set(bhttp::field::host, "127.0.0.1");
    req.prepare_payload();
    beast::error_code ec;
    bhttp::write(plain, req, ec);
    beast::flat_buffer buffer;
    bhttp::response<bhttp::string_body> res;
    bhttp::read(plain, buffer, res, ec);
    EXPECT_TRUE(ec) << "answered " << res.result_int();
  }
  // Plain HTTP's cookie is not Secure.
  Reply plain_in = Call("POST", "/api/v1/session", json{{"person", kDirector}, {"password", kPassword}}.dump());
  EXPECT_EQ(plain_in.Header("set-cookie").find("Secure"), std::string::npos);
  asio::post(io_, [&] { tls->Stop(); });
  StopServer();
  tls.reset();
}

TEST(HttpMultipart, FieldsAndTheFilePartAreReadAcrossAnyChunking) {
  TempDir dir{"multipart"};
  const std::string content = ScanBytes(20000);
  const std::string body = FormBody({{"note", "说明"}, {"signer", "p"}}, "a b.pdf", content);
  for (std::size_t chunk : {std::size_t{1}, std::size_t{7}, std::size_t{64}, body.size()}) {
    http::FormReader reader(kBoundary, dir.path(), {});
    for (std::size_t i = 0; i < body.size(); i += chunk) reader.Feed(std::string_view(body).substr(i, chunk));
    auto form = reader.Finish();
    ASSERT_EQ(form->error_status, 0) << form->error;
    EXPECT_EQ(form->fields.at("note"), "说明");
    EXPECT_EQ(form->fields.at("signer"), "p");
    ASSERT_TRUE(form->file);
    EXPECT_EQ(form->file->filename, "a b.pdf");
    EXPECT_EQ(form->file->sha256, Sha256Hex(content));
    std::ifstream in(form->file->path, std::ios::binary);
    EXPECT_EQ(std::string(std::istreambuf_iterator<char>(in), {}), content);
    form->Discard();
  }
  EXPECT_EQ(FilesUnder(dir.path()), 0);
  http::FormReader cut(kBoundary, dir.path(), {});
  cut.Feed(body.substr(0, body.size() / 2));
  EXPECT_EQ(cut.Finish()->error_status, 400);
  EXPECT_EQ(http::DispositionFilename("form-data; name=\"file\"; filename=\"C:\\\\x\\\\a.pdf\""), "a.pdf");
  EXPECT_EQ(http::DispositionFilename("form-data; name=\"file\"; filename*=UTF-8''%E6%89%BF.pdf; filename=\"x.pdf\""),
            "承.pdf");
  EXPECT_FALSE(http::DispositionFilename("form-data; name=\"file\"; filename=\"..\""));
  EXPECT_EQ(http::AttachmentDisposition("承诺书 \"1\".pdf"),
            "attachment; filename=\"___ _1_.pdf\"; filename*=UTF-8''%E6%89%BF%E8%AF%BA%E4%B9%A6%20%221%22.pdf");
}

TEST(HttpServe, TheDaemonServesTheApiAndStopsOnSigterm) {
  TempDir dir("http-serve");
  const std::string db = (dir.path() / "t.db").string();
  const std::string out = (dir.path() / "out").string();
  ASSERT_EQ(std::system((std::string(DUBAN_EXE) + " --db " + db + " init >/dev/null 2>&1").c_str()), 0);
  const pid_t pid = ::fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    const int fd = ::open(out.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    ::dup2(fd, 1);
    ::dup2(fd, 2);
    ::execl(DUBAN_EXE, DUBAN_EXE, "--db", db.c_str(), "serve", "--listen", "127.0.0.1:0", "--for", "60",
            static_cast<char*>(nullptr));
    ::_exit(127);
  }
  // The port, from the line the daemon prints once it listens.
  int port = 0;
  const std::regex listening(R"(HTTP API on http://127\.0\.0\.1:(\d+)/api/v1)");
  for (int i = 0; i < 300 && port == 0; ++i) {
    std::ifstream in(out);
    const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    std::smatch m;
    if (std::regex_search(text, m, listening)) port = std::stoi(m[1]);
    else std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  ASSERT_GT(port, 0) << "the daemon never said where it listens";
  asio::io_context io;
  beast::tcp_stream stream(io);
  stream.connect(asio::ip::tcp::endpoint(asio::ip::make_address("127.0.0.1"), static_cast<std::uint16_t>(port)));
  Reply health = Exchange(stream, "GET", "/api/v1/health", "", {});
  EXPECT_EQ(health.status, 200);
  Reply none = Exchange(stream, "GET", "/api/v1/campaigns", "", {});
  EXPECT_EQ(none.status, 401);
  ASSERT_EQ(::kill(pid, SIGTERM), 0);
  int status = 0;
  ASSERT_EQ(::waitpid(pid, &status, 0), pid);
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << status;
  std::ifstream in(out);
  const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  EXPECT_NE(text.find("GET /api/v1/health 200"), std::string::npos) << "the access log:\n" << text;
  EXPECT_NE(text.find("duban serve: stopped"), std::string::npos) << text;
}


TEST(HttpServe, TheConfigsServeTableTurnsOnTlsAndABadValueIsNamed) {
  TempDir dir("http-serve-tls");
  const std::string db = (dir.path() / "t.db").string();
  const std::string out = (dir.path() / "out").string();
  const auto conf = dir.path() / "duban.toml";
  ASSERT_EQ(std::system((std::string(DUBAN_EXE) + " --db " + db + " init >/dev/null 2>&1").c_str()), 0);
  const std::string make = "cd '" + dir.path().string() +
                           "' && openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj /CN=127.0.0.1 "
                           "-keyout key.pem -out cert.pem 2>/dev/null";
  ASSERT_EQ(std::system(make.c_str()), 0);
  // A wrong value: exit 2, the key and its place named.
  std::ofstream(conf) << "[serve]\ntls_cert = 5\n";
  const std::string bad = std::string(DUBAN_EXE) + " --db " + db + " --config '" + conf.string() +
                          "' serve --listen 127.0.0.1:0 --for 1 >'" + out + "' 2>&1";
  const int rc = std::system(bad.c_str());
  ASSERT_TRUE(WIFEXITED(rc));
  EXPECT_EQ(WEXITSTATUS(rc), 2);
  {
    std::ifstream in(out);
    const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    EXPECT_NE(text.find("serve.tls_cert must be a file path"), std::string::npos) << text;
    EXPECT_NE(text.find("duban.toml:2:"), std::string::npos) << text;
  }
  // Relative to the config file's directory.
  std::ofstream(conf) << "[serve]\ntls_cert = \"cert.pem\"\ntls_key = \"key.pem\"\n";
  const pid_t pid = ::fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    const int fd = ::open(out.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    ::dup2(fd, 1);
    ::dup2(fd, 2);
    ::execl(DUBAN_EXE, DUBAN_EXE, "--db", db.c_str(), "--config", conf.c_str(), "serve", "--listen", "127.0.0.1:0",
            "--for", "60", static_cast<char*>(nullptr));
    ::_exit(127);
  }
  int port = 0;
  const std::regex listening(R"(HTTP API on https://127\.0\.0\.1:(\d+)/api/v1)");
  std::string text;
  for (int i = 0; i < 300 && port == 0; ++i) {
    std::ifstream in(out);
    text.assign((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    std::smatch m;
    if (std::regex_search(text, m, listening)) port = std::stoi(m[1]);
    else std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  if (port == 0) ::kill(pid, SIGKILL);
  ASSERT_GT(port, 0) << "the daemon never said it listens over TLS:\n" << text;
  {
    asio::io_context io;
    asio::ssl::context ctx(asio::ssl::context::tls_client);
    ctx.load_verify_file((dir.path() / "cert.pem").string());
    ctx.set_verify_mode(asio::ssl::verify_peer);
    beast::ssl_stream<beast::tcp_stream> stream(io, ctx);
    beast::get_lowest_layer(stream).connect(
        asio::ip::tcp::endpoint(asio::ip::make_address("127.0.0.1"), static_cast<std::uint16_t>(port)));
    stream.handshake(asio::ssl::stream_base::client);
    EXPECT_EQ(Exchange(stream, "GET", "/api/v1/health", "", {}).status, 200);
    beast::error_code ec;
    stream.shutdown(ec);
  }
  ASSERT_EQ(::kill(pid, SIGTERM), 0);
  int status = 0;
  ASSERT_EQ(::waitpid(pid, &status, 0), pid);
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << status;
}

// The routes served (http/routes.h) and the routes documented (openapi.yaml)
// are the same set.
TEST(HttpRoutes, ServedAndDocumentedAreTheSame) {
  std::ifstream in(std::string(DUBAN_SOURCE_DIR) + "/engine/http/openapi.yaml");
  ASSERT_TRUE(in) << "engine/http/openapi.yaml is missing";
  const std::regex path_line(R"(^  (/[^:\s]+):\s*$)");
  const std::regex method_line(R"(^    (get|post|put|patch|delete):\s*$)");
  std::set<std::string> documented;
  std::string path;
  bool in_paths = false;
  for (std::string line; std::getline(in, line);) {
    if (line == "paths:") {
      in_paths = true;
      continue;
    }
    if (!line.empty() && line[0] != ' ' && line[0] != '#') in_paths = false;
    if (!in_paths) continue;
    std::smatch m;
    if (std::regex_match(line, m, path_line)) path = m[1];
    else if (std::regex_match(line, m, method_line)) {
      std::string method = m[1];
      for (char& c : method) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
      documented.insert(method + " " + path);
    }
  }
  std::set<std::string> served;
  for (const auto& r : http::Routes()) served.insert(std::string(r.method) + " " + std::string(r.pattern));
  EXPECT_EQ(served, documented);
  EXPECT_GE(served.size(), 12u);
}

TEST(HttpRoutes, MatchDecodesParamsAndNamesTheMethodsAllowed) {
  auto m = http::MatchRoute("POST", "/api/v1/campaigns/taishan-2021/requests/finance%231/approve");
  ASSERT_NE(m.route, nullptr);
  EXPECT_EQ(m.params.at("request"), "finance#1");
  auto wrong = http::MatchRoute("GET", "/api/v1/session");
  EXPECT_EQ(wrong.route, nullptr);
  EXPECT_EQ(wrong.allowed.size(), 2u);
  EXPECT_FALSE(http::PercentDecode("%2"));
  EXPECT_FALSE(http::PercentDecode("%00"));
  auto q = http::ParseQuery("after=3&type=transition.%2A&x=a+b");
  ASSERT_TRUE(q);
  EXPECT_EQ(q->at("type"), "transition.*");
  EXPECT_EQ(q->at("x"), "a b");
}

}  // namespace
}  // namespace duban
