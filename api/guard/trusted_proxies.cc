#include "api/guard/trusted_proxies.h"

#include <algorithm>
#include <array>
#include <charconv>

namespace walcast::api {
namespace {

namespace ip = boost::asio::ip;

// A header longer than any real proxy chain is not walked further than this many hops.
constexpr std::size_t kMaxHops = 64;

std::string_view Trim(std::string_view text) {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t')) text.remove_suffix(1);
  return text;
}

// ::ffff:a.b.c.d is the IPv4 client of a dual-stack socket: one address, one bucket.
ip::address Canonical(const ip::address& address) {
  if (address.is_v6() && address.to_v6().is_v4_mapped()) {
    return ip::make_address_v4(ip::v4_mapped, address.to_v6());
  }
  return address;
}

std::optional<ip::address> ParseAddress(std::string_view text) {
  boost::system::error_code ec;
  auto address = ip::make_address(std::string(text), ec);
  if (ec) return std::nullopt;
  return Canonical(address);
}

// The address's bytes with everything past `prefix` bits cleared.
template <std::size_t N>
std::array<unsigned char, N> Masked(std::array<unsigned char, N> bytes, unsigned prefix) {
  for (std::size_t i = 0; i < N; ++i) {
    const unsigned keep = prefix >= (i + 1) * 8 ? 8 : (prefix > i * 8 ? prefix - i * 8 : 0);
    bytes[i] &= static_cast<unsigned char>(0xFF00u >> keep);
  }
  return bytes;
}

ip::address Masked(const ip::address& address, unsigned prefix) {
  if (address.is_v4()) return ip::address_v4(Masked(address.to_v4().to_bytes(), prefix));
  return ip::address_v6(Masked(address.to_v6().to_bytes(), prefix));
}

void SplitList(std::string_view text, char separator, std::vector<std::string_view>& out) {
  while (true) {
    const auto end = text.find(separator);
    out.push_back(Trim(text.substr(0, end)));
    if (end == std::string_view::npos) return;
    text.remove_prefix(end + 1);
  }
}

bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  return std::ranges::equal(a, b, [](char x, char y) {
    return (x | 0x20) == (y | 0x20);  // ASCII letters only; both sides are parameter names
  });
}

// The hops the request's proxies reported, left (farthest) to right (nearest).
std::vector<std::string_view> ForwardedHops(const Request& request) {
  std::vector<std::string_view> hops;
  for (auto [field, end] = request.equal_range("X-Forwarded-For"); field != end; ++field) {
    SplitList(field->value(), ',', hops);
  }
  if (!hops.empty()) return hops;
  std::vector<std::string_view> elements;
  for (auto [field, end] = request.equal_range(http::field::forwarded); field != end; ++field) {
    SplitList(field->value(), ',', elements);
  }
  for (std::string_view element : elements) {
    std::vector<std::string_view> pairs;
    SplitList(element, ';', pairs);
    std::string_view hop;  // an element without for= is a hop nobody named
    for (std::string_view pair : pairs) {
      const auto equals = pair.find('=');
      if (equals != std::string_view::npos &&
          EqualsIgnoreCase(Trim(pair.substr(0, equals)), "for")) {
        hop = Trim(pair.substr(equals + 1));
      }
    }
    hops.push_back(hop);
  }
  return hops;
}

}  // namespace

std::optional<ip::address> ParseForwardedHop(std::string_view hop) {
  hop = Trim(hop);
  if (hop.size() >= 2 && hop.front() == '"' && hop.back() == '"') {
    hop = hop.substr(1, hop.size() - 2);
  }
  if (hop.starts_with('[')) {  // [v6] or [v6]:port
    const auto close = hop.find(']');
    if (close == std::string_view::npos) return std::nullopt;
    return ParseAddress(hop.substr(1, close - 1));
  }
  if (std::ranges::count(hop, ':') == 1) hop = hop.substr(0, hop.find(':'));  // v4:port
  return ParseAddress(hop);
}

std::variant<TrustedProxies, std::string> TrustedProxies::Parse(std::string_view list) {
  TrustedProxies proxies;
  std::vector<std::string_view> entries;
  if (Trim(list).empty()) return proxies;
  SplitList(list, ',', entries);
  for (std::string_view entry : entries) {
    const auto slash = entry.find('/');
    auto address = ParseAddress(Trim(entry.substr(0, slash)));
    if (!address) {
      return "not an IP address or CIDR block: '" + std::string(entry) + "'";
    }
    const unsigned bits = address->is_v4() ? 32 : 128;
    unsigned prefix = bits;
    if (slash != std::string_view::npos) {
      const std::string_view digits = Trim(entry.substr(slash + 1));
      const auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), prefix);
      if (ec != std::errc() || end != digits.data() + digits.size() || digits.empty() ||
          prefix > bits) {
        return "not a prefix length of 0 to " + std::to_string(bits) + ": '" + std::string(entry) +
               "'";
      }
    }
    proxies.networks_.push_back({Masked(*address, prefix), prefix});
  }
  return proxies;
}

bool TrustedProxies::Contains(const ip::address& address) const {
  const ip::address canonical = Canonical(address);
  return std::ranges::any_of(networks_, [&](const Network& network) {
    return network.base.is_v4() == canonical.is_v4() &&
           Masked(canonical, network.prefix) == network.base;
  });
}

std::string TrustedProxies::ClientAddress(const Request& request, std::string_view peer) const {
  auto nearest = ParseAddress(peer);
  if (!nearest || !Contains(*nearest)) return std::string(peer);
  const auto hops = ForwardedHops(request);
  std::size_t walked = 0;
  for (auto hop = hops.rbegin(); hop != hops.rend() && walked < kMaxHops; ++hop, ++walked) {
    auto address = ParseForwardedHop(*hop);
    if (!address) break;  // the proxy that reported it is the client we can vouch for
    nearest = *address;
    if (!Contains(*address)) break;
  }
  return nearest->to_string();
}

}  // namespace walcast::api
