// The log plugin: appends each notice, as one line of JSON, to a file. A
// retried delivery may append a notice twice; its "id" tells them apart.
// Settings: file (required), events (default every type).
#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string>

#include "plugin_support.h"

namespace {

using duban_plugin::Outcome;
using duban_plugin::Settings;

class LogPlugin {
 public:
  explicit LogPlugin(const nlohmann::json& config) : events_({}) {
    const Settings s(config, "log");
    file_ = s.Path("file");
    if (file_.empty()) s.Fail("file", "is required");
    events_ = duban_plugin::EventFilter(s.Strings("events", {"*"}));
  }

  bool Wants(std::string_view type) const { return events_.Matches(type); }

  Outcome Deliver(const nlohmann::json& notice) {
    std::error_code ec;
    if (file_.has_parent_path()) std::filesystem::create_directories(file_.parent_path(), ec);
    const std::string line = notice.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
    const int fd = ::open(file_.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0640);
    if (fd < 0) return Outcome::Retry("cannot open " + file_.string() + ": " + std::strerror(errno));
    // One write() of the whole line: O_APPEND keeps concurrent lines whole.
    const ssize_t n = ::write(fd, line.data(), line.size());
    const int write_errno = errno;
    const bool synced = ::fdatasync(fd) == 0;
    ::close(fd);
    if (n != static_cast<ssize_t>(line.size()))
      return Outcome::Retry("cannot write " + file_.string() + ": " + std::strerror(n < 0 ? write_errno : EIO));
    if (!synced) return Outcome::Retry("cannot flush " + file_.string());
    return Outcome::Ok();
  }

 private:
  std::filesystem::path file_;
  duban_plugin::EventFilter events_;
};

}  // namespace

DUBAN_PLUGIN(LogPlugin, "log")
