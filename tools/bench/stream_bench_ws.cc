#include "tools/bench/stream_bench_ws.h"

#include <pthread.h>

#include <algorithm>
#include <boost/asio/connect.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/error.hpp>
#include <cstring>
#include <ctime>
#include <deque>
#include <limits>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <thread>
#include <unordered_map>
#include <utility>

#include "tools/bench/stream_bench_event.h"

namespace walcast::bench {

namespace asio = boost::asio;
namespace beast = boost::beast;
using tcp = asio::ip::tcp;
using SystemClock = std::chrono::system_clock;

namespace {

constexpr std::string_view kEventPrefix = R"({"event":")";
constexpr std::string_view kIdPrefix = R"("data":{"id":")";
// The same in a Socket.IO EVENT packet inside an Engine.IO message: 42["<name>",{"id":"…
constexpr std::string_view kSocketIoEventPrefix = R"(42[")";
constexpr std::string_view kSocketIoIdPrefix = R"(",{"id":")";

int64_t ToMicros(SystemClock::time_point t) {
  return std::chrono::duration_cast<std::chrono::microseconds>(t.time_since_epoch()).count();
}

// The event name of a frame: walcastd writes `{"event":"<name>",...` first (`42["<name>",...` on
// Socket.IO).
std::string_view FrameName(std::string_view frame, bool socketio) {
  std::string_view prefix = socketio ? kSocketIoEventPrefix : kEventPrefix;
  if (frame.substr(0, prefix.size()) != prefix) return {};
  auto end = frame.find('"', prefix.size());
  if (end == std::string_view::npos) return {};
  return frame.substr(prefix.size(), end - prefix.size());
}

// A change's id: the first key of its data object.
std::string_view FrameId(std::string_view frame, bool socketio) {
  std::string_view prefix = socketio ? kSocketIoIdPrefix : kIdPrefix;
  auto start = frame.find(prefix);
  if (start == std::string_view::npos) return {};
  start += prefix.size();
  auto end = frame.find('"', start);
  if (end == std::string_view::npos) return {};
  return frame.substr(start, end - start);
}

// An event id ("0000000001A3F2C8-00000003": commit LSN and index, docs/contract.md §4) as numbers,
// so the per-event receipts are cheap to key.
struct EventKey {
  uint64_t lsn = 0;
  uint32_t index = 0;
  bool operator==(const EventKey&) const = default;
};

struct EventKeyHash {
  std::size_t operator()(const EventKey& key) const {
    return static_cast<std::size_t>((key.lsn * 0x9E3779B97F4A7C15ull) ^ key.index);
  }
};

std::optional<EventKey> ParseEventKey(std::string_view id) {
  if (id.size() != 25 || id[16] != '-') return std::nullopt;
  auto hex = [](std::string_view digits, uint64_t& out) {
    out = 0;
    for (char c : digits) {
      int digit = c >= '0' && c <= '9'   ? c - '0'
                  : c >= 'A' && c <= 'F' ? c - 'A' + 10
                  : c >= 'a' && c <= 'f' ? c - 'a' + 10
                                         : -1;
      if (digit < 0) return false;
      out = (out << 4) | static_cast<uint64_t>(digit);
    }
    return true;
  };
  EventKey key;
  uint64_t index = 0;
  if (!hex(id.substr(0, 16), key.lsn) || !hex(id.substr(17), index)) return std::nullopt;
  key.index = static_cast<uint32_t>(index);
  return key;
}

// When the clients of one group received one event: first and last receipt, and by how many.
struct Receipts {
  int64_t first_micros = INT64_MAX;
  int64_t last_micros = INT64_MIN;
  std::size_t clients = 0;

  void Add(int64_t micros, std::size_t count) {
    first_micros = std::min(first_micros, micros);
    last_micros = std::max(last_micros, micros);
    clients += count;
  }
};

using ReceiptMap = std::unordered_map<EventKey, Receipts, EventKeyHash>;

}  // namespace

struct WsFleet::Shard {
  class Client;

  asio::io_context io{1};
  asio::executor_work_guard<asio::io_context::executor_type> work{io.get_executor()};
  std::thread thread;
  std::vector<std::shared_ptr<Client>> clients;
  std::deque<std::shared_ptr<Client>> waiting;  // not connected yet
  int in_flight = 0;
  int connects_in_flight = 0;
  tcp::endpoint endpoint;
  bool socketio = false;
  const std::atomic<int64_t>* measured_from_micros = nullptr;

