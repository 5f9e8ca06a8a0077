// Notices: the dispatcher's scheduling (order per lane, back-off, dead
// letters, quiet hours) over the in-memory outbox, the plugin host's
// isolation of misbehaving plugins, the e-mail plugin's MIME and templates,
// delivery to a real SMTP server (aiosmtpd, started on loopback here), the
// maildir fallback, the webhook's signature, and the configuration file.
#include <arpa/inet.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <deque>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>

#include "calendar/calendar.h"
#include "core/text.h"
#include "core/time.h"
#include "mime.h"
#include "notify/dispatcher.h"
#include "notify/plugin_host.h"
#include "store/testing/memory_outbox.h"
#include "runtime/config.h"
#include "runtime/maintenance.h"
#include "runtime/services.h"
#include "templates.h"
#include "support/local_server.h"
#include "support/temp_dir.h"

extern char** environ;

namespace duban::notify {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;
using std::chrono::hours;
using std::chrono::minutes;
using std::chrono::seconds;
using runtime::Config;
using runtime::DefaultConfig;
using runtime::LoadConfig;
using runtime::LogSettings;
using runtime::OpenLogger;
using runtime::OpenPlugins;
using runtime::ParseConfig;

const fs::path kSource = DUBAN_SOURCE_DIR;
const fs::path kPlugins = DUBAN_PLUGIN_DIR;
const fs::path kTestPlugins = DUBAN_TEST_PLUGIN_DIR;
const fs::path kTemplates = kSource / "workflows" / "templates";
constexpr const char* kPython = "/usr/bin/python3";

// --- Helpers -----------------------------------------------------------------------

Instant At(const std::string& text) {
  auto t = ParseInstant(text, TimeZone::Default());
  EXPECT_TRUE(t.ok()) << text;
  return t.ok() ? *t : Instant{};
}

std::string Slurp(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

std::vector<std::string> Lines(const fs::path& p) {
  std::vector<std::string> out;
  std::ifstream in(p);
  for (std::string line; std::getline(in, line);) out.push_back(line);
  return out;
}

using duban::testing::TempDir;
// The notice and outbox types live in the model and the store.
using model::Notice;
using model::NoticeFromJson;
using model::NoticeId;
using model::Recipient;
using model::ToJson;
using store::Delivery;
using store::DeliveryResult;
using store::DeliveryState;
using store::MemoryOutbox;
using store::Outbox;

// Files of a maildir's new/ and cur/.
std::vector<fs::path> MaildirFiles(const fs::path& dir) {
  std::vector<fs::path> out;
  for (const char* sub : {"new", "cur"}) {
    std::error_code ec;
    for (const auto& e : fs::directory_iterator(dir / sub, ec)) out.push_back(e.path());
  }
  std::sort(out.begin(), out.end());
  return out;
}

// A notice of the Taishan campaign for event `seq`.
Notice MakeNotice(std::int64_t seq, const std::string& unit, const std::string& type, Instant at,
                  std::vector<Recipient> recipients = {}) {
  Notice n;
  n.campaign = "taishan-2021";
  n.campaign_name = "泰山区2021年国家重点生态功能区县域生态环境质量监测评价与考核";
  n.seq = seq;
  n.id = NoticeId(n.campaign, seq);
  n.event.type = model::EventTypeFromName(type).value();
  n.event.unit = unit;
  n.event.actor = "system";
  n.event.at = at;
  n.unit_name = unit == "finance" ? "区财政局" : unit == "forestry" ? "区林业局" : unit;
  if (type.rfind("deadline.", 0) == 0 || type == "escalation.raised") {
    n.event.payload = {{"stage", "collecting"}, {"due", "2021-10-20T15:59:59Z"}, {"due_date", "2021-10-20"}};
    // As the engine fills them in (app::App::QueueNotices).
    n.display = {{"stage", "材料收集"},
                 {"owners", {"liaison", "coordinator"}},
                 {"owner_label", "区财政局联络员、协调人"},
                 {"scopes", {{"liaison", "unit"}, {"coordinator", "unit"}, {"office_director", "campaign"}}},
                 {"deadline", {{"date", "2021年10月20日"}, {"today", true}}},
                 {"thread", "taishan-2021." + unit + ".collecting"},
                 {"link", "http://127.0.0.1:8080/c/taishan-2021/units/" + unit},
                 {"office", {{{"name", "曹彬"}, {"phone", "8228386"}, {"email", "office-cao-bin@example.org"}}}}};
  }
  if (type == "escalation.raised") {
    n.event.payload["level"] = 1;
    n.event.payload["overdue_workdays"] = 2;
    n.display["deadline"] = {{"date", "2021年10月20日"}, {"overdue", 2}};
  }
  if (recipients.empty())
    recipients = {{"finance-liaison", "王芳", "wangfang@example.org", "liaison"},
                  {"finance-coordinator", "李强", "liqiang@example.org", "coordinator"}};
  n.recipients = std::move(recipients);
  return n;
}

// Runs a command, returning its standard output.
std::string Capture(const std::string& command) {
  std::string out;
  FILE* p = ::popen(command.c_str(), "r");
  if (p == nullptr) return out;
  char buf[4096];
  for (std::size_t n; (n = std::fread(buf, 1, sizeof buf, p)) > 0;) out.append(buf, n);
  ::pclose(p);
  return out;
}

// Every message of a maildir as Python's email package reads it.
json ReadMaildir(const fs::path& dir) {
  static const char* kScript = R"PY(
import email, email.policy, json, os, sys
out = []
for sub in ("new", "cur"):
    d = os.path.join(sys.argv[1], sub)
    if not os.path.isdir(d):
        continue
    for name in sorted(os.listdir(d)):
        with open(os.path.join(d, name), "rb") as f:
            data = f.read()
        m = email.message_from_bytes(data, policy=email.policy.default)
        body = m.get_body(("plain",))
        html = m.get_body(("html",))
        out.append({
            "file": os.path.join(d, name),
            "subject": str(m["subject"]),
            "raw_subject": email.message_from_bytes(data)["subject"],
            "from_name": m["from"].addresses[0].display_name,
            "from": m["from"].addresses[0].addr_spec,
            "to": [a.addr_spec for a in m["to"].addresses],
            "to_names": [a.display_name for a in m["to"].addresses],
            "rcpt_to": m.get("X-RcptTo", ""),
            "message_id": m["message-id"],
            "date": m["date"],
            "content_type": m.get_content_type(),
            "text": body.get_content() if body is not None else "",
            "html": html.get_content() if html is not None else "",
            "defects": sum(len(p.defects) for p in m.walk()),
        })
print(json.dumps(out, ensure_ascii=False))
)PY";
  const fs::path script = fs::temp_directory_path() / ("duban-read-maildir-" + std::to_string(::getpid()) + ".py");
  std::ofstream(script) << kScript;
  const std::string out = Capture(std::string(kPython) + " " + script.string() + " '" + dir.string() + "'");
  fs::remove(script);
  json j = json::parse(out, nullptr, false);
  EXPECT_TRUE(j.is_array()) << out;
  return j.is_array() ? j : json::array();
}

using duban::testing::FreePort;
using duban::testing::Listening;
using Server = duban::testing::LocalServer;

// aiosmtpd storing what it receives in the maildir `dir`.
Server SmtpServer(int port, const fs::path& dir) {
  return Server({kPython, "-m", "aiosmtpd", "-n", "-l", "127.0.0.1:" + std::to_string(port), "-c",
                 "aiosmtpd.handlers.Mailbox", dir.string()},
                port);
}

// Plugin settings as Config::PluginSpecs() makes them.
PluginSpec Spec(const std::string& module, json settings, const fs::path& base,
                std::chrono::milliseconds timeout = seconds(20)) {
  settings["duban"] = {{"base_dir", base.string()}, {"data_dir", (base / "data").string()}};
  return PluginSpec{module, module, std::move(settings), timeout};
}

json EmailSettings(const std::string& smtp_url, const fs::path& maildir) {
  return {{"templates", kTemplates.string()},
          {"smtp",
           {{"url", smtp_url},
            {"from", "duban@example.org"},
            {"from_name", "泰山区生态考核领导小组办公室"},
            {"starttls", "off"},
            {"timeout_seconds", 5},
            {"maildir", maildir.string()}}}};
}

DispatcherOptions Options(int max_attempts = 12) {
  DispatcherOptions o;
  o.hours.enabled = false;
  o.retry.base = seconds(60);
  o.retry.cap = hours(1);
  o.retry.max_attempts = max_attempts;
  o.seed = 42;
  return o;
}

// A Deliverer whose outcomes the test scripts per plugin.
class ScriptedPlugins final : public Deliverer {
 public:
  using Kind = DeliveryOutcome::Kind;
  explicit ScriptedPlugins(std::vector<std::string> names) : names_(std::move(names)) {}

