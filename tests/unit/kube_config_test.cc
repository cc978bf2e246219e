// Kubeconfig and in-cluster config parsing (kube/kube_config.h): current context, data vs
// file fields, relative paths, clear errors that never quote secret material.
#include "kube/kube_config.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "platform/base64.h"

namespace piherd::kube {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

class KubeConfigTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("piherd-kubeconfig-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::create_directories(dir_);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  std::string write(const std::string& name, const std::string& content) {
    const auto path = dir_ / name;
    std::ofstream(path) << content;
    return path.string();
  }
  std::filesystem::path dir_;
};

const std::string kCa = "-----BEGIN CERTIFICATE-----\nCA\n-----END CERTIFICATE-----\n";
const std::string kCert = "-----BEGIN CERTIFICATE-----\nCERT\n-----END CERTIFICATE-----\n";
const std::string kKey = "-----BEGIN PRIVATE KEY-----\nSECRETKEY\n-----END PRIVATE KEY-----\n";

std::string twoContexts(const std::string& userA) {
  return "apiVersion: v1\nkind: Config\ncurrent-context: a\n"
         "clusters:\n"
         "- name: ca\n  cluster:\n    server: https://10.0.0.1:6443\n"
         "    certificate-authority-data: " +
         base64Encode(kCa) +
         "\n"
         "- name: cb\n  cluster:\n    server: https://b.example:443\n"
         "    certificate-authority: ca.crt\n"
         "users:\n"
         "- name: ua\n  user:\n" +
         userA +
         "- name: ub\n  user:\n    token: s3cr3t-token\n"
         "contexts:\n"
         "- name: a\n  context: {cluster: ca, user: ua, namespace: kube-system}\n"
         "- name: b\n  context: {cluster: cb, user: ub}\n";
}

const std::string kDataUser = "    client-certificate-data: " + base64Encode(kCert) +
                              "\n    client-key-data: " + base64Encode(kKey) + "\n";

TEST_F(KubeConfigTest, CurrentContextWithInlineData) {
  Result<KubeConfig> c = parseKubeconfig(twoContexts(kDataUser), {"", dir_.string()});
  ASSERT_TRUE(c) << c.error().toString();
  EXPECT_EQ(c->server, "https://10.0.0.1:6443");
  EXPECT_EQ(c->caPem, kCa);
  EXPECT_EQ(c->clientCertPem, kCert);
  EXPECT_EQ(c->clientKeyPem, kKey);
  EXPECT_EQ(c->bearerToken, "");
  EXPECT_EQ(c->ns, "kube-system");
}

TEST_F(KubeConfigTest, ChosenContextWithFilesRelativeToTheKubeconfig) {
  write("ca.crt", kCa);
  const std::string path = write("config", twoContexts(kDataUser));
  Result<KubeConfig> c = loadKubeconfig(path, "b");
  ASSERT_TRUE(c) << c.error().toString();
  EXPECT_EQ(c->server, "https://b.example:443");
  EXPECT_EQ(c->caPem, kCa);
  EXPECT_EQ(c->bearerToken, "s3cr3t-token");
  EXPECT_EQ(c->clientCertPem, "");
  EXPECT_EQ(c->ns, "default");
  EXPECT_THAT(c->source, HasSubstr("context 'b'"));
}

TEST_F(KubeConfigTest, AFileThatNeverEndsIsRefusedNotReadIntoMemory) {
  std::string text = twoContexts(kDataUser);
  // Context b's cluster names its CA as a file: point it at /dev/zero.
  ASSERT_NE(text.find("certificate-authority: ca.crt"), std::string::npos) << text;
  text.replace(text.find("certificate-authority: ca.crt"), 29, "certificate-authority: /dev/zero");
  Result<KubeConfig> c = loadKubeconfig(write("config", text), "b");
  ASSERT_FALSE(c);
  EXPECT_THAT(c.error().message, HasSubstr("/dev/zero is too large"));
}

TEST_F(KubeConfigTest, AServerThatIsNotHttpsIsRefusedAtParse) {
  // Found by fuzz_kubeconfig: a mangled scheme passed the parser (the connection refused it
  // later); the config names the cluster instead, before anything is sent.
  for (const std::string server : {"http://10.0.0.1:6443", "h\xfftps://10.0.0.1:6443", "10.0.0.1:6443"}) {
    std::string text = twoContexts(kDataUser);
    text.replace(text.find("https://10.0.0.1:6443"), 21, server);
    Result<KubeConfig> c = parseKubeconfig(text, {});
    ASSERT_FALSE(c) << server;
    EXPECT_THAT(c.error().message, HasSubstr("cluster 'ca': server must be an https:// URL"));
  }
}

TEST_F(KubeConfigTest, ClientCertificateAndKeyFiles) {
  write("admin.crt", kCert);
  write("admin.key", kKey);
  const std::string path =
      write("config", twoContexts("    client-certificate: admin.crt\n    client-key: " +
                                  (dir_ / "admin.key").string() + "\n    tokenFile: tok\n"));
  Result<KubeConfig> c = loadKubeconfig(path);
  ASSERT_TRUE(c) << c.error().toString();
  EXPECT_EQ(c->clientCertPem, kCert);
  EXPECT_EQ(c->clientKeyPem, kKey);
  EXPECT_EQ(c->tokenFile, (dir_ / "tok").string());
}

