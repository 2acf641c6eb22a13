// `walcast shell` driven through a pseudo-terminal: help, create with validated prompts,
// random, orders, status, live events printed above the prompt, quit.
#include <gtest/gtest.h>
#include <poll.h>
#include <pty.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <string>

#include "tests/harness/orders_database.h"
#include "tests/harness/pg_cluster.h"

namespace walcast::testing {
namespace {

using namespace std::chrono_literals;

// The shell on the slave side of a pty, as a user at a terminal would run it.
class PtyShell {
 public:
  explicit PtyShell(int port) {
    std::string binary = BinaryDir() + "/bin/walcast";
    std::string url = "http://127.0.0.1:" + std::to_string(port);
    winsize size{40, 160, 0, 0};
    pid_ = forkpty(&master_, nullptr, nullptr, &size);
    if (pid_ == 0) {
      // Colours off so the test reads plain text; the terminal handling stays on.
      const char* env[] = {"NO_COLOR=1", "TERM=xterm", "PATH=/usr/bin:/bin", nullptr};
      const char* argv[] = {binary.c_str(), "--url", url.c_str(), "shell", nullptr};
      execve(binary.c_str(), const_cast<char**>(argv), const_cast<char**>(env));
      _exit(127);
    }
  }
  ~PtyShell() {
    if (pid_ > 0 && !exited_) {
      kill(pid_, SIGKILL);
      waitpid(pid_, nullptr, 0);
    }
    if (master_ >= 0) close(master_);
  }

  void Send(const std::string& line) {
    std::string text = line + "\n";
    ASSERT_EQ(write(master_, text.data(), text.size()), static_cast<ssize_t>(text.size()));
  }

  // Reads until `needle` appears in the output after the previous match; the text read up to and
  // including it is consumed.
  bool Expect(const std::string& needle, std::chrono::milliseconds timeout = 30s) {
    auto deadline = std::chrono::steady_clock::now() + timeout;
    while (true) {
      if (auto at = pending_.find(needle); at != std::string::npos) {
        seen_ += pending_.substr(0, at + needle.size());
        pending_.erase(0, at + needle.size());
        return true;
      }
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
          deadline - std::chrono::steady_clock::now());
      if (left.count() <= 0) return false;
      pollfd p{master_, POLLIN, 0};
      if (poll(&p, 1, static_cast<int>(left.count())) <= 0) continue;
      char buffer[4096];
      ssize_t n = read(master_, buffer, sizeof buffer);
      if (n <= 0) return false;  // the shell exited (EIO on the master)
      pending_.append(buffer, n);
    }
  }

  // Waits until `needle` is anywhere in the output read so far (consumes nothing): for text whose
  // position relative to other output is not fixed, like a live event.
  bool Saw(const std::string& needle, std::chrono::milliseconds timeout = 30s) {
    auto deadline = std::chrono::steady_clock::now() + timeout;
    while (Output().find(needle) == std::string::npos) {
      if (std::chrono::steady_clock::now() > deadline) return false;
      pollfd p{master_, POLLIN, 0};
      if (poll(&p, 1, 50) <= 0) continue;
      char buffer[4096];
      ssize_t n = read(master_, buffer, sizeof buffer);
      if (n <= 0) return false;
      pending_.append(buffer, n);
    }
    return true;
  }

  // Everything read so far, for failure messages.
  std::string Output() const { return seen_ + pending_; }

  std::optional<int> WaitExit(std::chrono::milliseconds timeout) {
    auto deadline = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < deadline) {
      int status = 0;
      if (waitpid(pid_, &status, WNOHANG) == pid_) {
        exited_ = true;
        return WIFEXITED(status) ? WEXITSTATUS(status) : -WTERMSIG(status);
      }
      // Keep the pty drained so the child never blocks on a full buffer.
      Expect("\x01never\x02", 20ms);
    }
    return std::nullopt;
  }

 private:
  pid_t pid_ = -1;
  int master_ = -1;
  bool exited_ = false;
  std::string seen_;
  std::string pending_;
};

class CliShell : public StreamingDaemonTest {};

