#include "serve.h"

#include <ostream>

#include "runtime/serve.h"

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

}  // namespace duban::cli
