// What the server counts, in the Prometheus text format (version 0.0.4):
// requests by route and status, a latency histogram per route, and the
// commands by outcome. GET /api/v1/metrics adds the gauges read at request
// time (notices pending, the next deadline).
//
// Thread-safety: every member may be called from any thread.
#pragma once

#include <array>
#include <chrono>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <string_view>
#include <tuple>

namespace duban::http {

class Metrics {
 public:
  // Latency bucket bounds, seconds.
  static constexpr std::array<double, 12> kBuckets = {0.001, 0.0025, 0.005, 0.01, 0.025, 0.05,
                                                      0.1,   0.25,   0.5,   1.0,  2.5,   10.0};

  // One answered request: `route` is the route's pattern ("" : none matched),
  // `command` whether the route is a command.
  void Observe(std::string_view route, std::string_view method, int status, std::chrono::microseconds took,
               bool command);

  // Counters and histograms so far.
  std::string Render() const;

 private:
  struct Histogram {
    std::array<std::uint64_t, kBuckets.size()> counts{};  // per bucket, not cumulative
    std::uint64_t count = 0;
    double sum = 0;
  };
  mutable std::mutex mutex_;
  std::map<std::tuple<std::string, std::string, int>, std::uint64_t> requests_;
  std::map<std::string, Histogram> latency_;        // by route
  std::map<std::string, std::uint64_t> commands_;   // applied, refused, failed
};

// A label value in the text format: backslash, quote and line feed escaped.
std::string PromLabel(std::string_view value);

}  // namespace duban::http
