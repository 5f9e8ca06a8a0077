// The assessment verbs (考核, 三、（三）): assess import-prior, evaluate,
// score, submit, show, verify. The ranking's approval is `approve assessment#N`.
// And the on-site verification that feeds it (现场核查, 二、（三）2): inspect
// announce, inspect record.
#include <CLI/CLI.hpp>

#include "app/rows.h"
#include "table.h"
#include "verb.h"

namespace duban::cli {

namespace {

using nlohmann::json;
using assessment::FormatPoints;

std::string PointsText(const json& j) {
  auto p = assessment::PointsFromJson(j);
  return p ? FormatPoints(*p) : "-";
}

std::string Seqs(const std::vector<std::int64_t>& seqs) {
  std::string out;
  for (auto s : seqs) out += (out.empty() ? "#" : ", #") + std::to_string(s);
  return out.empty() ? "无事件 no event" : out;
}

int Recorded(Call& c, const Result<app::Outcome<wire::Recorded>>& r, const std::string& done) {
  if (!r.ok()) return c.Fail(r.status());
  if (c.json_out()) {
    c.Print(Json(*r));
    return 0;
  }
  c.io.out << done;
  if (r->replayed) c.io.out << "  [重复命令，未再执行 / repeated command id: not applied again]";
  c.io.out << '\n';
  return 0;
}

void PrintRanking(Call& c, const json& ranking) {
  Table t({"名次 rank", "单位 unit", "上年指标 prior 30%", "材料报送 submission 50%", "办公室评价 evaluation 20%",
           "总分 total"});
  for (const auto& r : ranking)
    t.Add({std::to_string(r.value("rank", 0)), r.value("name", "") + " (" + r.value("unit", "") + ")",
           PointsText(r["prior"]), PointsText(r["submission"]), PointsText(r["evaluation"]), PointsText(r["total"])});
  t.Print(c.io.out);
}

int DoShow(Call& c, const std::string& unit) {
  auto v = c.app->AssessShow(c.g.campaign, unit, c.Request());
  if (!v.ok()) return c.Fail(v.status());
  const auto& rec = v->record;
  Table t({"单位 unit", "上年指标 prior", "办公室评价 evaluation", "材料报送 submission", "总分 total", "状态 state"});
  std::vector<std::string> details;
  for (const auto& row : v->rows) {
    std::string state = row.preview.complete ? "可评分 ready" : "未完结 " + row.preview.pending;
    std::string submission = FormatPoints(row.preview.score) + "（预览 preview）";
    std::string total = "-";
    std::vector<assessment::Deduction> deductions = row.preview.deductions;
    if (row.scored) {
      const json& p = row.scored->payload;
      submission = PointsText(p["submission"]);
      total = PointsText(p["total"]);
      state = "已评分 " + std::string(rec.published == rec.revision ? "已通报 published " : "scored ") + "第" +
              std::to_string(p.value("revision", 0)) + "版";
      deductions.clear();
      for (const auto& d : p.value("deductions", json::array()))
        if (auto parsed = assessment::DeductionFromJson(d); parsed.ok()) deductions.push_back(*parsed);
    }
    for (const auto& d : deductions)
      details.push_back(row.unit->name + " −" + FormatPoints(d.points) + " " + d.reason + "（" + Seqs(d.events) + "）");
    t.Add({row.unit->name + " (" + row.unit->id + ")", row.prior ? FormatPoints(row.prior->score) : "缺 missing",
           row.evaluation ? FormatPoints(row.evaluation->score) : "缺 missing", submission, total, state});
  }
  const json out = app::AssessmentJson(*v);
  if (c.json_out()) {
    c.Print(out);
    return 0;
  }
  const auto& w = v->context.workflow->assessment.weights;
  c.io.out << "考核评分 / assessment: 上年指标 " << w.prior << "% + 材料报送 " << w.submission << "% + 办公室评价 "
           << w.evaluation << "%；";
  if (rec.revision == 0) c.io.out << "尚未评分 not scored yet";
  else c.io.out << "最新第" << rec.revision << "版 revision " << rec.revision;
  if (rec.published != 0) c.io.out << "，已通报第" << rec.published << "版 published";
  if (const auto* p = rec.pending()) c.io.out << "，" << p->id << " 待区政府领导审定 awaiting approval";
  c.io.out << '\n';
  t.Print(c.io.out);
  if (!details.empty()) {
    c.io.out << "\n扣分明细 / deductions (events by seq):\n";
    for (const auto& d : details) c.io.out << "  " << d << '\n';
  }
  if (out.contains("ranking")) {
    c.io.out << "\n通报排名 / published ranking (第" << rec.published << "版):\n";
    PrintRanking(c, out["ranking"]);
  }
  return 0;
}

int DoVerify(Call& c) {
  auto r = c.app->AssessVerify(c.g.campaign, c.Request());
  if (!r.ok()) return c.Fail(r.status());
  json diffs = json::array();
  for (const auto& d : r->differences)
    diffs.push_back({{"unit", d.unit}, {"revision", d.revision}, {"seq", d.seq}, {"what", d.what},
                     {"recorded", d.recorded}, {"recomputed", d.recomputed}});
  if (c.json_out()) {
    c.Print({{"ok", diffs.empty()}, {"checked", r->checked}, {"differences", diffs}});
  } else if (diffs.empty()) {
    c.io.out << "考核分数与事件记录一致 / assessment verified: " << r->checked
             << " scores and rankings recomputed from the event log, no difference\n";
  } else {
    c.io.out << "考核分数与事件记录不一致 / assessment DIFFERS from its recomputation in " << diffs.size()
             << " places:\n";
    Table t({"事件 seq", "版 rev", "单位 unit", "项目 what", "记录 recorded", "重算 recomputed"});
    for (const auto& d : r->differences)
      t.Add({std::to_string(d.seq), std::to_string(d.revision), d.unit, d.what, d.recorded, d.recomputed});
    t.Print(c.io.out);
  }
  return diffs.empty() ? 0 : 1;
}

int DoAnnounce(Call& c, const std::string& on, const std::string& units, const std::string& note) {
  auto day = ParseDate(on);
  if (!day.ok()) return c.Fail(Status::InvalidInput("--on: " + day.status().message()));
  std::vector<std::string> list;
  for (std::size_t from = 0; from <= units.size();) {
    const std::size_t comma = std::min(units.find(',', from), units.size());
    if (comma > from) list.push_back(units.substr(from, comma - from));
    from = comma + 1;
  }
  auto r = c.app->AnnounceInspection(c.g.campaign, *day, list, note, c.Request());
  if (!r.ok()) return Recorded(c, r, "");
  const json j = Json(*r);
  return Recorded(c, r,
                  "已登记现场核查 / on-site verification announced: " + j.value("inspection", "") + "，" +
                      FormatDateZh(*day) + "，" + std::to_string(j["units"].size()) + " 个单位 units");
}

int DoRecord(Call& c, const std::string& unit, const std::vector<std::string>& findings, const std::string& due,
             const std::string& note) {
  std::optional<Date> fixup_due;
  if (!due.empty()) {
    auto d = ParseDate(due);
    if (!d.ok()) return c.Fail(Status::InvalidInput("--fixup-due: " + d.status().message()));
    fixup_due = *d;
  }
  auto r = c.app->RecordInspection(c.g.campaign, unit, findings, fixup_due, note, c.Request());
  if (!r.ok()) return c.Fail(r.status());
  if (c.json_out()) {
    c.Print(Json(*r));
    return 0;
  }
  c.io.out << unit << ": " << r->value.from.label << " → " << r->value.to.label;
  if (findings.empty()) c.io.out << "（现场核查未发现问题 / no finding）";
  else c.io.out << "（发现问题 " << findings.size() << " 个，整改期限 " << due << " / findings to fix up by " << due << "）";
  if (r->replayed) c.io.out << "  [重复命令，未再执行 / repeated command id: not applied again]";
  c.io.out << '\n';
  return 0;
}

}  // namespace

void AddAssessVerbs(VerbTable& t) {
  t.AddGroup("inspect", "the on-site verification (现场核查) the upper level announces, its findings and fix-ups (整改)");
  struct AnnounceArgs {
    std::string on, units, note;
  };
  t.Add({{"inspect", "announce"}, "record the upper level's notice of an on-site verification of some units",
         [](CLI::App& cmd) -> Runner {
           auto a = std::make_shared<AnnounceArgs>();
           cmd.add_option("--on", a->on, "the day of the verification (YYYY-MM-DD)")->required();
           cmd.add_option("--units", a->units, "the units it visits: ids separated by commas, or all")->required();
           cmd.add_option("--note", a->note, "the upper level's notice (上级通知文号)");
           return [a](Call& c) { return DoAnnounce(c, a->on, a->units, a->note); };
         }});
  struct RecordArgs {
    std::string unit, due, note;
    std::vector<std::string> findings;
  };
  t.Add({{"inspect", "record"},
         "record a visited unit's findings: none verifies it, some open a fix-up (整改) due on --fixup-due",
         [](CLI::App& cmd) -> Runner {
           auto a = std::make_shared<RecordArgs>();
           cmd.add_option("unit", a->unit, "unit id")->required();
           cmd.add_option("--finding", a->findings, "one problem found (repeat for each)")->allow_extra_args(false);
           cmd.add_option("--fixup-due", a->due, "the day the fix-up is due (YYYY-MM-DD), with findings");
           cmd.add_option("--note", a->note, "the office's note");
           return [a](Call& c) { return DoRecord(c, a->unit, a->findings, a->due, a->note); };
         }});

  t.AddGroup("assess", "the December assessment (考核): scores 30/50/20, the ranking's approval and publication");
  struct ImportArgs {
    std::string file, correction;
  };
  t.Add({{"assess", "import-prior"}, "import last year's indicator score of every unit from CSV (unit,score)",
         [](CLI::App& cmd) -> Runner {
           auto a = std::make_shared<ImportArgs>();
           cmd.add_option("file", a->file, "CSV with a header naming 'unit' and 'score' columns")->required();
           cmd.add_option("--correction", a->correction, "after publication: why the published result is corrected");
           return [a](Call& c) {
             auto r = c.app->AssessImportPrior(c.g.campaign, c.Path(a->file), a->correction, c.Request());
             return Recorded(c, r,
                             r.ok() ? "已导入上一年度指标得分 / prior scores imported: " +
                                          std::to_string(Json(*r).value("units", 0)) + " units"
                                    : "");
           };
         }});
  struct CarryArgs {
    std::string from, correction;
  };
  t.Add({{"assess", "carry-over"}, "take last year's score of every unit from the previous campaign's published result",
         [](CLI::App& cmd) -> Runner {
           auto a = std::make_shared<CarryArgs>();
           cmd.add_option("--from", a->from, "the previous campaign (taishan-2020)")->required();
           cmd.add_option("--correction", a->correction, "after publication: why the published result is corrected");
           return [a](Call& c) {
             auto r = c.app->AssessCarryOverPrior(c.g.campaign, a->from, a->correction, c.Request());
             return Recorded(c, r,
                             r.ok() ? "已沿用上一考核年度通报得分 / prior scores carried over from " + a->from + ": " +
                                          std::to_string(Json(*r).value("units", 0)) + " units"
                                    : "");
           };
         }});
  struct EvaluateArgs {
    std::string unit, score, comment, correction;
  };
  t.Add({{"assess", "evaluate"}, "the office's evaluation of a unit (0-100) with a comment", [](CLI::App& cmd) -> Runner {
           auto a = std::make_shared<EvaluateArgs>();
           cmd.add_option("unit", a->unit, "unit id")->required();
           cmd.add_option("--score", a->score, "0 to 100, at most two decimals")->required();
           cmd.add_option("--comment", a->comment, "the office's comment")->required();
           cmd.add_option("--correction", a->correction, "after publication: why the published result is corrected");
           return [a](Call& c) {
             auto score = assessment::ParsePoints(a->score);
             if (!score || *score > model::kFullMarks)
               return c.Fail(Status::InvalidInput("--score must be a number from 0 to 100 with at most two decimals, not '" +
                                                  a->score + "'"));
             auto r = c.app->AssessEvaluate(c.g.campaign, a->unit, *score, a->comment, a->correction, c.Request());
             return Recorded(c, r, "已录入办公室工作评价 / evaluation recorded: " + a->unit + " " + FormatPoints(score.value()));
           };
         }});
  struct ScoreArgs {
    std::string correction;
  };
  t.Add({{"assess", "score"}, "score every unit from the record (every part must be complete)",
         [](CLI::App& cmd) -> Runner {
           auto a = std::make_shared<ScoreArgs>();
           cmd.add_option("--correction", a->correction, "after publication: why the published result is corrected");
           return [a](Call& c) {
             auto r = c.app->AssessScore(c.g.campaign, a->correction, c.Request());
             if (!r.ok() || c.json_out()) return Recorded(c, r, "");
             const json j = Json(*r);
             c.io.out << "考核评分完成 / scored: 第" << j.value("revision", 0) << "版 revision "
                      << j.value("revision", 0) << '\n';
             PrintRanking(c, j["ranking"]);
             return 0;
           };
         }});
  struct SubmitArgs {
    std::string note;
  };
  t.Add({{"assess", "submit"}, "send the ranking to the government leader for approval (approve assessment#N)",
         [](CLI::App& cmd) -> Runner {
           auto a = std::make_shared<SubmitArgs>();
           cmd.add_option("--note", a->note, "a note for the approver");
           return [a](Call& c) {
             auto r = c.app->AssessSubmit(c.g.campaign, a->note, c.Request());
             return Recorded(c, r,
                             r.ok() ? "考核结果已报审 / ranking sent for approval: " + Json(*r).value("request", "") +
                                          " (第" + std::to_string(Json(*r).value("revision", 0)) + "版)"
                                    : "");
           };
         }});
  struct ShowArgs {
    std::string unit;
  };
  t.Add({{"assess", "show"}, "the scores, their deductions and the published ranking", [](CLI::App& cmd) -> Runner {
           auto a = std::make_shared<ShowArgs>();
           cmd.add_option("--unit", a->unit, "only this unit");
           return [a](Call& c) { return DoShow(c, a->unit); };
         }});
  t.Add({{"assess", "verify"}, "recompute every score and ranking from the event log and show any difference",
         [](CLI::App&) -> Runner { return [](Call& c) { return DoVerify(c); }; }});
}

}  // namespace duban::cli
