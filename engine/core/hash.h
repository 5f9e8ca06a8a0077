#pragma once

#include <memory>
#include <string>
#include <string_view>

namespace duban {

// The SHA-256 of `data` as 64 lowercase hex digits.
std::string Sha256Hex(std::string_view data);

// SHA-256 over data given in pieces (a file read or received in chunks).
// Not copyable; one thread at a time.
class Sha256 {
 public:
  Sha256();
  ~Sha256();
  Sha256(const Sha256&) = delete;
  Sha256& operator=(const Sha256&) = delete;

  void Update(std::string_view data);
  // The digest of everything given so far, as 64 lowercase hex digits; the
  // hash starts over afterwards.
  std::string Hex();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace duban
