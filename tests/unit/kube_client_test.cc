// HttpKubeClient against an in-process HTTPS server (kube_test_server.h): TLS verification,
// client-certificate and bearer-token authentication, request shapes (paths, selectors,
// server-side apply), error mapping, status-update conflict retry, timeouts.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <condition_variable>
#include <filesystem>
#include <fstream>

#include "platform/base64.h"
#include "tests/unit/kube_client_test_support.h"

namespace piherd::kube::testing {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

const nlohmann::json kNode = {{"apiVersion", "v1"},
                              {"kind", "Node"},
                              {"metadata", {{"name", "n1"}, {"resourceVersion", "7"}}}};

TEST_F(KubeClientFixture, GetWithClientCertificate) {
  server_.setHandler([](const SeenRequest& r, httplib::Response& res) {
    if (r.method == "GET" && r.path == "/api/v1/nodes/n1") {
      res.set_content(kNode.dump(), "application/json");
    } else {
      replyStatus(res, 404, "NotFound", "nodes \"x\" not found");
    }
  });
  auto c = client();
  Result<Json> node = c->get(resources::nodes(), "", "n1");
  ASSERT_TRUE(node) << node.error().toString();
  EXPECT_EQ((*node)["metadata"]["name"], "n1");
  ASSERT_EQ(server_.requests().size(), 1u);
  EXPECT_EQ(server_.requests()[0].user, "admin");  // authenticated by the certificate

  Result<Json> missing = c->get(resources::nodes(), "", "x");
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().code, ErrorCode::kNotFound);
  EXPECT_THAT(missing.error().message, HasSubstr("nodes \"x\" not found"));
}

// admin.conf-style: everything inline; the file is all a fleet test needs to hand over.
TEST_F(KubeClientFixture, KubeconfigFileEndToEnd) {
  server_.setHandler([](const SeenRequest& r, httplib::Response& res) {
    if (r.method == "DELETE") return;  // 200 without a body
    res.set_content(kNode.dump(), "application/json");
  });
  const auto path = std::filesystem::temp_directory_path() /
                    ("piherd-kube-admin-" + std::to_string(::getpid()) + ".conf");
  std::ofstream(path) << "apiVersion: v1\nkind: Config\ncurrent-context: admin@k\n"
                      << "clusters:\n- name: k\n  cluster:\n    server: " << server_.url()
                      << "\n    certificate-authority-data: " << base64Encode(ca_.pem())
                      << "\nusers:\n- name: admin\n  user:\n    client-certificate-data: "
                      << base64Encode(admin_.certPem)
                      << "\n    client-key-data: " << base64Encode(admin_.keyPem)
                      << "\ncontexts:\n- name: admin@k\n  context: {cluster: k, user: admin}\n";
  Result<std::unique_ptr<HttpKubeClient>> c = HttpKubeClient::fromKubeconfig(path.string(), fast());
  std::filesystem::remove(path);
  ASSERT_TRUE(c) << c.error().toString();
  Result<Json> node = (*c)->get(resources::nodes(), "", "n1");
  ASSERT_TRUE(node) << node.error().toString();
  EXPECT_EQ((*node)["metadata"]["resourceVersion"], "7");
  EXPECT_TRUE((*c)->remove(resources::nodes(), "", "n1"));
  EXPECT_EQ(server_.requests().at(0).user, "admin");
}

TEST_F(KubeClientFixture, BearerTokenAndTokenFileReadPerRequest) {
  server_.setHandler([](const SeenRequest&, httplib::Response& res) {
    res.set_content(kNode.dump(), "application/json");
  });
  KubeConfig c = config();
  c.clientCertPem.clear();
  c.clientKeyPem.clear();
  c.bearerToken = "t0ken-value";
  ASSERT_TRUE(client(c)->get(resources::nodes(), "", "n1"));
  EXPECT_EQ(server_.requests().back().user, "token-user");

  const auto file =
      std::filesystem::temp_directory_path() / ("piherd-kube-token-" + std::to_string(::getpid()));
  std::ofstream(file) << "t0ken-value\n";
  c.bearerToken.clear();
  c.tokenFile = file.string();
  auto fromFile = client(c);
  ASSERT_TRUE(fromFile->get(resources::nodes(), "", "n1"));
  std::ofstream(file) << "rotated-but-wrong\n";
  Result<Json> refused = fromFile->get(resources::nodes(), "", "n1");
  std::filesystem::remove(file);
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().code, ErrorCode::kPermissionDenied);
  EXPECT_THAT(refused.error().message, HasSubstr("401"));
  EXPECT_THAT(refused.error().message, Not(HasSubstr("rotated-but-wrong")));
}

