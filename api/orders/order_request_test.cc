#include "api/orders/order_request.h"

#include <gtest/gtest.h>

namespace walcast::api::orders {
namespace {

TEST(OrderRequest, OrderIdAcceptsPositiveInt4) {
  EXPECT_EQ(ParseOrderId("1"), 1);
  EXPECT_EQ(ParseOrderId("42"), 42);
  EXPECT_EQ(ParseOrderId("2147483647"), 2147483647);
}

TEST(OrderRequest, OrderIdRejectsEveryBadForm) {
  for (std::string_view bad : {"abc", "1abc", "1.5", "-1", "0", "99999999999", "", " 1", "1 ", "+1",
                               "2147483648", "0x10", "1e3", "١"}) {
    EXPECT_FALSE(ParseOrderId(bad).has_value()) << bad;
  }
  EXPECT_EQ(InvalidOrderId().error, "Invalid order ID");
}

TEST(OrderRequest, ContentTypeJsonWithOptionalCharset) {
  for (std::string_view ok :
       {"application/json", "application/json; charset=utf-8", "Application/JSON;charset=UTF-8",
        "application/json; charset=\"utf-8\""}) {
    EXPECT_FALSE(CheckJsonContentType(ok).has_value()) << ok;
  }
  for (std::string_view bad :
       {"", "text/plain", "application/x-www-form-urlencoded", "application/jsonx",
        "application/json; charset=latin1", "multipart/form-data"}) {
    auto invalid = CheckJsonContentType(bad);
    ASSERT_TRUE(invalid.has_value()) << bad;
    EXPECT_EQ(invalid->status, http::status::unsupported_media_type);
  }
}

struct BodyCase {
  std::string name;
  std::string body;
  std::string error;  // "" when valid
  std::string field;  // the first detail's field
};

TEST(OrderRequest, CreateBodyTable) {
  const std::string long_name(256, 'x');
  std::string max_multibyte;
  for (int i = 0; i < 255; ++i) max_multibyte += "é";  // 255 characters, 510 bytes
  const std::vector<BodyCase> cases = {
      {"valid", R"({"customer_name":"Ann","product_name":"Pen"})", "", ""},
      {"valid with status", R"({"customer_name":"Ann","product_name":"Pen","status":"shipped"})",
       "", ""},
      {"255 two-byte characters",
       R"({"customer_name":")" + max_multibyte + R"(","product_name":"Pen"})", "", ""},
      {"malformed", R"({"customer_name":)", "Invalid JSON", "body"},
      {"empty body", "", "Invalid JSON", "body"},
      {"trailing garbage", R"({"customer_name":"a","product_name":"b"} x)", "Invalid JSON", "body"},
      {"array", R"([1,2])", "Validation failed", "body"},
      {"string", R"("x")", "Validation failed", "body"},
      {"missing customer", R"({"product_name":"Pen"})", "Validation failed", "customer_name"},
      {"missing product", R"({"customer_name":"Ann"})", "Validation failed", "product_name"},
      {"number name", R"({"customer_name":5,"product_name":"Pen"})", "Validation failed",
       "customer_name"},
      {"null name", R"({"customer_name":null,"product_name":"Pen"})", "Validation failed",
       "customer_name"},
      {"object name", R"({"customer_name":{},"product_name":"Pen"})", "Validation failed",
       "customer_name"},
      {"256 characters", R"({"customer_name":")" + long_name + R"(","product_name":"Pen"})",
       "Validation failed", "customer_name"},
      {"whitespace only", R"({"customer_name":"  \t\n ","product_name":"Pen"})",
       "Validation failed", "customer_name"},
      {"empty name", R"({"customer_name":"","product_name":"Pen"})", "Validation failed",
       "customer_name"},
      {"NUL in name", R"({"customer_name":"a\u0000b","product_name":"Pen"})", "Validation failed",
       "customer_name"},
      {"unknown status", R"({"customer_name":"Ann","product_name":"Pen","status":"lost"})",
       "Validation failed", "status"},
      {"status case", R"({"customer_name":"Ann","product_name":"Pen","status":"Pending"})",
       "Validation failed", "status"},
      {"numeric status", R"({"customer_name":"Ann","product_name":"Pen","status":1})",
       "Validation failed", "status"},
      {"invalid UTF-8", "{\"customer_name\":\"\xff\xfe\",\"product_name\":\"Pen\"}", "Invalid JSON",
       "body"},
  };
  for (const auto& c : cases) {
    OrderFields fields;
    auto invalid = ParseCreateBody(c.body, &fields);
    if (c.error.empty()) {
      EXPECT_FALSE(invalid.has_value()) << c.name << ": " << invalid->details[0].message;
      continue;
    }
    ASSERT_TRUE(invalid.has_value()) << c.name;
    EXPECT_EQ(invalid->status, http::status::bad_request) << c.name;
    EXPECT_EQ(invalid->error, c.error) << c.name;
    ASSERT_FALSE(invalid->details.empty()) << c.name;
    EXPECT_EQ(invalid->details[0].field, c.field) << c.name;
  }
}

TEST(OrderRequest, CreateTrimsNamesAndDefaultsStatus) {
  OrderFields fields;
  ASSERT_FALSE(ParseCreateBody(R"({"customer_name":"  Ann ","product_name":"\tPen\n"})", &fields));
  EXPECT_EQ(fields.customer_name, "Ann");
  EXPECT_EQ(fields.product_name, "Pen");
  EXPECT_EQ(fields.status, "pending");
}

TEST(OrderRequest, CreateReportsEveryBadField) {
  OrderFields fields;
  auto invalid = ParseCreateBody(R"({"customer_name":1,"status":"x"})", &fields);
  ASSERT_TRUE(invalid);
  EXPECT_EQ(invalid->details.size(), 3u);
}

TEST(OrderRequest, UpdateBodyTable) {
  const std::vector<BodyCase> cases = {
      {"status only", R"({"status":"delivered"})", "", ""},
      {"name only", R"({"customer_name":"Bob"})", "", ""},
      {"empty object", R"({})", "Validation failed", "body"},
      {"unknown fields only", R"({"foo":1})", "Validation failed", "body"},
      {"bad status", R"({"status":"gone"})", "Validation failed", "status"},
      {"blank name", R"({"product_name":"   "})", "Validation failed", "product_name"},
      {"malformed", R"({"status":)", "Invalid JSON", "body"},
  };
  for (const auto& c : cases) {
    OrderFields fields;
    auto invalid = ParseUpdateBody(c.body, &fields);
    if (c.error.empty()) {
      EXPECT_FALSE(invalid.has_value()) << c.name;
      continue;
    }
    ASSERT_TRUE(invalid.has_value()) << c.name;
    EXPECT_EQ(invalid->error, c.error) << c.name;
    EXPECT_EQ(invalid->details.at(0).field, c.field) << c.name;
  }
}

TEST(OrderRequest, BulkBodyTable) {
  std::string ids_1000 = "[", ids_1001 = "[";
  for (int i = 1; i <= 1001; ++i) {
    if (i <= 1000) ids_1000 += (i > 1 ? "," : "") + std::to_string(i);
    ids_1001 += (i > 1 ? "," : "") + std::to_string(i);
  }
  ids_1000 += "]";
  ids_1001 += "]";
  const std::vector<BodyCase> cases = {
      {"valid", R"({"order_ids":[1,2,3],"status":"shipped"})", "", ""},
      {"1000 ids", R"({"order_ids":)" + ids_1000 + R"(,"status":"shipped"})", "", ""},
      {"1001 ids", R"({"order_ids":)" + ids_1001 + R"(,"status":"shipped"})", "Validation failed",
       "order_ids"},
      {"empty", R"({"order_ids":[],"status":"shipped"})", "Validation failed", "order_ids"},
      {"not an array", R"({"order_ids":"1,2","status":"shipped"})", "Validation failed",
       "order_ids"},
      {"object", R"({"order_ids":{"a":1},"status":"shipped"})", "Validation failed", "order_ids"},
      {"string id", R"({"order_ids":[1,"2"],"status":"shipped"})", "Validation failed",
       "order_ids"},
      {"fraction", R"({"order_ids":[1.5],"status":"shipped"})", "Validation failed", "order_ids"},
      {"zero", R"({"order_ids":[0],"status":"shipped"})", "Validation failed", "order_ids"},
      {"negative", R"({"order_ids":[-3],"status":"shipped"})", "Validation failed", "order_ids"},
      {"beyond int4", R"({"order_ids":[99999999999],"status":"shipped"})", "Validation failed",
       "order_ids"},
      {"missing ids", R"({"status":"shipped"})", "Validation failed", "order_ids"},
      {"missing status", R"({"order_ids":[1]})", "Validation failed", "status"},
      {"bad status", R"({"order_ids":[1],"status":"x"})", "Validation failed", "status"},
      {"malformed", R"({"order_ids":[1,)", "Invalid JSON", "body"},
  };
  for (const auto& c : cases) {
    BulkStatus bulk;
    auto invalid = ParseBulkStatusBody(c.body, &bulk);
    if (c.error.empty()) {
      EXPECT_FALSE(invalid.has_value()) << c.name;
      continue;
    }
    ASSERT_TRUE(invalid.has_value()) << c.name;
    EXPECT_EQ(invalid->error, c.error) << c.name;
    EXPECT_EQ(invalid->details.at(0).field, c.field) << c.name;
  }
}

struct QueryCase {
  std::string query;
  bool ok;
  std::string field;
};

TEST(OrderRequest, ListQueryTable) {
  const std::vector<QueryCase> cases = {
      {"", true, ""},
      {"limit=1&offset=0", true, ""},
      {"limit=1000", true, ""},
      {"limit=&offset=", true, ""},
      {"status=shipped&customer_name=a%25b", true, ""},
      {"limit=0", false, "limit"},
      {"limit=1001", false, "limit"},
      {"limit=abc", false, "limit"},
      {"limit=-5", false, "limit"},
      {"limit=1.5", false, "limit"},
      {"limit=99999999999999999999", false, "limit"},
      {"offset=-1", false, "offset"},
      {"offset=x", false, "offset"},
      {"status=lost", false, "status"},
      {"status=%zz", false, "status"},
  };
  for (const auto& c : cases) {
    ListQuery query;
    auto invalid = ParseListQuery(c.query, &query);
    EXPECT_EQ(!invalid.has_value(), c.ok) << c.query;
    if (invalid) {
      EXPECT_EQ(invalid->details.at(0).field, c.field) << c.query;
    }
  }
  ListQuery query;
  ASSERT_FALSE(ParseListQuery("", &query));
  EXPECT_EQ(query.limit, 50);
  EXPECT_EQ(query.offset, 0);
}

TEST(OrderRequest, RecentQueryTable) {
  for (std::string_view ok : {"", "hours=1", "hours=720&limit=10"}) {
    RecentQuery query;
    EXPECT_FALSE(ParseRecentQuery(ok, &query)) << ok;
  }
  for (std::string_view bad : {"hours=0", "hours=721", "hours=abc", "hours=-1", "limit=0"}) {
    RecentQuery query;
    EXPECT_TRUE(ParseRecentQuery(bad, &query)) << bad;
  }
}

TEST(OrderRequest, SearchQueryTable) {
  const std::vector<QueryCase> cases = {
      {"search=ann&status=pending&sort_by=id&sort_order=asc", true, ""},
      {"date_from=2026-01-01&date_to=2026-01-31", true, ""},
      {"date_from=2026-01-01T10:00:00Z&date_to=2026-01-01T12:00:00%2B02:00", true, ""},
      {"date_from=yesterday", false, "date_from"},
      {"date_from=2026-13-01", false, "date_from"},
      {"date_to=2026-02-30", false, "date_to"},
      {"date_to=2026-01-01T25:00:00Z", false, "date_to"},
      {"date_from=1'; DROP TABLE orders;--", false, "date_from"},
      {"sort_by=password", false, "sort_by"},
      {"sort_by=id;DROP", false, "sort_by"},
      {"sort_order=up", false, "sort_order"},
      {"limit=5000", false, "limit"},
      {"offset=abc", false, "offset"},
  };
  for (const auto& c : cases) {
    SearchQuery query;
    auto invalid = ParseSearchQuery(c.query, &query);
    EXPECT_EQ(!invalid.has_value(), c.ok) << c.query;
    if (invalid) {
      EXPECT_EQ(invalid->details.at(0).field, c.field) << c.query;
    }
  }
}

TEST(OrderRequest, SearchDateToIncludesTheWholeDay) {
  SearchQuery query;
  ASSERT_FALSE(ParseSearchQuery("date_from=2026-01-31&date_to=2026-01-31", &query));
  EXPECT_EQ(query.from_bound, "2026-01-31T00:00:00.000000Z");
  EXPECT_EQ(query.to_bound, "2026-02-01T00:00:00.000000Z");
  EXPECT_TRUE(query.to_exclusive);
  EXPECT_EQ(query.date_to, "2026-01-31");
}

TEST(OrderRequest, SearchTimeIsConvertedToUtc) {
  SearchQuery query;
  ASSERT_FALSE(ParseSearchQuery("date_to=2026-01-01T12:00:00%2B02:00", &query));
  EXPECT_EQ(query.to_bound, "2026-01-01T10:00:00.000000Z");
  EXPECT_FALSE(query.to_exclusive);
}

TEST(OrderRequest, ExportFormat) {
  ExportFormat format;
  ASSERT_FALSE(ParseExportQuery("format=csv", &format));
  EXPECT_EQ(format, ExportFormat::kCsv);
  ASSERT_FALSE(ParseExportQuery("", &format));
  EXPECT_EQ(format, ExportFormat::kJson);
  EXPECT_TRUE(ParseExportQuery("format=xml", &format));
}

TEST(OrderRequest, ContainsPatternEscapesWildcards) {
  EXPECT_EQ(ContainsPattern("ann"), "%ann%");
  EXPECT_EQ(ContainsPattern("50%_off\\"), "%50\\%\\_off\\\\%");
}

TEST(OrderRequest, Utf8Length) {
  EXPECT_EQ(Utf8Length("abc"), 3u);
  EXPECT_EQ(Utf8Length("é€😀"), 3u);
  EXPECT_FALSE(Utf8Length("\xff"));
  EXPECT_FALSE(Utf8Length("\xc3"));
  EXPECT_FALSE(Utf8Length("\xe2\x82"));
}

}  // namespace
}  // namespace walcast::api::orders
