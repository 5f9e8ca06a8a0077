#include "runtime/config.h"

#include <algorithm>
#include <fstream>
#include <initializer_list>
#include <limits>
#include <optional>
#include <sstream>
#include <utility>

#include <spdlog/sinks/rotating_file_sink.h>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>
#include <toml++/toml.h>

#include "runtime/layout.h"


namespace duban::runtime {

using notify::DispatcherOptions;
using notify::PluginHost;
using notify::PluginSpec;

namespace {

namespace fs = std::filesystem;

struct ConfigError {
  Status status;
};

// Reads one TOML table key by key; every complaint names the key's dotted
// path and its place in the file, and unknown keys are refused up front.
class Reader {
 public:
  // A table whose keys are free (the plugins' own).
  Reader(const toml::table& table, std::string path, const std::string& file)
      : table_(table), path_(std::move(path)), file_(file) {}
  // A table that may only hold `allowed` keys.
  Reader(const toml::table& table, std::string path, const std::string& file,
         std::initializer_list<std::string_view> allowed)
      : Reader(table, std::move(path), file) {
    for (const auto& [key, node] : table_) {
      if (std::find(allowed.begin(), allowed.end(), key.str()) != allowed.end()) continue;
      std::string known;
      for (std::string_view a : allowed) known += (known.empty() ? "" : ", ") + std::string(a);
      Fail(key.source(), "unknown key '" + Path(key.str()) + "' (known here: " + known + ")");
    }
  }

  std::string Path(std::string_view key) const {
    return path_.empty() ? std::string(key) : path_ + "." + std::string(key);
  }

  [[noreturn]] void Fail(const toml::source_region& where, std::string message) const {
    SourcePos pos{file_, static_cast<std::uint32_t>(where.begin.line),
                  static_cast<std::uint32_t>(where.begin.column)};
    throw ConfigError{Status::InvalidInput(std::move(message), std::move(pos))};
  }
  [[noreturn]] void Wrong(std::string_view key, const toml::node& node, std::string_view expected) const {
    Fail(node.source(), "'" + Path(key) + "' must be " + std::string(expected));
  }

  const toml::node* Find(std::string_view key) const { return table_.get(key); }

