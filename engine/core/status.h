// Status and Result<T>: how every fallible call in duban says what went wrong
// and where. Exceptions from libraries (SQLiteCpp, toml++, Asio) are caught at
// the edge that calls them and turned into one of these.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <variant>

namespace duban {

// A place in a source file, 1-based. line == 0 means "no position".
struct SourcePos {
  std::string file;
  std::uint32_t line = 0;
  std::uint32_t column = 0;

  bool known() const { return line != 0; }
  // "file:line:column", or just "file" when the position is unknown.
  std::string str() const;
};

enum class Code : std::uint8_t {
  kOk = 0,
  kInvalidInput,  // bad usage or a bad file: exit status 2
  kRefused,       // the workflow's rules or permissions said no: exit status 3
  kNotFound,      // a named thing does not exist: exit status 2
  kConflict,      // a concurrent writer won; retrying may succeed: exit status 1
  kIo,            // the disk, the database or the network failed: exit status 1
  kInternal,      // a bug: exit status 1
};

class Status {
 public:
  Status() = default;  // OK

  static Status Ok() { return {}; }
  static Status InvalidInput(std::string msg, SourcePos pos = {}) {
    return {Code::kInvalidInput, std::move(msg), std::move(pos)};
  }
  // `rule` names the workflow rule or permission that refused.
  static Status Refused(std::string rule, std::string msg) {
    Status s{Code::kRefused, std::move(msg), {}};
    s.rule_ = std::move(rule);
    return s;
  }
  static Status NotFound(std::string msg) { return {Code::kNotFound, std::move(msg), {}}; }
  static Status Conflict(std::string msg) { return {Code::kConflict, std::move(msg), {}}; }
  static Status Io(std::string msg) { return {Code::kIo, std::move(msg), {}}; }
  static Status Internal(std::string msg) { return {Code::kInternal, std::move(msg), {}}; }

  bool ok() const { return code_ == Code::kOk; }
  Code code() const { return code_; }
  const std::string& message() const { return message_; }
  const SourcePos& pos() const { return pos_; }
  const std::string& rule() const { return rule_; }

  // "file:line:column: message" or "refused by rule R: message".
  std::string str() const;
  // The process exit status the CLI contract gives this code.
  int exit_code() const;

 private:
  Status(Code c, std::string msg, SourcePos pos)
      : code_(c), message_(std::move(msg)), pos_(std::move(pos)) {}

  Code code_ = Code::kOk;
  std::string message_;
  SourcePos pos_;
  std::string rule_;
};

// A value or the Status that explains its absence.
template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : v_(std::move(value)) {}            // NOLINT(google-explicit-constructor)
  Result(Status status) : v_(std::move(status)) {}     // NOLINT(google-explicit-constructor)

  bool ok() const { return std::holds_alternative<T>(v_); }
  explicit operator bool() const { return ok(); }

  // REQUIRES: ok()
  T& value() & { return std::get<T>(v_); }
  const T& value() const& { return std::get<T>(v_); }
  T&& value() && { return std::get<T>(std::move(v_)); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }

  // REQUIRES: !ok()
  const Status& status() const& { return std::get<Status>(v_); }
  Status status() && { return std::get<Status>(std::move(v_)); }

 private:
  std::variant<T, Status> v_;
};

}  // namespace duban

// Propagates a non-OK Status (or the Status of a failed Result) to the caller.
#define DUBAN_RETURN_IF_ERROR(expr)              \
  do {                                           \
    auto duban_status_ = (expr);                 \
    if (!duban_status_.ok()) return duban_status_; \
  } while (false)
