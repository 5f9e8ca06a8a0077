// Who is asking, when, and how: the request context every command and query
// of app::App takes. The edge (CLI, later the HTTP API) builds it; the app
// resolves the person against the campaign's roster and authorises them.
// A plain value: safe to copy between threads.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "core/time.h"

namespace duban::app {

// The way a request came. Only kSystem (the daemon's deadline ticks, the
// replay's automatic ticks) may act as the person "system".
enum class Channel : std::uint8_t { kCli, kToken, kSession, kSystem };

// "cli", "token", "session", "system": as events record it.
constexpr std::string_view ChannelName(Channel c) {
  switch (c) {
    case Channel::kCli: return "cli";
    case Channel::kToken: return "token";
    case Channel::kSession: return "session";
    case Channel::kSystem: return "system";
  }
  return "?";
}

struct RequestContext {
  std::string person;                     // a roster person id; "system" on Channel::kSystem only
  Instant at{};                           // the clock the edge passes in
  std::optional<std::string> command_id;  // a retry with the same id is answered, not applied again
  Channel channel = Channel::kCli;
};

// The engine's own clock acting at `at` (person "system", Channel::kSystem).
inline RequestContext SystemRequest(Instant at) { return RequestContext{"system", at, std::nullopt, Channel::kSystem}; }

}  // namespace duban::app