TEST_F(KubeClientFixture, RefusesAServerSignedByAnotherCa) {
  TestCa other("other-ca");
  KubeConfig c = config();
  c.caPem = other.pem();
  Result<Json> r = client(c)->get(resources::nodes(), "", "n1");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ErrorCode::kPermissionDenied);
  EXPECT_THAT(r.error().message, HasSubstr("not trusted"));
  EXPECT_TRUE(server_.requests().empty());  // no request left the client
}

TEST_F(KubeClientFixture, RefusesACertificateForAnotherHost) {
  TestApiServer wrongName(ca_.issue("kube-apiserver", {}, "DNS:other.example,IP:10.9.9.9"),
                          ca_.pem());
  KubeConfig c = config();
  c.server = wrongName.url();
  Result<Json> r = client(c)->get(resources::nodes(), "", "n1");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ErrorCode::kPermissionDenied);
  EXPECT_TRUE(wrongName.requests().empty());
}

TEST_F(KubeClientFixture, RejectsAClientKeyOfAnotherCertificate) {
  KubeConfig c = config();
  c.clientKeyPem = ca_.issue("someone", {}, "").keyPem;
  Result<std::unique_ptr<HttpKubeClient>> made = HttpKubeClient::create(c, fast());
  ASSERT_FALSE(made);
  EXPECT_THAT(made.error().message, HasSubstr("does not belong"));
  EXPECT_THAT(made.error().message, Not(HasSubstr("PRIVATE KEY")));
}

TEST_F(KubeClientFixture, HttpStatusesMapToRetryCodes) {
  struct Case {
    int http;
    const char* reason;
    ErrorCode code;
  };
  const std::vector<Case> cases = {
      {400, "BadRequest", ErrorCode::kInvalidArgument},
      {401, "Unauthorized", ErrorCode::kPermissionDenied},
      {403, "Forbidden", ErrorCode::kPermissionDenied},
      {404, "NotFound", ErrorCode::kNotFound},
      {409, "Conflict", ErrorCode::kAborted},
      {410, "Expired", ErrorCode::kExpired},
      {422, "Invalid", ErrorCode::kInvalidArgument},
      {429, "TooManyRequests", ErrorCode::kUnavailable},
      {500, "InternalError", ErrorCode::kUnavailable},
      {503, "ServiceUnavailable", ErrorCode::kUnavailable},
  };
  auto c = client();
  for (const Case& k : cases) {
    server_.setHandler([&](const SeenRequest&, httplib::Response& res) {
      replyStatus(res, k.http, k.reason, std::string("says ") + k.reason);
    });
    Result<Json> r = c->get(resources::nodes(), "", "n1");
    ASSERT_FALSE(r) << k.http;
    EXPECT_EQ(r.error().code, k.code) << k.http << " " << r.error().toString();
    EXPECT_THAT(r.error().message, HasSubstr(std::to_string(k.http) + " " + k.reason)) << k.http;
    EXPECT_THAT(r.error().message, HasSubstr(std::string("says ") + k.reason)) << k.http;
  }
  server_.setHandler([](const SeenRequest&, httplib::Response& res) {
    res.status = 502;
    res.set_content("<html>bad gateway</html>", "text/html");
  });
  Result<Json> proxy = c->get(resources::nodes(), "", "n1");
  ASSERT_FALSE(proxy);
  EXPECT_EQ(proxy.error().code, ErrorCode::kUnavailable);
  EXPECT_THAT(proxy.error().message, HasSubstr("HTTP 502"));
}

