#include "daemon/spill_directory.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>

namespace walcast::daemon {
namespace {

namespace fs = std::filesystem;

class SpillDirectoryTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("walcast-spill-test-" + std::to_string(::getpid()));
    fs::remove_all(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }
  fs::path dir_;
};

TEST_F(SpillDirectoryTest, RecordsComeBackInOrderAndLeaveNoFileBehind) {
  SpillDirectory space(dir_.string(), 1ull << 30);
  auto file = space.Create();
  ASSERT_TRUE(file.ok()) << file.error().ToString();
  // Empty records, small ones and records larger than the 256 KiB buffer, mixed.
  std::vector<std::string> records;
  for (int i = 0; i < 2000; ++i) {
    size_t size = i % 500 == 7 ? 300 * 1024 + i : static_cast<size_t>(i % 97);
    records.push_back(std::string(size, static_cast<char>('a' + i % 26)));
  }
  for (const auto& record : records) ASSERT_TRUE((*file)->Append(record).ok());
  EXPECT_EQ(space.LiveFiles(), 1u);
  EXPECT_GT(space.LiveBytes(), 0u);
  // The file exists only as an open descriptor: nothing in the directory.
  EXPECT_TRUE(fs::is_empty(dir_));
  for (const auto& record : records) {
    auto next = (*file)->Next();
    ASSERT_TRUE(next.ok()) << next.error().ToString();
    ASSERT_TRUE(next->has_value());
    ASSERT_EQ(**next, record);
  }
  auto end = (*file)->Next();
  ASSERT_TRUE(end.ok());
  EXPECT_FALSE(end->has_value());
  // Writing after reading began is refused.
  EXPECT_FALSE((*file)->Append("late").ok());
  file->reset();
  EXPECT_EQ(space.LiveFiles(), 0u);
  EXPECT_EQ(space.LiveBytes(), 0u);
  EXPECT_EQ(space.CreatedFiles(), 1u);
}

TEST_F(SpillDirectoryTest, TheBudgetCoversEveryLiveFile) {
  SpillDirectory space(dir_.string(), 10'000);
  auto a = space.Create();
  auto b = space.Create();
  ASSERT_TRUE(a.ok() && b.ok());
  ASSERT_TRUE((*a)->Append(std::string(6'000, 'x')).ok());
  auto refused = (*b)->Append(std::string(6'000, 'y'));
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().code, decoder::ErrorCode::kSpillLimit);
  EXPECT_NE(refused.error().reason.find("--spill-max-bytes"), std::string::npos)
      << refused.error().reason;
  // Freeing one file makes room for the other.
  a->reset();
  EXPECT_TRUE((*b)->Append(std::string(6'000, 'y')).ok());
}

TEST_F(SpillDirectoryTest, AnUnusableDirectoryIsAClearError) {
  // A regular file where the directory should be.
  fs::create_directories(dir_);
  fs::path blocker = dir_ / "not-a-dir";
  { std::ofstream(blocker) << "x"; }
  SpillDirectory space(blocker.string(), 1 << 20);
  auto file = space.Create();
  ASSERT_FALSE(file.ok());
  EXPECT_EQ(file.error().code, decoder::ErrorCode::kStorage);
  EXPECT_NE(file.error().reason.find(blocker.string()), std::string::npos) << file.error().reason;
}

}  // namespace
}  // namespace walcast::daemon