  // The outcomes of the next deliveries through `plugin`, in order; when they
  // run out, deliveries succeed.
  void Script(const std::string& plugin, std::vector<Kind> kinds) {
    for (Kind k : kinds) script_[plugin].push_back(k);
  }
  void Refuse(const std::string& type) { unwanted_.insert(type); }
  // The notice ids delivered through `plugin`, in order of delivery attempts.
  std::vector<std::string> Attempted(const std::string& plugin) const {
    const auto it = attempted_.find(plugin);
    return it == attempted_.end() ? std::vector<std::string>{} : it->second;
  }

  std::vector<std::string> Plugins() const override { return names_; }
  Result<bool> Wants(const std::string&, model::EventType type) override {
    return unwanted_.count(std::string(model::EventTypeName(type))) == 0;
  }
  std::vector<DeliveryOutcome> DeliverAll(const std::vector<DeliveryJob>& jobs, std::size_t) override {
    std::vector<DeliveryOutcome> out;
    for (const DeliveryJob& job : jobs) {
      attempted_[job.plugin].push_back(json::parse(job.notice_json)["id"].get<std::string>());
      Kind k = Kind::kDelivered;
      auto& s = script_[job.plugin];
      if (!s.empty()) {
        k = s.front();
        s.pop_front();
      }
      out.push_back({k, k == Kind::kDelivered ? "" : "scripted failure", {}});
    }
    return out;
  }

 private:
  std::vector<std::string> names_;
  std::set<std::string> unwanted_;
  std::map<std::string, std::deque<Kind>> script_;
  std::map<std::string, std::vector<std::string>> attempted_;
};

std::vector<std::string> DeliveredIds(const MemoryOutbox& outbox, const std::string& plugin) {
  std::vector<std::string> ids;
  for (const Delivery& d : outbox.Deliveries(plugin))
    if (d.state == DeliveryState::kDelivered) ids.push_back(d.notice.id);
  return ids;
}

// Decodes base64 (test-side, to check the encoder independently).
std::string FromBase64(std::string_view s) {
  static const std::string kAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  std::uint32_t acc = 0;
  int bits = 0;
  for (char c : s) {
    if (c == '=') break;
    const auto v = kAlphabet.find(c);
    if (v == std::string::npos) continue;
    acc = (acc << 6) | static_cast<std::uint32_t>(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out += static_cast<char>((acc >> bits) & 0xFF);
    }
  }
  return out;
}

// --- Notice JSON ----------------------------------------------------------------------

TEST(NoticeJson, RoundTripsAndNamesBadMembers) {
  Notice n = MakeNotice(42, "finance", "deadline.missed", At("2021-10-21T00:00:00+08:00"));
  n.urgent = true;
  const json j = ToJson(n);
  EXPECT_EQ(j["id"], "taishan-2021/42");
  EXPECT_EQ(j["campaign"]["time_zone"], "Asia/Shanghai");
  EXPECT_EQ(j["event"]["at"], "2021-10-20T16:00:00Z");
  EXPECT_EQ(j["recipients"][0]["email"], "wangfang@example.org");
  auto back = NoticeFromJson(j);
  ASSERT_TRUE(back.ok()) << back.status().str();
  EXPECT_EQ(back->id, n.id);
  EXPECT_EQ(back->seq, 42);
  EXPECT_EQ(back->event.at, n.event.at);
  EXPECT_EQ(back->event.payload, n.event.payload);
  EXPECT_EQ(back->recipients, n.recipients);
  EXPECT_TRUE(back->urgent);

  json bad = j;
  bad["event"].erase("type");
  auto r = NoticeFromJson(bad);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("event.type"), std::string::npos) << r.status().message();
  bad = j;
  bad["recipients"][1]["person"] = 7;
  r = NoticeFromJson(bad);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("recipients[1].person"), std::string::npos) << r.status().message();
}

// --- Scheduling ---------------------------------------------------------------------------

TEST(RetryPolicy, DoublesUpToTheCapAndJitterOnlyShortens) {
  RetryPolicy p;
  p.base = seconds(60);
  p.cap = hours(1);
  p.jitter = 0.2;
  EXPECT_EQ(p.Delay(1, 0.0), seconds(60));
  EXPECT_EQ(p.Delay(2, 0.0), seconds(120));
  EXPECT_EQ(p.Delay(3, 0.0), seconds(240));
  EXPECT_EQ(p.Delay(7, 0.0), hours(1));  // 3840 s capped
  EXPECT_EQ(p.Delay(500, 0.0), hours(1));
  EXPECT_EQ(p.Delay(1, 0.5), seconds(54));
  EXPECT_EQ(p.Delay(3, 0.999999), seconds(192));
  for (double u : {0.0, 0.3, 0.99}) {
    EXPECT_LE(p.Delay(4, u), seconds(480));
    EXPECT_GE(p.Delay(4, u), seconds(384));
  }
}

TEST(WorkingHours, WaitForTheNextWorkingMorningOnTheCampaignCalendar) {
  auto years = calendar::LoadDirectory(kSource / "workflows" / "calendars");
  ASSERT_TRUE(years.ok()) << years.status().str();
  const calendar::Calendar cal = calendar::Calendar::FromYears(*years);
  WorkingHours h;
  h.is_working_day = [&cal](Date d) { return cal.IsWorkingDay(d); };
  EXPECT_TRUE(h.IsOpen(At("2021-09-30T09:00")));
  EXPECT_TRUE(h.IsOpen(At("2021-09-30T17:29:59")));
  EXPECT_FALSE(h.IsOpen(At("2021-09-30T17:30")));
  EXPECT_FALSE(h.IsOpen(At("2021-10-04T10:00")));  // National Day
  EXPECT_TRUE(h.IsOpen(At("2021-10-09T10:00")));   // a Saturday worked in exchange (调休)
  EXPECT_EQ(h.NextOpen(At("2021-09-30T18:00")), At("2021-10-08T09:00"));
  EXPECT_EQ(h.NextOpen(At("2021-10-08T08:00")), At("2021-10-08T09:00"));
  EXPECT_EQ(h.NextOpen(At("2021-10-08T11:00")), At("2021-10-08T11:00"));
  h.is_working_day = nullptr;  // plain weekends
  EXPECT_EQ(h.NextOpen(At("2021-10-08T18:00")), At("2021-10-11T09:00"));
}

TEST(Dispatcher, DeliversEachUnitsNoticesInOrderAndRetriesWithBackOff) {
  MemoryOutbox outbox;
  const Instant t0 = At("2021-10-21T10:00");
  for (int i = 1; i <= 3; ++i) ASSERT_TRUE(outbox.Add(MakeNotice(i, "finance", "deadline.missed", t0)).ok());
  ASSERT_TRUE(outbox.Add(MakeNotice(4, "forestry", "deadline.missed", t0)).ok());
  ScriptedPlugins plugins({"email"});
  using Kind = ScriptedPlugins::Kind;
  plugins.Script("email", {Kind::kRetry, Kind::kDelivered, Kind::kRetry});  // notices 1 and 4, then 1 again

  Dispatcher d(outbox, plugins, Options());
  auto pass = d.RunOnce(t0);
  ASSERT_TRUE(pass.ok()) << pass.status().str();
  EXPECT_EQ(pass->delivered, 1);
  EXPECT_EQ(pass->retried, 1);
  // Notice 1 failed: notices 2 and 3 of the same unit wait behind it.
  EXPECT_EQ(plugins.Attempted("email"), (std::vector<std::string>{"taishan-2021/1", "taishan-2021/4"}));
  const Delivery* first = outbox.Find("taishan-2021/1", "email");
  ASSERT_NE(first, nullptr);
  EXPECT_EQ(first->attempts, 1);
  EXPECT_EQ(first->last_error, "scripted failure");
  ASSERT_TRUE(first->next_attempt_at.has_value());
  EXPECT_GE(*first->next_attempt_at, t0 + seconds(48));
  EXPECT_LE(*first->next_attempt_at, t0 + seconds(60));

  // Before the back-off is over nothing is tried.
  pass = d.RunOnce(t0 + seconds(47));
  ASSERT_TRUE(pass.ok());
  EXPECT_TRUE(pass->results.empty());

  // The second failure doubles the wait.
  pass = d.RunOnce(*first->next_attempt_at);
  ASSERT_TRUE(pass.ok());
  EXPECT_EQ(pass->retried, 1);
  first = outbox.Find("taishan-2021/1", "email");
  const Instant second_try = first->last_attempt_at.value();
  EXPECT_GE(*first->next_attempt_at, second_try + seconds(96));
  EXPECT_LE(*first->next_attempt_at, second_try + seconds(120));

  // Then everything goes, in order, in one pass.
  const Instant third_try = *first->next_attempt_at;
  pass = d.RunOnce(third_try);
  ASSERT_TRUE(pass.ok());
  EXPECT_EQ(pass->delivered, 3);
  EXPECT_EQ(DeliveredIds(outbox, "email"),
            (std::vector<std::string>{"taishan-2021/1", "taishan-2021/2", "taishan-2021/3", "taishan-2021/4"}));
  const auto attempted = plugins.Attempted("email");
  EXPECT_EQ(std::vector<std::string>(attempted.end() - 3, attempted.end()),
            (std::vector<std::string>{"taishan-2021/1", "taishan-2021/2", "taishan-2021/3"}));
  EXPECT_EQ(first->delivered_at, third_try);
  EXPECT_FALSE(first->next_attempt_at.has_value());
}