TEST_F(CliShell, HelpCreateRandomOrdersStatusLiveEventsQuit) {
  StartDaemon("cli_shell");
  PtyShell shell(port_);
  ASSERT_TRUE(shell.Expect("walcast> ")) << shell.Output();
  ASSERT_TRUE(shell.Expect("(live events on)")) << shell.Output();
  ASSERT_TRUE(shell.Expect("walcast> ")) << "the prompt again after the notice";

  shell.Send("help");
  ASSERT_TRUE(shell.Expect("random   create an order with random values")) << shell.Output();
  ASSERT_TRUE(shell.Expect("walcast> "));

  shell.Send("status");
  ASSERT_TRUE(shell.Expect("connection:     connected")) << shell.Output();
  ASSERT_TRUE(shell.Expect("server URL:     http://127.0.0.1:" + std::to_string(port_)));
  ASSERT_TRUE(shell.Expect("client id:      "));
  ASSERT_TRUE(shell.Expect("server uptime:  ")) << shell.Output();
  ASSERT_TRUE(shell.Expect("walcast> "));

  shell.Send("create");
  ASSERT_TRUE(shell.Expect("Customer name: ")) << shell.Output();
  shell.Send("   ");
  ASSERT_TRUE(shell.Expect("customer_name is required")) << "validated before sending";
  ASSERT_TRUE(shell.Expect("Customer name: "));
  shell.Send("Ada Lovelace");
  ASSERT_TRUE(shell.Expect("Product name: "));
  shell.Send("Analytical Engine");
  ASSERT_TRUE(shell.Expect("Status (pending, shipped, delivered) [pending]: "));
  shell.Send("lost");
  ASSERT_TRUE(shell.Expect("status must be one of")) << shell.Output();
  ASSERT_TRUE(shell.Expect("[pending]: "));
  shell.Send("");
  ASSERT_TRUE(shell.Expect("Order created successfully")) << shell.Output();
  // The insert comes back through the live stream (before or after the response is printed).
  ASSERT_TRUE(shell.Saw("INSERT  #")) << shell.Output();
  ASSERT_TRUE(shell.Saw("pending     Ada Lovelace · Analytical Engine")) << shell.Output();
  EXPECT_EQ(session_->Scalar("SELECT status FROM orders WHERE customer_name = 'Ada Lovelace'"),
            "pending");

  ASSERT_TRUE(shell.Expect("walcast> "));
  shell.Send("random");
  ASSERT_TRUE(shell.Expect("Order created successfully")) << shell.Output();
  ASSERT_TRUE(shell.Expect("walcast> "));
  EXPECT_EQ(session_->Scalar("SELECT count(*) FROM orders"), "2");

  shell.Send("orders");
  ASSERT_TRUE(shell.Expect("ID  STATUS")) << shell.Output();
  ASSERT_TRUE(shell.Expect("2 of 2 orders")) << shell.Output();
  ASSERT_TRUE(shell.Expect("walcast> "));

  // A change made elsewhere shows up above the waiting prompt, and the prompt comes back.
  session_->Exec("UPDATE orders SET status = 'shipped' WHERE customer_name = 'Ada Lovelace'");
  ASSERT_TRUE(shell.Expect("(status pending → shipped)")) << shell.Output();
  ASSERT_TRUE(shell.Expect("walcast> ")) << shell.Output();

  shell.Send("menu");
  ASSERT_TRUE(shell.Expect("Commands: help, orders, create, random, status, menu, clear, quit"));
  shell.Send("nonsense");
  ASSERT_TRUE(shell.Expect("unknown command 'nonsense'"));

  shell.Send("quit");
  ASSERT_TRUE(shell.Expect("bye")) << shell.Output();
  EXPECT_EQ(shell.WaitExit(30s), 0);
}

TEST_F(CliShell, EndOfInputQuits) {
  StartDaemon("cli_shell_eof");
  PtyShell shell(port_);
  ASSERT_TRUE(shell.Expect("walcast> ")) << shell.Output();
  shell.Send("\x04");  // Ctrl-D at the start of a line
  EXPECT_EQ(shell.WaitExit(30s), 0) << shell.Output();
}

}  // namespace
}  // namespace walcast::testing
