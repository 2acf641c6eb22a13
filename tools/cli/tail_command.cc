#include "tools/cli/tail_command.h"

#include <unistd.h>

#include <CLI/CLI.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <csignal>
#include <iostream>

#include "tools/cli/exit_codes.h"
#include "tools/cli/line_output.h"
#include "tools/cli/reconnect_policy.h"
#include "tools/cli/refusal_text.h"
#include "tools/cli/stream_connection.h"
#include "tools/cli/stream_message.h"
#include "tools/cli/table_event.h"

namespace walcast::cli {
namespace asio = boost::asio;

TailCommand::TailCommand(CLI::App& app) {
  auto* tail = tail_ = app.add_subcommand(
      "tail",
      "Follow the change stream: one JSON frame per line ({\"event\":\"orders:insert\",\"data\":"
      "{…}}; the event name is <table>:<operation>) when stdout is not a terminal, a readable "
      "coloured line when it is. Reconnects by itself and resumes after the last event printed. "
      "Exit codes: 0 done (--count, --timeout without --count, Ctrl-C), 1 no connection within "
      "--retry-for, or refused (an unknown table or column included), 2 usage, 3 --timeout "
      "before --count events");
  tail->add_flag("--sse", options_.sse,
                 "Use Server-Sent Events (/api/events) instead of WebSocket");
  tail->add_option("--format", format_,
                   "json or pretty (default: pretty on a terminal, else json)");
  tail->add_option("--status", options_.statuses, "Only orders in (or leaving) these statuses")
      ->delimiter(',');
  tail->add_option("--order-id", options_.order_ids, "Only these order ids")->delimiter(',');
  tail->add_option("--operation", options_.operations, "Only insert, update, delete, truncate")
      ->delimiter(',');
  tail->add_option("--table", tables_.tables,
                   "Only these tables' events (table or schema.table; repeatable or a comma "
                   "list). Default: every table walcastd streams")
      ->delimiter(',')
      ->allow_extra_args(false)
      ->envname("WALCAST_TAIL_TABLES");
  tail->add_option("--filter", tables_.filters,
                   "Only rows matching <table>:<column>=[not.]<op>.<value> (op: eq neq lt lte gt "
                   "gte in is; e.g. customers:country=in.(DE,FR)); the filter's table is "
                   "streamed too. Repeatable: predicates on one table all hold. The environment "
                   "variable holds one filter per line")
      ->delimiter('\n')
      ->allow_extra_args(false)
      ->envname("WALCAST_TAIL_FILTERS");
  tail->add_option("--from", options_.from,
                   "Start after this event id, or at a REST read's streamPosition (replayed from "
                   "the window)");
  tail->add_option("--count", options_.count, "Exit 0 after N change events");
  tail->add_option("--timeout", options_.timeout_seconds,
                   "Stop after S seconds (exit 0; exit 3 if --count was not reached)");
  tail->add_option("--retry-for", options_.retry_for_seconds,
                   "Keep reconnecting for S seconds after a connection is lost or refused, "
                   "then exit 1 (0: no retry)")
      ->capture_default_str();
  tail->callback([this] {
    if (format_.empty()) return;
    auto parsed = ParseOutputFormat(format_);
    if (!parsed) throw CLI::ValidationError("--format", "must be json or pretty, got " + format_);
    options_.format = parsed;
  });
}

bool TailCommand::Parsed() const { return tail_->parsed(); }

namespace {

std::chrono::milliseconds Millis(double seconds) {
  return std::chrono::milliseconds(static_cast<int64_t>(seconds * 1000));
}

// The server's error frames that close the connection for the client to come back (with its
// last event id, or a fresh token): the tail reconnects after them.
bool EndsInReconnect(const std::string& message) {
  return message.starts_with("slow consumer") || message.starts_with("token expired");
}

// Owns the loop of one `tail` run: connection, reconnects, output, stop conditions.
class Tail {
 public:
  Tail(const ClientOptions& client, const TailOptions& options, const TableSelection& tables)
      : client_(client),
        options_(options),
        tables_(tables),
        pretty_(options.format.value_or(isatty(STDOUT_FILENO)
                                            ? OutputFormat::kPretty
                                            : OutputFormat::kJson) == OutputFormat::kPretty),
        color_(pretty_ && isatty(STDOUT_FILENO) && std::getenv("NO_COLOR") == nullptr),
        output_(STDOUT_FILENO, isatty(STDOUT_FILENO)),
        policy_(Millis(options.retry_for_seconds)),
        signals_(io_, SIGINT, SIGTERM),
        retry_timer_(io_),
        flush_timer_(io_),
        deadline_timer_(io_),
        cursor_(options.from),
        last_printed_(IsStreamPosition(options.from) ? std::string() : options.from) {}

