// The HTTP API under load on loopback: a real http::Server (one thread, one
// SQLite store, as `duban serve --listen` runs it) and real clients (Beast,
// keep-alive, one thread each).
//
//   ledger:    GET /campaigns/{c}/ledger (15 rows) by 8 clients as fast as
//              they can: reads/s, p50 and p99 latency; then paced at about
//              1,000 reads/s in all: p99 (the issue's aim: under 50 ms).
//   commands:  POST /campaigns/{c}/units/{u}/urge (one event and its notices,
//              durable: synchronous=FULL) by 1, 8 and 64 clients: commands/s.
//   group commit: the same commands through a server that applies what
//              arrives together in one store batch, one fsync per batch
//              (http::ServerOptions::begin_batch): its ratio against one
//              transaction per command at 1, 8 and 64 clients.
//   baseline:  the same reads (app::App::Status) and commands (app::App::Urge,
//              one transaction per command) called in-process on one thread,
//              so each HTTP figure has a ratio against the work itself.
//
// Self-checks (a failure prints FAILED and exits 1): every answer is 2xx,
// each command answered 2xx is in the log exactly once (escalation.raised
// events counted), and the chain verifies.
//
// Set DUBAN_BENCH_SECONDS (default 3) for each phase's length and
// DUBAN_BENCH_DIR for where the database lives.
#include <openssl/rand.h>

#include <algorithm>
#include <atomic>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "app/accounts.h"
#include "app/app.h"
#include "http/api.h"
#include "http/server.h"
#include "store/store.h"
#include <spdlog/spdlog.h>

#include "support/fake_env.h"
#include "support/temp_dir.h"

namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;
const char* const kCampaign = "taishan-2021";
const fs::path kSource = DUBAN_SOURCE_DIR;

duban::Instant At(const char* text) {
  auto t = duban::ParseInstant(text, duban::TimeZone::Default());
  return t.ok() ? *t : duban::Instant{};
}
duban::app::RequestContext As(const char* person, const char* at) {
  return duban::app::RequestContext{person, At(at), std::nullopt, duban::app::Channel::kCli};
}

bool g_failed = false;
void Check(bool ok, const std::string& what) {
  if (ok) return;
  std::printf("FAILED: %s\n", what.c_str());
  g_failed = true;
}

std::chrono::seconds PhaseLength() {
  const char* env = std::getenv("DUBAN_BENCH_SECONDS");
  const int s = env != nullptr ? std::atoi(env) : 0;
  return std::chrono::seconds(s > 0 ? s : 3);
}

fs::path BenchRoot() {
  const char* env = std::getenv("DUBAN_BENCH_DIR");
  return env != nullptr && *env != '\0' ? fs::path(env) : fs::temp_directory_path();
}

double Percentile(std::vector<double> v, double p) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  const auto i = static_cast<std::size_t>(p * static_cast<double>(v.size() - 1));
  return v[i];
}

// One keep-alive client connection.
class Client {
 public:
  explicit Client(std::uint16_t port) : stream_(io_) {
    stream_.connect(asio::ip::tcp::endpoint(asio::ip::make_address("127.0.0.1"), port));
  }
  // The status of one exchange (0 when the connection failed).
  int Send(bhttp::verb method, const std::string& target, const std::string& token, const std::string& body) {
    bhttp::request<bhttp::string_body> req(method, target, 11);
    req.set(bhttp::field::host, "127.0.0.1");
    req.set(bhttp::field::authorization, "Bearer " + token);
    if (!body.empty()) {
      req.set(bhttp::field::content_type, "application/json");
      req.body() = body;
    }
    req.keep_alive(true);
    req.prepare_payload();
    beast::error_code ec;
    bhttp::write(stream_, req, ec);
    if (ec) return 0;
    bhttp::response<bhttp::string_body> res;
    bhttp::read(stream_, buffer_, res, ec);
    if (ec) return 0;
    return static_cast<int>(res.result_int());
  }

 private:
  asio::io_context io_;
  beast::tcp_stream stream_;
  beast::flat_buffer buffer_;
};

struct Load {
  std::size_t ok = 0;
  std::size_t failed = 0;
  double seconds = 0;
  std::vector<double> latencies_ms;
  double rate() const { return seconds > 0 ? static_cast<double>(ok) / seconds : 0; }
};

