#include "app/batch.h"

#include <sstream>

namespace duban::app {

namespace {

std::vector<std::string> SplitList(const std::string& list) {
  std::vector<std::string> out;
  std::stringstream ss(list);
  for (std::string item; std::getline(ss, item, ',');)
    if (!item.empty()) out.push_back(item);
  return out;
}

// The request for one target: with several targets, the command id names it.
RequestContext ForTarget(const RequestContext& rc, const std::string& target, std::size_t targets) {
  RequestContext one = rc;
  if (one.command_id && targets > 1) *one.command_id += ":" + target;
  return one;
}

}  // namespace

Result<std::vector<std::string>> ResolveUnits(App& app, const std::string& campaign, const std::string& units,
                                              const RequestContext& rc) {
  std::vector<std::string> targets;
  if (units == "all") {
    auto view = app.Roster(campaign, "", rc);
    if (!view.ok()) return view.status();
    for (const auto& u : view->units) targets.push_back(u.id);
  } else {
    targets = SplitList(units);
  }
  if (targets.empty()) return Status::InvalidInput("no unit given");
  return targets;
}

Result<std::vector<std::string>> ResolveMaterials(App& app, const std::string& campaign, const std::string& unit,
                                                  const std::string& items, machine::MaterialAction action,
                                                  const RequestContext& rc) {
  if (items != "all") return SplitList(items);
  auto owed = app.Materials(campaign, unit, rc);
  if (!owed.ok()) return owed.status();
  const bool handing_in = action == machine::MaterialAction::kSubmit || action == machine::MaterialAction::kExplain;
  std::vector<std::string> targets;
  for (const auto& m : *owed) {
    if (m.dropped) continue;
    const bool open = handing_in
                          ? (m.state == model::MaterialState::kPending || m.state == model::MaterialState::kReturned)
                          : (m.state == model::MaterialState::kSubmitted || m.state == model::MaterialState::kExplained);
    if (open) targets.push_back(m.material);
  }
  if (targets.empty()) return Status::InvalidInput("no material of unit '" + unit + "' is open for this");
  return targets;
}

Result<std::vector<TargetResult<wire::Fired>>> FireEach(App& app, const std::string& campaign,
                                                        const std::string& units, const std::string& trigger,
                                                        const std::string& note, const RequestContext& rc) {
  auto targets = ResolveUnits(app, campaign, units, rc);
  if (!targets.ok()) return targets.status();
  std::vector<TargetResult<wire::Fired>> out;
  for (const auto& unit : *targets)
    out.push_back({unit, app.Fire(campaign, unit, trigger, note, ForTarget(rc, unit, targets->size()))});
  return out;
}

Result<std::vector<TargetResult<wire::Recorded>>> MaterialEach(App& app, const std::string& campaign,
                                                               const std::string& unit, const std::string& items,
                                                               machine::MaterialAction action, const std::string& note,
                                                               const std::vector<std::filesystem::path>& files,
                                                               const RequestContext& rc) {
  auto targets = ResolveMaterials(app, campaign, unit, items, action, rc);
  if (!targets.ok()) return targets.status();
  std::vector<TargetResult<wire::Recorded>> out;
  for (const auto& item : *targets)
    out.push_back({item, app.Material(campaign, unit, item, action, note, files, ForTarget(rc, item, targets->size()))});
  return out;
}

}  // namespace duban::app
