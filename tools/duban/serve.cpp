#include "serve.h"

#include <CLI/CLI.hpp>
#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

#include <memory>
#include <ostream>
#include <toml++/toml.h>

#include "http/api.h"
#include "http/metrics.h"
#include "http/pages.h"
#include "http/server.h"
#include "runtime/layout.h"
#include "runtime/serve.h"
#include "verb.h"

namespace duban::cli {

namespace {

// "ADDR:PORT" ("127.0.0.1:8080", "[::1]:8080", ":8080" for every address).
Result<http::ServerOptions> ParseListen(const std::string& listen) {
  const auto colon = listen.rfind(':');
  if (colon == std::string::npos) return Status::InvalidInput("--listen wants ADDR:PORT, not '" + listen + "'");
  std::string host = listen.substr(0, colon);
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
  if (host.empty()) host = "0.0.0.0";
  const std::string port = listen.substr(colon + 1);
  int p = -1;
  try {
    std::size_t used = 0;
    p = std::stoi(port, &used);
    if (used != port.size()) p = -1;
  } catch (const std::exception&) {
    p = -1;
  }
  if (p < 0 || p > 65535) return Status::InvalidInput("--listen: '" + port + "' is not a port (0-65535)");
  http::ServerOptions o;
  o.address = host;
  o.port = static_cast<std::uint16_t>(p);
  return o;
}

// The server's keys of the config file's [serve] table (public_url is the
// notices'): tls_cert and tls_key (PEM files, relative to the file's
// directory), max_body_kb (a JSON body's limit), trust_forwarded_for (behind
// a reverse proxy).
Status ReadServeSection(const runtime::Config& config, http::ServerOptions& o) {
  if (config.source.empty()) return Status::Ok();
  toml::table root;
  try {
    root = toml::parse_file(config.source.string());
  } catch (const toml::parse_error& e) {
    return Status::InvalidInput(std::string(e.description()));
  }
  const toml::table* serve = root["serve"].as_table();
  if (serve == nullptr) return Status::Ok();
  const std::string file = config.source.string();
  auto wrong = [&](const char* key, const char* what) {
    const auto& where = serve->get(key)->source().begin;
    return Status::InvalidInput(std::string("serve.") + key + " must be " + what,
                                SourcePos{file, static_cast<std::uint32_t>(where.line),
                                          static_cast<std::uint32_t>(where.column)});
  };
  for (const char* key : {"tls_cert", "tls_key"}) {
    if (!serve->contains(key)) continue;
    auto v = serve->get(key)->value<std::string>();
    if (!v || v->empty()) return wrong(key, "a file path (PEM)");
    std::filesystem::path p(*v);
    if (p.is_relative()) p = config.base_dir / p;
    (std::string_view(key) == "tls_cert" ? o.tls_cert : o.tls_key) = p;
  }
  if (serve->contains("max_body_kb")) {
    auto v = serve->get("max_body_kb")->value<std::int64_t>();
    if (!v || *v < 1 || *v > 1024 * 1024) return wrong("max_body_kb", "a size in KiB (1 to 1048576)");
    o.body_limit = static_cast<std::size_t>(*v) * 1024;
  }
  if (serve->contains("trust_forwarded_for")) {
    auto v = serve->get("trust_forwarded_for")->value<bool>();
    if (!v) return wrong("trust_forwarded_for", "true or false");
    o.trust_forwarded_for = *v;
  }
  return Status::Ok();
}

}  // namespace

int RunServe(runtime::Services& services, std::ostream& out, std::ostream& err, std::optional<int> seconds,
             const std::string& listen, const std::filesystem::path& web_dir) {
  runtime::ServeOptions options;
  options.out = &out;
  options.err = &err;
  if (seconds) options.run_for = std::chrono::seconds(*seconds);
  std::unique_ptr<http::Pages> pages;
  std::unique_ptr<http::Api> api;
  std::unique_ptr<http::Server> server;
  http::ServerOptions server_options;
  if (!listen.empty()) {
    auto parsed = ParseListen(listen);
    if (!parsed.ok()) {
      err << "duban: " << parsed.status().str() << '\n';
      return parsed.status().exit_code();
    }
    server_options = std::move(*parsed);
    if (Status st = ReadServeSection(services.config(), server_options); !st.ok()) {
      err << "duban: " << st.str() << '\n';
      return st.exit_code();
    }
    // The access log: one line per request on standard output.
    server_options.access_log = spdlog::get("access");
    if (!server_options.access_log) server_options.access_log = spdlog::stdout_logger_mt("access");
    server_options.access_log->set_pattern("%Y-%m-%dT%H:%M:%S.%e http %v");
    server_options.access_log->set_level(spdlog::level::info);
    server_options.access_log->flush_on(spdlog::level::info);
    // Group commit: the commands arriving together are made durable together.
    store::Store* st = services.store();
    server_options.begin_batch = [st] { return st->BeginBatch(); };
    server_options.commit_batch = [st] { return st->CommitBatch(); };
    if (services.app() == nullptr || services.accounts() == nullptr) {
      err << "duban: no database open\n";
      return 1;
    }
    // Uploads are spooled beside the file store they are copied into.
    server_options.spool_dir = std::filesystem::path(services.files_dir()) / ".uploads";
    server_options.metrics = std::make_shared<http::Metrics>();
    http::ApiOptions api_options;
    api_options.metrics = server_options.metrics.get();
    if (!web_dir.empty()) {
      pages = std::make_unique<http::Pages>(web_dir);
      api_options.pages = pages.get();
    }
    api = std::make_unique<http::Api>(*services.app(), *services.accounts(), services.env(), api_options);
    options.components.push_back(
        {[&](boost::asio::io_context& io) -> Status {
           server = std::make_unique<http::Server>(io, *api, server_options);
           DUBAN_RETURN_IF_ERROR(server->Start());
           out << "duban serve: HTTP API on " << (server->tls() ? "https://" : "http://") << server_options.address << ":" << server->port() << "/api/v1"
               << std::endl;
           if (pages)
             out << "duban serve: web pages on " << (server->tls() ? "https://" : "http://") << server_options.address << ":" << server->port() << "/"
                 << std::endl;
           return Status::Ok();
         },
         [&] {
           if (server) server->Stop();
         },
         [&] { server.reset(); },
         [&] {
           if (server) server->Settle();
         }});
  }
  const Status s = runtime::Serve(services, options);
  if (!s.ok()) {
    err << "duban: " << s.str() << '\n';
    return s.exit_code();
  }
  return 0;
}

void AddServeVerbs(VerbTable& t) {
  t.Add({{"serve"},
         "run the daemon: tick deadlines when they fall due and send queued notices, until SIGINT or SIGTERM; "
         "with --listen also the HTTP JSON API",
         [](CLI::App& cmd) -> Runner {
           auto seconds = std::make_shared<int>(0);
           auto listen = std::make_shared<std::string>();
           cmd.add_option("--for", *seconds, "stop after this many seconds (for tests and cron)");
           cmd.add_option("--listen", *listen, "serve the HTTP API (/api/v1) on ADDR:PORT, e.g. 127.0.0.1:8080");
           return [seconds, listen](Call& c) {
             return RunServe(c.session, c.io.out, c.io.err,
                             *seconds > 0 ? std::optional<int>(*seconds) : std::nullopt, *listen,
                             runtime::WebDir(ShareDir(c.session)));
           };
         }});
}

}  // namespace duban::cli
