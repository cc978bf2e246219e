// platform/pki: generated certificates verify against their CA with X509_verify_cert, SANs
// parse back exactly, keys match their certificates.
#include "platform/pki.h"

#include <gtest/gtest.h>

namespace piherd::pki {
namespace {

using std::chrono::hours;

const TimePoint kNow = std::chrono::system_clock::from_time_t(1796083200);  // 2026-12-01

struct Ca {
  std::string key, cert;
};

Ca makeCa(const std::string& cn) {
  auto key = generatePrivateKey();
  EXPECT_TRUE(key) << key.error().message;
  auto cert = selfSignedCaCertificate(
      *key, {.commonName = cn, .notBefore = kNow - hours(1), .notAfter = kNow + hours(24 * 3650)});
  EXPECT_TRUE(cert) << cert.error().message;
  return {*key, *cert};
}

TEST(PkiTest, KeysArePkcs8RsaAndTheirPublicHalfMatches) {
  auto key = generatePrivateKey();
  ASSERT_TRUE(key);
  EXPECT_EQ(key->rfind("-----BEGIN PRIVATE KEY-----\n", 0), 0u);
  auto pub = publicKeyPem(*key);
  ASSERT_TRUE(pub);
  EXPECT_EQ(pub->rfind("-----BEGIN PUBLIC KEY-----\n", 0), 0u);
  EXPECT_TRUE(*publicKeyMatches(*key, *pub));
  EXPECT_FALSE(*publicKeyMatches(*generatePrivateKey(), *pub));
  EXPECT_NE(*generatePrivateKey(), *key);
}

TEST(PkiTest, CaIsSelfSignedCaWithTenYears) {
  Ca ca = makeCa("kubernetes");
  auto info = parseCertificate(ca.cert);
  ASSERT_TRUE(info) << info.error().message;
  EXPECT_TRUE(info->isCa);
  EXPECT_EQ(info->subjectCommonName, "kubernetes");
  EXPECT_EQ(info->issuerCommonName, "kubernetes");
  EXPECT_EQ(info->notAfter, kNow + hours(24 * 3650));
  EXPECT_TRUE(verifyCertificate(ca.cert, ca.cert, kNow));
  EXPECT_TRUE(*keyMatchesCertificate(ca.key, ca.cert));
}

TEST(PkiTest, ServerCertificateVerifiesAgainstItsCaOnlyAndCarriesExactlyItsSans) {
  Ca ca = makeCa("kubernetes");
  Ca other = makeCa("kubernetes");  // same name, other key: must not verify
  auto key = generatePrivateKey();
  CertificateRequest r{.commonName = "kube-apiserver",
                       .dnsNames = {"cp1", "kubernetes", "kubernetes.default.svc.cluster.local"},
                       .ipAddresses = {"127.0.0.1", "10.96.0.1", "10.78.0.100"},
                       .usage = CertificateUsage::kServer,
                       .notBefore = kNow - hours(1),
                       .notAfter = kNow + hours(24 * 365)};
  auto cert = signCertificate(r, *key, ca.cert, ca.key);
  ASSERT_TRUE(cert) << cert.error().message;
  EXPECT_TRUE(verifyCertificate(*cert, ca.cert, kNow));
  auto foreign = verifyCertificate(*cert, other.cert, kNow);
  ASSERT_FALSE(foreign);
  EXPECT_EQ(foreign.error().code, ErrorCode::kFailedPrecondition);
  EXPECT_FALSE(verifyCertificate(*cert, ca.cert, kNow + hours(24 * 366)));  // expired
  auto info = parseCertificate(*cert);
  ASSERT_TRUE(info);
  EXPECT_FALSE(info->isCa);
  EXPECT_EQ(info->subjectCommonName, "kube-apiserver");
  EXPECT_EQ(info->issuerCommonName, "kubernetes");
  EXPECT_EQ(info->dnsNames, r.dnsNames);
  EXPECT_EQ(info->ipAddresses, r.ipAddresses);
  EXPECT_EQ(info->notAfter, r.notAfter);
  EXPECT_EQ(info->sha256Fingerprint.size(), 64u);
  EXPECT_TRUE(*keyMatchesCertificate(*key, *cert));
  EXPECT_FALSE(*keyMatchesCertificate(ca.key, *cert));
  // Two certificates for the same request differ in serial.
  auto again = signCertificate(r, *key, ca.cert, ca.key);
  EXPECT_NE(parseCertificate(*again)->serialHex, info->serialHex);
}

TEST(PkiTest, SigningWithAKeyThatIsNotTheCasIsRefused) {
  Ca ca = makeCa("kubernetes");
  auto key = generatePrivateKey();
  auto r = signCertificate({.commonName = "x", .notBefore = kNow, .notAfter = kNow + hours(1)},
                           *key, ca.cert, *generatePrivateKey());
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ErrorCode::kInvalidArgument);
}

TEST(PkiTest, GarbageDoesNotParseAndErrorsDoNotQuoteInput) {
  auto r = parseCertificate("-----BEGIN CERTIFICATE-----\nc2VjcmV0\n-----END CERTIFICATE-----\n");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().message.find("c2VjcmV0"), std::string::npos);
  auto k = keyMatchesCertificate("-----BEGIN PRIVATE KEY-----\nc2VjcmV0\n-----END PRIVATE KEY-----\n",
                                 makeCa("x").cert);
  ASSERT_FALSE(k);
  EXPECT_EQ(k.error().message.find("c2VjcmV0"), std::string::npos);
}

TEST(PkiTest, Sha256AndDates) {
  EXPECT_EQ(sha256Hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_EQ(formatDate(kNow), "2026-12-01");
}

}  // namespace
}  // namespace piherd::pki
