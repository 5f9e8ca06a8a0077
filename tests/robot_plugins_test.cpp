// The group-robot plugins, DingTalk (钉钉) and WeCom (企业微信), loaded through
// the plugin ABI by the real plugin host and delivering to a fake robot
// (tests/robots/fake_robot.py, started on loopback here) that checks what the
// real one checks: DingTalk's token and 加签 signature, WeCom's key, and the
// shape of the JSON message. Also the shared parts: base64, URL encoding, the
// signature, cutting text between whole characters, the Markdown.
#include <gtest/gtest.h>
#include <stdlib.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/time.h"
#include "model/notice.h"
#include "notify/dispatcher.h"
#include "notify/plugin_host.h"
#include "robot.h"
#include "runtime/config.h"
#include "store/testing/memory_outbox.h"
#include "support/local_server.h"
#include "support/temp_dir.h"
#include "templates.h"

namespace duban::notify {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;
using std::chrono::seconds;
using duban::testing::FreePort;
using duban::testing::LocalServer;
using duban::testing::TempDir;
using Kind = DeliveryOutcome::Kind;

const fs::path kSource = DUBAN_SOURCE_DIR;
const fs::path kPlugins = DUBAN_PLUGIN_DIR;
const fs::path kTemplates = kSource / "workflows" / "templates";
const fs::path kFakeRobot = kSource / "tests" / "robots" / "fake_robot.py";
constexpr const char* kPython = "/usr/bin/python3";

constexpr const char* kToken = "dd0123456789abcdef";
constexpr const char* kSecret = "SECf00dfeedc0ffee+/=";  // base64-ish characters that need encoding
constexpr const char* kKey = "693a91f6-7xxx-4bc4-97a0-0ec2sifa5aaa";

std::vector<json> Requests(const fs::path& log) {
  std::vector<json> out;
  std::ifstream in(log);
  for (std::string line; std::getline(in, line);) out.push_back(json::parse(line));
  return out;
}

// A deadline.missed notice of the Taishan campaign.
model::Notice MakeNotice(std::int64_t seq, const std::string& unit, const std::string& unit_name) {
  model::Notice n;
  n.campaign = "taishan-2021";
  n.campaign_name = "泰山区2021年国家重点生态功能区县域生态环境质量监测评价与考核";
  n.seq = seq;
  n.id = model::NoticeId(n.campaign, seq);
  n.event.type = model::EventTypeFromName("deadline.missed").value();
  n.event.unit = unit;
  n.event.actor = "system";
  auto at = ParseInstant("2021-10-21T10:00", TimeZone::Default());
  EXPECT_TRUE(at.ok());
  n.event.at = *at;
  n.unit_name = unit_name;
  n.event.payload = {{"stage", "collecting"}, {"due", "2021-10-20T15:59:59Z"}, {"due_date", "2021-10-20"}};
  n.display = {{"stage", "材料收集"},  // as app::App::QueueNotices fills it in
               {"deadline", {{"date", "2021年10月20日"}, {"today", true}}},
               {"link", "http://127.0.0.1:8080/c/taishan-2021/units/" + unit},
               {"office", {{{"name", "曹彬"}, {"phone", "8228386"}, {"email", "office-cao-bin@example.org"}}}}};
  n.recipients = {{"finance-liaison", "王芳", "", "liaison"}};
  return n;
}

// The same as the dispatcher hands it to a plugin.
std::string NoticeJson(std::int64_t seq, const std::string& unit, const std::string& unit_name) {
  json j = model::ToJson(MakeNotice(seq, unit, unit_name));
  j["delivery"] = {{"plugin", "robot"}, {"attempt", 1}, {"at", "2021-10-21T02:00:00Z"}};
  return j.dump();
}

PluginSpec Spec(const std::string& instance, const std::string& module, json settings, const fs::path& base) {
  settings["duban"] = {{"instance", instance}, {"base_dir", base.string()}, {"data_dir", base.string()}};
  if (!settings.contains("templates")) settings["templates"] = kTemplates.string();
  return PluginSpec{instance, module, std::move(settings), seconds(20)};
}

DeliveryOutcome DeliverOne(PluginHost& host, const std::string& plugin, const std::string& notice) {
  const auto out = host.DeliverAll({{plugin, notice}}, 1);
  EXPECT_EQ(out.size(), 1u);
  return out.empty() ? DeliveryOutcome{} : out[0];
}

class RobotTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ::setenv("DUBAN_TEST_DINGTALK_TOKEN", kToken, 1);
    ::setenv("DUBAN_TEST_DINGTALK_SECRET", kSecret, 1);
    ::setenv("DUBAN_TEST_DINGTALK_WRONG_SECRET", "SECnot-the-robots", 1);
    ::setenv("DUBAN_TEST_WECOM_KEY", kKey, 1);
    ::setenv("DUBAN_TEST_WECOM_WRONG_KEY", "00000000-0000-0000-0000-000000000000", 1);
  }
  // Starts the fake robot of `kind`; false (and a test failure) if it does not come up.
  bool StartRobot(const std::string& kind, const std::string& credential, const std::string& secret = "") {
    port_ = FreePort();
    std::vector<std::string> argv{kPython, kFakeRobot.string(), kind, std::to_string(port_), log_.string(),
                                  credential};
    if (!secret.empty()) argv.push_back(secret);
    server_ = std::make_unique<LocalServer>(std::move(argv), port_);
    const auto started = server_->Start();
    EXPECT_TRUE(started);
    return static_cast<bool>(started);
  }
  std::string Base() const { return "http://127.0.0.1:" + std::to_string(port_); }

  TempDir tmp_;
  fs::path log_ = tmp_.path() / "requests.jsonl";
  int port_ = 0;
  std::unique_ptr<LocalServer> server_;
};

