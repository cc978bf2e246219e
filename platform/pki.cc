#include "platform/pki.h"

#include <arpa/inet.h>
#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <ctime>
#include <memory>
#include <vector>

namespace piherd::pki {
namespace {

template <auto Fn>
struct Deleter {
  template <class T>
  void operator()(T* p) const { Fn(p); }
};
using Bio = std::unique_ptr<BIO, Deleter<BIO_free_all>>;
using Key = std::unique_ptr<EVP_PKEY, Deleter<EVP_PKEY_free>>;
using Cert = std::unique_ptr<X509, Deleter<X509_free>>;
using Store = std::unique_ptr<X509_STORE, Deleter<X509_STORE_free>>;
using StoreCtx = std::unique_ptr<X509_STORE_CTX, Deleter<X509_STORE_CTX_free>>;
using Names = std::unique_ptr<GENERAL_NAMES, Deleter<GENERAL_NAMES_free>>;

// OpenSSL's reason for the last failure. Its error queue never holds key bytes.
std::string sslError(const std::string& what) {
  unsigned long e = ERR_get_error();
  ERR_clear_error();
  char buf[256] = "unknown error";
  if (e != 0) ERR_error_string_n(e, buf, sizeof buf);
  return what + ": " + buf;
}

Error failure(ErrorCode code, const std::string& what) { return Error{code, sslError(what)}; }

std::string bioString(BIO* bio) {
  char* data = nullptr;
  long n = BIO_get_mem_data(bio, &data);
  return std::string(data, n > 0 ? size_t(n) : 0);
}

Result<Key> readKey(const std::string& pem) {
  Bio bio(BIO_new_mem_buf(pem.data(), int(pem.size())));
  Key key(PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, nullptr));
  if (!key) return tl::unexpected(failure(ErrorCode::kInvalidArgument, "private key does not parse"));
  return key;
}

Result<Cert> readCert(const std::string& pem) {
  Bio bio(BIO_new_mem_buf(pem.data(), int(pem.size())));
  Cert cert(PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr));
  if (!cert) return tl::unexpected(failure(ErrorCode::kInvalidArgument, "certificate does not parse"));
  return cert;
}

TimePoint fromAsn1(const ASN1_TIME* t) {
  struct tm tm {};
  ASN1_TIME_to_tm(t, &tm);
  return std::chrono::system_clock::from_time_t(timegm(&tm));
}

std::string hex(const unsigned char* p, size_t n) {
  static const char* digits = "0123456789abcdef";
  std::string out;
  for (size_t i = 0; i < n; ++i) out += digits[p[i] >> 4], out += digits[p[i] & 15];
  return out;
}

Status addExtension(X509* cert, X509* issuer, int nid, const std::string& value) {
  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, issuer, cert, nullptr, nullptr, 0);
  X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, &ctx, nid, value.c_str());
  if (ext == nullptr) return tl::unexpected(failure(ErrorCode::kInternal, "extension " + value));
  int ok = X509_add_ext(cert, ext, -1);
  X509_EXTENSION_free(ext);
  if (!ok) return tl::unexpected(failure(ErrorCode::kInternal, "adding extension"));
  return okStatus();
}

Status addSubjectAltNames(X509* cert, const CertificateRequest& r) {
  if (r.dnsNames.empty() && r.ipAddresses.empty()) return okStatus();
  Names names(sk_GENERAL_NAME_new_null());
  for (const auto& dns : r.dnsNames) {
    GENERAL_NAME* gn = GENERAL_NAME_new();
    ASN1_IA5STRING* s = ASN1_IA5STRING_new();
    ASN1_STRING_set(s, dns.data(), int(dns.size()));
    GENERAL_NAME_set0_value(gn, GEN_DNS, s);
    sk_GENERAL_NAME_push(names.get(), gn);
  }
  for (const auto& ip : r.ipAddresses) {
    ASN1_OCTET_STRING* s = a2i_IPADDRESS(ip.c_str());
    if (s == nullptr) return makeError(ErrorCode::kInvalidArgument, "not an IP address: " + ip);
    GENERAL_NAME* gn = GENERAL_NAME_new();
    GENERAL_NAME_set0_value(gn, GEN_IPADD, s);
    sk_GENERAL_NAME_push(names.get(), gn);
  }
  if (!X509_add1_ext_i2d(cert, NID_subject_alt_name, names.get(), 0, 0)) {
    return tl::unexpected(failure(ErrorCode::kInternal, "subjectAltName"));
  }
  return okStatus();
}

void setName(X509_NAME* name, const CertificateRequest& r) {
  for (const auto& o : r.organizations) {
    X509_NAME_add_entry_by_txt(name, "O", MBSTRING_UTF8,
                               reinterpret_cast<const unsigned char*>(o.c_str()), -1, -1, 0);
  }
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8,
                             reinterpret_cast<const unsigned char*>(r.commonName.c_str()), -1, -1, 0);
}

