// The verbs that move units through the workflow: fire, ack, requests, approve, reject.
#include <CLI/CLI.hpp>

#include "app/rows.h"

#include "app/batch.h"
#include "core/text.h"
#include "table.h"
#include "verb.h"

namespace duban::cli {

namespace {

using nlohmann::json;

// Fires at each unit in turn: every unit is its own command and transaction
// (app/batch.h resolves 'all' and comma lists).
int DoFire(Call& c, const std::string& units, const std::string& trigger, const std::string& note) {
  auto fired = app::FireEach(*c.app, c.g.campaign, units, trigger, note, c.Request());
  if (!fired.ok()) return c.Fail(fired.status());
  int worst = 0;
  json out = json::array();
  for (const auto& [unit, r] : *fired) {
    if (!r.ok()) {
      worst = std::max(worst, c.Fail(r.status()));
      continue;
    }
    const json& j = Json(*r);
    out.push_back(j);
    if (c.json_out()) continue;
    c.io.out << unit << ": " << j["from"]["label"].get<std::string>();
    if (j["outcome"] == "applied")
      c.io.out << " → " << j["to"]["label"].get<std::string>();
    else
      c.io.out << " → " << j["to"]["label"].get<std::string>() << " 待审批 (request "
               << j["request"].get<std::string>() << ")";
    if (r->replayed) c.io.out << "  [重复命令，未再执行 / repeated command id: not applied again]";
    c.io.out << '\n';
  }
  if (c.json_out()) c.Print(fired->size() == 1 && !out.empty() ? out[0] : out);
  return worst;
}

struct RequestsArgs {
  bool all = false;
  std::string after;
  std::size_t limit = 0;
};

int DoRequests(Call& c, const RequestsArgs& a) {
  store::RequestFilter filter;
  filter.campaign = c.g.campaign;
  if (!a.all) filter.status = model::RequestStatus::kPending;
  filter.after = a.after;
  filter.limit = a.limit;
  auto r = c.app->Requests(filter, c.Request());
  if (!r.ok()) return c.Fail(r.status());
  // The workflow's labels, once the person was allowed to read.
  auto ctx = c.app->Load(c.g.campaign);
  if (!ctx.ok()) return c.Fail(ctx.status());
  const auto& wf = *ctx->workflow;
  json out = json::array();
  Table t({"申请 request", "单位 unit", "事项 trigger", "申请人 by", "时间 at", "状态 status", "审批人 decided by",
           "说明 note"});
  for (const auto& q : *r) {
    const auto& tr = wf.transitions[q.transition];
    out.push_back(app::RequestJson(wf, q));
    t.Add({q.id, q.unit, tr.label.zh, q.requested_by, FormatLocal(q.requested_at, ctx->tz),
           std::string(model::RequestStatusName(q.status)), q.decided_by,
           q.decision_note.empty() ? q.note : q.decision_note});
  }
  if (c.json_out()) c.Print(out);
  else if (t.empty()) c.io.out << "没有待审批的申请 / no open requests\n";
  else t.Print(c.io.out);
  return 0;
}

int DoDecide(Call& c, const std::string& request, bool approve, const std::string& note) {
  auto r = c.app->Decide(c.g.campaign, request, approve, note, c.Request());
  if (!r.ok()) return c.Fail(r.status());
  const json& j = Json(*r);
  if (c.json_out()) {
    c.Print(j);
    return 0;
  }
  c.io.out << j["request"].get<std::string>() << (approve ? " 已批准 approved: " : " 已驳回 rejected: ")
           << j["unit"].get<std::string>() << " " << j["from"]["label"].get<std::string>();
  if (approve) c.io.out << " → " << j["to"]["label"].get<std::string>();
  if (r->replayed) c.io.out << "  [重复命令，未再执行 / repeated command id: not applied again]";
  c.io.out << '\n';
  return 0;
}

}  // namespace

void AddMovesVerbs(VerbTable& t) {
  struct FireArgs {
    std::string units, trigger, note;
  };
  t.Add({{"fire"}, "fire a trigger at a unit (e.g. submit); a transition that needs approval becomes a request",
         [](CLI::App& cmd) -> Runner {
           auto a = std::make_shared<FireArgs>();
           cmd.add_option("unit", a->units, "unit id, several separated by commas, or 'all'")->required();
           cmd.add_option("trigger", a->trigger, "trigger name from the workflow (kickoff, submit, return, ...)")
               ->required();
           cmd.add_option("--note", a->note, "a note kept with the event (required by some triggers, e.g. return)");
           return [a](Call& c) { return DoFire(c, a->units, a->trigger, a->note); };
         }});
  t.Add({{"requests"}, "requests waiting for a supervisor's approval", [](CLI::App& cmd) -> Runner {
           auto a = std::make_shared<RequestsArgs>();
           cmd.add_flag("--all", a->all, "include decided requests");
           cmd.add_option("--after", a->after, "only requests after this one (a request id: the next page)");
           cmd.add_option("--limit", a->limit, "at most this many")->check(CLI::Range(0, 1000000));
           return [a](Call& c) { return DoRequests(c, *a); };
         }});
  struct DecideArgs {
    std::string request, note;
  };
  t.Add({{"approve"}, "approve a request; the requester cannot approve their own", [](CLI::App& cmd) -> Runner {
           auto a = std::make_shared<DecideArgs>();
           cmd.add_option("request", a->request, "request id (finance#1) or unit id (its open request)")->required();
           cmd.add_option("--note", a->note, "a note kept with the approval");
           return [a](Call& c) { return DoDecide(c, a->request, true, a->note); };
         }});
  t.Add({{"reject"}, "reject a request, with a reason", [](CLI::App& cmd) -> Runner {
           auto a = std::make_shared<DecideArgs>();
           cmd.add_option("request", a->request, "request id (finance#1) or unit id (its open request)")->required();
           cmd.add_option("--note", a->note, "why (required)")->required();
           return [a](Call& c) { return DoDecide(c, a->request, false, a->note); };
         }});
  t.Add({{"ack"}, "a unit's liaison acknowledges its task list (签收): fires 'acknowledge'", [](CLI::App& cmd) -> Runner {
           auto unit = std::make_shared<std::string>();
           cmd.add_option("unit", *unit, "unit id")->required();
           return [unit](Call& c) { return DoFire(c, *unit, "acknowledge", ""); };
         }});
}

}  // namespace duban::cli