// --- The shared parts ------------------------------------------------------------------

TEST(RobotParts, Base64UrlEncodingAndTheDingTalkSignature) {
  EXPECT_EQ(duban_robot::Base64(""), "");
  EXPECT_EQ(duban_robot::Base64("f"), "Zg==");
  EXPECT_EQ(duban_robot::Base64("fo"), "Zm8=");
  EXPECT_EQ(duban_robot::Base64("foo"), "Zm9v");
  EXPECT_EQ(duban_robot::Base64("foobar"), "Zm9vYmFy");
  EXPECT_EQ(duban_robot::Base64(std::string("\xff\xfe\x00", 3)), "//4A");
  EXPECT_EQ(duban_robot::UrlEncode("a+b/c=d e~-._"), "a%2Bb%2Fc%3Dd%20e~-._");
  EXPECT_EQ(duban_robot::UrlEncode("钉"), "%E9%92%89");
  // Computed apart with Python's hmac, base64 and urllib.parse.quote(safe="").
  EXPECT_EQ(duban_robot::DingTalkSign("SECabc123", 1634781600000), "yLGtpCUayUs2qqm0gNX4QFAchbrd69tJBYtaOwKzotQ%3D");
  EXPECT_EQ(duban_robot::Redacted("https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=k"),
            "https://qyapi.weixin.qq.com/cgi-bin/webhook/send");
}

TEST(RobotParts, TextIsCutBetweenWholeCharacters) {
  EXPECT_EQ(duban_robot::Truncate("督办通知", 12), "督办通知");  // fits: 4 characters of 3 bytes
  // 11 bytes: room for one character (3) and the ellipsis (6), not two.
  EXPECT_EQ(duban_robot::Truncate("督办通知", 11), "督……");
  EXPECT_EQ(duban_robot::Truncate("ab督办通知", 11), "ab督……");
  EXPECT_EQ(duban_robot::Truncate("abcdefghijkl", 10), "abcd……");
  for (std::size_t max = 6; max < 40; ++max) {
    const std::string cut = duban_robot::Truncate("区林业局的材料收集工作已到期", max);
    EXPECT_LE(cut.size(), max);
    EXPECT_TRUE(json::parse(json(cut).dump()).is_string());  // still valid UTF-8
    EXPECT_EQ(cut.size() % 3, 0u) << max;                     // whole characters only
  }
}

