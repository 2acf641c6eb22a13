#include "api/orders/read_positions.h"

#include <spdlog/spdlog.h>

namespace walcast::api::orders {

std::optional<ReplayWindow::ReadMark> ReadPositions::Begin() const {
  if (!enabled()) return std::nullopt;
  return hub_->MarkRead();
}

std::optional<std::string> ReadPositions::Finish(
    const std::optional<ReplayWindow::ReadMark>& mark,
    const std::optional<database::ReadSnapshot>& snapshot) const {
  if (!mark || !snapshot) return std::nullopt;
  auto xids = XidSnapshot::Parse(snapshot->snapshot);
  auto until = decoder::Lsn::Parse(snapshot->insert_lsn);
  if (!xids || !until) {
    // PostgreSQL wrote both: a shape we cannot read is a bug, and no position is better than a
    // wrong one.
    spdlog::error("rest read: unreadable snapshot '{}' at '{}': no streamPosition",
                  snapshot->snapshot, snapshot->insert_lsn);
    return std::nullopt;
  }
  if (auto position = hub_->PositionFor(*mark, *xids, *until)) return position->ToString();
  spdlog::info(
      "rest read: a transaction the read may have missed has left the replay window; its "
      "streamPosition will get resync");
  return StreamPosition::FromRead(decoder::Lsn(), *until, *xids).ToString();
}

}  // namespace walcast::api::orders
