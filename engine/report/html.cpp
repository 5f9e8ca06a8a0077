// The progress report (进展情况报告) and the circular (通报): self-contained
// HTML, printable on A4, zh-CN.
#include <map>

#include "assessment/assessment.h"
#include "model/events.h"
#include "report/labels.h"
#include "report/report.h"

namespace duban::report {

std::string HtmlEscape(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&#39;"; break;
      default: out += c;
    }
  }
  return out;
}

namespace {

using nlohmann::json;

std::string E(std::string_view s) { return HtmlEscape(s); }

constexpr std::string_view kStyle = R"(<style>
@page { size: A4; margin: 25mm 20mm 22mm 20mm; }
* { box-sizing: border-box; }
body { font-family: "Noto Serif CJK SC", "Source Han Serif SC", "SimSun", "Songti SC", serif; font-size: 12pt;
       line-height: 1.6; color: #000; max-width: 170mm; margin: 0 auto; padding: 8mm 0; }
header.red { text-align: center; color: #c00; border-bottom: 2px solid #c00; padding-bottom: 4mm; margin-bottom: 6mm; }
header.red .office { font-size: 20pt; font-weight: bold; letter-spacing: 0.05em; }
h1 { font-size: 18pt; text-align: center; margin: 4mm 0 6mm; font-family: "Noto Sans CJK SC", "SimHei", sans-serif; }
h2 { font-size: 14pt; margin: 6mm 0 2mm; font-family: "Noto Sans CJK SC", "SimHei", sans-serif; }
p { text-indent: 2em; margin: 0 0 2mm; }
p.to { text-indent: 0; }
table { width: 100%; border-collapse: collapse; font-size: 10.5pt; margin: 2mm 0 4mm; page-break-inside: auto; }
thead { display: table-header-group; }
tr { page-break-inside: avoid; }
th, td { border: 1px solid #000; padding: 1mm 1.5mm; vertical-align: top; }
th { background: #eee; font-weight: bold; text-align: center; word-break: keep-all; }
td.n { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
td.c { text-align: center; white-space: nowrap; }
.sign { text-align: right; margin-top: 12mm; }
.sign div { margin: 0; }
@media print { body { max-width: none; padding: 0; } }
</style>)";

std::string Page(const Heading& h, const std::string& title, const std::string& body) {
  std::string out = "<!DOCTYPE html>\n<html lang=\"zh-CN\">\n<head>\n<meta charset=\"utf-8\">\n<title>" + E(title) +
                    "</title>\n" + std::string(kStyle) + "\n</head>\n<body>\n";
  out += "<header class=\"red\"><div class=\"office\">" + E(h.office) + "</div></header>\n";
  out += "<h1>" + E(title) + "</h1>\n" + body;
  out += "<div class=\"sign\"><div>" + E(h.office) + "</div><div>" + E(FormatDateZh(h.date)) + "</div></div>\n";
  return out + "</body>\n</html>\n";
}

std::string Row(const std::vector<std::pair<std::string, const char*>>& cells) {
  std::string out = "<tr>";
  for (const auto& [text, cls] : cells)
    out += std::string("<td") + (cls[0] != '\0' ? std::string(" class=\"") + cls + "\"" : "") + ">" + E(text) + "</td>";
  return out + "</tr>\n";
}

std::string Head(const std::vector<std::string>& titles) {
  std::string out = "<thead><tr>";
  for (const auto& t : titles) out += "<th>" + E(t) + "</th>";
  return out + "</tr></thead>\n";
}

std::string PointsText(const json& j) {
  auto p = assessment::PointsFromJson(j);
  return p ? assessment::FormatPoints(*p) : "—";
}

std::string Pct(int p) { return "（" + std::to_string(p) + "%）"; }

// The ranking table of a published ranking (assessment.published's "ranking").
std::string RankingTable(const json& ranking, const model::AssessmentWeights& w) {
  std::string out = "<table class=\"ranking\">\n" +
                    Head({"名次", "单位", "上年指标得分" + Pct(w.prior), "材料报送得分" + Pct(w.submission),
                          "办公室评价得分" + Pct(w.evaluation), "总分"}) +
                    "<tbody>\n";
  for (const auto& r : ranking)
    out += Row({{std::to_string(r.value("rank", 0)), "c"}, {r.value("name", r.value("unit", "")), ""},
                {PointsText(r["prior"]), "n"}, {PointsText(r["submission"]), "n"}, {PointsText(r["evaluation"]), "n"},
                {PointsText(r["total"]), "n"}});
  return out + "</tbody></table>\n";
}

// Each unit's deductions, one line per unit that lost points.
std::string DeductionsList(const app::AssessmentView& a, const std::vector<std::string>& order) {
  std::map<std::string, const app::AssessmentView::Row*> rows;
  for (const auto& r : a.rows) rows[r.unit->id] = &r;
  std::string out;
  int clean = 0;
  for (const auto& unit : order) {
    auto it = rows.find(unit);
    if (it == rows.end()) continue;
    const auto ds = DeductionsOf(*it->second);
    if (ds.empty()) {
      ++clean;
      continue;
    }
    model::Points taken = 0;
    for (const auto& d : ds) taken += d.points;
    out += "<tr><td>" + E(it->second->unit->name) + "</td><td class=\"n\">" + E(assessment::FormatPoints(taken)) +
           "</td><td>" + E(DeductionsText(ds)) + "</td></tr>\n";
  }
  std::string head = "<p>材料报送得分满分100分，按考核细则扣分。";
  head += clean > 0 ? std::to_string(clean) + "个单位未被扣分" : std::string("各单位均有扣分");
  head += out.empty() ? "。</p>\n" : "，其余单位扣分情况如下：</p>\n";
  if (out.empty()) return head;
  return head + "<table class=\"deductions\">\n" + Head({"单位", "扣分", "扣分事项"}) + "<tbody>\n" + out +
         "</tbody></table>\n";
}

}  // namespace

std::string ProgressHtml(const Data& d) {
  const app::Context& ctx = d.ledger.context;
  const model::Workflow& wf = *ctx.workflow;
  const Heading& h = d.heading;
  std::string body = "<p class=\"to\">区政府：</p>\n";
  const std::size_t units = d.ledger.rows.size();
  std::map<int, int> by_stage;
  int red = 0, escalated = 0;
  for (const auto& r : d.ledger.rows) {
    ++by_stage[r.instance.stage];
    if (r.light == deadline::Light::kRed) ++red;
    if (r.escalation_level > 0) ++escalated;
  }
  body += "<p>根据" + E(h.campaign) + "工作安排，现将截至" + E(FormatDateZh(h.date)) + "的工作进展情况报告如下。</p>\n";
  body += "<h2>一、总体进展</h2>\n<p>纳入考核的成员单位共" + std::to_string(units) + "个。";
  std::string stages;
  for (const auto& [stage, n] : by_stage)
    stages += (stages.empty() ? "" : "，") + wf.stages[static_cast<std::size_t>(stage)].label.zh + std::to_string(n) + "个";
  body += E(stages.empty() ? "" : "其中" + stages + "。");
  body += "当前超期单位" + std::to_string(red) + "个，处于督办中的单位" + std::to_string(escalated) + "个。</p>\n";

  body += "<h2>二、各单位进展</h2>\n<table class=\"ledger\">\n" +
          Head({"单位", "当前阶段", "截止日期", "剩余工作日", "督办级别", "材料", "退回", "承诺书"}) + "<tbody>\n";
  for (const auto& r : d.ledger.rows)
    body += Row({{r.unit->name, ""},
                 {r.stage->label.zh, ""},
                 {r.due_at ? FormatDate(ctx.tz.local_date(*r.due_at)) : "—", "c"},
                 {r.workdays_left ? std::to_string(*r.workdays_left) : "—", "n"},
                 {r.escalation_level > 0 ? labels::EscalationLevel(r.escalation_level) : "—", "c"},
                 {std::to_string(r.materials_done) + "/" + std::to_string(r.materials_total), "c"},
                 {std::to_string(r.review_rounds), "n"},
                 {labels::Commitment(r.commitment, r.commitment_number), "c"}});
  body += "</tbody></table>\n";

  int missed = 0, raised = 0, manual = 0;
  std::map<int, int> levels;
  for (const auto& e : d.escalations) {
    if (e.event.type == model::EventType::kDeadlineMissed) ++missed;
    else if (e.event.payload.value("manual", false)) ++manual;
    else {
      ++raised;
      ++levels[e.event.payload.value("level", 0)];
    }
  }
  body += "<h2>三、催办督办情况</h2>\n<p>本年度共记录超期" + std::to_string(missed) + "次，督办升级" +
          std::to_string(raised) + "次";
  for (const auto& [level, n] : levels) body += "（" + std::to_string(level) + "级" + std::to_string(n) + "次）";
  body += "，办公室人工催办" + std::to_string(manual) + "次。</p>\n";

  const auto& a = d.assessment;
  const auto& w = wf.assessment.weights;
  body += "<h2>四、考核评分情况</h2>\n";
  if (!a.record.published_payload.is_null()) {
    const json ranking = a.record.published_payload.value("ranking", json::array());
    body += "<p>考核评分按上一年度指标得分" + std::to_string(w.prior) + "%、考核年材料报送情况" +
            std::to_string(w.submission) + "%、领导小组办公室工作评价" + std::to_string(w.evaluation) +
            "%计算，经区政府领导审定，已通报第" + std::to_string(a.record.published) + "版考核结果：</p>\n";
    body += RankingTable(ranking, w);
    std::vector<std::string> order;
    for (const auto& r : ranking) order.push_back(r.value("unit", ""));
    if (a.record.revision == a.record.published) body += DeductionsList(a, order);
  } else if (a.record.revision > 0) {
    body += "<p>已完成第" + std::to_string(a.record.revision) + "版评分，待区政府领导审定后通报。</p>\n";
  } else {
    body += "<p>尚未开展考核评分。</p>\n";
  }
  body += "<p>特此报告。</p>\n";
  return Page(h, "关于" + h.campaign + "工作进展情况的报告", body);
}

Result<std::string> CircularHtml(const Data& d) {
  const auto& a = d.assessment;
  if (a.record.published == 0 || a.record.published_payload.is_null())
    return Status::Refused(kRuleNotPublished, "no ranking has been published yet: the circular (通报) is written "
                                              "from the ranking the government leader approved (approve assessment#N)");
  const Heading& h = d.heading;
  const auto& w = d.ledger.context.workflow->assessment.weights;
  const json ranking = a.record.published_payload.value("ranking", json::array());
  std::string body = "<p class=\"to\">各成员单位：</p>\n";
  body += "<p>根据" + E(h.campaign) + "工作安排，领导小组办公室对各成员单位" + std::to_string(h.year) +
          "年度工作进行了考核。考核按上一年度指标得分占" + std::to_string(w.prior) + "%、考核年材料报送情况占" +
          std::to_string(w.submission) + "%、领导小组办公室工作评价占" + std::to_string(w.evaluation) +
          "%计算总分，考核结果经区政府领导审定，现予以通报。</p>\n";
  body += "<h2>一、考核结果</h2>\n" + RankingTable(ranking, w);
  body += "<h2>二、扣分情况</h2>\n";
  std::vector<std::string> order;
  for (const auto& r : ranking) order.push_back(r.value("unit", ""));
  if (a.record.revision == a.record.published) body += DeductionsList(a, order);
  else body += "<p>各单位扣分明细以第" + std::to_string(a.record.published) + "版评分记录为准。</p>\n";
  body += "<h2>三、工作要求</h2>\n<p>各成员单位要对照考核结果和扣分事项认真查摆问题、抓好整改，"
          "按时、完整报送考核材料，确保下一年度考核工作顺利开展。</p>\n";
  return Page(h, "关于" + std::to_string(h.year) + "年度考核结果的通报", body);
}

}  // namespace duban::report
