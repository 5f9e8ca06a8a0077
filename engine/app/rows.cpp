#include "app/rows.h"

#include "deadline/evaluator.h"
#include "model/notice.h"

namespace duban::app {

using nlohmann::json;

json CampaignJson(const store::Campaign& k) {
  return {{"id", k.id},         {"name", k.name}, {"year", k.year}, {"events", k.head_seq},
          {"created_at", FormatUtc(k.created_at)}, {"created_by", k.created_by}};
}

json LedgerRowJson(const Context& ctx, const LedgerRow& r) {
  return {{"unit", r.unit->id},
          {"name", r.unit->name},
          {"stage", r.stage->id},
          {"stage_label", r.stage->label.zh},
          {"entered_at", FormatUtc(r.instance.entered_at)},
          {"due", r.due_at ? json(FormatDate(ctx.tz.local_date(*r.due_at))) : json(nullptr)},
          {"due_at", r.due_at ? json(FormatUtc(*r.due_at)) : json(nullptr)},
          {"days_overdue", r.days_overdue},
          {"workdays_left", r.workdays_left ? json(*r.workdays_left) : json(nullptr)},
          {"light", r.light ? json(deadline::LightName(*r.light)) : json(nullptr)},
          {"escalation_level", r.escalation_level},
          {"materials_done", r.materials_done},
          {"materials_total", r.materials_total},
          {"review_rounds", r.review_rounds},
          {"commitment", model::CommitmentStateName(r.commitment)},
          {"commitment_number", r.commitment_number},
          {"paper_copies", r.paper_copies},
          {"paper_copies_required", kPaperCopiesToOffice},
          {"acknowledged_at", r.acknowledged_at ? json(FormatUtc(*r.acknowledged_at)) : json(nullptr)},
          {"pending_request", r.instance.pending_request ? json(*r.instance.pending_request) : json(nullptr)},
          {"version", r.instance.version}};
}

json RequestJson(const model::Workflow& wf, const model::Request& q) {
  const auto& tr = wf.transitions[q.transition];
  return {{"id", q.id},
          {"unit", q.unit},
          {"trigger", tr.trigger},
          {"from", wf.stages[q.from].id},
          {"to", wf.stages[q.to].id},
          {"requested_by", q.requested_by},
          {"requested_at", FormatUtc(q.requested_at)},
          {"note", q.note},
          {"status", model::RequestStatusName(q.status)},
          {"decided_by", q.decided_by},
          {"decided_at", q.decided_at ? json(FormatUtc(*q.decided_at)) : json(nullptr)},
          {"decision_note", q.decision_note}};
}

json EventJson(const model::StoredEvent& e) {
  json j = {{"seq", e.seq},
            {"type", model::EventTypeName(e.event.type)},
            {"unit", e.event.unit},
            {"actor", e.event.actor},
            {"at", FormatUtc(e.event.at)},
            {"payload", e.event.payload},
            {"hash", e.hash}};
  if (!e.event.channel.empty()) j["channel"] = e.event.channel;
  return j;
}

json DeliveryJson(const store::Delivery& d) {
  return {{"plugin", d.plugin},
          {"state", store::DeliveryStateName(d.state)},
          {"attempts", d.attempts},
          {"next_attempt_at", d.next_attempt_at ? json(FormatUtc(*d.next_attempt_at)) : json(nullptr)},
          {"last_attempt_at", d.last_attempt_at ? json(FormatUtc(*d.last_attempt_at)) : json(nullptr)},
          {"last_error", d.last_error},
          {"delivered_at", d.delivered_at ? json(FormatUtc(*d.delivered_at)) : json(nullptr)}};
}

json NoticeJson(const store::NoticeRecord& k) {
  json j = model::ToJson(k.notice);
  j["deliveries"] = json::array();
  for (const auto& d : k.deliveries) j["deliveries"].push_back(DeliveryJson(d));
  return j;
}

}  // namespace duban::app