TEST(Dispatcher, GivesUpAfterMaxAttemptsOrAPermanentFailureAndTheLaneMovesOn) {
  MemoryOutbox outbox;
  Instant now = At("2021-10-21T10:00");
  ASSERT_TRUE(outbox.Add(MakeNotice(1, "finance", "deadline.missed", now)).ok());
  ASSERT_TRUE(outbox.Add(MakeNotice(2, "finance", "deadline.missed", now)).ok());
  ASSERT_TRUE(outbox.Add(MakeNotice(3, "forestry", "deadline.missed", now)).ok());
  ScriptedPlugins plugins({"email"});
  using Kind = ScriptedPlugins::Kind;
  plugins.Script("email", {Kind::kRetry, Kind::kPermanent, Kind::kRetry, Kind::kRetry});
  Dispatcher d(outbox, plugins, Options(/*max_attempts=*/3));

  for (int i = 0; i < 5; ++i) {
    ASSERT_TRUE(d.RunOnce(now).ok());
    now += hours(2);
  }
  const Delivery* one = outbox.Find("taishan-2021/1", "email");
  EXPECT_EQ(one->state, DeliveryState::kDead);
  EXPECT_EQ(one->attempts, 3);
  EXPECT_NE(one->last_error.find("gave up after 3 attempts"), std::string::npos) << one->last_error;
  EXPECT_EQ(outbox.Find("taishan-2021/3", "email")->state, DeliveryState::kDead);  // permanent at once
  EXPECT_EQ(outbox.Find("taishan-2021/3", "email")->attempts, 1);
  EXPECT_EQ(DeliveredIds(outbox, "email"), std::vector<std::string>{"taishan-2021/2"});

  // An operator's retry revives a dead letter.
  ASSERT_TRUE(outbox.Retry("taishan-2021/1", "email").ok());
  ASSERT_TRUE(d.RunOnce(now).ok());
  EXPECT_EQ(outbox.Find("taishan-2021/1", "email")->state, DeliveryState::kDelivered);
}

TEST(Dispatcher, SkipsUnwantedTypesAndRefusesAStaleRecord) {
  MemoryOutbox outbox;
  const Instant now = At("2021-10-21T10:00");
  ASSERT_TRUE(outbox.Add(MakeNotice(1, "finance", "material.submitted", now)).ok());
  ASSERT_TRUE(outbox.Add(MakeNotice(2, "finance", "deadline.missed", now)).ok());
  ScriptedPlugins plugins({"email", "log"});
  plugins.Refuse("material.submitted");
  Dispatcher d(outbox, plugins, Options());
  auto pass = d.RunOnce(now);
  ASSERT_TRUE(pass.ok());
  EXPECT_EQ(pass->delivered, 2);
  EXPECT_EQ(outbox.Find("taishan-2021/1", "email")->state, DeliveryState::kSkipped);
  EXPECT_EQ(DeliveredIds(outbox, "log"), std::vector<std::string>{"taishan-2021/2"});

  DeliveryResult stale;
  stale.notice_id = "taishan-2021/2";
  stale.plugin = "email";
  stale.expected_attempts = 0;
  stale.state = DeliveryState::kDelivered;
  EXPECT_EQ(outbox.Record(stale).code(), Code::kConflict);
  stale.notice_id = "taishan-2021/99";
  EXPECT_EQ(outbox.Record(stale).code(), Code::kNotFound);
}

// A Deliverer that runs `during` (once) while its first batch is "being
// sent", as another dispatcher would run in another process meanwhile, and
// delivers everything.
class BusyPlugins final : public Deliverer {
 public:
  std::function<void()> during;
  std::function<void(const DeliveryProgress&)> while_sending;  // e.g. a slow server's ticks
  std::vector<std::string> attempted;

  std::vector<std::string> Plugins() const override { return {"email"}; }
  Result<bool> Wants(const std::string&, model::EventType) override { return true; }
  std::vector<DeliveryOutcome> DeliverAll(const std::vector<DeliveryJob>& jobs, std::size_t parallel) override {
    return DeliverEach(jobs, parallel, {});
  }
  std::vector<DeliveryOutcome> DeliverEach(const std::vector<DeliveryJob>& jobs, std::size_t,
                                           const DeliveryProgress& progress) override {
    for (const DeliveryJob& job : jobs) attempted.push_back(json::parse(job.notice_json)["id"].get<std::string>());
    if (while_sending) std::exchange(while_sending, nullptr)(progress);
    if (during) std::exchange(during, nullptr)();
    std::vector<DeliveryOutcome> out(jobs.size(), DeliveryOutcome{DeliveryOutcome::Kind::kDelivered, "", {}});
    for (std::size_t i = 0; i < out.size(); ++i)
      if (progress.done) progress.done(i, out[i]);
    return out;
  }
};

// Two dispatchers (two processes, or `serve` and `notices dispatch`) on one
// outbox: while the first sends, the second finds nothing it may take.
TEST(Dispatcher, FourDispatchersSendEachOnce) {
  MemoryOutbox outbox;
  const Instant now = At("2021-10-21T10:00");
  for (int i = 1; i <= 6; ++i)
    ASSERT_TRUE(outbox.Add(MakeNotice(i, i % 2 == 0 ? "forestry" : "finance", "deadline.missed", now)).ok());
  BusyPlugins first, others[3];
  DispatcherOptions o = Options();
  o.owner = "first";
  Dispatcher d1(outbox, first, o);
  std::vector<std::unique_ptr<Dispatcher>> rest;
  for (int i = 0; i < 3; ++i) {
    o.owner = "other-" + std::to_string(i);
    rest.push_back(std::make_unique<Dispatcher>(outbox, others[i], o));
  }
  first.during = [&] {
    for (auto& d : rest) {
      auto pass = d->RunOnce(now);
      ASSERT_TRUE(pass.ok());
      EXPECT_TRUE(pass->results.empty()) << "the lane heads are claimed, and their lanes wait behind them";
    }
  };
  auto pass = d1.RunOnce(now);
  ASSERT_TRUE(pass.ok());
  EXPECT_EQ(pass->delivered, 6);
  EXPECT_TRUE(pass->problems.empty());
  for (const BusyPlugins& b : others) EXPECT_TRUE(b.attempted.empty());
  EXPECT_EQ(first.attempted.size(), 6u);
  EXPECT_EQ(DeliveredIds(outbox, "email").size(), 6u);
}

// The first dispatcher stalls past its lease: the second takes the delivery
// over (counting the interrupted attempt) and delivers it; the first's late
// outcome is refused, not written over the newer one.
TEST(Dispatcher, AStalledDispatchersOutcomeIsFencedOffAfterATakeover) {
  MemoryOutbox outbox;
  const Instant now = At("2021-10-21T10:00");
  ASSERT_TRUE(outbox.Add(MakeNotice(1, "finance", "deadline.missed", now)).ok());
  BusyPlugins slow, quick;
  DispatcherOptions o = Options();
  o.owner = "slow";
  Dispatcher d1(outbox, slow, o);
  o.owner = "quick";
  Dispatcher d2(outbox, quick, o);
  slow.during = [&] {
    EXPECT_TRUE(d2.RunOnce(now + o.lease - seconds(1)).value().results.empty());
    auto pass = d2.RunOnce(now + o.lease);
    ASSERT_TRUE(pass.ok());
    EXPECT_EQ(pass->delivered, 1);
  };
  auto pass = d1.RunOnce(now);
  ASSERT_TRUE(pass.ok());
  EXPECT_EQ(pass->delivered, 0);
  ASSERT_EQ(pass->problems.size(), 1u);
  EXPECT_EQ(pass->problems[0].code(), Code::kConflict) << pass->problems[0].str();
  const Delivery* d = outbox.Find("taishan-2021/1", "email");
  EXPECT_EQ(d->state, DeliveryState::kDelivered);
  EXPECT_EQ(d->attempts, 2);  // the interrupted one and quick's
  EXPECT_EQ(d->delivered_at, now + o.lease);
  EXPECT_EQ(outbox.attempts().size(), 2u);  // the interruption, then quick's delivery
}

// The heartbeat: a send that outlasts the lease keeps its claim, because the
// dispatcher extends it while the plugin runs.
TEST(Dispatcher, ALongSendKeepsItsClaimByHeartbeat) {
  MemoryOutbox outbox;
  const Instant now = At("2021-10-21T10:00");
  ASSERT_TRUE(outbox.Add(MakeNotice(1, "finance", "deadline.missed", now)).ok());
  BusyPlugins slow, other;
  DispatcherOptions o = Options();
  o.lease = seconds(3);
  o.owner = "slow";
  Dispatcher d1(outbox, slow, o);
  o.owner = "other";
  Dispatcher d2(outbox, other, o);
  slow.while_sending = [&](const DeliveryProgress& progress) {
    std::this_thread::sleep_for(std::chrono::milliseconds(1100));  // over lease/3: the tick extends
    ASSERT_TRUE(progress.tick);
    progress.tick();
    const Delivery* d = outbox.Find("taishan-2021/1", "email");
    ASSERT_TRUE(d->lease_until.has_value());
    EXPECT_EQ(*d->lease_until, now + seconds(4));
    EXPECT_TRUE(d2.RunOnce(now + seconds(3)).value().results.empty()) << "not taken over";
  };
  auto pass = d1.RunOnce(now);
  ASSERT_TRUE(pass.ok());
  EXPECT_EQ(pass->delivered, 1);
  EXPECT_TRUE(other.attempted.empty());
}

