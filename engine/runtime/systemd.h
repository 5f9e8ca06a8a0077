// Tells systemd (Type=notify units) how the daemon is doing: ready once it
// serves, stopping when a signal came. Without $NOTIFY_SOCKET (not started by
// systemd) every call does nothing.
#pragma once

#include <string_view>

namespace duban::runtime {

void NotifyReady(std::string_view status);
void NotifyStopping();

}  // namespace duban::runtime
