#include "model/notice.h"

#include <utility>

namespace duban::model {

std::string NoticeId(std::string_view campaign, std::int64_t seq) {
  return std::string(campaign) + "/" + std::to_string(seq);
}

nlohmann::json ToJson(const Notice& n) {
  nlohmann::json recipients = nlohmann::json::array();
  for (const Recipient& r : n.recipients)
    recipients.push_back({{"person", r.person}, {"name", r.name}, {"email", r.email}, {"role", r.role}});
  return {
      {"id", n.id},
      {"campaign", {{"id", n.campaign}, {"name", n.campaign_name}, {"time_zone", n.time_zone}}},
      {"event",
       {{"seq", n.seq},
        {"type", model::EventTypeName(n.event.type)},
        {"unit", n.event.unit},
        {"unit_name", n.unit_name},
        {"actor", n.event.actor},
        {"actor_name", n.actor_name},
        {"at", FormatUtc(n.event.at)},
        {"payload", n.event.payload}}},
      {"display", n.display},
      {"urgent", n.urgent},
      {"recipients", std::move(recipients)},
  };
}

namespace {

// Reads members of one JSON object, remembering the path for messages.
class Reader {
 public:
  Reader(const nlohmann::json& j, std::string path) : j_(j), path_(std::move(path)) {}

  bool ok() const { return error_.empty(); }
  const std::string& error() const { return error_; }

  const nlohmann::json* Member(const char* key, nlohmann::json::value_t type, bool required = true) {
    if (!ok()) return nullptr;
    if (!j_.is_object()) return Fail(path_, "an object");
    const auto it = j_.find(key);
    if (it == j_.end()) return required ? Fail(Path(key), "present") : nullptr;
    const bool number = type == nlohmann::json::value_t::number_integer && it->is_number_integer();
    if (it->type() != type && !number) return Fail(Path(key), TypeWord(type));
    return &*it;
  }
  std::string String(const char* key, bool required = true) {
    const auto* v = Member(key, nlohmann::json::value_t::string, required);
    return v != nullptr ? v->get<std::string>() : std::string();
  }
  std::string Path(const char* key) const { return path_.empty() ? key : path_ + "." + key; }
  void SetError(std::string e) {
    if (ok()) error_ = std::move(e);
  }

 private:
  const nlohmann::json* Fail(const std::string& where, const std::string& what) {
    SetError("notice JSON: '" + where + "' must be " + what);
    return nullptr;
  }
  static std::string TypeWord(nlohmann::json::value_t t) {
    switch (t) {
      case nlohmann::json::value_t::string: return "a string";
      case nlohmann::json::value_t::object: return "an object";
      case nlohmann::json::value_t::array: return "an array";
      case nlohmann::json::value_t::boolean: return "a boolean";
      default: return "an integer";
    }
  }

  const nlohmann::json& j_;
  std::string path_;
  std::string error_;
};

}  // namespace

Result<Notice> NoticeFromJson(const nlohmann::json& j) {
  using vt = nlohmann::json::value_t;
  Notice n;
  Reader top(j, "");
  n.id = top.String("id");
  const auto* campaign = top.Member("campaign", vt::object);
  const auto* event = top.Member("event", vt::object);
  if (const auto* d = top.Member("display", vt::object, false)) n.display = *d;
  if (const auto* u = top.Member("urgent", vt::boolean, false)) n.urgent = u->get<bool>();
  const auto* recipients = top.Member("recipients", vt::array);
  if (!top.ok()) return Status::InvalidInput(top.error());

  Reader c(*campaign, "campaign");
  n.campaign = c.String("id");
  n.campaign_name = c.String("name", false);
  n.time_zone = c.String("time_zone", false);
  if (n.time_zone.empty()) n.time_zone = std::string(kDefaultTimeZone);
  if (!c.ok()) return Status::InvalidInput(c.error());

  Reader e(*event, "event");
  if (const auto* seq = e.Member("seq", vt::number_integer)) n.seq = seq->get<std::int64_t>();
  const std::string type = e.String("type");
  n.event.unit = e.String("unit", false);
  n.unit_name = e.String("unit_name", false);
  n.event.actor = e.String("actor", false);
  n.actor_name = e.String("actor_name", false);
  const std::string at = e.String("at");
  if (const auto* p = e.Member("payload", vt::object, false)) n.event.payload = *p;
  if (!e.ok()) return Status::InvalidInput(e.error());
  const auto known = model::EventTypeFromName(type);
  if (!known) return Status::InvalidInput("notice JSON: 'event.type' names the unknown event type \"" + type + "\"");
  n.event.type = *known;
  auto instant = ParseInstant(at, TimeZone::Default());
  if (!instant.ok()) return Status::InvalidInput("notice JSON: 'event.at': " + instant.status().message());
  n.event.at = *instant;

  for (std::size_t i = 0; i < recipients->size(); ++i) {
    Reader r((*recipients)[i], "recipients[" + std::to_string(i) + "]");
    Recipient rec;
    rec.person = r.String("person");
    rec.name = r.String("name", false);
    rec.email = r.String("email", false);
    rec.role = r.String("role", false);
    if (!r.ok()) return Status::InvalidInput(r.error());
    n.recipients.push_back(std::move(rec));
  }
  return n;
}

}  // namespace duban::model