TEST(Dispatcher, QuietHoursHoldANonUrgentNoticeUntilTheNextWorkingMorning) {
  auto years = calendar::LoadDirectory(kSource / "workflows" / "calendars");
  ASSERT_TRUE(years.ok()) << years.status().str();
  const calendar::Calendar cal = calendar::Calendar::FromYears(*years);
  MemoryOutbox outbox;
  const Instant evening = At("2021-09-30T18:00");  // the eve of National Day
  ASSERT_TRUE(outbox.Add(MakeNotice(1, "finance", "deadline.approaching", evening)).ok());
  Notice urgent = MakeNotice(2, "finance", "escalation.raised", evening);
  urgent.urgent = true;  // as the engine marks it when it queues it (notify.urgent)
  ASSERT_TRUE(outbox.Add(urgent).ok());
  ScriptedPlugins plugins({"email"});
  DispatcherOptions o = Options();
  o.hours.enabled = true;
  o.hours.is_working_day = [&cal](Date d) { return cal.IsWorkingDay(d); };
  o.urgent_types = {model::EventType::kEscalationRaised};
  Dispatcher d(outbox, plugins, o);

  auto pass = d.RunOnce(evening);
  ASSERT_TRUE(pass.ok());
  // The urgent escalation goes at once, in a lane of its own.
  EXPECT_EQ(DeliveredIds(outbox, "email"), std::vector<std::string>{"taishan-2021/2"});
  EXPECT_EQ(pass->held, 1);
  EXPECT_EQ(pass->next_open, At("2021-10-08T09:00"));
  for (const char* t : {"2021-09-30T23:00", "2021-10-04T10:00", "2021-10-08T08:59:59"}) {
    pass = d.RunOnce(At(t));
    ASSERT_TRUE(pass.ok());
    EXPECT_EQ(pass->delivered, 0) << t;
    EXPECT_EQ(pass->held, 1) << t;
  }
  EXPECT_EQ(outbox.Find("taishan-2021/1", "email")->attempts, 0);  // holding is not failing
  pass = d.RunOnce(At("2021-10-08T09:00"));
  ASSERT_TRUE(pass.ok());
  EXPECT_EQ(pass->delivered, 1);
  EXPECT_EQ(outbox.Find("taishan-2021/1", "email")->delivered_at, At("2021-10-08T09:00"));
}

// --- The plugin host ------------------------------------------------------------------------

TEST(PluginHost, RefusesAnAbiMismatchWithAClearMessage) {
  PluginHost host(kTestPlugins);
  const Status s = host.Load({"wrong_abi", "", json::object(), seconds(5)});
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.code(), Code::kInvalidInput);
  EXPECT_NE(s.message().find("plugin 'wrong_abi'"), std::string::npos) << s.message();
  EXPECT_NE(s.message().find("ABI version 99"), std::string::npos) << s.message();
  EXPECT_NE(s.message().find("speaks version 1"), std::string::npos) << s.message();
  EXPECT_TRUE(host.Plugins().empty());
}

TEST(PluginHost, NamesAMissingPluginAndBadSettings) {
  TempDir tmp;
  PluginHost host(kPlugins);
  Status s = host.Load({"fax", "", json::object(), seconds(5)});
  EXPECT_EQ(s.code(), Code::kNotFound);
  EXPECT_NE(s.message().find("libfax.so"), std::string::npos) << s.message();

  s = host.Load(Spec("log", json::object(), tmp.path()));
  EXPECT_EQ(s.code(), Code::kInvalidInput);
  EXPECT_NE(s.message().find("'file' is required"), std::string::npos) << s.message();

  s = host.Load(Spec("email", {{"templates", (tmp.path() / "nowhere").string()}}, tmp.path()));
  EXPECT_EQ(s.code(), Code::kInvalidInput);
  EXPECT_NE(s.message().find("'templates'"), std::string::npos) << s.message();

  ::unsetenv("DUBAN_TEST_NO_SUCH_SECRET");
  s = host.Load(Spec("webhook", {{"url", "http://127.0.0.1:9/"}, {"secret_env", "DUBAN_TEST_NO_SUCH_SECRET"}},
                     tmp.path()));
  EXPECT_EQ(s.code(), Code::kInvalidInput);
  EXPECT_NE(s.message().find("DUBAN_TEST_NO_SUCH_SECRET, which is not set"), std::string::npos) << s.message();

  ASSERT_TRUE(host.Load(Spec("log", {{"file", "notices.jsonl"}, {"events", {"deadline.*"}}}, tmp.path())).ok());
  EXPECT_EQ(host.Load(Spec("log", {{"file", "x"}}, tmp.path())).code(), Code::kInvalidInput);  // twice
  EXPECT_EQ(*host.Wants("log", model::EventType::kDeadlineMissed), true);
  EXPECT_EQ(*host.Wants("log", model::EventType::kMaterialSubmitted), false);
  EXPECT_EQ(host.Wants("fax", model::EventType::kDeadlineMissed).status().code(), Code::kNotFound);
}

TEST(PluginHost, APluginThatThrowsHangsOrCrashesFailsOnlyItsOwnDeliveries) {
  TempDir tmp;
  const fs::path maildir = tmp.path() / "maildir";
  PluginHost host(kTestPlugins);
  PluginHost real(kPlugins);  // a second host: plugins from two directories
  for (const char* bad : {"throws", "hangs", "crashes", "fails"})
    ASSERT_TRUE(host.Load({bad, "", json::object(), std::chrono::milliseconds(1500)}).ok()) << bad;
  ASSERT_TRUE(real.Load(Spec("log", {{"file", "notices.jsonl"}}, tmp.path())).ok());
  ASSERT_TRUE(real.Load(Spec("email", EmailSettings("", maildir), tmp.path())).ok());

  // One Deliverer over both hosts, the way one host would hold them all.
  class Both final : public Deliverer {
   public:
    Both(PluginHost& a, PluginHost& b) : a_(a), b_(b) {}
    std::vector<std::string> Plugins() const override {
      auto names = a_.Plugins();
      for (const auto& n : b_.Plugins()) names.push_back(n);
      return names;
    }
    PluginHost& Of(const std::string& p) {
      const auto names = a_.Plugins();
      return std::find(names.begin(), names.end(), p) != names.end() ? a_ : b_;
    }
    Result<bool> Wants(const std::string& p, model::EventType type) override { return Of(p).Wants(p, type); }
    std::vector<DeliveryOutcome> DeliverAll(const std::vector<DeliveryJob>& jobs, std::size_t parallel) override {
      // Each host runs its share of the jobs; the outcomes go back in job order.
      std::vector<DeliveryJob> ja, jb;
      std::vector<bool> in_a;
      for (const auto& j : jobs) {
        in_a.push_back(&Of(j.plugin) == &a_);
        (in_a.back() ? ja : jb).push_back(j);
      }
      auto oa = a_.DeliverAll(ja, parallel), ob = b_.DeliverAll(jb, parallel);
      std::vector<DeliveryOutcome> out;
      std::size_t ia = 0, ib = 0;
      for (bool a : in_a) out.push_back(a ? oa[ia++] : ob[ib++]);
      return out;
    }

   private:
    PluginHost& a_;
    PluginHost& b_;
  } both(host, real);

  MemoryOutbox outbox;
  const Instant now = At("2021-10-21T10:00");
  ASSERT_TRUE(outbox.Add(MakeNotice(1, "finance", "deadline.missed", now)).ok());
  ASSERT_TRUE(outbox.Add(MakeNotice(2, "forestry", "deadline.missed", now)).ok());
  ASSERT_TRUE(outbox.Add(MakeNotice(3, "finance", "escalation.raised", now)).ok());
  DispatcherOptions o = Options();
  o.parallel = 8;
  Dispatcher d(outbox, both, o);

  const auto started = std::chrono::steady_clock::now();
  auto pass = d.RunOnce(now);
  const auto took = std::chrono::steady_clock::now() - started;
  ASSERT_TRUE(pass.ok()) << pass.status().str();
  // The hanging plugin's two deliveries ran side by side with everything else.
  EXPECT_LT(took, seconds(8));

  EXPECT_EQ(DeliveredIds(outbox, "log").size(), 3u);
  EXPECT_EQ(DeliveredIds(outbox, "email").size(), 3u);
  EXPECT_EQ(Lines(tmp.path() / "notices.jsonl").size(), 3u);
  EXPECT_EQ(MaildirFiles(maildir).size(), 3u);

  const auto error_of = [&](const char* plugin) {
    const Delivery* del = outbox.Find("taishan-2021/1", plugin);
    EXPECT_NE(del, nullptr);
    EXPECT_EQ(del->state, DeliveryState::kPending) << plugin;
    EXPECT_EQ(del->attempts, 1) << plugin;
    return del->last_error;
  };
  EXPECT_NE(error_of("throws").find("threw an exception: the fixture plugin throws on purpose"), std::string::npos)
      << error_of("throws");
  EXPECT_NE(error_of("hangs").find("timed out after 1500ms"), std::string::npos) << error_of("hangs");
  const std::string crash = error_of("crashes");
  EXPECT_TRUE(crash.find("died of signal") != std::string::npos ||
              crash.find("exited with status") != std::string::npos)
      << crash;
  EXPECT_NE(error_of("fails").find("failed: the fixture plugin fails on purpose"), std::string::npos)
      << error_of("fails");
}

