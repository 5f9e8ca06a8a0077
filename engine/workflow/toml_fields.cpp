#include "workflow/toml_fields.h"

#include "core/toml_names.h"

#include <algorithm>

namespace duban::workflow::detail {

namespace {

bool IsContinuationByte(char c) { return (static_cast<unsigned char>(c) & 0xC0) == 0x80; }

// Byte offset in `text` of a 1-based line and code-point column, or npos.
std::size_t OffsetOf(std::string_view text, std::uint32_t line, std::uint32_t column) {
  std::size_t i = 0;
  for (std::uint32_t l = 1; l < line; ++l) {
    i = text.find('\n', i);
    if (i == std::string_view::npos) return i;
    ++i;
  }
  for (std::uint32_t c = 1; c < column && i < text.size(); ++c) {
    ++i;
    while (i < text.size() && IsContinuationByte(text[i])) ++i;
  }
  return i;
}

bool IsIdChar(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
         c == '_';
}

}  // namespace

std::string Quoted(std::string_view name) { return "'" + std::string(name) + "'"; }

void Fail(std::string message, SourcePos pos) {
  throw LoadError{Status::InvalidInput(std::move(message), std::move(pos))};
}

std::string Naming(std::string_view kind, const toml::table& table, std::string_view key) {
  const auto* name = table.get_as<std::string>(key);
  if (name == nullptr) return std::string(kind);
  return std::string(kind) + " " + Quoted(name->get());
}

std::string JoinNames(const std::vector<std::string>& names) {
  std::string out;
  for (const auto& n : names) {
    if (!out.empty()) out += ", ";
    out += n;
  }
  return out;
}

// --- Document -------------------------------------------------------------

Document::Document(std::string_view content, std::string_view source_name)
    : content_(content), name_(source_name) {
  try {
    root_ = toml::parse(content, std::string_view(name_));
  } catch (const toml::parse_error& e) {
    Fail("TOML syntax error: " + std::string(e.description()), PosOf(e.source()));
  }
}

SourcePos Document::PosOf(const toml::source_region& region) const {
  return SourcePos{name_, region.begin.line, region.begin.column};
}

SourcePos Document::TextStart(const toml::node& string_node) const {
  SourcePos pos = PosOf(string_node);
  std::size_t at = OffsetOf(content_, pos.line, pos.column);
  std::string_view rest = at < content_.size() ? content_.substr(at) : std::string_view{};
  const bool triple = rest.starts_with(R"(""")") || rest.starts_with("'''");
  pos.column += triple ? 3 : 1;
  return pos;
}

// --- Fields ---------------------------------------------------------------

Fields::Fields(const toml::table& table, const Document& doc, std::string what,
               std::initializer_list<std::string_view> allowed)
    : table_(table), doc_(doc), what_(std::move(what)) {
  RejectUnknownKeys(allowed);
}

void Fields::RejectUnknownKeys(std::initializer_list<std::string_view> allowed) const {
  for (const auto& [key, node] : table_) {
    if (std::find(allowed.begin(), allowed.end(), key.str()) != allowed.end()) continue;
    std::vector<std::string> names(allowed.begin(), allowed.end());
    Fail(what_ + ": unknown key " + Quoted(key.str()) + " (expected one of: " + JoinNames(names) +
             ")",
         doc_.PosOf(key));
  }
}

const toml::node* Fields::Find(std::string_view key) const { return table_.get(key); }

const toml::node& Fields::Require(std::string_view key) const {
  const toml::node* node = Find(key);
  if (node == nullptr) Fail(what_ + ": missing required key " + Quoted(key), pos());
  return *node;
}

void Fields::WrongType(std::string_view key, const toml::node& node,
                       std::string_view expected) const {
  Fail(what_ + ": " + Quoted(key) + " must be " + std::string(expected) + ", not " +
           std::string(TomlTypeName(node.type())),
       doc_.PosOf(node));
}

std::string Fields::String(std::string_view key) const { return LocatedString(key).value; }

std::string Fields::StringOr(std::string_view key, std::string_view fallback) const {
  if (Find(key) == nullptr) return std::string(fallback);
  return String(key);
}

Located Fields::LocatedString(std::string_view key) const {
  const toml::node& node = Require(key);
  const auto* s = node.as_string();
  if (s == nullptr) WrongType(key, node, "a string");
  return Located{s->get(), doc_.PosOf(node)};
}

Located Fields::Id(std::string_view key) const {
  Located id = LocatedString(key);
  if (id.value.empty() || !std::all_of(id.value.begin(), id.value.end(), IsIdChar))
    Fail(what_ + ": " + Quoted(key) + " " + Quoted(id.value) +
             " is not an identifier (use ASCII letters, digits, '-' and '_')",
         id.pos);
  return id;
}

bool Fields::BoolOr(std::string_view key, bool fallback) const {
  const toml::node* node = Find(key);
  if (node == nullptr) return fallback;
  const auto* b = node->as_boolean();
  if (b == nullptr) WrongType(key, *node, "a boolean");
  return b->get();
}

std::int64_t Fields::Integer(std::string_view key) const {
  const toml::node& node = Require(key);
  const auto* i = node.as_integer();
  if (i == nullptr) WrongType(key, node, "an integer");
  return i->get();
}

Fields::TextValue Fields::Text(std::string_view key) const {
  const toml::node& node = Require(key);
  const auto* table = node.as_table();
  if (table == nullptr) WrongType(key, node, R"(a table {zh = "...", en = "..."})");
  Fields text(*table, doc_, what_ + " " + std::string(key), {"zh", "en"});
  return TextValue{text.String("zh"), text.String("en")};
}

std::vector<Located> Fields::StringList(std::string_view key) const {
  std::vector<Located> out;
  const toml::node* node = Find(key);
  if (node == nullptr) return out;
  const auto* array = node->as_array();
  if (array == nullptr) WrongType(key, *node, "an array of strings");
  for (const toml::node& item : *array) {
    const auto* s = item.as_string();
    if (s == nullptr) WrongType(key, item, "an array of strings, each item a string");
    out.push_back(Located{s->get(), doc_.PosOf(item)});
  }
  return out;
}

std::vector<const toml::table*> Fields::Tables(std::string_view key) const {
  std::vector<const toml::table*> out;
  const toml::node* node = Find(key);
  if (node == nullptr) return out;
  const auto* array = node->as_array();
  if (array == nullptr) WrongType(key, *node, "an array of tables");
  for (const toml::node& item : *array) {
    const auto* table = item.as_table();
    if (table == nullptr) WrongType(key, item, "an array of tables, each item a table");
    out.push_back(table);
  }
  return out;
}

std::vector<const toml::table*> Fields::RequiredTables(std::string_view key) const {
  Require(key);
  return Tables(key);
}

}  // namespace duban::workflow::detail