// Builds and signs a certificate for subjectKey, issued by issuer (nullptr: self-signed).
Result<std::string> build(const CertificateRequest& r, EVP_PKEY* subjectKey, X509* issuer,
                          EVP_PKEY* issuerKey) {
  Cert cert(X509_new());
  X509_set_version(cert.get(), 2);
  unsigned char serial[16];
  if (RAND_bytes(serial, sizeof serial) != 1) return tl::unexpected(failure(ErrorCode::kInternal, "serial"));
  serial[0] &= 0x7f;  // positive
  serial[0] |= 0x01;  // and of full length
  BIGNUM* bn = BN_bin2bn(serial, sizeof serial, nullptr);
  BN_to_ASN1_INTEGER(bn, X509_get_serialNumber(cert.get()));
  BN_free(bn);
  ASN1_TIME_set(X509_getm_notBefore(cert.get()), std::chrono::system_clock::to_time_t(r.notBefore));
  ASN1_TIME_set(X509_getm_notAfter(cert.get()), std::chrono::system_clock::to_time_t(r.notAfter));
  setName(X509_get_subject_name(cert.get()), r);
  X509_set_issuer_name(cert.get(),
                       issuer ? X509_get_subject_name(issuer) : X509_get_subject_name(cert.get()));
  X509_set_pubkey(cert.get(), subjectKey);
  X509* iss = issuer ? issuer : cert.get();
  std::vector<std::pair<int, std::string>> exts;
  exts.push_back({NID_subject_key_identifier, "hash"});
  if (r.usage == CertificateUsage::kCa) {
    exts.push_back({NID_basic_constraints, "critical,CA:TRUE"});
    exts.push_back({NID_key_usage, "critical,digitalSignature,keyEncipherment,keyCertSign,cRLSign"});
  } else {
    exts.push_back({NID_basic_constraints, "critical,CA:FALSE"});
    exts.push_back({NID_key_usage, "critical,digitalSignature,keyEncipherment"});
    exts.push_back({NID_ext_key_usage, r.usage == CertificateUsage::kServer   ? "serverAuth"
                                       : r.usage == CertificateUsage::kClient ? "clientAuth"
                                                                              : "serverAuth,clientAuth"});
  }
  exts.push_back({NID_authority_key_identifier, "keyid:always"});
  for (const auto& [nid, value] : exts) {
    if (auto s = addExtension(cert.get(), iss, nid, value); !s) return tl::unexpected(s.error());
  }
  if (auto s = addSubjectAltNames(cert.get(), r); !s) return tl::unexpected(s.error());
  if (X509_sign(cert.get(), issuerKey, EVP_sha256()) == 0) {
    return tl::unexpected(failure(ErrorCode::kInternal, "signing the certificate"));
  }
  Bio out(BIO_new(BIO_s_mem()));
  PEM_write_bio_X509(out.get(), cert.get());
  return bioString(out.get());
}

std::string publicKeyDerSha256(EVP_PKEY* key) {
  unsigned char* der = nullptr;
  int n = i2d_PUBKEY(key, &der);
  if (n <= 0) return "";
  std::string out = sha256Hex(std::string(reinterpret_cast<char*>(der), size_t(n)));
  OPENSSL_free(der);
  return out;
}

}  // namespace

WallClock systemWallClock() {
  return [] { return std::chrono::system_clock::now(); };
}

Result<std::string> generatePrivateKey() {
  Key key(EVP_RSA_gen(2048));
  if (!key) return tl::unexpected(failure(ErrorCode::kInternal, "RSA key generation"));
  Bio out(BIO_new(BIO_s_mem()));
  if (!PEM_write_bio_PrivateKey(out.get(), key.get(), nullptr, nullptr, 0, nullptr, nullptr)) {
    return tl::unexpected(failure(ErrorCode::kInternal, "writing the private key"));
  }
  return bioString(out.get());
}

Result<std::string> publicKeyPem(const std::string& privateKeyPem) {
  auto key = readKey(privateKeyPem);
  if (!key) return tl::unexpected(key.error());
  Bio out(BIO_new(BIO_s_mem()));
  if (!PEM_write_bio_PUBKEY(out.get(), key->get())) {
    return tl::unexpected(failure(ErrorCode::kInternal, "writing the public key"));
  }
  return bioString(out.get());
}

Result<std::string> selfSignedCaCertificate(const std::string& caKeyPem,
                                            const CertificateRequest& request) {
  auto key = readKey(caKeyPem);
  if (!key) return tl::unexpected(key.error());
  CertificateRequest r = request;
  r.usage = CertificateUsage::kCa;
  return build(r, key->get(), nullptr, key->get());
}

Result<std::string> signCertificate(const CertificateRequest& request,
                                    const std::string& subjectKeyPem, const std::string& caCertPem,
                                    const std::string& caKeyPem) {
  auto subject = readKey(subjectKeyPem);
  if (!subject) return tl::unexpected(subject.error());
  auto caKey = readKey(caKeyPem);
  if (!caKey) return tl::unexpected(caKey.error());
  auto ca = readCert(caCertPem);
  if (!ca) return tl::unexpected(ca.error());
  if (X509_check_private_key(ca->get(), caKey->get()) != 1) {
    ERR_clear_error();
    return makeError(ErrorCode::kInvalidArgument, "the CA key does not match the CA certificate");
  }
  return build(request, subject->get(), ca->get(), caKey->get());
}

