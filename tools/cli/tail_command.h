// `walcast tail`: follows the event stream and prints each change event, resuming by event id
// after any disconnection. Returns the process exit code (exit_codes.h).
#pragma once

#include "tools/cli/client_options.h"
#include "tools/cli/table_selection.h"
#include "tools/cli/tail_options.h"

namespace CLI {
class App;
}

namespace walcast::cli {

class TailCommand {
 public:
  // Registers `tail` on `app`; its options are filled when it is parsed.
  explicit TailCommand(CLI::App& app);
  bool Parsed() const;
  // Runs until --count events, --timeout, Ctrl-C/SIGTERM (exit 0), a broken stdout (exit 0: the
  // reader went away, as `| head` does), --retry-for spent without a connection, or the server
  // refusing the stream's parameters (an unknown table or column in --table/--filter: exit 1).
  int Run(const ClientOptions& client);

 private:
  CLI::App* tail_;
  TailOptions options_;
  TableSelection tables_;
  std::string format_;
};

}  // namespace walcast::cli
