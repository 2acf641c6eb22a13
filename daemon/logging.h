// Logging setup: one spdlog logger for the whole daemon, one line per event, to stderr (journald
// adds its own timestamps, but a plain terminal run needs them too).
#pragma once

#include <string>

namespace walcast::daemon {

// `level` is one of trace, debug, info, warn, error, critical, off (validated by the config).
void SetupLogging(const std::string& level);

}  // namespace walcast::daemon