  std::optional<std::string> String(std::string_view key) const {
    const toml::node* n = Find(key);
    if (n == nullptr) return std::nullopt;
    if (!n->is_string()) Wrong(key, *n, "a string");
    return n->as_string()->get();
  }
  // A string out of `choices`.
  std::optional<std::string> Choice(std::string_view key, std::initializer_list<std::string_view> choices) const {
    auto s = String(key);
    if (s && std::find(choices.begin(), choices.end(), *s) == choices.end()) {
      std::string list;
      for (std::string_view c : choices) list += (list.empty() ? "" : ", ") + std::string("\"") + std::string(c) + "\"";
      Wrong(key, *Find(key), "one of " + list + ", not \"" + *s + "\"");
    }
    return s;
  }
  std::optional<bool> Bool(std::string_view key) const {
    const toml::node* n = Find(key);
    if (n == nullptr) return std::nullopt;
    if (!n->is_boolean()) Wrong(key, *n, "true or false");
    return n->as_boolean()->get();
  }
  std::optional<std::int64_t> Integer(std::string_view key, std::int64_t min, std::int64_t max) const {
    const toml::node* n = Find(key);
    if (n == nullptr) return std::nullopt;
    const std::string range = max == std::numeric_limits<std::int64_t>::max()
                                  ? "an integer >= " + std::to_string(min)
                                  : "an integer from " + std::to_string(min) + " to " + std::to_string(max);
    if (!n->is_integer()) Wrong(key, *n, range);
    const std::int64_t v = n->as_integer()->get();
    if (v < min || v > max) Wrong(key, *n, range + ", not " + std::to_string(v));
    return v;
  }
  std::optional<double> Fraction(std::string_view key) const {
    const toml::node* n = Find(key);
    if (n == nullptr) return std::nullopt;
    double v = -1;
    if (n->is_floating_point()) v = n->as_floating_point()->get();
    if (n->is_integer()) v = static_cast<double>(n->as_integer()->get());
    if (!(v >= 0.0 && v < 1.0)) Wrong(key, *n, "a number from 0 up to (not including) 1");
    return v;
  }
  std::optional<std::vector<std::string>> Strings(std::string_view key) const {
    const toml::node* n = Find(key);
    if (n == nullptr) return std::nullopt;
    if (!n->is_array()) Wrong(key, *n, "an array of strings");
    std::vector<std::string> out;
    for (const toml::node& item : *n->as_array()) {
      if (!item.is_string()) Wrong(key, item, "an array of strings");
      out.push_back(item.as_string()->get());
    }
    return out;
  }
  // "09:00", "17:30", or a TOML local time (09:00:00).
  std::optional<std::chrono::minutes> TimeOfDay(std::string_view key) const {
    const toml::node* n = Find(key);
    if (n == nullptr) return std::nullopt;
    constexpr std::string_view expected = "a time of day, \"HH:MM\"";
    if (n->is_time()) {
      const toml::time t = n->as_time()->get();
      return std::chrono::minutes(t.hour * 60 + t.minute);
    }
    if (!n->is_string()) Wrong(key, *n, expected);
    const std::string& s = n->as_string()->get();
    const auto digit = [&](std::size_t i) { return s[i] >= '0' && s[i] <= '9'; };
    if (s.size() != 5 || s[2] != ':' || !digit(0) || !digit(1) || !digit(3) || !digit(4))
      Wrong(key, *n, std::string(expected) + ", not \"" + s + "\"");
    const int h = (s[0] - '0') * 10 + (s[1] - '0');
    const int m = (s[3] - '0') * 10 + (s[4] - '0');
    if (h > 24 || m > 59 || (h == 24 && m != 0)) Wrong(key, *n, std::string(expected) + ", not \"" + s + "\"");
    return std::chrono::minutes(h * 60 + m);
  }
  const toml::table* Table(std::string_view key) const {
    const toml::node* n = Find(key);
    if (n == nullptr) return nullptr;
    if (!n->is_table()) Wrong(key, *n, "a table");
    return n->as_table();
  }
  std::optional<fs::path> PathValue(std::string_view key, const fs::path& base) const {
    auto s = String(key);
    if (!s) return std::nullopt;
    if (s->empty()) return fs::path();
    return (base / *s).lexically_normal();
  }

 private:
  const toml::table& table_;
  std::string path_;
  const std::string& file_;
};

nlohmann::json ToJson(const toml::node& node) {
  switch (node.type()) {
    case toml::node_type::table: {
      nlohmann::json j = nlohmann::json::object();
      for (const auto& [k, v] : *node.as_table()) j[std::string(k.str())] = ToJson(v);
      return j;
    }
    case toml::node_type::array: {
      nlohmann::json j = nlohmann::json::array();
      for (const toml::node& v : *node.as_array()) j.push_back(ToJson(v));
      return j;
    }
    case toml::node_type::string: return node.as_string()->get();
    case toml::node_type::integer: return node.as_integer()->get();
    case toml::node_type::floating_point: return node.as_floating_point()->get();
    case toml::node_type::boolean: return node.as_boolean()->get();
    default: {
      std::ostringstream text;  // dates and times as TOML writes them, which is ISO 8601
      if (node.is_date()) text << node.as_date()->get();
      if (node.is_time()) text << node.as_time()->get();
      if (node.is_date_time()) text << node.as_date_time()->get();
      return text.str();
    }
  }
}

bool IsModuleName(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '_';
  });
}

