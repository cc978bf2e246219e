// Shared fixture of the HTTP kube client tests: a cluster CA, an in-process API server on
// port 0 that serves a certificate for 127.0.0.1, and a client configured for it.
#pragma once

#include <gtest/gtest.h>

#include "kube/http_kube_client.h"
#include "tests/unit/kube_test_server.h"

namespace piherd::kube::testing {

inline std::string ev(const std::string& type, const std::string& name, const std::string& rv) {
  return nlohmann::json{{"type", type},
                        {"object",
                         {{"kind", "Node"},
                          {"apiVersion", "v1"},
                          {"metadata", {{"name", name}, {"resourceVersion", rv}}}}}}
             .dump() +
         "\n";
}

class KubeClientFixture : public ::testing::Test {
 protected:
  KubeClientFixture()
      : ca_("cluster-ca"),
        admin_(ca_.issue("admin", {"system:masters"}, "")),
        server_(ca_.issue("kube-apiserver", {}, "IP:127.0.0.1,DNS:localhost"), ca_.pem(),
                "t0ken-value") {}

  KubeConfig config() const {
    KubeConfig c;
    c.server = server_.url();
    c.caPem = ca_.pem();
    c.clientCertPem = admin_.certPem;
    c.clientKeyPem = admin_.keyPem;
    c.source = "test";
    return c;
  }
  static Timeouts fast() {
    Timeouts t;
    t.connect = std::chrono::milliseconds(2000);
    t.read = std::chrono::milliseconds(5000);
    t.request = std::chrono::milliseconds(5000);
    return t;
  }
  std::unique_ptr<HttpKubeClient> client(const KubeConfig& c, const Timeouts& t = fast()) {
    Result<std::unique_ptr<HttpKubeClient>> made = HttpKubeClient::create(c, t);
    EXPECT_TRUE(made) << made.error().toString();
    return made ? std::move(*made) : nullptr;
  }
  std::unique_ptr<HttpKubeClient> client() { return client(config()); }

  TestCa ca_;
  KeyPair admin_;
  TestApiServer server_;
};

}  // namespace piherd::kube::testing