  // Read by the main thread while the shard runs.
  std::atomic<std::size_t> welcomed{0};
  std::atomic<std::size_t> frames{0};
  std::atomic<std::size_t> ended{0};  // reading clients closed or failed
  std::atomic<int64_t> last_frame_ns{0};
  std::mutex failure_mutex;
  std::string failure;

  // One per group; written on the shard's thread only, read after it stopped.
  struct Tally {
    LatencyHistogram latency;
    std::size_t out_of_order = 0;
    std::size_t closed_slow = 0;
    std::size_t closed_other = 0;
    std::size_t foreign = 0;
    std::string first_foreign;
    Clock::time_point first_frame = Clock::time_point::max();
    Clock::time_point last_frame = Clock::time_point::min();
    ReceiptMap receipts;  // measured events
  };
  std::vector<Tally> tallies;

  void StartNext();
  void Fail(const std::string& why) {
    std::lock_guard lock(failure_mutex);
    if (failure.empty()) failure = why;
  }
};

// One client, kept cheap next to the daemon it measures: the upgrade request is written by hand and
// server frames (never masked, never fragmented by walcastd) are parsed straight from a 256 KiB
// read buffer, many per read; Beast's per-message reads cost more than walcastd's sends. Pings
// are answered with a masked pong so walcastd's idle timeout never closes a quiet client.
class WsFleet::Shard::Client : public std::enable_shared_from_this<Client> {
 public:
  // `customer`: the only customer_name this client may receive ("" = any); `group`: the tally
  // it counts in.
  Client(Shard& shard, bool stalled, std::string target, std::string customer, int group)
      : shard_(shard),
        tally_(shard.tallies[static_cast<std::size_t>(group)]),
        socket_(shard.io),
        stalled_(stalled),
        target_(std::move(target)),
        customer_(std::move(customer)),
        group_(group),
        buffer_(kBufferSize) {}

  void Start() {
    beast::error_code ec;
    socket_.open(tcp::v4(), ec);
    // A stalled client's small buffer makes walcastd's socket fill up soon, as a phone would.
    if (!ec && stalled_) socket_.set_option(asio::socket_base::receive_buffer_size(4096), ec);
    if (ec) return shard_.Fail("socket: " + ec.message());
    socket_.async_connect(shard_.endpoint, [self = shared_from_this()](beast::error_code error) {
      if (error) return self->shard_.Fail("connect: " + error.message());
      self->request_ = "GET " + self->target_ +
                       " HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\n"
                       "Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
                       "Sec-WebSocket-Version: 13\r\n\r\n";
      asio::async_write(self->socket_, asio::buffer(self->request_),
                        [self](beast::error_code write_error, std::size_t) {
                          if (write_error)
                            return self->shard_.Fail("upgrade: " + write_error.message());
                          self->Read();
                        });
    });
  }

  std::size_t received() const { return received_; }
  // This client's mean commit -> receipt latency over the measured frames (0: none measured).
  double mean_latency_ms() const {
    return measured_ == 0 ? 0 : latency_sum_ms_ / static_cast<double>(measured_);
  }
  bool stalled() const { return stalled_; }
  int group() const { return group_; }

 private:
  static constexpr std::size_t kBufferSize = 256 * 1024;

  void Read() {
    if (end_ == buffer_.size()) {
      // A frame larger than the buffer: grow it (walcastd's frames are far smaller).
      buffer_.resize(buffer_.size() * 2);
    }
    socket_.async_read_some(asio::buffer(buffer_.data() + end_, buffer_.size() - end_),
                            [self = shared_from_this()](beast::error_code ec, std::size_t size) {
                              self->OnRead(ec, size);
                            });
  }

