#include "database/reconnect.h"

#include <gtest/gtest.h>

namespace walcast::database {
namespace {

using std::chrono::milliseconds;

TEST(Backoff, DoublesUpToTheCapAndResets) {
  Backoff backoff(milliseconds(250), milliseconds(1000));
  EXPECT_EQ(backoff.Next(), milliseconds(250));
  EXPECT_EQ(backoff.Next(), milliseconds(500));
  EXPECT_EQ(backoff.Next(), milliseconds(1000));
  EXPECT_EQ(backoff.Next(), milliseconds(1000));
  backoff.Reset();
  EXPECT_EQ(backoff.Next(), milliseconds(250));
}

}  // namespace
}  // namespace walcast::database
