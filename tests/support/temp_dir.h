// A fresh directory for one test or benchmark run, removed with everything in
// it when it goes out of scope. Shared by the tests and the benchmarks.
#pragma once

#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <string>
#include <system_error>

namespace duban::testing {

class TempDir {
 public:
  // <root>/duban-<label>-<pid>-<n>, created empty.
  explicit TempDir(const std::string& label = "test",
                   const std::filesystem::path& root = std::filesystem::temp_directory_path()) {
    static std::atomic<int> counter{0};
    path_ = root / ("duban-" + label + "-" + std::to_string(::getpid()) + "-" + std::to_string(counter++));
    std::filesystem::remove_all(path_);
    std::filesystem::create_directories(path_);
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

}  // namespace duban::testing
