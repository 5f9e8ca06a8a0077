// The on-site verification (现场核查, 二、（三）2): "根据上级通知 … 及时安排迎检".
// The upper level announces a visit to some units; the office records each
// visited unit's findings, which moves the unit on by the workflow's
// [assessment.inspection] triggers: verified when nothing was found, into the
// fix-up stage (整改) with its own due when something was. The fix-up then
// escalates like any other stage, and the findings and a late fix-up count in
// the unit's submission score (engine/assessment). The record is the event
// log alone: inspection.announced and inspection.recorded.

#include <algorithm>
#include <set>

#include "app/app.h"
#include "app/authorized.h"
#include "machine/machine.h"

namespace duban::app {

namespace {

using model::EventType;
using model::Verb;

// Refusal rules of these commands (Status::Refused), named in messages and docs.
constexpr const char* kRuleInspectionRule = "inspection_rule";  // the workflow has no [assessment.inspection]
constexpr const char* kRuleNotAnnounced = "inspection_not_announced";  // no open verification of the unit
constexpr const char* kRuleNotYet = "inspection_not_yet";              // recorded before its day

constexpr std::string_view kIdPrefix = "inspection#";

duban::Status RuleGiven(const Context& ctx) {
  if (ctx.workflow->assessment.inspection.given) return Status::Ok();
  return Status::Refused(kRuleInspectionRule, "考核年度 " + ctx.campaign.id +
                                                  " 的工作流程没有 [assessment.inspection] 现场核查规则 / the workflow "
                                                  "has no [assessment.inspection] section (workflows/README.md)");
}

std::string Str(const nlohmann::json& p, const char* key) {
  auto it = p.find(key);
  return it != p.end() && it->is_string() ? it->get<std::string>() : std::string();
}

// The verifications as the log holds them.
struct Announced {
  std::string id;
  Date on{};
  std::set<std::string> units;     // announced for
  std::set<std::string> recorded;  // findings recorded for
};

std::vector<Announced> ReadInspections(std::span<const model::StoredEvent> events) {
  std::vector<Announced> out;
  auto find = [&](const std::string& id) {
    return std::find_if(out.begin(), out.end(), [&](const Announced& a) { return a.id == id; });
  };
  for (const auto& e : events) {
    const auto& p = e.event.payload;
    if (e.event.type == EventType::kInspectionAnnounced) {
      auto it = find(Str(p, "inspection"));
      if (it == out.end()) {
        auto on = ParseDate(Str(p, "on"));
        out.push_back(Announced{Str(p, "inspection"), on.ok() ? *on : Date{}, {}, {}});
        it = std::prev(out.end());
      }
      it->units.insert(e.event.unit);
    } else if (e.event.type == EventType::kInspectionRecorded) {
      if (auto it = find(Str(p, "inspection")); it != out.end()) it->recorded.insert(e.event.unit);
    }
  }
  return out;
}

}  // namespace

Result<Outcome<wire::Recorded>> App::AnnounceInspection(const std::string& campaign, Date on,
                                                        const std::vector<std::string>& units,
                                                        const std::string& note, const RequestContext& rc) {
  auto ctx = Load(campaign);
  if (!ctx.ok()) return ctx.status();
  if (auto allowed = detail::Authorized(*ctx, rc, Verb::kInspectAnnounce); !allowed.ok()) return allowed.status();
  if (auto given = RuleGiven(*ctx); !given.ok()) return given;
  std::vector<std::string> visited;
  if (units.size() == 1 && units.front() == "all") {
    for (const auto& u : ctx->roster->units) visited.push_back(u.id);
  } else {
    for (const auto& u : units) {
      if (ctx->roster->FindUnit(u) == nullptr)
        return Status::NotFound("no unit '" + u + "' in campaign '" + ctx->campaign.id + "'");
      if (std::find(visited.begin(), visited.end(), u) != visited.end())
        return Status::InvalidInput("unit '" + u + "' is named twice");
      visited.push_back(u);
    }
  }
  if (visited.empty()) return Status::InvalidInput("name the units the verification visits (--units a,b or all)");
  if (on < ctx->tz.local_date(rc.at))
    return Status::InvalidInput("the verification's day " + FormatDate(on) + " is before the day it is announced (" +
                                FormatDate(ctx->tz.local_date(rc.at)) + ")");
  nlohmann::json fingerprint = {{"verb", "inspect.announce"}, {"on", FormatDate(on)}, {"units", visited},
                                {"note", note}, {"actor", rc.person}};
  return Run<wire::Recorded>(ctx->campaign.id, rc, fingerprint, &*ctx, [&]() -> Result<Plan<wire::Recorded>> {
    auto events = AllEvents(*ctx);
    if (!events.ok()) return events.status();
    const std::string id = std::string(kIdPrefix) + std::to_string(ReadInspections(*events).size() + 1);
    Plan<wire::Recorded> plan;
    plan.changes.campaign = ctx->campaign.id;
    nlohmann::json payload = {{"inspection", id}, {"on", FormatDate(on)}, {"units", visited}};
    if (!note.empty()) payload["note"] = note;
    for (const auto& u : visited) {
      auto inst = GetInstance(*ctx, u);
      if (!inst.ok()) return inst.status();
      const auto& stage = ctx->workflow->stages[inst->stage];
      if (stage.terminal)
        return Status::Refused(machine::kRuleStage, "单位 " + u + " 已处于「" + stage.label.zh + "」，不能再安排现场核查");
      model::Instance next = *inst;
      next.version = inst->version + 1;
      plan.changes.instances.push_back({next, inst->version});
      plan.changes.events.push_back(model::Event{EventType::kInspectionAnnounced, u, rc.person, rc.at, payload});
    }
    plan.result = wire::Recorded{"", payload};
    return plan;
  });
}

Result<Outcome<wire::Fired>> App::RecordInspection(const std::string& campaign, const std::string& unit,
                                                   const std::vector<std::string>& findings,
                                                   std::optional<Date> fixup_due, const std::string& note,
                                                   const RequestContext& rc) {
  auto ctx = Load(campaign);
  if (!ctx.ok()) return ctx.status();
  if (auto allowed = detail::Authorized(*ctx, rc, Verb::kInspectRecord, unit); !allowed.ok()) return allowed.status();
  if (auto given = RuleGiven(*ctx); !given.ok()) return given;
  const model::InspectionRule& rule = ctx->workflow->assessment.inspection;
  for (const auto& f : findings)
    if (f.empty()) return Status::InvalidInput("a finding (--finding) must say what was found");
  const Date today = ctx->tz.local_date(rc.at);
  if (findings.empty() && fixup_due)
    return Status::InvalidInput("--fixup-due is for findings to fix up; none was given (--finding)");
  if (!findings.empty() && !fixup_due)
    return Status::InvalidInput("findings need the day their fix-up (整改) is due (--fixup-due YYYY-MM-DD)");
  if (fixup_due && *fixup_due < today)
    return Status::InvalidInput("the fix-up's due day " + FormatDate(*fixup_due) + " is before today (" +
                                FormatDate(today) + ")");
  nlohmann::json fingerprint = {{"verb", "inspect.record"}, {"unit", unit},        {"findings", findings},
                                {"note", note},             {"actor", rc.person}};
  if (fixup_due) fingerprint["fixup_due"] = FormatDate(*fixup_due);
  return Run<wire::Fired>(ctx->campaign.id, rc, fingerprint, &*ctx, [&]() -> Result<Plan<wire::Fired>> {
    auto events = AllEvents(*ctx);
    if (!events.ok()) return events.status();
    const auto inspections = ReadInspections(*events);
    const Announced* open = nullptr;
    for (auto it = inspections.rbegin(); it != inspections.rend() && open == nullptr; ++it)
      if (it->units.count(unit) && !it->recorded.count(unit)) open = &*it;
    if (open == nullptr)
      return Status::Refused(kRuleNotAnnounced, "没有对单位 " + unit + " 开展、尚未录入结果的现场核查（先 inspect announce）");
    if (today < open->on)
      return Status::Refused(kRuleNotYet, open->id + " 定于" + FormatDateZh(open->on) + "开展，尚不能录入结果");
    auto inst = GetInstance(*ctx, unit);
    if (!inst.ok()) return inst.status();
    const std::string& trigger = findings.empty() ? rule.verify_trigger : rule.rectify_trigger;
    // The verification's own guard holds for this command alone; the others
    // are the workflow's as for any move.
    auto tid = ctx->workflow->FindTransition(trigger, inst->stage);
    machine::GuardFacts facts;
    if (tid) {
      auto f = Facts(*ctx, unit, *tid);
      if (!f.ok()) return f.status();
      facts = std::move(*f);
    }
    facts.inspection_recorded.holds = true;
    auto d = machine::DecideFire(*ctx->workflow, *ctx->roster, *inst, machine::Fire{trigger, rc.person, rc.at, note},
                                 facts, "");
    if (d.refused()) return Status::Refused(d.rule, d.message);
    if (!d.moves()) return Status::Internal("trigger '" + trigger + "' did not move unit '" + unit + "'");
    auto moved = Moved(*ctx, *inst, d.to, rc.at, findings.empty() ? std::nullopt : fixup_due);
    if (!moved.ok()) return moved.status();
    Plan<wire::Fired> plan;
    plan.changes.campaign = ctx->campaign.id;
    plan.changes.instances.push_back({*moved, inst->version});
    nlohmann::json payload = {{"inspection", open->id}, {"on", FormatDate(open->on)}, {"findings", findings}};
    if (fixup_due) payload["fixup_due"] = FormatDate(*fixup_due);
    if (!note.empty()) payload["note"] = note;
    plan.changes.events.push_back(model::Event{EventType::kInspectionRecorded, unit, rc.person, rc.at, payload});
    plan.changes.events.insert(plan.changes.events.end(), d.events.begin(), d.events.end());
    const auto& wf = *ctx->workflow;
    plan.result = wire::Fired{unit,
                              trigger,
                              wire::Fired::Outcome::kApplied,
                              {wf.stages[d.from].id, wf.stages[d.from].label.zh},
                              {wf.stages[d.to].id, wf.stages[d.to].label.zh},
                              std::nullopt,
                              moved->due_at};
    return plan;
  });
}

}  // namespace duban::app
