// A notice: one event as the people who must hear of it will, with its
// recipients already resolved. The engine builds it when a command raises the
// event (in the same transaction), the outbox stores it, and every plugin
// receives it as JSON (ToJson; the shape is documented in plugins/README.md).
// Plain values: thread-safe as any value type (no shared state).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/status.h"
#include "core/time.h"
#include "model/model.h"

namespace duban::model {

// Someone a notice is for, as the roster knew them when the notice was queued.
struct Recipient {
  std::string person;  // roster id: "finance-liaison"
  std::string name;    // 王芳
  std::string email;   // may be empty: plugins that need one skip the recipient
  std::string role;    // the role they hear of it in: "liaison"

  friend bool operator==(const Recipient&, const Recipient&) = default;
};

struct Notice {
  std::string id;             // NoticeId(campaign, seq): stable, and plugins pass it on
  std::string campaign;       // "taishan-2021"
  std::string campaign_name;  // 泰山区2021年……考核
  std::string time_zone = std::string(kDefaultTimeZone);  // for printing the event's dates
  std::int64_t seq = 0;       // the event's sequence number in its campaign: the order key
  model::Event event;
  std::string unit_name;      // 区财政局; empty for campaign-wide events
  std::string actor_name;     // the actor's name, empty for "system"
  // People's names for ids in the payload, for templates: {"stage": "材料收集", "to": "已报送"}.
  nlohmann::json display = nlohmann::json::object();
  // Delivered outside working hours too, in a lane of its own (store/outbox.h). The
  // engine sets it when it queues the notice: the urgent types of the configuration.
  bool urgent = false;
  std::vector<Recipient> recipients;
};

// "taishan-2021/42": the campaign id, a slash, the event's sequence number.
std::string NoticeId(std::string_view campaign, std::int64_t seq);

// The notice JSON every plugin receives, without the "delivery" member the
// dispatcher adds per attempt.
nlohmann::json ToJson(const Notice& n);

// The inverse of ToJson (a "delivery" member is ignored). InvalidInput naming
// the member when one is missing or of the wrong type.
Result<Notice> NoticeFromJson(const nlohmann::json& j);

}  // namespace duban::model
