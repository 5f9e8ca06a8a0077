#include "http/problem.h"

#include <nlohmann/json.hpp>

#include "app/accounts.h"
#include "machine/machine.h"
#include "model/permissions.h"
#include "workflow/permissions.h"

namespace duban::http {

namespace {

const char* Title(int status) {
  switch (status) {
    case 400: return "Bad Request";
    case 401: return "Unauthorized";
    case 403: return "Forbidden";
    case 404: return "Not Found";
    case 405: return "Method Not Allowed";
    case 409: return "Conflict";
    case 413: return "Content Too Large";
    case 415: return "Unsupported Media Type";
    case 422: return "Unprocessable Content";
    case 429: return "Too Many Requests";
    case 503: return "Service Unavailable";
    default: return "Internal Server Error";
  }
}

}  // namespace

bool IsAuthorizationRule(const std::string& rule) {
  for (const char* r : {workflow::kRuleActor, machine::kRuleActor, machine::kRuleRole, machine::kRuleSelfApproval,
                        machine::kRuleApprover, app::kRuleCsrf, app::kRuleAccountScope})
    if (rule == r) return true;
  for (const auto& spec : model::kVerbSpecs)
    if (rule == workflow::PermissionRule(spec.verb)) return true;
  return false;
}

Response Problem(int status, const char* code, const std::string& detail, const std::string& rule) {
  nlohmann::json j = {{"type", "about:blank"}, {"status", status}, {"title", Title(status)},
                      {"detail", detail},      {"code", code}};
  if (!rule.empty()) j["rule"] = rule;
  Response r;
  r.status = status;
  r.Set("Content-Type", "application/problem+json");
  r.body = j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  return r;
}

Response ProblemOf(const Status& s) {
  switch (s.code()) {
    case Code::kInvalidInput: return Problem(422, codes::kInvalidInput, s.str());
    case Code::kNotFound: return Problem(404, codes::kNotFound, s.message());
    case Code::kConflict: return Problem(409, codes::kConflict, s.message());
    case Code::kRefused:
      if (IsAuthorizationRule(s.rule())) return Problem(403, codes::kForbidden, s.message(), s.rule());
      return Problem(409, codes::kRuleRefused, s.message(), s.rule());
    case Code::kIo: return Problem(503, codes::kUnavailable, s.message());
    case Code::kOk:
    case Code::kInternal: break;
  }
  return Problem(500, codes::kInternal, s.message());
}

}  // namespace duban::http