TEST_F(KubeClientFixture, ConnectionRefusedIsUnavailable) {
  int port = 0;
  {
    TestApiServer gone(ca_.issue("kube-apiserver", {}, "IP:127.0.0.1"), ca_.pem());
    port = gone.port();
  }
  KubeConfig c = config();
  c.server = "https://127.0.0.1:" + std::to_string(port);
  Result<Json> r = client(c)->get(resources::nodes(), "", "n1");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ErrorCode::kUnavailable);
}

TEST_F(KubeClientFixture, ListsPageByPageWithSelectors) {
  server_.setHandler([](const SeenRequest& r, httplib::Response& res) {
    const bool first = r.param("continue").empty();
    nlohmann::json list = {{"kind", "LeaseList"},
                           {"apiVersion", "coordination.k8s.io/v1"},
                           {"metadata", {{"resourceVersion", first ? "40" : "41"}}},
                           {"items", {{{"metadata", {{"name", first ? "a" : "b"}}}}}}};
    if (first) list["metadata"]["continue"] = "tok/en+1";
    res.set_content(list.dump(), "application/json");
  });
  ListOptions o;
  o.labelSelector = "app in (a,b),tier!=x";
  o.limit = 1;
  Result<ObjectList> all = listAll(*client(), resources::leases(), "kube-node-lease", o);
  ASSERT_TRUE(all) << all.error().toString();
  ASSERT_EQ(all->items.size(), 2u);
  EXPECT_EQ(all->resourceVersion, "40");
  EXPECT_EQ(all->items[1]["metadata"]["name"], "b");
  EXPECT_EQ(all->items[1]["kind"], "Lease");  // restored from the list's kind
  EXPECT_EQ(all->items[1]["apiVersion"], "coordination.k8s.io/v1");
  const auto seen = server_.requests();
  ASSERT_EQ(seen.size(), 2u);
  EXPECT_EQ(seen[0].path, "/apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases");
  EXPECT_EQ(seen[0].param("labelSelector"), "app in (a,b),tier!=x");
  EXPECT_EQ(seen[0].param("limit"), "1");
  EXPECT_EQ(seen[1].param("continue"), "tok/en+1");
}

TEST_F(KubeClientFixture, ServerSideApplyCreateAndDelete) {
  server_.setHandler([](const SeenRequest& r, httplib::Response& res) {
    if (r.method == "DELETE") {
      res.set_content(statusBody(200, "", "deleted"), "application/json");
      return;
    }
    res.status = r.method == "POST" ? 201 : 200;
    res.set_content(r.body, "application/json");
  });
  auto c = client();
  const Json cm = {{"apiVersion", "v1"},
                   {"kind", "ConfigMap"},
                   {"metadata", {{"name", "calico-config"}, {"namespace", "kube-system"}}},
                   {"data", {{"k", "v"}}}};
  Result<Json> applied = c->apply(resources::configMaps(), "", cm);
  ASSERT_TRUE(applied) << applied.error().toString();
  EXPECT_EQ((*applied)["data"]["k"], "v");
  ASSERT_TRUE(c->create(resources::configMaps(), "kube-system", cm));
  ASSERT_TRUE(c->remove(resources::configMaps(), "kube-system", "calico-config"));
  const auto seen = server_.requests();
  ASSERT_EQ(seen.size(), 3u);
  EXPECT_EQ(seen[0].method, "PATCH");
  EXPECT_EQ(seen[0].path, "/api/v1/namespaces/kube-system/configmaps/calico-config");
  EXPECT_EQ(seen[0].contentType, "application/apply-patch+yaml");
  EXPECT_EQ(seen[0].param("fieldManager"), "piherd");
  EXPECT_EQ(seen[0].param("force"), "true");
  EXPECT_EQ(nlohmann::json::parse(seen[0].body), cm);
  EXPECT_EQ(seen[1].method, "POST");
  EXPECT_EQ(seen[1].path, "/api/v1/namespaces/kube-system/configmaps");
  EXPECT_EQ(seen[2].method, "DELETE");
  EXPECT_EQ(seen[2].path, "/api/v1/namespaces/kube-system/configmaps/calico-config");
}