  int Run() {
    signals_.async_wait([this](boost::system::error_code ec, int) {
      if (!ec) Finish(kExitOk);
    });
    if (options_.timeout_seconds > 0) {
      deadline_timer_.expires_after(Millis(options_.timeout_seconds));
      deadline_timer_.async_wait([this](boost::system::error_code ec) {
        if (ec) return;
        if (options_.count > 0) {
          Notice("timed out after " + std::to_string(printed_) + " of " +
                 std::to_string(options_.count) + " events");
          Finish(kExitTimeout);
        } else {
          Finish(kExitOk);
        }
      });
    }
    Connect();
    io_.run();
    output_.Flush();
    return exit_code_;
  }

 private:
  void Notice(const std::string& text) {
    // Notices never go to stdout, so a pipeline only ever sees events. Flush stdout first so the
    // two streams read in order on a terminal.
    if (!pretty_) output_.Flush();
    std::cerr << "walcast: " << text << std::endl;
  }

  void Connect() {
    StreamHandlers handlers;
    handlers.on_open = [this] { OnOpen(); };
    handlers.on_message = [this](std::string_view frame) { OnMessage(frame); };
    handlers.on_closed = [this](const StreamClosed& closed) { OnClosed(closed); };
    std::string target = WithTableSelection(StreamTarget(options_, cursor_), tables_);
    connection_ = options_.sse ? OpenSseStream(io_, client_.endpoint, target, client_.token,
                                               std::move(handlers))
                               : OpenWebSocketStream(io_, client_.endpoint, target, client_.token,
                                                     std::move(handlers));
  }

  void OnOpen() {
    policy_.Connected();
    if (reconnecting_) {
      Notice("reconnected" + (cursor_.empty() ? std::string() : ", resuming after " + cursor_));
    }
    reconnecting_ = false;
  }

  void OnMessage(std::string_view frame) {
    auto message = ParseTailMessage(frame);
    if (!message) {
      Notice("ignoring a malformed frame: " + std::string(frame.substr(0, 200)));
      return;
    }
    switch (message->kind) {
      case MessageKind::kChange:
        // Ids are fixed-width and sort as strings in commit order; the server sends no
        // duplicates, and this guard makes sure a resume cannot print one twice either.
        if (!last_printed_.empty() && message->id <= last_printed_) return;
        cursor_ = last_printed_ = message->id;
        Print(frame);
        return;
      case MessageKind::kCursor:
        // From a read's position, until past what the read saw: a reconnect resumes here.
        cursor_ = message->id;
        return;
      case MessageKind::kWelcome:
        // With nothing printed yet, remember where the server was: a reconnect then resumes
        // from there, so events committed while disconnected are not lost.
        if (cursor_.empty()) cursor_ = message->id;
        return;
      case MessageKind::kResync:
        Notice(
            "resync (" + message->text +
            "): events after the requested id are no longer retained, some changes were "
            "missed; refetch the state through the REST API. Continuing live" +
            (message->oldest_id.empty() ? "" : " (oldest retained: " + message->oldest_id + ")"));
        // Ids after a resync may restart (NOTIFY mode after a daemon restart): no old baseline.
        cursor_.clear();
        last_printed_.clear();
        return;
      case MessageKind::kShutdown:
        Notice("the server is shutting down: " + message->text);
        return;
      case MessageKind::kError:
        Notice("server error: " + message->text);
        // The tail sends nothing but its URL, so an error other than the two that end in a
        // reconnect (slow consumer, token expired) refuses that URL's tables or filters: no
        // reconnect can change it.
        if (!EndsInReconnect(message->text)) Finish(kExitFailure);
        return;
      case MessageKind::kOther:
        return;
    }
  }

