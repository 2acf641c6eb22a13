#include "cluster/stream_appender.h"

#include <random>

namespace walcast::cluster {
namespace {

// 128 random bits as hex: an epoch names one incarnation of the stream.
std::string NewEpoch() {
  std::random_device random;
  std::string out;
  constexpr char kHex[] = "0123456789abcdef";
  for (int i = 0; i < 4; ++i) {
    uint32_t word = random();
    for (int nibble = 0; nibble < 8; ++nibble) out += kHex[(word >> (4 * nibble)) & 0xF];
  }
  return out;
}

}  // namespace

StreamAppender::StreamAppender(std::shared_ptr<redis::RedisConnection> connection, StreamKeys keys,
                               std::size_t max_entries, std::string member)
    : connection_(std::move(connection)),
      keys_(std::move(keys)),
      max_entries_(max_entries),
      member_(std::move(member)) {}

void StreamAppender::TakeOver(std::string floor, decoder::Lsn confirmed,
                              std::function<void(std::variant<Takeover, ScriptRefusal>)> done) {
  std::vector<std::string> args{"EVAL", std::string(TakeoverScript())};
  auto rest = TakeoverArguments(keys_, NewEpoch(), floor, member_, confirmed);
  args.insert(args.end(), rest.begin(), rest.end());
  // Weak captures throughout: a pending command lives in the connection the appender owns.
  connection_->Command(
      std::move(args), [weak = weak_from_this(), done = std::move(done)](redis::RedisValue reply) {
        auto self = weak.lock();
        if (!self) return;
        auto parsed = ParseTakeoverReply(reply);
        if (auto* takeover = std::get_if<Takeover>(&parsed)) {
          self->epoch_ = takeover->epoch;
          self->term_ = takeover->term;
          self->taken_over_ = true;
          // Loaded once per term; an EVALSHA Redis no longer knows falls back to EVAL.
          self->connection_->Command({"SCRIPT", "LOAD", std::string(AppendScript())},
                                     [weak](redis::RedisValue sha) {
                                       auto self = weak.lock();
                                       if (!self) return;
                                       if (auto text = sha.Text()) self->append_sha_ = *text;
                                     });
        }
        done(std::move(parsed));
        if (self->taken_over_ && !self->running_) self->Next();
      });
}

void StreamAppender::Append(const api::PublishedTransaction& transaction,
                            std::function<void(Outcome)> done) {
  jobs_.push_back(Job{EntriesOf(transaction), std::move(done)});
  if (taken_over_ && !running_) Next();
}

void StreamAppender::Advance(decoder::Lsn position, std::function<void(Outcome)> done) {
  std::vector<std::string> args{"EVAL", std::string(AdvanceScript())};
  auto rest = AdvanceArguments(keys_, epoch_, term_, position);
  args.insert(args.end(), rest.begin(), rest.end());
  connection_->Command(std::move(args), [done = std::move(done)](redis::RedisValue reply) {
    done(ParseAppendReply(reply));
  });
}

void StreamAppender::Next() {
  // Everything queued, up to a bound that keeps one call (and Redis's pause to run it) short.
  constexpr std::size_t kMaxEntries = 2048;
  constexpr std::size_t kMaxBytes = 8u << 20;
  std::vector<StreamEntry> entries;
  std::vector<std::function<void(Outcome)>> waiting;
  std::size_t bytes = 0;
  while (!jobs_.empty() &&
         (waiting.empty() ||
          (entries.size() + jobs_.front().entries.size() <= kMaxEntries && bytes < kMaxBytes))) {
    Job job = std::move(jobs_.front());
    jobs_.pop_front();
    for (auto& entry : job.entries) {
      for (const auto& field : entry.fields) bytes += field.second.size();
      entries.push_back(std::move(entry));
    }
    waiting.push_back(std::move(job.done));
  }
  if (waiting.empty()) {
    running_ = false;
    return;
  }
  running_ = true;
  auto finish = [weak = weak_from_this(), waiting = std::move(waiting)](const Outcome& outcome) {
    for (const auto& done : waiting) done(outcome);
    if (auto self = weak.lock()) self->Next();
  };
  if (entries.empty()) {
    // Transactions without events only keep their place in the order: nothing to write.
    return finish(Appended{});
  }
  Run(AppendArguments(keys_, epoch_, term_, max_entries_, entries), !append_sha_.empty(),
      [finish = std::move(finish)](redis::RedisValue reply) { finish(ParseAppendReply(reply)); });
}

void StreamAppender::Run(std::vector<std::string> args, bool by_sha,
                         std::function<void(redis::RedisValue)> done) {
  std::vector<std::string> command{by_sha ? "EVALSHA" : "EVAL",
                                   by_sha ? append_sha_ : std::string(AppendScript())};
  auto retry = by_sha ? args : std::vector<std::string>{};
  command.insert(command.end(), std::make_move_iterator(args.begin()),
                 std::make_move_iterator(args.end()));
  connection_->Command(std::move(command),
                       [weak = weak_from_this(), by_sha, retry = std::move(retry),
                        done = std::move(done)](redis::RedisValue reply) mutable {
                         auto self = weak.lock();
                         if (!self) return;
                         // A Redis restarted (or SCRIPT FLUSHed) forgets loaded scripts.
                         if (by_sha && reply.IsError() && reply.text.rfind("NOSCRIPT", 0) == 0) {
                           return self->Run(std::move(retry), false, std::move(done));
                         }
                         done(std::move(reply));
                       });
}

}  // namespace walcast::cluster
