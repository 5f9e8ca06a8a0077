// The notice verbs: notices list|show|retry|dispatch.
#include <CLI/CLI.hpp>

#include "app/rows.h"

#include <algorithm>

#include "core/text.h"
#include "labels.h"
#include "table.h"
#include "verb.h"

namespace duban::cli {

namespace {

using nlohmann::json;

std::string RecipientsText(const model::Notice& n) {
  std::string out;
  for (const auto& r : n.recipients) out += (out.empty() ? "" : "，") + r.name + (r.email.empty() ? "" : " <" + r.email + ">");
  return out;
}

int DoNoticesList(Call& c, const std::string& unit, const std::string& state) {
  store::NoticeFilter f;
  f.campaign = c.g.campaign;
  if (!unit.empty()) f.unit = unit;
  if (!state.empty()) f.state = state;
  auto r = c.app->Notices(f, c.Request());
  if (!r.ok()) return c.Fail(r.status());
  json out = json::array();
  Table t({"通知 notice", "事件 event", "单位 unit", "时间 at", "收件人 recipients", "投递 deliveries"});
  for (const auto& k : *r) {
    json j = model::ToJson(k.notice);
    j["deliveries"] = json::array();
    std::string states;
    for (const auto& d : k.deliveries) {
      j["deliveries"].push_back(app::DeliveryJson(d));
      states += (states.empty() ? "" : " ") + d.plugin + ":" + std::string(store::DeliveryStateName(d.state));
    }
    out.push_back(j);
    t.Add({k.notice.id, std::string(model::EventTypeName(k.notice.event.type)), k.notice.event.unit, FormatLocal(k.notice.event.at, TimeZone::Default()),
           RecipientsText(k.notice), states.empty() ? std::string(labels::NoticeNotPlanned()) : states});
  }
  if (c.json_out()) c.Print(out);
  else if (t.empty()) c.io.out << "没有通知 / no notices\n";
  else t.Print(c.io.out);
  return 0;
}

int DoNoticesShow(Call& c, const std::string& id) {
  store::NoticeFilter f;
  // A notice id is CAMPAIGN/SEQ: its campaign unless --campaign names one.
  f.campaign = !c.g.campaign.empty() ? c.g.campaign : id.substr(0, id.rfind('/') == std::string::npos ? 0 : id.rfind('/'));
  auto r = c.app->Notices(f, c.Request());
  if (!r.ok()) return c.Fail(r.status());
  auto it = std::find_if(r->begin(), r->end(), [&](const store::NoticeRecord& k) { return k.notice.id == id; });
  if (it == r->end()) return c.Fail(Status::NotFound("no notice '" + id + "'"));
  json j = model::ToJson(it->notice);
  j["queued_at"] = FormatUtc(it->queued_at);
  j["deliveries"] = json::array();
  for (const auto& d : it->deliveries) j["deliveries"].push_back(app::DeliveryJson(d));
  j["attempts"] = json::array();
  for (const auto& a : it->attempts)
    j["attempts"].push_back({{"plugin", a.plugin}, {"attempt", a.attempt}, {"at", FormatUtc(a.at)},
                             {"outcome", a.outcome}, {"error", a.error}, {"elapsed_ms", a.elapsed_ms}});
  if (c.json_out()) {
    c.Print(j);
    return 0;
  }
  c.io.out << "通知 " << id << "  " << model::EventTypeName(it->notice.event.type) << "  " << it->notice.unit_name << " ("
           << it->notice.event.unit << ")\n收件人 recipients: " << RecipientsText(it->notice) << '\n';
  Table t({"插件 plugin", "次数 attempt", "时间 at", "结果 outcome", "错误 error"});
  for (const auto& a : it->attempts)
    t.Add({a.plugin, std::to_string(a.attempt), FormatLocal(a.at, TimeZone::Default()), a.outcome, a.error});
  for (const auto& d : it->deliveries)
    c.io.out << "  " << d.plugin << ": " << store::DeliveryStateName(d.state)
             << (d.delivered_at ? "，送达 " + FormatLocal(*d.delivered_at, TimeZone::Default()) : "")
             << (d.last_error.empty() ? "" : "，最后错误 " + d.last_error) << '\n';
  if (!t.empty()) t.Print(c.io.out);
  return 0;
}

int DoNoticesRetry(Call& c, const std::string& id, const std::string& plugin) {
  auto r = c.app->RetryNotice(id, plugin, c.Request());
  if (!r.ok()) return c.Fail(r.status());
  if (c.json_out()) c.Print(Json(*r));
  else c.io.out << id << ": " << Json(*r)["retried"].get<int>() << " 个投递已重新排队 / deliveries pending again\n";
  return 0;
}

int DoDispatch(Call& c) {
  auto d = c.session.Dispatcher();
  if (!d.ok()) return c.Fail(d.status());
  auto r = (*d)->RunOnce(c.now);
  if (!r.ok()) return c.Fail(r.status());
  json problems = json::array();
  for (const auto& p : r->problems) problems.push_back(p.str());
  if (c.json_out()) {
    c.Print({{"delivered", r->delivered}, {"retried", r->retried}, {"dead", r->dead}, {"held", r->held},
             {"problems", problems},
             {"next_open", r->next_open ? json(FormatUtc(*r->next_open)) : json(nullptr)}});
  } else if (r->delivered + r->retried + r->dead + r->held > 0 || !problems.empty()) {
    c.io.out << "  ✉ 通知投递 notices: 送达 " << r->delivered << "，重试 " << r->retried << "，失败 " << r->dead
             << "，待工作时间 " << r->held << '\n';
    for (const auto& p : problems) c.io.out << "  ✉ 问题 problem: " << p.get<std::string>() << '\n';
  }
  return 0;
}

}  // namespace

void AddNoticesVerbs(VerbTable& t) {
  t.AddGroup("notices", "notices to the people who must hear of events, and their delivery");
  struct NoticeArgs {
    std::string id, plugin, state, unit;
  };
  t.Add({{"notices", "list"}, "every notice with its recipients and delivery state", [](CLI::App& cmd) -> Runner {
           auto a = std::make_shared<NoticeArgs>();
           cmd.add_option("--unit", a->unit, "only this unit's");
           cmd.add_option("--state", a->state, "only notices with a delivery in this state")
               ->check(CLI::IsMember({"pending", "delivered", "dead", "skipped"}));
           return [a](Call& c) { return DoNoticesList(c, a->unit, a->state); };
         }});
  t.Add({{"notices", "show"}, "one notice: recipients, every attempt, last error, delivery time",
         [](CLI::App& cmd) -> Runner {
           auto a = std::make_shared<NoticeArgs>();
           cmd.add_option("id", a->id, "notice id, e.g. taishan-2021/42")->required();
           return [a](Call& c) { return DoNoticesShow(c, a->id); };
         }});
  t.Add({{"notices", "retry"}, "make a dead notice's deliveries pending again", [](CLI::App& cmd) -> Runner {
           auto a = std::make_shared<NoticeArgs>();
           cmd.add_option("id", a->id, "notice id")->required();
           cmd.add_option("--plugin", a->plugin, "only this plugin's delivery");
           return [a](Call& c) { return DoNoticesRetry(c, a->id, a->plugin); };
         }});
  t.Add({{"notices", "dispatch"}, "one delivery pass at --at: every due notice through the configured plugins",
         [](CLI::App&) -> Runner { return [](Call& c) { return DoDispatch(c); }; }});
}

}  // namespace duban::cli
