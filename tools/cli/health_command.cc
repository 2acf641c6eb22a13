#include "tools/cli/health_command.h"

#include <CLI/CLI.hpp>
#include <iostream>

#include "tools/cli/exit_codes.h"
#include "tools/cli/rest_client.h"

namespace walcast::cli {

CLI::App* AddHealthCommand(CLI::App& app) {
  return app.add_subcommand("health",
                            "Print the daemon's /health report; exit 0 when healthy, 1 otherwise");
}

int RunHealth(const ClientOptions& client) {
  auto response = RestClient(client).Request("GET", "/health");
  std::cout << response.body << std::endl;
  return response.status == 200 ? kExitOk : kExitFailure;
}

}  // namespace walcast::cli
