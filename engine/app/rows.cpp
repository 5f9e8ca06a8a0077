#include "app/rows.h"

#include <algorithm>

#include "assessment/assessment.h"
#include "deadline/evaluator.h"
#include "model/notice.h"

namespace duban::app {

std::string DateInWords(Date d) {
  return std::to_string(static_cast<int>(d.year())) + "年" + std::to_string(static_cast<unsigned>(d.month())) +
         "月" + std::to_string(static_cast<unsigned>(d.day())) + "日";
}

std::string_view MaterialStateWords(model::MaterialState s) {
  switch (s) {
    case model::MaterialState::kPending: return "未报送";
    case model::MaterialState::kSubmitted: return "已报送待审核";
    case model::MaterialState::kReturned: return "已退回待修改";
    case model::MaterialState::kExplained: return "已说明待审核";
    case model::MaterialState::kAccepted: return "已通过";
  }
  return "";
}

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

json MaterialJson(const model::MaterialRecord& m) {
  return {{"unit", m.unit}, {"material", m.material}, {"name", m.name}, {"required", m.required},
          {"state", model::MaterialStateName(m.state)}, {"explained", m.explained},
          {"submissions", m.submissions}, {"note", m.note}, {"updated_at", FormatUtc(m.updated_at)},
          {"updated_by", m.updated_by}, {"dropped", m.dropped}, {"change_reason", m.change_reason}};
}

json AttachmentJson(const model::Attachment& a) {
  return {{"unit", a.unit}, {"material", a.material}, {"name", a.name}, {"size", a.size},
          {"media_type", a.media_type}, {"sha256", a.sha256}, {"attached_by", a.attached_by},
          {"attached_at", FormatUtc(a.attached_at)}};
}

json ContactJson(const model::Contact& k) {
  return {{"unit", k.unit}, {"role", k.role}, {"number", k.number}, {"person", k.person}, {"name", k.name},
          {"phone", k.phone}, {"email", k.email}, {"reported_by", k.reported_by},
          {"reported_on", FormatDate(k.reported_on)}, {"recorded_by", k.recorded_by},
          {"recorded_at", FormatUtc(k.recorded_at)}};
}

json CommitmentJson(const model::Commitment& k, bool current) {
  return {{"unit", k.unit}, {"number", k.number}, {"signer", k.signer}, {"signed_on", FormatDate(k.signed_on)},
          {"stamped", k.stamped}, {"document_sha256", k.document_hash}, {"document_name", k.document_name},
          {"recorded_by", k.recorded_by}, {"recorded_at", FormatUtc(k.recorded_at)}, {"current", current}};
}

json CommitmentsJson(const std::vector<model::Commitment>& list) {
  json out = json::array();
  for (std::size_t i = 0; i < list.size(); ++i)
    out.push_back(CommitmentJson(list[i], i + 1 == list.size() || list[i + 1].unit != list[i].unit));
  return out;
}

json AssessmentJson(const AssessmentView& v) {
  const auto& rec = v.record;
  json rows = json::array();
  for (const auto& row : v.rows) {
    json j = {{"unit", row.unit->id}, {"name", row.unit->name}};
    if (row.prior) j["prior"] = {{"score", assessment::PointsJson(row.prior->score)}, {"event", row.prior->seq}};
    if (row.evaluation)
      j["evaluation"] = {{"score", assessment::PointsJson(row.evaluation->score)},
                         {"comment", row.evaluation->comment},
                         {"event", row.evaluation->seq}};
    j["preview"] = {{"complete", row.preview.complete},
                    {"pending", row.preview.pending},
                    {"submission", assessment::PointsJson(row.preview.score)},
                    {"deductions", row.preview.deductions}};
    if (row.scored) {
      j["scored"] = row.scored->payload;
      j["scored"]["event"] = row.scored->seq;
    }
    rows.push_back(std::move(j));
  }
  json out = {{"revision", rec.revision}, {"published", rec.published}, {"rows", rows}};
  if (const auto* p = rec.pending()) out["pending"] = {{"request", p->id}, {"revision", p->revision}};
  if (!rec.published_payload.is_null()) out["ranking"] = rec.published_payload.value("ranking", json::array());
  return out;
}

json CalendarYearJson(const calendar::Calendar& cal, int year) {
  const calendar::YearData* data = cal.Year(year);
  json holidays = json::array();
  json makeup = json::array();
  if (data != nullptr) {
    for (const auto& h : data->holidays)
      holidays.push_back({{"name", h.name}, {"name_en", h.name_en}, {"from", FormatDate(h.from)}, {"to", FormatDate(h.to)}});
    for (const auto& m : data->workdays) makeup.push_back({{"date", FormatDate(m.date)}, {"for_holiday", m.for_holiday}});
  }
  json days = json::array();
  const std::chrono::sys_days first{Date{std::chrono::year{year}, std::chrono::January, std::chrono::day{1}}};
  const std::chrono::sys_days last{Date{std::chrono::year{year}, std::chrono::December, std::chrono::day{31}}};
  for (auto d = first; d <= last; d += std::chrono::days{1}) {
    const Date day{d};
    json j = {{"date", FormatDate(day)}, {"working", cal.IsWorkingDay(day)}};
    if (auto name = cal.HolidayName(day)) j["holiday"] = *name;
    days.push_back(std::move(j));
  }
  return {{"year", year},
          {"has_data", data != nullptr},
          {"source", data != nullptr ? json(data->source) : json(nullptr)},
          {"holidays", holidays},
          {"makeup_days", makeup},
          {"days", days}};
}

json SelfJson(const SelfView& v) {
  const auto& wf = *v.workflow;
  json roles = json::array();
  json units = json::array();
  for (const auto& a : v.person.roles) {
    roles.push_back({{"role", wf.roles[a.role_id].id}, {"label", wf.roles[a.role_id].label.zh},
                     {"unit", a.unit.empty() ? json(nullptr) : json(a.unit)}});
    if (!a.unit.empty() && std::find(units.begin(), units.end(), a.unit) == units.end()) units.push_back(a.unit);
  }
  json may = json::object();
  for (const auto& g : v.grants)
    may[std::string(model::SpecOf(g.verb).name)] = {{"campaign_wide", g.campaign_wide}, {"units", g.units}};
  return {{"campaign", v.campaign}, {"roles", roles}, {"units", units}, {"may", may}};
}

}  // namespace duban::app
