// Watches over HTTPS (kube_test_server.h): streamed events and bookmarks, a stream cut inside
// an event, 410 Expired as an ERROR event and as an HTTP status, stopping a quiet watch from
// another thread, and the Reflector's list-watch-relist cycle.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <atomic>

#include "kube/reflector.h"
#include "kube/watch_decoder.h"
#include "tests/unit/kube_client_test_support.h"

namespace piherd::kube::testing {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

// Serves `body` as a chunked watch stream, in pieces of `piece` bytes; `cut` drops the
// connection at the end instead of closing the stream properly.
void streamBody(httplib::Response& res, std::string body, std::size_t piece, bool cut) {
  res.set_chunked_content_provider("application/json",
                                   [body, piece, cut](size_t offset, httplib::DataSink& sink) {
                                     if (offset < body.size()) {
                                       const std::size_t n = std::min(piece, body.size() - offset);
                                       sink.write(body.data() + offset, n);
                                       return true;
                                     }
                                     if (cut) return false;
                                     sink.done();
                                     return true;
                                   });
}

std::vector<std::string> names(const std::vector<WatchEvent>& events) {
  std::vector<std::string> out;
  for (const WatchEvent& e : events) {
    out.push_back(std::string(watchEventTypeName(e.type)) + " " + e.resourceVersion());
  }
  return out;
}

TEST_F(KubeClientFixture, WatchStreamsEventsAndBookmarks) {
  server_.setHandler([](const SeenRequest&, httplib::Response& res) {
    streamBody(res, ev("ADDED", "n1", "11") + ev("BOOKMARK", "", "12") + ev("MODIFIED", "n1", "13"),
               7, false);  // events split across chunks
  });
  std::vector<WatchEvent> seen;
  WatchOptions o;
  o.resourceVersion = "10";
  o.timeoutSeconds = 30;
  Status s = client()->watch(resources::nodes(), "", o, [&](const WatchEvent& e) {
    seen.push_back(e);
    return true;
  });
  ASSERT_TRUE(s) << s.error().toString();
  EXPECT_THAT(names(seen), ElementsAre("ADDED 11", "BOOKMARK 12", "MODIFIED 13"));
  EXPECT_EQ(seen[0].object["metadata"]["name"], "n1");
  const SeenRequest req = server_.requests().at(0);
  EXPECT_EQ(req.path, "/api/v1/nodes");
  EXPECT_EQ(req.param("watch"), "true");
  EXPECT_EQ(req.param("resourceVersion"), "10");
  EXPECT_EQ(req.param("allowWatchBookmarks"), "true");
  EXPECT_EQ(req.param("timeoutSeconds"), "30");
}

TEST_F(KubeClientFixture, WatchCutMidEventDeliversOnlyWholeEvents) {
  for (bool cut : {false, true}) {
    server_.setHandler([cut](const SeenRequest&, httplib::Response& res) {
      const std::string partial = ev("MODIFIED", "n1", "99");
      streamBody(res, ev("ADDED", "n1", "11") + partial.substr(0, partial.size() / 2), 1 << 20,
                 cut);
    });
    std::vector<WatchEvent> seen;
    Status s = client()->watch(resources::nodes(), "", {}, [&](const WatchEvent& e) {
      seen.push_back(e);
      return true;
    });
    ASSERT_FALSE(s) << "cut=" << cut;
    EXPECT_EQ(s.error().code, ErrorCode::kUnavailable);  // retry: resume from version 11
    EXPECT_THAT(s.error().message, HasSubstr("stream ended inside an event")) << s.error().message;
    EXPECT_THAT(names(seen), ElementsAre("ADDED 11")) << "cut=" << cut;
  }
}

TEST_F(KubeClientFixture, WatchTooOldVersionIsExpired) {
  const std::string gone =
      nlohmann::json{{"type", "ERROR"},
                     {"object", nlohmann::json::parse(statusBody(
                                    410, "Expired", "too old resource version: 5 (40)"))}}
          .dump() +
      "\n";
  server_.setHandler([&](const SeenRequest& r, httplib::Response& res) {
    if (r.param("resourceVersion") == "5") {
      streamBody(res, gone, 1 << 20, false);  // the real server: 200, then an ERROR event
    } else {
      replyStatus(res, 410, "Gone", "gone");  // an HTTP 410 is handled the same way
    }
  });
  WatchOptions o;
  o.resourceVersion = "5";
  Status s = client()->watch(resources::nodes(), "", o, [](const WatchEvent&) { return true; });
  ASSERT_FALSE(s);
  EXPECT_EQ(s.error().code, ErrorCode::kExpired);
  EXPECT_THAT(s.error().message, HasSubstr("too old resource version"));
  o.resourceVersion = "6";
  Status http = client()->watch(resources::nodes(), "", o, [](const WatchEvent&) { return true; });
  ASSERT_FALSE(http);
  EXPECT_EQ(http.error().code, ErrorCode::kExpired);
}

TEST_F(KubeClientFixture, WatchStopEndsAQuietStream) {
  std::atomic<bool> finished{false};
  server_.setHandler([&](const SeenRequest&, httplib::Response& res) {
    res.set_chunked_content_provider("application/json",
                                     [&](size_t offset, httplib::DataSink& sink) {
                                       if (offset == 0) {
                                         const std::string e = ev("ADDED", "n1", "11");
                                         sink.write(e.data(), e.size());
                                         return true;
                                       }
                                       // Quiet: poll until the client went away or the test ended.
                                       while (!finished && sink.is_writable()) {
                                         std::this_thread::sleep_for(std::chrono::milliseconds(5));
                                       }
                                       return false;
                                     });
  });
  WatchStop stop;
  WatchOptions o;
  o.stop = &stop;
  std::atomic<int> events{0};
  auto c = client();
  std::thread watcher([&] {
    Status s = c->watch(resources::nodes(), "", o, [&](const WatchEvent&) {
      ++events;
      return true;
    });
    EXPECT_TRUE(s) << s.error().toString();
    finished = true;
  });
  while (events == 0) std::this_thread::yield();  // poll: the stream is up
  stop.request();
  watcher.join();
  EXPECT_TRUE(finished);
  EXPECT_EQ(events, 1);
}

TEST(WatchDecoderTest, HandlerCanStopAndMalformedLinesFail) {
  int calls = 0;
  WatchHandler stopAfterOne = [&](const WatchEvent&) { return ++calls < 1; };
  WatchDecoder d("w", stopAfterOne);
  EXPECT_FALSE(d.feed(ev("ADDED", "a", "1") + ev("ADDED", "b", "2")));
  EXPECT_TRUE(d.stoppedByHandler());
  EXPECT_EQ(calls, 1);
  EXPECT_FALSE(d.finish());

  WatchHandler all = [](const WatchEvent&) { return true; };
  WatchDecoder bad("w", all);
  EXPECT_FALSE(bad.feed("{not json}\n"));
  ASSERT_TRUE(bad.finish());
  EXPECT_EQ(bad.finish()->code, ErrorCode::kUnavailable);
}

// List (rv 10) -> watch from 10 gets 410 -> relist (rv 20) -> watch from 20: a bookmark
// and an update, then the server ends the stream.
TEST_F(KubeClientFixture, ReflectorRelistsAfterExpiredAndFollowsBookmarks) {
  std::atomic<int> lists{0};
  server_.setHandler([&](const SeenRequest& r, httplib::Response& res) {
    if (r.param("watch").empty()) {
      const bool first = lists++ == 0;
      nlohmann::json list = {{"kind", "NodeList"},
                             {"apiVersion", "v1"},
                             {"metadata", {{"resourceVersion", first ? "10" : "20"}}},
                             {"items", nlohmann::json::array()}};
      list["items"].push_back({{"metadata", {{"name", "n1"}, {"resourceVersion", "9"}}}});
      if (!first) list["items"].push_back({{"metadata", {{"name", "n2"}}}});
      res.set_content(list.dump(), "application/json");
    } else if (r.param("resourceVersion") == "10") {
      replyStatus(res, 410, "Expired", "too old resource version: 10 (15)");
    } else {
      streamBody(res, ev("BOOKMARK", "", "25") + ev("MODIFIED", "n2", "26"), 1 << 20, false);
    }
  });
  auto c = client();
  std::vector<std::size_t> replaced;
  std::vector<WatchEvent> events;
  ReflectorOptions o;
  o.labelSelector = "role=cp";
  Reflector reflector(*c, resources::nodes(), o,
                      {[&](const std::vector<Json>& items, const std::string&) {
                         replaced.push_back(items.size());
                       },
                       [&](const WatchEvent& e) { events.push_back(e); }});
  Status first = reflector.step();
  ASSERT_FALSE(first);
  EXPECT_EQ(first.error().code, ErrorCode::kExpired);
  EXPECT_EQ(reflector.resourceVersion(), "");  // forces the relist
  Status second = reflector.step();
  ASSERT_TRUE(second) << second.error().toString();
  EXPECT_EQ(reflector.lists(), 2);
  EXPECT_THAT(replaced, ElementsAre(1u, 2u));
  EXPECT_THAT(names(events), ElementsAre("MODIFIED 26"));  // bookmarks are not events
  EXPECT_EQ(reflector.resourceVersion(), "26");
  std::vector<std::string> watchedFrom;
  for (const SeenRequest& r : server_.requests()) {
    EXPECT_EQ(r.param("labelSelector"), "role=cp");
    if (!r.param("watch").empty()) watchedFrom.push_back(r.param("resourceVersion"));
  }
  EXPECT_THAT(watchedFrom, ElementsAre("10", "20"));
  // The next step resumes from the last event without listing.
  ASSERT_TRUE(reflector.step());
  EXPECT_EQ(reflector.lists(), 2);
  EXPECT_EQ(server_.requests().back().param("resourceVersion"), "26");
}

}  // namespace
}  // namespace piherd::kube::testing
