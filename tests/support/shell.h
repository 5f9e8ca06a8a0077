// Running the real binary from black-box tests: a command line's exit
// status and output, single-quoting for /bin/sh, and reading a file whole.
#pragma once

#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>

namespace duban::testing {

struct Ran {
  int status = -1;
  std::string out;
  std::string err;
};

inline std::string Slurp(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

// `s` as one /bin/sh word.
inline std::string Quote(const std::string& s) {
  std::string q = "'";
  for (char c : s) q += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return q + "'";
}

}  // namespace duban::testing
