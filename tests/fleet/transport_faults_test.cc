// SshTransport when things go wrong on real fleet hosts: unknown, changed, pinned and wrong
// host keys (refused before anything runs), refused authentication, a host powered off
// mid-session and a link cut, each followed by recovery on the same transport.
//
// Host use: 1 stop/start, 2 cut/restore, 3 rekey, 4 host-key policy (non-disruptive).
// Every disruption is undone by a guard, pass or fail, so later tests find the fleet up.
#include <libssh/libssh.h>

#include <filesystem>
#include <thread>

#include "tests/fleet/transport_fixture.h"

namespace piherd::fleet {
namespace {

using namespace std::chrono_literals;

// Runs a fleet command now and its opposite when the scope ends.
class FleetUndo {
 public:
  FleetUndo(std::string undo, std::string host) : undo_(std::move(undo)), host_(std::move(host)) {}
  ~FleetUndo() { EXPECT_TRUE(runFleet({undo_, host_}).ok()) << "fleet " << undo_ << " " << host_; }
  FleetUndo(const FleetUndo&) = delete;
  FleetUndo& operator=(const FleetUndo&) = delete;

 private:
  std::string undo_, host_;
};

std::string fingerprint(const std::string& key) {
  return sha256Fingerprint(parseHostKey(key).value()).value();
}

void expectRefusedWith(const Result<CommandResult>& r, const std::string& words,
                       const std::string& fp) {
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ErrorCode::kPermissionDenied) << r.error().message;
  EXPECT_FALSE(r.error().retryable());
  EXPECT_NE(r.error().message.find(words), std::string::npos) << r.error().message;
  EXPECT_NE(r.error().message.find(fp), std::string::npos) << r.error().message;
}

TEST_F(TransportFleetTest, UnknownHostRefusedByDefaultAcceptedAndRecordedOnRequest) {
  const size_t h = 4;
  const std::string marker = "/tmp/piherd-unknown-host-marker";
  std::string emptyKnownHosts = tmp_.file("empty_known_hosts");
  SshTarget t = target(h);
  t.hostKeys.knownHostsFile = emptyKnownHosts;
  SshTransport strict(t);
  expectRefusedWith(strict.run({"touch", marker}), "host key unknown",
                    fingerprint(host(h).hostKey));
  EXPECT_FALSE(existsOnHost(h, marker)) << "a command ran on a host whose key was not trusted";
  EXPECT_FALSE(std::filesystem::exists(emptyKnownHosts));

  t.hostKeys.acceptNewHostKeys = true;
  SshTransport tofu(t);
  EXPECT_TRUE(tofu.run({"true"}));
  auto recorded = KnownHosts::load(emptyKnownHosts).value();
  EXPECT_EQ(recorded.check(host(h).address, parseHostKey(host(h).hostKey).value()).verdict,
            KnownHosts::Verdict::kKnown);
  t.hostKeys.acceptNewHostKeys = false;
  SshTransport later(t);
  EXPECT_TRUE(later.run({"true"})) << "the recorded key should now be trusted";
}

TEST_F(TransportFleetTest, PinnedHostKeyAcceptedAndWrongPinRefused) {
  const size_t h = 4;
  SshTarget t = target(h);
  t.hostKeys.knownHostsFile = tmp_.file("none");  // the pin alone decides
  t.hostKeys.pinnedHostKey = host(h).hostKey;
  SshTransport pinned(t);
  auto r = pinned.run({"hostname"});
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->out, host(h).name + "\n");

  t.hostKeys.pinnedHostKey = host(0).hostKey;  // another host's key
  t.hostKeys.acceptNewHostKeys = true;         // changes nothing for a pinned key
  SshTransport wrong(t);
  const std::string marker = "/tmp/piherd-wrong-pin-marker";
  auto refused = wrong.run({"touch", marker});
  expectRefusedWith(refused, "host key mismatch", fingerprint(host(h).hostKey));
  EXPECT_NE(refused.error().message.find(fingerprint(host(0).hostKey)), std::string::npos);
  EXPECT_FALSE(existsOnHost(h, marker));
}

TEST_F(TransportFleetTest, ChangedHostKeyRefusedEvenWithAcceptNew) {
  const size_t h = 3;
  const std::string marker = "/tmp/piherd-rekey-marker";
  SshTransport before(target(h));
  ASSERT_TRUE(before.run({"true"}));

  FleetRun rekey = runFleet({"rekey", host(h).name});
  ASSERT_TRUE(rekey.ok()) << "fleet rekey failed";
  std::string newKey = rekey.out.substr(0, rekey.out.find('\n'));
  ASSERT_TRUE(parseHostKey(newKey)) << "fleet rekey printed: " << rekey.out;
  ASSERT_NE(fingerprint(newKey), fingerprint(host(h).hostKey));

  for (bool acceptNew : {false, true}) {
    SshTarget t = target(h);  // this test's known_hosts copy still holds the old key
    t.hostKeys.acceptNewHostKeys = acceptNew;
    SshTransport after(t);
    auto r = after.run({"touch", marker});
    expectRefusedWith(r, "host key mismatch", fingerprint(newKey));
    EXPECT_NE(r.error().message.find(fingerprint(host(h).hostKey)), std::string::npos);
    EXPECT_EQ(after.connectCount(), 0);
  }
  EXPECT_FALSE(existsOnHost(h, marker)) << "a command ran on a host with a changed key";
  EXPECT_EQ(
      KnownHosts::load(knownHosts())->check(host(h).address, parseHostKey(newKey).value()).verdict,
      KnownHosts::Verdict::kChanged)
      << "the refused key must not have been recorded";

  // The fleet recorded the new key in the run's inventory: with that, the host is trusted.
  auto inventory = loadInventory().value();
  SshTransport fresh(sshTarget(inventory, *inventory.host(host(h).name)));
  EXPECT_TRUE(fresh.run({"true"}));
}