void ReadLog(const Reader& r, const fs::path& base, LogSettings& log) {
  if (auto v = r.Choice("level", {"trace", "debug", "info", "warn", "error", "critical", "off"})) log.level = *v;
  if (auto v = r.PathValue("file", base)) log.file = *v;
  if (auto v = r.Integer("max_size_mb", 1, 100000)) log.max_size_mb = static_cast<std::size_t>(*v);
  if (auto v = r.Integer("max_files", 1, 1000)) log.max_files = static_cast<std::size_t>(*v);
}

// A list of event type names, each known.
std::optional<std::vector<model::EventType>> EventTypes(const Reader& r, std::string_view key) {
  auto v = r.Strings(key);
  if (!v) return std::nullopt;
  std::vector<model::EventType> out;
  for (std::size_t i = 0; i < v->size(); ++i) {
    const auto type = model::EventTypeFromName((*v)[i]);
    if (!type)
      r.Fail((*r.Find(key)->as_array())[i].source(),
             "'" + r.Path(key) + "' names the unknown event type \"" + (*v)[i] + "\"");
    out.push_back(*type);
  }
  return out;
}

// [digest]: when the daily digest (督办日报) is made, which notices skip it,
// and who gets it or not, overriding the roster.
void ReadDigest(const Reader& r, const std::string& file, machine::DigestRule& d) {
  if (auto v = r.TimeOfDay("time")) {
    if (*v >= std::chrono::hours(24)) r.Wrong("time", *r.Find("time"), "a time of day before 24:00");
    d.time = *v;
  }
  if (auto v = EventTypes(r, "immediate")) d.immediate = std::move(*v);
  if (const toml::table* t = r.Table("people")) {
    const Reader people(*t, r.Path("people"), file);  // each key is a person id
    for (const auto& [person, node] : *t) {
      const auto choice = node.is_string() ? model::DigestChoiceFromName(node.as_string()->get()) : std::nullopt;
      if (!choice) people.Wrong(person.str(), node, "\"daily\" or \"immediate\"");
      d.people[std::string(person.str())] = *choice;
    }
  }
}

void ReadNotify(const Reader& r, const std::string& file, NotifySettings& n) {
  if (auto v = r.String("time_zone")) {
    if (!TimeZone::Find(*v).ok()) r.Wrong("time_zone", *r.Find("time_zone"), "an IANA time zone such as \"Asia/Shanghai\", not \"" + *v + "\"");
    n.time_zone = *v;
  }
  if (auto v = EventTypes(r, "urgent")) n.urgent = std::move(*v);
  if (auto v = r.Integer("parallel", 1, 64)) n.parallel = static_cast<std::size_t>(*v);
  if (auto v = r.Integer("batch", 1, 100000)) n.batch = static_cast<std::size_t>(*v);
  if (auto v = r.Integer("interval_seconds", 1, 86400)) n.interval = std::chrono::seconds(*v);
  if (auto v = r.Integer("lease_seconds", 3, 86400)) n.lease = std::chrono::seconds(*v);
  if (const toml::table* t = r.Table("quiet_hours")) {
    Reader q(*t, r.Path("quiet_hours"), file, {"enabled", "work_start", "work_end"});
    if (auto v = q.Bool("enabled")) n.quiet_hours = *v;
    if (auto v = q.TimeOfDay("work_start")) n.work_start = *v;
    if (auto v = q.TimeOfDay("work_end")) n.work_end = *v;
    if (n.work_start >= n.work_end) {
      const toml::node* at = q.Find("work_end") != nullptr ? q.Find("work_end") : q.Find("work_start");
      q.Fail(at != nullptr ? at->source() : t->source(),
             "'" + q.Path("work_end") + "' must come after '" + q.Path("work_start") + "'");
    }
  }
  if (const toml::table* t = r.Table("retry")) {
    Reader q(*t, r.Path("retry"), file, {"base_seconds", "max_seconds", "max_attempts", "jitter"});
    constexpr std::int64_t kWeek = 7 * 86400;
    if (auto v = q.Integer("base_seconds", 1, kWeek)) n.retry.base = std::chrono::seconds(*v);
    if (auto v = q.Integer("max_seconds", 1, kWeek)) n.retry.cap = std::chrono::seconds(*v);
    if (auto v = q.Integer("max_attempts", 1, 1000)) n.retry.max_attempts = static_cast<int>(*v);
    if (auto v = q.Fraction("jitter")) n.retry.jitter = *v;
    if (n.retry.cap < n.retry.base) {
      const toml::node* at = q.Find("max_seconds") != nullptr ? q.Find("max_seconds") : q.Find("base_seconds");
      q.Fail(at->source(), "'" + q.Path("max_seconds") + "' must not be less than '" + q.Path("base_seconds") + "'");
    }
  }
}

