#include "notify/plugin_host.h"

#include <dlfcn.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <functional>
#include <utility>

#include "notify/plugin_abi.h"

namespace duban::notify {

namespace {

using Clock = std::chrono::steady_clock;
using std::chrono::duration_cast;
using std::chrono::milliseconds;

// --- Running code in children ----------------------------------------------------

// Work for one child: `body` runs in the child, and what it returns is the
// child's report to the parent.
struct ChildTask {
  std::function<std::string()> body;
  milliseconds timeout{0};
};

struct ChildResult {
  bool completed = false;  // the child wrote its report and exited with status 0
  std::string report;
  std::string failure;     // when !completed: what went wrong, for people
  milliseconds elapsed{0};
};

std::string Seconds(milliseconds ms) {
  if (ms.count() % 1000 == 0) return std::to_string(ms.count() / 1000) + "s";
  return std::to_string(ms.count()) + "ms";
}

void WriteAll(int fd, std::string_view data) {
  while (!data.empty()) {
    const ssize_t n = ::write(fd, data.data(), data.size());
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return;
    data.remove_prefix(static_cast<std::size_t>(n));
  }
}

// In the child: detach from the engine's terminal and signal handlers, run the
// task, report, and leave without returning into the engine.
[[noreturn]] void ChildMain(const ChildTask& task, int report_fd) {
  ::setpgid(0, 0);
  for (int sig : {SIGTERM, SIGINT, SIGHUP, SIGQUIT}) ::signal(sig, SIG_DFL);
  ::signal(SIGPIPE, SIG_IGN);
  const int null_fd = ::open("/dev/null", O_RDONLY);
  if (null_fd >= 0) {
    ::dup2(null_fd, STDIN_FILENO);
    ::close(null_fd);
  }
  const std::string report = task.body();
  WriteAll(report_fd, report);
  ::close(report_fd);
  std::fflush(nullptr);  // what the plugin printed (the engine's buffers were flushed before fork)
  ::_exit(0);
}

struct Running {
  std::size_t index = 0;
  pid_t pid = -1;
  int fd = -1;
  Clock::time_point start;
  Clock::time_point deadline;
  bool eof = false;
  bool reaped = false;
  bool timed_out = false;
  int wait_status = 0;
  std::string out;
};

void Drain(Running& r) {
  char buf[16384];
  for (;;) {
    const ssize_t n = ::read(r.fd, buf, sizeof buf);
    if (n > 0) {
      r.out.append(buf, static_cast<std::size_t>(n));
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return;
    r.eof = true;  // end of file, or an error that ends the report all the same
    ::close(r.fd);
    r.fd = -1;
    return;
  }
}

ChildResult Finish(const Running& r, milliseconds timeout) {
  ChildResult res;
  res.elapsed = duration_cast<milliseconds>(Clock::now() - r.start);
  res.report = r.out;
  if (r.timed_out) {
    res.failure = "timed out after " + Seconds(timeout) + " and was killed";
  } else if (WIFSIGNALED(r.wait_status)) {
    const int sig = WTERMSIG(r.wait_status);
    res.failure = "died of signal " + std::to_string(sig) + " (" + ::strsignal(sig) + ")";
  } else if (WIFEXITED(r.wait_status) && WEXITSTATUS(r.wait_status) != 0) {
    res.failure = "exited with status " + std::to_string(WEXITSTATUS(r.wait_status)) + " before reporting";
  } else if (r.out.empty()) {
    res.failure = "exited without reporting";
  } else {
    res.completed = true;
  }
  return res;
}

// Runs every task in its own child, at most `parallel` at once, and waits for
// each to report, exit or run out of time. `finished` (when set) hears of
// each result as soon as it is there, and `tick` (when set) is called about
// once a second while children run; both in the calling thread.
std::vector<ChildResult> RunInChildren(const std::vector<ChildTask>& tasks, std::size_t parallel,
                                       const std::function<void(std::size_t, const ChildResult&)>& finished = {},
                                       const std::function<void()>& tick = {}) {
  std::vector<ChildResult> results(tasks.size());
  std::vector<Running> running;
  parallel = std::max<std::size_t>(parallel, 1);
  std::size_t next = 0;

  while (next < tasks.size() || !running.empty()) {
    while (running.size() < parallel && next < tasks.size()) {
      const std::size_t i = next++;
      int fds[2];
      if (::pipe2(fds, O_CLOEXEC) != 0) {
        results[i].failure = std::string("could not start: pipe: ") + std::strerror(errno);
        if (finished) finished(i, results[i]);
        continue;
      }
      std::fflush(nullptr);  // or the child would inherit, and later flush, the engine's buffered output
      const pid_t pid = ::fork();
      if (pid < 0) {
        results[i].failure = std::string("could not start: fork: ") + std::strerror(errno);
        ::close(fds[0]);
        ::close(fds[1]);
        if (finished) finished(i, results[i]);
        continue;
      }
      if (pid == 0) {
        ::close(fds[0]);
        ChildMain(tasks[i], fds[1]);
      }
      ::setpgid(pid, pid);  // also done by the child; whichever runs first wins the race
      ::close(fds[1]);
      ::fcntl(fds[0], F_SETFL, ::fcntl(fds[0], F_GETFL) | O_NONBLOCK);
      Running r;
      r.index = i;
      r.pid = pid;
      r.fd = fds[0];
      r.start = Clock::now();
      r.deadline = r.start + tasks[i].timeout;
      running.push_back(std::move(r));
    }
    if (running.empty()) continue;

    // Wait for output, or until the nearest deadline; poll briefly while a
    // child has closed its pipe but not exited yet.
    std::vector<pollfd> pfds;
    auto wake = Clock::time_point::max();
    for (const Running& r : running) {
      if (!r.eof) pfds.push_back(pollfd{r.fd, POLLIN, 0});
      wake = std::min(wake, r.deadline);
      if (r.eof && !r.reaped) wake = std::min(wake, Clock::now() + milliseconds(5));
    }
    const auto wait = std::max<milliseconds::rep>(
        0, duration_cast<milliseconds>(wake - Clock::now()).count() + 1);
    ::poll(pfds.data(), static_cast<nfds_t>(pfds.size()), static_cast<int>(std::min<milliseconds::rep>(wait, 1000)));

    if (tick) tick();
    const auto now = Clock::now();
    for (Running& r : running) {
      if (!r.eof) Drain(r);
      if (!r.reaped && ::waitpid(r.pid, &r.wait_status, WNOHANG) == r.pid) {
        r.reaped = true;
        // A grandchild may still hold the pipe open: take what is there and stop.
        if (!r.eof) {
          Drain(r);
          if (!r.eof) {
            ::close(r.fd);
            r.fd = -1;
            r.eof = true;
          }
        }
      }
      if (!(r.eof && r.reaped) && now >= r.deadline) {
        ::kill(-r.pid, SIGKILL);
        ::kill(r.pid, SIGKILL);
        r.timed_out = true;
        if (!r.reaped) {
          while (::waitpid(r.pid, &r.wait_status, 0) < 0 && errno == EINTR) {
          }
          r.reaped = true;
        }
        if (!r.eof) {
          ::close(r.fd);
          r.fd = -1;
          r.eof = true;
        }
      }
    }
    for (auto it = running.begin(); it != running.end();) {
      if (it->eof && it->reaped) {
        results[it->index] = Finish(*it, tasks[it->index].timeout);
        if (finished) finished(it->index, results[it->index]);
        it = running.erase(it);
      } else {
        ++it;
      }
    }
  }
  return results;
}

// --- Calling the plugin (in the child) ---------------------------------------------

// A string the plugin returned, released with its free_string(); `fallback`
// when it returned none.
std::string TakeString(const duban_plugin_v1& t, char* s, std::string_view fallback) {
  if (s == nullptr) return std::string(fallback);
  std::string out(s);
  t.free_string(s);
  return out.empty() ? std::string(fallback) : out;
}

std::string Dump(const nlohmann::json& j) {
  return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

// Runs in the child: creates an instance from `settings`, lets `use` fill the
// report, destroys the instance. The report's "kind" is "done", "create" (the
// settings were refused) or "threw".
std::string WithInstance(const duban_plugin_v1& t, const std::string& settings,
                         const std::function<void(void*, nlohmann::json&)>& use) {
  nlohmann::json report = {{"kind", "done"}};
  try {
    char* error = nullptr;
    void* handle = t.create(settings.c_str(), &error);
    if (handle == nullptr) {
      return Dump({{"kind", "create"}, {"error", TakeString(t, error, "create() failed without saying why")}});
    }
    if (error != nullptr) t.free_string(error);
    use(handle, report);
    t.destroy(handle);
  } catch (const std::exception& e) {
    return Dump({{"kind", "threw"}, {"error", std::string("threw an exception: ") + e.what()}});
  } catch (...) {
    return Dump({{"kind", "threw"}, {"error", "threw an exception that is not a std::exception"}});
  }
  return Dump(report);
}

Result<nlohmann::json> ParseReport(const ChildResult& r) {
  if (!r.completed) return Status::Io(r.failure);
  nlohmann::json j = nlohmann::json::parse(r.report, nullptr, false);
  if (!j.is_object() || !j.contains("kind")) return Status::Io("sent an unreadable report");
  return j;
}

std::string ErrorOf(const nlohmann::json& report) {
  const auto it = report.find("error");
  return it != report.end() && it->is_string() ? it->get<std::string>() : std::string();
}

}  // namespace

// --- PluginHost ------------------------------------------------------------------

struct PluginHost::Loaded {
  PluginSpec spec;
  std::filesystem::path path;
  void* library = nullptr;
  const duban_plugin_v1* table = nullptr;
  std::string settings_json;
  std::array<bool, model::kEventTypeCount> wants{};  // by EventType, as the probe at Load answered

  Loaded() = default;
  Loaded(const Loaded&) = delete;
  Loaded& operator=(const Loaded&) = delete;
  ~Loaded() {
    if (library != nullptr) ::dlclose(library);
  }

  // Asks a fresh instance, in a child, about every event type.
  Result<std::array<bool, model::kEventTypeCount>> Probe() const {
    const duban_plugin_v1& t = *table;
    const std::string& settings = settings_json;
    ChildTask task{[&t, &settings] {
                     return WithInstance(t, settings, [&](void* handle, nlohmann::json& report) {
                       nlohmann::json answers = nlohmann::json::object();
                       for (const model::EventSpec& type_spec : model::kEventSpecs) {
                         const std::string name(type_spec.name);
                         answers[name] = t.wants(handle, name.c_str()) != 0;
                       }
                       report["wants"] = std::move(answers);
                     });
                   },
                   spec.timeout};
    const std::vector<ChildResult> results = RunInChildren({task}, 1);
    Result<nlohmann::json> report = ParseReport(results.front());
    const std::string who = "plugin '" + spec.instance + "' (" + path.string() + ")";
    if (!report.ok()) return Status::Io(who + " " + report.status().message());
    const std::string kind = (*report)["kind"].get<std::string>();
    if (kind == "create") return Status::InvalidInput(who + " refused its settings: " + ErrorOf(*report));
    if (kind != "done") return Status::Io(who + " " + ErrorOf(*report));
    std::array<bool, model::kEventTypeCount> out{};
    const auto answers = report->find("wants");
    for (const model::EventSpec& type_spec : model::kEventSpecs) {
      const std::string name(type_spec.name);
      if (answers == report->end() || !answers->contains(name) || !(*answers)[name].is_boolean())
        return Status::Io(who + " sent an unreadable report");
      out[static_cast<std::size_t>(type_spec.type)] = (*answers)[name].get<bool>();
    }
    return out;
  }
};

PluginHost::PluginHost(std::filesystem::path dir) : dir_(std::move(dir)) {}

PluginHost::~PluginHost() = default;

Status PluginHost::Load(const PluginSpec& spec_in) {
  PluginSpec spec = spec_in;
  if (spec.module.empty()) spec.module = spec.instance;
  const std::string who = "plugin '" + spec.instance + "'";
  if (spec.instance.empty()) return Status::InvalidInput("a plugin needs a name");
  if (Find(spec.instance) != nullptr) return Status::InvalidInput(who + " is configured twice");
  if (spec.timeout.count() <= 0) return Status::InvalidInput(who + ": the time limit must be positive");

  auto loaded = std::make_unique<Loaded>();
  for (const std::string& file : {"lib" + spec.module + ".so", spec.module + ".so"}) {
    std::error_code ec;
    if (std::filesystem::is_regular_file(dir_ / file, ec)) {
      loaded->path = dir_ / file;
      break;
    }
  }
  if (loaded->path.empty())
    return Status::NotFound(who + ": no lib" + spec.module + ".so or " + spec.module + ".so in " +
                            dir_.string());

  const std::string where = who + " (" + loaded->path.string() + ")";
  ::dlerror();
  loaded->library = ::dlopen(loaded->path.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (loaded->library == nullptr) {
    const char* why = ::dlerror();
    return Status::Io(where + " cannot be loaded: " + (why != nullptr ? why : "dlopen failed"));
  }
  void* symbol = ::dlsym(loaded->library, DUBAN_PLUGIN_ENTRY_SYMBOL);
  if (symbol == nullptr)
    return Status::InvalidInput(where + " is not a duban plugin: it exports no " DUBAN_PLUGIN_ENTRY_SYMBOL "()");
  duban_plugin_entry_fn entry = nullptr;
  static_assert(sizeof entry == sizeof symbol);
  std::memcpy(&entry, &symbol, sizeof entry);  // POSIX guarantees the conversion; C++ does not spell it
  loaded->table = entry();
  if (loaded->table == nullptr)
    return Status::InvalidInput(where + ": " DUBAN_PLUGIN_ENTRY_SYMBOL "() returned no table");
  const duban_plugin_v1& t = *loaded->table;
  if (t.abi_version != DUBAN_PLUGIN_ABI_VERSION)
    return Status::InvalidInput(where + " was built for plugin ABI version " + std::to_string(t.abi_version) +
                                ", but this duban speaks version " +
                                std::to_string(DUBAN_PLUGIN_ABI_VERSION) + ": rebuild it against " +
                                "notify/plugin_abi.h of this duban");
  if (t.name == nullptr || t.create == nullptr || t.wants == nullptr || t.deliver == nullptr ||
      t.destroy == nullptr || t.free_string == nullptr)
    return Status::InvalidInput(where + ": its plugin table leaves a member empty");
  if (spec.module != t.name)
    return Status::InvalidInput(where + " calls itself '" + std::string(t.name) + "', not '" + spec.module +
                                "'");

  spec.settings["duban"]["instance"] = spec.instance;
  loaded->settings_json = spec.settings.dump();
  loaded->spec = std::move(spec);
  ++probes_;
  auto wants = loaded->Probe();
  if (!wants.ok()) return wants.status();
  loaded->wants = std::move(*wants);
  plugins_.push_back(std::move(loaded));
  return Status::Ok();
}

PluginHost::Loaded* PluginHost::Find(const std::string& instance) {
  for (const auto& p : plugins_)
    if (p->spec.instance == instance) return p.get();
  return nullptr;
}

std::vector<std::string> PluginHost::Plugins() const {
  std::vector<std::string> names;
  for (const auto& p : plugins_) names.push_back(p->spec.instance);
  return names;
}

Result<bool> PluginHost::Wants(const std::string& plugin, model::EventType event_type) {
  Loaded* p = Find(plugin);
  if (p == nullptr) return Status::NotFound("no plugin named '" + plugin + "' is loaded");
  return p->wants[static_cast<std::size_t>(event_type)];
}

namespace {

// What a delivery's child reported, as the dispatcher sees it.
DeliveryOutcome OutcomeOf(const std::string& plugin, const ChildResult& result) {
  using Kind = DeliveryOutcome::Kind;
  DeliveryOutcome o;
  o.elapsed = result.elapsed;
  const std::string who = "plugin '" + plugin + "' ";
  Result<nlohmann::json> report = ParseReport(result);
  if (!report.ok()) return {Kind::kRetry, who + report.status().message(), o.elapsed};
  const std::string kind = (*report)["kind"].get<std::string>();
  if (kind == "create") {
    o.kind = Kind::kRetry;
    o.error = who + "refused its settings: " + ErrorOf(*report);
  } else if (kind != "done" || !(*report)["code"].is_number_integer()) {
    o.kind = Kind::kRetry;
    o.error = who + ErrorOf(*report);
  } else {
    const int code = (*report)["code"].get<int>();
    const std::string error = ErrorOf(*report);
    switch (code) {
      case DUBAN_DELIVER_OK: o.kind = Kind::kDelivered; break;
      case DUBAN_DELIVER_PERMANENT:
        o.kind = Kind::kPermanent;
        o.error = who + "gave up: " + (error.empty() ? "no reason given" : error);
        break;
      case DUBAN_DELIVER_RETRY:
        o.kind = Kind::kRetry;
        o.error = who + "failed: " + (error.empty() ? "no reason given" : error);
        break;
      default:
        o.kind = Kind::kRetry;
        o.error = who + "returned the unknown status " + std::to_string(code);
    }
  }
  return o;
}

}  // namespace

std::vector<DeliveryOutcome> Deliverer::DeliverEach(const std::vector<DeliveryJob>& jobs, std::size_t parallel,
                                                    const DeliveryProgress& progress) {
  std::vector<DeliveryOutcome> outcomes = DeliverAll(jobs, parallel);
  if (progress.done)
    for (std::size_t i = 0; i < outcomes.size(); ++i) progress.done(i, outcomes[i]);
  return outcomes;
}

std::vector<DeliveryOutcome> PluginHost::DeliverAll(const std::vector<DeliveryJob>& jobs,
                                                    std::size_t parallel) {
  return DeliverEach(jobs, parallel, {});
}

std::vector<DeliveryOutcome> PluginHost::DeliverEach(const std::vector<DeliveryJob>& jobs, std::size_t parallel,
                                                     const DeliveryProgress& progress) {
  using Kind = DeliveryOutcome::Kind;
  std::vector<DeliveryOutcome> outcomes(jobs.size());
  std::vector<ChildTask> tasks;
  std::vector<std::size_t> task_job;  // tasks[i] runs jobs[task_job[i]]
  for (std::size_t i = 0; i < jobs.size(); ++i) {
    const Loaded* p = Find(jobs[i].plugin);
    if (p == nullptr) {
      outcomes[i] = {Kind::kPermanent, "no plugin named '" + jobs[i].plugin + "' is loaded", {}};
      if (progress.done) progress.done(i, outcomes[i]);
      continue;
    }
    const duban_plugin_v1* t = p->table;
    const std::string* settings = &p->settings_json;
    const std::string* notice = &jobs[i].notice_json;
    tasks.push_back({[t, settings, notice] {
                       return WithInstance(*t, *settings, [&](void* handle, nlohmann::json& report) {
                         char* error = nullptr;
                         const int code = t->deliver(handle, notice->c_str(), &error);
                         report["code"] = code;
                         report["error"] = TakeString(*t, error, "");
                       });
                     },
                     p->spec.timeout});
    task_job.push_back(i);
  }

  RunInChildren(
      tasks, parallel,
      [&](std::size_t k, const ChildResult& result) {
        const std::size_t job = task_job[k];
        outcomes[job] = OutcomeOf(jobs[job].plugin, result);
        if (progress.done) progress.done(job, outcomes[job]);
      },
      progress.tick);
  return outcomes;
}

}  // namespace duban::notify
