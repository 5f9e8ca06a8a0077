#include "templates.h"

#include <algorithm>
#include <fstream>
#include <set>
#include <sstream>
#include <stdexcept>

#include <kainjow/mustache.hpp>

#include "mime.h"

namespace duban_email {

namespace {

namespace fs = std::filesystem;
using kainjow::mustache::data;
using kainjow::mustache::mustache;
using kainjow::mustache::partial;

constexpr std::string_view kSuffix = ".mustache";
constexpr std::string_view kPartial = ".partial";

std::string ReadFile(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  if (!in) throw std::runtime_error("cannot read template " + p.string());
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

std::string Str(const nlohmann::json& j, const char* key) {
  const auto it = j.find(key);
  return it != j.end() && it->is_string() ? it->get<std::string>() : std::string();
}

// JSON as mustache data: objects and arrays as such, booleans as sections,
// everything else as its text. Empty strings and nulls are left out of
// objects, so that {{#key}}…{{/key}} shows only for a value that says something.
data ToData(const nlohmann::json& j) {
  switch (j.type()) {
    case nlohmann::json::value_t::object: {
      data d{data::type::object};
      for (const auto& [k, v] : j.items())
        if (!v.is_null() && !(v.is_string() && v.get_ref<const std::string&>().empty())) d.set(k, ToData(v));
      return d;
    }
    case nlohmann::json::value_t::array: {
      data d{data::type::list};
      for (const auto& v : j) d.push_back(ToData(v));
      return d;
    }
    case nlohmann::json::value_t::boolean: return data(j.get<bool>());
    case nlohmann::json::value_t::string: return data(j.get<std::string>());
    case nlohmann::json::value_t::null: return data(std::string());
    default: return data(j.dump());
  }
}

// The default context, noting every name it could not find: a strict render
// refuses a variable ({{x}}) whose value is missing rather than printing "".
class NotingContext : public kainjow::mustache::context<std::string> {
 public:
  explicit NotingContext(const data* d) : kainjow::mustache::context<std::string>(d) {}
  const data* get(const std::string& name) const override {
    const data* found = kainjow::mustache::context<std::string>::get(name);
    if (found == nullptr) missing_.insert(name);
    return found;
  }
  const std::set<std::string>& missing() const { return missing_; }

 private:
  mutable std::set<std::string> missing_;
};

// Whether `source` prints `name` as a variable ({{name}}, {{{name}}} or
// {{& name}}) other than inside a section on the name itself ({{#name}}
// {{name}}{{/name}} prints it only when it has a value).
bool PrintsVariable(const std::string& source, const std::string& name) {
  if (source.find("{{#" + name + "}}") != std::string::npos) return false;
  for (std::size_t at = source.find("{{"); at != std::string::npos; at = source.find("{{", at + 2)) {
    std::size_t i = at + 2;
    if (i < source.size() && (source[i] == '{' || source[i] == '&')) ++i;
    while (i < source.size() && source[i] == ' ') ++i;
    if (source.compare(i, name.size(), name) != 0) continue;
    std::size_t j = i + name.size();
    while (j < source.size() && source[j] == ' ') ++j;
    if (source.compare(j, 2, "}}") == 0) return true;
  }
  return false;
}

mustache Compile(const std::string& source, const std::string& name) {
  mustache m{source};
  if (!m.is_valid()) throw std::runtime_error("template " + name + ": " + m.error_message());
  return m;
}

}  // namespace

nlohmann::json NoticeData(const nlohmann::json& n) {
  const nlohmann::json campaign = n.value("campaign", nlohmann::json::object());
  const nlohmann::json event = n.value("event", nlohmann::json::object());
  const nlohmann::json payload = event.value("payload", nlohmann::json::object());
  const nlohmann::json display = n.value("display", nlohmann::json::object());
  std::string tz = Str(campaign, "time_zone");
  if (tz.empty()) tz = "Asia/Shanghai";

  nlohmann::json d = {
      {"notice_id", Str(n, "id")},
      {"event_type", Str(event, "type")},
      {"urgent", n.value("urgent", false)},
      {"campaign_id", Str(campaign, "id")},
      {"campaign_name", Str(campaign, "name")},
      {"unit", Str(event, "unit")},
      {"unit_name", Str(event, "unit_name").empty() ? Str(event, "unit") : Str(event, "unit_name")},
      {"actor", Str(event, "actor")},
      {"actor_name", Str(event, "actor_name").empty() ? Str(event, "actor") : Str(event, "actor_name")},
      {"payload", payload},
      {"display", display},
  };
  if (n.contains("delivery") && n["delivery"].is_object()) d["attempt"] = n["delivery"].value("attempt", 1);
  if (const auto at = ParseUtc(Str(event, "at"))) {
    d["at_date"] = ChineseDate(*at, tz);
    d["at_time"] = ChineseDateTime(*at, tz);
  }
  nlohmann::json dates = nlohmann::json::object();
  nlohmann::json times = nlohmann::json::object();
  if (payload.is_object()) {
    for (const auto& [key, value] : payload.items()) {
      if (!value.is_string()) continue;
      const std::string s = value.get<std::string>();
      if (const auto day = ParseDate(s)) dates[key] = ChineseDate(*day);
      if (const auto t = ParseUtc(s)) {
        dates[key] = ChineseDate(*t, tz);
        times[key] = ChineseDateTime(*t, tz);
      }
    }
  }
  nlohmann::json names = nlohmann::json::object();
  if (payload.is_object())
    for (const auto& [key, value] : payload.items())
      if (value.is_string()) names[key] = value;
  if (display.is_object())
    for (const auto& [key, value] : display.items())
      if (value.is_string()) names[key] = value;
  d["names"] = std::move(names);
  d["dates"] = std::move(dates);
  d["times"] = std::move(times);

  nlohmann::json recipients = nlohmann::json::array();
  std::string recipient_names;
  const nlohmann::json role_names = display.value("roles", nlohmann::json::object());
  for (const auto& r : n.value("recipients", nlohmann::json::array())) {
    const std::string role = Str(r, "role");
    std::string role_name = role_names.is_object() ? Str(role_names, role.c_str()) : std::string();
    recipients.push_back({{"name", Str(r, "name")},
                          {"email", Str(r, "email")},
                          {"role", role},
                          {"role_name", role_name.empty() ? role : role_name}});
    if (!Str(r, "name").empty()) recipient_names += (recipient_names.empty() ? "" : "、") + Str(r, "name");
  }
  d["recipients"] = std::move(recipients);
  d["recipient_names"] = recipient_names;
  // Whom this rendering speaks to (one mail per role, so each is worded for
  // its reader): `for.<role>` true, and `acts` when the role owns the work of
  // the stage concerned (the unit is told to act), else `urges` (the
  // director is told to urge the unit).
  if (const auto a = n.find("audience"); a != n.end() && a->is_object()) {
    const nlohmann::json owners = display.value("owners", nlohmann::json::array());
    const nlohmann::json scopes = display.value("scopes", nlohmann::json::object());
    bool acts = false, office = false;
    nlohmann::json for_roles = nlohmann::json::object();
    std::string reader_names;
    for (const auto& r : a->value("roles", nlohmann::json::array())) {
      if (!r.is_string()) continue;
      const std::string role = r.get<std::string>();
      for_roles[role] = true;
      acts = acts || (owners.is_array() && std::find(owners.begin(), owners.end(), role) != owners.end());
      office = office || (scopes.is_object() && Str(scopes, role.c_str()) == "campaign");
      const std::string label = role_names.is_object() ? Str(role_names, role.c_str()) : std::string();
      reader_names += (reader_names.empty() ? "" : "、") + (label.empty() ? role : label);
    }
    d["for"] = std::move(for_roles);
    d["audience"] = {{"role_names", reader_names}};
    d["acts"] = acts;
    d["urges"] = !acts;
    d["office_reader"] = office;
    d["unit_reader"] = !office;
  }
  return d;
}

Templates Templates::Load(const fs::path& dir) {
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) throw std::runtime_error("template directory " + dir.string() + " does not exist");
  Templates t;
  for (const auto& entry : fs::directory_iterator(dir)) {
    const std::string file = entry.path().filename().string();
    if (!entry.is_regular_file() || file.size() <= kSuffix.size() ||
        file.compare(file.size() - kSuffix.size(), kSuffix.size(), kSuffix) != 0)
      continue;
    std::string stem = file.substr(0, file.size() - kSuffix.size());
    const std::string source = ReadFile(entry.path());
    Compile(source, entry.path().string());
    if (stem.size() > kPartial.size() &&
        stem.compare(stem.size() - kPartial.size(), kPartial.size(), kPartial) == 0)
      t.partials_[stem.substr(0, stem.size() - kPartial.size())] = source;
    else
      t.sources_[std::move(stem)] = source;
  }
  for (const char* required : {"default.subject", "default.txt"})
    if (t.sources_.count(required) == 0)
      throw std::runtime_error("template directory " + dir.string() + " has no " + required + ".mustache");
  return t;
}

const std::string* Templates::Find(const std::string& type, const std::string& part) const {
  auto it = sources_.find(type + "." + part);
  if (it == sources_.end()) it = sources_.find("default." + part);
  return it == sources_.end() ? nullptr : &it->second;
}

Rendered Templates::Render(const nlohmann::json& notice, bool html, bool strict) const {
  const nlohmann::json json_data = NoticeData(notice);
  const std::string type = json_data["event_type"].get<std::string>();
  data ctx = ToData(json_data);
  for (const auto& [name, source] : partials_) {
    const std::string* text = &source;
    ctx.set(name, partial([text] { return *text; }));
  }

  const auto render = [&](const std::string& source, const std::string& name, bool escape_html,
                          data& with) {
    mustache m = Compile(source, name);
    if (!escape_html) m.set_custom_escape([](const std::string& s) { return s; });
    NotingContext noting(&with);
    std::string out = m.render(noting);
    if (!m.is_valid()) throw std::runtime_error("template " + name + ": " + m.error_message());
    if (strict)
      for (const std::string& missing : noting.missing()) {
        bool printed = PrintsVariable(source, missing);
        for (const auto& [partial_name, partial_source] : partials_) printed = printed || PrintsVariable(partial_source, missing);
        if (printed)
          throw std::runtime_error("template " + name + ": {{" + missing + "}} has no value for this notice (" +
                                   json_data.value("notice_id", std::string()) + ")");
      }
    return out;
  };

  Rendered r;
  std::string subject = render(*Find(type, "subject"), type + ".subject", false, ctx);
  for (char& c : subject)
    if (c == '\r' || c == '\n') c = ' ';
  while (!subject.empty() && subject.back() == ' ') subject.pop_back();
  while (!subject.empty() && subject.front() == ' ') subject.erase(subject.begin());
  r.subject = std::move(subject);
  r.text = render(*Find(type, "txt"), type + ".txt", false, ctx);
  while (!r.text.empty() && (r.text.back() == '\n' || r.text.back() == ' ')) r.text.pop_back();
  r.text += '\n';
  if (html) {
    if (const std::string* layout = Find(type, "html")) {
      // The text, line by line, for a default layout to wrap.
      data lines{data::type::list};
      std::istringstream in(r.text);
      for (std::string line; std::getline(in, line);)
        lines.push_back(line.empty() ? data(data::type::object) : data("line", data(line)));
      data with = ctx;
      with.set("text_lines", lines);
      with.set("subject", data(r.subject));
      r.html = render(*layout, type + ".html", true, with);
    }
  }
  return r;
}

}  // namespace duban_email