void ReadSmtp(const Reader& r, const fs::path& base, SmtpSettings& s) {
  if (auto v = r.String("url")) {
    if (!v->empty() && v->rfind("smtp://", 0) != 0 && v->rfind("smtps://", 0) != 0)
      r.Wrong("url", *r.Find("url"), "an smtp:// or smtps:// URL (or empty, for the maildir), not \"" + *v + "\"");
    s.url = *v;
  }
  if (auto v = r.Choice("starttls", {"try", "required", "off"})) s.starttls = *v;
  if (auto v = r.String("username")) s.username = *v;
  if (auto v = r.String("password")) s.password = *v;
  if (auto v = r.String("password_env")) s.password_env = *v;
  if (auto v = r.String("from")) {
    if (!v->empty() && v->find('@') == std::string::npos)
      r.Wrong("from", *r.Find("from"), "an e-mail address, not \"" + *v + "\"");
    s.from = *v;
  }
  if (auto v = r.String("from_name")) s.from_name = *v;
  if (auto v = r.Integer("timeout_seconds", 1, 3600)) s.timeout_seconds = static_cast<int>(*v);
  if (auto v = r.String("ca_file")) s.ca_file = *v;
  if (auto v = r.PathValue("maildir", base)) s.maildir = *v;
}

PluginSettings ReadPlugin(const Reader& plugins, std::string_view instance, const toml::node& node,
                          const std::string& file) {
  if (!node.is_table()) plugins.Wrong(instance, node, "a table of the plugin's settings");
  if (!IsModuleName(instance))
    plugins.Fail(node.source(),
                 "'" + plugins.Path(instance) + "': a plugin's name is made of letters, digits, '-' and '_'");
  PluginSettings p;
  p.instance = std::string(instance);
  p.module = p.instance;
  p.pos = SourcePos{file, static_cast<std::uint32_t>(node.source().begin.line),
                    static_cast<std::uint32_t>(node.source().begin.column)};
  const toml::table& t = *node.as_table();
  const Reader r(t, plugins.Path(instance), file);  // any key: the plugin's create() judges its own
  if (auto v = r.String("module")) {
    if (!IsModuleName(*v)) r.Wrong("module", *r.Find("module"), "a plugin library name (letters, digits, '-' and '_')");
    p.module = *v;
  }
  if (auto v = r.Bool("enabled")) p.enabled = *v;
  if (auto v = r.Integer("timeout_seconds", 1, 3600)) p.timeout = std::chrono::seconds(*v);
  for (const auto& [k, v] : t)
    if (k.str() != "module" && k.str() != "enabled" && k.str() != "timeout_seconds")
      p.settings[std::string(k.str())] = ToJson(v);
  return p;
}

}  // namespace