  void Print(std::string_view frame) {
    bool ok = pretty_ ? output_.WriteLine(EventLine(frame, color_)) : output_.WriteLine(frame);
    if (!ok) return Finish(kExitOk);  // stdout closed (`| head`): nothing left to do
    ++printed_;
    if (options_.count > 0 && printed_ >= options_.count) return Finish(kExitOk);
    if (output_.HasPending() && !flush_armed_) {
      // A trickle of events still reaches a pipe within 50 ms; a flood fills the buffer first.
      flush_armed_ = true;
      flush_timer_.expires_after(std::chrono::milliseconds(50));
      flush_timer_.async_wait([this](boost::system::error_code ec) {
        flush_armed_ = false;
        if (!ec && !finished_ && !output_.Flush()) Finish(kExitOk);
      });
    }
  }

  void OnClosed(const StreamClosed& closed) {
    connection_.reset();
    if (finished_) return;
    if (!closed.retryable) {
      Notice(RefusalText(closed.reason));
      return Finish(kExitFailure);
    }
    auto delay = policy_.NextDelay(ReconnectPolicy::Clock::now());
    if (!delay) {
      Notice("cannot reach " + client_.url + " (" + closed.reason + "); gave up after " +
             std::to_string(static_cast<int64_t>(options_.retry_for_seconds)) + " s (--retry-for)");
      return Finish(kExitFailure);
    }
    if (closed.was_open) {
      Notice("connection lost (" + closed.reason + "); reconnecting" +
             (cursor_.empty() ? "" : " from " + cursor_));
    } else if (!reconnecting_) {
      Notice("cannot connect to " + client_.url + " (" + closed.reason + "); retrying");
    }
    reconnecting_ = true;
    retry_timer_.expires_after(*delay);
    retry_timer_.async_wait([this](boost::system::error_code ec) {
      if (!ec && !finished_) Connect();
    });
  }

  void Finish(int code) {
    if (finished_) return;
    finished_ = true;
    exit_code_ = code;
    if (connection_) connection_->Close();
    connection_.reset();
    output_.Flush();
    io_.stop();
  }

  const ClientOptions& client_;
  const TailOptions& options_;
  const TableSelection& tables_;
  const bool pretty_;
  const bool color_;
  LineOutput output_;
  ReconnectPolicy policy_;
  asio::io_context io_;
  asio::signal_set signals_;
  asio::steady_timer retry_timer_;
  asio::steady_timer flush_timer_;
  asio::steady_timer deadline_timer_;
  std::shared_ptr<StreamConnection> connection_;
  std::string cursor_;        // where a reconnect resumes: the last event printed, or a position
  std::string last_printed_;  // the last event id printed: nothing at or before it is printed again
  uint64_t printed_ = 0;
  bool reconnecting_ = false;
  bool flush_armed_ = false;
  bool finished_ = false;
  int exit_code_ = kExitOk;
};

}  // namespace

int TailCommand::Run(const ClientOptions& client) {
  const TailOptions& options = options_;
  auto problem = ValidateTailOptions(options);
  if (!problem) problem = ValidateTableSelection(tables_);
  if (problem) {
    std::cerr << "walcast tail: " << *problem << std::endl;
    return kExitUsage;
  }
  std::signal(SIGPIPE, SIG_IGN);  // a closed stdout shows up as EPIPE from write(2)
  Tail tail(client, options, tables_);
  return tail.Run();
}

}  // namespace walcast::cli
