#include "app/admission.h"

#include <string>
#include <string_view>

#include "core/text.h"

namespace duban::app {

namespace {

std::size_t BoundOf(std::string_view key) {
  for (std::string_view text : {"note", "reason", "comment", "correction", "name", "explanation"})
    if (key == text) return kMaxTextBytes;
  if (key == "path") return kMaxPathBytes;
  return kMaxIdBytes;
}

Status AdmitString(std::string_view key, const std::string& s) {
  if (!IsValidUtf8(s))
    return Status::InvalidInput(std::string(key) + ": not valid UTF-8 text: '" + Quoted(s) + "'");
  for (const char ch : s)
    if (const auto c = static_cast<unsigned char>(ch); (c < 0x20 && c != '\t' && c != '\n') || c == 0x7F)
      return Status::InvalidInput(std::string(key) + ": control characters are not allowed: '" + Quoted(s) + "'");
  if (const std::size_t bound = BoundOf(key); s.size() > bound)
    return Status::InvalidInput(std::string(key) + ": at most " + std::to_string(bound) + " bytes, not " +
                                std::to_string(s.size()) + ": '" + Quoted(s) + "'");
  return Status::Ok();
}

Status Walk(std::string_view key, const nlohmann::json& v) {
  if (v.is_string()) return AdmitString(key, v.get_ref<const std::string&>());
  if (v.is_array()) {
    for (const auto& item : v)
      if (auto st = Walk(key, item); !st.ok()) return st;
  } else if (v.is_object()) {
    for (const auto& [k, item] : v.items())
      if (auto st = Walk(k, item); !st.ok()) return st;
  }
  return Status::Ok();
}

}  // namespace

Status AdmitText(const nlohmann::json& fingerprint) { return Walk("", fingerprint); }

Status AdmitTime(Instant at, std::optional<Instant> last) {
  if (last && at < *last)
    return Status::InvalidInput("the command is dated " + FormatUtc(at) + ", before the campaign's last event at " +
                                FormatUtc(*last) + ": the record only moves forward in time");
  return Status::Ok();
}

}  // namespace duban::app
