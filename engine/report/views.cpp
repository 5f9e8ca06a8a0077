// The ledger's four views: what the XLSX sheets and the CSV files hold.
#include <map>

#include "assessment/assessment.h"
#include "model/events.h"
#include "report/labels.h"
#include "report/report.h"

namespace duban::report {

Cell Cell::Points(model::Points p) {
  return {Kind::kPoints, assessment::FormatPoints(p), static_cast<double>(p) / model::kPointsScale, {}};
}

namespace {

using nlohmann::json;

std::string UnitName(const Data& d, const std::string& unit) {
  const model::Unit* u = d.ledger.context.roster->FindUnit(unit);
  return u != nullptr ? u->name : unit;
}

std::string StageLabel(const model::Workflow& wf, const std::string& stage) {
  if (auto id = wf.FindStage(stage)) return wf.stages[*id].label.zh;
  return stage;
}

std::string RoleLabels(const model::Workflow& wf, const json& roles) {
  std::string out;
  if (!roles.is_array()) return out;
  for (const auto& r : roles) {
    if (!r.is_string()) continue;
    const std::string id = r.get<std::string>();
    auto role = wf.FindRole(id);
    out += (out.empty() ? "" : "、") + (role ? wf.roles[*role].label.zh : id);
  }
  return out;
}

std::optional<model::Points> PointsOf(const json& payload, const char* key) {
  return payload.contains(key) ? assessment::PointsFromJson(payload[key]) : std::nullopt;
}

View LedgerView(const Data& d) {
  const app::Context& ctx = d.ledger.context;
  View v{"ledger", "工作台账",
         {{"单位代码", 22}, {"单位名称", 26}, {"当前阶段", 16}, {"截止日期", 12}, {"剩余工作日", 11},
          {"灯号", 10}, {"督办级别", 9}, {"签收时间", 17}, {"材料已报", 9}, {"材料应报", 9},
          {"纸质份数", 9}, {"退回次数", 9}, {"承诺书", 14}, {"待批申请", 20}},
         {}};
  for (const app::LedgerRow& r : d.ledger.rows) {
    std::vector<Cell> row;
    row.push_back(Cell::Text(r.unit->id));
    row.push_back(Cell::Text(r.unit->name));
    row.push_back(Cell::Text(r.stage->label.zh));
    row.push_back(r.due_at ? Cell::Day(ctx.tz.local_date(*r.due_at)) : Cell::Blank());
    row.push_back(r.workdays_left ? Cell::Integer(*r.workdays_left) : Cell::Blank());
    row.push_back(Cell::Text(std::string(labels::Light(r.light))));
    row.push_back(Cell::Integer(r.escalation_level));
    row.push_back(Cell::Text(r.acknowledged_at ? FormatLocal(*r.acknowledged_at, ctx.tz)
                                               : std::string(labels::NotAcknowledged())));
    row.push_back(Cell::Integer(r.materials_done));
    row.push_back(Cell::Integer(r.materials_total));
    row.push_back(Cell::Integer(r.paper_copies));
    row.push_back(Cell::Integer(r.review_rounds));
    row.push_back(Cell::Text(labels::Commitment(r.commitment, r.commitment_number)));
    row.push_back(Cell::Text(r.instance.pending_request.value_or("")));
    v.rows.push_back(std::move(row));
  }
  return v;
}

View MaterialsView(const Data& d) {
  const app::Context& ctx = d.ledger.context;
  View v{"materials", "材料清单",
         {{"单位代码", 22}, {"单位名称", 26}, {"材料编号", 26}, {"材料名称", 50}, {"是否必报", 9},
          {"状态", 14}, {"报送次数", 9}, {"意见或说明", 40}, {"更新时间", 17}, {"更新人", 24}},
         {}};
  for (const model::MaterialRecord& m : d.materials) {
    v.rows.push_back({Cell::Text(m.unit), Cell::Text(UnitName(d, m.unit)), Cell::Text(m.material), Cell::Text(m.name),
                      Cell::Text(m.required ? "是" : "否"),
                      Cell::Text(m.dropped ? std::string(labels::MaterialDropped())
                                           : labels::MaterialState(m.state, m.explained)),
                      Cell::Integer(m.submissions), Cell::Text(m.dropped ? m.change_reason : m.note),
                      Cell::Text(m.updated_at == Instant{} ? "" : FormatLocal(m.updated_at, ctx.tz)),
                      Cell::Text(m.updated_by)});
  }
  return v;
}

View EscalationsView(const Data& d) {
  const app::Context& ctx = d.ledger.context;
  const model::Workflow& wf = *ctx.workflow;
  View v{"escalations", "督办记录",
         {{"事件序号", 9}, {"时间", 17}, {"单位代码", 22}, {"单位名称", 26}, {"事项", 12}, {"阶段", 16},
          {"截止日期", 12}, {"督办级别", 9}, {"超期工作日", 11}, {"通知对象", 40}},
         {}};
  for (const model::StoredEvent& e : d.escalations) {
    const json& p = e.event.payload;
    const bool manual = p.value("manual", false);
    std::string what = std::string(labels::DeadlineEvent(model::EventTypeName(e.event.type)));
    if (manual) what = "人工催办";
    std::optional<Date> due;
    if (p.contains("due_date") && p["due_date"].is_string())
      if (auto parsed = ParseDate(p["due_date"].get<std::string>()); parsed.ok()) due = *parsed;
    v.rows.push_back({Cell::Integer(e.seq), Cell::Text(FormatLocal(e.event.at, ctx.tz)), Cell::Text(e.event.unit),
                      Cell::Text(UnitName(d, e.event.unit)), Cell::Text(what),
                      Cell::Text(StageLabel(wf, p.value("stage", ""))), due ? Cell::Day(*due) : Cell::Blank(),
                      p.contains("level") ? Cell::Integer(p.value("level", 0)) : Cell::Blank(),
                      p.contains("overdue_workdays") ? Cell::Integer(p.value("overdue_workdays", 0)) : Cell::Blank(),
                      Cell::Text(RoleLabels(wf, p.value("roles", json::array())))});
  }
  return v;
}

}  // namespace

// The published ranking's place of each unit, when the latest revision is the published one.
std::map<std::string, int> PublishedRanks(const app::AssessmentView& a) {
  std::map<std::string, int> out;
  if (a.record.published == 0 || a.record.published != a.record.revision) return out;
  for (const auto& r : a.record.published_payload.value("ranking", json::array()))
    out[r.value("unit", "")] = r.value("rank", 0);
  return out;
}

std::vector<assessment::Deduction> DeductionsOf(const app::AssessmentView::Row& row) {
  if (!row.scored) return row.preview.deductions;
  std::vector<assessment::Deduction> out;
  for (const auto& d : row.scored->payload.value("deductions", json::array()))
    if (auto parsed = assessment::DeductionFromJson(d); parsed.ok()) out.push_back(*parsed);
  return out;
}

std::string DeductionsText(const std::vector<assessment::Deduction>& ds) {
  std::string out;
  for (const auto& d : ds) out += (out.empty() ? "" : "；") + d.reason + " −" + assessment::FormatPoints(d.points);
  return out;
}

namespace {

View ScoresView(const Data& d) {
  const auto& w = d.ledger.context.workflow->assessment.weights;
  const auto pct = [](int p) { return "（" + std::to_string(p) + "%）"; };
  View v{"scores", "考核评分",
         {{"名次", 7}, {"单位代码", 22}, {"单位名称", 26}, {"上年指标" + pct(w.prior), 16},
          {"材料报送" + pct(w.submission), 16}, {"办公室评价" + pct(w.evaluation), 18}, {"总分", 10},
          {"扣分", 9}, {"扣分明细", 60}, {"状态", 16}},
         {}};
  const auto ranks = PublishedRanks(d.assessment);
  const auto& rec = d.assessment.record;
  for (const auto& row : d.assessment.rows) {
    std::vector<Cell> cells;
    auto rank = ranks.find(row.unit->id);
    cells.push_back(rank != ranks.end() ? Cell::Integer(rank->second) : Cell::Blank());
    cells.push_back(Cell::Text(row.unit->id));
    cells.push_back(Cell::Text(row.unit->name));
    cells.push_back(row.prior ? Cell::Points(row.prior->score) : Cell::Blank());
    std::optional<model::Points> submission = row.preview.score, total;
    if (row.scored) {
      submission = PointsOf(row.scored->payload, "submission");
      total = PointsOf(row.scored->payload, "total");
    }
    cells.push_back(submission ? Cell::Points(*submission) : Cell::Blank());
    cells.push_back(row.evaluation ? Cell::Points(row.evaluation->score) : Cell::Blank());
    cells.push_back(total ? Cell::Points(*total) : Cell::Blank());
    const auto deductions = DeductionsOf(row);
    model::Points taken = 0;
    for (const auto& x : deductions) taken += x.points;
    cells.push_back(Cell::Points(taken));
    cells.push_back(Cell::Text(DeductionsText(deductions)));
    std::string state = !row.scored ? (row.preview.complete ? "可评分" : "未完结：" + row.preview.pending)
                        : rec.published == rec.revision ? "已通报（第" + std::to_string(rec.published) + "版）"
                                                        : "已评分（第" + std::to_string(rec.revision) + "版）";
    cells.push_back(Cell::Text(state));
    v.rows.push_back(std::move(cells));
  }
  return v;
}

}  // namespace

std::vector<View> LedgerViews(const Data& data) {
  return {LedgerView(data), MaterialsView(data), EscalationsView(data), ScoresView(data)};
}

}  // namespace duban::report
