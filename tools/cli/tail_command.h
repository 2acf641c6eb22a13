// `walcast tail`: follows the event stream and prints each change event, resuming by event id
// after any disconnection. Returns the process exit code (exit_codes.h).
#pragma once

#include "client_options.h"
#include "tail_options.h"

namespace CLI {
class App;
}

namespace walcast::cli {

// Registers `tail` on `app`; the returned options are filled when it is parsed.
TailOptions& AddTailCommand(CLI::App& app, CLI::App** subcommand);

// Runs until --count events, --timeout, Ctrl-C/SIGTERM (exit 0), a broken stdout (exit 0: the
// reader went away, as `| head` does), or --retry-for spent without a connection (exit 1).
int RunTail(const ClientOptions& client, const TailOptions& options);

}  // namespace walcast::cli
