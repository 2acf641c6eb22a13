#include "daemon/logging.h"

#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

namespace walcast::daemon {

void SetupLogging(const std::string& level) {
  auto logger = spdlog::stderr_logger_mt("walcast");
  logger->set_pattern("%Y-%m-%dT%H:%M:%S.%fZ %^%l%$ %v", spdlog::pattern_time_type::utc);
  logger->set_level(spdlog::level::from_str(level));
  // Flush every line: the daemon's log is read live by operators and by tests.
  logger->flush_on(spdlog::level::trace);
  spdlog::set_default_logger(logger);
}

}  // namespace walcast::daemon
