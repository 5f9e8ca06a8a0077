// Errors as RFC 9457 problem details (application/problem+json): status,
// title, detail, a stable machine-readable `code`, and for a refusal the
// `rule` that refused. The one mapping of core Status to HTTP status:
//   InvalidInput 422, NotFound 404, Conflict 409 (a stale version, a repeated
//   command id), Refused 403 when an authorisation rule refused (a
//   permission, the actor, self-approval, CSRF, an account's scope) and 409
//   when a workflow rule did, Io 503, Internal 500.
// Pure; thread-safe.
#pragma once

#include <chrono>
#include <string>

#include "core/status.h"
#include "http/message.h"

namespace duban::http {

// Stable codes clients may switch on.
namespace codes {
inline constexpr const char* kBadRequest = "bad_request";
inline constexpr const char* kUnauthenticated = "unauthenticated";
inline constexpr const char* kSignInFailed = "sign_in_failed";
inline constexpr const char* kForbidden = "forbidden";
inline constexpr const char* kNotFound = "not_found";
inline constexpr const char* kMethodNotAllowed = "method_not_allowed";
inline constexpr const char* kConflict = "conflict";
inline constexpr const char* kRuleRefused = "rule_refused";
inline constexpr const char* kPayloadTooLarge = "payload_too_large";
inline constexpr const char* kUnsupportedMediaType = "unsupported_media_type";
inline constexpr const char* kInvalidInput = "invalid_input";
inline constexpr const char* kTooManyRequests = "too_many_requests";
inline constexpr const char* kUnavailable = "unavailable";
inline constexpr const char* kInternal = "internal";
}  // namespace codes

// A problem response: `status` with its standard title, `code` and `detail`;
// `rule` added when non-empty.
Response Problem(int status, const char* code, const std::string& detail, const std::string& rule = "");
// The problem a failed Status maps to (above). REQUIRES: !s.ok()
Response ProblemOf(const Status& s);
// Whether a refusal's rule is one of authorisation (403) rather than of the
// workflow (409).
bool IsAuthorizationRule(const std::string& rule);

}  // namespace duban::http
