// The record verbs: events, verify.
#include <CLI/CLI.hpp>

#include "app/rows.h"

#include "core/text.h"
#include "table.h"
#include "verb.h"

namespace duban::cli {

namespace {

using nlohmann::json;

int DoEvents(Call& c, store::EventFilter f, const std::string& since) {
  f.campaign = c.g.campaign;
  if (!since.empty()) {
    auto t = ParseInstant(since, TimeZone::Default());
    if (!t.ok()) return c.Fail(t.status());
    f.since = *t;
  }
  auto r = c.app->Events(f, c.Request());
  if (!r.ok()) return c.Fail(r.status());
  json out = json::array();
  Table t({"序号 seq", "时间 at", "事件 type", "单位 unit", "操作人 actor", "内容 payload"});
  for (const auto& e : *r) {
    out.push_back(app::EventJson(e));
    t.Add({std::to_string(e.seq), FormatLocal(e.event.at, TimeZone::Default()), std::string(model::EventTypeName(e.event.type)), e.event.unit,
           e.event.actor, e.event.payload.dump(-1, ' ', false)});
  }
  if (c.json_out()) c.Print(out);
  else t.Print(c.io.out);
  return 0;
}

int DoVerify(Call& c) {
  auto r = c.app->Verify(c.g.campaign, c.Request());
  if (!r.ok()) return c.Fail(r.status());
  if (c.json_out()) {
    c.Print({{"ok", r->ok}, {"rows", r->rows}, {"seq", r->seq}, {"problem", r->problem}});
  } else if (r->ok) {
    c.io.out << "事件链完整 / event chain verified: " << r->rows << " events, every link and hash checks\n";
  } else {
    c.io.out << "事件链被篡改 / event chain BROKEN at event " << r->seq << ": " << r->problem << '\n';
  }
  return r->ok ? 0 : 1;
}

}  // namespace

void AddRecordVerbs(VerbTable& t) {
  struct EventsArgs {
    store::EventFilter filter;
    std::string unit, type, since;
  };
  t.Add({{"events"}, "the campaign's event log, in sequence order", [](CLI::App& cmd) -> Runner {
           auto a = std::make_shared<EventsArgs>();
           cmd.add_option("--unit", a->unit, "only this unit's events");
           cmd.add_option("--type", a->type, "only this type (transition.applied) or family (transition.*)");
           cmd.add_option("--since", a->since, "only events at or after this time");
           cmd.add_option("--limit", a->filter.limit, "at most this many")->check(CLI::Range(0, 1000000));
           return [a](Call& c) {
             store::EventFilter filter = a->filter;
             if (!a->unit.empty()) filter.unit = a->unit;
             if (!a->type.empty()) filter.type = a->type;
             return DoEvents(c, filter, a->since);
           };
         }});
  t.Add({{"verify"}, "prove the event log was not altered, truncated or forked",
         [](CLI::App&) -> Runner { return [](Call& c) { return DoVerify(c); }; }});
}

}  // namespace duban::cli
