// The real Env: the system clock, the thread's sleep, and a pseudo-random
// generator seeded once from std::random_device. The only place below the
// tools that reads any of them.
#pragma once

#include <cstdint>
#include <mutex>
#include <random>
#include <span>

#include "core/env.h"
#include "core/status.h"

namespace duban::runtime {

// Thread-safety: every member may be called from any thread at once (Random
// draws under a mutex).
class SystemEnv final : public Env {
 public:
  SystemEnv();

  Instant Now() override;
  void SleepFor(std::chrono::milliseconds d) override;
  std::uint64_t Random() override;

 private:
  std::mutex mu_;
  std::mt19937_64 rng_;  // guarded by mu_
};

// The process-wide SystemEnv, made on first use and never destroyed. What
// the runtime passes to App, FileStore and Dispatcher when nobody gives it
// another Env.
Env* DefaultEnv();

// Fills `out` with the kernel's cryptographically secure random bytes
// (getrandom): for passwords' salts, session cookies and API tokens. Io when
// the kernel cannot. Thread-safe.
Status SecretBytes(std::span<unsigned char> out);

}  // namespace duban::runtime
