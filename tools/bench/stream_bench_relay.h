// The ceiling of the WebSocket broadcast (`stream_bench relay`, run by `fanout --ceiling` as a
// child process so its CPU time is its own): a minimal broadcaster, part of the load tool and not
// of walcastd, that writes walcastd's pre-framed bytes to N sockets with the cheapest path the
// kernel offers. It connects to walcastd's /ws as one client (upstream) and keeps its welcome
// frame, then accepts WebSocket clients on 127.0.0.1 (Beast does the server handshake; each client
// then gets the welcome frame's bytes exactly as walcastd sent them). From then on each upstream
// read's whole data frames (server frames are unmasked, so they are forwarded verbatim; a read of
// many frames coalesces them, as walcastd's write window does) go to every client in one
// non-blocking send per socket (`sendmsg`) or in one io_uring submission for all sockets
// (`io_uring`). A socket that cannot take all of it keeps a backlog, flushed when it is writable
// (unbounded: the relay is measured, not defended). Upstream pings are answered and not forwarded;
// what clients send is read and discarded. One thread, one epoll loop.
//
// A connection must send its upgrade request at once: the handshake is synchronous (a connection
// that closes first, like a readiness probe, is dropped).
#pragma once

#include <string>

namespace walcast::bench {

enum class RelaySend { kSendmsg, kIoUring };

struct RelayOptions {
  int upstream_port = 0;                // walcastd on 127.0.0.1
  std::string upstream_target = "/ws";  // with query parameters, if any
  int listen_port = 0;                  // 127.0.0.1, listened on at once
  int clients = 100;                    // expected clients: sizes the io_uring ring
  RelaySend send = RelaySend::kSendmsg;
};

// Whether this build has liburing (RelaySend::kIoUring).
bool RelayHasIoUring();

// Runs until walcastd closes the upstream connection (exit code 0 after a close frame, 1 on a
// failure, printed as one line to stderr) or the process is signalled (SIGTERM ends it).
int RunRelay(const RelayOptions& options);

}  // namespace walcast::bench
