// fetchUrl (controller/url_fetch.h) against a local cpp-httplib server: the body of a 200,
// the status of anything else, the size cap, a refused connection and a malformed URL.
#include "controller/url_fetch.h"

#include <gtest/gtest.h>
#include <httplib.h>

#include <thread>

namespace piherd {
namespace {

class UrlFetchTest : public ::testing::Test {
 protected:
  void SetUp() override {
    server_.Get("/calico.yaml", [](const httplib::Request&, httplib::Response& res) {
      res.set_content("kind: DaemonSet\n", "application/yaml");
    });
    server_.Get("/moved", [](const httplib::Request&, httplib::Response& res) {
      res.set_redirect("/calico.yaml");
    });
    server_.Get("/big", [](const httplib::Request&, httplib::Response& res) {
      res.set_content(std::string(4096, 'x'), "text/plain");
    });
    port_ = server_.bind_to_any_port("127.0.0.1");
    ASSERT_GT(port_, 0);
    thread_ = std::thread([this] { server_.listen_after_bind(); });
    while (!server_.is_running()) std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  void TearDown() override {
    server_.stop();
    thread_.join();
  }
  std::string url(const std::string& path) {
    return "http://127.0.0.1:" + std::to_string(port_) + path;
  }
  httplib::Server server_;
  int port_ = 0;
  std::thread thread_;
};

TEST_F(UrlFetchTest, ABodyIsFetchedAndRedirectsAreFollowed) {
  auto body = fetchUrl(url("/calico.yaml"));
  ASSERT_TRUE(body) << body.error().message;
  EXPECT_EQ(*body, "kind: DaemonSet\n");
  body = fetchUrl(url("/moved"));
  ASSERT_TRUE(body) << body.error().message;
  EXPECT_EQ(*body, "kind: DaemonSet\n");
}

TEST_F(UrlFetchTest, AnotherStatusALargeBodyAndNoServerAreErrors) {
  auto r = fetchUrl(url("/missing"));
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ErrorCode::kUnavailable);
  EXPECT_NE(r.error().message.find("404"), std::string::npos) << r.error().message;
  r = fetchUrl(url("/big"), {.maxBytes = 1024});
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ErrorCode::kFailedPrecondition);
  server_.stop();
  r = fetchUrl(url("/calico.yaml"), {.timeout = std::chrono::seconds(2)});
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ErrorCode::kUnavailable);
}

TEST(UrlFetchParseTest, OnlyHttpUrlsAreTaken) {
  EXPECT_TRUE(isHttpUrl("https://example.invalid/calico.yaml"));
  EXPECT_FALSE(isHttpUrl("calico.yaml"));
  auto r = fetchUrl("http://");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ErrorCode::kInvalidArgument);
}

}  // namespace
}  // namespace piherd