TEST_F(TransportFleetTest, RefusedAuthenticationIsPermissionDenied) {
  ssh_key key = nullptr;
  ASSERT_EQ(ssh_pki_generate(SSH_KEYTYPE_ED25519, 0, &key), SSH_OK);
  std::string keyFile = tmp_.file("stranger_ed25519");
  ASSERT_EQ(ssh_pki_export_privkey_file(key, nullptr, nullptr, nullptr, keyFile.c_str()), SSH_OK);
  ssh_key_free(key);
  SshTarget t = target(4);
  t.privateKeyFile = keyFile;
  SshTransport stranger(t);
  auto r = stranger.run({"true"});
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ErrorCode::kPermissionDenied) << r.error().message;
  EXPECT_NE(r.error().message.find("authentication refused for user root"), std::string::npos)
      << r.error().message;

  t.privateKeyFile = tmp_.file("no_such_key");
  auto missing = SshTransport(t).run({"true"});
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().code, ErrorCode::kFailedPrecondition) << missing.error().message;
}

// RSA keys authenticate as well as ed25519 ones (older Pi images often carry one).
TEST_F(TransportFleetTest, AuthenticatesWithAnRsaKey) {
  ssh_key key = nullptr, pub = nullptr;
  ASSERT_EQ(ssh_pki_generate(SSH_KEYTYPE_RSA, 3072, &key), SSH_OK);
  std::string keyFile = tmp_.file("id_rsa");
  ASSERT_EQ(ssh_pki_export_privkey_file(key, nullptr, nullptr, nullptr, keyFile.c_str()), SSH_OK);
  ASSERT_EQ(ssh_pki_export_privkey_to_pubkey(key, &pub), SSH_OK);
  char* blob = nullptr;
  ASSERT_EQ(ssh_pki_export_pubkey_base64(pub, &blob), SSH_OK);
  std::string line = std::string("ssh-rsa ") + blob + " piherd-rsa-test\n";
  ssh_string_free_char(blob);
  ssh_key_free(pub);
  ssh_key_free(key);

  SshTransport admin(target(3));
  auto added = admin.run({"sh", "-c", "cat >> /root/.ssh/authorized_keys"},
                         ExecOptions{.stdinData = line});
  ASSERT_TRUE(added && added->ok());
  SshTarget t = target(3);
  t.privateKeyFile = keyFile;
  t.useAgent = false;
  SshTransport rsa(t);
  auto r = rsa.run({"id", "-un"});
  auto removed = admin.run({"sed", "-i", "/ piherd-rsa-test$/d", "/root/.ssh/authorized_keys"});
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->out, "root\n");
  ASSERT_TRUE(removed && removed->ok());
  EXPECT_FALSE(SshTransport(t).run({"true"})) << "the RSA key still works after removal";
}

TEST_F(TransportFleetTest, HostStoppedMidSessionThenBackOnTheSameTransport) {
  const size_t h = 1;
  SshTransport t(target(h));
  ASSERT_TRUE(t.run({"true"}));
  {
    FleetUndo start("start", host(h).name);
    ASSERT_TRUE(runFleet({"stop", host(h).name}).ok());
    auto began = std::chrono::steady_clock::now();
    auto r = t.run({"true"});
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().code, ErrorCode::kUnavailable) << r.error().message;
    EXPECT_TRUE(r.error().retryable());
    EXPECT_NE(r.error().message.find(host(h).name), std::string::npos) << r.error().message;
    EXPECT_LT(secondsSince(began), 15.0);
  }  // fleet start: waits until the host answers SSH again
  auto r = t.run({"cat", "/etc/hostname"});
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->out, host(h).name + "\n");
  EXPECT_EQ(t.connectCount(), 2);
}

TEST_F(TransportFleetTest, CutLinkTimesOutBoundedThenRecovers) {
  const size_t h = 2;
  SshTransport t(target(h));  // connectTimeout 5 s
  ASSERT_TRUE(t.run({"true"}));
  {
    FleetUndo restore("restore", host(h).name);
    // The link goes away under a running command: a black hole looks like a slow command.
    Result<CommandResult> during = CommandResult{};
    std::thread command([&] {
      ExecOptions options;
      options.timeout = 3s;
      during = t.run({"sleep", "10"}, options);
    });
    std::this_thread::sleep_for(1s);
    ASSERT_TRUE(runFleet({"cut", host(h).name}).ok());
    command.join();
    ASSERT_FALSE(during);
    EXPECT_EQ(during.error().code, ErrorCode::kDeadlineExceeded) << during.error().message;

    // A new connection into the black hole gives up after the connect timeout.
    auto began = std::chrono::steady_clock::now();
    auto r = t.run({"true"});
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().code, ErrorCode::kUnavailable) << r.error().message;
    EXPECT_NE(r.error().message.find("host unreachable"), std::string::npos) << r.error().message;
    EXPECT_LT(secondsSince(began), 12.0);
  }  // fleet restore
  Result<CommandResult> back = makeError(ErrorCode::kUnavailable, "not tried");
  for (int i = 0; i < 10 && !back; ++i) {
    back = t.run({"true"});
    if (!back) std::this_thread::sleep_for(1s);
  }
  ASSERT_TRUE(back) << back.error().message;
  EXPECT_EQ(t.connectCount(), 2) << "the wedged connection should have been replaced once";
}

}  // namespace
}  // namespace piherd::fleet