Result<CertificateInfo> parseCertificate(const std::string& pem) {
  auto cert = readCert(pem);
  if (!cert) return tl::unexpected(cert.error());
  X509* c = cert->get();
  CertificateInfo info;
  auto cn = [](X509_NAME* name) {
    char buf[256] = "";
    X509_NAME_get_text_by_NID(name, NID_commonName, buf, sizeof buf);
    return std::string(buf);
  };
  info.subjectCommonName = cn(X509_get_subject_name(c));
  info.issuerCommonName = cn(X509_get_issuer_name(c));
  info.isCa = X509_check_ca(c) > 0;
  info.notBefore = fromAsn1(X509_get0_notBefore(c));
  info.notAfter = fromAsn1(X509_get0_notAfter(c));
  Names names(static_cast<GENERAL_NAMES*>(X509_get_ext_d2i(c, NID_subject_alt_name, nullptr, nullptr)));
  for (int i = 0; names && i < sk_GENERAL_NAME_num(names.get()); ++i) {
    const GENERAL_NAME* gn = sk_GENERAL_NAME_value(names.get(), i);
    if (gn->type == GEN_DNS) {
      const ASN1_IA5STRING* s = gn->d.dNSName;
      info.dnsNames.emplace_back(reinterpret_cast<const char*>(ASN1_STRING_get0_data(s)),
                                 size_t(ASN1_STRING_length(s)));
    } else if (gn->type == GEN_IPADD) {
      const ASN1_OCTET_STRING* s = gn->d.iPAddress;
      char buf[INET6_ADDRSTRLEN] = "";
      int len = ASN1_STRING_length(s);
      if (len == 4 || len == 16) {
        inet_ntop(len == 4 ? AF_INET : AF_INET6, ASN1_STRING_get0_data(s), buf, sizeof buf);
      }
      info.ipAddresses.emplace_back(buf);
    }
  }
  BIGNUM* bn = ASN1_INTEGER_to_BN(X509_get0_serialNumber(c), nullptr);
  char* serial = BN_bn2hex(bn);
  info.serialHex = serial;
  OPENSSL_free(serial);
  BN_free(bn);
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int mdLen = 0;
  X509_digest(c, EVP_sha256(), md, &mdLen);
  info.sha256Fingerprint = hex(md, mdLen);
  info.publicKeySha256 = publicKeyDerSha256(X509_get0_pubkey(c));
  return info;
}

Status verifyCertificate(const std::string& certPem, const std::string& caCertPem, TimePoint at) {
  auto cert = readCert(certPem);
  if (!cert) return tl::unexpected(cert.error());
  auto ca = readCert(caCertPem);
  if (!ca) return tl::unexpected(ca.error());
  Store store(X509_STORE_new());
  X509_STORE_add_cert(store.get(), ca->get());
  StoreCtx ctx(X509_STORE_CTX_new());
  X509_STORE_CTX_init(ctx.get(), store.get(), cert->get(), nullptr);
  X509_STORE_CTX_set_time(ctx.get(), 0, std::chrono::system_clock::to_time_t(at));
  if (X509_verify_cert(ctx.get()) != 1) {
    int err = X509_STORE_CTX_get_error(ctx.get());
    ERR_clear_error();
    return makeError(ErrorCode::kFailedPrecondition,
                     std::string("certificate does not verify: ") + X509_verify_cert_error_string(err));
  }
  return okStatus();
}

Result<bool> keyMatchesCertificate(const std::string& privateKeyPem, const std::string& certPem) {
  auto key = readKey(privateKeyPem);
  if (!key) return tl::unexpected(key.error());
  auto cert = readCert(certPem);
  if (!cert) return tl::unexpected(cert.error());
  bool ok = X509_check_private_key(cert->get(), key->get()) == 1;
  ERR_clear_error();
  return ok;
}

Result<bool> publicKeyMatches(const std::string& privateKeyPem, const std::string& pubPem) {
  auto key = readKey(privateKeyPem);
  if (!key) return tl::unexpected(key.error());
  Bio bio(BIO_new_mem_buf(pubPem.data(), int(pubPem.size())));
  Key pub(PEM_read_bio_PUBKEY(bio.get(), nullptr, nullptr, nullptr));
  if (!pub) return tl::unexpected(failure(ErrorCode::kInvalidArgument, "public key does not parse"));
  bool ok = EVP_PKEY_eq(key->get(), pub.get()) == 1;
  ERR_clear_error();
  return ok;
}

std::string sha256Hex(const std::string& bytes) {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int n = 0;
  EVP_Digest(bytes.data(), bytes.size(), md, &n, EVP_sha256(), nullptr);
  return hex(md, n);
}

std::string formatDate(TimePoint t) {
  std::time_t tt = std::chrono::system_clock::to_time_t(t);
  struct tm tm {};
  gmtime_r(&tt, &tm);
  char buf[16];
  std::strftime(buf, sizeof buf, "%Y-%m-%d", &tm);
  return buf;
}

}  // namespace piherd::pki
