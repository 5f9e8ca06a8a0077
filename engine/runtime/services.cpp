#include "runtime/services.h"

#include <unistd.h>

#include <charconv>
#include <cstdio>
#include <cstdint>
#include <cstdlib>
#include <optional>
#include <string_view>
#include <filesystem>
#include <utility>

#include "calendar/calendar.h"
#include "core/text.h"
#include "runtime/system_env.h"

namespace duban::runtime {

namespace {

// Who this process's dispatcher claims deliveries as: unique per process and
// instance ("host:pid:random"), so that fencing tells two dispatchers apart.
std::string DispatcherOwner(std::uint64_t random) {
  char host[256] = {};
  if (::gethostname(host, sizeof host - 1) != 0) host[0] = '\0';
  char tail[17];
  std::snprintf(tail, sizeof tail, "%016llx", static_cast<unsigned long long>(random));
  return std::string(host[0] != '\0' ? host : "localhost") + ":" + std::to_string(::getpid()) + ":" + tail;
}

}  // namespace

Services::Services(Env* env) : env_(env != nullptr ? env : DefaultEnv()) {}

// Members go in reverse: the dispatcher and the plugins before the App and
// the store they reach into.
Services::~Services() = default;

Result<app::App*> Services::Open(const std::string& database, const std::string& files_dir,
                                 const std::string& config_file, bool create) {
  const std::string files = files_dir.empty() ? database + ".files" : files_dir;
  std::optional<std::int64_t> max_attachment_bytes;
  if (const char* mb = std::getenv("DUBAN_MAX_ATTACHMENT_MB"); mb != nullptr && *mb != '\0') {
    // A whole number of MiB, 1 to 4096: "abc" or "-1" is a mistake, not a limit of 0.
    const std::string_view text(mb);
    std::int64_t value = 0;
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (ec != std::errc() || end != text.data() + text.size() || value < 1 || value > 4096)
      return Status::InvalidInput("DUBAN_MAX_ATTACHMENT_MB must be a whole number of MiB from 1 to 4096, not '" +
                                  Quoted(text) + "'");
    max_attachment_bytes = value * 1024 * 1024;
  }
  if (app_ && database == path_ && files == files_dir_) return app_.get();
  // The configuration file, or the embedded default beside the database:
  // every notice by e-mail into a local maildir.
  Config config;
  if (!config_file.empty()) {
    auto c = LoadConfig(config_file);
    if (!c.ok()) return c.status();
    config = std::move(*c);
  } else {
    auto dir = std::filesystem::absolute(database).parent_path();
    config = DefaultConfig(dir);
    config.data_dir = dir / (std::filesystem::path(database).filename().string() + ".data");
    config.smtp.maildir = config.data_dir / "maildir";
  }
  store::StoreOptions store_options;
  store_options.create = create;
  auto s = store::OpenStore(database, store_options);
  if (!s.ok()) return s.status();
  dispatcher_.reset();
  plugins_.reset();
  accounts_.reset();
  app_.reset();
  store_ = std::move(*s);
  config_ = std::move(config);
  app::AppOptions options;
  options.urgent_types = config_.notify.urgent;
  options.public_url = config_.public_url;
  options.digest = config_.digest;
  options.files_dir = files;
  options.env = env_;
  options.files.env = env_;
  if (max_attachment_bytes) options.files.max_bytes = *max_attachment_bytes;
  app_ = std::make_unique<app::App>(*store_, options);
  app::AccountsOptions accounts;
  accounts.secret_bytes = SecretBytes;
  accounts_ = std::make_unique<app::Accounts>(*store_, *app_, std::move(accounts));
  path_ = database;
  files_dir_ = files;
  return app_.get();
}

Result<notify::Dispatcher*> Services::Dispatcher() {
  if (dispatcher_) return dispatcher_.get();
  if (!app_) return Status::Internal("no database open");
  auto host = OpenPlugins(config_);
  if (!host.ok()) return host.status();
  plugins_ = std::move(*host);
  // Working hours follow the holiday calendar in the database.
  auto cal = app_->Calendar();
  if (!cal.ok()) return cal.status();
  auto shared = std::make_shared<calendar::Calendar>(std::move(*cal));
  auto options = config_.Dispatch([shared](Date d) { return shared->IsWorkingDay(d); });
  if (!options.ok()) return options.status();
  options->env = env_;
  options->owner = DispatcherOwner(env_->Random());
  dispatcher_ = std::make_unique<notify::Dispatcher>(app_->outbox(), *plugins_, *options);
  return dispatcher_.get();
}

}  // namespace duban::runtime
