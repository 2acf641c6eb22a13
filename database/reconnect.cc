#include "database/reconnect.h"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/use_awaitable.hpp>

namespace walcast::database {

boost::asio::awaitable<bool> SleepUnlessStopped(boost::asio::steady_timer& timer,
                                                std::chrono::milliseconds duration,
                                                const bool& stopped) {
  timer.expires_after(duration);
  co_await timer.async_wait(boost::asio::as_tuple(boost::asio::use_awaitable));
  co_return !stopped;
}

}  // namespace walcast::database
