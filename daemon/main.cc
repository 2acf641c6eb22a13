// walcastd: parse the configuration, set up logging, build the App, run until SIGINT/SIGTERM.
#include <spdlog/spdlog.h>
#include <sys/resource.h>
#include <unistd.h>

#include <fstream>
#include <iostream>

#include "daemon/app.h"
#include "daemon/config.h"
#include "daemon/logging.h"

extern char** environ;

namespace {

// Every stream client holds a descriptor: thousands of them need more than the usual soft limit
// of 1024, and the hard limit is what the operator (or systemd's LimitNOFILE) allows.
void RaiseFileLimit() {
  rlimit limit{};
  if (getrlimit(RLIMIT_NOFILE, &limit) != 0 || limit.rlim_cur >= limit.rlim_max) return;
  rlim_t before = limit.rlim_cur;
  limit.rlim_cur = limit.rlim_max;
  if (setrlimit(RLIMIT_NOFILE, &limit) == 0) {
    spdlog::debug("open file limit raised from {} to {}", before, limit.rlim_cur);
  }
}

}  // namespace

int main(int argc, char** argv) {
  using namespace walcast::daemon;

  Environment process_env;
  for (char** e = environ; *e != nullptr; ++e) {
    std::string entry(*e);
    auto eq = entry.find('=');
    if (eq != std::string::npos) process_env[entry.substr(0, eq)] = entry.substr(eq + 1);
  }
  // Like the original app (dotenv), read .env from the working directory when it exists.
  std::vector<std::string> dotenv_errors;
  Environment dotenv;
  if (std::ifstream in(".env"); in) dotenv = ParseDotEnv(in, &dotenv_errors);

  ParseOutcome outcome = ParseConfig(std::vector<std::string>(argv + 1, argv + argc),
                                     MergeEnvironment(process_env, dotenv));
  if (!outcome.config) {
    (outcome.exit_code == 0 ? std::cout : std::cerr) << outcome.message << std::endl;
    return outcome.exit_code;
  }
  auto jwt = LoadJwtVerifier(*outcome.config);
  if (auto* error = std::get_if<std::string>(&jwt)) {
    std::cerr << *error << std::endl;
    return 2;
  }
  outcome.config->jwt = std::get<0>(std::move(jwt));
  SetupLogging(outcome.config->log_level);
  for (const auto& error : dotenv_errors) spdlog::warn("ignoring .env {}", error);
  RaiseFileLimit();

  try {
    App app(std::move(*outcome.config));
    if (!app.Start()) return 1;
    return app.Run();
  } catch (const std::exception& e) {
    spdlog::critical("fatal: {}", e.what());
    return 1;
  }
}
