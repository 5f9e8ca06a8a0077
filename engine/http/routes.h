// Every route of the JSON API in one table: the dispatcher matches requests
// against it, and tests/http_test.cpp checks that it and openapi.yaml name
// the same set. Pure data and pure functions: thread-safe.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace duban::http {

enum class RouteId : std::uint8_t {
  kHealth,
  kReady,
  kSignIn,
  kSignOut,
  kCampaigns,
  kWorkflow,
  kLedger,
  kUnitEvents,
  kFire,
  kUrge,
  kExtend,
  kRequests,
  kApprove,
  kReject,
  kNotices,
  kMe,
  kCalendar,
  kMetrics,
  kUnit,
  kMaterials,
  kMaterialUpload,
  kMaterialMove,
  kFiles,
  kDownload,
  kPaper,
  kCommitment,
  kContacts,
  kSetContact,
  kAssessment,
  kDeadlinesIcs,
};

struct Route {
  RouteId id;
  std::string_view method;   // "GET", "POST", "PUT", "DELETE"
  std::string_view pattern;  // "/api/v1/campaigns/{campaign}/ledger": {name} matches one path segment
  bool signed_in;            // false: no credential needed
};

// The table, in the order openapi.yaml lists the paths.
std::span<const Route> Routes();

// A request path matched against the table.
struct Match {
  const Route* route = nullptr;                // nullptr: no route for this method
  std::map<std::string, std::string> params;   // {campaign}, {unit}, ... percent-decoded
  std::vector<std::string_view> allowed;       // the methods the path has (for 405's Allow)
};
// Matches `path` (no query; percent-encoded as sent) for `method`. allowed is
// empty when no route has the path at all.
Match MatchRoute(std::string_view method, std::string_view path);

// Whether the route is a command of App (fire, urge, extend, approve,
// reject, materials, paper, commitment, contacts): what group commit batches.
bool IsCommand(RouteId id);
// Whether the route takes a multipart/form-data upload (the server streams
// its file part to disk, multipart.h).
bool IsUpload(RouteId id);

// %XX decoded; nullopt for a malformed escape or a decoded NUL.
std::optional<std::string> PercentDecode(std::string_view s);
// "a=1&b=x%20y" as name -> value (later repeats win); nullopt when malformed.
std::optional<std::map<std::string, std::string>> ParseQuery(std::string_view query);

}  // namespace duban::http
