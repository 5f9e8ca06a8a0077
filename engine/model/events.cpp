#include "model/events.h"

#include <nlohmann/json.hpp>

namespace duban::model {

namespace {

constexpr bool RowsInEnumOrder() {
  for (std::size_t i = 0; i < kEventSpecs.size(); ++i)
    if (static_cast<std::size_t>(kEventSpecs[i].type) != i || kEventSpecs[i].name.empty()) return false;
  return static_cast<std::size_t>(EventType::kInspectionRecorded) + 1 == kEventTypeCount;  // the last enumerator
}
static_assert(RowsInEnumOrder(), "kEventSpecs: one row per EventType, in the enum's order");

constexpr bool PayloadRolesNamed() {
  for (const auto& s : kEventSpecs)
    if ((s.audience == Audience::kPayloadRoles) == s.roles_field.empty()) return false;
  return true;
}
static_assert(PayloadRolesNamed(), "kEventSpecs: exactly the kPayloadRoles rows name a roles_field");

constexpr std::array<EventType, kEventTypeCount> MakeAll() {
  std::array<EventType, kEventTypeCount> all{};
  for (std::size_t i = 0; i < all.size(); ++i) all[i] = kEventSpecs[i].type;
  return all;
}
constexpr std::array<EventType, kEventTypeCount> kAll = MakeAll();

}  // namespace

std::optional<EventType> EventTypeFromName(std::string_view name) {
  for (const auto& s : kEventSpecs)
    if (s.name == name) return s.type;
  return std::nullopt;
}

std::span<const EventType> AllEventTypes() { return kAll; }

void to_json(nlohmann::json& j, EventType t) { j = EventTypeName(t); }

}  // namespace duban::model
