#include "http/api.h"

#include <algorithm>
#include <charconv>
#include <functional>
#include <map>
#include <nlohmann/json.hpp>

#include "app/batch.h"
#include "app/rows.h"
#include "core/hash.h"
#include "http/metrics.h"
#include "http/multipart.h"
#include "http/problem.h"
#include "http/routes.h"
#include "report/report.h"
#include "wire/results.h"
#include "workflow/permissions.h"

namespace duban::http {

namespace {

using nlohmann::json;

Response Json(int status, const json& body) {
  Response r;
  r.status = status;
  r.Set("Content-Type", "application/json; charset=utf-8");
  r.body = body.dump(-1, ' ', false, json::error_handler_t::replace);
  return r;
}

bool StateChanging(std::string_view method) { return method != "GET" && method != "HEAD"; }

// The value of cookie `name` in a Cookie header, or nullopt.
std::optional<std::string> CookieValue(const std::string& header, std::string_view name) {
  std::size_t i = 0;
  while (i < header.size()) {
    std::size_t semi = header.find(';', i);
    if (semi == std::string::npos) semi = header.size();
    std::string_view part(header.data() + i, semi - i);
    i = semi + 1;
    while (!part.empty() && part.front() == ' ') part.remove_prefix(1);
    const std::size_t eq = part.find('=');
    if (eq != std::string_view::npos && part.substr(0, eq) == name) return std::string(part.substr(eq + 1));
  }
  return std::nullopt;
}

// What one request carries once its route is known.
struct Call {
  const Request& req;
  std::map<std::string, std::string> params;  // from the path
  std::map<std::string, std::string> query;
  json body = json::object();                 // a POST's JSON object
  app::Principal who;                         // set when the route needs a sign-in