Result<Config> ParseConfig(std::string_view text, std::string_view source_name, const fs::path& base_dir) {
  const std::string file(source_name);
  toml::table root;
  try {
    root = toml::parse(text, source_name);
  } catch (const toml::parse_error& e) {
    return Status::InvalidInput("TOML syntax error: " + std::string(e.description()),
                                SourcePos{file, static_cast<std::uint32_t>(e.source().begin.line),
                                          static_cast<std::uint32_t>(e.source().begin.column)});
  }
  Config c = DefaultConfig(base_dir);  // a file without [plugins] keeps the default e-mail plugin
  c.source = file;
  try {
    Reader r(root, "", file,
             {"database", "data_dir", "plugin_dir", "share_dir", "log", "notify", "digest", "smtp", "plugins", "serve"});
    if (auto v = r.PathValue("data_dir", base_dir)) {
      if (v->empty()) r.Wrong("data_dir", *r.Find("data_dir"), "a directory");
      c.data_dir = *v;
      c.database = c.data_dir / "duban.db";
    }
    if (auto v = r.PathValue("database", base_dir)) {
      if (v->empty()) r.Wrong("database", *r.Find("database"), "a file name");
      c.database = *v;
    }
    if (auto v = r.PathValue("plugin_dir", base_dir)) {
      if (v->empty()) r.Wrong("plugin_dir", *r.Find("plugin_dir"), "a directory");
      c.plugin_dir = *v;
    }
    if (auto v = r.PathValue("share_dir", base_dir)) {
      if (v->empty()) r.Wrong("share_dir", *r.Find("share_dir"), "a directory");
      c.share_dir = *v;
    }
    c.smtp.maildir = c.data_dir / "maildir";
    if (const toml::table* t = r.Table("log"))
      ReadLog(Reader(*t, "log", file, {"level", "file", "max_size_mb", "max_files"}), base_dir, c.log);
    if (const toml::table* t = r.Table("notify"))
      ReadNotify(Reader(*t, "notify", file,
                        {"time_zone", "urgent", "parallel", "batch", "interval_seconds", "lease_seconds", "quiet_hours",
                         "retry"}),
                 file, c.notify);
    if (const toml::table* t = r.Table("digest"))
      ReadDigest(Reader(*t, "digest", file, {"time", "immediate", "people"}), file, c.digest);
    if (const toml::table* t = r.Table("smtp"))
      ReadSmtp(Reader(*t, "smtp", file,
                      {"url", "starttls", "username", "password", "password_env", "from", "from_name",
                       "timeout_seconds", "ca_file", "maildir"}),
               base_dir, c.smtp);
    if (const toml::table* t = r.Table("serve")) {
      // [serve]: the daemon's own keys are read by `duban serve`; every
      // notice's link needs the public base URL.
      const Reader serve(*t, "serve", file);
      if (auto v = serve.String("public_url")) {
        std::string url = *v;
        while (!url.empty() && url.back() == '/') url.pop_back();
        if (url.rfind("http://", 0) != 0 && url.rfind("https://", 0) != 0)
          serve.Wrong("public_url", *serve.Find("public_url"), "an http:// or https:// URL, not \"" + *v + "\"");
        c.public_url = url;
      }
    }
    if (const toml::table* t = r.Table("plugins")) {
      c.plugins.clear();
      const Reader plugins(*t, "plugins", file);  // each key names one plugin instance
      for (const auto& [name, node] : *t) c.plugins.push_back(ReadPlugin(plugins, name.str(), node, file));
    }
  } catch (const ConfigError& e) {
    return e.status;
  }
  return c;
}

}  // namespace duban::runtime

