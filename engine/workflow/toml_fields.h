// Reading one TOML document field by field, with every complaint pointing at
// the node it is about. Internal to engine/workflow.
//
// The loaders stop at the first problem, so the readers here throw LoadError
// and the public entry points (loader.h) turn it back into a Status. No
// exception leaves this module.
#pragma once

#include <algorithm>
#include <cstdint>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <toml++/toml.h>

#include "core/status.h"

namespace duban::workflow::detail {

struct LoadError {
  Status status;
};

// Throws LoadError{Status::InvalidInput(message, pos)}.
[[noreturn]] void Fail(std::string message, SourcePos pos);

// Runs `load`, returning its value or the Status of the LoadError it threw.
template <typename T, typename F>
Result<T> Catching(F&& load) {
  try {
    return load();
  } catch (LoadError& e) {
    return std::move(e.status);
  }
}

// One TOML document: its text, its name for messages, and its parsed root.
class Document {
 public:
  // Parses `content`; a syntax error fails with toml++'s description and position.
  Document(std::string_view content, std::string_view source_name);

  const toml::table& root() const { return root_; }
  const std::string& name() const { return name_; }

  SourcePos PosOf(const toml::source_region& region) const;
  SourcePos PosOf(const toml::node& node) const { return PosOf(node.source()); }
  SourcePos PosOf(const toml::key& key) const { return PosOf(key.source()); }
  // Where the text of a string value starts: just after its opening quote(s).
  SourcePos TextStart(const toml::node& string_node) const;

 private:
  std::string_view content_;
  std::string name_;
  toml::table root_;
};

// A string value with the place it was written.
struct Located {
  std::string value;
  SourcePos pos;
};

// One TOML table, read key by key. Construction rejects any key outside
// `allowed`, so a misspelt key never passes silently.
class Fields {
 public:
  Fields(const toml::table& table, const Document& doc, std::string what,
         std::initializer_list<std::string_view> allowed);

  // How messages name the table: "stage 'collecting'".
  const std::string& what() const { return what_; }
  SourcePos pos() const { return doc_.PosOf(table_); }
  const Document& doc() const { return doc_; }

  // The node under `key`, or nullptr.
  const toml::node* Find(std::string_view key) const;
  // The node under `key`; fails when it is missing.
  const toml::node& Require(std::string_view key) const;

  std::string String(std::string_view key) const;
  std::string StringOr(std::string_view key, std::string_view fallback) const;
  Located LocatedString(std::string_view key) const;
  // An identifier: ASCII letters, digits, '-' and '_'.
  Located Id(std::string_view key) const;
  bool BoolOr(std::string_view key, bool fallback) const;
  std::int64_t Integer(std::string_view key) const;
  // {zh = "...", en = "..."}
  struct TextValue {
    std::string zh;
    std::string en;
  };
  TextValue Text(std::string_view key) const;
  // An array of strings; absent means empty.
  std::vector<Located> StringList(std::string_view key) const;
  // An array of tables ([[key]] or [{...}, ...]); absent means empty.
  std::vector<const toml::table*> Tables(std::string_view key) const;
  // The same, but the key must be present.
  std::vector<const toml::table*> RequiredTables(std::string_view key) const;

  // Fails with "<what>: 'key' must be <expected>, not <actual type>".
  [[noreturn]] void WrongType(std::string_view key, const toml::node& node,
                              std::string_view expected) const;

 private:
  void RejectUnknownKeys(std::initializer_list<std::string_view> allowed) const;

  const toml::table& table_;
  const Document& doc_;
  std::string what_;
};

// How messages name a table of `kind`: "stage 'collecting'" when the table
// has a string under `key`, else just "stage".
std::string Naming(std::string_view kind, const toml::table& table, std::string_view key = "id");

// "a string", "an integer", "a table", ...
std::string_view TypeName(const toml::node& node);

// "a, b, c"
std::string JoinNames(const std::vector<std::string>& names);

// 'name', quoted for messages.
std::string Quoted(std::string_view name);

// Fails when `id` is already taken by one of `defs` (anything with `id` and `pos`).
template <typename Def>
void RejectDuplicate(const std::vector<Def>& defs, const Located& id, std::string_view kind) {
  const auto first =
      std::find_if(defs.begin(), defs.end(), [&](const Def& d) { return d.id == id.value; });
  if (first != defs.end())
    Fail("duplicate " + std::string(kind) + " id " + Quoted(id.value) + " (first defined at " +
             first->pos.str() + ")",
         id.pos);
}

}  // namespace duban::workflow::detail
