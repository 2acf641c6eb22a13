#include "decoder/pgoutput_reader.h"

#include <gtest/gtest.h>

#include <random>
#include <string>
#include <vector>

#include "decoder/testing/message_text.h"
#include "decoder/testing/pgoutput_encoder.h"

namespace walcast::decoder {
namespace {

using namespace std::string_literals;
namespace t = testing;

struct ValidCase {
  std::string name;
  std::string bytes;
  bool in_stream_block;
  std::string expected;
};

std::vector<ValidCase> ValidCases() {
  const std::vector<t::Column> columns = {{"id", 23, true}, {"note", 25, false, -1}};
  return {
      {"Begin", t::Begin(0x1A3F2C8, 123456789, 42), false,
       "Begin final_lsn=0/1A3F2C8 commit_time=123456789 xid=42"},
      {"Commit", t::Commit(0x100, 0x1A0, -5), false,
       "Commit flags=0 commit_lsn=0/100 end_lsn=0/1A0 commit_time=-5"},
      {"Origin", t::Origin(0x200, "node_a"), false, "Origin commit_lsn=0/200 name=node_a"},
      {"Relation", t::Relation(16385, "public", "orders", 'f', columns), false,
       "Relation xid=0 relation=16385 public.orders identity=f columns=[*id:23/-1,note:25/-1]"},
      {"RelationInStream", t::Relation(7, "", "t", 'd', {}, 901), true,
       "Relation xid=901 relation=7 .t identity=d columns=[]"},
      {"Type", t::Type(90001, "public", "mood"), false, "Type xid=0 oid=90001 public.mood"},
      {"TypeInStream", t::Type(90001, "public", "mood", 5), true,
       "Type xid=5 oid=90001 public.mood"},
      {"Insert", t::Insert(16385, {t::Text("1"), t::Null(), t::Unchanged(), t::Binary("\x01"s)}),
       false, "Insert xid=0 relation=16385 new=[t\"1\",n,u,b\"\x01\"]"},
      {"InsertEmptyTupleAndValue", t::Insert(1, {t::Text("")}), false,
       "Insert xid=0 relation=1 new=[t\"\"]"},
      {"InsertNoColumns", t::Insert(1, {}), false, "Insert xid=0 relation=1 new=[]"},
      {"InsertInStream", t::Insert(16385, {t::Text("1")}, 77), true,
       "Insert xid=77 relation=16385 new=[t\"1\"]"},
      {"UpdateNewOnly", t::Update(3, 0, {}, {t::Text("a")}), false,
       "Update xid=0 relation=3 old=none new=[t\"a\"]"},
      {"UpdateKey", t::Update(3, 'K', {t::Text("1"), t::Null()}, {t::Text("2"), t::Text("b")}),
       false, "Update xid=0 relation=3 old=K[t\"1\",n] new=[t\"2\",t\"b\"]"},
      {"UpdateFull", t::Update(3, 'O', {t::Text("1")}, {t::Unchanged()}, 9), true,
       "Update xid=9 relation=3 old=O[t\"1\"] new=[u]"},
      {"DeleteKey", t::Delete(3, 'K', {t::Text("1"), t::Null()}), false,
       "Delete xid=0 relation=3 old=K[t\"1\",n]"},
      {"DeleteFull", t::Delete(3, 'O', {t::Text("1"), t::Text("x")}, 4), true,
       "Delete xid=4 relation=3 old=O[t\"1\",t\"x\"]"},
      {"TruncateSeveral", t::Truncate({1, 2, 3}, 3), false,
       "Truncate xid=0 options=3 relations=[1,2,3]"},
      {"TruncateInStream", t::Truncate({1}, 0, 12), true,
       "Truncate xid=12 options=0 relations=[1]"},
      {"MessageTransactional", t::LogicalMessage(true, 0x300, "walcast", "hello"), false,
       "Message xid=0 transactional=1 lsn=0/300 prefix=walcast content=hello"},
      {"MessageNonTransactional", t::LogicalMessage(false, 0x300, "p", ""), false,
       "Message xid=0 transactional=0 lsn=0/300 prefix=p content="},
      {"MessageInStream", t::LogicalMessage(true, 0x300, "p", "c", 8), true,
       "Message xid=8 transactional=1 lsn=0/300 prefix=p content=c"},
      {"StreamStartFirst", t::StreamStart(555, true), false, "StreamStart xid=555 first=1"},
      {"StreamStartLater", t::StreamStart(555, false), false, "StreamStart xid=555 first=0"},
      {"StreamStop", t::StreamStop(), true, "StreamStop"},
      {"StreamCommit", t::StreamCommit(555, 0x400, 0x480, 99), false,
       "StreamCommit xid=555 flags=0 commit_lsn=0/400 end_lsn=0/480 commit_time=99"},
      {"StreamAbortWhole", t::StreamAbort(555, 555), false, "StreamAbort xid=555 subxid=555"},
      {"StreamAbortSubtransaction", t::StreamAbort(555, 556), false,
       "StreamAbort xid=555 subxid=556"},
  };
}

TEST(PgoutputReader, ReadsEveryMessageKind) {
  for (const ValidCase& c : ValidCases()) {
    Result<Message> message = ReadMessage(c.bytes, c.in_stream_block);
    ASSERT_TRUE(message.ok()) << c.name << ": " << message.error().ToString();
    EXPECT_EQ(t::MessageText(*message), c.expected) << c.name;
  }
}

TEST(PgoutputReader, RejectsTruncationAtEveryOffset) {
  for (const ValidCase& c : ValidCases()) {
    for (size_t size = 0; size < c.bytes.size(); ++size) {
      Result<Message> message = ReadMessage(c.bytes.substr(0, size), c.in_stream_block);
      ASSERT_FALSE(message.ok()) << c.name << " cut at " << size;
      EXPECT_EQ(message.error().code, ErrorCode::kTruncated)
          << c.name << " cut at " << size << ": " << message.error().ToString();
      EXPECT_LE(message.error().offset, size) << c.name;
    }
  }
}

TEST(PgoutputReader, RejectsTrailingBytes) {
  for (const ValidCase& c : ValidCases()) {
    Result<Message> message = ReadMessage(c.bytes + "\x00"s, c.in_stream_block);
    ASSERT_FALSE(message.ok()) << c.name;
    EXPECT_EQ(message.error().code, ErrorCode::kTrailingBytes) << c.name;
    EXPECT_EQ(message.error().offset, c.bytes.size()) << c.name;
  }
}

// Every single-byte corruption of every valid message is either read or rejected; never a crash
// or an out-of-bounds read (run under the sanitizers).
TEST(PgoutputReader, SurvivesEverySingleByteCorruption) {
  for (const ValidCase& c : ValidCases()) {
    std::string bytes = c.bytes;
    for (size_t i = 0; i < bytes.size(); ++i) {
      const char original = bytes[i];
      for (int value = 0; value < 256; ++value) {
        bytes[i] = static_cast<char>(value);
        for (bool in_stream : {false, true}) {
          Result<Message> message = ReadMessage(bytes, in_stream);
          if (!message.ok()) {
            EXPECT_LE(message.error().offset, bytes.size());
          }
        }
      }
      bytes[i] = original;
    }
  }
}

TEST(PgoutputReader, SurvivesRandomBytes) {
  std::mt19937 random(20261124);
  std::uniform_int_distribution<int> byte(0, 255);
  std::uniform_int_distribution<size_t> size(0, 64);
  const std::string tags = "BCORYIUDTMSEcAX";
  for (int i = 0; i < 200000; ++i) {
    std::string bytes(size(random), '\0');
    for (char& b : bytes) b = static_cast<char>(byte(random));
    if (!bytes.empty()) bytes[0] = tags[static_cast<size_t>(byte(random)) % tags.size()];
    Result<Message> message = ReadMessage(bytes, i % 2 == 0);
    if (!message.ok()) {
      EXPECT_LE(message.error().offset, bytes.size());
    }
  }
}

struct ErrorCase {
  std::string name;
  std::string bytes;
  bool in_stream_block;
  ErrorCode code;
  std::string_view kind;
  std::string_view field;
  size_t offset;
};

std::string WithByte(std::string bytes, size_t at, char value) {
  bytes[at] = value;
  return bytes;
}

std::vector<ErrorCase> ErrorCases() {
  const std::string insert = t::Insert(16385, {t::Text("ab")});
  // Insert layout: 'I' relid(1..4) 'N'(5) ncols(6..7) kind(8) len(9..12) data(13..14)
  return {
      {"Empty", "", false, ErrorCode::kTruncated, "Message", "tag", 0},
      {"UnknownTag", "Z", false, ErrorCode::kBadValue, "Unknown", "tag", 0},
      {"UnknownControlTag", "\x01"s, false, ErrorCode::kBadValue, "Unknown", "tag", 0},
      {"BeginPrepare", "b"s + std::string(28, '\0'), false, ErrorCode::kUnsupported, "BeginPrepare",
       "tag", 0},
      {"Prepare", "P", false, ErrorCode::kUnsupported, "Prepare", "tag", 0},
      {"CommitPrepared", "K", false, ErrorCode::kUnsupported, "CommitPrepared", "tag", 0},
      {"RollbackPrepared", "r", false, ErrorCode::kUnsupported, "RollbackPrepared", "tag", 0},
      {"StreamPrepare", "p", false, ErrorCode::kUnsupported, "StreamPrepare", "tag", 0},
      {"CommitFlags", WithByte(t::Commit(1, 2, 3), 1, 1), false, ErrorCode::kBadValue, "Commit",
       "flags", 1},
      {"StreamCommitFlags", WithByte(t::StreamCommit(1, 2, 3, 4), 5, 2), false,
       ErrorCode::kBadValue, "StreamCommit", "flags", 5},
      {"StreamStartFirstSegment", WithByte(t::StreamStart(1, true), 5, 2), false,
       ErrorCode::kBadValue, "StreamStart", "first_segment", 5},
      {"RelationReplicaIdentity", t::Relation(1, "s", "t", 'x', {}), false, ErrorCode::kBadValue,
       "Relation", "replica_identity", 9},
      {"RelationColumnFlags", WithByte(t::Relation(1, "s", "t", 'd', {{"c", 25}}), 12, 2), false,
       ErrorCode::kBadValue, "Relation", "column.flags", 12},
      {"RelationColumnCountTooLarge", WithByte(t::Relation(1, "s", "t", 'd', {{"c", 25}}), 10, 9),
       false, ErrorCode::kTruncated, "Relation", "ncolumns", 10},
      {"InsertMarker", WithByte(insert, 5, 'K'), false, ErrorCode::kBadValue, "Insert",
       "new_tuple_marker", 5},
      {"InsertColumnKind", WithByte(insert, 8, 'x'), false, ErrorCode::kBadValue, "Insert",
       "tuple.column_kind", 8},
      {"InsertNegativeLength", WithByte(insert, 9, '\x80'), false, ErrorCode::kBadValue, "Insert",
       "tuple.column_value", 9},
      {"InsertLengthTooLong", WithByte(insert, 12, 3), false, ErrorCode::kTruncated, "Insert",
       "tuple.column_value", 9},
      {"InsertLengthTooShort", WithByte(insert, 12, 1), false, ErrorCode::kTrailingBytes, "Insert",
       "", 14},
      {"InsertMoreColumnsThanSent", WithByte(insert, 7, 2), false, ErrorCode::kTruncated, "Insert",
       "tuple.column_kind", 15},
      // The relation id is taken as the xid, and the marker is read from the length's first byte.
      {"InsertOutsideStreamReadAsInStream", insert, true, ErrorCode::kBadValue, "Insert",
       "new_tuple_marker", 9},
      {"InsertInStreamReadAsOutside", t::Insert(1, {}, 7), false, ErrorCode::kBadValue, "Insert",
       "new_tuple_marker", 5},
      {"UpdateMarker", t::Update(1, 'X', {}, {}), false, ErrorCode::kBadValue, "Update",
       "tuple_marker", 5},
      {"UpdateSecondMarker", WithByte(t::Update(1, 'O', {}, {}), 8, 'O'), false,
       ErrorCode::kBadValue, "Update", "new_tuple_marker", 8},
      {"DeleteWithoutOldTuple", t::Delete(1, 'N', {}), false, ErrorCode::kBadValue, "Delete",
       "old_tuple_marker", 5},
      {"TruncateOptions", t::Truncate({1}, 4), false, ErrorCode::kBadValue, "Truncate", "options",
       5},
      {"TruncateNegativeCount", WithByte(t::Truncate({}, 0), 1, '\xFF'), false,
       ErrorCode::kBadValue, "Truncate", "nrelations", 1},
      {"TruncateCountTooLarge", WithByte(t::Truncate({1}, 0), 4, 2), false, ErrorCode::kTruncated,
       "Truncate", "nrelations", 1},
      {"MessageFlags", WithByte(t::LogicalMessage(true, 1, "p", "c"), 1, 3), false,
       ErrorCode::kBadValue, "Message", "flags", 1},
      {"MessageLength", WithByte(t::LogicalMessage(true, 1, "p", "c"), 14, 9), false,
       ErrorCode::kTruncated, "Message", "content", 12},
      {"OriginUnterminated", t::Origin(1, "x").substr(0, 10), false, ErrorCode::kTruncated,
       "Origin", "name", 9},
  };
}

TEST(PgoutputReader, ReportsKindFieldAndOffsetOfEachError) {
  for (const ErrorCase& c : ErrorCases()) {
    Result<Message> message = ReadMessage(c.bytes, c.in_stream_block);
    ASSERT_FALSE(message.ok()) << c.name << " read as " << t::MessageText(*message);
    const DecodeError& error = message.error();
    EXPECT_EQ(error.code, c.code) << c.name << ": " << error.ToString();
    EXPECT_EQ(error.kind, c.kind) << c.name << ": " << error.ToString();
    EXPECT_EQ(error.field, c.field) << c.name << ": " << error.ToString();
    EXPECT_EQ(error.offset, c.offset) << c.name << ": " << error.ToString();
    EXPECT_FALSE(error.reason.empty()) << c.name;
  }
}

TEST(PgoutputReader, ErrorTextIsSpecific) {
  Result<Message> message = ReadMessage(t::Insert(1, {t::Value{'x', ""}}), false);
  ASSERT_FALSE(message.ok());
  EXPECT_EQ(message.error().ToString(),
            "Insert.tuple.column_kind at offset 8: bad value: column 0: expected 'n', 'u', 't' "
            "or 'b', got 'x' (0x78)");
}

TEST(PgoutputReader, ViewsPointIntoTheBuffer) {
  const std::string bytes = t::Insert(1, {t::Text("value")});
  Result<Message> message = ReadMessage(bytes, false);
  ASSERT_TRUE(message.ok());
  ColumnValue value = *std::get<InsertMessage>(*message).new_tuple.begin();
  EXPECT_GE(value.data.data(), bytes.data());
  EXPECT_LT(value.data.data(), bytes.data() + bytes.size());
}

TEST(PgoutputReader, TagOfMatchesWireByte) {
  for (const ValidCase& c : ValidCases()) {
    Result<Message> message = ReadMessage(c.bytes, c.in_stream_block);
    ASSERT_TRUE(message.ok());
    EXPECT_EQ(static_cast<char>(TagOf(*message)), c.bytes[0]) << c.name;
    EXPECT_EQ(MessageTagName(TagOf(*message)),
              c.name.substr(0, MessageTagName(TagOf(*message)).size()))
        << c.name;
  }
}

}  // namespace
}  // namespace walcast::decoder