// `clients` threads, each sending `request(client, i)` for `length`; with a
// pace, each client sends at most `per_client_rate` requests a second.
Load Run(std::uint16_t port, int clients, std::chrono::seconds length, double per_client_rate,
         const std::function<int(Client&, int, std::size_t)>& request) {
  std::mutex mu;
  Load total;
  std::vector<std::thread> threads;
  const auto start = Clock::now();
  const auto end = start + length;
  for (int c = 0; c < clients; ++c) {
    threads.emplace_back([&, c] {
      Client client(port);
      std::vector<double> lat;
      std::size_t ok = 0, failed = 0;
      auto next = Clock::now();
      for (std::size_t i = 0; Clock::now() < end; ++i) {
        if (per_client_rate > 0) {
          std::this_thread::sleep_until(next);
          next += std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(1.0 / per_client_rate));
        }
        const auto t0 = Clock::now();
        const int status = request(client, c, i);
        lat.push_back(std::chrono::duration<double, std::milli>(Clock::now() - t0).count());
        (status >= 200 && status < 300 ? ok : failed)++;
      }
      std::lock_guard<std::mutex> lock(mu);
      total.ok += ok;
      total.failed += failed;
      total.latencies_ms.insert(total.latencies_ms.end(), lat.begin(), lat.end());
    });
  }
  for (auto& t : threads) t.join();
  total.seconds = std::chrono::duration<double>(Clock::now() - start).count();
  return total;
}

std::int64_t CountUrges(duban::store::Store& s) {
  duban::store::EventFilter f;
  f.campaign = kCampaign;
  f.type = std::string(duban::model::EventTypeName(duban::model::EventType::kEscalationRaised));
  auto events = s.ListEvents(f);
  return events.ok() ? static_cast<std::int64_t>(events->size()) : -1;
}

}  // namespace

