#include "http/routes.h"

#include <algorithm>
#include <array>

namespace duban::http {

namespace {

constexpr std::array kRoutes = {
    Route{RouteId::kHealth, "GET", "/api/v1/health", false},
    Route{RouteId::kReady, "GET", "/api/v1/ready", false},
    Route{RouteId::kSignIn, "POST", "/api/v1/session", false},
    Route{RouteId::kSignOut, "DELETE", "/api/v1/session", true},
    Route{RouteId::kCampaigns, "GET", "/api/v1/campaigns", true},
    Route{RouteId::kWorkflow, "GET", "/api/v1/campaigns/{campaign}/workflow", true},
    Route{RouteId::kLedger, "GET", "/api/v1/campaigns/{campaign}/ledger", true},
    Route{RouteId::kUnitEvents, "GET", "/api/v1/campaigns/{campaign}/units/{unit}/events", true},
    Route{RouteId::kFire, "POST", "/api/v1/campaigns/{campaign}/units/{unit}/fire", true},
    Route{RouteId::kUrge, "POST", "/api/v1/campaigns/{campaign}/units/{unit}/urge", true},
    Route{RouteId::kExtend, "POST", "/api/v1/campaigns/{campaign}/units/{unit}/extend", true},
    Route{RouteId::kRequests, "GET", "/api/v1/campaigns/{campaign}/requests", true},
    Route{RouteId::kApprove, "POST", "/api/v1/campaigns/{campaign}/requests/{request}/approve", true},
    Route{RouteId::kReject, "POST", "/api/v1/campaigns/{campaign}/requests/{request}/reject", true},
    Route{RouteId::kNotices, "GET", "/api/v1/campaigns/{campaign}/notices", true},
    Route{RouteId::kMe, "GET", "/api/v1/me", true},
    Route{RouteId::kCalendar, "GET", "/api/v1/calendar", false},
    Route{RouteId::kMetrics, "GET", "/api/v1/metrics", true},
    Route{RouteId::kUnit, "GET", "/api/v1/campaigns/{campaign}/units/{unit}", true},
    Route{RouteId::kMaterials, "GET", "/api/v1/campaigns/{campaign}/units/{unit}/materials", true},
    // Before {action}: "files" is the upload, not an action.
    Route{RouteId::kMaterialUpload, "POST", "/api/v1/campaigns/{campaign}/units/{unit}/materials/{material}/files", true},
    Route{RouteId::kMaterialMove, "POST", "/api/v1/campaigns/{campaign}/units/{unit}/materials/{material}/{action}", true},
    Route{RouteId::kFiles, "GET", "/api/v1/campaigns/{campaign}/units/{unit}/files", true},
    Route{RouteId::kDownload, "GET", "/api/v1/campaigns/{campaign}/units/{unit}/files/{file}", true},
    Route{RouteId::kPaper, "POST", "/api/v1/campaigns/{campaign}/units/{unit}/paper", true},
    Route{RouteId::kCommitment, "POST", "/api/v1/campaigns/{campaign}/units/{unit}/commitment", true},
    Route{RouteId::kContacts, "GET", "/api/v1/campaigns/{campaign}/units/{unit}/contacts", true},
    Route{RouteId::kSetContact, "PUT", "/api/v1/campaigns/{campaign}/units/{unit}/contacts", true},
    Route{RouteId::kAssessment, "GET", "/api/v1/campaigns/{campaign}/assessment", true},
    Route{RouteId::kDeadlinesIcs, "GET", "/api/v1/campaigns/{campaign}/deadlines.ics", true},
};

std::vector<std::string_view> Segments(std::string_view path) {
  std::vector<std::string_view> out;
  std::size_t i = 0;
  while (i <= path.size()) {
    const std::size_t j = path.find('/', i);
    const std::size_t end = j == std::string_view::npos ? path.size() : j;
    out.push_back(path.substr(i, end - i));
    if (j == std::string_view::npos) break;
    i = j + 1;
  }
  return out;
}

// Whether `path`'s segments fit `pattern`'s; the {params} into `params`.
bool Fits(std::string_view pattern, const std::vector<std::string_view>& path,
          std::map<std::string, std::string>& params) {
  const auto pat = Segments(pattern);
  if (pat.size() != path.size()) return false;
  std::map<std::string, std::string> found;
  for (std::size_t i = 0; i < pat.size(); ++i) {
    if (pat[i].size() > 2 && pat[i].front() == '{' && pat[i].back() == '}') {
      auto value = PercentDecode(path[i]);
      if (!value || value->empty()) return false;
      found[std::string(pat[i].substr(1, pat[i].size() - 2))] = std::move(*value);
    } else if (pat[i] != path[i]) {
      return false;
    }
  }
  params = std::move(found);
  return true;
}

int HexDigit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

}  // namespace

std::span<const Route> Routes() { return kRoutes; }

bool IsCommand(RouteId id) {
  switch (id) {
    case RouteId::kFire:
    case RouteId::kUrge:
    case RouteId::kExtend:
    case RouteId::kApprove:
    case RouteId::kReject:
    case RouteId::kMaterialUpload:
    case RouteId::kMaterialMove:
    case RouteId::kPaper:
    case RouteId::kCommitment:
    case RouteId::kSetContact: return true;
    default: return false;
  }
}

bool IsUpload(RouteId id) { return id == RouteId::kMaterialUpload || id == RouteId::kCommitment; }

Match MatchRoute(std::string_view method, std::string_view path) {
  Match m;
  const auto segments = Segments(path);
  for (const Route& r : kRoutes) {
    std::map<std::string, std::string> params;
    if (!Fits(r.pattern, segments, params)) continue;
    if (std::find(m.allowed.begin(), m.allowed.end(), r.method) == m.allowed.end()) m.allowed.push_back(r.method);
    if (r.method == method && m.route == nullptr) {
      m.route = &r;
      m.params = std::move(params);
    }
  }
  return m;
}

std::optional<std::string> PercentDecode(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] != '%') {
      out.push_back(s[i]);
      continue;
    }
    if (i + 2 >= s.size()) return std::nullopt;
    const int hi = HexDigit(s[i + 1]);
    const int lo = HexDigit(s[i + 2]);
    if (hi < 0 || lo < 0) return std::nullopt;
    const char c = static_cast<char>(hi * 16 + lo);
    if (c == '\0') return std::nullopt;
    out.push_back(c);
    i += 2;
  }
  return out;
}

std::optional<std::map<std::string, std::string>> ParseQuery(std::string_view query) {
  std::map<std::string, std::string> out;
  std::size_t i = 0;
  while (i < query.size()) {
    std::size_t amp = query.find('&', i);
    if (amp == std::string_view::npos) amp = query.size();
    const std::string_view pair = query.substr(i, amp - i);
    i = amp + 1;
    if (pair.empty()) continue;
    const std::size_t eq = pair.find('=');
    std::string raw_name(pair.substr(0, eq));
    std::string raw_value(eq == std::string_view::npos ? std::string_view{} : pair.substr(eq + 1));
    for (auto* s : {&raw_name, &raw_value})
      for (char& c : *s)
        if (c == '+') c = ' ';
    auto name = PercentDecode(raw_name);
    auto value = PercentDecode(raw_value);
    if (!name || !value || name->empty()) return std::nullopt;
    out[*name] = std::move(*value);
  }
  return out;
}

}  // namespace duban::http
