// `walcast health`: prints the daemon's /health report; exit 0 when healthy, 1 otherwise.
#pragma once

#include "tools/cli/client_options.h"

namespace CLI {
class App;
}

namespace walcast::cli {

CLI::App* AddHealthCommand(CLI::App& app);
int RunHealth(const ClientOptions& client);

}  // namespace walcast::cli
