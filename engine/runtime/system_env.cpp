#include "runtime/system_env.h"

#include <sys/random.h>

#include <cerrno>
#include <cstring>
#include <string>

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

Status SecretBytes(std::span<unsigned char> out) {
  std::size_t done = 0;
  while (done < out.size()) {
    const ssize_t n = ::getrandom(out.data() + done, out.size() - done, 0);
    if (n < 0) {
      if (errno == EINTR) continue;
      return Status::Io(std::string("getrandom: ") + std::strerror(errno));
    }
    done += static_cast<std::size_t>(n);
  }
  return Status::Ok();
}

}  // namespace duban::runtime
