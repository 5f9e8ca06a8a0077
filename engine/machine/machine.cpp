#include "machine/machine.h"

#include <algorithm>

namespace duban::machine {

namespace {

using model::Event;
using model::Guard;
using model::Instance;
using model::Request;
using model::Roster;
using model::TransitionDef;
using model::Workflow;

Decision Refuse(std::string rule, std::string message) {
  Decision d;
  d.kind = Decision::Kind::kRefused;
  d.rule = std::move(rule);
  d.message = std::move(message);
  return d;
}

// Does `actor` hold any of `roles` for `unit`?
bool HoldsAny(const Workflow& wf, const Roster& roster, const std::string& actor,
              const std::vector<model::RoleId>& roles, const std::string& unit) {
  return std::any_of(roles.begin(), roles.end(),
                     [&](model::RoleId r) { return roster.Holds(actor, r, unit, wf); });
}

std::string RoleList(const Workflow& wf, const std::vector<model::RoleId>& roles) {
  std::string out;
  for (auto r : roles) {
    if (!out.empty()) out += "、";
    out += wf.roles[r].label.zh + "(" + wf.roles[r].id + ")";
  }
  return out;
}

std::optional<Decision> CheckGuards(const TransitionDef& t, const GuardFacts& facts) {
  for (Guard g : t.guards) {
    const auto& fact = facts.Get(g);
    if (!fact.holds)
      return Refuse("guard:" + std::string(model::GuardName(g)),
                    "条件未满足 (" + std::string(model::GuardName(g)) + ")" +
                        (fact.detail.empty() ? "" : "：" + fact.detail));
  }
  return std::nullopt;
}

Event MakeEvent(model::EventType type, const Instance& inst, const std::string& actor, Instant at,
                nlohmann::json payload) {
  return Event{type, inst.unit, actor, at, std::move(payload)};
}

nlohmann::json MovePayload(const Workflow& wf, const TransitionDef& t, model::StageId from) {
  return {{"trigger", t.trigger}, {"from", wf.stages[from].id}, {"to", wf.stages[t.to].id}};
}

}  // namespace

const GuardFacts::Fact& GuardFacts::Get(Guard g) const {
  switch (g) {
    case Guard::kMaterialsComplete: return materials_complete;
    case Guard::kMaterialsAccepted: return materials_accepted;
    case Guard::kCommitmentSigned: return commitment_signed;
    case Guard::kMaterialsReturned: return materials_returned;
    case Guard::kAssessmentScored: return assessment_scored;
    case Guard::kAssessmentSubmitted: return assessment_submitted;
    case Guard::kInspectionRecorded: return inspection_recorded;
  }
  return materials_complete;
}

Decision DecideFire(const Workflow& wf, const Roster& roster, const Instance& instance,
                    const Fire& fire, const GuardFacts& facts, const std::string& request_id) {
  if (wf.FindTrigger(fire.trigger).empty())
    return Refuse(kRuleUnknownTrigger, "工作流中没有触发器 '" + fire.trigger + "'");
  if (roster.FindPerson(fire.actor) == nullptr)
    return Refuse(kRuleActor, "名册中没有人员 '" + fire.actor + "'");
  // Permission before stage: someone with no say over this unit learns
  // nothing about where it stands.
  std::vector<model::RoleId> may_fire;
  for (auto id : wf.FindTrigger(fire.trigger))
    may_fire.insert(may_fire.end(), wf.transitions[id].roles.begin(), wf.transitions[id].roles.end());
  std::sort(may_fire.begin(), may_fire.end());
  may_fire.erase(std::unique(may_fire.begin(), may_fire.end()), may_fire.end());
  if (!HoldsAny(wf, roster, fire.actor, may_fire, instance.unit))
    return Refuse(kRuleRole, fire.actor + " 无权对单位 " + instance.unit + " 执行 '" + fire.trigger +
                                 "'；需要角色：" + RoleList(wf, may_fire));
  const auto& stage = wf.stages[instance.stage];
  auto tid = wf.FindTransition(fire.trigger, instance.stage);
  if (!tid)
    return Refuse(kRuleStage, "单位 " + instance.unit + " 处于「" + stage.label.zh + "」(" + stage.id +
                                  ")，不能执行 '" + fire.trigger + "'");
  const TransitionDef& t = wf.transitions[*tid];
  if (!HoldsAny(wf, roster, fire.actor, t.roles, instance.unit))
    return Refuse(kRuleRole, fire.actor + " 无权对单位 " + instance.unit + " 从「" + stage.label.zh +
                                 "」执行 '" + fire.trigger + "'；需要角色：" + RoleList(wf, t.roles));
  if (instance.pending_request)
    return Refuse(kRulePending, "单位 " + instance.unit + " 有待审批的申请 " +
                                    *instance.pending_request + "，请先审批或驳回");
  if (t.note_required && fire.note.empty())
    return Refuse(kRuleNote, "'" + fire.trigger + "' 需要填写说明 (--note)");
  if (auto refused = CheckGuards(t, facts)) return *refused;

  Decision d;
  d.transition = *tid;
  d.from = instance.stage;
  d.to = t.to;
  nlohmann::json payload = MovePayload(wf, t, instance.stage);
  if (!fire.note.empty()) payload["note"] = fire.note;
  if (std::find(t.guards.begin(), t.guards.end(), Guard::kMaterialsReturned) != t.guards.end())
    payload["returned_items"] = facts.returned_items;

  if (t.needs_approval) {
    Request r;
    r.id = request_id;
    r.unit = instance.unit;
    r.transition = *tid;
    r.from = instance.stage;
    r.to = t.to;
    r.requested_by = fire.actor;
    r.requested_at = fire.at;
    r.note = fire.note;
    payload["request"] = request_id;
    payload["approvers"] = nlohmann::json::array();
    for (auto a : t.approvers) payload["approvers"].push_back(wf.roles[a].id);
    d.kind = Decision::Kind::kRequested;
    d.events.push_back(MakeEvent(model::EventType::kTransitionRequested, instance, fire.actor, fire.at, payload));
    d.request = std::move(r);
    return d;
  }

  d.kind = Decision::Kind::kApplied;
  d.events.push_back(MakeEvent(model::EventType::kTransitionApplied, instance, fire.actor, fire.at, payload));
  return d;
}

Decision DecideExtension(const Workflow& wf, const Roster& roster, const Instance& instance,
                         std::optional<Date> current_due, Date new_due, const Fire& ask,
                         const std::string& request_id) {
  if (roster.FindPerson(ask.actor) == nullptr) return Refuse(kRuleActor, "名册中没有人员 '" + ask.actor + "'");
  if (instance.pending_request)
    return Refuse(kRulePending, "单位 " + instance.unit + " 有待审批的申请 " + *instance.pending_request +
                                    "，请先审批或驳回");
  if (!current_due)
    return Refuse("no_deadline", "单位 " + instance.unit + " 当前阶段「" + wf.stages[instance.stage].label.zh +
                                     "」没有截止日期，无需延期");
  if (new_due <= *current_due)
    return Refuse("extension_date", "延期后的日期 " + FormatDate(new_due) + " 须晚于当前截止日期 " +
                                        FormatDate(*current_due));
  if (ask.note.empty()) return Refuse(kRuleNote, "延期申请须写明理由 (--note)");
  Request r;
  r.id = request_id;
  r.kind = model::RequestKind::kExtension;
  r.new_due = new_due;
  r.unit = instance.unit;
  r.from = r.to = instance.stage;
  r.requested_by = ask.actor;
  r.requested_at = ask.at;
  r.note = ask.note;
  Decision d;
  d.kind = Decision::Kind::kRequested;
  d.from = d.to = instance.stage;
  nlohmann::json payload = {{"kind", model::RequestKindName(model::RequestKind::kExtension)},
                            {"request", request_id},
                            {"stage", wf.stages[instance.stage].id},
                            {"due_date", FormatDate(*current_due)},
                            {"new_due_date", FormatDate(new_due)},
                            {"note", ask.note}};
  payload["approvers"] = nlohmann::json::array();
  for (auto a : wf.permissions.extension_approvers) payload["approvers"].push_back(wf.roles[a].id);
  d.events.push_back(MakeEvent(model::EventType::kTransitionRequested, instance, ask.actor, ask.at, payload));
  d.request = std::move(r);
  return d;
}

Decision DecideRequest(const Workflow& wf, const Roster& roster, const Instance& instance,
                       const Request& request, const Decide& decide, const GuardFacts& facts) {
  if (request.status != model::RequestStatus::kPending ||
      instance.pending_request != request.id)
    return Refuse(kRuleNotPending, "申请 " + request.id + " 已" +
                                       (request.status == model::RequestStatus::kApproved ? "批准"
                                        : request.status == model::RequestStatus::kRejected
                                            ? "驳回"
                                            : "失效"));
  const bool extension = request.kind == model::RequestKind::kExtension;
  const std::vector<model::RoleId> approvers =
      extension ? wf.permissions.extension_approvers : wf.transitions[request.transition].approvers;
  if (roster.FindPerson(decide.actor) == nullptr)
    return Refuse(kRuleActor, "名册中没有人员 '" + decide.actor + "'");
  if (decide.actor == request.requested_by)
    return Refuse(kRuleSelfApproval, "申请人不能审批自己的申请 " + request.id);
  if (!HoldsAny(wf, roster, decide.actor, approvers, instance.unit))
    return Refuse(kRuleApprover,
                  decide.actor + " 无权审批 " + request.id + "；需要角色：" + RoleList(wf, approvers));
  if (instance.stage != request.from)
    return Refuse(kRuleStage, "单位 " + instance.unit + " 已不在「" + wf.stages[request.from].label.zh +
                                  "」，申请 " + request.id + " 失效");

  Decision d;
  d.transition = request.transition;
  d.from = request.from;
  d.to = request.to;
  Request decided = request;
  decided.decided_by = decide.actor;
  decided.decided_at = decide.at;
  decided.decision_note = decide.note;
  if (extension) {
    nlohmann::json payload = {{"kind", model::RequestKindName(model::RequestKind::kExtension)}, {"request", request.id},
                              {"requested_by", request.requested_by}, {"stage", wf.stages[request.from].id}};
    if (request.new_due) payload["new_due_date"] = FormatDate(*request.new_due);
    if (!decide.note.empty()) payload["note"] = decide.note;
    if (!decide.approve) {
      if (decide.note.empty()) return Refuse(kRuleNote, "驳回申请需要填写理由 (--note)");
      decided.status = model::RequestStatus::kRejected;
      d.kind = Decision::Kind::kRejected;
      d.events.push_back(MakeEvent(model::EventType::kTransitionRejected, instance, decide.actor, decide.at, payload));
    } else {
      decided.status = model::RequestStatus::kApproved;
      d.kind = Decision::Kind::kApplied;
      d.events.push_back(MakeEvent(model::EventType::kTransitionApproved, instance, decide.actor, decide.at, payload));
      // deadline.extended is raised by the caller, which knows the old due.
    }
    d.request = std::move(decided);
    return d;
  }
  const TransitionDef& t = wf.transitions[request.transition];
  nlohmann::json payload = MovePayload(wf, t, request.from);
  payload["request"] = request.id;
  payload["requested_by"] = request.requested_by;
  if (!decide.note.empty()) payload["note"] = decide.note;

  if (!decide.approve) {
    if (decide.note.empty()) return Refuse(kRuleNote, "驳回申请需要填写理由 (--note)");
    decided.status = model::RequestStatus::kRejected;
    d.kind = Decision::Kind::kRejected;
    d.events.push_back(MakeEvent(model::EventType::kTransitionRejected, instance, decide.actor, decide.at, payload));
    d.request = std::move(decided);
    return d;
  }
  if (auto refused = CheckGuards(t, facts)) return *refused;
  decided.status = model::RequestStatus::kApproved;
  d.kind = Decision::Kind::kApplied;
  d.events.push_back(MakeEvent(model::EventType::kTransitionApproved, instance, decide.actor, decide.at, payload));
  nlohmann::json applied = MovePayload(wf, t, request.from);
  applied["request"] = request.id;
  if (!request.note.empty()) applied["note"] = request.note;
  d.events.push_back(MakeEvent(model::EventType::kTransitionApplied, instance, decide.actor, decide.at, applied));
  d.request = std::move(decided);
  return d;
}

}  // namespace duban::machine