TEST_F(KubeClientFixture, BadNamesNeverReachTheServer) {
  auto c = client();
  EXPECT_EQ(c->get(resources::nodes(), "", "../secrets").error().code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(c->get(resources::leases(), "", "n1").error().code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(c->get(resources::nodes(), "ns", "n1").error().code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(c->apply(resources::nodes(), "", Json{{"metadata", {{"name", "n"}}}}).error().code,
            ErrorCode::kInvalidArgument);
  EXPECT_TRUE(server_.requests().empty());
}

// A status writer racing another: the server bumps the version between our read and write
// twice, so the third attempt lands.
TEST_F(KubeClientFixture, StatusUpdateRetriesOnConflict) {
  std::mutex mu;
  int version = 10, racesLeft = 2;
  Json stored = {{"apiVersion", "piherd.io/v1alpha1"},
                 {"kind", "Machine"},
                 {"metadata", {{"name", "m1"}}},
                 {"status", {{"phase", "Pending"}}}};
  server_.setHandler([&](const SeenRequest& r, httplib::Response& res) {
    std::lock_guard<std::mutex> lock(mu);
    if (r.method == "GET") {
      stored["metadata"]["resourceVersion"] = std::to_string(version);
      res.set_content(stored.dump(), "application/json");
      if (racesLeft-- > 0) ++version;  // someone else writes right after our read
      return;
    }
    const Json sent = Json::parse(r.body);
    if (sent["metadata"]["resourceVersion"] != std::to_string(version)) {
      replyStatus(res, 409, "Conflict", "the object has been modified");
      return;
    }
    stored["status"] = sent["status"];
    stored["metadata"]["resourceVersion"] = std::to_string(++version);
    res.set_content(stored.dump(), "application/json");
  });
  auto c = client();
  Result<Json> done =
      updateStatusWithRetry(*c, resources::piherd("machines"), "", "m1", [](Json& m) {
        m["status"]["phase"] = "Ready";
        return okStatus();
      });
  ASSERT_TRUE(done) << done.error().toString();
  EXPECT_EQ((*done)["status"]["phase"], "Ready");
  EXPECT_EQ(stored["status"]["phase"], "Ready");
  int puts = 0;
  for (const SeenRequest& r : server_.requests()) {
    if (r.method == "PUT") {
      ++puts;
      EXPECT_EQ(r.path, "/apis/piherd.io/v1alpha1/machines/m1/status");
    }
  }
  EXPECT_EQ(puts, 3);

  racesLeft = 100;
  Result<Json> gaveUp = updateStatusWithRetry(
      *c, resources::piherd("machines"), "", "m1", [](Json&) { return okStatus(); }, 3);
  ASSERT_FALSE(gaveUp);
  EXPECT_EQ(gaveUp.error().code, ErrorCode::kAborted);
  EXPECT_THAT(gaveUp.error().message, HasSubstr("after 3 attempts"));
}

TEST_F(KubeClientFixture, OverallDeadlineOnAStalledServer) {
  std::mutex mu;
  std::condition_variable cv;
  bool release = false;
  server_.setHandler([&](const SeenRequest&, httplib::Response& res) {
    std::unique_lock<std::mutex> lock(mu);
    cv.wait(lock, [&] { return release; });  // hold the answer until the client gave up
    res.set_content("{}", "application/json");
  });
  Timeouts t = fast();
  t.request = std::chrono::milliseconds(300);
  const auto start = std::chrono::steady_clock::now();
  Result<Json> r = client(config(), t)->get(resources::nodes(), "", "n1");
  const auto took = std::chrono::steady_clock::now() - start;
  {
    std::lock_guard<std::mutex> lock(mu);
    release = true;
  }
  cv.notify_all();
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ErrorCode::kDeadlineExceeded) << r.error().toString();
  EXPECT_LT(took, std::chrono::milliseconds(3000));
}

}  // namespace
}  // namespace piherd::kube::testing
