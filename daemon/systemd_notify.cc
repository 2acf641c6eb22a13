#include "systemd_notify.h"

#include <spdlog/spdlog.h>
#include <systemd/sd-daemon.h>

namespace walcast::daemon {
namespace {

void Notify(const char* state) {
  int r = sd_notify(0, state);
  if (r < 0) spdlog::warn("systemd notification {} failed: error {}", state, -r);
}

}  // namespace

void NotifyReady() { Notify("READY=1"); }
void NotifyStopping() { Notify("STOPPING=1"); }

}  // namespace walcast::daemon
