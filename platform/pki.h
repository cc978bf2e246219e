// PKI: pure key and certificate generation and parsing with OpenSSL's library (EVP and X509
// APIs; never the openssl command). No I/O, no clock: callers pass validity times, so every
// decision about expiry is testable with a fake clock. Keys are RSA 2048, kubeadm's default
// key type (docs/certificates.md), as unencrypted PKCS#8 PEM ("BEGIN PRIVATE KEY").
//
// Secret material (private keys) only ever travels in the PrivateKeyPem strings given to and
// returned by these functions; no Error message here ever quotes it.
#pragma once

#include <chrono>
#include <functional>
#include <string>
#include <vector>

#include "platform/status.h"

namespace piherd::pki {

using TimePoint = std::chrono::system_clock::time_point;

// The wall clock, injected wherever "now" matters (tests pass a fixed time).
using WallClock = std::function<TimePoint()>;
WallClock systemWallClock();

inline constexpr int kCaValidityDays = 3650;      // 10 years, as kubeadm's CAs
inline constexpr int kServingValidityDays = 365;  // 1 year, as kubeadm's leaf certificates

// A fresh RSA 2048 private key as PKCS#8 PEM.
Result<std::string> generatePrivateKey();
// The SubjectPublicKeyInfo PEM ("BEGIN PUBLIC KEY") of a private key: sa.pub.
Result<std::string> publicKeyPem(const std::string& privateKeyPem);

enum class CertificateUsage { kCa, kServer, kClient, kServerAndClient };

struct CertificateRequest {
  std::string commonName;
  std::vector<std::string> organizations;  // O=, e.g. system:masters for client certs
  std::vector<std::string> dnsNames;       // subjectAltName DNS entries, in this order
  std::vector<std::string> ipAddresses;    // subjectAltName IP entries (IPv4/IPv6 text)
  CertificateUsage usage = CertificateUsage::kServer;
  TimePoint notBefore;
  TimePoint notAfter;
};

// A self-signed CA certificate (basicConstraints CA:TRUE, keyCertSign|cRLSign) for the key.
Result<std::string> selfSignedCaCertificate(const std::string& caKeyPem,
                                            const CertificateRequest& request);
// A certificate for subjectKeyPem's public key, signed by the CA. Random 128-bit serial;
// authorityKeyIdentifier from the CA, subjectKeyIdentifier from the key.
Result<std::string> signCertificate(const CertificateRequest& request,
                                    const std::string& subjectKeyPem, const std::string& caCertPem,
                                    const std::string& caKeyPem);

// What a certificate says, parsed back (public data only).
struct CertificateInfo {
  std::string subjectCommonName;
  std::string issuerCommonName;
  bool isCa = false;
  TimePoint notBefore;
  TimePoint notAfter;
  std::vector<std::string> dnsNames;     // in certificate order
  std::vector<std::string> ipAddresses;  // canonical text form (inet_ntop)
  std::string serialHex;
  std::string sha256Fingerprint;         // of the DER certificate, lowercase hex
  std::string publicKeySha256;           // of the DER SubjectPublicKeyInfo, lowercase hex
};

// The first certificate in pem. InvalidArgument when there is none or it does not parse.
Result<CertificateInfo> parseCertificate(const std::string& pem);

// X509_verify_cert of certPem against a store holding only caCertPem, at the given time.
// FailedPrecondition with OpenSSL's reason when verification fails.
Status verifyCertificate(const std::string& certPem, const std::string& caCertPem,
                         TimePoint at);

// Whether the private key is the one whose public half the certificate carries.
Result<bool> keyMatchesCertificate(const std::string& privateKeyPem, const std::string& certPem);
// Whether a public key PEM is the public half of the private key (sa.pub against sa.key).
Result<bool> publicKeyMatches(const std::string& privateKeyPem, const std::string& publicKeyPem);

// Lowercase hex SHA-256 of bytes: the fingerprint hosts report for key files (sha256sum).
std::string sha256Hex(const std::string& bytes);

// "2027-12-01" (UTC), for plan output and notes.
std::string formatDate(TimePoint t);

}  // namespace piherd::pki
