#include "tools/cli/refusal_text.h"

#include <gtest/gtest.h>

namespace walcast::cli {
namespace {

TEST(RefusalText, TheEnvelopesErrorAndDetailsReplaceTheJson) {
  EXPECT_EQ(
      RefusalText(
          R"(the server answered 400: {"success":false,"error":"table 'x' is not streamed"})"),
      "the server answered 400: table 'x' is not streamed");
  EXPECT_EQ(RefusalText(
                R"(the server answered 400: {"success":false,"error":"Invalid filter",)"
                R"("details":[{"field":"filter","message":"column age is integer, got 'abc'"}]})"),
            "the server answered 400: Invalid filter; filter column age is integer, got 'abc'");
}

TEST(RefusalText, AnythingElseIsKeptAsItIs) {
  for (std::string reason : {"the server answered 401", "connection refused",
                             R"(the server answered 400: {"success":false,"error":"cut sh)",
                             "the server answered 502: <html>bad gateway</html>",
                             R"(the server answered 400: {"message":"no error member"})"}) {
    EXPECT_EQ(RefusalText(reason), reason);
  }
}

}  // namespace
}  // namespace walcast::cli
