// The DingTalk (钉钉) plugin: posts each notice to a group's custom robot
// (自定义机器人) as a Markdown (or text) message worded by the office's notice
// templates, the same wording as the e-mail:
//
//   POST <url>?access_token=<token>[&timestamp=<ms>&sign=<signature>]
//   {"msgtype": "markdown", "markdown": {"title": <subject>, "text": <Markdown>},
//    "at": {"atMobiles": [...], "isAtAll": false}}
//
// With a secret (the robot's 加签 security setting) every request carries the
// time in milliseconds and urlencode(base64(HMAC-SHA256(secret, timestamp +
// "\n" + secret))). The reply is {"errcode": 0, "errmsg": "ok"} on success;
// rate limits (130101, 90030) and "system busy" (-1) are retried, like no
// reply, 408, 429 and 5xx; every other errcode (310000: bad signature or
// keyword, 300001: unknown token) is permanent. Settings: see plugins/README.md.
#include <chrono>
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

constexpr const char* kName = "dingtalk";
constexpr std::size_t kMaxText = 20000;  // bytes of message text; longer is cut

class DingTalkPlugin {
 public:
  explicit DingTalkPlugin(const nlohmann::json& config) : DingTalkPlugin(Settings(config, kName)) {}
  explicit DingTalkPlugin(const Settings& s) : common_(s, kName) {
    url_ = s.String("url", "https://oapi.dingtalk.com/robot/send");
    if (url_.rfind("https://", 0) != 0 && url_.rfind("http://", 0) != 0)
      s.Fail("url", "must be an http:// or https:// URL");
    const std::string token = s.Secret("access_token", "access_token_env");
    const bool token_in_url =
        url_.find("?access_token=") != std::string::npos || url_.find("&access_token=") != std::string::npos;
    if (token.empty() && !token_in_url)
      s.Fail("access_token_env", "(or 'access_token', or access_token= in 'url') is required: the robot's token");
    if (!token.empty() && token_in_url) s.Fail("url", "already holds an access_token: give it in one place only");
    if (!token.empty()) url_ += std::string(url_.find('?') == std::string::npos ? "?" : "&") +
                                "access_token=" + duban_robot::UrlEncode(token);
    secret_ = s.Secret("secret", "secret_env");
    at_mobiles_ = s.Strings("at_mobiles", {});
    if (at_mobiles_.size() > 100) s.Fail("at_mobiles", "may name at most 100 members");
    for (const std::string& m : at_mobiles_)
      if (!duban_robot::IsMobile(m)) s.Fail("at_mobiles", "must hold mobile numbers (digits only), not \"" + m + "\"");
    at_all_ = s.Bool("at_all", false);
  }
  DingTalkPlugin(const DingTalkPlugin&) = delete;
  DingTalkPlugin& operator=(const DingTalkPlugin&) = delete;

  bool Wants(std::string_view type) const { return common_.events.Matches(type); }

  Outcome Deliver(const nlohmann::json& notice) {
    const duban_robot::Message m = duban_robot::Compose(common_.templates, notice);
    std::string mentions;
    for (const std::string& mobile : at_mobiles_) mentions += (mentions.empty() ? "@" : " @") + mobile;

    nlohmann::json body = {{"msgtype", common_.msgtype}};
    if (common_.msgtype == "markdown") {
      std::string text = duban_robot::Markdown(m, "  \n");
      text = duban_robot::Truncate(std::move(text), kMaxText - mentions.size() - 2);
      if (!mentions.empty()) text += "\n\n" + mentions;
      body["markdown"] = {{"title", duban_robot::Truncate(m.title, 200)}, {"text", text}};
    } else {
      std::string text = duban_robot::Truncate(duban_robot::PlainText(m), kMaxText - mentions.size() - 1);
      if (!mentions.empty()) text += "\n" + mentions;
      body["text"] = {{"content", text}};
    }
    body["at"] = {{"atMobiles", at_mobiles_}, {"isAtAll", at_all_}};

    std::string url = url_;
    if (!secret_.empty()) {
      const std::int64_t ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                                  std::chrono::system_clock::now().time_since_epoch())
                                  .count();
      url += "&timestamp=" + std::to_string(ms) + "&sign=" + duban_robot::DingTalkSign(secret_, ms);
    }
    const duban_robot::Reply reply =
        duban_robot::PostJson({url, body.dump(), common_.timeout_seconds, common_.ca_file, "duban-dingtalk/1"});
    return duban_robot::Classify(reply, "POST " + duban_robot::Redacted(url_), {-1, 90030, 130101});
  }

 private:
  duban_robot::Common common_;  // msgtype, time-out, CA file, templates, events
  std::string url_;     // with the access_token
  std::string secret_;  // empty: the robot does not use 加签
  std::vector<std::string> at_mobiles_;
  bool at_all_ = false;
};

}  // namespace

DUBAN_PLUGIN(DingTalkPlugin, "dingtalk")
