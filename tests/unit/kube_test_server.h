// Test-only in-process HTTPS API server for the kube client's unit tests: httplib::SSLServer
// on 127.0.0.1, port 0, with a certificate from TestCa. It authenticates like kube-apiserver
// (a client certificate signed by the client CA -> user CN; else a bearer token it was told
// about; else 401 with a Status body) and hands every authenticated request to the test's
// handler. Requests are recorded for assertions. Not product code.
#pragma once

#include <httplib.h>

#include <atomic>
#include <chrono>
#include <functional>
#include <mutex>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>
#include <vector>

#include "tests/unit/kube_test_pki.h"

namespace piherd::kube::testing {

struct SeenRequest {
  std::string method;
  std::string path;
  std::multimap<std::string, std::string> params;
  std::string contentType;
  std::string body;
  std::string user;
  std::string param(const std::string& k) const {
    auto it = params.find(k);
    return it == params.end() ? "" : it->second;
  }
};

inline std::string statusBody(int code, const std::string& reason, const std::string& message) {
  return nlohmann::json{{"kind", "Status"},   {"apiVersion", "v1"}, {"status", "Failure"},
                        {"message", message}, {"reason", reason},   {"code", code}}
      .dump();
}

inline void replyStatus(httplib::Response& res, int code, const std::string& reason,
                        const std::string& message) {
  res.status = code;
  res.set_content(statusBody(code, reason, message), "application/json");
}

class TestApiServer {
 public:
  using Handler = std::function<void(const SeenRequest&, httplib::Response&)>;

  // `serving`: the server's certificate; client certificates must chain to clientCaPem.
  TestApiServer(const KeyPair& serving, const std::string& clientCaPem, std::string token = "")
      : token_(std::move(token)),
        server_([serving, clientCaPem](SSL_CTX& ctx) { return setup(ctx, serving, clientCaPem); }) {
    auto route = [this](const httplib::Request& req, httplib::Response& res) { serve(req, res); };
    server_.Get(".*", route);
    server_.Post(".*", route);
    server_.Put(".*", route);
    server_.Patch(".*", route);
    server_.Delete(".*", route);
    port_ = server_.bind_to_any_port("127.0.0.1");
    thread_ = std::thread([this] { server_.listen_after_bind(); });
    while (!server_.is_running()) std::this_thread::yield();  // poll: ready within ms
  }
  ~TestApiServer() {
    server_.stop();
    thread_.join();
  }

  int port() const { return port_; }
  std::string url() const { return "https://127.0.0.1:" + std::to_string(port_); }
  void setHandler(Handler h) {
    std::lock_guard<std::mutex> lock(mu_);
    handler_ = std::move(h);
  }
  std::vector<SeenRequest> requests() const {
    std::lock_guard<std::mutex> lock(mu_);
    return seen_;
  }

 private:
  static bool setup(SSL_CTX& ctx, const KeyPair& serving, const std::string& clientCaPem) {
    BIO* c = BIO_new_mem_buf(serving.certPem.data(), static_cast<int>(serving.certPem.size()));
    X509* cert = PEM_read_bio_X509(c, nullptr, nullptr, nullptr);
    BIO_free(c);
    BIO* k = BIO_new_mem_buf(serving.keyPem.data(), static_cast<int>(serving.keyPem.size()));
    EVP_PKEY* key = PEM_read_bio_PrivateKey(k, nullptr, nullptr, nullptr);
    BIO_free(k);
    BIO* ca = BIO_new_mem_buf(clientCaPem.data(), static_cast<int>(clientCaPem.size()));
    X509* caCert = PEM_read_bio_X509(ca, nullptr, nullptr, nullptr);
    BIO_free(ca);
    const bool ok = SSL_CTX_use_certificate(&ctx, cert) == 1 &&
                    SSL_CTX_use_PrivateKey(&ctx, key) == 1 &&
                    X509_STORE_add_cert(SSL_CTX_get_cert_store(&ctx), caCert) == 1;
    X509_free(cert);
    EVP_PKEY_free(key);
    X509_free(caCert);
    // Ask for a client certificate but do not require one (bearer tokens), as kube-apiserver.
    SSL_CTX_set_verify(&ctx, SSL_VERIFY_PEER, nullptr);
    return ok;
  }

  std::string authenticate(const httplib::Request& req) const {
    if (req.ssl != nullptr) {
      X509* peer = SSL_get1_peer_certificate(req.ssl);
      if (peer != nullptr) {
        char cn[256] = {};
        X509_NAME_get_text_by_NID(X509_get_subject_name(peer), NID_commonName, cn, sizeof cn);
        X509_free(peer);
        if (SSL_get_verify_result(req.ssl) == X509_V_OK) return cn;
      }
    }
    const std::string auth = req.get_header_value("Authorization");
    if (!token_.empty() && auth == "Bearer " + token_) return "token-user";
    return "";
  }

  void serve(const httplib::Request& req, httplib::Response& res) {
    SeenRequest seen{req.method,
                     req.path,
                     {req.params.begin(), req.params.end()},
                     req.get_header_value("Content-Type"),
                     req.body,
                     authenticate(req)};
    Handler handler;
    {
      std::lock_guard<std::mutex> lock(mu_);
      seen_.push_back(seen);
      handler = handler_;
    }
    if (seen.user.empty()) {
      replyStatus(res, 401, "Unauthorized", "Unauthorized");
      return;
    }
    if (handler) {
      handler(seen, res);
    } else {
      replyStatus(res, 404, "NotFound", "no handler");
    }
  }

  std::string token_;
  httplib::SSLServer server_;
  int port_ = 0;
  std::thread thread_;
  mutable std::mutex mu_;
  Handler handler_;
  std::vector<SeenRequest> seen_;
};

}  // namespace piherd::kube::testing
