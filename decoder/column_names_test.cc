#include "decoder/column_names.h"

#include <gtest/gtest.h>

#include <string>
#include <utility>
#include <vector>

namespace walcast::decoder {
namespace {

using Names = std::vector<std::string>;

std::vector<std::string> ToVector(const ColumnNames& names) {
  std::vector<std::string> out;
  for (std::string_view name : names) out.emplace_back(name);
  return out;
}

TEST(ColumnNames, ReadsLikeAVectorOfNames) {
  ColumnNames names;
  EXPECT_TRUE(names.empty());
  EXPECT_EQ(names, Names{});
  names.push_back("status");
  names.push_back("updated_at");
  names.push_back("");
  EXPECT_EQ(names.size(), 3u);
  EXPECT_EQ(names, (Names{"status", "updated_at", ""}));
  EXPECT_FALSE(names == (Names{"status", "updated_at"}));
  EXPECT_FALSE(names == (Names{"status", "updated_at", "x"}));
  EXPECT_EQ(names.HeapBytes(), 0u);  // inline
  EXPECT_EQ(ColumnNames(Names{"a", "b"}), (ColumnNames{"a", "b"}));
  EXPECT_FALSE(ColumnNames({"ab"}) == (ColumnNames{"a", "b"}));
}

TEST(ColumnNames, GrowsToTheHeapAndCopiesAndMoves) {
  Names expected;
  ColumnNames names;
  for (int i = 0; i < 40; ++i) {
    // Some names need the long length form (255 bytes and more).
    std::string name = i % 7 == 3 ? std::string(255 + i, 'n') : "column_" + std::to_string(i);
    expected.push_back(name);
    names.push_back(name);
    ASSERT_EQ(ToVector(names), expected);
  }
  EXPECT_GT(names.HeapBytes(), 0u);

  ColumnNames copy = names;
  EXPECT_EQ(copy, names);
  ColumnNames moved = std::move(copy);
  EXPECT_EQ(moved, names);
  EXPECT_TRUE(copy.empty());  // NOLINT(bugprone-use-after-move): a moved-from heap list is empty
  copy = moved;
  EXPECT_EQ(ToVector(copy), expected);

  ColumnNames small{"id"};
  ColumnNames small_moved = std::move(small);
  EXPECT_EQ(small_moved, Names{"id"});
  small_moved = names;  // inline to heap
  EXPECT_EQ(small_moved, expected);
  small_moved = ColumnNames{"x"};  // heap to inline contents
  EXPECT_EQ(small_moved, Names{"x"});
  small_moved = small_moved;  // self-assignment keeps it
  EXPECT_EQ(small_moved, Names{"x"});
}

}  // namespace
}  // namespace walcast::decoder
