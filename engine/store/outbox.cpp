#include "store/outbox.h"

#include <array>

#include "core/enum_names.h"

namespace duban::store {

namespace {

constexpr std::array<EnumName<DeliveryState>, 4> kDeliveryStateNames{{
    {DeliveryState::kPending, "pending"},
    {DeliveryState::kDelivered, "delivered"},
    {DeliveryState::kDead, "dead"},
    {DeliveryState::kSkipped, "skipped"},
}};

}  // namespace

std::string_view DeliveryStateName(DeliveryState s) {
  return NameIn(kDeliveryStateNames, s, "pending");
}

std::optional<DeliveryState> DeliveryStateFromName(std::string_view name) {
  return ValueIn(kDeliveryStateNames, name);
}

}  // namespace duban::store
