#include "core/json_reader.h"

namespace duban {

const nlohmann::json* JsonReader::Member(const char* key, bool required) {
  if (!ok()) return nullptr;
  if (!j_->is_object()) {
    SetError((path_.empty() ? std::string("the document") : path_) + " must be an object");
    return nullptr;
  }
  const auto it = j_->find(key);
  if (it == j_->end() || it->is_null()) {
    if (required) SetError(Path(key) + " must be present");
    return nullptr;
  }
  return &*it;
}

void JsonReader::GetDate(const char* key, std::optional<Date>& out) {
  std::optional<std::string> text;
  GetOptional(key, text);
  if (!text) return;
  auto d = ParseDate(*text);
  if (!d.ok()) return SetError(Path(key) + ": " + d.status().message());
  out = *d;
}

void JsonReader::GetInstant(const char* key, std::optional<Instant>& out) {
  std::optional<std::string> text;
  GetOptional(key, text);
  if (!text) return;
  auto t = ParseInstant(*text, TimeZone::Default());
  if (!t.ok()) return SetError(Path(key) + ": " + t.status().message());
  out = *t;
}

JsonReader JsonReader::Object(const char* key) {
  const auto* v = Member(key, true);
  if (v != nullptr && !v->is_object()) {
    Mismatch(key, "an object");
    v = nullptr;
  }
  JsonReader child(v != nullptr ? *v : Null(), Path(key));
  if (v == nullptr) child.error_ = ok() ? Path(key) + " must be an object" : error_;
  return child;
}

void JsonReader::EachOf(const char* key, const std::function<void(JsonReader&)>& each) {
  const auto* v = Member(key, true);
  if (v == nullptr) return;
  if (!v->is_array()) {
    Mismatch(key, "an array");
    return;
  }
  for (std::size_t i = 0; i < v->size() && ok(); ++i) {
    JsonReader child((*v)[i], Path(key) + "[" + std::to_string(i) + "]");
    each(child);
    Absorb(child);
  }
}

}  // namespace duban
