// Batch forms of two commands: `fire UNITS` and `material ACTION UNIT ITEMS`,
// where the targets are "all" or a comma-separated list. The app resolves the
// list, then runs each target as its own command (its own transaction and
// authorisation; with more than one target a client command id gets
// ":TARGET" appended), and answers every target's result or error in order.
//
// Free functions over an App: as thread-safe as the App they are given.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "app/app.h"

namespace duban::app {

// One target of a batch command and what its command answered.
template <typename T>
struct TargetResult {
  std::string target;
  Result<Outcome<T>> result;
};

// The units `units` names: "all" is every unit the person may see, else a
// comma-separated list (empty entries dropped). InvalidInput when it names none.
Result<std::vector<std::string>> ResolveUnits(App& app, const std::string& campaign, const std::string& units,
                                              const RequestContext& rc);

// The materials of `unit` that `items` names: "all" is every item not dropped
// that is open for `action` (pending or returned for submit and explain,
// submitted or explained for return and accept; InvalidInput when none is),
// else a comma-separated list (empty entries dropped; it may name none).
Result<std::vector<std::string>> ResolveMaterials(App& app, const std::string& campaign, const std::string& unit,
                                                  const std::string& items, machine::MaterialAction action,
                                                  const RequestContext& rc);

// Fires `trigger` at each unit `units` names, each as its own App::Fire.
// Fails only when the list cannot be resolved; each target's refusal is in its result.
Result<std::vector<TargetResult<wire::Fired>>> FireEach(App& app, const std::string& campaign,
                                                        const std::string& units, const std::string& trigger,
                                                        const std::string& note, const RequestContext& rc);

// Moves each material `items` names of `unit`, each as its own App::Material.
// Fails only when the list cannot be resolved; each target's refusal is in its result.
Result<std::vector<TargetResult<wire::Recorded>>> MaterialEach(App& app, const std::string& campaign,
                                                               const std::string& unit, const std::string& items,
                                                               machine::MaterialAction action, const std::string& note,
                                                               const std::vector<std::filesystem::path>& files,
                                                               const RequestContext& rc);

}  // namespace duban::app
