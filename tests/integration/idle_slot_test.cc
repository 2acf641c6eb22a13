// An idle walcast never makes PostgreSQL keep WAL: with no orders changes retained, writes to
// another table move the slot's confirmed_flush_lsn forward (docs/contract.md §4).
#include <gtest/gtest.h>

#include <thread>

#include "tests/harness/daemon_process.h"
#include "tests/harness/orders_database.h"
#include "tests/harness/pg_session.h"

namespace walcast::testing {
namespace {

using namespace std::chrono_literals;

TEST(IdleSlot, ConfirmedFlushAdvancesWithWritesToOtherTables) {
  auto db = CreateOrdersDatabase("idle_slot");
  DaemonProcess daemon(DaemonArgs(db));
  int port = daemon.WaitForPort();
  ASSERT_GT(port, 0) << daemon.Log();
  ASSERT_TRUE(WaitForStream(port)) << daemon.Log();

  PgSession session(db.conninfo);
  session.Exec("CREATE TABLE unrelated (x int)");
  std::string start = session.Scalar(
      "SELECT confirmed_flush_lsn FROM pg_replication_slots WHERE slot_name = $1", {db.name});
  session.Exec("INSERT INTO unrelated SELECT generate_series(1, 10000)");
  std::string target = session.Scalar("SELECT pg_current_wal_lsn()");

  bool advanced = false;
  auto deadline = std::chrono::steady_clock::now() + 90s;
  while (!advanced && std::chrono::steady_clock::now() < deadline) {
    session.Exec("INSERT INTO unrelated VALUES (1)");  // keeps the walsender talking
    advanced = session.Scalar(
                   "SELECT confirmed_flush_lsn >= $2::pg_lsn FROM pg_replication_slots "
                   "WHERE slot_name = $1",
                   {db.name, target}) == "t";
    if (!advanced) std::this_thread::sleep_for(200ms);
  }
  EXPECT_TRUE(advanced) << "confirmed_flush_lsn stayed near " << start << ", WAL is at " << target
                        << "\n"
                        << daemon.Log();
}

TEST(IdleSlot, RetainedEventsHoldTheAcknowledgementBack) {
  auto db = CreateOrdersDatabase("idle_slot_retained");
  DaemonProcess daemon(DaemonArgs(db));
  int port = daemon.WaitForPort();
  ASSERT_GT(port, 0) << daemon.Log();
  ASSERT_TRUE(WaitForStream(port)) << daemon.Log();

  PgSession session(db.conninfo);
  std::string before = session.Scalar(
      "SELECT confirmed_flush_lsn FROM pg_replication_slots WHERE slot_name = $1", {db.name});
  session.Exec("INSERT INTO orders (customer_name, product_name) VALUES ('kept', 'in window')");
  session.Exec(
      "CREATE TABLE unrelated (x int); INSERT INTO unrelated SELECT generate_series(1, 1000)");
  std::this_thread::sleep_for(3s);  // several status updates; the window still holds the insert
  EXPECT_EQ(
      session.Scalar("SELECT confirmed_flush_lsn FROM pg_replication_slots WHERE slot_name = $1",
                     {db.name}),
      before)
      << "the slot must decode the retained insert again after a restart";
}

}  // namespace
}  // namespace walcast::testing
