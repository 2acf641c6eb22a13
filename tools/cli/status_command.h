// `walcast status`: the daemon's health on one screen, from one fetch of /health and /metrics
// (status_view.h), once or, with --watch, refreshed until Ctrl-C. Returns the process exit code
// (exit_codes.h): once, 0 when the daemon reports "ok", 1 when it is degraded, down or cannot be
// reached (as `health`); with --watch, 0 on Ctrl-C/SIGTERM or when stdout's reader goes away.
#pragma once

#include "tools/cli/client_options.h"

namespace CLI {
class App;
class Option;
}  // namespace CLI

namespace walcast::cli {

class StatusCommand {
 public:
  // Registers `status` on `app`; its options are filled when it is parsed.
  explicit StatusCommand(CLI::App& app);
  bool Parsed() const;
  int Run(const ClientOptions& client);

 private:
  CLI::App* status_;
  CLI::Option* watch_;
  double watch_seconds_ = 1;
  bool json_ = false;
};

}  // namespace walcast::cli
