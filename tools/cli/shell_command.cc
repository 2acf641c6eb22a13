#include "tools/cli/shell_command.h"

#include <unistd.h>

#include <CLI/CLI.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <iostream>
#include <mutex>
#include <random>
#include <thread>

#include "tools/cli/order_input.h"
#include "tools/cli/order_view.h"
#include "tools/cli/rest_client.h"
#include "tools/cli/stream_connection.h"
#include "tools/cli/stream_message.h"

namespace walcast::cli {
namespace asio = boost::asio;

CLI::App* AddShellCommand(CLI::App& app) {
  return app.add_subcommand(
      "shell", "Interactive client: list and create orders while live events scroll by");
}

namespace {

constexpr const char* kPrompt = "walcast> ";

const char* kMenu = "Commands: help, orders, create, random, status, menu, clear, quit";

const char* kHelp =
    "  help     this help\n"
    "  orders   the 10 most recently updated orders\n"
    "  create   create an order (asks for customer, product and status)\n"
    "  random   create an order with random values\n"
    "  status   connection, server URL, client id, uptime\n"
    "  menu     the list of commands\n"
    "  clear    clear the screen\n"
    "  quit     leave (Ctrl-D too)\n"
    "Live changes of the orders table are printed as they happen.";

// The terminal is shared by the reader (this thread) and the event stream (the io thread): every
// write takes the mutex, and an event line is followed by the prompt that was showing.
class Console {
 public:
  Console(bool terminal, bool color) : terminal_(terminal), color_(color) {}

  void Prompt(const std::string& prompt) {
    std::lock_guard lock(mutex_);
    prompt_ = prompt;
    std::cout << prompt_ << std::flush;
  }
  // The user pressed Enter: the prompt is no longer on screen.
  void InputDone() {
    std::lock_guard lock(mutex_);
    prompt_.clear();
  }
  void Print(const std::string& text) {
    std::lock_guard lock(mutex_);
    prompt_.clear();
    std::cout << text << "\n" << std::flush;
  }
  // Above the prompt: carriage return and erase the line (the prompt), the text, the prompt.
  void PrintAbove(const std::string& text) {
    std::lock_guard lock(mutex_);
    std::cout << (terminal_ ? "\r\033[K" : (prompt_.empty() ? "" : "\n")) << text << "\n"
              << prompt_ << std::flush;
  }
  bool color() const { return color_; }

 private:
  std::mutex mutex_;
  std::string prompt_;
  bool terminal_;
  bool color_;
};

class Shell {
 public:
  explicit Shell(const ClientOptions& client)
      : client_(client),
        rest_(client),
        console_(isatty(STDOUT_FILENO),
                 isatty(STDOUT_FILENO) && std::getenv("NO_COLOR") == nullptr),
        work_(asio::make_work_guard(io_)),
        retry_(io_) {}

  int Run() {
    started_ = std::chrono::steady_clock::now();
    asio::post(io_, [this] { Connect(); });
    std::thread io_thread([this] { io_.run(); });
    console_.Print("walcast shell for " + client_.url + ". " + kMenu);
    std::string line;
    while (true) {
      console_.Prompt(kPrompt);
      if (!std::getline(std::cin, line)) {
        console_.Print("");
        break;
      }
      console_.InputDone();
      std::string command = Trim(line);
      if (command == "quit" || command == "exit") break;
      try {
        Dispatch(command);
      } catch (const std::exception& e) {
        console_.Print(std::string("error: ") + e.what());
      }
    }
    asio::post(io_, [this] {
      stopping_ = true;
      retry_.cancel();
      if (connection_) connection_->Close();
      connection_.reset();
      work_.reset();
    });
    io_thread.join();
    console_.Print("bye");
    return 0;
  }

 private:
  void Dispatch(const std::string& command) {
    if (command.empty()) return;
    if (command == "help") return console_.Print(kHelp);
    if (command == "menu") return console_.Print(kMenu);
    if (command == "clear") return console_.Print("\033[H\033[2J");
    if (command == "orders")
      return ShowResponse(rest_.Request("GET", "/api/orders?limit=10"), OrderTable);
    if (command == "create") return Create();
    if (command == "random") return Random();
    if (command == "status") return Status();
    console_.Print("unknown command '" + command + "'. " + kMenu);
  }

  void ShowResponse(const RestResponse& response, std::string (*view)(const std::string&)) {
    if (response.status >= 200 && response.status < 300) {
      console_.Print(view(response.body));
    } else {
      console_.Print("error: " + ErrorView(response.status, response.body));
    }
  }

  // Asks until the answer passes `check`; nullopt at end of input.
  std::optional<std::string> Ask(
      const std::string& question,
      const std::function<std::optional<std::string>(const std::string&)>& check,
      const std::string& fallback = "") {
    while (true) {
      console_.Prompt(question + (fallback.empty() ? "" : " [" + fallback + "]") + ": ");
      std::string answer;
      if (!std::getline(std::cin, answer)) return std::nullopt;
      console_.InputDone();
      answer = Trim(answer);
      if (answer.empty() && !fallback.empty()) answer = fallback;
      if (auto problem = check(answer)) {
        console_.Print("  " + *problem);
        continue;
      }
      return answer;
    }
  }

