// Reads the members of a JSON document into typed fields, strictly: the first
// member that is missing or of the wrong type is remembered with its path
// ("result.from.label must be a string") and every later read is skipped, so
// a reader is used as a straight list of Gets followed by one Done().
//
// Not thread-safe; a reader lives on one thread for one document.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/status.h"
#include "core/time.h"

namespace duban {

class JsonReader {
 public:
  // `path` names `j` in messages ("notice", "result", "recipients[2]").
  JsonReader(const nlohmann::json& j, std::string path) : j_(&j), path_(std::move(path)) {}

  bool ok() const { return error_.empty(); }
  const std::string& error() const { return error_; }

  // A required member: string, bool, an integer type, or a vector of them.
  template <typename T>
  void Get(const char* key, T& out) {
    if (const auto* v = Member(key, true)) Convert(key, *v, out);
  }
  // An optional member: left alone when absent or null.
  template <typename T>
  void GetOptional(const char* key, T& out) {
    if (const auto* v = Member(key, false)) Convert(key, *v, out);
  }
  template <typename T>
  void GetOptional(const char* key, std::optional<T>& out) {
    if (const auto* v = Member(key, false)) {
      T value{};
      if (Convert(key, *v, value)) out = std::move(value);
    }
  }
  // Any JSON value, optional (left alone when absent).
  void GetJson(const char* key, nlohmann::json& out) {
    if (const auto* v = Member(key, false)) out = *v;
  }
  // "YYYY-MM-DD", optional: nullopt when absent or null.
  void GetDate(const char* key, std::optional<Date>& out);
  // ISO 8601 with an offset ("2021-10-08T01:30:00Z"), optional.
  void GetInstant(const char* key, std::optional<Instant>& out);

  // A required member that is an object, as a reader of its own; an empty
  // reader that has already failed when it is missing. Absorb() its error.
  JsonReader Object(const char* key);
  // Calls `each` with a reader for every element of the required array `key`;
  // stops at the first element that fails.
  void EachOf(const char* key, const std::function<void(JsonReader&)>& each);
  // Takes the first error of a child reader.
  void Absorb(const JsonReader& child) {
    if (ok() && !child.ok()) error_ = child.error_;
  }
  // Records that `key` holds `what` it must not (an unknown enum name, ...).
  void Fail(const char* key, const std::string& what) { SetError(Path(key) + " holds " + what); }

  // `value` when every read succeeded, else InvalidInput naming the first failure.
  template <typename T>
  Result<T> Done(T value) const {
    if (!ok()) return Status::InvalidInput(error_);
    return value;
  }

  std::string Path(const char* key) const { return path_.empty() ? key : path_ + "." + key; }

 private:
  static const nlohmann::json& Null() {
    static const nlohmann::json null;
    return null;
  }
  const nlohmann::json* Member(const char* key, bool required);
  void SetError(std::string e) {
    if (ok()) error_ = std::move(e);
  }
  bool Mismatch(const char* key, const char* what) {
    SetError(Path(key) + " must be " + what);
    return false;
  }

  template <typename T>
  bool Convert(const char* key, const nlohmann::json& v, T& out) {
    if constexpr (std::is_same_v<T, std::string>) {
      if (!v.is_string()) return Mismatch(key, "a string");
      out = v.get<std::string>();
    } else if constexpr (std::is_same_v<T, bool>) {
      if (!v.is_boolean()) return Mismatch(key, "a boolean");
      out = v.get<bool>();
    } else if constexpr (std::is_integral_v<T>) {
      if (!v.is_number_integer()) return Mismatch(key, "an integer");
      out = v.get<T>();
    } else {
      // A vector of the above.
      if (!v.is_array()) return Mismatch(key, "an array");
      T items;
      for (const auto& e : v) {
        typename T::value_type item{};
        if (!Convert(key, e, item)) return false;
        items.push_back(std::move(item));
      }
      out = std::move(items);
    }
    return true;
  }

  const nlohmann::json* j_;
  std::string path_;
  std::string error_;
};

}  // namespace duban
