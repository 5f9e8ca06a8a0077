// The 2021 Taishan replay as a black-box test's set-up: a fresh database
// replayed from workflows/taishan-2021/replay-2021.txt by the real binary,
// the whole year or only the steps before a given time (the campaign as it
// stood then: deadlines still open).
#pragma once

#include <sys/wait.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

#include "support/shell.h"

namespace duban::testing {

// Runs `cmd` in /bin/sh in `dir` (relative paths are its), its output into
// `dir`/out and `dir`/err.
inline Ran ShellIn(const std::string& cmd, const std::filesystem::path& dir) {
  const int raw = std::system(("cd " + Quote(dir.string()) + " && " + cmd + " >" + Quote((dir / "out").string()) +
                               " 2>" + Quote((dir / "err").string()))
                                  .c_str());
  return {WIFEXITED(raw) ? WEXITSTATUS(raw) : -1, Slurp(dir / "out"), Slurp(dir / "err")};
}

// Initialises `db` and replays the 2021 scenario into it with `exe`, working
// in `dir`. With `before` ("2021-10-15T12:00"), only the steps dated before
// it: the scenario's folder is copied into `dir` with the steps cut there.
inline Ran Replay2021(const std::string& exe, const std::filesystem::path& db, const std::filesystem::path& dir,
                      const std::string& before = "") {
  namespace fs = std::filesystem;
  const fs::path source = fs::path(DUBAN_SOURCE_DIR) / "workflows" / "taishan-2021";
  fs::path scenario = source / "replay-2021.txt";
  if (!before.empty()) {
    const fs::path copy = dir / "taishan-2021";
    fs::copy(source, copy, fs::copy_options::recursive | fs::copy_options::overwrite_existing);
    std::ifstream in(scenario);
    std::ofstream out(copy / "replay-2021.txt", std::ios::trunc);
    std::string line;
    // A step starts with its time ("2021-10-15T09:00 ..."); comments and blanks are kept.
    while (std::getline(in, line)) {
      const bool step = !line.empty() && line[0] >= '0' && line[0] <= '9';
      if (step && line.substr(0, before.size()) >= before) break;
      out << line << '\n';
    }
    scenario = copy / "replay-2021.txt";
  }
  Ran init = ShellIn(Quote(exe) + " --db " + Quote(db.string()) + " init", dir);
  if (init.status != 0) return init;
  return ShellIn(Quote(exe) + " --db " + Quote(db.string()) + " replay " + Quote(scenario.string()), dir);
}

}  // namespace duban::testing