int main() {
  using namespace duban;  // NOLINT
  const auto length = PhaseLength();
  duban::testing::TempDir dir("bench-http", BenchRoot());
  auto opened = store::OpenStore((dir.path() / "duban.db").string());
  if (!opened.ok()) {
    std::printf("FAILED: %s\n", opened.status().str().c_str());
    return 1;
  }
  auto& st = **opened;
  app::App app(st);
  app::CampaignSpec spec;
  spec.workflow = kSource / "workflows" / "annual-cycle.toml";
  spec.roster = kSource / "workflows" / "taishan-2021" / "roster.toml";
  spec.calendars = kSource / "workflows" / "calendars";
  if (auto created = app.CreateCampaign(spec, As("office-cao-bin", "2021-09-28")); !created.ok()) {
    std::printf("FAILED: %s\n", created.status().str().c_str());
    return 1;
  }
  app::AccountsOptions ao;
  ao.secret_bytes = [](std::span<unsigned char> out) -> Status {
    return RAND_bytes(out.data(), static_cast<int>(out.size())) == 1 ? Status::Ok() : Status::Io("RAND_bytes");
  };
  app::Accounts accounts(st, app, ao);
  auto token = accounts.CreateToken("office-cao-bin", "", "bench", As("operator", "2021-10-01"));
  if (!token.ok()) {
    std::printf("FAILED: %s\n", token.status().str().c_str());
    return 1;
  }
  const std::string secret = token->secret;
  auto ctx = app.Load(kCampaign);
  std::vector<std::string> units;
  for (const auto& u : ctx->roster->units) units.push_back(u.id);
  const auto office = As("office-cao-bin", "2021-10-16T09:00");

  // ----- baselines: the same work in-process, one thread, no HTTP -----
  auto timed = [&](auto&& body) {
    std::size_t n = 0;
    const auto t0 = Clock::now();
    while (Clock::now() - t0 < length) {
      Check(body(n), "in-process call " + std::to_string(n));
      ++n;
    }
    return static_cast<double>(n) / std::chrono::duration<double>(Clock::now() - t0).count();
  };
  const double direct_reads = timed([&](std::size_t) { return app.Status(kCampaign, "", office).ok(); });
  const std::int64_t urges_before_direct = CountUrges(st);
  std::size_t direct_commands_done = 0;
  const double direct_commands = timed([&](std::size_t i) {
    ++direct_commands_done;
    return app.Urge(kCampaign, units[i % units.size()], "bench", office).ok();
  });
  Check(CountUrges(st) - urges_before_direct == static_cast<std::int64_t>(direct_commands_done),
        "in-process urges recorded once each");

  // ----- the server -----
  duban::testing::FakeEnv env(At("2021-10-16T09:00"));
  http::Api api(app, accounts, env);
  asio::io_context io;
  http::ServerOptions so;
  so.port = 0;
  so.access_log = nullptr;
  spdlog::set_level(spdlog::level::warn);  // no access log lines in the figures
  http::Server server(io, api, so);
  if (auto s = server.Start(); !s.ok()) {
    std::printf("FAILED: %s\n", s.str().c_str());
    return 1;
  }
  std::thread loop([&] { io.run(); });
  const std::uint16_t port = server.port();
  const std::string ledger = std::string("/api/v1/campaigns/") + kCampaign + "/ledger";

  std::printf("bench_http: %lld s per phase, database %s (synchronous=FULL)\n",
              static_cast<long long>(length.count()), dir.path().c_str());
  std::printf("%-34s %12s %10s %10s %8s\n", "phase", "per second", "p50 ms", "p99 ms", "ratio");
  auto row = [](const char* name, double rate, const std::vector<double>& lat, double baseline) {
    std::printf("%-34s %12.0f %10.2f %10.2f %8.2f\n", name, rate, Percentile(lat, 0.50), Percentile(lat, 0.99),
                baseline > 0 ? rate / baseline : 0.0);
  };
  std::printf("%-34s %12.0f %10s %10s %8s\n", "baseline: App::Status in-process", direct_reads, "", "", "1.00");
  std::printf("%-34s %12.0f %10s %10s %8s\n", "baseline: App::Urge in-process", direct_commands, "", "", "1.00");

  auto read = [&](Client& c, int, std::size_t) { return c.Send(bhttp::verb::get, ledger, secret, ""); };
  Load reads = Run(port, 8, length, 0, read);
  Check(reads.failed == 0, std::to_string(reads.failed) + " ledger reads failed");
  row("ledger reads, 8 clients", reads.rate(), reads.latencies_ms, direct_reads);
  Load paced = Run(port, 8, length, 125, read);
  Check(paced.failed == 0, std::to_string(paced.failed) + " paced ledger reads failed");
  row("ledger reads paced ~1000/s", paced.rate(), paced.latencies_ms, direct_reads);
  const double paced_p99 = Percentile(paced.latencies_ms, 0.99);

  // Commands: one transaction per command, then group commit (a second
  // server over the same store, batching what arrives together).
  std::map<std::pair<bool, int>, double> command_rates;
  auto commands = [&](std::uint16_t p, bool group) {
    for (int clients : {1, 8, 64}) {
      const std::int64_t before = CountUrges(st);
      Load cmds = Run(p, clients, length, 0, [&](Client& c, int client, std::size_t i) {
        const std::string& unit = units[(static_cast<std::size_t>(client) + i) % units.size()];
        return c.Send(bhttp::verb::post, std::string("/api/v1/campaigns/") + kCampaign + "/units/" + unit + "/urge",
                      secret, R"({"note":"bench"})");
      });
      const std::int64_t recorded = CountUrges(st) - before;
      Check(cmds.failed == 0,
            std::to_string(cmds.failed) + " commands failed at " + std::to_string(clients) + " clients");
      Check(recorded == static_cast<std::int64_t>(cmds.ok),
            std::to_string(cmds.ok) + " commands answered 2xx but " + std::to_string(recorded) + " recorded");
      const std::string name = std::string(group ? "group commit" : "commands") + ", " + std::to_string(clients) +
                               " client" + (clients > 1 ? "s" : "");
      row(name.c_str(), cmds.rate(), cmds.latencies_ms, direct_commands);
      command_rates[{group, clients}] = cmds.rate();
    }
  };
  commands(port, false);
  asio::post(io, [&] { server.Stop(); });
  loop.join();

  http::ServerOptions go = so;
  go.begin_batch = [&st] { return st.BeginBatch(); };
  go.commit_batch = [&st] { return st.CommitBatch(); };
  asio::io_context group_io;
  http::Server group_server(group_io, api, go);
  if (auto s2 = group_server.Start(); !s2.ok()) {
    std::printf("FAILED: %s\n", s2.str().c_str());
    return 1;
  }
  std::thread group_loop([&] { group_io.run(); });
  commands(group_server.port(), true);
  asio::post(group_io, [&] { group_server.Stop(); });
  group_loop.join();

  auto verified = st.Verify(kCampaign);
  Check(verified.ok() && verified->ok, "the chain verifies");
  for (int clients : {1, 8, 64})
    std::printf("ratio group commit / one transaction per command at %d client%s = %.2f\n", clients,
                clients > 1 ? "s" : "", command_rates[{true, clients}] / std::max(command_rates[{false, clients}], 1e-9));
  std::printf("paced ledger p99 = %.2f ms (aim: under 50 ms at 1,000 reads/s)\n", paced_p99);
  if (g_failed) {
    std::printf("bench_http: FAILED\n");
    return 1;
  }
  std::printf("bench_http: checks passed\n");
  return 0;
}
