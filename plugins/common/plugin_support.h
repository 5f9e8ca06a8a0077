// C++ helpers for writing a duban plugin (notify/plugin_abi.h): the C table
// from a C++ class, with no exception ever crossing the ABI, plus reading
// settings with messages that name the key. Header-only, so a plugin links
// nothing of duban's.
//
//   class Hello {
//    public:
//     explicit Hello(const nlohmann::json& settings);      // throws SettingsError
//     bool Wants(std::string_view event_type) const;
//     duban_plugin::Outcome Deliver(const nlohmann::json& notice);
//   };
//   DUBAN_PLUGIN(Hello, "hello")
#pragma once

#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "notify/plugin_abi.h"

namespace duban_plugin {

// What a delivery came to.
struct Outcome {
  int status = DUBAN_DELIVER_OK;
  std::string error;

  static Outcome Ok() { return {}; }
  static Outcome Retry(std::string why) { return {DUBAN_DELIVER_RETRY, std::move(why)}; }
  static Outcome Permanent(std::string why) { return {DUBAN_DELIVER_PERMANENT, std::move(why)}; }
};

// A bad setting; its message names the key.
struct SettingsError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// A malloc'd copy the engine releases with FreeString().
inline char* CopyString(const std::string& s) {
  char* out = static_cast<char*>(std::malloc(s.size() + 1));
  if (out != nullptr) std::memcpy(out, s.c_str(), s.size() + 1);
  return out;
}
inline void FreeString(char* s) { std::free(s); }

// Reads a plugin's settings object; `plugin` prefixes every message.
class Settings {
 public:
  Settings(const nlohmann::json& j, std::string plugin) : j_(j), plugin_(std::move(plugin)) {
    if (!j_.is_object()) throw SettingsError(plugin_ + ": settings must be a JSON object");
  }

  const nlohmann::json& json() const { return j_; }
  bool Has(const char* key) const { return j_.contains(key); }

  std::string String(const char* key, std::string fallback = {}) const {
    const auto it = j_.find(key);
    if (it == j_.end()) return fallback;
    if (!it->is_string()) Fail(key, "must be a string");
    return it->get<std::string>();
  }
  std::string RequiredString(const char* key) const {
    std::string s = String(key);
    if (s.empty()) Fail(key, "is required");
    return s;
  }
  bool Bool(const char* key, bool fallback) const {
    const auto it = j_.find(key);
    if (it == j_.end()) return fallback;
    if (!it->is_boolean()) Fail(key, "must be true or false");
    return it->get<bool>();
  }
  long Integer(const char* key, long fallback, long min, long max) const {
    const auto it = j_.find(key);
    if (it == j_.end()) return fallback;
    if (!it->is_number_integer() || it->get<long>() < min || it->get<long>() > max)
      Fail(key, "must be an integer from " + std::to_string(min) + " to " + std::to_string(max));
    return it->get<long>();
  }
  std::vector<std::string> Strings(const char* key, std::vector<std::string> fallback) const {
    const auto it = j_.find(key);
    if (it == j_.end()) return fallback;
    if (!it->is_array()) Fail(key, "must be an array of strings");
    std::vector<std::string> out;
    for (const auto& v : *it) {
      if (!v.is_string()) Fail(key, "must be an array of strings");
      out.push_back(v.get<std::string>());
    }
    return out;
  }
  // A sub-table; an empty object when absent.
  Settings Table(const char* key) const {
    static const nlohmann::json empty = nlohmann::json::object();
    const auto it = j_.find(key);
    if (it == j_.end()) return Settings(empty, plugin_ + "." + key);
    if (!it->is_object()) Fail(key, "must be a table");
    return Settings(*it, plugin_ + "." + key);
  }
  // A path setting, relative paths resolved against duban.base_dir.
  std::filesystem::path Path(const char* key, const std::string& fallback = {}) const {
    const std::string s = String(key, fallback);
    if (s.empty()) return {};
    return BaseDir() / s;
  }
  std::filesystem::path BaseDir() const {
    const auto d = j_.find("duban");
    if (d != j_.end() && d->is_object() && d->contains("base_dir") && (*d)["base_dir"].is_string())
      return (*d)["base_dir"].get<std::string>();
    return std::filesystem::current_path();
  }
  std::filesystem::path DataDir() const {
    const auto d = j_.find("duban");
    if (d != j_.end() && d->is_object() && d->contains("data_dir") && (*d)["data_dir"].is_string())
      return (*d)["data_dir"].get<std::string>();
    return BaseDir();
  }
  // A secret: the value of the environment variable named by `env_key`
  // when that key is set, else the value of `key`.
  std::string Secret(const char* key, const char* env_key) const {
    const std::string env = String(env_key);
    if (env.empty()) return String(key);
    const char* value = std::getenv(env.c_str());
    if (value == nullptr || *value == '\0') Fail(env_key, "names the environment variable " + env + ", which is not set");
    return value;
  }