  const std::string& Param(const char* name) const { return params.at(name); }
  // The request context for App: the principal at now, Idempotency-Key as command id.
  app::RequestContext Context() const {
    app::RequestContext rc = who.request;
    if (auto key = req.Header("Idempotency-Key"); key && !key->empty()) rc.command_id = *key;
    return rc;
  }
  // A string member of the body (a field of a form): `fallback` when absent;
  // nullopt when not a string.
  std::optional<std::string> Text(const char* name, std::string fallback = "") const {
    if (req.form) {
      auto it = req.form->fields.find(name);
      return it == req.form->fields.end() ? fallback : it->second;
    }
    if (!body.contains(name) || body[name].is_null()) return fallback;
    if (!body[name].is_string()) return std::nullopt;
    return body[name].get<std::string>();
  }
};

// ?name= as a count, `fallback` when absent; nullopt when malformed or above `max`.
std::optional<std::int64_t> Count(const Call& c, const char* name, std::int64_t fallback, std::int64_t max) {
  auto it = c.query.find(name);
  if (it == c.query.end() || it->second.empty()) return fallback;
  std::int64_t v = 0;
  const auto* end = it->second.data() + it->second.size();
  auto [p, ec] = std::from_chars(it->second.data(), end, v);
  if (ec != std::errc() || p != end || v < 0 || v > max) return std::nullopt;
  return v;
}

Response BadMember(const char* name, const char* what) {
  return Problem(422, codes::kInvalidInput, std::string("'") + name + "' must be " + what);
}

template <typename T>
Response CommandAnswer(const Result<app::Outcome<T>>& r) {
  if (!r.ok()) return ProblemOf(r.status());
  Response out = Json(200, wire::ToJson(r->value));
  if (r->replayed) out.Set("Idempotent-Replayed", "true");
  return out;
}


// The answer of a command that may have named many targets (App's batch
// forms): each target's result or problem, 200 when every one was applied,
// else the first failure's status.
template <typename T>
Response EachAnswer(const Result<std::vector<app::TargetResult<T>>>& r, const char* target_name) {
  if (!r.ok()) return ProblemOf(r.status());
  json out = json::array();
  int status = 200;
  for (const auto& t : *r) {
    if (t.result.ok()) {
      out.push_back({{target_name, t.target}, {"status", 200}, {"result", wire::ToJson(t.result->value)}});
      continue;
    }
    Response p = ProblemOf(t.result.status());
    if (status == 200) status = p.status;
    out.push_back({{target_name, t.target}, {"status", p.status}, {"problem", json::parse(p.body, nullptr, false)}});
  }
  return Json(status, {{"results", out}});
}

// "true"/"false" of a form field or JSON member.
std::optional<bool> Flag(const std::string& v) {
  if (v == "true" || v == "1" || v == "on" || v == "yes") return true;
  if (v == "false" || v == "0" || v == "off" || v == "no" || v.empty()) return false;
  return std::nullopt;
}

// An upload's spooled file, named as the client sent it: what App copies
// into its file store.
Response NoFile() {
  return Problem(422, codes::kInvalidInput, "the upload needs a part named 'file' with a file name");
}

// The workflow's stages, roles and transitions, by id with their Chinese labels.
json WorkflowJson(const model::Workflow& wf) {
  const auto role_ids = [&](const std::vector<model::RoleId>& ids) {
    json out = json::array();
    for (auto r : ids) out.push_back(wf.roles[r].id);
    return out;
  };
  json stages = json::array();
  for (const auto& s : wf.stages) stages.push_back({{"id", s.id}, {"label", s.label.zh}, {"terminal", s.terminal}});
  json roles = json::array();
  for (const auto& r : wf.roles)
    roles.push_back({{"id", r.id}, {"label", r.label.zh}, {"scope", r.scope == model::RoleScope::kUnit ? "unit" : "campaign"}});
  json transitions = json::array();
  for (const auto& t : wf.transitions) {
    json from = json::array();
    for (auto f : t.from) from.push_back(wf.stages[f].id);
    transitions.push_back({{"trigger", t.trigger},
                           {"label", t.label.zh},
                           {"from", from},
                           {"to", wf.stages[t.to].id},
                           {"roles", role_ids(t.roles)},
                           {"needs_approval", t.needs_approval},
                           {"approvers", role_ids(t.approvers)},
                           {"note_required", t.note_required}});
  }
  json out = {{"id", wf.id},     {"version", wf.version}, {"label", wf.label.zh}, {"initial", wf.stages[wf.initial].id},
              {"stages", stages}, {"roles", roles},        {"transitions", transitions}};
  // What the overview charts: the stage whose due the submission is measured
  // against, and the trigger that hands the materials in.
  if (wf.assessment.given)
    out["submission"] = {{"stage", wf.stages[wf.assessment.submission.stage].id},
                         {"trigger", wf.assessment.submission.submit_trigger}};
  return out;
}

}  // namespace

std::string AttachmentDisposition(std::string_view filename) {
  std::string ascii, encoded;
  static constexpr char kHex[] = "0123456789ABCDEF";
  for (char raw : filename) {
    const auto ch = static_cast<unsigned char>(raw);
    const bool attr = std::isalnum(ch) || std::string_view("!#$&+-.^_`|~").find(static_cast<char>(ch)) != std::string_view::npos;
    if (attr) {
      encoded.push_back(static_cast<char>(ch));
    } else {
      encoded.push_back('%');
      encoded.push_back(kHex[ch >> 4]);
      encoded.push_back(kHex[ch & 0xF]);
    }
    if ((ch & 0xC0) == 0x80) continue;  // one '_' for each character, not for each byte
    ascii.push_back(ch >= 0x20 && ch < 0x7f && raw != '"' && raw != '\\' && raw != '%' ? raw : '_');
  }
  return "attachment; filename=\"" + ascii + "\"; filename*=UTF-8''" + encoded;
}

Api::Api(app::App& app, app::Accounts& accounts, Env& env, ApiOptions options)
    : app_(app), accounts_(accounts), env_(env), options_(options) {}

Response Api::Handle(const Request& req) {
  if (options_.pages != nullptr && Pages::Serves(std::string_view(req.target).substr(0, req.target.find('?'))))
    return options_.pages->Handle(req);
  Response r;
  try {
    r = Dispatch(req);
  } catch (const std::exception& e) {
    r = Problem(500, codes::kInternal, e.what());
  }
  r.Set("Cache-Control", "no-store");
  r.Set("X-Content-Type-Options", "nosniff");
  return r;
}

Response Api::Dispatch(const Request& req) {
  const Instant now = env_.Now();
  const std::size_t qmark = req.target.find('?');
  const std::string_view path = std::string_view(req.target).substr(0, qmark);
  Match m = MatchRoute(req.method, path);
  if (m.route == nullptr) {
    if (m.allowed.empty()) return Problem(404, codes::kNotFound, "no route " + std::string(path));
    std::string allow;
    for (auto a : m.allowed) allow += (allow.empty() ? "" : ", ") + std::string(a);
    Response r = Problem(405, codes::kMethodNotAllowed, req.method + " is not a method of " + std::string(path));
    r.Set("Allow", allow);
    return r;
  }
  Call c{req, std::move(m.params), {}, json::object(), {}};
  auto query = ParseQuery(qmark == std::string::npos ? std::string_view{} : std::string_view(req.target).substr(qmark + 1));
  if (!query) return Problem(400, codes::kBadRequest, "malformed query string");
  c.query = std::move(*query);

  // An upload is multipart/form-data, read by the server as it came.
  if (IsUpload(m.route->id)) {
    if (!req.form)
      return Problem(415, codes::kUnsupportedMediaType,
                     "send the upload as multipart/form-data (a part named 'file'), not '" +
                         req.Header("Content-Type").value_or("") + "'");
    if (req.form->error_status != 0)
      return Problem(req.form->error_status,
                     req.form->error_status == 413 ? codes::kPayloadTooLarge
                     : req.form->error_status >= 500 ? codes::kInternal
                                                    : codes::kBadRequest,
                     req.form->error);
  } else if (req.method == "POST" || req.method == "PUT") {  // a body is JSON, and only JSON
    const std::string type = req.Header("Content-Type").value_or("");
    const std::string media = type.substr(0, type.find(';'));
    if (!req.body.empty() || !type.empty()) {
      if (media != "application/json")
        return Problem(415, codes::kUnsupportedMediaType, "send the body as application/json, not '" + type + "'");
      if (!req.body.empty()) {
        c.body = json::parse(req.body, nullptr, false);
        if (c.body.is_discarded()) return Problem(400, codes::kBadRequest, "the body is not valid JSON");
        if (!c.body.is_object()) return Problem(400, codes::kBadRequest, "the body must be a JSON object");
      }
    }
  }

  // Who asks: a bearer token, else the session cookie.
  if (m.route->signed_in) {
    Result<app::Principal> who = Status::Refused(app::kRuleSession, "未登录 / not signed in: send a bearer token or the session cookie");
    if (auto auth = req.Header("Authorization")) {
      constexpr std::string_view kBearer = "Bearer ";
      if (auth->rfind(kBearer, 0) != 0) return Problem(401, codes::kUnauthenticated, "Authorization must be 'Bearer TOKEN'");
      who = accounts_.FromToken(auth->substr(kBearer.size()), now);
    } else if (auto cookie = CookieValue(req.Header("Cookie").value_or(""), kSessionCookie)) {
      who = accounts_.FromSession(*cookie, req.Header("X-CSRF-Token"), StateChanging(req.method), now);
    }
    if (!who.ok()) {
      const Status& s = who.status();
      if (s.code() == Code::kRefused && s.rule() == app::kRuleCsrf)
        return Problem(403, codes::kForbidden, s.message(), s.rule());
      if (s.code() == Code::kRefused) {
        Response r = Problem(401, codes::kUnauthenticated, s.message(), s.rule());
        r.Set("WWW-Authenticate", "Bearer");
        return r;
      }
      return ProblemOf(s);
    }
    c.who = std::move(*who);
    if (auto it = c.params.find("campaign"); it != c.params.end())
      if (auto scope = c.who.MayUse(it->second); !scope.ok()) return ProblemOf(scope);
  }

  // ?limit of a paged list: the default page without it, 400 above max_page.
  const auto PageLimit = [&] {
    return Count(c, "limit", static_cast<std::int64_t>(options_.default_page),
                 static_cast<std::int64_t>(options_.max_page));
  };
  const auto BadLimit = [&] {
    return Problem(400, codes::kBadRequest, "?limit must be 0.." + std::to_string(options_.max_page));
  };

  switch (m.route->id) {
    case RouteId::kHealth:
      return Json(200, {{"status", "ok"}, {"time", FormatUtc(now)}});

    case RouteId::kReady: {
      // Ready when the database answers a read: what a load balancer or
      // systemd's watchdog may poll. 503 (problem+json) when it does not.
      auto next = app_.NextDeadline();
      if (!next.ok()) return ProblemOf(Status::Io("the database does not answer: " + next.status().message()));
      return Json(200, {{"status", "ready"}, {"time", FormatUtc(now)}});
    }

    case RouteId::kSignIn: {
      auto person = c.Text("person");
      auto password = c.Text("password");
      auto campaign = c.Text("campaign");
      if (!person || person->empty()) return BadMember("person", "a roster person id");
      if (!password) return BadMember("password", "a string");
      if (!campaign) return BadMember("campaign", "a campaign id");
      auto a = accounts_.SignIn(*person, *password, *campaign, req.remote, now);
      if (!a.ok()) return ProblemOf(a.status());
      using Outcome = app::SignInAnswer::Outcome;
      if (a->outcome == Outcome::kThrottled) {
        Response r = Problem(429, codes::kTooManyRequests, a->message);
        r.Set("Retry-After", std::to_string(a->retry_after.count()));
        return r;
      }
      if (a->outcome != Outcome::kSignedIn) return Problem(401, codes::kSignInFailed, a->message, app::kRuleSignIn);
      const auto& s = *a->session;
      Response r = Json(201, {{"person", s.person},
                              {"campaign", s.campaign.empty() ? json(nullptr) : json(s.campaign)},
                              {"csrf", s.csrf},
                              {"expires_at", FormatUtc(s.expires_at)}});
      const auto max_age = std::chrono::duration_cast<std::chrono::seconds>(s.expires_at - now).count();
      r.Set("Set-Cookie", std::string(kSessionCookie) + "=" + s.cookie + "; Path=/api/; Max-Age=" +
                              std::to_string(max_age) + "; HttpOnly; SameSite=Strict" + (req.tls ? "; Secure" : ""));
      return r;
    }

    case RouteId::kSignOut: {
      auto cookie = CookieValue(req.Header("Cookie").value_or(""), kSessionCookie);
      if (!cookie) return Problem(400, codes::kBadRequest, "DELETE /api/v1/session ends the cookie's session; send it");
      if (auto s = accounts_.SignOut(*cookie, now); !s.ok()) return ProblemOf(s);
      Response r;
      r.status = 204;
      r.Set("Set-Cookie", std::string(kSessionCookie) + "=; Path=/api/; Max-Age=0; HttpOnly; SameSite=Strict");
      return r;
    }

    case RouteId::kCampaigns: {
      auto list = app_.Campaigns(c.Context());
      if (!list.ok()) return ProblemOf(list.status());
      json out = json::array();
      for (const auto& k : *list)
        if (c.who.MayUse(k.id).ok()) out.push_back(app::CampaignJson(k));
      return Json(200, {{"campaigns", out}});
    }

    case RouteId::kWorkflow: {
      // The campaign's workflow in words: what the pages name stages,
      // triggers and roles by, and which moves they offer from a stage.
      // Readable by whoever may list the campaign (as the ledger's labels are).
      auto list = app_.Campaigns(c.Context());
      if (!list.ok()) return ProblemOf(list.status());
      auto ctx = app_.Load(c.Param("campaign"));
      if (!ctx.ok()) return ProblemOf(ctx.status());
      return Json(200, WorkflowJson(*ctx->workflow));
    }

    case RouteId::kLedger: {
      auto unit = c.query.count("unit") ? c.query.at("unit") : std::string();
      auto ledger = app_.Status(c.Param("campaign"), unit, c.Context());
      if (!ledger.ok()) return ProblemOf(ledger.status());
      json rows = json::array();
      for (const auto& r : ledger->rows) rows.push_back(app::LedgerRowJson(ledger->context, r));
      Response r = Json(200, {{"campaign", ledger->context.campaign.id},
                              {"rows", rows},
                              {"calendar_missing_years", ledger->calendar_missing_years}});
      // The ETag of what the rows say (not of when they were read).
      const std::string etag = "\"" + Sha256Hex(r.body).substr(0, 32) + "\"";
      r.Set("ETag", etag);
      if (auto inm = req.Header("If-None-Match"); inm && (*inm == etag || *inm == "W/" + etag || *inm == "*")) {
        Response not_modified;
        not_modified.status = 304;
        not_modified.Set("ETag", etag);
        return not_modified;
      }
      return r;
    }

    case RouteId::kUnitEvents: {
      auto after = Count(c, "after", 0, std::numeric_limits<std::int64_t>::max());
      auto limit = PageLimit();
      if (!after) return Problem(400, codes::kBadRequest, "?after must be an event sequence number");
      if (!limit) return BadLimit();
      store::EventFilter f;
      f.campaign = c.Param("campaign");
      f.unit = c.Param("unit");
      f.after_seq = *after;
      f.limit = static_cast<std::size_t>(*limit == 0 ? static_cast<std::int64_t>(options_.default_page) : *limit);
      if (auto type = c.query.find("type"); type != c.query.end()) f.type = type->second;
      auto events = app_.Events(f, c.Context());
      if (!events.ok()) return ProblemOf(events.status());
      json out = json::array();
      for (const auto& e : *events) out.push_back(app::EventJson(e));
      return Json(200, {{"events", out},
                        {"next_after", events->size() == f.limit ? json(events->back().seq) : json(nullptr)}});
    }

    case RouteId::kFire: {
      auto trigger = c.Text("trigger");
      auto note = c.Text("note");
      if (!trigger || trigger->empty()) return BadMember("trigger", "a trigger of the workflow");
      if (!note) return BadMember("note", "a string");
      return CommandAnswer(app_.Fire(c.Param("campaign"), c.Param("unit"), *trigger, *note, c.Context()));
    }

    case RouteId::kUrge: {
      auto note = c.Text("note");
      if (!note) return BadMember("note", "a string");
      return CommandAnswer(app_.Urge(c.Param("campaign"), c.Param("unit"), *note, c.Context()));
    }

    case RouteId::kExtend: {
      auto due = c.Text("new_due", c.Text("due").value_or(""));  // the contract's name, and the first one
      auto reason = c.Text("reason");
      if (!due || due->empty()) return BadMember("due", "a date (YYYY-MM-DD)");
      if (!reason) return BadMember("reason", "a string");
      auto day = ParseDate(*due);
      if (!day.ok()) return ProblemOf(day.status());
      return CommandAnswer(app_.RequestExtension(c.Param("campaign"), c.Param("unit"), *day, *reason, c.Context()));
    }

    case RouteId::kRequests: {
      store::RequestFilter f;
      f.campaign = c.Param("campaign");
      const std::string status = c.query.count("status") ? c.query.at("status") : "pending";
      if (status != "all") {
        auto s = model::RequestStatusFromName(status);
        if (!s) return Problem(400, codes::kBadRequest, "?status must be pending, approved, rejected or all");
        f.status = *s;
      }
      f.after = c.query.count("after") ? c.query.at("after") : "";
      auto limit = PageLimit();
      if (!limit) return BadLimit();
      f.limit = static_cast<std::size_t>(*limit);
      auto list = app_.Requests(f, c.Context());
      if (!list.ok()) return ProblemOf(list.status());
      auto ctx = app_.Load(f.campaign);  // the workflow's names, once the person was allowed to read
      if (!ctx.ok()) return ProblemOf(ctx.status());
      json out = json::array();
      for (const auto& q : *list) out.push_back(app::RequestJson(*ctx->workflow, q));
      return Json(200, {{"requests", out}});
    }

    case RouteId::kApprove:
    case RouteId::kReject: {
      auto note = c.Text("note");
      if (!note) return BadMember("note", "a string");
      return CommandAnswer(app_.Decide(c.Param("campaign"), c.Param("request"), m.route->id == RouteId::kApprove,
                                       *note, c.Context()));
    }

    case RouteId::kNotices: {
      store::NoticeFilter f;
      f.campaign = c.Param("campaign");
      if (auto unit = c.query.find("unit"); unit != c.query.end()) f.unit = unit->second;
      if (auto state = c.query.find("state"); state != c.query.end()) f.state = state->second;
      f.after = c.query.count("after") ? c.query.at("after") : "";
      auto limit = PageLimit();
      if (!limit) return BadLimit();
      f.limit = static_cast<std::size_t>(*limit);
      auto list = app_.Notices(f, c.Context());
      if (!list.ok()) return ProblemOf(list.status());
      json out = json::array();
      for (const auto& k : *list) out.push_back(app::NoticeJson(k));
      return Json(200, {{"notices", out}});
    }

    case RouteId::kMe: {
      auto list = app_.Campaigns(c.Context());
      if (!list.ok()) return ProblemOf(list.status());
      json campaigns = json::array();
      json roles = json::array();
      json units = json::array();
      std::string name;
      for (const auto& k : *list) {
        if (!c.who.MayUse(k.id).ok()) continue;
        auto self = app_.Self(k.id, c.Context());
        if (!self.ok()) {
          if (self.status().code() == Code::kRefused) continue;  // not on this campaign's roster
          return ProblemOf(self.status());
        }
        if (name.empty()) name = self->person.name;
        json j = app::SelfJson(*self);
        for (const auto& r : j["roles"])
          if (std::find(roles.begin(), roles.end(), r["role"]) == roles.end()) roles.push_back(r["role"]);
        for (const auto& u : j["units"])
          if (std::find(units.begin(), units.end(), u) == units.end()) units.push_back(u);
        j["name"] = k.name;
        j["year"] = k.year;
        campaigns.push_back(std::move(j));
      }
      return Json(200, {{"person", c.who.request.person},
                        {"name", name},
                        {"channel", std::string(app::ChannelName(c.who.request.channel))},
                        {"campaign_scope", c.who.campaign_scope.empty() ? json(nullptr) : json(c.who.campaign_scope)},
                        {"roles", roles},
                        {"units", units},
                        {"campaigns", campaigns}});
    }

    case RouteId::kCalendar: {
      auto year = Count(c, "year", 0, 9999);
      if (!year || *year < 1900) return Problem(400, codes::kBadRequest, "?year must be a year (YYYY)");
      auto cal = app_.Calendar();
      if (!cal.ok()) return ProblemOf(cal.status());
      return Json(200, app::CalendarYearJson(*cal, static_cast<int>(*year)));
    }

    case RouteId::kMetrics:
      return MetricsAnswer(c.Context(), c.who);

    case RouteId::kUnit: {
      const std::string& campaign = c.Param("campaign");
      const std::string& unit = c.Param("unit");
      auto ledger = app_.Status(campaign, unit, c.Context());
      if (!ledger.ok()) return ProblemOf(ledger.status());
      if (ledger->rows.empty()) return Problem(404, codes::kNotFound, "no unit '" + unit + "'");
      json out = {{"campaign", ledger->context.campaign.id},
                  {"unit", app::LedgerRowJson(ledger->context, ledger->rows.front())}};
      // Each part as the asker may read it: null where a rule refuses it.
      Response failed;
      auto part = [&](const char* key, auto&& result, auto&& to_json) {
        if (failed.status != 200) return;
        if (result.ok()) {
          out[key] = to_json(*result);
        } else if (result.status().code() == Code::kRefused) {
          out[key] = nullptr;
        } else {
          failed = ProblemOf(result.status());
        }
      };
      auto rows = [](auto&& f) {
        return [f](const auto& list) {
          json a = json::array();
          for (const auto& x : list) a.push_back(f(x));
          return a;
        };
      };
      part("materials", app_.Materials(campaign, unit, c.Context()), rows(app::MaterialJson));
      part("files", app_.Attachments(campaign, unit, c.Context()), rows(app::AttachmentJson));
      part("contacts", app_.Contacts(campaign, unit, c.Context()), rows(app::ContactJson));
      part("commitments", app_.Commitments(campaign, unit, c.Context()),
           [](const auto& list) { return app::CommitmentsJson(list); });
      store::RequestFilter f;
      f.campaign = campaign;
      f.status = model::RequestStatus::kPending;
      const auto& wf = *ledger->context.workflow;
      part("requests", app_.Requests(f, c.Context()), [&](const auto& list) {
        json a = json::array();
        for (const auto& q : list)
          if (q.unit == unit) a.push_back(app::RequestJson(wf, q));
        return a;
      });
      if (failed.status != 200) return failed;
      return Json(200, out);
    }

    case RouteId::kMaterials: {
      auto list = app_.Materials(c.Param("campaign"), c.Param("unit"), c.Context());
      if (!list.ok()) return ProblemOf(list.status());
      json out = json::array();
      for (const auto& x : *list) out.push_back(app::MaterialJson(x));
      return Json(200, {{"materials", out}});
    }

    case RouteId::kMaterialMove: {
      const std::string& action_name = c.Param("action");
      std::optional<machine::MaterialAction> action;
      if (action_name == "submit") action = machine::MaterialAction::kSubmit;
      if (action_name == "explain") action = machine::MaterialAction::kExplain;
      if (action_name == "return") action = machine::MaterialAction::kReturn;
      if (action_name == "accept") action = machine::MaterialAction::kAccept;
      if (!action)
        return Problem(404, codes::kNotFound, "no material action '" + action_name + "' (submit, explain, return, accept)");
      auto note = c.Text("note");
      if (!note) return BadMember("note", "a string");
      const std::string& material = c.Param("material");
      if (material == "all" || material.find(',') != std::string::npos)
        return EachAnswer(app::MaterialEach(app_, c.Param("campaign"), c.Param("unit"), material, *action, *note, {},
                                            c.Context()),
                          "material");
      return CommandAnswer(app_.Material(c.Param("campaign"), c.Param("unit"), material, *action, *note, {}, c.Context()));
    }

    case RouteId::kMaterialUpload: {
      if (!req.form->file) return NoFile();
      auto note = c.Text("note");
      const std::string action_name = c.Text("action", "submit").value_or("submit");
      if (action_name != "submit" && action_name != "explain")
        return BadMember("action", "submit or explain");
      const auto action = action_name == "submit" ? machine::MaterialAction::kSubmit : machine::MaterialAction::kExplain;
      Response r = CommandAnswer(app_.Material(c.Param("campaign"), c.Param("unit"), c.Param("material"), action,
                                               note.value_or(""), {req.form->file->path}, c.Context()));
      if (r.status == 200) r.Set("X-Content-SHA256", req.form->file->sha256);
      return r;
    }

    case RouteId::kFiles: {
      auto list = app_.Attachments(c.Param("campaign"), c.Param("unit"), c.Context());
      if (!list.ok()) return ProblemOf(list.status());
      json out = json::array();
      for (const auto& x : *list) out.push_back(app::AttachmentJson(x));
      return Json(200, {{"files", out}});
    }

    case RouteId::kDownload: {
      auto list = app_.Attachments(c.Param("campaign"), c.Param("unit"), c.Context());
      if (!list.ok()) return ProblemOf(list.status());
      const std::string& sha = c.Param("file");
      auto it = std::find_if(list->begin(), list->end(), [&](const model::Attachment& a) { return a.sha256 == sha; });
      if (it == list->end())
        return Problem(404, codes::kNotFound, "unit '" + c.Param("unit") + "' has no file " + sha);
      const std::string etag = "\"" + sha + "\"";
      if (auto inm = req.Header("If-None-Match"); inm && *inm == etag) {
        Response not_modified;
        not_modified.status = 304;
        not_modified.Set("ETag", etag);
        return not_modified;
      }
      Response r;
      r.file = app_.files().PathOf(sha);
      r.Set("Content-Type", it->media_type);
      r.Set("Content-Disposition", AttachmentDisposition(it->name));
      r.Set("ETag", etag);
      return r;
    }

    case RouteId::kPaper: {
      if (!c.body.contains("received") || !c.body["received"].is_number_integer())
        return BadMember("received", "the number of paper copies received");
      auto note = c.Text("note");
      if (!note) return BadMember("note", "a string");
      return CommandAnswer(app_.PaperCopies(c.Param("campaign"), c.Param("unit"), c.body["received"].get<int>(), *note,
                                            c.Context()));
    }

    case RouteId::kCommitment: {
      if (!req.form->file) return NoFile();
      auto signer = c.Text("signer");
      auto signed_on = c.Text("signed_on");
      auto stamped = Flag(c.Text("stamped").value_or(""));
      if (!signer || signer->empty()) return BadMember("signer", "the person id of the unit's principal leader");
      if (!signed_on || signed_on->empty()) return BadMember("signed_on", "a date (YYYY-MM-DD)");
      if (!stamped) return BadMember("stamped", "true or false");
      auto day = ParseDate(*signed_on);
      if (!day.ok()) return ProblemOf(day.status());
      Response r = CommandAnswer(app_.Sign(c.Param("campaign"), c.Param("unit"), *signer, *day, *stamped,
                                           req.form->file->path, c.Context()));
      if (r.status == 200) r.Set("X-Content-SHA256", req.form->file->sha256);
      return r;
    }

    case RouteId::kContacts: {
      auto list = app_.Contacts(c.Param("campaign"), c.Param("unit"), c.Context());
      if (!list.ok()) return ProblemOf(list.status());
      json out = json::array();
      for (const auto& x : *list) out.push_back(app::ContactJson(x));
      return Json(200, {{"contacts", out}});
    }

    case RouteId::kSetContact: {
      app::ContactChange change;
      struct Member {
        const char* name;
        std::string* into;
      };
      std::string reported_on;
      for (const Member& mb : {Member{"role", &change.role}, Member{"person", &change.person},
                               Member{"name", &change.name}, Member{"phone", &change.phone},
                               Member{"email", &change.email}, Member{"reported_by", &change.reported_by},
                               Member{"reported_on", &reported_on}}) {
        auto v = c.Text(mb.name);
        if (!v) return BadMember(mb.name, "a string");
        *mb.into = *v;
      }
      if (change.role.empty()) return BadMember("role", "a contact role of the workflow");
      if (change.person.empty()) return BadMember("person", "the new holder's person id");
      if (!reported_on.empty()) {
        auto d = ParseDate(reported_on);
        if (!d.ok()) return ProblemOf(d.status());
        change.reported_on = *d;
      }
      return CommandAnswer(app_.SetContact(c.Param("campaign"), c.Param("unit"), change, c.Context()));
    }

    case RouteId::kAssessment: {
      const std::string unit = c.query.count("unit") ? c.query.at("unit") : std::string();
      auto v = app_.AssessShow(c.Param("campaign"), unit, c.Context());
      if (!v.ok()) return ProblemOf(v.status());
      json out = app::AssessmentJson(*v);
      out["campaign"] = v->context.campaign.id;
      return Json(200, out);
    }

    case RouteId::kDeadlinesIcs: {
      const report::Concern who{c.query.count("unit") ? c.query.at("unit") : std::string(),
                                c.query.count("person") ? c.query.at("person") : std::string()};
      if (who.unit.empty() == who.person.empty())
        return Problem(400, codes::kBadRequest, "give exactly one of ?unit= and ?person=");
      auto data = report::Collect(app_, c.Param("campaign"), who.unit, c.Context());
      if (!data.ok()) return ProblemOf(data.status());
      auto feed = report::DeadlineFeed(*data, who, c.Context().at);
      if (!feed.ok()) return ProblemOf(feed.status());
      Response r;
      r.Set("Content-Type", std::string(report::kIcsMediaType));
      r.Set("Cache-Control", "private, no-cache");
      r.body = std::move(feed->ics);
      return r;
    }
  }
  return Problem(500, codes::kInternal, "route without a handler");
}

Response Api::MetricsAnswer(const app::RequestContext& rc, const app::Principal& who) {
  // For the office: a caller whose grant of `status` reaches every unit of
  // every campaign they may list (the verdicts of App::Self).
  auto list = app_.Campaigns(rc);
  if (!list.ok()) return ProblemOf(list.status());
  const std::string rule = workflow::PermissionRule(model::Verb::kStatus);
  int seen = 0;
  for (const auto& k : *list) {
    if (!who.MayUse(k.id).ok()) continue;
    auto self = app_.Self(k.id, rc);
    if (!self.ok()) return ProblemOf(self.status());
    const bool whole = std::any_of(self->grants.begin(), self->grants.end(), [](const app::SelfView::Grant& g) {
      return g.verb == model::Verb::kStatus && g.campaign_wide;
    });
    if (!whole)
      return Problem(403, codes::kForbidden,
                     rc.person + " 无权查看运行指标：须能查看 " + k.id + " 的全部台账 / metrics need the whole ledger",
                     rule);
    ++seen;
  }
  if (seen == 0) return Problem(403, codes::kForbidden, "metrics need the whole ledger of a campaign", rule);

  std::string out = options_.metrics != nullptr ? options_.metrics->Render() : std::string();
  out += "# HELP duban_notices_pending Notices with a delivery still pending, by campaign.\n";
  out += "# TYPE duban_notices_pending gauge\n";
  for (const auto& k : *list) {
    if (!who.MayUse(k.id).ok()) continue;
    store::NoticeFilter f;
    f.campaign = k.id;
    f.state = "pending";
    auto pending = app_.Notices(f, rc);
    if (!pending.ok()) return ProblemOf(pending.status());
    out += "duban_notices_pending{campaign=\"" + PromLabel(k.id) + "\"} " + std::to_string(pending->size()) + "\n";
  }
  auto next = app_.NextDeadline();
  if (!next.ok()) return ProblemOf(next.status());
  out += "# HELP duban_next_deadline_timestamp_seconds When the next deadline step falls due (Unix time; 0: none).\n";
  out += "# TYPE duban_next_deadline_timestamp_seconds gauge\n";
  const auto secs = *next ? std::chrono::duration_cast<std::chrono::seconds>((*next)->time_since_epoch()).count() : 0;
  out += "duban_next_deadline_timestamp_seconds " + std::to_string(secs) + "\n";
  Response r;
  r.Set("Content-Type", "text/plain; version=0.0.4; charset=utf-8");
  r.body = std::move(out);
  return r;
}

}  // namespace duban::http
