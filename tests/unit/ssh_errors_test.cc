// The transport's errors: the code says whether to retry, the message says what happened in
// the user's words and names the host.
#include "platform/ssh_errors.h"

#include <gtest/gtest.h>

namespace piherd::ssh_errors {
namespace {

const std::string kWhere = endpoint("master01", "192.168.3.11", 22);

void expectError(const Error& e, ErrorCode code, bool retryable, const std::string& words) {
  EXPECT_EQ(e.code, code) << e.message;
  EXPECT_EQ(e.retryable(), retryable) << e.message;
  EXPECT_NE(e.message.find(words), std::string::npos) << e.message;
  EXPECT_NE(e.message.find("master01 (192.168.3.11:22)"), std::string::npos) << e.message;
}

TEST(SshErrorsTest, EndpointNamesMachineAddressAndPort) {
  EXPECT_EQ(kWhere, "master01 (192.168.3.11:22)");
}

TEST(SshErrorsTest, UnreachableAndDroppedAreRetryable) {
  expectError(hostUnreachable(kWhere, "Connection refused"), ErrorCode::kUnavailable, true,
              "host unreachable: Connection refused");
  expectError(connectionLost(kWhere, "Socket error: disconnected"), ErrorCode::kUnavailable, true,
              "connection to host lost");
}

TEST(SshErrorsTest, ConnectFailuresMapByCause) {
  expectError(connectFailure(kWhere, "Timeout connecting to 192.168.3.11"), ErrorCode::kUnavailable,
              true, "host unreachable");
  expectError(connectFailure(kWhere, "No route to host"), ErrorCode::kUnavailable, true,
              "No route to host");
  // No common algorithm will not fix itself: not retryable.
  expectError(connectFailure(kWhere, "kex error : no match for method server host key algo"),
              ErrorCode::kFailedPrecondition, false, "no common SSH algorithms");
}

TEST(SshErrorsTest, AuthAndHostKeyRefusalsAreNotRetryable) {
  expectError(authRefused(kWhere, "ubuntu", "key /home/u/.ssh/id_ed25519, ssh-agent"),
              ErrorCode::kPermissionDenied, false, "authentication refused for user ubuntu");
  expectError(hostKeyUnknown(kWhere, "ssh-ed25519 SHA256:abc", "/k"), ErrorCode::kPermissionDenied,
              false, "host key unknown");
  expectError(hostKeyMismatch(kWhere, "ssh-ed25519 SHA256:new", "ssh-ed25519 SHA256:old", "/k"),
              ErrorCode::kPermissionDenied, false, "host key mismatch");
  expectError(hostKeyRevoked(kWhere, "ssh-ed25519 SHA256:x", "/k"), ErrorCode::kPermissionDenied,
              false, "revoked");
  expectError(sudoRefused(kWhere, "ubuntu"), ErrorCode::kPermissionDenied, false,
              "passwordless sudo");
}

TEST(SshErrorsTest, HostKeyMessagesShowBothFingerprintsAndThatNothingRan) {
  Error e = hostKeyMismatch(kWhere, "ssh-ed25519 SHA256:new", "ssh-ed25519 SHA256:old", "/k");
  EXPECT_NE(e.message.find("offered ssh-ed25519 SHA256:new"), std::string::npos);
  EXPECT_NE(e.message.find("/k expects ssh-ed25519 SHA256:old"), std::string::npos);
  EXPECT_NE(e.message.find("nothing was run"), std::string::npos);
}

TEST(SshErrorsTest, TimeoutIsDeadlineExceeded) {
  expectError(commandTimedOut(kWhere, "sleep", std::chrono::seconds(1)),
              ErrorCode::kDeadlineExceeded, true, "command sleep timed out after 1s");
  EXPECT_NE(
      commandTimedOut(kWhere, "x", std::chrono::milliseconds(1500)).message.find("after 1500ms"),
      std::string::npos);
}

TEST(SshErrorsTest, PrivateKeyProblemsAreOurs) {
  Error e = privateKeyUnusable("/k/id", "it does not exist or cannot be read");
  EXPECT_EQ(e.code, ErrorCode::kFailedPrecondition);
  EXPECT_NE(e.message.find("/k/id"), std::string::npos);
}

TEST(SshErrorsTest, RecognizesSudoPasswordRefusal) {
  EXPECT_TRUE(isSudoPasswordRefusal(1, "sudo: a password is required\n"));
  EXPECT_FALSE(isSudoPasswordRefusal(0, "sudo: a password is required\n"));
  EXPECT_FALSE(isSudoPasswordRefusal(1, "cat: /x: No such file or directory\n"));
}

}  // namespace
}  // namespace piherd::ssh_errors