  void OnRead(beast::error_code ec, std::size_t size) {
    if (ec) return Ended(0);
    end_ += size;
    auto received_at = SystemClock::now();
    std::size_t at = 0;
    if (!upgraded_) {
      std::string_view text(buffer_.data(), end_);
      auto head_end = text.find("\r\n\r\n");
      if (head_end == std::string_view::npos) return Read();
      if (text.substr(0, 12) != "HTTP/1.1 101") {
        return shard_.Fail("upgrade refused: " + std::string(text.substr(0, text.find('\r'))));
      }
      upgraded_ = true;
      at = head_end + 4;
      --shard_.in_flight;  // the next client may connect
      shard_.StartNext();
    }
    while (true) {
      std::size_t left = end_ - at;
      if (left < 2) break;
      auto byte0 = static_cast<uint8_t>(buffer_[at]);
      auto byte1 = static_cast<uint8_t>(buffer_[at + 1]);
      std::size_t header = 2;
      uint64_t length = byte1 & 0x7F;
      if (length == 126) {
        header = 4;
        if (left < header) break;
        length = (static_cast<uint64_t>(static_cast<uint8_t>(buffer_[at + 2])) << 8) |
                 static_cast<uint8_t>(buffer_[at + 3]);
      } else if (length == 127) {
        header = 10;
        if (left < header) break;
        length = 0;
        for (int i = 0; i < 8; ++i)
          length = (length << 8) | static_cast<uint8_t>(buffer_[at + 2 + i]);
      }
      if (left < header + length) break;
      std::string_view payload(buffer_.data() + at + header, length);
      at += header + length;
      int opcode = byte0 & 0x0F;
      if (opcode == 0x8)
        return Ended(payload.size() >= 2 ? (static_cast<uint8_t>(payload[0]) << 8) |
                                               static_cast<uint8_t>(payload[1])
                                         : 1005);
      if (opcode == 0x9) {
        Pong(payload);
        continue;
      }
      if (opcode != 0x1) continue;
      if (shard_.socketio) {
        // Engine.IO: the open packet asks for the namespace, a ping for its pong.
        if (payload.starts_with('0')) Send("40");
        if (payload == "2") Send("3");
      }
      std::string_view name = FrameName(payload, shard_.socketio);
      if (name == "welcome") {
        shard_.welcomed.fetch_add(1, std::memory_order_relaxed);
        if (stalled_) return;  // and never reads again
      } else if (IsChange(name)) {
        OnChange(payload, received_at);
      }
    }
    // Keep the partial frame at the start of the buffer.
    std::memmove(buffer_.data(), buffer_.data() + at, end_ - at);
    end_ -= at;
    Read();
  }

  // A text frame from the client: masked (RFC 6455 §5.3) with a zero mask. Short texts only.
  void Send(std::string_view text) {
    auto frame = std::make_shared<std::string>();
    frame->push_back(static_cast<char>(0x81));
    frame->push_back(static_cast<char>(0x80 | text.size()));
    frame->append(4, '\0');
    frame->append(text);
    asio::async_write(socket_, asio::buffer(*frame), [frame](beast::error_code, std::size_t) {});
  }

  void Pong(std::string_view payload) {
    // Client frames are masked (RFC 6455 §5.3); a zero mask keeps the payload as it is.
    auto frame = std::make_shared<std::string>();
    frame->push_back(static_cast<char>(0x8A));
    frame->push_back(static_cast<char>(0x80 | payload.size()));
    frame->append(4, '\0');
    frame->append(payload);
    asio::async_write(socket_, asio::buffer(*frame), [frame](beast::error_code, std::size_t) {});
  }

  void Ended(int close_code) {
    if (stalled_ || done_) return;
    done_ = true;
    if (close_code == 4008) {
      ++tally_.closed_slow;
    } else {
      ++tally_.closed_other;
    }
    shard_.ended.fetch_add(1, std::memory_order_relaxed);
  }

  void OnChange(std::string_view frame, SystemClock::time_point received_at) {
    std::string_view id = FrameId(frame, shard_.socketio);
    if (id <= last_id_) ++tally_.out_of_order;
    if (!customer_.empty() && LastStringField(frame, "customer_name") != customer_) {
      if (tally_.foreign++ == 0) {
        tally_.first_foreign = "client of " + customer_ + " got " + std::string(frame);
      }
    }
    last_id_.assign(id);
    ++received_;
    auto now = Clock::now();
    tally_.first_frame = std::min(tally_.first_frame, now);
    tally_.last_frame = now;
    shard_.frames.fetch_add(1, std::memory_order_relaxed);
    shard_.last_frame_ns.store(now.time_since_epoch().count(), std::memory_order_relaxed);
    auto commit_text = LastStringField(frame, "timestamp");
    auto commit = commit_text ? ParseRfc3339(*commit_text) : std::nullopt;
    if (!commit) return shard_.Fail("no commit timestamp in " + std::string(frame));
    if (ToMicros(*commit) < shard_.measured_from_micros->load(std::memory_order_relaxed)) return;
    const double latency_ms =
        std::chrono::duration<double, std::milli>(received_at - *commit).count();
    tally_.latency.Add(latency_ms);
    latency_sum_ms_ += latency_ms;
    ++measured_;
    auto key = ParseEventKey(id);
    if (!key) return shard_.Fail("unexpected event id in " + std::string(frame));
    tally_.receipts[*key].Add(ToMicros(received_at), 1);
  }

