#include "api/http/static_files.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "api/http/url.h"

namespace walcast::api {
namespace {

namespace fs = std::filesystem;

class StaticFilesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    base_ = fs::temp_directory_path() /
            ("walcast-static-" +
             std::string(::testing::UnitTest::GetInstance()->current_test_info()->name()));
    fs::remove_all(base_);
    fs::create_directories(base_ / "web" / "css");
    std::ofstream(base_ / "web" / "index.html") << "index";
    std::ofstream(base_ / "web" / "css" / "site.css") << "body{}";
    std::ofstream(base_ / "web" / ".secret") << "hidden";
    std::ofstream(base_ / "outside.txt") << "outside";
    fs::create_symlink(base_ / "outside.txt", base_ / "web" / "link.txt");
  }
  void TearDown() override { fs::remove_all(base_); }

  StaticFiles Files() { return StaticFiles((base_ / "web").string()); }
  fs::path base_;
};

TEST_F(StaticFilesTest, ServesFilesAndDirectoryIndex) {
  auto files = Files();
  EXPECT_EQ(files.Serve("/", false)->body(), "index");
  EXPECT_EQ(files.Serve("/css/site.css", false)->body(), "body{}");
  EXPECT_EQ(files.Serve("/css%2Fsite.css", false)->body(), "body{}");
}

TEST_F(StaticFilesTest, RefusesTraversalHiddenAndSymlinkEscape) {
  auto files = Files();
  for (const char* path :
       {"/../outside.txt", "/css/../../outside.txt", "/%2e%2e/outside.txt", "/.secret", "/link.txt",
        "/css\\..\\..\\outside.txt", "/index.html%00", "/%zz", "/%", "relative.html", ""}) {
    EXPECT_FALSE(files.Serve(path, false).has_value()) << path;
  }
}

TEST_F(StaticFilesTest, MissingFileIsNullopt) {
  EXPECT_FALSE(Files().Serve("/nope.html", false).has_value());
}

TEST(DecodeUrlPath, DecodesAndRejectsMalformed) {
  EXPECT_EQ(DecodeUrlPath("/a%20b"), "/a b");
  EXPECT_EQ(DecodeUrlPath("/plain"), "/plain");
  EXPECT_FALSE(DecodeUrlPath("/a%2"));
  EXPECT_FALSE(DecodeUrlPath("/a%g0"));
  EXPECT_FALSE(DecodeUrlPath("/a%00"));
}

TEST(MimeType, KnowsTheUiTypes) {
  EXPECT_EQ(MimeType("x.html"), "text/html; charset=utf-8");
  EXPECT_EQ(MimeType("x.css"), "text/css; charset=utf-8");
  EXPECT_EQ(MimeType("x.js"), "text/javascript; charset=utf-8");
  EXPECT_EQ(MimeType("x.unknown"), "application/octet-stream");
  EXPECT_EQ(MimeType("noext"), "application/octet-stream");
}

}  // namespace
}  // namespace walcast::api
