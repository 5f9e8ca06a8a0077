// `duban replay FILE`: a scenario of dated steps, run in order with the clock
// at each step's time.
#pragma once

#include <string>

#include "cli.h"

namespace duban::cli {

// Reads and checks the whole scenario first (a bad line changes nothing),
// then runs each step as a duban command line with --at and --as set. Stops
// at the first step whose exit status is not the one it expects.
int RunReplay(const std::string& file, const std::string& db, const std::string& format, Io io,
              Session& session);

}  // namespace duban::cli
