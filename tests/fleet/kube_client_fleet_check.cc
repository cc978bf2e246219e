// piherd's own Kubernetes client (kube/) against a running cluster of the fleet: the three
// apiserver stand-ins over a real 3-member etcd that tests/fleet/controlplane_test.sh builds
// (and the real kubectl judges in the same run). controlplane_test.sh runs this binary once
// the cluster is up and the piherd CRDs and examples are applied; it is not a test of its
// own (its name does not end in _test.cc), because it needs that cluster.
//   PIHERD_KUBECONFIG  admin.conf of the cluster (client certificate of system:masters)
//   PIHERD_KUBE_SERVERS  https://ADDR:6443 of each control plane, comma-separated
// What it checks is the client's contract (docs/kube-client.md) on the real wire: TLS
// verified against the cluster CA only, client certificates and bearer tokens, list with
// pages, conditional update, server-side apply, a watch seeing a change made through
// another apiserver, status updates of a piherd CR, the error codes of 401/403/404/409.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <sstream>
#include <thread>

#include "kube/http_kube_client.h"
#include "kube/kube_config.h"
#include "kube/reflector.h"

namespace piherd::kube {
namespace {

using namespace std::chrono_literals;

std::vector<std::string> servers() {
  std::vector<std::string> out;
  const char* env = std::getenv("PIHERD_KUBE_SERVERS");
  std::stringstream in(env ? env : "");
  for (std::string s; std::getline(in, s, ',');) {
    if (!s.empty()) out.push_back(s);
  }
  return out;
}

class KubeClientFleetCheck : public ::testing::Test {
 protected:
  void SetUp() override {
    const char* path = std::getenv("PIHERD_KUBECONFIG");
    ASSERT_NE(path, nullptr) << "PIHERD_KUBECONFIG is not set (controlplane_test.sh sets it)";
    auto config = loadKubeconfig(path);
    ASSERT_TRUE(config) << config.error().message;
    config_ = *config;
    servers_ = servers();
    ASSERT_EQ(servers_.size(), 3u) << "PIHERD_KUBE_SERVERS must name the 3 control planes";
  }

  // A client of control plane i.
  std::unique_ptr<HttpKubeClient> client(size_t i, KubeConfig config) {
    config.server = servers_[i];
    auto c = HttpKubeClient::create(config);
    EXPECT_TRUE(c) << c.error().message;
    return c ? std::move(*c) : nullptr;
  }
  std::unique_ptr<HttpKubeClient> client(size_t i) { return client(i, config_); }

  static Json configMap(const std::string& name, const std::string& color) {
    return {{"apiVersion", "v1"},
            {"kind", "ConfigMap"},
            {"metadata", {{"name", name}, {"namespace", "default"}}},
            {"data", {{"color", color}}}};
  }

