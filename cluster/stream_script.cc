#include "cluster/stream_script.h"

#include <string>

namespace walcast::cluster {
namespace {

// What the scripts share: LSNs compared as decimal strings (Lua numbers are exact only below
// 2^53), and the fence every write of a leader passes first.
constexpr std::string_view kBelow = R"lua(
local function below(a, b)
  if #a ~= #b then return #a < #b end
  return a < b
end
)lua";

constexpr std::string_view kFence = R"lua(
if redis.call('HGET', KEYS[2], 'epoch') ~= ARGV[1] then
  return redis.error_reply('WALCAST_EPOCH the stream is not the one this leader took over')
end
local term = redis.call('HGET', KEYS[2], 'term')
if term ~= ARGV[2] then
  return redis.error_reply('WALCAST_FENCED term ' .. tostring(term) .. ' has another leader')
end
)lua";

constexpr std::string_view kTakeover = R"lua(
local epoch = redis.call('HGET', KEYS[2], 'epoch')
if not epoch then
  redis.call('DEL', KEYS[1])
  redis.call('HSET', KEYS[2], 'epoch', ARGV[1], 'term', 1, 'floor', ARGV[2], 'leader', ARGV[3],
             'end', ARGV[4], 'count', 0)
  redis.call('HDEL', KEYS[2], 'lastid')
  return {ARGV[1], 1, ARGV[4], 'new'}
end
local term = redis.call('HINCRBY', KEYS[2], 'term', 1)
redis.call('HSET', KEYS[2], 'leader', ARGV[3])
local last = redis.call('HGET', KEYS[2], 'end') or '0'
if below(last, ARGV[4]) then
  -- The slot was acknowledged past what the stream holds: entries were lost (a crash under a
  -- lazy fsync, a failover to a replica that lagged). Start again from the slot, as a new epoch.
  redis.call('DEL', KEYS[1])
  redis.call('HSET', KEYS[2], 'epoch', ARGV[1], 'floor', ARGV[2], 'end', ARGV[4], 'count', 0)
  redis.call('HDEL', KEYS[2], 'lastid')
  return {ARGV[1], term, ARGV[4], 'lost'}
end
return {epoch, term, last, 'kept'}
)lua";

constexpr std::string_view kAppend = R"lua(
local added, present = 0, 0
local count = tonumber(redis.call('HGET', KEYS[2], 'count') or '0')
for i = 4, #ARGV, 5 do
  local reply
  if ARGV[i + 4] == '1' then
    reply = redis.pcall('XADD', KEYS[1], 'MAXLEN', '~', ARGV[3], ARGV[i], 'j', ARGV[i + 1],
                        'f', ARGV[i + 2], 'e', ARGV[i + 3], 'n', count + 1, 'z', '1')
  else
    reply = redis.pcall('XADD', KEYS[1], 'MAXLEN', '~', ARGV[3], ARGV[i], 'j', ARGV[i + 1],
                        'f', ARGV[i + 2], 'e', ARGV[i + 3], 'n', count + 1)
  end
  if type(reply) == 'table' and reply.err then
    if string.find(reply.err, 'equal or smaller', 1, true) then
      present = present + 1
    else
      return redis.error_reply('WALCAST_APPEND ' .. reply.err)
    end
  else
    added = added + 1
    count = count + 1
    if ARGV[i + 4] == '1' then
      redis.call('HSET', KEYS[2], 'lastid', ARGV[i])
      if below(redis.call('HGET', KEYS[2], 'end') or '0', ARGV[i + 3]) then
        redis.call('HSET', KEYS[2], 'end', ARGV[i + 3])
      end
    end
  end
end
if added > 0 then redis.call('HSET', KEYS[2], 'count', count) end
return {added, present}
)lua";

constexpr std::string_view kAdvance = R"lua(
if below(redis.call('HGET', KEYS[2], 'end') or '0', ARGV[3]) then
  redis.call('HSET', KEYS[2], 'end', ARGV[3])
end
return {0, 0}
)lua";