  Shard& shard_;
  Tally& tally_;
  tcp::socket socket_;
  bool stalled_;
  std::string target_;
  std::string customer_;
  int group_;
  bool upgraded_ = false;
  bool done_ = false;
  std::string request_;
  std::vector<char> buffer_;
  std::size_t end_ = 0;  // bytes [0, end_) of buffer_ are received and not parsed yet
  std::string last_id_;
  std::size_t received_ = 0;
  std::size_t measured_ = 0;
  double latency_sum_ms_ = 0;
};

void WsFleet::Shard::StartNext() {
  while (in_flight < connects_in_flight && !waiting.empty()) {
    ++in_flight;
    auto client = std::move(waiting.front());
    waiting.pop_front();
    client->Start();
  }
}

WsFleet::WsFleet(FleetOptions options) : options_(std::move(options)) {
  if (options_.threads < 1) throw std::invalid_argument("threads must be at least 1");
  for (int t = 0; t < options_.threads; ++t) {
    auto shard = std::make_unique<Shard>();
    shard->endpoint =
        tcp::endpoint(asio::ip::address_v4::loopback(), static_cast<unsigned short>(options_.port));
    shard->socketio = options_.socketio;
    shard->connects_in_flight = options_.connects_in_flight;
    shard->measured_from_micros = &measured_from_micros_;
    shard->tallies.resize(static_cast<std::size_t>(options_.groups));
    shards_.push_back(std::move(shard));
  }
  const auto reading = static_cast<std::size_t>(options_.clients);
  auto sized = [&](std::size_t size) { return size == 0 || size == reading; };
  if (!sized(options_.client_targets.size()) || !sized(options_.client_customers.size()) ||
      !sized(options_.client_groups.size())) {
    throw std::invalid_argument("per-client options need one entry per reading client");
  }
  for (int group : options_.client_groups) {
    if (group < 0 || group >= options_.groups)
      throw std::invalid_argument("client group out of range");
  }
  for (int c = 0; c < options_.clients + options_.stalled; ++c) {
    Shard& shard = *shards_[static_cast<std::size_t>(c % options_.threads)];
    const auto index = static_cast<std::size_t>(c);
    const bool stalled = c >= options_.clients;
    std::string target = stalled || options_.client_targets.empty()
                             ? options_.target
                             : options_.client_targets[index];
    std::string customer =
        stalled || options_.client_customers.empty() ? "" : options_.client_customers[index];
    int group = stalled || options_.client_groups.empty() ? 0 : options_.client_groups[index];
    auto client = std::make_shared<Shard::Client>(shard, stalled, std::move(target),
                                                  std::move(customer), group);
    shard.clients.push_back(client);
    shard.waiting.push_back(client);
  }
}

WsFleet::~WsFleet() {
  for (auto& shard : shards_) {
    shard->work.reset();
    shard->io.stop();
    if (shard->thread.joinable()) shard->thread.join();
  }
}

