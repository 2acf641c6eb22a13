#include "api/http/stream_request.h"

#include <gtest/gtest.h>

#include "api/guard/access_tokens.h"
#include "api/http/url.h"

namespace walcast::api {
namespace {

using decoder::EventId;
using decoder::Lsn;
using decoder::Operation;

Request Get(std::string target) {
  Request request(http::verb::get, target, 11);
  return request;
}

StreamRequest Accepted(std::variant<StreamRequest, RefusedStream> outcome) {
  EXPECT_TRUE(std::holds_alternative<StreamRequest>(outcome));
  return std::move(std::get<StreamRequest>(outcome));
}

Response Refused(std::variant<StreamRequest, RefusedStream> outcome) {
  EXPECT_TRUE(std::holds_alternative<RefusedStream>(outcome));
  return std::move(std::get<RefusedStream>(outcome).response);
}

TEST(StreamRequest, TakesFromAndFiltersFromTheQuery) {
  StreamContext stream;
  auto parsed = Accepted(ParseStreamRequest(
      Get("/ws?from=0000000001A3F2C8-00000003&status=shipped&operation=delete"), stream, "a"));
  ASSERT_TRUE(std::holds_alternative<EventId>(parsed.from));
  EXPECT_EQ(std::get<EventId>(parsed.from), EventId(Lsn(0x1A3F2C8), 3));
  EXPECT_EQ(parsed.filter.statuses().count("shipped"), 1u);
  EXPECT_EQ(parsed.filter.operations().count(Operation::kDelete), 1u);
  EXPECT_FALSE(parsed.invalid);
  EXPECT_TRUE(parsed.slot);
}

TEST(StreamRequest, LastEventIdHeaderWhenTheQueryHasNoFrom) {
  StreamContext stream;
  Request request = Get("/api/events");
  request.set("Last-Event-ID", "0000000000000100-00000001");
  auto parsed = Accepted(ParseStreamRequest(request, stream, "a"));
  ASSERT_TRUE(std::holds_alternative<EventId>(parsed.from));
  EXPECT_EQ(std::get<EventId>(parsed.from), EventId(Lsn(0x100), 1));
  // The query's `from` wins over the header.
  request.target("/api/events?from=0000000000000200-00000000");
  parsed = Accepted(ParseStreamRequest(request, stream, "a"));
  EXPECT_EQ(std::get<EventId>(parsed.from), EventId(Lsn(0x200), 0));
  // An empty `from` starts live.
  parsed = Accepted(ParseStreamRequest(Get("/api/events?from="), stream, "a"));
  EXPECT_TRUE(std::holds_alternative<std::monostate>(parsed.from));
}

TEST(StreamRequest, MalformedFromOrFilterIsInvalidWithAReason) {
  StreamContext stream;
  auto bad_from = Accepted(ParseStreamRequest(Get("/ws?from=12"), stream, "a"));
  ASSERT_TRUE(bad_from.invalid);
  EXPECT_EQ(bad_from.invalid->result(), http::status::bad_request);
  EXPECT_NE(bad_from.reason.find("invalid from"), std::string::npos);
  auto bad_filter = Accepted(ParseStreamRequest(Get("/ws?status=lost"), stream, "a"));
  ASSERT_TRUE(bad_filter.invalid);
  EXPECT_NE(bad_filter.invalid->body().find("Invalid stream filter"), std::string::npos);
  EXPECT_NE(bad_filter.reason.find("invalid stream filter"), std::string::npos);
}

TEST(StreamRequest, AStreamPositionIsAcceptedWhereAnEventIdIs) {
  StreamContext stream;
  auto position =
      StreamPosition::FromRead(Lsn(0x100), Lsn(0x200), XidSnapshot::Parse("740:750:741").value());
  auto parsed = Accepted(ParseStreamRequest(Get("/ws?from=" + position.ToString()), stream, "a"));
  ASSERT_TRUE(std::holds_alternative<StreamPosition>(parsed.from));
  EXPECT_EQ(std::get<StreamPosition>(parsed.from).ToString(), position.ToString());
  Request request = Get("/api/events");
  request.set("Last-Event-ID", position.ToString());
  parsed = Accepted(ParseStreamRequest(request, stream, "a"));
  EXPECT_TRUE(std::holds_alternative<StreamPosition>(parsed.from));
  // A damaged one is refused with the reason, never taken as "live".
  std::string damaged = position.ToString();
  damaged[5] = damaged[5] == '0' ? '1' : '0';
  parsed = Accepted(ParseStreamRequest(Get("/ws?from=" + damaged), stream, "a"));
  ASSERT_TRUE(parsed.invalid);
  EXPECT_NE(parsed.invalid->body().find("Invalid stream position"), std::string::npos);
  EXPECT_NE(parsed.reason.find("check"), std::string::npos) << parsed.reason;
}

TEST(StreamRequest, WrongOrMissingTokenIsRefused) {
  StreamContext stream;
  stream.authority = std::make_shared<AccessTokens>(AccessTokenOptions{"", "s3cret", nullptr});
  EXPECT_EQ(Refused(ParseStreamRequest(Get("/ws"), stream, "a")).result(),
            http::status::unauthorized);
  EXPECT_EQ(Refused(ParseStreamRequest(Get("/ws?access_token=wrong"), stream, "a")).result(),
            http::status::unauthorized);
  Accepted(ParseStreamRequest(Get("/ws?access_token=s3cret"), stream, "a"));
  Request bearer = Get("/api/events");
  bearer.set(http::field::authorization, "Bearer s3cret");
  Accepted(ParseStreamRequest(bearer, stream, "a"));
}

TEST(StreamRequest, OneSlotPerStreamAndAddressUntilTheLimit) {
  StreamContext stream;
  stream.limiter = std::make_shared<ConnectionLimiter>(1);
  auto first = Accepted(ParseStreamRequest(Get("/ws"), stream, "10.0.0.1"));
  auto refused = Refused(ParseStreamRequest(Get("/ws"), stream, "10.0.0.1"));
  EXPECT_EQ(refused.result(), http::status::too_many_requests);
  EXPECT_EQ(refused[http::field::retry_after], "5");
  Accepted(ParseStreamRequest(Get("/ws"), stream, "10.0.0.2"));  // another address
  first.slot.reset();
  Accepted(ParseStreamRequest(Get("/ws"), stream, "10.0.0.1"));  // the slot came back
}

TEST(StreamFilterFromQuery, ParsesTheFilterParameters) {
  StreamFilter filter;
  ASSERT_FALSE(StreamFilterFromQuery("from=x&status=pending%2Cshipped&order_id=4&operation=delete",
                                     {}, &filter));
  EXPECT_EQ(filter.statuses().size(), 2u);
  EXPECT_EQ(filter.order_ids().count(4), 1u);
  EXPECT_EQ(filter.operations().count(Operation::kDelete), 1u);
  EXPECT_TRUE(StreamFilterFromQuery("status=bogus", {}, &filter).has_value());
}

// A criterion whose encoding is broken is refused: read as absent, it would widen the stream.
TEST(StreamFilterFromQuery, AMalformedCriterionIsRefusedNotIgnored) {
  for (const char* query : {"table=customers%2", "table=a%00", "status=pend%zzing", "order_id=%",
                            "operation=%4", "filter=customers:id=eq.%"}) {
    StreamFilter filter;
    auto error = StreamFilterFromQuery(query, {}, &filter);
    ASSERT_TRUE(error.has_value()) << query;
    EXPECT_NE(error->find("malformed percent-encoding"), std::string::npos) << *error;
  }
  StreamFilter repeated;
  ASSERT_FALSE(
      StreamFilterFromQuery("status=pending&status=shipped&order_id=1&order_id=2", {}, &repeated));
  EXPECT_EQ(repeated.statuses().size(), 2u) << "a repeated criterion adds up";
  EXPECT_EQ(repeated.order_ids().size(), 2u);
}

TEST(QueryParameter, FindsAndDecodes) {
  EXPECT_EQ(QueryParameter("a=1&b=x%20y&c", "b"), "x y");
  EXPECT_EQ(QueryParameter("a=1&b=2", "c"), std::nullopt);
  EXPECT_EQ(QueryParameter("c&a=1", "c"), "");
  EXPECT_EQ(QueryParameter("q=a+b", "q"), "a b");
}

}  // namespace
}  // namespace walcast::api
