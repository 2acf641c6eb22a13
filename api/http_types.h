// The HTTP message types every api/ file shares.
#pragma once

#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>
#include <functional>

namespace walcast::api {

namespace http = boost::beast::http;

using Request = http::request<http::string_body>;
using Response = http::response<http::string_body>;

// Completes a request. May be called from any thread; the session moves to its own strand.
using Respond = std::function<void(Response)>;

}  // namespace walcast::api
