#include "runtime/system_env.h"

#include <thread>

namespace duban::runtime {

SystemEnv::SystemEnv() : rng_(std::random_device{}()) {}

Instant SystemEnv::Now() {
  return std::chrono::time_point_cast<std::chrono::seconds>(std::chrono::system_clock::now());
}

void SystemEnv::SleepFor(std::chrono::milliseconds d) { std::this_thread::sleep_for(d); }

std::uint64_t SystemEnv::Random() {
  std::lock_guard<std::mutex> lock(mu_);
  return rng_();
}

Env* DefaultEnv() {
  static SystemEnv* const env = new SystemEnv();  // never destroyed: usable until exit
  return env;
}

}  // namespace duban::runtime
