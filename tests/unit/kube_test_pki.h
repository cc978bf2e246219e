// Test-only PKI made with OpenSSL's library: EC P-256 keys and X.509 certificates for a
// cluster CA, an apiserver serving certificate (SANs chosen per test) and client
// certificates (CN = user, O = group), all as PEM. Nothing here is product code.
#pragma once

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <memory>
#include <string>
#include <vector>

namespace piherd::kube::testing {

struct KeyPair {
  std::string certPem;
  std::string keyPem;
};

inline std::string bioString(BIO* bio) {
  char* data = nullptr;
  long n = BIO_get_mem_data(bio, &data);
  std::string out(data, static_cast<size_t>(n));
  BIO_free(bio);
  return out;
}

inline std::string keyPem(EVP_PKEY* key) {
  BIO* bio = BIO_new(BIO_s_mem());
  PEM_write_bio_PrivateKey(bio, key, nullptr, nullptr, 0, nullptr, nullptr);
  return bioString(bio);
}

inline std::string certPem(X509* cert) {
  BIO* bio = BIO_new(BIO_s_mem());
  PEM_write_bio_X509(bio, cert);
  return bioString(bio);
}

inline void addExt(X509* cert, X509* issuer, int nid, const std::string& value) {
  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, issuer, cert, nullptr, nullptr, 0);
  X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, &ctx, nid, value.c_str());
  X509_add_ext(cert, ext, -1);
  X509_EXTENSION_free(ext);
}

// A certificate authority that signs leaves.
class TestCa {
 public:
  explicit TestCa(const std::string& cn) : key_(EVP_EC_gen("P-256")) {
    cert_ = newCert(cn, {}, key_);
    X509_set_issuer_name(cert_, X509_get_subject_name(cert_));
    addExt(cert_, cert_, NID_basic_constraints, "critical,CA:TRUE");
    addExt(cert_, cert_, NID_key_usage, "critical,keyCertSign,cRLSign");
    X509_sign(cert_, key_, EVP_sha256());
  }
  ~TestCa() {
    X509_free(cert_);
    EVP_PKEY_free(key_);
  }
  TestCa(const TestCa&) = delete;
  TestCa& operator=(const TestCa&) = delete;

  std::string pem() const { return certPem(cert_); }

  // sans: "IP:127.0.0.1,DNS:localhost"; empty for a client certificate.
  KeyPair issue(const std::string& cn, const std::vector<std::string>& orgs,
                const std::string& sans) const {
    EVP_PKEY* key = EVP_EC_gen("P-256");
    X509* cert = newCert(cn, orgs, key);
    X509_set_issuer_name(cert, X509_get_subject_name(cert_));
    addExt(cert, cert_, NID_basic_constraints, "critical,CA:FALSE");
    addExt(cert, cert_, NID_key_usage, "critical,digitalSignature,keyEncipherment");
    addExt(cert, cert_, NID_ext_key_usage, sans.empty() ? "clientAuth" : "serverAuth");
    if (!sans.empty()) addExt(cert, cert_, NID_subject_alt_name, sans);
    X509_sign(cert, key_, EVP_sha256());
    KeyPair out{certPem(cert), keyPem(key)};
    X509_free(cert);
    EVP_PKEY_free(key);
    return out;
  }

 private:
  static X509* newCert(const std::string& cn, const std::vector<std::string>& orgs, EVP_PKEY* key) {
    static long serial = 1;
    X509* cert = X509_new();
    X509_set_version(cert, 2);
    ASN1_INTEGER_set(X509_get_serialNumber(cert), serial++);
    X509_gmtime_adj(X509_getm_notBefore(cert), -3600);
    X509_gmtime_adj(X509_getm_notAfter(cert), 24 * 3600);
    X509_NAME* name = X509_get_subject_name(cert);
    for (const std::string& o : orgs) {
      X509_NAME_add_entry_by_txt(name, "O", MBSTRING_ASC,
                                 reinterpret_cast<const unsigned char*>(o.c_str()), -1, -1, 0);
    }
    X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
                               reinterpret_cast<const unsigned char*>(cn.c_str()), -1, -1, 0);
    X509_set_pubkey(cert, key);
    return cert;
  }

  EVP_PKEY* key_;
  X509* cert_;
};

}  // namespace piherd::kube::testing
