// The HTTP server of `duban serve --listen`: Boost.Beast on the serve loop's
// io_context, answering every request through an Api (api.h). Keep-alive,
// a time-out on every read and write, a body size limit (413), an access
// log line per request (spdlog), and a graceful stop: no new connections,
// idle ones closed, a request in flight answered before its connection
// closes. Uploads are read into a spool file as they arrive (multipart.h),
// downloads sent from disk as they are read. Plain HTTP, or TLS through
// OpenSSL when the options name a certificate and key (or TLS at a reverse
// proxy, README).
//
// Group commit (ServerOptions::begin_batch/commit_batch set): the commands
// that arrive together on any connections are applied one after another
// inside one store batch (store::Store::BeginBatch), in arrival order, each
// atomically on its own, and the batch is made durable with one commit; each
// command is answered only then (503 for all of them if that commit fails).
// Any other request first closes the open batch, so no read sees what is not
// yet durable.
//
// Thread-safety: runs on the io_context's one thread; Start and Stop must be
// called from it (or before it runs).
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <string>

#include "core/status.h"
#include "http/api.h"

namespace spdlog {
class logger;
}

namespace boost::asio {
class io_context;
}

namespace duban::http {

class Metrics;

struct ServerOptions {
  std::string address = "127.0.0.1";
  std::uint16_t port = 8080;                       // 0: any free port (port() says which)
  std::size_t body_limit = 1024 * 1024;            // bytes; a larger body is 413
  std::chrono::seconds request_timeout{30};        // to read one request, or write one answer
  std::chrono::seconds idle_timeout{60};           // a kept-alive connection waiting for its next request
  bool trust_forwarded_for = false;                // behind a reverse proxy: the client is X-Forwarded-For's
  // One line per request: client, method, target, status, bytes, time.
  // nullptr: spdlog's default logger, at info.
  std::shared_ptr<spdlog::logger> access_log;
  // Group commit (above); unset: each command its own transaction.
  std::function<Status()> begin_batch;
  std::function<Status()> commit_batch;
  std::size_t max_batch = 256;  // commands in one batch at most
  // Uploads (multipart/form-data to an upload route, routes.h IsUpload): the
  // file part is streamed into a spool directory here, at most max_file
  // bytes (413 above it), the whole body at most max_file + body_limit.
  // "" : the system's temporary directory / duban-uploads.
  std::filesystem::path spool_dir;
  std::int64_t max_file = 50LL * 1024 * 1024;
  // TLS (OpenSSL): a PEM certificate chain and its PEM private key; both
  // empty: plain HTTP (TLS at a reverse proxy, README). Under TLS the
  // session cookie is Secure.
  std::filesystem::path tls_cert;
  std::filesystem::path tls_key;
  // Counts every answer (GET /api/v1/metrics renders them); nullptr: none.
  std::shared_ptr<Metrics> metrics;
};

class Server {
 public:
  // `api` must outlive the server.
  Server(boost::asio::io_context& io, Api& api, ServerOptions options);
  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  // Binds and listens; Io when the address cannot be bound.
  Status Start();
  // Stops accepting, closes idle connections and lets requests in flight
  // finish; the io_context runs out of work once they have.
  void Stop();
  // Closes the open batch now (group commit), answering its commands; for
  // work of the loop that must not run inside it.
  void Settle();
  // The port bound (after Start).
  std::uint16_t port() const;
  // Whether it speaks TLS (after Start).
  bool tls() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace duban::http
