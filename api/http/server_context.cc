#include "api/http/server_context.h"

#include <fmt/format.h>

#include <random>

namespace walcast::api {

ServerContext::ServerContext(Router router, ServerLimits limits,
                             std::shared_ptr<StreamContext> stream,
                             std::shared_ptr<Metrics> metrics, GuardOptions guard)
    : router_(std::move(router)),
      limits_(limits),
      stream_(std::move(stream)),
      metrics_(std::move(metrics)),
      guard_(std::make_unique<RequestGuard>(std::move(guard), metrics_.get())),
      budget_(std::make_shared<ConnectionBudget>(limits_.max_connections)) {
  // A random prefix keeps request ids of different runs (and replicas) apart in shared logs.
  std::random_device device;
  run_prefix_ = fmt::format("{:06x}", device() & 0xffffff);
}

std::string ServerContext::NextRequestId() {
  return fmt::format("{}-{}", run_prefix_, next_request_.fetch_add(1, std::memory_order_relaxed));
}

}  // namespace walcast::api
