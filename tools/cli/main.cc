// walcast: the command-line client of walcastd (tail, orders, shell, health, status). Each command
// lives in its own file; this one parses the shared options and dispatches.
#include <CLI/CLI.hpp>
#include <cstdlib>
#include <iostream>

#include "tools/cli/client_options.h"
#include "tools/cli/exit_codes.h"
#include "tools/cli/health_command.h"
#include "tools/cli/orders_command.h"
#include "tools/cli/shell_command.h"
#include "tools/cli/status_command.h"
#include "tools/cli/tail_command.h"

namespace {

std::string FromEnvironment(const char* name, std::string fallback) {
  const char* value = std::getenv(name);
  return value && *value ? value : fallback;
}

}  // namespace

int main(int argc, char** argv) {
  using namespace walcast::cli;
  CLI::App app("walcast: command-line client for walcastd");
  app.set_version_flag("--version", WALCAST_VERSION);
  ClientOptions client;
  client.url = FromEnvironment("WALCAST_URL", kDefaultUrl);
  client.token = FromEnvironment("WALCAST_TOKEN", "");
  app.add_option("--url", client.url, "walcastd base URL, http://host[:port] [env: WALCAST_URL]")
      ->capture_default_str();
  app.add_option("--token", client.token,
                 "Bearer token for writes and streams (--api-token/--stream-token of walcastd) "
                 "[env: WALCAST_TOKEN]");
  app.require_subcommand(1);
  app.fallthrough();

  TailCommand tail(app);
  OrdersCommand orders(app);
  CLI::App* shell = AddShellCommand(app);
  CLI::App* health = AddHealthCommand(app);
  StatusCommand status(app);

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    // Help and --version exit 0 on stdout; a usage error is one line on stderr and exit 2.
    if (e.get_exit_code() == 0) return app.exit(e);
    std::cerr << "walcast: " << e.what() << " (see walcast --help)" << std::endl;
    return kExitUsage;
  }

  auto endpoint = ParseEndpoint(client.url);
  if (!endpoint) {
    std::cerr << "walcast: --url must look like http://host[:port], got " << client.url
              << std::endl;
    return kExitUsage;
  }
  client.endpoint = *endpoint;
  try {
    if (tail.Parsed()) return tail.Run(client);
    if (orders.Parsed()) return orders.Run(client);
    if (shell->parsed()) return RunShell(client);
    if (health->parsed()) return RunHealth(client);
    if (status.Parsed()) return status.Run(client);
  } catch (const std::exception& e) {
    std::cerr << "walcast: " << e.what() << std::endl;
    return kExitFailure;
  }
  return kExitUsage;
}
