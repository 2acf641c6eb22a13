// ReplicationStream: consumes a logical replication slot (pgoutput) over a walsender connection,
// on its own strand, and never gives up: any end of COPY, lost connection or decode error leads to
// a log line, a health state and a reconnect with capped exponential backoff (unless the owner
// asked for one connection only: ReplicationOptions::reconnect).
//
// On each connect it checks wal_level, creates the publication when missing or adds the streamed
// tables it lacks, creates the slot when missing (and says exactly what is wrong when it cannot:
// the reason becomes the health state's problem, and the next attempt follows the backoff), then
// START_REPLICATION with proto_version 2 and streaming on. Every XLogData payload goes
// synchronously to the handler; keepalives are answered at once when the server asks, and a status
// update reports the handler's flush LSN every `status_interval` (PostgreSQL's own subscriber does
// the same, worker.c send_feedback).
//
// Start/Stop from any thread; State() is thread-safe. The handler is called on the strand only
// and must outlive the stream.
#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <chrono>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "database/pg_connection.h"
#include "decoder/decode_error.h"
#include "decoder/lsn.h"
#include "decoder/normalizer.h"
#include "decoder/walsender_frame.h"

namespace walcast::database {

struct ReplicationOptions {
  ConnectionParams params;
  std::string slot = "walcast_orders";
  std::string publication = "walcast_orders";
  // The streamed tables: the publication is created FOR TABLE these when missing, and extended
  // by those it lacks. Empty: every table the publication has (created FOR ALL TABLES).
  std::vector<decoder::TableName> tables{decoder::TableName{}};
  std::chrono::milliseconds status_interval{1000};
  std::chrono::milliseconds backoff_min{250};
  std::chrono::milliseconds backoff_max{5000};
  // The longer cap for the same failure again (a transaction that cannot be handed on): each
  // attempt makes the server decode it again, so it is retried ever more rarely.
  std::chrono::milliseconds repeat_backoff_max{60000};
  // On each connect, before streaming starts: the server's flushed WAL position
  // (IDENTIFY_SYSTEM's xlogpos), beyond which no change has been decoded by anyone. Optional.
  std::function<void(decoder::Lsn)> on_server_position;
  // On each connect, once the publication is known to publish the streamed tables (created or
  // extended if it had to be), before streaming starts: what reads the publication's tables (the
  // daemon's table catalog) can read them now. Optional; called on the stream's strand.
  std::function<void()> on_publication_ready;
  // Whether to connect again after a connection ends. A cluster member takes the slot only while
  // it is free and goes back to watching it when its stream ends (daemon/cluster_member.h): it
  // streams once, then `on_end` tells it why the stream ended.
  bool reconnect = true;
  std::function<void(const std::string& reason)> on_end;
};

// What the handler still has to hand on after a message (a large committed transaction goes to
// clients in parts, at their pace): the stream calls Drain again before reading further, so the
// server is held back (TCP backpressure) while status updates keep the connection alive.
enum class Backlog {
  kNone,            // everything received is handed on: read the next message
  kMore,            // call Drain again (the stream yields to the event loop in between)
  kWaitForReaders,  // nothing can go now: call Drain again after a short wait
};

// What the stream hands its data to. Called on the stream's strand.
class ReplicationHandler {
 public:
  virtual ~ReplicationHandler() = default;
  // A new connection is streaming from the slot's confirmed_flush_lsn: state from a previous
  // connection (relation cache, a transaction in progress) must be dropped.
  virtual void OnStreamStart(decoder::Lsn confirmed_flush) = 0;
  // One pgoutput message. An error ends the connection (and is logged with slot and LSN); the
  // slot sends the same data again after the reconnect, so nothing is lost.
  virtual decoder::Status OnXLogData(const decoder::XLogData& data) = 0;
  // A keepalive: the server's WAL position (its send position for a logical walsender).
  virtual void OnKeepalive(decoder::Lsn wal_end) = 0;
  // The LSN to report as flushed: only a commit end whose events are safely handed on.
  virtual decoder::Lsn FlushLsn() = 0;
  // Hands on more of what the last message left pending. An error ends the connection like a
  // decode error (the slot sends the transaction again; what was handed on is not repeated).
  virtual decoder::Result<Backlog> Drain() { return Backlog::kNone; }
};

struct ReplicationState {
  bool streaming = false;
  uint64_t decode_failures = 0;  // connections ended because a message could not be handled
  std::string last_failure;      // why the last connection ended, when it ended in a failure
  std::chrono::steady_clock::time_point last_failure_at;
  std::string problem = "waiting for the database";  // operator-facing reason while not streaming
  decoder::Lsn confirmed_lsn;                        // last flush position reported to the server
  decoder::Lsn server_wal_end;                       // latest WAL position the server told us
};

class ReplicationStream : public std::enable_shared_from_this<ReplicationStream> {
 public:
  ReplicationStream(boost::asio::any_io_executor executor, ReplicationOptions options,
                    ReplicationHandler& handler);

  void Start();
  // Sends a final status update and ends the COPY; the coroutine finishes soon after.
  void Stop();
  ReplicationState State() const;

 private:
  boost::asio::awaitable<void> Run();
  // One connection (ConnectAndStream), closed after; returns why it ended.
  boost::asio::awaitable<std::string> Attempt();
  // One connection's life: bootstrap, then stream until an error. Returns the reason it ended.
  boost::asio::awaitable<std::string> ConnectAndStream();
  boost::asio::awaitable<std::optional<std::string>> Bootstrap(decoder::Lsn* confirmed_flush);
  // Makes the publication publish options_.tables; returns what is wrong when it cannot.
  boost::asio::awaitable<std::optional<std::string>> EnsurePublication();
  boost::asio::awaitable<std::string> Stream();
  // Handles one CopyData payload; returns an error message to end the connection.
  std::optional<std::string> HandleFrame(std::string_view copy_data, bool* reply_now);
  // Lets the handler hand on what the last frame left pending, keeping the connection alive with
  // status updates meanwhile. Returns an error message to end the connection.
  boost::asio::awaitable<std::optional<std::string>> DrainHandler(
      std::chrono::steady_clock::time_point* next_status);
  // `final`: the last update before closing, which always carries the acknowledgement.
  bool SendStatus(bool reply_requested, bool final = false);
  void SetStreaming(bool streaming, std::string problem);

  boost::asio::strand<boost::asio::any_io_executor> strand_;
  ReplicationOptions options_;
  ReplicationHandler& handler_;
  PgConnection connection_;
  boost::asio::steady_timer timer_;
  bool stopped_ = false;         // on the strand
  decoder::Lsn received_lsn_;    // on the strand: the end of the last WAL data received
  decoder::Lsn reported_flush_;  // on the strand: the last acknowledgement sent

  mutable std::mutex mutex_;
  ReplicationState state_;
};

}  // namespace walcast::database