  [[noreturn]] void Fail(const char* key, const std::string& what) const {
    throw SettingsError(plugin_ + ": '" + key + "' " + what);
  }

 private:
  const nlohmann::json& j_;
  std::string plugin_;
};

// Which event types a plugin wants: exact names, prefixes ("deadline.*"),
// or "*" for every type except notice.* (notices about notices must be
// asked for by name, or a plugin reporting deliveries would feed itself).
class EventFilter {
 public:
  explicit EventFilter(std::vector<std::string> patterns) : patterns_(std::move(patterns)) {}

  bool Matches(std::string_view type) const {
    for (const std::string& p : patterns_) {
      if (p == type) return true;
      if (p == "*" && type.substr(0, 7) != "notice.") return true;
      if (p.size() > 2 && p.compare(p.size() - 2, 2, ".*") == 0 &&
          type.substr(0, p.size() - 1) == std::string_view(p).substr(0, p.size() - 1))
        return true;
    }
    return false;
  }

 private:
  std::vector<std::string> patterns_;
};

// The C functions of the table, for a class as described at the top.
template <class Plugin>
struct Adapter {
  static void* Create(const char* config_json, char** error) noexcept {
    try {
      return new Plugin(nlohmann::json::parse(config_json));
    } catch (const std::exception& e) {
      if (error != nullptr) *error = CopyString(e.what());
    } catch (...) {
      if (error != nullptr) *error = CopyString("create failed");
    }
    return nullptr;
  }
  static int Wants(void* handle, const char* event_type) noexcept {
    try {
      return static_cast<const Plugin*>(handle)->Wants(event_type) ? 1 : 0;
    } catch (...) {
      return 0;
    }
  }
  static int Deliver(void* handle, const char* notice_json, char** error) noexcept {
    Outcome o;
    try {
      o = static_cast<Plugin*>(handle)->Deliver(nlohmann::json::parse(notice_json));
    } catch (const std::exception& e) {
      o = Outcome::Retry(e.what());
    } catch (...) {
      o = Outcome::Retry("unknown exception");
    }
    if (o.status != DUBAN_DELIVER_OK && error != nullptr) *error = CopyString(o.error);
    return o.status;
  }
  static void Destroy(void* handle) noexcept { delete static_cast<Plugin*>(handle); }
};

}  // namespace duban_plugin

// Defines the plugin's exported entry point for `Class`, named `name`.
#define DUBAN_PLUGIN(Class, name)                                                                  \
  extern "C" DUBAN_PLUGIN_EXPORT const duban_plugin_v1* duban_plugin_entry(void) {                 \
    static const duban_plugin_v1 table = {DUBAN_PLUGIN_ABI_VERSION,                               \
                                          name,                                                   \
                                          &::duban_plugin::Adapter<Class>::Create,                 \
                                          &::duban_plugin::Adapter<Class>::Wants,                  \
                                          &::duban_plugin::Adapter<Class>::Deliver,                \
                                          &::duban_plugin::Adapter<Class>::Destroy,                \
                                          &::duban_plugin::FreeString};                            \
    return &table;                                                                                 \
  }
