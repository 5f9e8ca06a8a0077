#include <algorithm>
#include <cstdio>
#include <fstream>
#include <system_error>
#include <unistd.h>

#include "model/events.h"
#include "report/report.h"

namespace duban::report {

std::string OfficeHeading(const model::Roster& roster) {
  std::string name = roster.name;
  const std::string year = std::to_string(roster.year) + "年";
  if (auto at = name.find(year); roster.year != 0 && at != std::string::npos) name.erase(at, year.size());
  return name + "工作领导小组办公室";
}

Result<Data> Collect(app::App& app, const std::string& campaign, const std::string& unit,
                     const app::RequestContext& rc) {
  auto ledger = app.Status(campaign, unit, rc);
  if (!ledger.ok()) return ledger.status();
  const std::string& id = ledger->context.campaign.id;
  auto materials = app.Materials(id, unit, rc);
  if (!materials.ok()) return materials.status();
  std::vector<model::StoredEvent> escalations;
  for (auto type : {model::EventType::kDeadlineMissed, model::EventType::kEscalationRaised}) {
    store::EventFilter filter;
    filter.campaign = id;
    if (!unit.empty()) filter.unit = unit;
    filter.type = std::string(model::EventTypeName(type));
    auto events = app.Events(filter, rc);
    if (!events.ok()) return events.status();
    escalations.insert(escalations.end(), events->begin(), events->end());
  }
  std::sort(escalations.begin(), escalations.end(),
            [](const model::StoredEvent& a, const model::StoredEvent& b) { return a.seq < b.seq; });
  auto assessment = app.AssessShow(id, unit, rc);
  if (!assessment.ok()) return assessment.status();
  const app::Context& ctx = ledger->context;
  Heading heading{OfficeHeading(*ctx.roster), ctx.roster->name, id, ctx.campaign.year, ctx.tz.local_date(rc.at)};
  return Data{std::move(heading), std::move(*ledger), std::move(*materials), std::move(escalations),
              std::move(*assessment)};
}

std::filesystem::path TempBeside(const std::filesystem::path& path) {
  return path.string() + ".tmp-" + std::to_string(::getpid());
}

Status PutInPlace(const std::filesystem::path& tmp, const std::filesystem::path& path) {
  std::error_code ec;
  std::filesystem::rename(tmp, path, ec);
  if (!ec) return Status::Ok();
  std::error_code ignored;
  std::filesystem::remove(tmp, ignored);
  return Status::Io("cannot put " + path.string() + " in place: " + ec.message());
}

Status WriteFileAtomic(const std::filesystem::path& path, std::string_view bytes) {
  const std::filesystem::path tmp = TempBeside(path);
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    if (!out) return Status::Io("cannot write " + tmp.string());
    out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
    out.flush();
    if (!out) {
      std::error_code ec;
      std::filesystem::remove(tmp, ec);
      return Status::Io("cannot write " + tmp.string());
    }
  }
  return PutInPlace(tmp, path);
}

}  // namespace duban::report
