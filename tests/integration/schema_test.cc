// Placeholder, replaced by the schema tests.
#include <gtest/gtest.h>

#include "pg_cluster.h"
#include "pg_session.h"

TEST(Harness, SharedClusterAnswers) {
  walcast::testing::PgSession session(walcast::testing::SharedConnInfo());
  EXPECT_EQ(session.Scalar("show wal_level"), "logical");
}