ScriptRefusal Refusal(const redis::RedisValue& reply) {
  ScriptRefusal refusal;
  refusal.message = reply.IsError() ? reply.text : "unexpected reply " + reply.Describe();
  // Redis prefixes a script's error_reply with nothing, or with "ERR " on some versions.
  std::string_view text = refusal.message;
  if (text.find("WALCAST_EPOCH") != std::string_view::npos) {
    refusal.kind = ScriptRefusal::Kind::kEpoch;
  } else if (text.find("WALCAST_FENCED") != std::string_view::npos) {
    refusal.kind = ScriptRefusal::Kind::kFenced;
  }
  return refusal;
}

const std::string* StringAt(const redis::RedisValue& reply, std::size_t i) {
  if (i >= reply.elements.size()) return nullptr;
  const auto& element = reply.elements[i];
  return element.Text() ? &element.text : nullptr;
}

}  // namespace

StreamKeys StreamKeys::ForSlot(std::string_view slot) {
  std::string tag = "walcast:{" + std::string(slot) + "}:";
  return {tag + "events", tag + "meta"};
}

std::string_view TakeoverScript() {
  static const std::string script = std::string(kBelow) + std::string(kTakeover);
  return script;
}
std::string_view AppendScript() {
  static const std::string script =
      std::string(kBelow) + std::string(kFence) + std::string(kAppend);
  return script;
}
std::string_view AdvanceScript() {
  static const std::string script =
      std::string(kBelow) + std::string(kFence) + std::string(kAdvance);
  return script;
}

std::vector<std::string> TakeoverArguments(const StreamKeys& keys, std::string_view new_epoch,
                                           std::string_view floor, std::string_view member,
                                           decoder::Lsn confirmed) {
  return {"2",
          keys.stream,
          keys.meta,
          std::string(new_epoch),
          std::string(floor),
          std::string(member),
          std::to_string(confirmed.value())};
}

std::vector<std::string> AdvanceArguments(const StreamKeys& keys, std::string_view epoch,
                                          int64_t term, decoder::Lsn position) {
  return {"2",
          keys.stream,
          keys.meta,
          std::string(epoch),
          std::to_string(term),
          std::to_string(position.value())};
}

std::vector<std::string> AppendArguments(const StreamKeys& keys, std::string_view epoch,
                                         int64_t term, std::size_t max_entries,
                                         const std::vector<StreamEntry>& entries) {
  std::vector<std::string> args{"2",
                                keys.stream,
                                keys.meta,
                                std::string(epoch),
                                std::to_string(term),
                                std::to_string(max_entries)};
  args.reserve(args.size() + entries.size() * 5);
  for (const auto& entry : entries) {
    std::string j, f, e, z;
    for (const auto& [name, value] : entry.fields) {
      if (name == "j") j = value;
      if (name == "f") f = value;
      if (name == "e") e = value;
      if (name == "z") z = value;
    }
    args.push_back(entry.id);
    args.push_back(std::move(j));
    args.push_back(std::move(f));
    args.push_back(std::move(e));
    args.push_back(std::move(z));
  }
  return args;
}

std::variant<Takeover, ScriptRefusal> ParseTakeoverReply(const redis::RedisValue& reply) {
  if (!reply.IsArray() || reply.elements.size() != 4 ||
      reply.elements[1].type != redis::RedisValue::Type::kInteger) {
    return Refusal(reply);
  }
  const auto* epoch = StringAt(reply, 0);
  const auto* end = StringAt(reply, 2);
  const auto* kind = StringAt(reply, 3);
  if (epoch == nullptr || end == nullptr || kind == nullptr) return Refusal(reply);
  return Takeover{*epoch, reply.elements[1].integer, *end, *kind == "new", *kind == "lost"};
}

std::variant<Appended, ScriptRefusal> ParseAppendReply(const redis::RedisValue& reply) {
  if (!reply.IsArray() || reply.elements.size() != 2 ||
      reply.elements[0].type != redis::RedisValue::Type::kInteger ||
      reply.elements[1].type != redis::RedisValue::Type::kInteger) {
    return Refusal(reply);
  }
  return Appended{reply.elements[0].integer, reply.elements[1].integer};
}

}  // namespace walcast::cluster
