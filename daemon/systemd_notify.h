// Tells systemd (Type=notify) when the daemon is ready and when it is stopping. Without
// NOTIFY_SOCKET (not started by systemd) every call does nothing.
#pragma once

namespace walcast::daemon {

void NotifyReady();
void NotifyStopping();

}  // namespace walcast::daemon
