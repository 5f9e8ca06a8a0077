// A benchmark checks its own work: a failed iteration marks the whole run
// failed (Fail), and the program then exits 1 saying why, so a figure from a
// broken run is never taken for a result (Verdict, last in main).
#pragma once

#include <benchmark/benchmark.h>

#include <cstdio>
#include <string>

namespace duban::bench {

inline std::string& FirstFailure() {
  static std::string why;
  return why;
}

// Stops this benchmark with `why` and marks the run failed.
inline void Fail(benchmark::State& state, const std::string& why) {
  if (FirstFailure().empty()) FirstFailure() = why;
  state.SkipWithError(why.c_str());
}

inline bool Failed() { return !FirstFailure().empty(); }

// 0 when every benchmark did its work; else 1, after saying what failed.
inline int Verdict(const char* program) {
  if (!Failed()) return 0;
  std::fprintf(stderr, "%s: FAILED: %s\n(the figures above come from a broken run and mean nothing)\n", program,
               FirstFailure().c_str());
  return 1;
}

}  // namespace duban::bench
