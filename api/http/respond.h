// The HTTP message types every api/ file shares.
#pragma once

#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>
#include <functional>
#include <optional>
#include <string>
#include <type_traits>
#include <utility>

namespace walcast::api {

namespace http = boost::beast::http;

using Request = http::request<http::string_body>;
using Response = http::response<http::string_body>;

// A body produced in pieces, for a response too large to hold whole (the orders export). The
// session calls the producer for the next piece, passing `deliver`; the producer calls `deliver`
// once, from any thread, with the piece, or with nullopt at the end of the body (also after a
// failure: the client then sees a body that ends early). The next call comes after the piece is
// written, so at most one piece is held at a time.
using DeliverChunk = std::function<void(std::optional<std::string> chunk)>;
using BodyProducer = std::function<void(DeliverChunk deliver)>;

// Completes a request: call it (or Stream) exactly once. May be called from any thread; the
// session moves to its own strand. Built from any callable taking a Response, so a test can pass
// a lambda; without a streaming sink, Stream collects the pieces and sends one whole response.
class Respond {
 public:
  using Send = std::function<void(Response)>;
  using StreamSink = std::function<void(Response head, BodyProducer producer)>;

  template <class F>
  requires std::is_invocable_v<F&, Response> &&
      (!std::is_same_v<std::decay_t<F>, Respond>)Respond(F send)
      : send_(std::move(send)) {}  // NOLINT: implicit on purpose
  Respond(Send send, StreamSink stream) : send_(std::move(send)), stream_(std::move(stream)) {}

  void operator()(Response response) const { send_(std::move(response)); }
  // `head` has the status and headers; its body is ignored.
  void Stream(Response head, BodyProducer producer) const;

 private:
  Send send_;
  StreamSink stream_;
};

}  // namespace walcast::api