namespace duban::runtime {

std::vector<PluginSpec> Config::PluginSpecs() const {
  std::vector<PluginSpec> specs;
  for (const PluginSettings& p : plugins) {
    if (!p.enabled) continue;
    PluginSpec spec;
    spec.instance = p.instance;
    spec.module = p.module;
    spec.timeout = p.timeout;
    spec.settings = p.settings;
    spec.settings["duban"] = {{"instance", p.instance},
                              {"base_dir", base_dir.string()},
                              {"data_dir", data_dir.string()}};
    // An e-mail or group-robot plugin without templates of its own renders the shipped ones.
    const bool worded = p.module == "email" || p.module == "dingtalk" || p.module == "wecom";
    if (worded && !spec.settings.contains("templates"))
      spec.settings["templates"] = (share_dir / "workflows" / "templates").string();
    if (p.module == "email" && !spec.settings.contains("smtp")) {
      spec.settings["smtp"] = {{"url", smtp.url},
                               {"starttls", smtp.starttls},
                               {"username", smtp.username},
                               {"password", smtp.password},
                               {"password_env", smtp.password_env},
                               {"from", smtp.from},
                               {"from_name", smtp.from_name},
                               {"timeout_seconds", smtp.timeout_seconds},
                               {"ca_file", smtp.ca_file},
                               {"maildir", smtp.maildir.string()}};
    }
    specs.push_back(std::move(spec));
  }
  return specs;
}

bool Config::IsUrgent(model::EventType event_type) const {
  return std::find(notify.urgent.begin(), notify.urgent.end(), event_type) != notify.urgent.end();
}

Result<DispatcherOptions> Config::Dispatch(std::function<bool(Date)> is_working_day) const {
  auto tz = TimeZone::Find(notify.time_zone);
  if (!tz.ok()) return Status::InvalidInput("notify.time_zone: " + tz.status().message());
  DispatcherOptions o;
  o.retry = notify.retry;
  o.hours.enabled = notify.quiet_hours;
  o.hours.start = notify.work_start;
  o.hours.end = notify.work_end;
  o.hours.tz = *tz;
  o.hours.is_working_day = std::move(is_working_day);
  o.urgent_types = notify.urgent;
  o.parallel = notify.parallel;
  o.batch = notify.batch;
  o.lease = notify.lease;
  return o;
}

Result<Config> LoadConfig(const fs::path& file) {
  std::error_code ec;
  if (!fs::exists(file, ec)) return Status::NotFound("configuration file " + file.string() + " does not exist");
  std::ifstream in(file, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  if (!in && !in.eof()) return Status::Io("cannot read configuration file " + file.string());
  const fs::path base = fs::absolute(file, ec).parent_path();
  return ParseConfig(text.str(), file.string(), base);
}

Config DefaultConfig(const fs::path& base_dir) {
  Config c;
  c.base_dir = base_dir;
  c.data_dir = (base_dir / "duban-data").lexically_normal();
  c.database = c.data_dir / "duban.db";
  c.plugin_dir = ThisLayout().plugin_dir;
  c.share_dir = ThisLayout().share_dir;
  c.smtp.maildir = c.data_dir / "maildir";
  // As duban.example.toml: escalations do not wait for working hours.
  c.notify.urgent = {model::EventType::kEscalationRaised};
  PluginSettings email;
  email.instance = "email";
  email.module = "email";
  c.plugins.push_back(std::move(email));
  return c;
}

Result<std::unique_ptr<PluginHost>> OpenPlugins(const Config& config) {
  auto host = std::make_unique<PluginHost>(config.plugin_dir);
  for (const PluginSpec& spec : config.PluginSpecs()) DUBAN_RETURN_IF_ERROR(host->Load(spec));
  return host;
}

Result<std::shared_ptr<spdlog::logger>> OpenLogger(const LogSettings& log, const std::string& name) {
  try {
    spdlog::sink_ptr sink;
    if (log.file.empty()) {
      sink = std::make_shared<spdlog::sinks::stderr_color_sink_mt>();
    } else {
      std::error_code ec;
      if (log.file.has_parent_path()) fs::create_directories(log.file.parent_path(), ec);
      sink = std::make_shared<spdlog::sinks::rotating_file_sink_mt>(log.file.string(),
                                                                    log.max_size_mb * 1024 * 1024, log.max_files);
    }
    auto logger = std::make_shared<spdlog::logger>(name, std::move(sink));
    logger->set_level(spdlog::level::from_str(log.level));
    logger->flush_on(spdlog::level::warn);
    return logger;
  } catch (const spdlog::spdlog_ex& e) {
    return Status::Io("cannot open log file " + log.file.string() + ": " + e.what());
  }
}

}  // namespace duban::runtime
