// The ledger verb: status (工作台账).
#include <CLI/CLI.hpp>

#include "app/rows.h"
#include "core/text.h"
#include "labels.h"
#include "table.h"
#include "verb.h"

namespace duban::cli {

namespace {

using nlohmann::json;

std::string DueText(const app::Context& ctx, const std::optional<Instant>& due) {
  return due ? FormatDate(ctx.tz.local_date(*due)) : "—";
}

int DoStatus(Call& c, const std::string& unit_filter) {
  auto ledger = c.app->Status(c.g.campaign, unit_filter, c.Request());
  if (!ledger.ok()) return c.Fail(ledger.status());
  const auto& ctx = ledger->context;
  json rows = json::array();
  Table t({"单位 unit", "名称", "阶段 stage", "截止 due", "剩余工作日 left", "灯 light", "督办 level", "签收 ack",
           "材料 materials", "纸质 copies", "退回 returns", "承诺书 commitment", "待批 pending"});
  for (const auto& r : ledger->rows) {
    rows.push_back(app::LedgerRowJson(ctx, r));
    t.Add({r.unit->id, r.unit->name, r.stage->label.zh, DueText(ctx, r.due_at),
           r.workdays_left ? std::to_string(*r.workdays_left) : "", std::string(labels::Light(r.light)),
           labels::EscalationLevel(r.escalation_level),
           r.acknowledged_at ? FormatLocal(*r.acknowledged_at, ctx.tz).substr(5, 5) : std::string(labels::NotAcknowledged()),
           std::to_string(r.materials_done) + "/" + std::to_string(r.materials_total),
           std::to_string(r.paper_copies) + "/" + std::to_string(app::kPaperCopiesToOffice),
           r.review_rounds > 0 ? std::to_string(r.review_rounds) : "",
           labels::Commitment(r.commitment, r.commitment_number),
           r.instance.pending_request.value_or("")});
  }
  if (c.json_out()) {
    c.Print({{"campaign", ctx.campaign.id}, {"at", FormatUtc(c.now)}, {"units", rows},
             {"calendar_missing_years", ledger->calendar_missing_years}});
    return 0;
  }
  for (int y : ledger->calendar_missing_years)
    c.io.out << "警告 WARNING: " << y << "年没有节假日安排数据，工作日按普通周末计算 / no holiday calendar for " << y
             << ": working days fall back to plain weekends\n";
  c.io.out << "工作台账 ledger: " << ctx.campaign.name << " (" << ctx.campaign.id << ")  截至 "
           << FormatLocal(c.now, ctx.tz) << '\n';
  t.Print(c.io.out);
  return 0;
}

}  // namespace

void AddLedgerVerbs(VerbTable& t) {
  t.Add({{"status"},
         "the ledger (工作台账): each unit's stage, due date, days overdue, materials, returns, commitment and open "
         "request",
         [](CLI::App& cmd) -> Runner {
           auto unit = std::make_shared<std::string>();
           cmd.add_option("--unit", *unit, "only this unit");
           return [unit](Call& c) { return DoStatus(c, *unit); };
         }});
}

}  // namespace duban::cli
