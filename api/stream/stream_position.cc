#include "api/stream/stream_position.h"

#include <algorithm>
#include <charconv>

namespace walcast::api {
namespace {

// More than PostgreSQL's max_connections could ever make running at once; bounds what a client
// can make the daemon parse and keep.
constexpr std::size_t kMaxInProgress = 65536;

uint32_t Fnv1a(std::string_view text) {
  uint32_t hash = 2166136261u;
  for (unsigned char c : text) {
    hash ^= c;
    hash *= 16777619u;
  }
  return hash;
}

template <class T>
std::optional<T> ParseNumber(std::string_view text, int base) {
  if (text.empty()) return std::nullopt;
  T value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value, base);
  if (ec != std::errc() || end != text.data() + text.size()) return std::nullopt;
  return value;
}

// A hex field of a position; false when malformed.
bool ParseInto(std::string_view text, uint64_t* out) {
  auto value = ParseNumber<uint64_t>(text, 16);
  if (!value) return false;
  *out = *value;
  return true;
}

std::vector<std::string_view> Split(std::string_view text, char separator) {
  std::vector<std::string_view> parts;
  std::size_t start = 0;
  while (true) {
    std::size_t end = text.find(separator, start);
    if (end == std::string_view::npos) {
      parts.push_back(text.substr(start));
      return parts;
    }
    parts.push_back(text.substr(start, end - start));
    start = end + 1;
  }
}

std::string Hex(uint64_t value, int width = 0) {
  char buffer[17];
  auto [end, ec] = std::to_chars(buffer, buffer + sizeof(buffer), value, 16);
  std::string text(buffer, end);
  for (char& c : text) c = static_cast<char>(c >= 'a' ? c - 'a' + 'A' : c);
  if (static_cast<int>(text.size()) < width) text.insert(0, width - text.size(), '0');
  return text;
}

// Sorted, unique, and within [xmin, xmax): what PostgreSQL reports.
bool Consistent(const XidSnapshot& snapshot) {
  if (snapshot.xmin > snapshot.xmax) return false;
  if (snapshot.in_progress.size() > kMaxInProgress) return false;
  for (std::size_t i = 0; i < snapshot.in_progress.size(); ++i) {
    uint64_t xid = snapshot.in_progress[i];
    if (xid < snapshot.xmin || xid >= snapshot.xmax) return false;
    if (i > 0 && snapshot.in_progress[i - 1] >= xid) return false;
  }
  return true;
}

}  // namespace

std::optional<XidSnapshot> XidSnapshot::Parse(std::string_view text) {
  auto fields = Split(text, ':');
  if (fields.size() != 3) return std::nullopt;
  XidSnapshot snapshot;
  auto xmin = ParseNumber<uint64_t>(fields[0], 10);
  auto xmax = ParseNumber<uint64_t>(fields[1], 10);
  if (!xmin || !xmax) return std::nullopt;
  snapshot.xmin = *xmin;
  snapshot.xmax = *xmax;
  auto in_progress = ParseList(fields[2]);
  if (!in_progress) return std::nullopt;
  snapshot.in_progress = std::move(*in_progress);
  if (!Consistent(snapshot)) return std::nullopt;
  return snapshot;
}

std::optional<std::vector<uint64_t>> XidSnapshot::ParseList(std::string_view text) {
  std::vector<uint64_t> xids;
  if (text.empty()) return xids;
  for (std::string_view item : Split(text, ',')) {
    auto xid = ParseNumber<uint64_t>(item, 10);
    if (!xid || (!xids.empty() && xids.back() >= *xid)) return std::nullopt;
    xids.push_back(*xid);
  }
  return xids;
}

uint64_t XidSnapshot::Widen(uint32_t xid) const {
  const auto low = static_cast<uint32_t>(xmax);
  const auto distance = static_cast<int32_t>(xid - low);  // modulo 2^32, signed
  const auto widened = static_cast<int64_t>(xmax) + distance;
  return widened < 0 ? 0 : static_cast<uint64_t>(widened);
}

bool XidSnapshot::Sees(uint32_t xid) const {
  uint64_t full = Widen(xid);
  if (full < xmin) return true;
  if (full >= xmax) return false;
  return !std::binary_search(in_progress.begin(), in_progress.end(), full);
}

StreamPosition StreamPosition::FromRead(decoder::Lsn from_lsn, decoder::Lsn until,
                                        XidSnapshot snapshot) {
  // Events are "after" an id: the id just below (from_lsn, 0) lets every event committed at
  // from_lsn or later through.
  decoder::EventId after;
  if (from_lsn.value() > 0)
    after = decoder::EventId(decoder::Lsn(from_lsn.value() - 1), UINT32_MAX);
  return StreamPosition(after, std::max(until, from_lsn), std::move(snapshot));
}

std::string StreamPosition::ToString() const {
  std::string text(kPrefix);
  text += after_.view();
  text += '_';
  text += Hex(until_.value(), 16);
  text += '_';
  text += Hex(snapshot_.xmin);
  text += '_';
  text += Hex(snapshot_.xmax);
  text += '_';
  for (std::size_t i = 0; i < snapshot_.in_progress.size(); ++i) {
    if (i > 0) text += '.';
    text += Hex(snapshot_.in_progress[i]);
  }
  text += '_';
  text += Hex(Fnv1a(text), 8);
  return text;
}

StreamPosition::Parsed StreamPosition::Parse(std::string_view text) {
  auto fail = [](std::string message) { return Parsed{std::nullopt, std::move(message)}; };
  if (!LooksLikePosition(text)) return fail("not a stream position");
  if (text.size() > kPrefix.size() + 64 + kMaxInProgress * 17)
    return fail("stream position too long");
  auto check_at = text.rfind('_');
  auto check = ParseNumber<uint32_t>(text.substr(check_at + 1), 16);
  if (text.size() - check_at - 1 != 8 || !check) return fail("stream position has no check");
  if (*check != Fnv1a(text.substr(0, check_at + 1))) {
    return fail("stream position damaged: its check does not match");
  }
  auto fields = Split(text.substr(kPrefix.size(), check_at - kPrefix.size()), '_');
  if (fields.size() != 5) return fail("stream position has the wrong number of fields");
  auto after = decoder::EventId::Parse(fields[0]);
  uint64_t until = 0;
  uint64_t xmin = 0;
  uint64_t xmax = 0;
  if (!after || fields[1].size() != 16 || !ParseInto(fields[1], &until) ||
      !ParseInto(fields[2], &xmin) || !ParseInto(fields[3], &xmax)) {
    return fail("stream position has a malformed field");
  }
  XidSnapshot snapshot{xmin, xmax, {}};
  if (!fields[4].empty()) {
    for (std::string_view item : Split(fields[4], '.')) {
      auto xid = ParseNumber<uint64_t>(item, 16);
      if (!xid) return fail("stream position has a malformed transaction id");
      snapshot.in_progress.push_back(*xid);
    }
  }
  if (!Consistent(snapshot)) return fail("stream position has an inconsistent snapshot");
  if (decoder::Lsn(until) < after->commit_lsn()) {
    return fail("stream position ends before it starts");
  }
  return Parsed{StreamPosition(*after, decoder::Lsn(until), std::move(snapshot)), {}};
}

}  // namespace walcast::api
