#include "serve.h"

#include <CLI/CLI.hpp>

#include <memory>
#include <ostream>

#include "runtime/serve.h"
#include "verb.h"

namespace duban::cli {

int RunServe(runtime::Services& services, std::ostream& out, std::ostream& err, std::optional<int> seconds) {
  runtime::ServeOptions options;
  options.out = &out;
  options.err = &err;
  if (seconds) options.run_for = std::chrono::seconds(*seconds);
  const Status s = runtime::Serve(services, options);
  if (!s.ok()) {
    err << "duban: " << s.str() << '\n';
    return s.exit_code();
  }
  return 0;
}

void AddServeVerbs(VerbTable& t) {
  t.Add({{"serve"},
         "run the daemon: tick deadlines when they fall due and send queued notices, until SIGINT or SIGTERM",
         [](CLI::App& cmd) -> Runner {
           auto seconds = std::make_shared<int>(0);
           cmd.add_option("--for", *seconds, "stop after this many seconds (for tests and cron)");
           return [seconds](Call& c) {
             return RunServe(c.session, c.io.out, c.io.err, *seconds > 0 ? std::optional<int>(*seconds) : std::nullopt);
           };
         }});
}

}  // namespace duban::cli
