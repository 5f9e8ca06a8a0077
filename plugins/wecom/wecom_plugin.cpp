// The WeCom (企业微信) plugin: posts each notice to a group robot (群机器人) as
// a Markdown (or text) message worded by the office's notice templates, the
// same wording as the e-mail:
//
//   POST <url>?key=<key>
//   {"msgtype": "markdown", "markdown": {"content": <Markdown, at most 4096 bytes>}}
//   {"msgtype": "text", "text": {"content": <at most 2048 bytes>, "mentioned_mobile_list": [...]}}
//
// WeCom robots sign nothing: the key in the URL is the secret, so it comes
// from the environment (key_env) and never appears in a message. The reply is
// {"errcode": 0, "errmsg": "ok"} on success; the rate limit (45009) and
// "system busy" (-1) are retried, like no reply, 408, 429 and 5xx; every other
// errcode (93000: unknown key) is permanent. Settings: see plugins/README.md.
#include <set>
#include <string>
#include <vector>

#include <curl/curl.h>

#include "plugin_support.h"
#include "robot.h"
#include "templates.h"

namespace {

using duban_plugin::Outcome;
using duban_plugin::Settings;
using duban_plugin::SettingsError;

constexpr const char* kName = "wecom";
constexpr std::size_t kMaxMarkdown = 4096;  // bytes, WeCom's limits
constexpr std::size_t kMaxText = 2048;

bool IsMobile(const std::string& s) { return s == "@all" || duban_robot::IsMobile(s); }

class WeComPlugin {
 public:
  explicit WeComPlugin(const nlohmann::json& config) : WeComPlugin(Settings(config, kName)) {}
  explicit WeComPlugin(const Settings& s) : common_(s, kName) {
    url_ = s.String("url", "https://qyapi.weixin.qq.com/cgi-bin/webhook/send");
    if (url_.rfind("https://", 0) != 0 && url_.rfind("http://", 0) != 0)
      s.Fail("url", "must be an http:// or https:// URL");
    const std::string key = s.Secret("key", "key_env");
    const bool key_in_url = url_.find("?key=") != std::string::npos || url_.find("&key=") != std::string::npos;
    if (key.empty() && !key_in_url)
      s.Fail("key_env", "(or 'key', or key= in 'url') is required: the robot's webhook key");
    if (!key.empty() && key_in_url) s.Fail("url", "already holds a key: give it in one place only");
    if (!key.empty())
      url_ += std::string(url_.find('?') == std::string::npos ? "?" : "&") + "key=" + duban_robot::UrlEncode(key);
    mentioned_mobiles_ = s.Strings("mentioned_mobiles", {});
    if (mentioned_mobiles_.size() > 100) s.Fail("mentioned_mobiles", "may name at most 100 members");
    for (const std::string& m : mentioned_mobiles_)
      if (!IsMobile(m)) s.Fail("mentioned_mobiles", "must hold mobile numbers (digits only) or \"@all\", not \"" + m + "\"");
    if (!mentioned_mobiles_.empty() && common_.msgtype != "text")
      s.Fail("mentioned_mobiles", "works only with msgtype = \"text\" (WeCom's Markdown cannot mention)");
  }
  WeComPlugin(const WeComPlugin&) = delete;
  WeComPlugin& operator=(const WeComPlugin&) = delete;

  bool Wants(std::string_view type) const { return common_.events.Matches(type); }

  Outcome Deliver(const nlohmann::json& notice) {
    const duban_robot::Message m = duban_robot::Compose(common_.templates, notice);
    nlohmann::json body = {{"msgtype", common_.msgtype}};
    if (common_.msgtype == "markdown") {
      body["markdown"] = {{"content", duban_robot::Truncate(duban_robot::Markdown(m, "\n"), kMaxMarkdown)}};
    } else {
      body["text"] = {{"content", duban_robot::Truncate(duban_robot::PlainText(m), kMaxText)}};
      if (!mentioned_mobiles_.empty()) body["text"]["mentioned_mobile_list"] = mentioned_mobiles_;
    }
    const duban_robot::Reply reply =
        duban_robot::PostJson({url_, body.dump(), common_.timeout_seconds, common_.ca_file, "duban-wecom/1"});
    return duban_robot::Classify(reply, "POST " + duban_robot::Redacted(url_), {-1, 45009});
  }

 private:
  duban_robot::Common common_;  // msgtype, time-out, CA file, templates, events
  std::string url_;  // with the key
  std::vector<std::string> mentioned_mobiles_;
};

}  // namespace

DUBAN_PLUGIN(WeComPlugin, "wecom")
