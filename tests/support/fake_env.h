// A deterministic Env for tests: a clock that moves only when told (or when
// something sleeps on it), and a reproducible sequence of random values.
#pragma once

#include <chrono>
#include <cstdint>
#include <mutex>
#include <vector>

#include "core/env.h"

namespace duban::testing {

// Thread-safety: every member may be called from any thread at once.
class FakeEnv final : public Env {
 public:
  explicit FakeEnv(Instant start = Instant{}, std::uint64_t seed = 42) : now_(start), base_(start), state_(seed) {}

  Instant Now() override {
    std::lock_guard<std::mutex> lock(mu_);
    return now_;
  }
  // Records `d` and moves the clock by it (in whole seconds, rounded down);
  // never blocks.
  void SleepFor(std::chrono::milliseconds d) override {
    std::lock_guard<std::mutex> lock(mu_);
    sleeps_.push_back(d);
    slept_ += d;
    now_ = base_ + std::chrono::floor<std::chrono::seconds>(slept_);
  }
  // splitmix64: the same seed gives the same sequence.
  std::uint64_t Random() override {
    std::lock_guard<std::mutex> lock(mu_);
    std::uint64_t z = (state_ += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
  }

  void Set(Instant t) {
    std::lock_guard<std::mutex> lock(mu_);
    now_ = t;
    base_ = t;
    slept_ = {};
  }
  void Advance(std::chrono::seconds d) { Set(Now() + d); }

  // Every SleepFor so far, in order.
  std::vector<std::chrono::milliseconds> sleeps() const {
    std::lock_guard<std::mutex> lock(mu_);
    return sleeps_;
  }

 private:
  mutable std::mutex mu_;
  Instant now_;
  Instant base_;                                 // where the clock was last Set
  std::chrono::milliseconds slept_{};            // slept since then
  std::uint64_t state_;
  std::vector<std::chrono::milliseconds> sleeps_;
};

}  // namespace duban::testing