// --- The e-mail plugin's parts ---------------------------------------------------------

TEST(Mime, EncodedWordsSplitOnlyBetweenWholeCharacters) {
  const std::string subject =
      "【超期】区自然资源和规划局：“材料收集”已于2021年10月20日到期，请立即办理🙂并报领导小组办公室";
  const std::string encoded = duban_email::EncodeWords(subject, 9);
  std::string decoded;
  std::size_t words = 0;
  std::istringstream lines(encoded);
  std::size_t line_no = 0;
  for (std::string line; std::getline(lines, line); ++line_no) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line_no > 0) {
      ASSERT_EQ(line.front(), ' ');
      line.erase(0, 1);
    }
    ASSERT_LE(line.size(), 75u);
    ASSERT_EQ(line.rfind("=?UTF-8?B?", 0), 0u) << line;
    ASSERT_EQ(line.substr(line.size() - 2), "?=");
    const std::string part = FromBase64(line.substr(10, line.size() - 12));
    EXPECT_TRUE(IsValidUtf8(part)) << "word " << words << " splits a character";
    decoded += part;
    ++words;
  }
  EXPECT_GT(words, 2u);
  EXPECT_EQ(decoded, subject);
  EXPECT_LE(std::string("Subject: ").size() + encoded.find('\r'), 76u);
  EXPECT_EQ(duban_email::HeaderText("Plain ASCII", 9), "Plain ASCII");
  EXPECT_EQ(duban_email::HeaderText("Bcc:\r\ninjected", 9), "Bcc:  injected");
  EXPECT_EQ(duban_email::FormatMailbox("Office, Taishan", "o@example.org"), "\"Office, Taishan\" <o@example.org>");
}

// The decoded words of an EncodeWords result.
std::vector<std::string> DecodedWords(const std::string& encoded) {
  std::vector<std::string> out;
  std::istringstream lines(encoded);
  for (std::string line; std::getline(lines, line);) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (!line.empty() && line.front() == ' ') line.erase(0, 1);
    out.push_back(FromBase64(line.substr(10, line.size() - 12)));
  }
  return out;
}

TEST(Mime, ADisplayNameIsOneWordWhereItFitsElseSplitWhereASpaceDoesNoHarm) {
  // Fits (15 CJK characters and fewer): one encoded word, nothing for a
  // parser to show as a space.
  EXPECT_EQ(DecodedWords(duban_email::EncodeWords("区农业农村局联络员", 4)),
            std::vector<std::string>{"区农业农村局联络员"});
  // Too long for one word: split after the closing bracket, not mid-name
  // (Python's email shows the fold between two words of a display name as a
  // space: "（方案未列明） 区农业农村局联络员", not "…联络 员").
  EXPECT_EQ(DecodedWords(duban_email::EncodeWords("（方案未列明）区农业农村局联络员", 4)),
            (std::vector<std::string>{"（方案未列明）", "区农业农村局联络员"}));
  // No good break at all: between whole characters.
  const auto plain = DecodedWords(duban_email::EncodeWords("区林业保护发展中心联络员区林业保护发展中心联络员", 4));
  ASSERT_EQ(plain.size(), 2u);
  EXPECT_EQ(plain[0] + plain[1], "区林业保护发展中心联络员区林业保护发展中心联络员");
  EXPECT_TRUE(IsValidUtf8(plain[0]));
}

TEST(Mime, DatesIdsAndTheMessage) {
  using duban_email::ChineseDate;
  EXPECT_EQ(ChineseDate(std::chrono::year_month_day{std::chrono::year(2021), std::chrono::October,
                                                    std::chrono::day(20)}),
            "2021年10月20日");
  EXPECT_EQ(ChineseDate(At("2021-10-20T23:59:59"), "Asia/Shanghai"), "2021年10月20日");
  EXPECT_EQ(duban_email::ChineseDateTime(At("2021-10-08T09:05"), "Asia/Shanghai"), "2021年10月8日 09:05");
  EXPECT_EQ(duban_email::RfcDate(At("2021-10-21T09:00"), "Asia/Shanghai"), "Thu, 21 Oct 2021 09:00:00 +0800");
  EXPECT_EQ(duban_email::MessageIdFor("taishan-2021/42"), "<taishan-2021.42@duban.invalid>");
  EXPECT_EQ(duban_email::MaildirNameFor("taishan-2021/42"), "duban.taishan-2021.42");
  EXPECT_TRUE(duban_email::IsValidAddress("wangfang@example.org"));
  for (const char* bad : {"", "wangfang", "a@", "@b", "a b@c", "a@b>\r\nBcc: x@y"})
    EXPECT_FALSE(duban_email::IsValidAddress(bad)) << bad;

  duban_email::Message m;
  m.from = {"办公室", "duban@example.org"};
  m.to = {{"王芳", "wangfang@example.org"}};
  m.subject = "测试";
  m.text = "正文";
  m.html = "<p>正文</p>";
  m.message_id = "<x@duban.invalid>";
  m.date = "Thu, 21 Oct 2021 09:00:00 +0800";
  const std::string raw = duban_email::BuildMessage(m);
  EXPECT_EQ(raw, duban_email::BuildMessage(m));  // the same bytes on every attempt
  EXPECT_NE(raw.find("Content-Type: multipart/alternative"), std::string::npos);
  EXPECT_NE(raw.find("Content-Type: text/plain; charset=UTF-8"), std::string::npos);
  EXPECT_NE(raw.find("Content-Type: text/html; charset=UTF-8"), std::string::npos);
  for (std::size_t i = raw.find('\n'); i != std::string::npos; i = raw.find('\n', i + 1))
    ASSERT_EQ(raw[i - 1], '\r') << "bare LF at " << i;
}

TEST(Templates, RenderTheShippedChineseWording) {
  const duban_email::Templates t = duban_email::Templates::Load(kTemplates);
  Notice n = MakeNotice(42, "finance", "deadline.missed", At("2021-10-21T00:00"));
  const auto r = t.Render(ToJson(n), true);
  EXPECT_EQ(r.subject, "【超期】区财政局：“材料收集”已于2021年10月20日到期");
  EXPECT_EQ(r.text.rfind("王芳、李强：\n\n区财政局的“材料收集”工作应于2021年10月20日完成，截止时仍未完成，现已超期。", 0), 0u) << r.text;
  EXPECT_NE(r.text.find("办理时限：2021年10月20日（今天是截止日）"), std::string::npos) << r.text;
  EXPECT_NE(r.text.find("办理入口：http://127.0.0.1:8080/c/taishan-2021/units/finance"), std::string::npos) << r.text;
  EXPECT_NE(r.text.find("领导小组办公室联系人：\n　曹彬，电话 8228386，邮箱 office-cao-bin@example.org\n"), std::string::npos) << r.text;
  EXPECT_EQ(r.text.find("超期0个工作日"), std::string::npos) << r.text;
  EXPECT_NE(r.text.find("通知编号：taishan-2021/42"), std::string::npos) << r.text;
  EXPECT_NE(r.html.find("<p style=\"margin: 0 0 0.4em 0;\">王芳、李强："), std::string::npos) << r.html;

  // A type without templates of its own falls back to the default ones.
  // (The engine names none such: a plugin may be older than the engine.)
  n = MakeNotice(43, "finance", "deadline.missed", At("2021-10-21T00:00"), {{"p", "", "", "liaison"}});
  nlohmann::json newer = ToJson(n);
  newer["event"]["type"] = "something.new";
  const auto d = t.Render(newer, false);
  EXPECT_EQ(d.subject, "【督办通知】区财政局：泰山区2021年国家重点生态功能区县域生态环境质量监测评价与考核有新的动态");
  EXPECT_EQ(d.text.rfind("各位同志：", 0), 0u) << d.text;
  EXPECT_TRUE(d.html.empty());
}