TEST(RobotParts, TheMessageIsTheEmailsWordingAsMarkdown) {
  const auto templates = duban_email::Templates::Load(kTemplates);
  const json notice = json::parse(NoticeJson(7, "finance", "区财政局"));
  const duban_robot::Message m = duban_robot::Compose(templates, notice);
  EXPECT_EQ(m.title, templates.Render(notice, false).subject);
  EXPECT_NE(m.title.find("区财政局"), std::string::npos) << m.title;
  EXPECT_NE(m.title.find("材料收集"), std::string::npos) << m.title;
  const std::string md = duban_robot::Markdown(m, "  \n");
  EXPECT_EQ(md.rfind("#### " + m.title + "\n\n", 0), 0u) << md;
  EXPECT_NE(md.find("王芳："), std::string::npos) << md;
  EXPECT_NE(md.find("taishan-2021/7"), std::string::npos) << md;
  EXPECT_EQ(md.find("\n\n\n"), std::string::npos) << md;  // paragraphs apart, no runs of blank lines
  EXPECT_EQ(md.find("{{"), std::string::npos) << md;
  EXPECT_EQ(duban_robot::PlainText(m).rfind(m.title + "\n\n", 0), 0u);
}

// --- DingTalk ----------------------------------------------------------------------------

TEST_F(RobotTest, DingTalkSignsEachRequestAndPostsTheNoticeInChinese) {
  ASSERT_TRUE(StartRobot("dingtalk", kToken, kSecret));
  PluginHost host(kPlugins);
  ASSERT_TRUE(host.Load(Spec("dingtalk", "dingtalk",
                             {{"url", Base() + "/robot/send"},
                              {"access_token_env", "DUBAN_TEST_DINGTALK_TOKEN"},
                              {"secret_env", "DUBAN_TEST_DINGTALK_SECRET"},
                              {"at_mobiles", {"13800000000"}},
                              {"events", {"deadline.*"}}},
                             tmp_.path()))
                  .ok());
  EXPECT_EQ(*host.Wants("dingtalk", model::EventTypeFromName("deadline.missed").value()), true);
  EXPECT_EQ(*host.Wants("dingtalk", model::EventTypeFromName("material.submitted").value()), false);

  const DeliveryOutcome o = DeliverOne(host, "dingtalk", NoticeJson(7, "finance", "区财政局"));
  EXPECT_EQ(o.kind, Kind::kDelivered) << o.error;

  const auto reqs = Requests(log_);
  ASSERT_EQ(reqs.size(), 1u);
  EXPECT_EQ(reqs[0]["errcode"], 0);
  const std::string path = reqs[0]["path"];
  EXPECT_NE(path.find("access_token=" + std::string(kToken)), std::string::npos) << path;
  // The signature's timestamp is now, in milliseconds.
  const auto ts_at = path.find("&timestamp=");
  ASSERT_NE(ts_at, std::string::npos) << path;
  const long long ts = std::stoll(path.substr(ts_at + 11));
  const long long now_ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
          .count();
  EXPECT_GE(now_ms - ts, 0);
  EXPECT_LE(now_ms - ts, 60'000);
  const json& msg = reqs[0]["message"];
  EXPECT_EQ(msg["msgtype"], "markdown");
  const std::string title = msg["markdown"]["title"];
  const std::string text = msg["markdown"]["text"];
  EXPECT_NE(title.find("区财政局"), std::string::npos) << title;
  EXPECT_NE(text.find("#### " + title), std::string::npos) << text;
  EXPECT_NE(text.find("材料收集"), std::string::npos) << text;
  EXPECT_NE(text.find("2021年10月20日"), std::string::npos) << text;
  EXPECT_NE(text.find("taishan-2021/7"), std::string::npos) << text;
  EXPECT_NE(text.find("@13800000000"), std::string::npos) << text;  // DingTalk highlights only mentions in the text
  EXPECT_EQ(msg["at"]["atMobiles"], json::array({"13800000000"}));
  EXPECT_EQ(msg["at"]["isAtAll"], false);
}

TEST_F(RobotTest, DingTalkRetriesARateLimitAndAServerErrorAndSendsPlainText) {
  ASSERT_TRUE(StartRobot("dingtalk", kToken, kSecret));
  PluginHost host(kPlugins);
  ASSERT_TRUE(host.Load(Spec("dingtalk", "dingtalk",
                             {{"url", Base() + "/robot/send?access_token=" + std::string(kToken)},
                              {"secret_env", "DUBAN_TEST_DINGTALK_SECRET"},
                              {"msgtype", "text"}},
                             tmp_.path()))
                  .ok());
  const std::string forestry = NoticeJson(8, "forestry", "区林业局");
  DeliveryOutcome o = DeliverOne(host, "dingtalk", forestry);
  EXPECT_EQ(o.kind, Kind::kRetry) << o.error;
  EXPECT_NE(o.error.find("errcode 130101"), std::string::npos) << o.error;
  EXPECT_EQ(o.error.find(kToken), std::string::npos) << o.error;  // the token is a secret
  o = DeliverOne(host, "dingtalk", forestry);  // the next attempt gets through
  EXPECT_EQ(o.kind, Kind::kDelivered) << o.error;

  o = DeliverOne(host, "dingtalk", NoticeJson(9, "women", "区妇联"));
  EXPECT_EQ(o.kind, Kind::kRetry) << o.error;
  EXPECT_NE(o.error.find("HTTP 503"), std::string::npos) << o.error;

  const auto reqs = Requests(log_);
  ASSERT_EQ(reqs.size(), 3u);
  EXPECT_EQ(reqs[1]["message"]["msgtype"], "text");
  const std::string content = reqs[1]["message"]["text"]["content"];
  EXPECT_NE(content.find("区林业局"), std::string::npos) << content;
  EXPECT_EQ(content.find("####"), std::string::npos) << content;
}

TEST_F(RobotTest, DingTalkWithAWrongSecretTokenOrNoSignatureFailsForGood) {
  ASSERT_TRUE(StartRobot("dingtalk", kToken, kSecret));
  PluginHost host(kPlugins);
  const std::string url = Base() + "/robot/send";
  ASSERT_TRUE(host.Load(Spec("wrong-secret", "dingtalk",
                             {{"url", url},
                              {"access_token_env", "DUBAN_TEST_DINGTALK_TOKEN"},
                              {"secret_env", "DUBAN_TEST_DINGTALK_WRONG_SECRET"}},
                             tmp_.path()))
                  .ok());
  ASSERT_TRUE(host.Load(Spec("unsigned", "dingtalk",
                             {{"url", url}, {"access_token_env", "DUBAN_TEST_DINGTALK_TOKEN"}}, tmp_.path()))
                  .ok());
  ASSERT_TRUE(host.Load(Spec("wrong-token", "dingtalk",
                             {{"url", url},
                              {"access_token", "not-the-token"},
                              {"secret_env", "DUBAN_TEST_DINGTALK_SECRET"}},
                             tmp_.path()))
                  .ok());
  const std::string notice = NoticeJson(7, "finance", "区财政局");
  const auto out = host.DeliverAll({{"wrong-secret", notice}, {"unsigned", notice}, {"wrong-token", notice}}, 1);
  ASSERT_EQ(out.size(), 3u);
  for (const auto& o : out) EXPECT_EQ(o.kind, Kind::kPermanent) << o.error;
  EXPECT_NE(out[0].error.find("errcode 310000 (sign not match)"), std::string::npos) << out[0].error;
  EXPECT_NE(out[1].error.find("errcode 310000"), std::string::npos) << out[1].error;
  EXPECT_NE(out[2].error.find("errcode 300001"), std::string::npos) << out[2].error;
  for (const auto& o : out) {
    EXPECT_NE(o.error.find("gave up: POST " + url + ": errcode"), std::string::npos) << o.error;  // no query: no token, no signature
    EXPECT_EQ(o.error.find("not-the-token"), std::string::npos) << o.error;
    EXPECT_EQ(o.error.find("SEC"), std::string::npos) << o.error;
  }
  EXPECT_EQ(Requests(log_).size(), 3u);
}

TEST_F(RobotTest, TheDispatcherRetriesARateLimitedNoticeLaterAndDeadLettersAWrongSecret) {
  ASSERT_TRUE(StartRobot("dingtalk", kToken, kSecret));
  PluginHost host(kPlugins);
  const std::string url = Base() + "/robot/send";
  ASSERT_TRUE(host.Load(Spec("dingtalk", "dingtalk",
                             {{"url", url},
                              {"access_token_env", "DUBAN_TEST_DINGTALK_TOKEN"},
                              {"secret_env", "DUBAN_TEST_DINGTALK_SECRET"}},
                             tmp_.path()))
                  .ok());
  ASSERT_TRUE(host.Load(Spec("stale", "dingtalk",
                             {{"url", url},
                              {"access_token_env", "DUBAN_TEST_DINGTALK_TOKEN"},
                              {"secret_env", "DUBAN_TEST_DINGTALK_WRONG_SECRET"}},
                             tmp_.path()))
                  .ok());
  store::MemoryOutbox outbox;
  ASSERT_TRUE(outbox.Add(MakeNotice(7, "finance", "区财政局")).ok());
  ASSERT_TRUE(outbox.Add(MakeNotice(8, "forestry", "区林业局")).ok());
  DispatcherOptions options;
  options.hours.enabled = false;
  options.retry.base = seconds(60);
  options.seed = 42;
  Dispatcher d(outbox, host, options);
  const Instant now = *ParseInstant("2021-10-21T10:00", TimeZone::Default());
  auto pass = d.RunOnce(now);
  ASSERT_TRUE(pass.ok());
  EXPECT_EQ(pass->delivered, 1);
  EXPECT_EQ(pass->retried, 1);  // 区林业局's first try hit the rate limit
  EXPECT_EQ(pass->dead, 2);     // the wrong secret will never do
  EXPECT_EQ(outbox.Find("taishan-2021/7", "dingtalk")->state, store::DeliveryState::kDelivered);
  const store::Delivery* forestry = outbox.Find("taishan-2021/8", "dingtalk");
  EXPECT_EQ(forestry->state, store::DeliveryState::kPending);
  EXPECT_NE(forestry->last_error.find("errcode 130101"), std::string::npos) << forestry->last_error;
  for (const char* id : {"taishan-2021/7", "taishan-2021/8"}) {
    const store::Delivery* stale = outbox.Find(id, "stale");
    ASSERT_NE(stale, nullptr);
    EXPECT_EQ(stale->state, store::DeliveryState::kDead);
    EXPECT_NE(stale->last_error.find("errcode 310000 (sign not match)"), std::string::npos) << stale->last_error;
  }

  pass = d.RunOnce(now + seconds(10));  // not yet due again
  ASSERT_TRUE(pass.ok());
  EXPECT_EQ(pass->delivered + pass->retried, 0);
  pass = d.RunOnce(now + seconds(61));
  ASSERT_TRUE(pass.ok());
  EXPECT_EQ(pass->delivered, 1);
  EXPECT_EQ(outbox.Find("taishan-2021/8", "dingtalk")->state, store::DeliveryState::kDelivered);
  EXPECT_EQ(outbox.Find("taishan-2021/8", "dingtalk")->attempts, 2);
  EXPECT_EQ(Requests(log_).size(), 5u);
}

TEST(DingTalk, BadSettingsAreNamed) {
  TempDir tmp;
  ::unsetenv("DUBAN_TEST_NO_SUCH_TOKEN");
  ::setenv("DUBAN_TEST_DINGTALK_TOKEN", kToken, 1);
  struct Case {
    json settings;
    const char* message;
  };
  const Case cases[] = {
      {json::object(), "'access_token_env' (or 'access_token', or access_token= in 'url') is required"},
      {{{"access_token_env", "DUBAN_TEST_NO_SUCH_TOKEN"}}, "DUBAN_TEST_NO_SUCH_TOKEN, which is not set"},
      {{{"url", "ftp://example.org/robot"}, {"access_token", "t"}}, "'url' must be an http:// or https:// URL"},
      {{{"url", "https://example.org/robot/send?access_token=t"}, {"access_token", "t"}}, "'url' already holds"},
      {{{"access_token", "t"}, {"msgtype", "card"}}, "'msgtype' must be \"markdown\" or \"text\""},
      {{{"access_token", "t"}, {"at_mobiles", {"王芳"}}}, "'at_mobiles' must hold mobile numbers"},
      {{{"access_token", "t"}, {"at_all", "yes"}}, "'at_all' must be true or false"},
      {{{"access_token", "t"}, {"templates", (tmp.path() / "nowhere").string()}}, "dingtalk: 'templates'"},
      {{{"access_token", "t"}, {"events", "deadline.*"}}, "'events' must be an array of strings"},
  };
  for (const Case& c : cases) {
    PluginHost host(kPlugins);
    const Status s = host.Load(Spec("dingtalk", "dingtalk", c.settings, tmp.path()));
    EXPECT_EQ(s.code(), Code::kInvalidInput) << c.settings.dump();
    EXPECT_NE(s.message().find(c.message), std::string::npos) << s.message();
  }
}

// --- WeCom -------------------------------------------------------------------------------

TEST_F(RobotTest, WeComPostsMarkdownToTheKeyedUrl) {
  ASSERT_TRUE(StartRobot("wecom", kKey));
  PluginHost host(kPlugins);
  ASSERT_TRUE(host.Load(Spec("wecom", "wecom",
                             {{"url", Base() + "/cgi-bin/webhook/send"}, {"key_env", "DUBAN_TEST_WECOM_KEY"}},
                             tmp_.path()))
                  .ok());
  const DeliveryOutcome o = DeliverOne(host, "wecom", NoticeJson(7, "finance", "区财政局"));
  EXPECT_EQ(o.kind, Kind::kDelivered) << o.error;

  const auto reqs = Requests(log_);
  ASSERT_EQ(reqs.size(), 1u);
  EXPECT_EQ(reqs[0]["path"], "/cgi-bin/webhook/send?key=" + std::string(kKey));
  const json& msg = reqs[0]["message"];
  EXPECT_EQ(msg["msgtype"], "markdown");
  const std::string content = msg["markdown"]["content"];
  EXPECT_EQ(content.rfind("#### 【超期】区财政局", 0), 0u) << content;
  EXPECT_NE(content.find("材料收集"), std::string::npos) << content;
  EXPECT_NE(content.find("2021年10月20日"), std::string::npos) << content;
  EXPECT_NE(content.find("taishan-2021/7"), std::string::npos) << content;
}

TEST_F(RobotTest, WeComRetriesTheRateLimitAndRefusesAWrongKeyForGood) {
  ASSERT_TRUE(StartRobot("wecom", kKey));
  PluginHost host(kPlugins);
  const std::string url = Base() + "/cgi-bin/webhook/send";
  ASSERT_TRUE(host.Load(Spec("wecom", "wecom",
                             {{"url", url + "?key=" + std::string(kKey)},
                              {"msgtype", "text"},
                              {"mentioned_mobiles", {"13800000000", "@all"}}},
                             tmp_.path()))
                  .ok());
  ASSERT_TRUE(host.Load(Spec("wrong-key", "wecom", {{"url", url}, {"key_env", "DUBAN_TEST_WECOM_WRONG_KEY"}},
                             tmp_.path()))
                  .ok());
  const std::string forestry = NoticeJson(8, "forestry", "区林业局");
  DeliveryOutcome o = DeliverOne(host, "wecom", forestry);
  EXPECT_EQ(o.kind, Kind::kRetry) << o.error;
  EXPECT_NE(o.error.find("errcode 45009"), std::string::npos) << o.error;
  EXPECT_EQ(o.error.find(kKey), std::string::npos) << o.error;
  o = DeliverOne(host, "wecom", forestry);
  EXPECT_EQ(o.kind, Kind::kDelivered) << o.error;

  o = DeliverOne(host, "wrong-key", NoticeJson(7, "finance", "区财政局"));
  EXPECT_EQ(o.kind, Kind::kPermanent) << o.error;
  EXPECT_EQ(o.error, "plugin 'wrong-key' gave up: POST " + url + ": errcode 93000 (invalid webhook url)");

  o = DeliverOne(host, "wecom", NoticeJson(9, "women", "区妇联"));
  EXPECT_EQ(o.kind, Kind::kRetry) << o.error;
  EXPECT_NE(o.error.find("HTTP 503"), std::string::npos) << o.error;

  const auto reqs = Requests(log_);
  ASSERT_EQ(reqs.size(), 4u);
  EXPECT_EQ(reqs[1]["message"]["text"]["mentioned_mobile_list"], json::array({"13800000000", "@all"}));
}

TEST_F(RobotTest, WeComCutsALongMessageToTheRobotsLimit) {
  ASSERT_TRUE(StartRobot("wecom", kKey));
  PluginHost host(kPlugins);
  ASSERT_TRUE(host.Load(Spec("wecom", "wecom",
                             {{"url", Base() + "/cgi-bin/webhook/send"}, {"key_env", "DUBAN_TEST_WECOM_KEY"}},
                             tmp_.path()))
                  .ok());
  std::string long_name;
  for (int i = 0; i < 800; ++i) long_name += "财政";  // 4800 bytes, twice in the message
  const DeliveryOutcome o = DeliverOne(host, "wecom", NoticeJson(7, "finance", long_name));
  EXPECT_EQ(o.kind, Kind::kDelivered) << o.error;  // the fake robot refuses more than 4096 bytes
  const auto reqs = Requests(log_);
  ASSERT_EQ(reqs.size(), 1u);
  const std::string content = reqs[0]["message"]["markdown"]["content"];
  EXPECT_GT(content.size(), 4000u);
  EXPECT_LE(content.size(), 4096u);
  EXPECT_EQ(content.substr(content.size() - 6), "……");
}

TEST(WeCom, BadSettingsAreNamed) {
  TempDir tmp;
  ::unsetenv("DUBAN_TEST_NO_SUCH_KEY");
  struct Case {
    json settings;
    const char* message;
  };
  const Case cases[] = {
      {json::object(), "wecom: 'key_env' (or 'key', or key= in 'url') is required"},
      {{{"key_env", "DUBAN_TEST_NO_SUCH_KEY"}}, "DUBAN_TEST_NO_SUCH_KEY, which is not set"},
      {{{"url", "qyapi.weixin.qq.com/cgi-bin/webhook/send"}, {"key", "k"}}, "'url' must be an http:// or https://"},
      {{{"url", "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=k"}, {"key", "k"}}, "'url' already holds a key"},
      {{{"key", "k"}, {"msgtype", "news"}}, "'msgtype' must be \"markdown\" or \"text\""},
      {{{"key", "k"}, {"mentioned_mobiles", {"13800000000"}}}, "'mentioned_mobiles' works only with msgtype = \"text\""},
      {{{"key", "k"}, {"msgtype", "text"}, {"mentioned_mobiles", {"wangfang"}}}, "'mentioned_mobiles' must hold"},
      {{{"key", "k"}, {"request_timeout_seconds", 0}}, "'request_timeout_seconds' must be an integer from 1"},
  };
  for (const Case& c : cases) {
    PluginHost host(kPlugins);
    const Status s = host.Load(Spec("wecom", "wecom", c.settings, tmp.path()));
    EXPECT_EQ(s.code(), Code::kInvalidInput) << c.settings.dump();
    EXPECT_NE(s.message().find(c.message), std::string::npos) << s.message();
  }
}

// --- The configuration ---------------------------------------------------------------------

TEST(RobotConfig, TheExamplesTablesLoadOnceEnabledRenderingTheShippedTemplates) {
  std::ifstream in(kSource / "duban.example.toml");
  std::string text{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
  for (const char* table : {"[plugins.dingtalk]\nenabled = false", "[plugins.wecom]\nenabled = false"}) {
    const auto at = text.find(table);
    ASSERT_NE(at, std::string::npos) << table;
    text.replace(text.find("false", at), 5, "true");
  }
  auto c = runtime::ParseConfig(text, "duban.example.toml", kSource);
  ASSERT_TRUE(c.ok()) << c.status().str();
  ::setenv("DUBAN_DINGTALK_TOKEN", kToken, 1);
  ::setenv("DUBAN_DINGTALK_SECRET", kSecret, 1);
  ::setenv("DUBAN_WECOM_KEY", kKey, 1);
  PluginHost host(c->plugin_dir);
  int robots = 0;
  for (const PluginSpec& spec : c->PluginSpecs()) {
    if (spec.module != "dingtalk" && spec.module != "wecom") continue;
    ++robots;
    EXPECT_EQ(spec.settings["templates"], (c->share_dir / "workflows" / "templates").string());
    EXPECT_EQ(spec.timeout, seconds(30));
    const Status s = host.Load(spec);
    EXPECT_TRUE(s.ok()) << s.str();
    EXPECT_EQ(*host.Wants(spec.instance, model::EventTypeFromName("escalation.raised").value()), true);
    EXPECT_EQ(*host.Wants(spec.instance, model::EventTypeFromName("material.submitted").value()), false);
  }
  EXPECT_EQ(robots, 2);
  ::unsetenv("DUBAN_DINGTALK_SECRET");  // named by the table, so required
  PluginHost again(c->plugin_dir);
  for (const PluginSpec& spec : c->PluginSpecs()) {
    if (spec.module == "dingtalk") {
      EXPECT_NE(again.Load(spec).message().find("DUBAN_DINGTALK_SECRET, which is not set"), std::string::npos);
    }
  }
}

}  // namespace
}  // namespace duban::notify
