// The observation script's key-safe queries, run for real on this machine: key files come
// back as a SHA-256 only, kubeconfigs as their client certificate only.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "local_transport.h"
#include "platform/base64.h"
#include "platform/pki.h"
#include "reconcilers/observation.h"

namespace piherd {
namespace {

namespace fs = std::filesystem;

TEST(CertificatesObservationTest, KeyFilesComeBackAsFingerprintsAndKubeconfigsAsCertificatesOnly) {
  fs::path dir = fs::temp_directory_path() / ("piherd-obs-pki-" + std::to_string(::getpid()));
  fs::create_directories(dir);
  const std::string key = "-----BEGIN PRIVATE KEY-----\nU0VDUkVUa2V5Ynl0ZXM=\n-----END PRIVATE KEY-----\n";
  const std::string cert = "-----BEGIN CERTIFICATE-----\nQ0VSVA==\n-----END CERTIFICATE-----\n";
  std::ofstream(dir / "ca.key") << key;
  fs::permissions(dir / "ca.key", fs::perms(0600));
  std::ofstream(dir / "admin.conf")
      << "apiVersion: v1\nusers:\n- name: kubernetes-admin\n  user:\n"
      << "    client-certificate-data: " << base64Encode(cert) << "\n"
      << "    client-key-data: " << base64Encode(key) << "\n";
  std::ofstream(dir / "nocert.conf") << "apiVersion: v1\nusers: []\n";

  QuerySet q;
  q.add(QueryKind::kFileDigest, (dir / "ca.key").string());
  q.add(QueryKind::kFileDigest, (dir / "missing.key").string());
  q.add(QueryKind::kKubeconfigCert, (dir / "admin.conf").string());
  q.add(QueryKind::kKubeconfigCert, (dir / "nocert.conf").string());
  q.add(QueryKind::kKubeconfigCert, (dir / "missing.conf").string());
  testing::LocalTransport local;
  auto raw = local.run({"sh", "-c", observationScript(), "piherd-observe"},
                       ExecOptions{.stdinData = q.toStdin()});
  ASSERT_TRUE(raw && raw->ok()) << (raw ? raw->err : raw.error().message);
  // Nothing of the key, in any encoding, left the "host".
  EXPECT_EQ(raw->out.find("PRIVATE"), std::string::npos);
  EXPECT_EQ(raw->out.find("U0VDUkVU"), std::string::npos);
  EXPECT_EQ(raw->out.find(base64Encode(key).substr(0, 20)), std::string::npos);

  auto facts = HostFacts::parse(raw->out);
  ASSERT_TRUE(facts) << facts.error().message;
  FileDigestFact d = facts->fileDigest((dir / "ca.key").string());
  EXPECT_TRUE(d.exists);
  EXPECT_EQ(d.sha256, pki::sha256Hex(key));
  EXPECT_EQ(d.mode, "600");
  EXPECT_FALSE(facts->fileDigest((dir / "missing.key").string()).exists);
  EXPECT_FALSE(facts->file((dir / "ca.key").string()).exists);  // never read as content
  EXPECT_EQ(facts->kubeconfigCert((dir / "admin.conf").string()), cert);
  EXPECT_FALSE(facts->kubeconfigCert((dir / "nocert.conf").string()));
  EXPECT_FALSE(facts->kubeconfigCert((dir / "missing.conf").string()));
  fs::remove_all(dir);
}

}  // namespace
}  // namespace piherd