// Strict rendering (the tests' setting): a variable with no value is an error
// naming it, never an empty field in a mail; a section on a missing value is
// how a template says "only when there is one".
TEST(Templates, StrictRenderingRefusesAVariableWithoutAValue) {
  TempDir tmp;
  const fs::path dir = tmp.path() / "templates";
  fs::create_directories(dir);
  const auto write = [&](const std::string& name, const std::string& text) { std::ofstream(dir / name) << text; };
  write("default.subject.mustache", "{{unit_name}}");
  write("default.txt.mustache", "{{#payload.note}}意见：{{payload.note}}{{/payload.note}}");
  write("deadline.missed.subject.mustache", "应于{{display.deadline.date}}完成");
  write("deadline.missed.txt.mustache", "催办：{{unit_name}}");
  const duban_email::Templates t = duban_email::Templates::Load(dir);
  nlohmann::json n = ToJson(MakeNotice(7, "finance", "deadline.missed", At("2021-10-21T00:00")));
  EXPECT_NO_THROW(t.Render(n, false, true));  // every variable has its value
  n["display"].erase("deadline");
  EXPECT_EQ(t.Render(n, false, false).subject, "应于完成");  // what the office would have read
  try {
    (void)t.Render(n, false, true);
    ADD_FAILURE() << "a missing {{display.deadline.date}} rendered";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("{{display.deadline.date}}"), std::string::npos) << e.what();
  }
  nlohmann::json other = ToJson(MakeNotice(8, "finance", "material.returned", At("2021-10-21T00:00")));
  EXPECT_NO_THROW(t.Render(other, false, true));  // {{#payload.note}} guards its variable
}

// --- Delivery to a real SMTP server --------------------------------------------------

class Smtp : public ::testing::Test {
 protected:
  void SetUp() override {
    port_ = FreePort();
    received_ = tmp_.path() / "received";
    ASSERT_TRUE(host_.Load(Spec("email", EmailSettings("smtp://127.0.0.1:" + std::to_string(port_), tmp_.path() / "unused"),
                                tmp_.path()))
                    .ok());
  }

  TempDir tmp_;
  int port_ = 0;
  fs::path received_;
  PluginHost host_{kPlugins};
};

TEST_F(Smtp, AMessageArrivesWithItsRecipientsAndAChineseSubject) {
  Server server = SmtpServer(port_, received_);
  ASSERT_TRUE(server.Start());
  MemoryOutbox outbox;
  const Instant at = At("2021-10-21T00:00");
  ASSERT_TRUE(outbox.Add(MakeNotice(42, "finance", "deadline.missed", at)).ok());
  Dispatcher d(outbox, host_, Options());
  auto pass = d.RunOnce(At("2021-10-21T09:00"));
  ASSERT_TRUE(pass.ok()) << pass.status().str();
  ASSERT_EQ(pass->delivered, 1) << (pass->results.empty() ? "" : pass->results[0].error);

  const json mail = ReadMaildir(received_);
  ASSERT_EQ(mail.size(), 1u) << mail.dump();
  const json& m = mail[0];
  EXPECT_EQ(m["subject"], "【超期】区财政局：“材料收集”已于2021年10月20日到期");
  EXPECT_NE(m["raw_subject"].get<std::string>().find("=?UTF-8?B?"), std::string::npos);
  EXPECT_EQ(m["to"], (json{"wangfang@example.org", "liqiang@example.org"}));
  EXPECT_EQ(m["to_names"], (json{"王芳", "李强"}));
  EXPECT_EQ(m["rcpt_to"], "wangfang@example.org, liqiang@example.org");
  EXPECT_EQ(m["from"], "duban@example.org");
  EXPECT_EQ(m["from_name"], "泰山区生态考核领导小组办公室");
  EXPECT_EQ(m["message_id"], "<taishan-2021.42@duban.invalid>");
  EXPECT_EQ(m["date"], "Thu, 21 Oct 2021 00:00:00 +0800");
  EXPECT_EQ(m["content_type"], "multipart/alternative");
  EXPECT_NE(m["text"].get<std::string>().find("应于2021年10月20日完成"), std::string::npos) << m["text"];
  EXPECT_NE(m["html"].get<std::string>().find("应于2021年10月20日完成"), std::string::npos);
  EXPECT_EQ(m["defects"], 0);
}

TEST_F(Smtp, WhileTheServerIsDownNoticesWaitAndThenEachArrivesExactlyOnce) {
  MemoryOutbox outbox;
  Instant now = At("2021-10-21T09:00");
  std::set<std::string> expected;
  for (int i = 1; i <= 5; ++i) {
    ASSERT_TRUE(outbox.Add(MakeNotice(i, i % 2 == 0 ? "forestry" : "finance", "deadline.missed", now)).ok());
    expected.insert("<taishan-2021." + std::to_string(i) + "@duban.invalid>");
  }
  Dispatcher d(outbox, host_, Options());

  // Down for a stretch: every attempt fails, only the lane heads (notices 1
  // and 2) are tried, and the waits grow.
  std::vector<std::chrono::seconds> waits;
  for (int round = 0; round < 4; ++round) {
    auto pass = d.RunOnce(now);
    ASSERT_TRUE(pass.ok());
    EXPECT_EQ(pass->delivered, 0);
    EXPECT_EQ(pass->retried, 2) << "one per unit";
    const Delivery* one = outbox.Find("taishan-2021/1", "email");
    const Delivery* two = outbox.Find("taishan-2021/2", "email");
    ASSERT_TRUE(one != nullptr && two != nullptr);
    EXPECT_EQ(one->attempts, round + 1);
    EXPECT_NE(one->last_error.find("SMTP smtp://127.0.0.1:"), std::string::npos) << one->last_error;
    waits.push_back(*one->next_attempt_at - now);
    now = std::max(*one->next_attempt_at, *two->next_attempt_at);
  }
  EXPECT_GT(waits[3], waits[1]);
  EXPECT_GT(waits[1], waits[0]);
  EXPECT_EQ(outbox.Find("taishan-2021/3", "email")->attempts, 0);  // behind its unit's head

  // Up again.
  Server server = SmtpServer(port_, received_);
  ASSERT_TRUE(server.Start());
  auto pass = d.RunOnce(now);
  ASSERT_TRUE(pass.ok());
  EXPECT_EQ(pass->delivered, 5);
  pass = d.RunOnce(now + hours(24));  // nothing left, nothing sent twice
  ASSERT_TRUE(pass.ok());
  EXPECT_TRUE(pass->results.empty());

  const json mail = ReadMaildir(received_);
  std::multiset<std::string> ids;
  for (const json& m : mail) ids.insert(m["message_id"].get<std::string>());
  EXPECT_EQ(ids.size(), 5u);
  EXPECT_EQ(std::set<std::string>(ids.begin(), ids.end()), expected);
}

// --- The maildir fallback ----------------------------------------------------------------

TEST(Maildir, OneFilePerNoticeAndARetryDoesNotDuplicate) {
  TempDir tmp;
  const fs::path maildir = tmp.path() / "maildir";
  PluginHost host(kPlugins);
  ASSERT_TRUE(host.Load(Spec("email", EmailSettings("", maildir), tmp.path())).ok());
  MemoryOutbox outbox;
  const Instant now = At("2021-10-21T10:00");
  ASSERT_TRUE(outbox.Add(MakeNotice(1, "finance", "deadline.missed", now)).ok());
  ASSERT_TRUE(outbox.Add(MakeNotice(2, "forestry", "escalation.raised", now)).ok());
  Dispatcher d(outbox, host, Options());
  auto pass = d.RunOnce(now);
  ASSERT_TRUE(pass.ok());
  ASSERT_EQ(pass->delivered, 2);
  EXPECT_EQ(MaildirFiles(maildir),
            (std::vector<fs::path>{maildir / "new" / "duban.taishan-2021.1", maildir / "new" / "duban.taishan-2021.2"}));
  EXPECT_TRUE(fs::is_empty(maildir / "tmp"));

  // A mail client reads one (moving it to cur/); then both are delivered again,
  // as after a crash before the outcome was recorded.
  fs::rename(maildir / "new" / "duban.taishan-2021.1", maildir / "cur" / "duban.taishan-2021.1:2,S");
  ASSERT_TRUE(outbox.Retry("taishan-2021/1", "email").ok());
  ASSERT_TRUE(outbox.Retry("taishan-2021/2", "email").ok());
  pass = d.RunOnce(now + hours(1));
  ASSERT_TRUE(pass.ok());
  EXPECT_EQ(pass->delivered, 2);
  EXPECT_EQ(MaildirFiles(maildir).size(), 2u);

  const json mail = ReadMaildir(maildir);
  ASSERT_EQ(mail.size(), 2u);
  EXPECT_EQ(mail[0]["subject"], "【督办】区林业局：“材料收集”已超期2个工作日");
  EXPECT_EQ(mail[1]["subject"], "【超期】区财政局：“材料收集”已于2021年10月20日到期");
  EXPECT_EQ(mail[1]["to"], (json{"wangfang@example.org", "liqiang@example.org"}));
  EXPECT_EQ(mail[1]["defects"], 0);
  // Files on disk have LF line ends, as a local mail client expects.
  EXPECT_EQ(Slurp(mail[0]["file"].get<std::string>()).find('\r'), std::string::npos);
}

