// An instant as local wall-clock text with seconds, for test expectations.
// Shared by the deadline tests.
#pragma once

#include <chrono>
#include <string>

#include "core/time.h"

namespace duban::testing {

// "2021-10-15 09:00:00": FormatLocal's minutes, then the seconds.
inline std::string LocalWithSeconds(Instant t, const TimeZone& tz) {
  const auto local = tz.to_local(t);
  const auto seconds = (local - std::chrono::floor<std::chrono::minutes>(local)).count();
  return FormatLocal(t, tz) + (seconds < 10 ? ":0" : ":") + std::to_string(seconds);
}

}  // namespace duban::testing
