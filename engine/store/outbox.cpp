#include "store/outbox.h"

namespace duban::store {

std::string_view DeliveryStateName(DeliveryState s) {
  switch (s) {
    case DeliveryState::kPending: return "pending";
    case DeliveryState::kDelivered: return "delivered";
    case DeliveryState::kDead: return "dead";
    case DeliveryState::kSkipped: return "skipped";
  }
  return "pending";
}

std::optional<DeliveryState> DeliveryStateFromName(std::string_view name) {
  for (DeliveryState s : {DeliveryState::kPending, DeliveryState::kDelivered, DeliveryState::kDead,
                          DeliveryState::kSkipped})
    if (DeliveryStateName(s) == name) return s;
  return std::nullopt;
}

}  // namespace duban::store
