// `walcast orders list|get|create|update|delete|stats|bulk-status`: the REST API from a shell.
// A table or "field: value" lines by default, the server's JSON body untouched with --json.
// Arguments the server would refuse are refused first (exit 2, one line); a server error prints
// the status, its message and every `details` entry on stderr (exit 1).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "tools/cli/client_options.h"
#include "tools/cli/order_input.h"

namespace CLI {
class App;
}

namespace walcast::cli {

class OrdersCommand {
 public:
  explicit OrdersCommand(CLI::App& app);
  bool Parsed() const;
  int Run(const ClientOptions& client);

 private:
  CLI::App* orders_;
  CLI::App* list_;
  CLI::App* get_;
  CLI::App* create_;
  CLI::App* update_;
  CLI::App* delete_;
  CLI::App* stats_;
  CLI::App* bulk_;
  bool json_ = false;
  ListFilter filter_;
  std::string id_;
  std::vector<std::string> ids_;
  std::string customer_, product_, status_;
};

}  // namespace walcast::cli
