// The TLS material of one KubeConfig in OpenSSL's form: the trusted CA certificates and the
// optional client certificate and key, parsed once and shared by every connection. install()
// makes an SSL_CTX trust exactly these CAs (not the system's roots) and check the server's
// name or IP address, and presents the client certificate.
#pragma once

#include <openssl/ssl.h>
#include <openssl/x509.h>

#include <memory>
#include <string>

#include "platform/status.h"

namespace piherd::kube {

class TlsIdentity {
 public:
  // Errors name the field (CA, client certificate, client key), never PEM content.
  static Result<std::shared_ptr<const TlsIdentity>> fromPem(const std::string& caPem,
                                                            const std::string& clientCertPem,
                                                            const std::string& clientKeyPem);
  ~TlsIdentity();
  TlsIdentity(const TlsIdentity&) = delete;
  TlsIdentity& operator=(const TlsIdentity&) = delete;

  // `host` is what the server's certificate must name (a DNS name or an IP address).
  Status install(SSL_CTX* ctx, const std::string& host) const;

  X509* clientCert() const { return clientCert_; }
  EVP_PKEY* clientKey() const { return clientKey_; }

 private:
  TlsIdentity() = default;

  STACK_OF(X509) * trusted_ = nullptr;
  X509* clientCert_ = nullptr;
  EVP_PKEY* clientKey_ = nullptr;
};

}  // namespace piherd::kube
