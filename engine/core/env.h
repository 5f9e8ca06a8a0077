// The environment the engine runs in: the clock, sleeping and randomness,
// injected (as leveldb's Env) so that nothing below the runtime reads the
// system clock, a random device or sleeps on its own. The real one is
// runtime::SystemEnv (runtime/system_env.h); tests pass a deterministic fake
// (tests/support/fake_env.h).
#pragma once

#include <chrono>
#include <cstdint>

#include "core/time.h"

namespace duban {

// Thread-safety: every implementation may be called from any number of
// threads at once.
class Env {
 public:
  virtual ~Env() = default;

  // The current instant (UTC, whole seconds).
  virtual Instant Now() = 0;

  // Blocks the calling thread for about `d` (a fake may only advance its clock).
  virtual void SleepFor(std::chrono::milliseconds d) = 0;

  // A uniformly distributed 64-bit value; not for secrets.
  virtual std::uint64_t Random() = 0;
};

}  // namespace duban