// An outbox that loses the first `failures` outcomes, as when duban stops
// after a plugin delivered but before the store recorded it.
class ForgetfulOutbox final : public Outbox {
 public:
  ForgetfulOutbox(MemoryOutbox& inner, int failures) : inner_(inner), failures_(failures) {}
  Status Plan(const std::string& plugin,
              const std::function<Result<bool>(model::EventType event_type)>& wants) override {
    return inner_.Plan(plugin, wants);
  }
  Result<std::vector<Delivery>> Due(const std::string& plugin, Instant now, std::size_t limit) override {
    return inner_.Due(plugin, now, limit);
  }
  Result<std::vector<Delivery>> Claim(const std::string& plugin, const std::string& owner, Instant now,
                                      std::chrono::seconds lease, std::size_t limit,
                                      const std::function<bool(const Delivery&)>& take) override {
    return inner_.Claim(plugin, owner, now, lease, limit, take);
  }
  Result<int> Extend(const std::string& owner, Instant until) override { return inner_.Extend(owner, until); }
  Status Record(const DeliveryResult& result) override {
    if (failures_ > 0) {
      --failures_;
      return Status::Io("the store went away");
    }
    return inner_.Record(result);
  }

 private:
  MemoryOutbox& inner_;
  int failures_;
};

TEST(Maildir, TheEmbeddedDefaultDeliversAgainAfterALostRecordWithoutDuplicating) {
  TempDir tmp;
  Config config = DefaultConfig(tmp.path());
  config.plugin_dir = kPlugins;
  auto host = OpenPlugins(config);
  ASSERT_TRUE(host.ok()) << host.status().str();
  EXPECT_EQ((*host)->Plugins(), std::vector<std::string>{"email"});

  MemoryOutbox memory;
  const Instant now = At("2021-10-21T10:00");
  ASSERT_TRUE(memory.Add(MakeNotice(1, "finance", "deadline.missed", now)).ok());
  ForgetfulOutbox outbox(memory, 1);
  auto options = config.Dispatch(nullptr);
  ASSERT_TRUE(options.ok());
  options->seed = 1;
  Dispatcher d(outbox, **host, *options);

  auto pass = d.RunOnce(now);  // delivered, but the outcome is lost
  ASSERT_TRUE(pass.ok());
  ASSERT_EQ(pass->problems.size(), 1u);
  EXPECT_EQ(memory.Find("taishan-2021/1", "email")->state, DeliveryState::kPending);
  const fs::path maildir = tmp.path() / "duban-data" / "maildir";
  EXPECT_EQ(MaildirFiles(maildir).size(), 1u);

  // Still claimed (as after a crash) until the claim runs out.
  pass = d.RunOnce(now + minutes(1));
  ASSERT_TRUE(pass.ok());
  EXPECT_EQ(pass->delivered, 0);
  pass = d.RunOnce(now + options->lease);  // taken over, delivered again: at least once, but one message
  ASSERT_TRUE(pass.ok());
  EXPECT_EQ(pass->delivered, 1);
  EXPECT_EQ(memory.Find("taishan-2021/1", "email")->state, DeliveryState::kDelivered);
  EXPECT_EQ(MaildirFiles(maildir), std::vector<fs::path>{maildir / "new" / "duban.taishan-2021.1"});
}

// After a crash between the server's acceptance and the record, the retry
// sends each of the notice's messages (one per kind of reader) again under
// exactly the Message-ID of the interrupted attempt, so the receiver can drop
// the copy.
TEST_F(Smtp, ARetryAfterACrashReusesEachMessagesMessageId) {
  Server server = SmtpServer(port_, received_);
  ASSERT_TRUE(server.Start());
  MemoryOutbox memory;
  const Instant now = At("2021-10-21T10:00");
  ASSERT_TRUE(memory
                  .Add(MakeNotice(7, "finance", "escalation.raised", now,
                                  {{"finance-liaison", "王芳", "wangfang@example.org", "liaison"},
                                   {"office-director", "孙业村", "sun@example.org", "office_director"}}))
                  .ok());
  ForgetfulOutbox outbox(memory, 1);
  DispatcherOptions o = Options();
  Dispatcher d(outbox, host_, o);
  ASSERT_TRUE(d.RunOnce(now).ok());  // sent, the outcome lost: as if killed
  const json first = ReadMaildir(received_);
  ASSERT_EQ(first.size(), 2u) << first.dump();
  auto pass = d.RunOnce(now + o.lease);
  ASSERT_TRUE(pass.ok());
  EXPECT_EQ(pass->delivered, 1);
  const json all = ReadMaildir(received_);
  ASSERT_EQ(all.size(), 4u);
  std::map<std::string, std::vector<std::string>> by_id;  // Message-ID -> rcpt lists
  for (const json& m : all) by_id[m["message_id"].get<std::string>()].push_back(m["rcpt_to"].get<std::string>());
  ASSERT_EQ(by_id.size(), 2u);
  EXPECT_EQ(by_id.count("<taishan-2021.7@duban.invalid>"), 1u);
  for (const auto& [id, rcpts] : by_id) {
    ASSERT_EQ(rcpts.size(), 2u) << id;
    EXPECT_EQ(rcpts[0], rcpts[1]) << id;
  }
}

// --- The webhook ---------------------------------------------------------------------------

std::string HexHmac(const std::string& key, const std::string& data) {
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned len = 0;
  HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()), reinterpret_cast<const unsigned char*>(data.data()),
       data.size(), out, &len);
  std::string hex;
  char buf[3];
  for (unsigned i = 0; i < len; ++i) {
    std::snprintf(buf, sizeof buf, "%02x", out[i]);
    hex += buf;
  }
  return hex;
}

TEST(Webhook, PostsTheNoticeSignedWithHmacSha256) {
  TempDir tmp;
  const int port = FreePort();
  const fs::path requests = tmp.path() / "requests.jsonl";
  const std::string receiver = R"PY(
import http.server, json, sys
class H(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        body = self.rfile.read(int(self.headers["Content-Length"]))
        with open(sys.argv[2], "a") as f:
            f.write(json.dumps({"headers": {k.lower(): v for k, v in self.headers.items()}, "body": body.decode()}) + "\n")
        self.send_response(204 if json.loads(body)["event"]["unit"] == "finance" else 400)
        self.end_headers()
    def log_message(self, *args):
        pass
http.server.HTTPServer(("127.0.0.1", int(sys.argv[1])), H).serve_forever()
)PY";
  Server server({kPython, "-c", receiver, std::to_string(port), requests.string()}, port);
  ASSERT_TRUE(server.Start());
  ::setenv("DUBAN_TEST_WEBHOOK_SECRET", "s3cret", 1);
  PluginHost host(kPlugins);
  ASSERT_TRUE(host.Load(Spec("webhook",
                             {{"url", "http://127.0.0.1:" + std::to_string(port) + "/hook"},
                              {"secret_env", "DUBAN_TEST_WEBHOOK_SECRET"}},
                             tmp.path()))
                  .ok());
  MemoryOutbox outbox;
  const Instant now = At("2021-10-21T10:00");
  ASSERT_TRUE(outbox.Add(MakeNotice(7, "finance", "deadline.missed", now)).ok());
  ASSERT_TRUE(outbox.Add(MakeNotice(8, "forestry", "deadline.missed", now)).ok());
  Dispatcher d(outbox, host, Options());
  auto pass = d.RunOnce(now);
  ASSERT_TRUE(pass.ok());
  EXPECT_EQ(pass->delivered, 1);
  EXPECT_EQ(pass->dead, 1);  // a 400 will never succeed
  EXPECT_NE(outbox.Find("taishan-2021/8", "webhook")->last_error.find("HTTP 400"), std::string::npos);

  const auto lines = Lines(requests);
  ASSERT_EQ(lines.size(), 2u);
  // The two deliveries run in parallel: take finance's request, whichever came first.
  const bool first_is_finance = json::parse(json::parse(lines[0])["body"].get<std::string>())["id"] == "taishan-2021/7";
  const json req = json::parse(lines[first_is_finance ? 0 : 1]);
  const json& h = req["headers"];
  const std::string body = req["body"];
  EXPECT_EQ(json::parse(body)["id"], "taishan-2021/7");
  EXPECT_EQ(h["idempotency-key"], "taishan-2021/7");
  EXPECT_EQ(h["x-duban-event"], "deadline.missed");
  EXPECT_EQ(h["content-type"], "application/json; charset=utf-8");
  const std::string ts = h["x-duban-timestamp"];
  const long sent = std::stol(ts);
  const long wall = std::chrono::duration_cast<seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
  EXPECT_LE(wall - sent, 60);
  EXPECT_GE(wall - sent, 0);
  EXPECT_EQ(h["x-duban-signature"], "sha256=" + HexHmac("s3cret", ts + "." + body));
}

// --- Configuration ---------------------------------------------------------------------------

