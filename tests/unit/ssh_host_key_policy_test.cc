// The host key policy: strict by default, pinned keys first, trust on first use only when
// asked and only for hosts with nothing on record; every refusal names the offered
// fingerprint and carries no key material beyond it.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "platform/host_key_verifier.h"

namespace piherd {
namespace {

constexpr const char* kKey =
    "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIJHE64mtLqfiFutnKjub1ezdcDzrKfUpGshwAkdxbUEt";
constexpr const char* kKeyFp = "SHA256:rvb4t4mAGb1Dn5wJHDNCrCdhU3Ql3Sho49L3tAuY2Fw";
constexpr const char* kOther =
    "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIKV7eefV0AIH61x337wwGjO7AGqeqJBcWUi2WnP3O2Vt";
constexpr const char* kOtherFp = "SHA256:htvtWhqHWNNmNk+AMrpFePmX/cuL0yMQ/6DDPSs+O80";

class HostKeyPolicyTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/piherd-hkp-XXXXXX";
    dir_ = ::mkdtemp(tmpl);
    file_ = dir_ + "/known_hosts";
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  std::string slurp() {
    std::ifstream in(file_);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
  }
  void expectRefused(const Status& st, const char* what) {
    ASSERT_FALSE(st);
    EXPECT_EQ(st.error().code, ErrorCode::kPermissionDenied);
    EXPECT_FALSE(st.error().retryable());
    EXPECT_NE(st.error().message.find(what), std::string::npos) << st.error().message;
    EXPECT_NE(st.error().message.find(kOtherFp), std::string::npos) << st.error().message;
    EXPECT_NE(st.error().message.find("pi1 (10.0.0.7:22)"), std::string::npos);
    // Public fingerprints only: never the key blobs themselves.
    EXPECT_EQ(st.error().message.find("AAAAC3Nza"), std::string::npos) << st.error().message;
  }

  HostIdentity host_{"pi1", "10.0.0.7", 22};
  HostKey offered_ = parseHostKey(kOther).value();
  std::string dir_, file_;
};

TEST_F(HostKeyPolicyTest, PinnedKeyAccepted) {
  HostKeyPolicy policy{kOther, file_, false};
  EXPECT_TRUE(verifyHostKey(host_, offered_, policy));
  EXPECT_FALSE(std::filesystem::exists(file_));  // nothing recorded
}

TEST_F(HostKeyPolicyTest, WrongPinnedKeyRefusedEvenWithAcceptNew) {
  std::ofstream(file_) << "10.0.0.7 " << kOther << "\n";  // known_hosts does not override a pin
  HostKeyPolicy policy{kKey, file_, true};
  auto st = verifyHostKey(host_, offered_, policy);
  expectRefused(st, "host key mismatch");
  EXPECT_NE(st.error().message.find(kKeyFp), std::string::npos);
  EXPECT_NE(st.error().message.find("pinned ssh.hostKey"), std::string::npos);
}

TEST_F(HostKeyPolicyTest, MalformedPinnedKeyIsInvalidArgument) {
  HostKeyPolicy policy{"ssh-ed25519 nonsense", file_, true};
  auto st = verifyHostKey(host_, offered_, policy);
  ASSERT_FALSE(st);
  EXPECT_EQ(st.error().code, ErrorCode::kInvalidArgument);
  EXPECT_NE(st.error().message.find("pi1"), std::string::npos);
}

TEST_F(HostKeyPolicyTest, KnownHostsKeyAccepted) {
  std::ofstream(file_) << "10.0.0.7 " << kOther << "\n";
  EXPECT_TRUE(verifyHostKey(host_, offered_, {"", file_, false}));
}

TEST_F(HostKeyPolicyTest, UnknownHostRefusedByDefault) {
  auto st = verifyHostKey(host_, offered_, {"", file_, false});
  expectRefused(st, "host key unknown");
  EXPECT_NE(st.error().message.find("--insecure-accept-new-host-keys"), std::string::npos);
  EXPECT_FALSE(std::filesystem::exists(file_));
}

TEST_F(HostKeyPolicyTest, UnknownHostAcceptedAndRecordedWithAcceptNew) {
  std::ofstream(file_) << "10.0.0.8 " << kKey << "\n";
  ASSERT_TRUE(verifyHostKey(host_, offered_, {"", file_, true}));
  EXPECT_EQ(slurp(), std::string("10.0.0.8 ") + kKey + "\n10.0.0.7 " + kOther + "\n");
  // Now on record: accepted without the option, and not recorded twice.
  EXPECT_TRUE(verifyHostKey(host_, offered_, {"", file_, false}));
  EXPECT_TRUE(verifyHostKey(host_, offered_, {"", file_, true}));
  EXPECT_EQ(slurp(), std::string("10.0.0.8 ") + kKey + "\n10.0.0.7 " + kOther + "\n");
}

TEST_F(HostKeyPolicyTest, NonDefaultPortRecordedInBrackets) {
  HostIdentity host{"pi1", "10.0.0.7", 2222};
  ASSERT_TRUE(verifyHostKey(host, offered_, {"", file_, true}));
  EXPECT_EQ(slurp(), std::string("[10.0.0.7]:2222 ") + kOther + "\n");
  // The same address on port 22 is another host.
  auto st = verifyHostKey(host_, offered_, {"", file_, false});
  EXPECT_FALSE(st);
}

TEST_F(HostKeyPolicyTest, ChangedKeyRefusedEvenWithAcceptNew) {
  std::ofstream(file_) << "10.0.0.7 " << kKey << "\n";
  std::string before = slurp();
  auto st = verifyHostKey(host_, offered_, {"", file_, true});
  expectRefused(st, "host key mismatch");
  EXPECT_NE(st.error().message.find(kKeyFp), std::string::npos);
  EXPECT_NE(st.error().message.find(file_ + " expects"), std::string::npos);
  EXPECT_NE(st.error().message.find("line 1"), std::string::npos);
  EXPECT_EQ(slurp(), before);
}

TEST_F(HostKeyPolicyTest, RevokedKeyRefused) {
  std::ofstream(file_) << "@revoked * " << kOther << "\n";
  expectRefused(verifyHostKey(host_, offered_, {"", file_, true}), "revoked");
}

TEST_F(HostKeyPolicyTest, UnreadableKnownHostsIsFailedPrecondition) {
  std::filesystem::create_directory(file_);  // a directory cannot be read as a file
  auto st = verifyHostKey(host_, offered_, {"", file_, false});
  ASSERT_FALSE(st);
  EXPECT_EQ(st.error().code, ErrorCode::kFailedPrecondition);
}

TEST_F(HostKeyPolicyTest, ExpectedKeyTypesFollowTheRecord) {
  EXPECT_TRUE(expectedKeyTypes(host_, {"", file_, false}).empty());
  std::ofstream(file_) << "10.0.0.7 " << kKey << "\n";
  EXPECT_EQ(expectedKeyTypes(host_, {"", file_, false}), std::vector<std::string>{"ssh-ed25519"});
  EXPECT_EQ(expectedKeyTypes(host_, {kOther, "", false}), std::vector<std::string>{"ssh-ed25519"});
}

}  // namespace
}  // namespace piherd
