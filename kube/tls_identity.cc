#include "kube/tls_identity.h"

#include <arpa/inet.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>

namespace piherd::kube {
namespace {

struct BioFree {
  void operator()(BIO* b) const { BIO_free(b); }
};
using BioPtr = std::unique_ptr<BIO, BioFree>;

BioPtr memBio(const std::string& pem) {
  return BioPtr(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
}

// Verifies the peer's chain against our CAs only: the store httplib fills (with the system's
// default paths) is bypassed by handing OpenSSL a trusted stack instead.
int verifyAgainstTrusted(X509_STORE_CTX* ctx, void* arg) {
  X509_STORE_CTX_set0_trusted_stack(ctx, static_cast<STACK_OF(X509)*>(arg));
  return X509_verify_cert(ctx);
}

bool isIpAddress(const std::string& host) {
  unsigned char buf[16];
  return inet_pton(AF_INET, host.c_str(), buf) == 1 || inet_pton(AF_INET6, host.c_str(), buf) == 1;
}

}  // namespace

TlsIdentity::~TlsIdentity() {
  if (trusted_ != nullptr) sk_X509_pop_free(trusted_, X509_free);
  X509_free(clientCert_);
  EVP_PKEY_free(clientKey_);
}

Result<std::shared_ptr<const TlsIdentity>> TlsIdentity::fromPem(const std::string& caPem,
                                                                const std::string& clientCertPem,
                                                                const std::string& clientKeyPem) {
  std::shared_ptr<TlsIdentity> id(new TlsIdentity());
  id->trusted_ = sk_X509_new_null();
  BioPtr ca = memBio(caPem);
  while (X509* cert = PEM_read_bio_X509(ca.get(), nullptr, nullptr, nullptr)) {
    sk_X509_push(id->trusted_, cert);
  }
  ERR_clear_error();  // the loop ends on "no start line"
  if (sk_X509_num(id->trusted_) == 0) {
    return makeError(ErrorCode::kInvalidArgument, "certificate authority: no PEM certificate");
  }
  if (clientCertPem.empty()) return std::shared_ptr<const TlsIdentity>(id);
  BioPtr cert = memBio(clientCertPem);
  id->clientCert_ = PEM_read_bio_X509(cert.get(), nullptr, nullptr, nullptr);
  if (id->clientCert_ == nullptr) {
    ERR_clear_error();
    return makeError(ErrorCode::kInvalidArgument, "client certificate: no PEM certificate");
  }
  BioPtr key = memBio(clientKeyPem);
  id->clientKey_ = PEM_read_bio_PrivateKey(key.get(), nullptr, nullptr, nullptr);
  if (id->clientKey_ == nullptr) {
    ERR_clear_error();
    return makeError(ErrorCode::kInvalidArgument, "client key: no PEM private key");
  }
  if (X509_check_private_key(id->clientCert_, id->clientKey_) != 1) {
    ERR_clear_error();
    return makeError(ErrorCode::kInvalidArgument,
                     "client key does not belong to the client certificate");
  }
  return std::shared_ptr<const TlsIdentity>(id);
}

Status TlsIdentity::install(SSL_CTX* ctx, const std::string& host) const {
  if (ctx == nullptr) return makeError(ErrorCode::kInternal, "TLS: no SSL context");
  SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
  SSL_CTX_set_cert_verify_callback(ctx, verifyAgainstTrusted, trusted_);
  X509_VERIFY_PARAM* param = SSL_CTX_get0_param(ctx);
  const int named = isIpAddress(host) ? X509_VERIFY_PARAM_set1_ip_asc(param, host.c_str())
                                      : X509_VERIFY_PARAM_set1_host(param, host.c_str(), 0);
  if (named != 1) {
    ERR_clear_error();
    return makeError(ErrorCode::kInvalidArgument, "TLS: cannot verify against host " + host);
  }
  return okStatus();
}

}  // namespace piherd::kube
