// `walcast shell`: the original CLI client's interactive session. Commands: help, orders,
// create (prompts, validated), random, status, menu, clear, quit. Live change events are printed
// above the prompt while it waits: the event line, then the prompt again (no line editor, so a
// half-typed line is not redrawn; it is still in the terminal's input buffer and Enter sends it).
#pragma once

#include "tools/cli/client_options.h"

namespace CLI {
class App;
}

namespace walcast::cli {

CLI::App* AddShellCommand(CLI::App& app);
// Reads commands from stdin until `quit` or end of input; returns the exit code (0).
int RunShell(const ClientOptions& client);

}  // namespace walcast::cli
