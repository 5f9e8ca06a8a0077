#include "runtime/systemd.h"

#include <string>

#include <systemd/sd-daemon.h>

namespace duban::runtime {

void NotifyReady(std::string_view status) {
  const std::string message = "READY=1\nSTATUS=" + std::string(status);
  (void)sd_notify(0, message.c_str());
}

void NotifyStopping() { (void)sd_notify(0, "STOPPING=1"); }

}  // namespace duban::runtime
