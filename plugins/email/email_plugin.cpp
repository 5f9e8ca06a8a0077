// The e-mail plugin: renders each notice from the office's templates
// (templates.h) into a UTF-8 MIME message (mime.h) and sends it over SMTP,
// or, with no SMTP server configured, writes it into a local maildir
// (transport.h). Settings: see plugins/README.md.
#include <algorithm>
#include <chrono>
#include <set>
#include <string>
#include <vector>

#include <curl/curl.h>

#include "mime.h"
#include "plugin_support.h"
#include "templates.h"
#include "transport.h"

namespace duban_email {
namespace {

using duban_plugin::Outcome;
using duban_plugin::Settings;
using duban_plugin::SettingsError;

class EmailPlugin {
 public:
  explicit EmailPlugin(const nlohmann::json& config) : events_({}) {
    const Settings s(config, "email");
    try {
      templates_ = Templates::Load(s.Path("templates", "workflows/templates"));
    } catch (const std::runtime_error& e) {
      throw SettingsError(std::string("email: 'templates': ") + e.what());
    }
    html_ = s.Bool("html", true);
    strict_ = s.Bool("strict_templates", false);
    events_ = duban_plugin::EventFilter(s.Strings("events", {"*"}));

    const Settings smtp = s.Table("smtp");
    server_.url = smtp.String("url");
    if (!server_.url.empty() && server_.url.rfind("smtp://", 0) != 0 && server_.url.rfind("smtps://", 0) != 0)
      smtp.Fail("url", "must be an smtp:// or smtps:// URL");
    server_.starttls = smtp.String("starttls", "try");
    if (server_.starttls != "try" && server_.starttls != "required" && server_.starttls != "off")
      smtp.Fail("starttls", "must be \"try\", \"required\" or \"off\"");
    server_.username = smtp.String("username");
    if (!server_.username.empty()) server_.password = smtp.Secret("password", "password_env");
    server_.timeout_seconds = smtp.Integer("timeout_seconds", 30, 1, 3600);
    server_.ca_file = smtp.String("ca_file");
    from_.address = smtp.String("from");
    if (from_.address.empty()) from_.address = "duban@localhost";
    if (!IsValidAddress(from_.address)) smtp.Fail("from", "is not an e-mail address: " + from_.address);
    from_.name = smtp.String("from_name", "督办系统");
    maildir_ = smtp.Path("maildir");
    if (maildir_.empty()) maildir_ = s.DataDir() / "maildir";

    if (!server_.url.empty()) {
      if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) throw SettingsError("email: libcurl failed to start");
      curl_started_ = true;
    }
  }
  EmailPlugin(const EmailPlugin&) = delete;
  EmailPlugin& operator=(const EmailPlugin&) = delete;
  ~EmailPlugin() {
    if (curl_started_) curl_global_cleanup();
  }

  bool Wants(std::string_view type) const { return events_.Matches(type); }

