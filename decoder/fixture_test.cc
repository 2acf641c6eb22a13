// Decodes the pgoutput fixtures recorded from a real PostgreSQL 15 (tests/fixtures/pgoutput, see
// capture.sh there) and compares the output with the recorded *.expected files, then checks what
// each scenario is about (the rolled-back savepoint is gone, TOAST values are filled, ...).
// WALCAST_UPDATE_FIXTURES=1 rewrites the *.expected files instead of comparing.
#include <gtest/gtest.h>
#include <rapidjson/document.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "decoder/notify_payload.h"
#include "decoder/pgoutput_reader.h"
#include "decoder/stream_decoder.h"
#include "decoder/testing/feed.h"

namespace walcast::decoder {
namespace {

namespace fs = std::filesystem;
using Lines = std::vector<std::string>;

const fs::path kDir = WALCAST_FIXTURE_DIR;

Lines ReadLines(const fs::path& path) {
  std::ifstream file(path);
  Lines lines;
  for (std::string line; std::getline(file, line);) lines.push_back(line);
  return lines;
}

std::string FromHex(std::string_view hex) {
  std::string bytes;
  for (size_t i = 0; i + 1 < hex.size(); i += 2) {
    bytes.push_back(static_cast<char>(std::stoi(std::string(hex.substr(i, 2)), nullptr, 16)));
  }
  return bytes;
}

// The messages of one fixture ("<lsn> <xid> <hex>" lines).
std::vector<std::string> Messages(const std::string& name) {
  std::vector<std::string> messages;
  for (const std::string& line : ReadLines(kDir / (name + ".pgoutput"))) {
    if (line.empty() || line[0] == '#') continue;
    messages.push_back(FromHex(line.substr(line.rfind(' ') + 1)));
  }
  return messages;
}

Lines Decode(const std::string& name) {
  StreamDecoder decoder;
  return testing::Feed(decoder, Messages(name));
}

std::vector<std::string> FixtureNames() {
  std::vector<std::string> names;
  for (const auto& entry : fs::directory_iterator(kDir)) {
    if (entry.path().extension() == ".pgoutput") names.push_back(entry.path().stem());
  }
  std::sort(names.begin(), names.end());
  return names;
}

// The events of a fixture as parsed JSON frames (commit lines skipped).
std::vector<rapidjson::Document> Events(const std::string& name) {
  std::vector<rapidjson::Document> events;
  for (const std::string& line : Decode(name)) {
    if (line.rfind("{", 0) != 0) continue;
    rapidjson::Document& document = events.emplace_back();
    document.Parse(line.c_str());
    EXPECT_FALSE(document.HasParseError()) << line;
  }
  return events;
}

std::string Str(const rapidjson::Value& value) {
  return value.IsString() ? value.GetString() : value.IsNull() ? "<null>" : "<not a string>";
}

const rapidjson::Value& Data(const rapidjson::Document& event) { return event["data"]; }

TEST(Fixtures, DecodeAsRecorded) {
  const bool update = std::getenv("WALCAST_UPDATE_FIXTURES") != nullptr;
  const std::vector<std::string> names = FixtureNames();
  ASSERT_GE(names.size(), 10u) << "fixtures missing in " << kDir;
  for (const std::string& name : names) {
    const Lines lines = Decode(name);
    for (const std::string& line : lines) {
      EXPECT_EQ(line.rfind("error", 0), std::string::npos) << name << ": " << line;
    }
    const fs::path expected = kDir / (name + ".expected");
    if (update) {
      std::ofstream file(expected);
      for (const std::string& line : lines) file << line << "\n";
      continue;
    }
    EXPECT_EQ(lines, ReadLines(expected)) << name << " (re-record: see capture.sh)";
  }
}

TEST(Fixtures, Insert) {
  auto events = Events("insert");
  ASSERT_EQ(events.size(), 1u);
  const auto& d = Data(events[0]);
  EXPECT_EQ(Str(events[0]["event"]), "orders:insert");
  EXPECT_EQ(Str(d["data"]["customer_name"]), "Alice");
  EXPECT_EQ(Str(d["data"]["status"]), "pending");
  EXPECT_TRUE(d["data"]["id"].IsInt());
  EXPECT_TRUE(d["old"].IsNull());
  EXPECT_EQ(Str(d["id"]).size(), 25u);
  EXPECT_EQ(Str(d["timestamp"]).back(), 'Z');
  EXPECT_TRUE(d["xid"].IsUint());
}

TEST(Fixtures, UpdateCarriesOldRowAndChangedColumns) {
  auto events = Events("update");
  ASSERT_EQ(events.size(), 1u);
  const auto& d = Data(events[0]);
  EXPECT_EQ(Str(d["data"]["status"]), "shipped");
  EXPECT_EQ(Str(d["old"]["status"]), "pending");
  ASSERT_TRUE(d["changed"].IsArray());
  ASSERT_EQ(d["changed"].Size(), 2u);  // the schema's trigger bumps updated_at
  EXPECT_EQ(Str(d["changed"][0]), "status");
  EXPECT_EQ(Str(d["changed"][1]), "updated_at");
}

TEST(Fixtures, DeleteCarriesTheDeletedRow) {
  auto events = Events("delete");
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(Str(events[0]["event"]), "orders:delete");
  EXPECT_EQ(Str(Data(events[0])["data"]["customer_name"]), "Alice");
}

TEST(Fixtures, Truncate) {
  auto events = Events("truncate");
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(Str(events[1]["event"]), "orders:truncate");
  EXPECT_TRUE(Data(events[1])["data"].IsNull());
}

TEST(Fixtures, MultiRowTransactionNumbersItsChanges) {
  auto events = Events("multi_row");
  ASSERT_EQ(events.size(), 5u);
  for (size_t i = 0; i < events.size(); ++i) {
    const std::string id = Str(Data(events[i])["id"]);
    EXPECT_EQ(id.substr(17), "0000000" + std::to_string(i)) << id;
    EXPECT_EQ(id.substr(0, 16), Str(Data(events[0])["id"]).substr(0, 16));
  }
  EXPECT_EQ(Str(Data(events[2])["data"]["product_name"]), "Lamp \"Deluxe\"");
  EXPECT_EQ(Str(events[3]["event"]), "orders:update");
  EXPECT_EQ(Str(events[4]["event"]), "orders:delete");
}

TEST(Fixtures, StreamedTransactionDropsTheRolledBackSavepoint) {
  auto events = Events("streamed_savepoint");
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(Str(Data(events[0])["data"]["customer_name"]), "Frank");
  EXPECT_EQ(Str(Data(events[0])["data"]["status"]), "pending");  // its update was rolled back
  EXPECT_EQ(Str(Data(events[1])["data"]["customer_name"]), "Heidi");
  EXPECT_EQ(Str(Data(events[1])["id"]).substr(17), "00000001");
  // It really was streamed: Stream Start ('S') messages are in the fixture.
  size_t starts = 0;
  for (const std::string& message : Messages("streamed_savepoint")) starts += message[0] == 'S';
  EXPECT_GE(starts, 2u);
}

TEST(Fixtures, AlterTableMidTransaction) {
  auto events = Events("alter_table");
  ASSERT_EQ(events.size(), 3u);
  EXPECT_FALSE(Data(events[0])["data"].HasMember("priority"));
  EXPECT_EQ(Data(events[1])["data"]["priority"].GetInt(), 5);
  EXPECT_EQ(Data(events[2])["data"]["priority"].GetInt(), 1);
  EXPECT_EQ(Data(events[2])["old"]["priority"].GetInt(), 0);
}

TEST(Fixtures, ToastValueFilledFromTheOldRow) {
  auto events = Events("toast_full");
  ASSERT_EQ(events.size(), 1u);
  const auto& d = Data(events[0]);
  EXPECT_EQ(Str(d["data"]["product_name"]).size(), 10240u);
  EXPECT_EQ(Str(d["data"]["product_name"]), Str(d["old"]["product_name"]));
  EXPECT_FALSE(d.HasMember("unchanged"));
  ASSERT_EQ(d["changed"].Size(), 1u);
  EXPECT_EQ(Str(d["changed"][0]), "status");
  // The wire really carried it as unchanged TOAST ('u') in the new row.
  const std::string update = Messages("toast_full")[2];
  Result<Message> message = ReadMessage(update, false);
  ASSERT_TRUE(message.ok());
  std::vector<ColumnValue> new_row = std::get<UpdateMessage>(*message).new_tuple.ToVector();
  ASSERT_EQ(new_row.size(), 6u);
  EXPECT_EQ(new_row[2].kind, ColumnKind::kUnchangedToast);
}

TEST(Fixtures, ToastValueWithoutOldRowIsListedAsUnchanged) {
  auto events = Events("toast_default");
  ASSERT_EQ(events.size(), 1u);
  const auto& d = Data(events[0]);
  EXPECT_FALSE(d["data"].HasMember("product_name"));
  ASSERT_TRUE(d["unchanged"].IsArray());
  EXPECT_EQ(Str(d["unchanged"][0]), "product_name");
  EXPECT_TRUE(d["old"].IsNull());
  EXPECT_TRUE(d["changed"].IsNull());
}

TEST(Fixtures, ToastValueResentWhenTheTriggerRewritesTheRow) {
  auto events = Events("toast_trigger");
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(Str(Data(events[0])["data"]["product_name"]).size(), 10240u);
}

TEST(Fixtures, OtherTimeZonesBecomeUtc) {
  auto events = Events("time_zone");
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(Str(Data(events[0])["data"]["created_at"]), "2026-11-24T10:45:54.991053Z");
  bool saw_offset = false;
  for (const std::string& message : Messages("time_zone")) {
    saw_offset |= message.find("+05:30") != std::string::npos;
  }
  EXPECT_TRUE(saw_offset);
}

TEST(Fixtures, LogicalMessagesProduceNoEvents) {
  auto events = Events("messages");
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(Str(Data(events[0])["data"]["customer_name"]), "Leo");
}

TEST(Fixtures, NotifyPayloadsMatchReplicationEvents) {
  const Lines payloads = ReadLines(kDir / "notify.payloads");
  ASSERT_FALSE(payloads.empty());
  NotifyPayloadParser parser;
  std::vector<OrderEvent> events;
  for (const std::string& payload : payloads) {
    Result<OrderEvent> event = parser.Parse(payload, EventId());
    ASSERT_TRUE(event.ok()) << payload << ": " << event.error().ToString();
    events.push_back(std::move(event).value());
  }
  // The first payload is the insert scenario's row: same JSON on both paths (docs/contract.md §2).
  auto replicated = Events("insert");
  ASSERT_EQ(replicated.size(), 1u);
  const std::string frame = Decode("insert")[1];
  EXPECT_NE(frame.find(std::string(events[0].data->json())), std::string::npos)
      << events[0].data->json() << "\n"
      << frame;
}

}  // namespace
}  // namespace walcast::decoder
