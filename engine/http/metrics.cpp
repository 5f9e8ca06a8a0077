#include "http/metrics.h"

#include <cstdio>

namespace duban::http {

namespace {

std::string Number(double v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.9g", v);
  return buf;
}

}  // namespace

std::string PromLabel(std::string_view value) {
  std::string out;
  for (char c : value) {
    if (c == '\\') out += "\\\\";
    else if (c == '"') out += "\\\"";
    else if (c == '\n') out += "\\n";
    else out.push_back(c);
  }
  return out;
}

void Metrics::Observe(std::string_view route, std::string_view method, int status, std::chrono::microseconds took,
                      bool command) {
  const std::string r = route.empty() ? "unmatched" : std::string(route);
  const double seconds = static_cast<double>(took.count()) / 1e6;
  std::lock_guard lock(mutex_);
  ++requests_[{r, std::string(method), status}];
  auto& h = latency_[r];
  std::size_t i = 0;
  while (i < kBuckets.size() && seconds > kBuckets[i]) ++i;
  if (i < kBuckets.size()) ++h.counts[i];
  ++h.count;
  h.sum += seconds;
  if (command) ++commands_[status < 300 ? "applied" : status < 500 ? "refused" : "failed"];
}

std::string Metrics::Render() const {
  std::lock_guard lock(mutex_);
  std::string out;
  out += "# HELP duban_http_requests_total HTTP requests answered, by route, method and status.\n";
  out += "# TYPE duban_http_requests_total counter\n";
  for (const auto& [key, n] : requests_) {
    const auto& [route, method, status] = key;
    out += "duban_http_requests_total{route=\"" + PromLabel(route) + "\",method=\"" + PromLabel(method) +
           "\",status=\"" + std::to_string(status) + "\"} " + std::to_string(n) + "\n";
  }
  out += "# HELP duban_http_request_duration_seconds Time from a request's first byte to its answer, by route.\n";
  out += "# TYPE duban_http_request_duration_seconds histogram\n";
  for (const auto& [route, h] : latency_) {
    const std::string label = "route=\"" + PromLabel(route) + "\"";
    std::uint64_t cumulative = 0;
    for (std::size_t i = 0; i < kBuckets.size(); ++i) {
      cumulative += h.counts[i];
      out += "duban_http_request_duration_seconds_bucket{" + label + ",le=\"" + Number(kBuckets[i]) + "\"} " +
             std::to_string(cumulative) + "\n";
    }
    out += "duban_http_request_duration_seconds_bucket{" + label + ",le=\"+Inf\"} " + std::to_string(h.count) + "\n";
    out += "duban_http_request_duration_seconds_sum{" + label + "} " + Number(h.sum) + "\n";
    out += "duban_http_request_duration_seconds_count{" + label + "} " + std::to_string(h.count) + "\n";
  }
  out += "# HELP duban_commands_total Commands over HTTP by outcome (applied 2xx, refused 4xx, failed 5xx).\n";
  out += "# TYPE duban_commands_total counter\n";
  for (const char* outcome : {"applied", "refused", "failed"}) {
    auto it = commands_.find(outcome);
    out += std::string("duban_commands_total{outcome=\"") + outcome + "\"} " +
           std::to_string(it == commands_.end() ? 0 : it->second) + "\n";
  }
  return out;
}

}  // namespace duban::http
