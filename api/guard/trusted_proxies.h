// TrustedProxies: which peers may say who the client is (--trusted-proxies), and the client
// address of a request that came through them (docs/protection.md "Behind a reverse proxy").
//
// Behind a reverse proxy every connection comes from the proxy; its X-Forwarded-For header names
// the client. The header is a list each proxy appends its own peer to, so only the right end is
// written by proxies walcast trusts: the client address is the right-most hop that is not itself
// a trusted proxy. Everything left of it was written by the client and may be forged. From a peer
// that is not trusted the headers are ignored altogether.
//
// X-Forwarded-For is read when present (nginx, HAProxy, cloud load balancers set it); RFC 7239
// `Forwarded` (its `for=` parameters) only when it is not, so a client cannot pick the header
// its proxy does not rewrite. A hop that is not an IP address (`unknown`, an obfuscated
// `_hidden` name, garbage) ends the walk: the client is then the hop that reported it, the nearest
// trusted proxy, so malformed headers share the proxy's rate-limit bucket rather than get a
// fresh one each.
//
// Pure (no I/O) and immutable after Parse; thread-safe.
#pragma once

#include <boost/asio/ip/address.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "api/http/respond.h"

namespace walcast::api {

class TrustedProxies {
 public:
  // A comma-separated list of addresses and CIDR blocks ("127.0.0.1, 10.0.0.0/8, fd00::/8");
  // empty: none. The error names the entry that is not one.
  static std::variant<TrustedProxies, std::string> Parse(std::string_view list);

  bool Empty() const { return networks_.empty(); }
  bool Contains(const boost::asio::ip::address& address) const;

  // The client address of `request` received from `peer` (the TCP peer's address as text), as
  // text in canonical form (IPv4-mapped IPv6 written as IPv4).
  std::string ClientAddress(const Request& request, std::string_view peer) const;

 private:
  struct Network {
    boost::asio::ip::address base;  // masked to `prefix` bits
    unsigned prefix = 0;
  };
  std::vector<Network> networks_;
};

// One hop of X-Forwarded-For or of a `for=` parameter, port and brackets removed; nullopt when
// it is not an IP address. Exposed for tests.
std::optional<boost::asio::ip::address> ParseForwardedHop(std::string_view hop);

}  // namespace walcast::api
