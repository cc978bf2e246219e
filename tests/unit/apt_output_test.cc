// The parsers of apt's and dpkg's messages (reconcilers/apt_output.h), on output captured from
// apt 2.6 and dpkg 1.21 (Debian bookworm) in the C locale.
#include "reconcilers/apt_output.h"

#include <gtest/gtest.h>

namespace piherd {
namespace {

TEST(LockHolderTest, AptNamesTheLockAndItsHolder) {
  auto h = parseLockHolder(
      "Waiting for cache lock: Could not get lock /var/lib/dpkg/lock-frontend. It is held by "
      "process 812 (unattended-upgr)...\n"
      "E: Could not get lock /var/lib/dpkg/lock-frontend. It is held by process 812 "
      "(unattended-upgr)\n"
      "E: Unable to acquire the dpkg frontend lock (/var/lib/dpkg/lock-frontend), is another "
      "process using it?\n");
  ASSERT_TRUE(h);
  EXPECT_EQ(h->lockPath, "/var/lib/dpkg/lock-frontend");
  EXPECT_EQ(h->pid, "812");
  EXPECT_EQ(h->process, "unattended-upgr");
  EXPECT_EQ(h->describe(), "the dpkg lock, held by unattended-upgr (pid 812)");
}

TEST(LockHolderTest, AptListsLockIsNamedAsSuch) {
  auto h = parseLockHolder(
      "E: Could not get lock /var/lib/apt/lists/lock. It is held by process 77 (apt-get)\n"
      "E: Unable to lock directory /var/lib/apt/lists/\n");
  ASSERT_TRUE(h);
  EXPECT_EQ(h->describe(), "the apt lock /var/lib/apt/lists/lock, held by apt-get (pid 77)");
}

TEST(LockHolderTest, DpkgSaysOnlyThePid) {
  auto h = parseLockHolder(
      "dpkg: error: dpkg frontend lock was locked by another process with pid 1005\n"
      "Note: removing the lock file is always wrong, can damage the locked area\n"
      "and the entire system. See <https://wiki.debian.org/Teams/Dpkg/FAQ#db-lock>.\n");
  ASSERT_TRUE(h);
  EXPECT_EQ(h->pid, "1005");
  EXPECT_EQ(h->describe(), "the dpkg lock, held by process (pid 1005)");
}

TEST(LockHolderTest, LockWithoutAHolder) {
  auto h = parseLockHolder("E: Could not get lock /var/lib/dpkg/lock - open (11: Resource "
                           "temporarily unavailable)\n");
  ASSERT_TRUE(h);
  EXPECT_EQ(h->lockPath, "/var/lib/dpkg/lock");
  EXPECT_EQ(h->describe(), "the dpkg lock, held by another process");
}

TEST(LockHolderTest, OtherFailuresAreNotLocks) {
  EXPECT_FALSE(parseLockHolder("E: Unable to locate package kubeadm\n"));
  EXPECT_FALSE(parseLockHolder("E: dpkg was interrupted, you must manually run 'dpkg "
                               "--configure -a' to correct the problem.\n"));
  EXPECT_FALSE(parseLockHolder(""));
}

TEST(AptFailureTest, UnreachableRepositoryIsNamedByItsUrl) {
  std::string out =
      "Hit:1 http://10.84.0.1:8087/debian ./ InRelease\n"
      "Err:2 http://10.84.0.1:8099/kubernetes/v1.34/deb  InRelease\n"
      "  Could not connect to 10.84.0.1:8099 (10.84.0.1). - connect (111: Connection refused)\n"
      "Reading package lists...\n"
      "W: Failed to fetch http://10.84.0.1:8099/kubernetes/v1.34/deb/InRelease  Could not "
      "connect to 10.84.0.1:8099 (10.84.0.1). - connect (111: Connection refused)\n"
      "W: Some index files failed to download. They have been ignored, or old ones used "
      "instead.\n";
  EXPECT_EQ(summarizeAptFailure(out),
            "repository http://10.84.0.1:8099/kubernetes/v1.34/deb/ is unreachable (Could not "
            "connect to 10.84.0.1:8099 (10.84.0.1). - connect (111: Connection refused))")
      << summarizeAptFailure(out);
}

TEST(AptFailureTest, NameResolutionFailureIsUnreachable) {
  std::string out =
      "Err:1 https://pkgs.k8s.io/core:/stable:/v1.34/deb  InRelease\n"
      "  Temporary failure resolving 'pkgs.k8s.io'\n";
  EXPECT_EQ(summarizeAptFailure(out),
            "repository https://pkgs.k8s.io/core:/stable:/v1.34/deb/ is unreachable (Temporary "
            "failure resolving 'pkgs.k8s.io')");
}

TEST(AptFailureTest, WrongSignatureSaysSo) {
  std::string out =
      "Get:2 http://10.84.0.1:8087/kubernetes/v1.34/deb  InRelease [1234 B]\n"
      "Err:2 http://10.84.0.1:8087/kubernetes/v1.34/deb  InRelease\n"
      "  The following signatures couldn't be verified because the public key is not "
      "available: NO_PUBKEY 0123456789ABCDEF\n"
      "W: GPG error: http://10.84.0.1:8087/kubernetes/v1.34/deb  InRelease: The following "
      "signatures couldn't be verified because the public key is not available: NO_PUBKEY "
      "0123456789ABCDEF\n"
      "E: The repository 'http://10.84.0.1:8087/kubernetes/v1.34/deb  InRelease' is not "
      "signed.\n";
  std::string s = summarizeAptFailure(out);
  EXPECT_EQ(s,
            "repository http://10.84.0.1:8087/kubernetes/v1.34/deb/ is signed wrongly: its "
            "signature does not verify with the configured key (The following signatures "
            "couldn't be verified because the public key is not available: NO_PUBKEY "
            "0123456789ABCDEF)")
      << s;
}

TEST(AptFailureTest, UnsignedRepositoryAlone) {
  EXPECT_EQ(summarizeAptFailure("E: The repository 'http://x.example/deb  Release' is not signed.\n"),
            "repository http://x.example/deb/ is signed wrongly: its signature does not verify "
            "with the configured key (is not signed)");
}

TEST(AptFailureTest, MissingReleaseFileAndMissingPackages) {
  EXPECT_EQ(summarizeAptFailure(
                "E: The repository 'http://x.example/v1.99/deb  Release' does not have a Release "
                "file.\n"),
            "repository http://x.example/v1.99/deb/ has no Release file (is the URL right?)");
  EXPECT_EQ(summarizeAptFailure("E: Unable to locate package kubeadm\n"),
            "package kubeadm is in no configured repository");
  EXPECT_EQ(summarizeAptFailure("E: Version '1.34.9-*' for 'kubeadm' was not found\n"),
            "version 1.34.9-* of kubeadm is in no configured repository");
  EXPECT_EQ(summarizeAptFailure("E: dpkg was interrupted, you must manually run 'dpkg "
                                "--configure -a' to correct the problem.\n"),
            "dpkg was interrupted (dpkg --configure -a finishes it)");
}

TEST(AptFailureTest, FailedDownloadOfAPackage) {
  EXPECT_EQ(summarizeAptFailure("E: Failed to fetch http://x.example/deb/amd64/kubeadm.deb  "
                                "Could not connect to x.example:80 (192.0.2.1). - connect (113: "
                                "No route to host)\n"),
            "download of http://x.example/deb/amd64/kubeadm.deb failed (Could not connect to "
            "x.example:80 (192.0.2.1). - connect (113: No route to host))");
}

TEST(AptFailureTest, UnknownOutputGivesNothing) {
  EXPECT_EQ(summarizeAptFailure("Reading package lists...\nsomething else\n"), "");
}

TEST(DpkgAuditTest, ListsThePackagesLeftUnfinished) {
  std::string out =
      "The following packages are only half configured, probably due to problems\n"
      "configuring them the first time.  The configuration should be retried using\n"
      "dpkg --configure <package> or the configure menu option in dselect:\n"
      " kubelet              Kubernetes Node Agent\n"
      "\n"
      "The following packages have been unpacked but not yet configured.\n"
      "They must be configured using dpkg --configure or the configure\n"
      "menu option in dselect for them to work:\n"
      " containerd           daemon to control runC\n"
      " runc                 Open Container Project - runtime\n";
  EXPECT_EQ(parseDpkgAudit(out), (std::vector<std::string>{"kubelet", "containerd", "runc"}));
  EXPECT_TRUE(parseDpkgAudit("").empty());
}

}  // namespace
}  // namespace piherd
