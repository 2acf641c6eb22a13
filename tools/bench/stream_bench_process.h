// Processes and probes for stream_bench: the programs under measurement (walcastd,
// pg_recvlogical) as child processes, one-shot HTTP requests to walcastd, and what the host says
// about CPU time and load. Blocking calls; throws std::runtime_error on failures to start.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <optional>
#include <string>
#include <vector>

namespace walcast::bench {

using Clock = std::chrono::steady_clock;

// A child process, killed and reaped when the object goes away while it still runs. Spawn from
// the main thread only: the child gets SIGKILL when the thread that forked it ends
// (PR_SET_PDEATHSIG), so neither walcastd nor pg_recvlogical outlives an interrupted tool.
class ChildProcess {
 public:
  // Runs argv[0] with argv; stdout and stderr are appended to `log_path` (/dev/null when empty).
  // WALCAST_*, DB_*, PORT and DATABASE_URL are removed from the environment so only the given
  // flags configure walcastd.
  ChildProcess(const std::vector<std::string>& argv, const std::string& log_path);
  ~ChildProcess();
  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;

  pid_t pid() const { return pid_; }
  Clock::time_point started() const { return started_; }
  bool running() const { return pid_ > 0; }
  void Signal(int signal);

  struct Exit {
    int status = 0;           // as waitpid reports it
    double cpu_seconds = 0;   // user + system time of the child
    Clock::time_point ended;  // when the exit was seen (within ~1 ms)
  };
  // Waits for the exit; after `timeout` sends SIGKILL and waits again.
  Exit Wait(std::chrono::milliseconds timeout);

 private:
  pid_t pid_ = -1;
  Clock::time_point started_;
};

// A TCP port on 127.0.0.1 nobody listened on a moment ago.
int FreeTcpPort();

// A connected TCP socket to 127.0.0.1:port, or -1 when the connection is refused. Retries every
// millisecond until `deadline` when asked, so a client can connect the moment a server listens.
int ConnectLoopback(int port, Clock::time_point deadline);

struct HttpResponse {
  int status = 0;
  std::string body;
};
// GET `target` with Connection: close; nullopt when the port refuses or nothing complete arrives
// within `timeout`.
std::optional<HttpResponse> HttpGet(int port, const std::string& target,
                                    std::chrono::milliseconds timeout);

// User + system CPU seconds a live process has used, from /proc; 0 when it is gone.
double ProcessCpuSeconds(pid_t pid);
// CPU seconds the calling process has used so far.
double SelfCpuSeconds();
// Resident memory of a live process in bytes (VmRSS), from /proc; 0 when it is gone.
std::size_t ProcessRssBytes(pid_t pid);
// Raises this process's open-file limit to the hard limit (thousands of client sockets); returns
// the new soft limit.
std::size_t RaiseOpenFileLimit();
// The 1-minute load average.
double LoadAverage();
// The fraction of all cores' time spent idle during the next `window` (from /proc/stat).
double CpuIdleFraction(std::chrono::milliseconds window);

}  // namespace walcast::bench
