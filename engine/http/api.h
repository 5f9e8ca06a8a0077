// The JSON API (/api/v1, engine/http/openapi.yaml) over the application
// layer: each route authenticates the caller (a bearer API token, or the
// session cookie with X-CSRF-Token on state-changing requests), builds the
// RequestContext (who, now, channel, Idempotency-Key as the command id) and
// calls App or Accounts; every rule is theirs. Answers are the JSON of
// wire/results.h and app/rows.h; errors are problem+json (problem.h).
//
// Thread-safety: one thread at a time (it drives one App and its store).
#pragma once

#include <chrono>
#include <string>
#include <string_view>

#include "app/accounts.h"
#include "app/app.h"
#include "core/env.h"
#include "http/message.h"
#include "http/pages.h"

namespace duban::http {

inline constexpr const char* kSessionCookie = "duban_session";

// A Content-Disposition value for a download of `filename` (RFC 6266): an
// ASCII fallback in filename= and the UTF-8 name in filename* (RFC 5987).
std::string AttachmentDisposition(std::string_view filename);

class Metrics;

struct ApiOptions {
  std::size_t default_page = 100;  // events, requests, notices per page without ?limit
  std::size_t max_page = 1000;     // a larger ?limit is 400
  // What GET /api/v1/metrics renders (the server's counts); nullptr: only
  // the gauges. Not owned; must outlive the Api.
  const Metrics* metrics = nullptr;
  // The web pages, answering every path outside /api/ (pages.h); not owned,
  // must outlive the Api. nullptr: no pages, such a path is 404.
  const Pages* pages = nullptr;
};

class Api {
 public:
  // `app`, `accounts` and `env` must outlive the Api.
  Api(app::App& app, app::Accounts& accounts, Env& env, ApiOptions options = {});

  // Answers one request. Never throws.
  Response Handle(const Request& req);

 private:
  Response Dispatch(const Request& req);
  // GET /api/v1/metrics for a caller who sees every campaign's whole ledger.
  Response MetricsAnswer(const app::RequestContext& rc, const app::Principal& who);

  app::App& app_;
  app::Accounts& accounts_;
  Env& env_;
  ApiOptions options_;
};

}  // namespace duban::http