TEST_F(KubeConfigTest, MissingCurrentContext) {
  std::string text = twoContexts(kDataUser);
  text.replace(text.find("current-context: a\n"), 19, "");
  Result<KubeConfig> c = parseKubeconfig(text, {});
  ASSERT_FALSE(c);
  EXPECT_EQ(c.error().code, ErrorCode::kInvalidArgument);
  EXPECT_THAT(c.error().message, HasSubstr("no current-context"));
  Result<KubeConfig> unknown = parseKubeconfig(twoContexts(kDataUser), {"nope", ""});
  ASSERT_FALSE(unknown);
  EXPECT_THAT(unknown.error().message, HasSubstr("no context named 'nope'"));
}

TEST_F(KubeConfigTest, BadBase64NamesTheFieldNotTheContent) {
  Result<KubeConfig> c =
      parseKubeconfig(twoContexts("    client-certificate-data: " + base64Encode(kCert) +
                                  "\n    client-key-data: 'not*base64!SECRETKEY'\n"),
                      {});
  ASSERT_FALSE(c);
  EXPECT_EQ(c.error().code, ErrorCode::kInvalidArgument);
  EXPECT_THAT(c.error().message, HasSubstr("user 'ua': client-key-data is not valid base64"));
  EXPECT_THAT(c.error().message, Not(HasSubstr("SECRETKEY")));
}

TEST_F(KubeConfigTest, MissingFilesAndHalfCredentials) {
  Result<KubeConfig> noCa = loadKubeconfig(write("config", twoContexts(kDataUser)), "b");
  ASSERT_FALSE(noCa);
  EXPECT_EQ(noCa.error().code, ErrorCode::kNotFound);
  EXPECT_THAT(noCa.error().message, HasSubstr("certificate-authority: cannot read"));

  Result<KubeConfig> certOnly = parseKubeconfig(
      twoContexts("    client-certificate-data: " + base64Encode(kCert) + "\n"), {});
  ASSERT_FALSE(certOnly);
  EXPECT_THAT(certOnly.error().message, HasSubstr("needs its key"));

  Result<KubeConfig> exec = parseKubeconfig(twoContexts("    exec: {command: aws}\n"), {});
  ASSERT_FALSE(exec);
  EXPECT_THAT(exec.error().message, HasSubstr("not supported"));
}

TEST_F(KubeConfigTest, RefusesToSkipVerificationOrGoWithoutCa) {
  std::string text = twoContexts(kDataUser);
  text.replace(text.find("    certificate-authority-data"), 0,
               "    insecure-skip-tls-verify: true\n");
  Result<KubeConfig> skip = parseKubeconfig(text, {});
  ASSERT_FALSE(skip);
  EXPECT_THAT(skip.error().message, HasSubstr("insecure-skip-tls-verify is refused"));

  std::string noCa = twoContexts(kDataUser);
  const auto at = noCa.find("    certificate-authority-data");
  noCa.erase(at, noCa.find('\n', at) + 1 - at);
  Result<KubeConfig> none = parseKubeconfig(noCa, {});
  ASSERT_FALSE(none);
  EXPECT_THAT(none.error().message, HasSubstr("cannot be verified"));
}

TEST_F(KubeConfigTest, NotYaml) {
  Result<KubeConfig> c = parseKubeconfig("a: [unclosed", {});
  ASSERT_FALSE(c);
  EXPECT_EQ(c.error().code, ErrorCode::kInvalidArgument);
}

TEST_F(KubeConfigTest, InClusterFromEnvironmentAndMountedFiles) {
  write("token", "sa-token\n");
  write("ca.crt", kCa);
  write("namespace", "piherd-system\n");
  auto env = [](const char* name) -> std::optional<std::string> {
    if (std::string(name) == "KUBERNETES_SERVICE_HOST") return "10.96.0.1";
    if (std::string(name) == "KUBERNETES_SERVICE_PORT") return "443";
    return std::nullopt;
  };
  Result<KubeConfig> c = loadInClusterConfig(env, {dir_.string()});
  ASSERT_TRUE(c) << c.error().toString();
  EXPECT_EQ(c->server, "https://10.96.0.1:443");
  EXPECT_EQ(c->caPem, kCa);
  EXPECT_EQ(c->tokenFile, (dir_ / "token").string());
  EXPECT_EQ(c->bearerToken, "");  // read per request, as the kubelet rotates it
  EXPECT_EQ(c->ns, "piherd-system");

  auto v6 = [](const char* name) -> std::optional<std::string> {
    if (std::string(name) == "KUBERNETES_SERVICE_HOST") return "fd00::1";
    if (std::string(name) == "KUBERNETES_SERVICE_PORT") return "6443";
    return std::nullopt;
  };
  ASSERT_TRUE(loadInClusterConfig(v6, {dir_.string()}));
  EXPECT_EQ(loadInClusterConfig(v6, {dir_.string()})->server, "https://[fd00::1]:6443");
}

TEST_F(KubeConfigTest, InClusterNeedsEnvironmentAndToken) {
  auto none = [](const char*) -> std::optional<std::string> { return std::nullopt; };
  Result<KubeConfig> c = loadInClusterConfig(none, {dir_.string()});
  ASSERT_FALSE(c);
  EXPECT_EQ(c.error().code, ErrorCode::kFailedPrecondition);
  write("ca.crt", kCa);
  auto env = [](const char* name) -> std::optional<std::string> {
    return std::string(name).starts_with("KUBERNETES_SERVICE_") ? std::optional<std::string>("1")
                                                                : std::nullopt;
  };
  Result<KubeConfig> noToken = loadInClusterConfig(env, {dir_.string()});
  ASSERT_FALSE(noToken);
  EXPECT_THAT(noToken.error().message, HasSubstr("in-cluster token"));
}

}  // namespace
}  // namespace piherd::kube
