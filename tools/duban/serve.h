// `duban serve`: the daemon verb. The loop itself is the runtime's
// (runtime/serve.h); this only maps its outcome to the CLI's exit status.
#pragma once

#include <filesystem>
#include <iosfwd>
#include <optional>
#include <string>

#include "runtime/services.h"

namespace duban::cli {

// Runs the daemon over the open `services` until a signal, or for `seconds`
// when given; with `listen` ("ADDR:PORT") also the HTTP API and the web
// pages of `web_dir` (runtime::WebDir). Returns an exit status.
int RunServe(runtime::Services& services, std::ostream& out, std::ostream& err, std::optional<int> seconds,
             const std::string& listen = "", const std::filesystem::path& web_dir = {});

}  // namespace duban::cli