  KubeConfig config_;
  std::vector<std::string> servers_;
};

TEST_F(KubeClientFleetCheck, VersionAndNodesThroughEveryControlPlane) {
  for (size_t i = 0; i < 3; ++i) {
    SCOPED_TRACE(servers_[i]);
    auto c = client(i);
    ASSERT_NE(c, nullptr);
    auto version = c->getRaw("/version");
    ASSERT_TRUE(version) << version.error().message;
    EXPECT_NE(version->find("\"gitVersion\""), std::string::npos) << *version;
    auto nodes = c->list(resources::nodes(), "", {});
    ASSERT_TRUE(nodes) << nodes.error().message;
    EXPECT_EQ(nodes->items.size(), 4u);
    EXPECT_FALSE(nodes->resourceVersion.empty());
    for (const auto& n : nodes->items) {
      EXPECT_EQ(n.value("kind", ""), "Node");
      EXPECT_EQ(n.value("apiVersion", ""), "v1");
    }
  }
}

TEST_F(KubeClientFleetCheck, PagesFollowContinueTokens) {
  auto c = client(0);
  ASSERT_NE(c, nullptr);
  auto first = c->list(resources::nodes(), "", {.limit = 3});
  ASSERT_TRUE(first) << first.error().message;
  EXPECT_EQ(first->items.size(), 3u);
  EXPECT_FALSE(first->continueToken.empty());
  auto all = listAll(*c, resources::nodes(), "", {.limit = 1});
  ASSERT_TRUE(all) << all.error().message;
  EXPECT_EQ(all->items.size(), 4u);
}

TEST_F(KubeClientFleetCheck, CreateUpdateApplyWatchAndDeleteAcrossControlPlanes) {
  auto c0 = client(0), c1 = client(1), c2 = client(2);
  ASSERT_TRUE(c0 && c1 && c2);
  const std::string name = "piherd-client-check";
  (void)c0->remove(resources::configMaps(), "default", name);  // a rerun's leftover
  auto created = c1->create(resources::configMaps(), "default", configMap(name, "blue"));
  ASSERT_TRUE(created) << created.error().message;
  auto again = c1->create(resources::configMaps(), "default", configMap(name, "blue"));
  ASSERT_FALSE(again);
  EXPECT_EQ(again.error().code, ErrorCode::kAborted) << again.error().message;

  // A watch through control plane 0 from the create's version sees an update made through
  // control plane 2.
  const std::string rv = (*created)["metadata"]["resourceVersion"];
  WatchStop stop;
  std::atomic<bool> sawGreen{false};
  Status watched = okStatus();
  std::thread watcher([&] {
    watched = c0->watch(resources::configMaps(), "default",
                        {.resourceVersion = rv, .fieldSelector = "metadata.name=" + name,
                         .timeoutSeconds = 30, .stop = &stop},
                        [&](const WatchEvent& e) {
                          if (e.type == WatchEventType::kModified &&
                              e.object["data"].value("color", "") == "green") {
                            sawGreen = true;
                            return false;
                          }
                          return true;
                        });
  });
  auto read = c2->get(resources::configMaps(), "default", name);
  ASSERT_TRUE(read) << read.error().message;
  Json stale = *read;
  (*read)["data"]["color"] = "green";
  auto updated = c2->update(resources::configMaps(), "default", *read);
  EXPECT_TRUE(updated) << (updated ? "" : updated.error().message);
  for (int i = 0; i < 150 && !sawGreen; ++i) std::this_thread::sleep_for(100ms);
  stop.request();
  watcher.join();
  EXPECT_TRUE(sawGreen) << "the watch through " << servers_[0] << " missed the update";
  EXPECT_TRUE(watched) << (watched ? "" : watched.error().message);

  // The update was conditional: the version read before it is stale now.
  stale["data"]["color"] = "red";
  auto conflict = c1->update(resources::configMaps(), "default", stale);
  ASSERT_FALSE(conflict);
  EXPECT_EQ(conflict.error().code, ErrorCode::kAborted) << conflict.error().message;

  // Server-side apply takes the field over and records piherd as its manager.
  auto applied = c1->apply(resources::configMaps(), "default", configMap(name, "purple"), {});
  ASSERT_TRUE(applied) << applied.error().message;
  EXPECT_EQ((*applied)["data"]["color"], "purple");
  bool managed = false;
  for (const auto& m : (*applied)["metadata"].value("managedFields", Json::array())) {
    managed = managed || (m.value("manager", "") == "piherd" && m.value("operation", "") == "Apply");
  }
  EXPECT_TRUE(managed) << (*applied)["metadata"].dump();

  ASSERT_TRUE(c2->remove(resources::configMaps(), "default", name));
  auto gone = c0->get(resources::configMaps(), "default", name);
  ASSERT_FALSE(gone);
  EXPECT_EQ(gone.error().code, ErrorCode::kNotFound) << gone.error().message;
}

TEST_F(KubeClientFleetCheck, StatusOfAPiherdMachineIsUpdatedWithRetry) {
  auto c = client(2);
  ASSERT_NE(c, nullptr);
  auto r = updateStatusWithRetry(*c, resources::piherd("machines"), "", "master01", [](Json& m) {
    m["status"]["phase"] = "Provisioning";
    return okStatus();
  });
  ASSERT_TRUE(r) << r.error().message;
  auto read = client(0)->get(resources::piherd("machines"), "", "master01");
  ASSERT_TRUE(read) << read.error().message;
  EXPECT_EQ((*read)["status"].value("phase", ""), "Provisioning");
  EXPECT_EQ((*read)["spec"].value("address", ""), "192.168.3.11") << "the spec stays as applied";
}

TEST_F(KubeClientFleetCheck, AReflectorListsThenWatchesNodes) {
  auto c = client(1);
  ASSERT_NE(c, nullptr);
  size_t listed = 0;
  std::string version;
  Reflector reflector(*c, resources::nodes(), {.watchTimeoutSeconds = 2},
                      {.replace = [&](const std::vector<Json>& items, const std::string& rv) {
                         listed = items.size();
                         version = rv;
                       },
                       .event = [](const WatchEvent&) {}});
  // One step: the list, then a watch the server ends after 2 s.
  auto s = reflector.step();
  EXPECT_TRUE(s) << (s ? "" : s.error().message);
  EXPECT_EQ(reflector.lists(), 1);
  EXPECT_FALSE(reflector.resourceVersion().empty());
  EXPECT_EQ(listed, 4u);
  EXPECT_FALSE(version.empty());
}

TEST_F(KubeClientFleetCheck, WrongCredentialsAndAForeignCaAreRefused) {
  KubeConfig token = config_;
  token.clientCertPem.clear();
  token.clientKeyPem.clear();
  token.bearerToken = "abcdef.0123456789abcdef";  // no such bootstrap token
  auto denied = client(0, token)->list(resources::nodes(), "", {});
  ASSERT_FALSE(denied);
  EXPECT_EQ(denied.error().code, ErrorCode::kPermissionDenied) << denied.error().message;
  EXPECT_EQ(denied.error().message.find("0123456789abcdef"), std::string::npos)
      << "the token is in the error";

  KubeConfig foreign = config_;
  foreign.caPem = config_.clientCertPem;  // a certificate, but not the cluster CA
  auto untrusted = client(0, foreign)->getRaw("/version");
  ASSERT_FALSE(untrusted);
  EXPECT_EQ(untrusted.error().code, ErrorCode::kPermissionDenied) << untrusted.error().message;
}

}  // namespace
}  // namespace piherd::kube