void WsFleet::ConnectAll(std::chrono::milliseconds timeout) {
  for (auto& shard : shards_) {
    Shard* s = shard.get();
    asio::post(s->io, [s] { s->StartNext(); });
    s->thread = std::thread([s] { s->io.run(); });
  }
  const auto total = static_cast<std::size_t>(options_.clients + options_.stalled);
  auto deadline = Clock::now() + timeout;
  while (true) {
    std::size_t welcomed = 0;
    for (auto& shard : shards_) {
      welcomed += shard->welcomed.load();
      std::lock_guard lock(shard->failure_mutex);
      if (!shard->failure.empty()) throw std::runtime_error("WebSocket client: " + shard->failure);
    }
    if (welcomed == total) return;
    if (Clock::now() > deadline) {
      throw std::runtime_error("only " + std::to_string(welcomed) + " of " + std::to_string(total) +
                               " WebSocket clients were welcomed");
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
}

void WsFleet::MeasureFrom(SystemClock::time_point commit_time) {
  measured_from_micros_ = ToMicros(commit_time);
}

std::vector<FleetResult> WsFleet::Finish(std::size_t expected_frames,
                                         std::chrono::milliseconds idle_timeout) {
  if (finished_) throw std::logic_error("WsFleet::Finish called twice");
  finished_ = true;
  auto last_progress = Clock::now();
  std::size_t last_frames = 0;
  while (true) {
    std::size_t frames = 0, ended = 0;
    for (auto& shard : shards_) {
      frames += shard->frames.load(std::memory_order_relaxed);
      ended += shard->ended.load(std::memory_order_relaxed);
      std::lock_guard lock(shard->failure_mutex);
      if (!shard->failure.empty()) throw std::runtime_error("WebSocket client: " + shard->failure);
    }
    if (frames >= expected_frames || ended == static_cast<std::size_t>(options_.clients)) break;
    if (frames != last_frames) {
      last_frames = frames;
      last_progress = Clock::now();
    } else if (Clock::now() - last_progress > idle_timeout) {
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  double cpu_seconds = 0;
  for (auto& shard : shards_) {
    clockid_t clock;
    timespec used{};
    if (pthread_getcpuclockid(shard->thread.native_handle(), &clock) == 0 &&
        clock_gettime(clock, &used) == 0) {
      cpu_seconds += static_cast<double>(used.tv_sec) + static_cast<double>(used.tv_nsec) / 1e9;
    }
  }
  for (auto& shard : shards_) {
    shard->work.reset();
    shard->io.stop();
    shard->thread.join();
  }

  std::vector<FleetResult> results(static_cast<std::size_t>(options_.groups));
  std::vector<std::size_t> clients(results.size());
  std::vector<ReceiptMap> receipts(results.size());
  for (auto& result : results) {
    result.cpu_seconds = cpu_seconds;
    result.min_per_client = std::numeric_limits<std::size_t>::max();
    result.first_frame = Clock::time_point::max();
    result.last_frame = Clock::time_point::min();
  }
  for (auto& shard : shards_) {
    for (auto& client : shard->clients) {
      if (client->stalled()) continue;
      const auto group = static_cast<std::size_t>(client->group());
      FleetResult& result = results[group];
      ++clients[group];
      result.change_frames += client->received();
      result.min_per_client = std::min(result.min_per_client, client->received());
      result.max_per_client = std::max(result.max_per_client, client->received());
      result.client_mean_latency_ms.push_back(client->mean_latency_ms());
    }
    for (std::size_t g = 0; g < results.size(); ++g) {
      const Shard::Tally& tally = shard->tallies[g];
      FleetResult& result = results[g];
      result.out_of_order += tally.out_of_order;
      result.closed_slow += tally.closed_slow;
      result.closed_other += tally.closed_other;
      result.foreign += tally.foreign;
      if (result.first_foreign.empty()) result.first_foreign = tally.first_foreign;
      result.latency.Merge(tally.latency);
      result.first_frame = std::min(result.first_frame, tally.first_frame);
      result.last_frame = std::max(result.last_frame, tally.last_frame);
      for (const auto& [key, seen] : tally.receipts) {
        receipts[g][key].Add(seen.first_micros, seen.clients);
        receipts[g][key].Add(seen.last_micros, 0);
      }
    }
  }
  for (std::size_t g = 0; g < results.size(); ++g) {
    if (clients[g] == 0) results[g].min_per_client = 0;
    std::vector<double> spreads;
    for (const auto& [key, seen] : receipts[g]) {
      if (seen.clients == clients[g])
        spreads.push_back(static_cast<double>(seen.last_micros - seen.first_micros) / 1000);
    }
    results[g].spread = ComputePercentiles(std::move(spreads));
    std::sort(results[g].client_mean_latency_ms.begin(), results[g].client_mean_latency_ms.end());
  }
  return results;
}

}  // namespace walcast::bench
