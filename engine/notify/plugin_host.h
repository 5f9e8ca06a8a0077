// Loads notice plugins (shared libraries behind plugin_abi.h) and runs their
// deliveries in isolation.
//
// Isolation: every call into a plugin (create, wants, deliver, destroy) runs
// in a child process forked for it, which reports its result through a pipe
// and is killed (its whole process group) when it runs past the plugin's time
// limit. A plugin that throws, returns failure, crashes, leaks, calls exit() or
// hangs therefore fails that one delivery and nothing else: the engine, its
// database connection and the other plugins' deliveries, which run in their
// own children at the same time, are untouched. Threads could not give that: a
// hung thread cannot be killed and a crashing one takes the process along.
// fork() copies the already-loaded library, so a delivery costs a fork, not a
// dlopen. The child only runs plugin code and _exit()s: it never returns into
// the engine, runs no atexit handlers and flushes no engine buffers. Caveat of
// fork() in a threaded process: a lock held by another engine thread at the
// fork stays held in the child; glibc's malloc is safe, and anything else ends
// as a timed-out delivery that is retried, not as a hang of the engine.
#pragma once

#include <chrono>
#include <cstddef>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/status.h"
#include "model/events.h"

namespace duban::notify {

// One configured plugin instance.
struct PluginSpec {
  std::string instance;     // its name in the configuration: "email", "webhook-audit"
  std::string module;       // the library's name: "webhook"; empty means `instance`
  nlohmann::json settings = nlohmann::json::object();  // passed to create() as JSON
  std::chrono::milliseconds timeout{std::chrono::seconds(60)};  // per delivery (and per load-time probe)
};

// One delivery to run: the notice JSON (with its "delivery" member) for a
// loaded plugin instance.
struct DeliveryJob {
  std::string plugin;
  std::string notice_json;
};

struct DeliveryOutcome {
  enum class Kind : std::uint8_t { kDelivered, kRetry, kPermanent };
  Kind kind = Kind::kRetry;
  std::string error;                     // empty when delivered
  std::chrono::milliseconds elapsed{0};  // wall clock
};

// Hears how a DeliverEach goes, in the calling thread: `done(job, outcome)`
// as soon as a job has its outcome, `tick()` about once a second while jobs
// run (a dispatcher extends its claims there). Either may be empty.
struct DeliveryProgress {
  std::function<void(std::size_t job, const DeliveryOutcome& outcome)> done;
  std::function<void()> tick;
};

// What the dispatcher needs of the plugins; PluginHost is the real one, tests
// may bring their own.
class Deliverer {
 public:
  virtual ~Deliverer() = default;
  // The loaded instances, in load order.
  virtual std::vector<std::string> Plugins() const = 0;
  // Whether `plugin` wants notices of `event_type`. NotFound for an unknown
  // plugin. Called while the outbox holds its write lock (Outbox::Plan), so
  // it must answer from what it already knows: it never calls into a plugin.
  virtual Result<bool> Wants(const std::string& plugin, model::EventType event_type) = 0;
  // Runs every job, at most `parallel` (>= 1) at the same time, each within
  // its plugin's time limit, and returns one outcome per job in job order.
  // Never fails as a whole: a job for an unknown plugin is kPermanent.
  virtual std::vector<DeliveryOutcome> DeliverAll(const std::vector<DeliveryJob>& jobs,
                                                  std::size_t parallel) = 0;
  // DeliverAll, telling `progress` of each outcome as it comes (so that it
  // can be recorded before the next job ends) and ticking while jobs run.
  // The default runs DeliverAll and then reports every outcome, no ticks.
  virtual std::vector<DeliveryOutcome> DeliverEach(const std::vector<DeliveryJob>& jobs, std::size_t parallel,
                                                   const DeliveryProgress& progress);
};

class PluginHost final : public Deliverer {
 public:
  // Plugins are looked up in `dir` as lib<module>.so, then <module>.so.
  explicit PluginHost(std::filesystem::path dir);
  ~PluginHost() override;  // dlclose()s every library (no plugin object lives in this process)
  PluginHost(const PluginHost&) = delete;
  PluginHost& operator=(const PluginHost&) = delete;

  // Loads spec.module, refuses it unless its ABI version is
  // DUBAN_PLUGIN_ABI_VERSION, its table is complete and its name is the
  // module's, then (in a child) creates an instance with spec.settings, asks
  // it about every type of model::AllEventTypes() and destroys it. Errors name the plugin:
  // NotFound (no such file), InvalidInput (ABI mismatch, bad table, create()
  // refused the settings), Io (dlopen failed, the probe crashed or hung).
  // InvalidInput when the instance name is taken. Nothing is kept on error.
  Status Load(const PluginSpec& spec);

  std::vector<std::string> Plugins() const override;
  // The answer the plugin gave at Load; never forks.
  Result<bool> Wants(const std::string& plugin, model::EventType event_type) override;
  // How many children were forked to ask plugins what they want: one per
  // successful or failed probe at Load, none later.
  std::size_t ProbeCount() const { return probes_; }
  std::vector<DeliveryOutcome> DeliverAll(const std::vector<DeliveryJob>& jobs,
                                          std::size_t parallel) override;
  std::vector<DeliveryOutcome> DeliverEach(const std::vector<DeliveryJob>& jobs, std::size_t parallel,
                                           const DeliveryProgress& progress) override;

 private:
  struct Loaded;
  Loaded* Find(const std::string& instance);

  std::filesystem::path dir_;
  std::vector<std::unique_ptr<Loaded>> plugins_;
  std::size_t probes_ = 0;
};

}  // namespace duban::notify