TEST(NotifyConfig, TheShippedExampleLoads) {
  auto c = LoadConfig(kSource / "duban.example.toml");
  ASSERT_TRUE(c.ok()) << c.status().str();
  EXPECT_EQ(c->database, kSource / "duban-data" / "duban.db");
  // Without plugin_dir and share_dir, the binary's own layout: here the build tree's.
  EXPECT_TRUE(fs::exists(c->plugin_dir / "libemail.so")) << c->plugin_dir;
  EXPECT_TRUE(fs::exists(c->share_dir / "workflows" / "annual-cycle.toml")) << c->share_dir;
  EXPECT_EQ(c->log.file, kSource / "duban-data" / "duban.log");
  EXPECT_EQ(c->notify.urgent, std::vector<model::EventType>{model::EventType::kEscalationRaised});
  EXPECT_EQ(c->notify.work_start, minutes(9 * 60));
  EXPECT_EQ(c->notify.work_end, minutes(17 * 60 + 30));
  EXPECT_EQ(c->notify.retry.max_attempts, 12);
  EXPECT_EQ(c->smtp.password_env, "DUBAN_SMTP_PASSWORD");
  ASSERT_EQ(c->plugins.size(), 5u);
  const auto specs = c->PluginSpecs();  // webhook, dingtalk and wecom are disabled
  ASSERT_EQ(specs.size(), 2u);
  EXPECT_EQ(specs[0].instance, "email");
  EXPECT_EQ(specs[0].timeout, seconds(60));
  // Without a templates key of its own, the e-mail plugin renders the shipped ones.
  EXPECT_EQ(specs[0].settings["templates"], (c->share_dir / "workflows" / "templates").string());
  EXPECT_TRUE(fs::exists(fs::path(specs[0].settings["templates"].get<std::string>()) /
                         "escalation.raised.txt.mustache"));
  EXPECT_EQ(specs[0].settings["smtp"]["maildir"], (kSource / "duban-data" / "maildir").string());
  EXPECT_EQ(specs[0].settings["duban"]["base_dir"], kSource.string());
  EXPECT_FALSE(specs[0].settings.contains("timeout_seconds"));
  EXPECT_EQ(specs[1].instance, "log");
  auto o = c->Dispatch(nullptr);
  ASSERT_TRUE(o.ok());
  EXPECT_EQ(o->hours.tz.name(), "Asia/Shanghai");
  EXPECT_EQ(o->retry.cap, seconds(21600));

  const Config def = DefaultConfig("/srv/duban");
  EXPECT_EQ(def.database, fs::path("/srv/duban/duban-data/duban.db"));
  ASSERT_EQ(def.PluginSpecs().size(), 1u);
  EXPECT_EQ(def.PluginSpecs()[0].settings["smtp"]["url"], "");
  EXPECT_EQ(def.PluginSpecs()[0].settings["smtp"]["maildir"], "/srv/duban/duban-data/maildir");
}

TEST(NotifyConfig, ABadSettingIsNamedWithItsPlace) {
  struct Case {
    const char* text;
    const char* key;
    std::uint32_t line;
    std::uint32_t column;
  };
  const Case cases[] = {
      {"[notify.retry]\nmax_attempts = -3\n", "'notify.retry.max_attempts' must be an integer from 1 to 1000, not -3",
       2, 16},
      {"[notify]\nretyr = 1\n", "unknown key 'notify.retyr'", 2, 1},
      {"[notify.quiet_hours]\nwork_start = \"18:00\"\nwork_end = \"09:00\"\n",
       "'notify.quiet_hours.work_end' must come after 'notify.quiet_hours.work_start'", 3, 12},
      {"[notify.quiet_hours]\nwork_start = \"9am\"\n", "'notify.quiet_hours.work_start' must be a time of day", 2, 14},
      {"[log]\nlevel = \"loud\"\n", "'log.level' must be one of \"trace\"", 2, 9},
      {"[smtp]\nurl = \"http://mail\"\n", "'smtp.url' must be an smtp:// or smtps:// URL", 2, 7},
      {"[smtp]\ntimeout_seconds = \"30\"\n", "'smtp.timeout_seconds' must be an integer", 2, 19},
      {"[notify]\ntime_zone = \"Mars/Olympus\"\n", "'notify.time_zone' must be an IANA time zone", 2, 13},
      {"[notify]\nurgent = \"escalation.raised\"\n", "'notify.urgent' must be an array of strings", 2, 10},
      {"[notify]\nurgent = [\"deadline.missed\", \"escalation.rasied\"]\n",
       "'notify.urgent' names the unknown event type \"escalation.rasied\"", 2, 30},
      {"[plugins]\nemail = 3\n", "'plugins.email' must be a table", 2, 9},
      {"[plugins.email]\nenabled = \"yes\"\n", "'plugins.email.enabled' must be true or false", 2, 11},
      {"database = \n", "TOML syntax error", 1, 12},
  };
  for (const Case& c : cases) {
    auto r = ParseConfig(c.text, "duban.toml", "/srv/duban");
    ASSERT_FALSE(r.ok()) << c.text;
    const Status& s = r.status();
    EXPECT_EQ(s.code(), Code::kInvalidInput);
    EXPECT_NE(s.message().find(c.key), std::string::npos) << s.str();
    EXPECT_EQ(s.pos().file, "duban.toml");
    EXPECT_EQ(s.pos().line, c.line) << s.str();
    EXPECT_EQ(s.pos().column, c.column) << s.str();
  }
  auto missing = LoadConfig("/nonexistent/duban.toml");
  EXPECT_EQ(missing.status().code(), Code::kNotFound);
}

TEST(NotifyConfig, LoggingGoesToARotatingFile) {
  TempDir tmp;
  LogSettings log;
  log.file = tmp.path() / "logs" / "duban.log";
  log.level = "warn";
  auto logger = OpenLogger(log, "notify-test");
  ASSERT_TRUE(logger.ok()) << logger.status().str();
  (*logger)->info("not written");
  (*logger)->warn("written: {}", "通知");
  (*logger)->flush();
  const std::string text = Slurp(log.file);
  EXPECT_EQ(text.find("not written"), std::string::npos);
  EXPECT_NE(text.find("written: 通知"), std::string::npos);
}

}  // namespace
}  // namespace duban::notify

namespace duban::notify {
namespace {

// --- duban doctor against a real SMTP server ---------------------------------------------

// The doctor's line for `item`, or an empty check.
runtime::Check Line(const std::vector<runtime::Check>& checks, const std::string& item) {
  for (const auto& c : checks)
    if (c.item == item) return c;
  return {};
}

TEST(Doctor, SaysWhetherTheSmtpServerAnswersAndWhatIsWrongWithTheDatabase) {
  TempDir tmp;
  const int port = FreePort();
  const fs::path config = tmp.path() / "duban.toml";
  std::ofstream(config) << "data_dir = \"data\"\n[smtp]\nurl = \"smtp://127.0.0.1:" << port
                        << "\"\nstarttls = \"off\"\nfrom = \"duban@example.org\"\ntimeout_seconds = 5\n";
  const std::string db = (tmp.path() / "data" / "duban.db").string();
  const Instant now = *ParseInstant("2026-12-02T10:00", TimeZone::Default());

  // No database yet: the doctor says so and opens nothing, creates nothing.
  {
    runtime::Services services;
    const auto checks = runtime::Doctor(services, db, "", config.string(), now);
    EXPECT_EQ(Line(checks, "database").level, runtime::Check::Level::kFail);
    EXPECT_NE(Line(checks, "database").detail.find("does not exist"), std::string::npos);
    EXPECT_FALSE(fs::exists(db));
    EXPECT_EQ(Line(checks, "smtp").level, runtime::Check::Level::kFail) << Line(checks, "smtp").detail;
  }
  {
    runtime::Services services;
    ASSERT_TRUE(services.Open(db, "", config.string()).ok());
  }
  Server server = SmtpServer(port, tmp.path() / "received");
  ASSERT_TRUE(server.Start());
  {
    runtime::Services services;
    const auto checks = runtime::Doctor(services, db, "", config.string(), now);
    EXPECT_EQ(Line(checks, "smtp").level, runtime::Check::Level::kOk) << Line(checks, "smtp").detail;
    EXPECT_EQ(Line(checks, "integrity").level, runtime::Check::Level::kOk);
    EXPECT_EQ(Line(checks, "plugin email").level, runtime::Check::Level::kOk);
    EXPECT_EQ(Line(checks, "configuration").detail, config.string());
  }
  server.Stop();
  // A database file that is not one.
  const std::string junk = (tmp.path() / "junk.db").string();
  std::ofstream(junk) << std::string(8192, 'x');
  runtime::Services services;
  const auto checks = runtime::Doctor(services, junk, "", config.string(), now);
  EXPECT_EQ(Line(checks, "smtp").level, runtime::Check::Level::kFail);
  bool failed_database = false;
  for (const auto& c : checks)
    if ((c.item == "database" || c.item == "integrity") && c.level == runtime::Check::Level::kFail) failed_database = true;
  EXPECT_TRUE(failed_database);
}

}  // namespace
}  // namespace duban::notify
