#include "api/guard/connection_budget.h"

#include <gtest/gtest.h>

#include <vector>

namespace walcast::api {
namespace {

struct FakeConnection : ReclaimableConnection {
  int reclaimed = 0;
  void Reclaim() override { ++reclaimed; }
};

TEST(ConnectionBudget, AdmitsUpToTheCapThenRefusesAndCounts) {
  auto budget = std::make_shared<ConnectionBudget>(2);
  auto a = budget->Admit();
  auto b = budget->Admit();
  EXPECT_TRUE(a && b);
  EXPECT_FALSE(budget->Admit()) << "nothing idle to reclaim";
  EXPECT_EQ(budget->open(), 2u);
  EXPECT_EQ(budget->refused(), 1u);
  { auto released = std::move(a); }
  EXPECT_EQ(budget->open(), 1u);
  EXPECT_TRUE(budget->Admit());
}

TEST(ConnectionBudget, AtTheCapTheOldestIdleConnectionIsReclaimed) {
  auto budget = std::make_shared<ConnectionBudget>(2);
  auto a = budget->Admit();
  auto b = budget->Admit();
  auto first = std::make_shared<FakeConnection>();
  auto second = std::make_shared<FakeConnection>();
  auto first_handle = budget->Idle(first);
  budget->Idle(second);
  budget->Busy(first_handle);  // became busy: not reclaimable any more
  auto c = budget->Admit();
  EXPECT_TRUE(c);
  EXPECT_EQ(first->reclaimed, 0);
  EXPECT_EQ(second->reclaimed, 1);
  EXPECT_EQ(budget->reclaimed(), 1u);
  EXPECT_FALSE(budget->Admit()) << "the reclaimed one was taken off the idle list";
  budget->Busy(first_handle);  // a stale handle is harmless
}

TEST(ConnectionBudget, ZeroMeansNoCapButStillCounts) {
  auto budget = std::make_shared<ConnectionBudget>(0);
  std::vector<ConnectionBudget::Ticket> tickets;
  for (int i = 0; i < 100; ++i) tickets.push_back(budget->Admit());
  EXPECT_EQ(budget->open(), 100u);
  tickets.clear();
  EXPECT_EQ(budget->open(), 0u);
}

}  // namespace
}  // namespace walcast::api