  void Create() {
    OrderFields fields;
    fields.customer_name =
        Ask("Customer name", [](const std::string& a) { return CheckName("customer_name", a); });
    if (!fields.customer_name) return;
    fields.product_name =
        Ask("Product name", [](const std::string& a) { return CheckName("product_name", a); });
    if (!fields.product_name) return;
    fields.status = Ask("Status (pending, shipped, delivered)", CheckStatus, "pending");
    if (!fields.status) return;
    ShowResponse(rest_.Request("POST", "/api/orders", OrderBody(fields)), OrderDetails);
  }

  void Random() {
    static const char* kCustomers[] = {"Ada Lovelace",    "Alan Turing",    "Grace Hopper",
                                       "Edsger Dijkstra", "Barbara Liskov", "Donald Knuth"};
    static const char* kProducts[] = {"Laptop", "Keyboard", "Monitor",  "Headphones",
                                      "Mouse",  "Webcam",   "Desk lamp"};
    std::uniform_int_distribution<std::size_t> customer(0, std::size(kCustomers) - 1);
    std::uniform_int_distribution<std::size_t> product(0, std::size(kProducts) - 1);
    std::uniform_int_distribution<std::size_t> status(0, kOrderStatuses.size() - 1);
    OrderFields fields;
    fields.customer_name = kCustomers[customer(random_)];
    fields.product_name = kProducts[product(random_)];
    fields.status = kOrderStatuses[status(random_)];
    ShowResponse(rest_.Request("POST", "/api/orders", OrderBody(fields)), OrderDetails);
  }

  void Status() {
    std::string connection, client_id;
    {
      std::lock_guard lock(state_mutex_);
      connection = connected_ ? "connected (live events on)" : "disconnected (reconnecting)";
      client_id = client_id_.empty() ? "-" : client_id_;
    }
    auto session = std::chrono::duration_cast<std::chrono::seconds>(
                       std::chrono::steady_clock::now() - started_)
                       .count();
    std::string server_uptime = "unknown";
    try {
      auto health = rest_.Request("GET", "/health");
      auto at = health.body.find("\"uptimeSeconds\":");
      if (at != std::string::npos) {
        double seconds = std::strtod(health.body.c_str() + at + 16, nullptr);
        server_uptime = std::to_string(static_cast<int64_t>(seconds)) + " s";
      }
    } catch (const std::exception& e) {
      server_uptime = e.what();
    }
    console_.Print("connection:     " + connection + "\nserver URL:     " + client_.url +
                   "\nclient id:      " + client_id + "\nsession uptime: " +
                   std::to_string(session) + " s\nserver uptime:  " + server_uptime);
  }

  // The event stream, on the io thread: reconnects every second, resuming after the last event.
  void Connect() {
    if (stopping_) return;
    StreamHandlers handlers;
    handlers.on_message = [this](std::string_view frame) { OnMessage(frame); };
    handlers.on_closed = [this](const StreamClosed& closed) {
      bool was_connected;
      {
        std::lock_guard lock(state_mutex_);
        was_connected = connected_;
        connected_ = false;
      }
      if (was_connected) console_.PrintAbove("(live events: " + closed.reason + ", reconnecting)");
      connection_.reset();
      if (stopping_ || !closed.retryable) return;
      retry_.expires_after(std::chrono::seconds(1));
      retry_.async_wait([this](boost::system::error_code ec) {
        if (!ec) Connect();
      });
    };
    std::string target = "/ws" + (cursor_.empty() ? std::string() : "?from=" + cursor_);
    connection_ =
        OpenWebSocketStream(io_, client_.endpoint, target, client_.token, std::move(handlers));
  }

  void OnMessage(std::string_view frame) {
    auto message = ParseStreamMessage(frame);
    if (!message) return;
    if (message->kind == MessageKind::kWelcome) {
      {
        std::lock_guard lock(state_mutex_);
        connected_ = true;
        client_id_ = message->text;
      }
      console_.PrintAbove("(live events on)");
      if (cursor_.empty()) cursor_ = message->id;
      return;
    }
    if (message->kind == MessageKind::kChange) {
      if (!cursor_.empty() && message->id <= cursor_) return;
      cursor_ = message->id;
      console_.PrintAbove(PrettyLine(frame, console_.color()));
    } else if (message->kind == MessageKind::kResync) {
      cursor_.clear();
      console_.PrintAbove("(live events: resync, some changes were missed; type 'orders')");
    }
  }

  const ClientOptions& client_;
  RestClient rest_;
  Console console_;
  asio::io_context io_;
  asio::executor_work_guard<asio::io_context::executor_type> work_;
  asio::steady_timer retry_;
  std::shared_ptr<StreamConnection> connection_;  // io thread only
  std::string cursor_;                            // io thread only
  bool stopping_ = false;                         // io thread only
  std::mutex state_mutex_;
  bool connected_ = false;
  std::string client_id_;
  std::chrono::steady_clock::time_point started_;
  std::mt19937 random_{std::random_device{}()};
};

}  // namespace

int RunShell(const ClientOptions& client) {
  Shell shell(client);
  return shell.Run();
}

}  // namespace walcast::cli