  Outcome Deliver(const nlohmann::json& notice) {
    const std::string id = notice.value("id", "");
    if (id.empty()) return Outcome::Permanent("the notice has no id");
    const nlohmann::json event = notice.value("event", nlohmann::json::object());
    const nlohmann::json campaign = notice.value("campaign", nlohmann::json::object());
    const std::string tz = campaign.value("time_zone", "Asia/Shanghai");

    // One mail per kind of reader, so each is worded for it
    // (templates/README.md: acts, urges, for.<role>): those who own the work
    // of the stage and those who urge them, the unit's people and the
    // office's. A person is addressed once, in their first role.
    const nlohmann::json display = notice.value("display", nlohmann::json::object());
    const nlohmann::json owners = display.is_object() ? display.value("owners", nlohmann::json::array()) : nlohmann::json::array();
    const nlohmann::json scopes = display.is_object() ? display.value("scopes", nlohmann::json::object()) : nlohmann::json::object();
    struct Group {
      std::string key;
      std::vector<std::string> roles;
      nlohmann::json recipients = nlohmann::json::array();
    };
    std::vector<Group> groups;
    std::set<std::string> seen;
    for (const auto& rec : notice.value("recipients", nlohmann::json::array())) {
      const std::string address = rec.value("email", "");
      if (!IsValidAddress(address) || !seen.insert(address).second) continue;
      const std::string role = rec.value("role", "");
      const bool acts = owners.is_array() && std::find(owners.begin(), owners.end(), role) != owners.end();
      const std::string scope = scopes.is_object() ? scopes.value(role, "") : "";
      const std::string key = std::string(acts ? "acts" : "urges") + "/" + scope;
      auto g = std::find_if(groups.begin(), groups.end(), [&](const Group& x) { return x.key == key; });
      if (g == groups.end()) {
        groups.push_back(Group{key, {}, nlohmann::json::array()});
        g = groups.end() - 1;
      }
      if (std::find(g->roles.begin(), g->roles.end(), role) == g->roles.end()) g->roles.push_back(role);
      g->recipients.push_back(rec);
    }
    const std::string thread = display.is_object() ? display.value("thread", "") : "";
    for (std::size_t gi = 0; gi < groups.size(); ++gi) {
      const Group& group = groups[gi];
      const nlohmann::json& recipients = group.recipients;
      nlohmann::json one = notice;
      one["recipients"] = recipients;
      one["audience"] = {{"roles", group.roles}};
      // The first mail keeps the notice's own id; the others add their first role.
      const std::string part_id = gi == 0 ? id : id + "/" + group.roles.front();
      Message m;
      Rendered r;
      try {
        r = templates_.Render(one, html_, strict_);
      } catch (const std::runtime_error& e) {
        return Outcome::Permanent(e.what());
      }
      m.subject = r.subject;
      m.text = r.text;
      m.html = r.html;
      m.from = from_;
      std::vector<std::string> addresses;
      for (const auto& rec : recipients) {
        m.to.push_back({rec.value("name", ""), rec.value("email", "")});
        addresses.push_back(rec.value("email", ""));
      }
      m.message_id = MessageIdFor(part_id);
      // A unit's mails about one stage answer one root, so they thread together.
      if (!thread.empty()) {
        m.in_reply_to = MessageIdFor("thread/" + thread);
        m.references = {m.in_reply_to};
      }
      const auto at = ParseUtc(event.value("at", ""));
      m.date = RfcDate(at ? *at : std::chrono::floor<std::chrono::seconds>(std::chrono::system_clock::now()), tz);
      m.headers = {{"X-Duban-Notice", id},
                   {"X-Duban-Event", event.value("type", "")},
                   {"X-Duban-Roles", [&] {
                      std::string list;
                      for (const auto& x : group.roles) list += (list.empty() ? "" : ",") + x;
                      return list;
                    }()},
                   {"Auto-Submitted", "auto-generated"},
                   {"Content-Language", "zh-CN"}};
      if (!thread.empty()) m.headers.push_back({"X-Duban-Thread", thread});
      const std::string message = BuildMessage(m);
      const Outcome sent = server_.url.empty() ? WriteMaildir(maildir_, MaildirNameFor(part_id), message)
                                               : SendSmtp(server_, from_.address, addresses, message);
      // A later group failing retries the whole notice: the maildir file is
      // rewritten, and an SMTP server sees the earlier group again (at least once).
      if (sent.status != DUBAN_DELIVER_OK) return sent;
    }
    return Outcome::Ok();
  }

 private:
  Templates templates_;
  bool html_ = true;
  bool strict_ = false;  // a template printing a missing value fails the delivery (tests)
  duban_plugin::EventFilter events_;
  SmtpServer server_;
  Mailbox from_;
  std::filesystem::path maildir_;
  bool curl_started_ = false;
};

}  // namespace
}  // namespace duban_email

DUBAN_PLUGIN(duban_email::EmailPlugin, "email")
