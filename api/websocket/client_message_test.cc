#include "api/websocket/client_message.h"

#include <gtest/gtest.h>
#include <rapidjson/document.h>

namespace walcast::api {
namespace {

std::string ErrorOf(const ClientMessage& message) {
  auto* error = std::get_if<ClientMessageError>(&message);
  return error ? error->reason : "";
}

TEST(ClientMessage, Subscribe) {
  auto message = ParseClientMessage(
      R"({"event":"subscribe","data":{"orderIds":[1,2],"statuses":["shipped"],"operations":["update","delete"]}})",
      {});
  auto* subscribe = std::get_if<SubscribeMessage>(&message);
  ASSERT_NE(subscribe, nullptr) << ErrorOf(message);
  EXPECT_EQ(subscribe->filter.order_ids(), (std::set<int64_t>{1, 2}));
  EXPECT_EQ(subscribe->filter.statuses(), (std::set<std::string>{"shipped"}));
  EXPECT_EQ(subscribe->filter.operations().size(), 2u);
}

TEST(ClientMessage, Unsubscribe) {
  auto message =
      ParseClientMessage(R"({"event":"unsubscribe","data":{"statuses":["pending"]}})", {});
  ASSERT_NE(std::get_if<UnsubscribeMessage>(&message), nullptr) << ErrorOf(message);
}

// An unsubscribe's tables and filters are names, not checked against the (here empty) catalog:
// a table or column dropped since can still be removed.
TEST(ClientMessage, UnsubscribeNamesTablesAndFiltersWithoutTheCatalog) {
  auto message = ParseClientMessage(
      R"({"event":"unsubscribe","data":{"tables":["gone"],"filters":["customers:gone=eq.1"]}})",
      {});
  auto* unsubscribe = std::get_if<UnsubscribeMessage>(&message);
  ASSERT_NE(unsubscribe, nullptr) << ErrorOf(message);
  EXPECT_EQ(unsubscribe->tables, std::vector<std::string>{"gone"});
  EXPECT_EQ(unsubscribe->filters, std::vector<std::string>{"customers:gone=eq.1"});
  EXPECT_EQ(ErrorOf(ParseClientMessage(R"({"event":"unsubscribe","data":{"filters":[1]}})", {})),
            "filters must be an array of strings");
  EXPECT_NE(ErrorOf(ParseClientMessage(R"({"event":"subscribe","data":{"tables":["gone"]}})", {}))
                .find("is not streamed"),
            std::string::npos)
      << "a subscribe is checked";
}

TEST(ClientMessage, PingEchoesItsPayload) {
  auto message = ParseClientMessage(R"({"event":"ping","data":{"timestamp":1732445154991}})", {});
  auto* ping = std::get_if<PingMessage>(&message);
  ASSERT_NE(ping, nullptr);
  EXPECT_EQ(ping->payload_json, R"({"timestamp":1732445154991})");
  rapidjson::Document pong;
  pong.Parse(PongMessage(ping->payload_json, "2026-11-24T10:45:54.991053Z").c_str());
  ASSERT_FALSE(pong.HasParseError());
  EXPECT_STREQ(pong["event"].GetString(), "pong");
  EXPECT_EQ(pong["data"]["timestamp"]["timestamp"].GetInt64(), 1732445154991);
  EXPECT_STREQ(pong["data"]["serverTime"].GetString(), "2026-11-24T10:45:54.991053Z");
  auto bare = ParseClientMessage(R"({"event":"ping"})", {});
  EXPECT_EQ(std::get<PingMessage>(bare).payload_json, "null");
}

TEST(ClientMessage, MalformedInputGetsAReason) {
  struct Case {
    const char* text;
    const char* reason_part;
  } cases[] = {
      {"not json", "malformed JSON"},
      {"[1,2]", "JSON object"},
      {R"({"data":{}})", "missing string field event"},
      {R"({"event":42})", "missing string field event"},
      {R"({"event":"dance"})", "unknown event dance"},
      {R"({"event":"subscribe"})", "data must be an object"},
      {R"({"event":"subscribe","data":{}})", "at least one"},
      {R"({"event":"subscribe","data":{"orderIds":"1"}})", "must be an array"},
      {R"({"event":"subscribe","data":{"orderIds":["1"]}})", "must hold integers"},
      {R"({"event":"subscribe","data":{"orderIds":[-3]}})", "positive"},
      {R"({"event":"subscribe","data":{"statuses":["lost"]}})", "pending, shipped or delivered"},
      {R"({"event":"subscribe","data":{"statuses":["pending,shipped"]}})", "commas"},
      {R"({"event":"subscribe","data":{"operations":["upsert"]}})", "insert, update"},
      {R"({"event":"subscribe","data":{"colour":["red"]}})", "unknown field colour"},
  };
  for (const auto& c : cases) {
    EXPECT_NE(ErrorOf(ParseClientMessage(c.text, {})).find(c.reason_part), std::string::npos)
        << c.text << " -> " << ErrorOf(ParseClientMessage(c.text, {}));
  }
}

}  // namespace
}  // namespace walcast::api
