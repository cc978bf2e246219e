// known_hosts parsing, host matching (plain, wildcard, negated, hashed, non-default port),
// and fingerprints checked against ssh-keygen's and libssh's.
#include <gtest/gtest.h>
#include <libssh/libssh.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "platform/known_hosts.h"

namespace piherd {
namespace {

// Generated with ssh-keygen; fingerprints from `ssh-keygen -lf`.
constexpr const char* kEd25519 =
    "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIJHE64mtLqfiFutnKjub1ezdcDzrKfUpGshwAkdxbUEt";
constexpr const char* kEd25519Fp = "SHA256:rvb4t4mAGb1Dn5wJHDNCrCdhU3Ql3Sho49L3tAuY2Fw";
constexpr const char* kOtherEd25519 =
    "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIKV7eefV0AIH61x337wwGjO7AGqeqJBcWUi2WnP3O2Vt";
constexpr const char* kOtherEd25519Fp = "SHA256:htvtWhqHWNNmNk+AMrpFePmX/cuL0yMQ/6DDPSs+O80";
constexpr const char* kRsa =
    "ssh-rsa "
    "AAAAB3NzaC1yc2EAAAADAQABAAABAQDN/QrM66WEzLYE1I5LTxr7Eoo1dPCKUcoIeefPP4J4Ygz2E0ITuUW2U7qZQnaw"
    "dTowKGphPHmAT1tHX9LPpbQHLSu6NGOjS2ay57zdED+jy5m3FRg88nwLSrpQFaylemXYfUlUirePxzY7r12bcRVi96iy"
    "4jOS9Y5zFYnbbWONOQKqROpVm4Xf3ZrLFEYwSn69KkHqkJeafatJgCQzaBS/bvc7mDe/fYPeda51xQHTZhjida3Gj27m"
    "owRaOWLq0BQhXgEeFi2nmXXrecxoy2lDagy92tzovg3HylHkHTL2qpunHeTaGSgg4B17MAvQYVRKnBPXZs2OhtObkyGQ"
    "zBxH";
constexpr const char* kRsaFp = "SHA256:qqoYgJsS04w8VLXCCTxdeLrNSNELqHCxpHtImXy2cyY";
constexpr const char* kEcdsa =
    "ecdsa-sha2-nistp256 "
    "AAAAE2VjZHNhLXNoYTItbmlzdHAyNTYAAAAIbmlzdHAyNTYAAABBBIGSCVbKqbHEQ11byyr9Y0eZbpZ9/ZjOz4Avjq12"
    "03Z9APpHLnwsDTimFgdv3LrrP6lmCe+v9Dk9Oky/mZ/5YRA=";
constexpr const char* kEcdsaFp = "SHA256:FqmJeC1sFgfywK+slQB1dPRs78CeYAvlqJVTORLemh0";
// `ssh-keygen -H` of "10.0.0.7 <kEd25519>".
constexpr const char* kHashedLine =
    "|1|OtcCUgWY8a2TSBrWRsSoRJqACFY=|84D/kpmdRtEyCINuqQR/bJsZBrY= "
    "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIJHE64mtLqfiFutnKjub1ezdcDzrKfUpGshwAkdxbUEt";

HostKey key(const char* text) {
  return parseHostKey(text).value();
}

std::string libsshFingerprint(const HostKey& k) {
  ssh_key pub = nullptr;
  EXPECT_EQ(
      ssh_pki_import_pubkey_base64(k.base64.c_str(), ssh_key_type_from_name(k.type.c_str()), &pub),
      SSH_OK);
  unsigned char* hash = nullptr;
  size_t len = 0;
  EXPECT_EQ(ssh_get_publickey_hash(pub, SSH_PUBLICKEY_HASH_SHA256, &hash, &len), 0);
  char* fp = ssh_get_fingerprint_hash(SSH_PUBLICKEY_HASH_SHA256, hash, len);
  std::string out = fp;
  ssh_string_free_char(fp);
  ssh_clean_pubkey_hash(&hash);
  ssh_key_free(pub);
  return out;
}

TEST(KnownHostsTest, ParsesHostKeysWithAndWithoutComment) {
  auto k = parseHostKey(std::string(kEd25519) + " root@pi");
  ASSERT_TRUE(k);
  EXPECT_EQ(k->type, "ssh-ed25519");
  EXPECT_EQ(k->toString(), kEd25519);
  EXPECT_TRUE(parseHostKey(std::string("  ") + kRsa + "  "));
}

TEST(KnownHostsTest, RejectsMalformedKeys) {
  EXPECT_FALSE(parseHostKey(""));
  EXPECT_FALSE(parseHostKey("ssh-ed25519"));
  EXPECT_FALSE(parseHostKey("ssh-ed25519 not*base64"));
  EXPECT_FALSE(parseHostKey("ssh-ed25519 AAAA"));  // blob too short to name a type
  // The blob of an ed25519 key labelled as RSA.
  auto lie =
      parseHostKey("ssh-rsa AAAAC3NzaC1lZDI1NTE5AAAAIJHE64mtLqfiFutnKjub1ezdcDzrKfUpGshwAkdxbUEt");
  ASSERT_FALSE(lie);
  EXPECT_EQ(lie.error().code, ErrorCode::kInvalidArgument);
}

TEST(KnownHostsTest, FingerprintsMatchSshKeygen) {
  EXPECT_EQ(sha256Fingerprint(key(kEd25519)).value(), kEd25519Fp);
  EXPECT_EQ(sha256Fingerprint(key(kOtherEd25519)).value(), kOtherEd25519Fp);
  EXPECT_EQ(sha256Fingerprint(key(kRsa)).value(), kRsaFp);
  EXPECT_EQ(sha256Fingerprint(key(kEcdsa)).value(), kEcdsaFp);
  EXPECT_EQ(describeKey(key(kEd25519)), std::string("ssh-ed25519 ") + kEd25519Fp);
}

TEST(KnownHostsTest, FingerprintsMatchLibssh) {
  for (const char* k : {kEd25519, kRsa, kEcdsa}) {
    EXPECT_EQ(sha256Fingerprint(key(k)).value(), libsshFingerprint(key(k))) << k;
  }
}

TEST(KnownHostsTest, NamesNonDefaultPortsInBrackets) {
  EXPECT_EQ(knownHostsName("10.0.0.7", 22), "10.0.0.7");
  EXPECT_EQ(knownHostsName("10.0.0.7", 2222), "[10.0.0.7]:2222");
}

TEST(KnownHostsTest, MatchesHostPatterns) {
  EXPECT_TRUE(hostPatternsMatch("10.0.0.7", "10.0.0.7"));
  EXPECT_FALSE(hostPatternsMatch("10.0.0.7", "10.0.0.70"));
  EXPECT_TRUE(hostPatternsMatch("pi1,10.0.0.7", "10.0.0.7"));
  EXPECT_TRUE(hostPatternsMatch("10.0.0.*", "10.0.0.42"));
  EXPECT_TRUE(hostPatternsMatch("pi?.lan", "pi3.lan"));
  EXPECT_TRUE(hostPatternsMatch("PI3.LAN", "pi3.lan"));
  EXPECT_FALSE(hostPatternsMatch("10.0.0.*,!10.0.0.9", "10.0.0.9"));
  EXPECT_TRUE(hostPatternsMatch("10.0.0.*,!10.0.0.9", "10.0.0.8"));
  EXPECT_TRUE(hostPatternsMatch("[10.0.0.7]:2222", "[10.0.0.7]:2222"));
  EXPECT_FALSE(hostPatternsMatch("10.0.0.7", "[10.0.0.7]:2222"));
}

TEST(KnownHostsTest, MatchesHashedHosts) {
  auto hosts = KnownHosts::parse(kHashedLine);
  ASSERT_EQ(hosts.entries().size(), 1u);
  EXPECT_EQ(hosts.check("10.0.0.7", key(kEd25519)).verdict, KnownHosts::Verdict::kKnown);
  EXPECT_EQ(hosts.check("10.0.0.8", key(kEd25519)).verdict, KnownHosts::Verdict::kUnknown);
  EXPECT_EQ(hosts.check("10.0.0.7", key(kOtherEd25519)).verdict, KnownHosts::Verdict::kChanged);
}

TEST(KnownHostsTest, ClassifiesKnownChangedUnknownRevoked) {
  std::string text = std::string("# comment\n\n") + "pi1,10.0.0.7 " + kEd25519 + " c\n" +
                     "10.0.0.8 " + kRsa + "\n" + "this line is garbage\n" +
                     "@cert-authority *.lan " + kOtherEd25519 + "\n" + "@revoked * " + kEcdsa +
                     "\n";
  auto hosts = KnownHosts::parse(text);
  ASSERT_EQ(hosts.entries().size(), 3u);  // comment, blank, garbage, cert-authority skipped
  EXPECT_EQ(hosts.entries()[0].line, 3);

  auto known = hosts.check("10.0.0.7", key(kEd25519));
  EXPECT_EQ(known.verdict, KnownHosts::Verdict::kKnown);

  auto changed = hosts.check("10.0.0.7", key(kOtherEd25519));
  EXPECT_EQ(changed.verdict, KnownHosts::Verdict::kChanged);
  ASSERT_EQ(changed.expected.size(), 1u);
  EXPECT_EQ(changed.expected[0].key, key(kEd25519));

  // A different key type for a host on record is a change too, not a new host.
  EXPECT_EQ(hosts.check("10.0.0.8", key(kEd25519)).verdict, KnownHosts::Verdict::kChanged);
  EXPECT_EQ(hosts.check("10.0.0.9", key(kEd25519)).verdict, KnownHosts::Verdict::kUnknown);
  EXPECT_EQ(hosts.check("10.0.0.9", key(kEcdsa)).verdict, KnownHosts::Verdict::kRevoked);
  EXPECT_EQ(hosts.keyTypesFor("10.0.0.8"), std::vector<std::string>{"ssh-rsa"});
  EXPECT_TRUE(hosts.keyTypesFor("10.0.0.99").empty());
}

class KnownHostsFileTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/piherd-kh-XXXXXX";
    dir_ = ::mkdtemp(tmpl);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  std::string slurp(const std::string& path) {
    std::ifstream in(path);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
  }
  std::string dir_;
};

TEST_F(KnownHostsFileTest, AnEndlessFileIsRefusedNotReadIntoMemory) {
  auto hosts = KnownHosts::load("/dev/zero");
  ASSERT_FALSE(hosts);
  EXPECT_NE(hosts.error().message.find("larger than 16 MiB"), std::string::npos) << hosts.error().message;
}

TEST_F(KnownHostsFileTest, MissingFileIsEmpty) {
  auto hosts = KnownHosts::load(dir_ + "/nope");
  ASSERT_TRUE(hosts);
  EXPECT_TRUE(hosts->entries().empty());
}

TEST_F(KnownHostsFileTest, RecordCreatesFileAndDirectoryPrivately) {
  std::string path = dir_ + "/ssh/known_hosts";
  auto verdict = KnownHosts::recordIfUnknown(path, "[10.0.0.7]:2222", key(kEd25519));
  ASSERT_TRUE(verdict) << verdict.error().message;
  EXPECT_EQ(*verdict, KnownHosts::Verdict::kUnknown);
  EXPECT_EQ(slurp(path), std::string("[10.0.0.7]:2222 ") + kEd25519 + "\n");
  struct stat st {};
  ASSERT_EQ(::stat(path.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  ASSERT_EQ(::stat((dir_ + "/ssh").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0700u);
  auto reloaded = KnownHosts::load(path);
  EXPECT_EQ(reloaded->check("[10.0.0.7]:2222", key(kEd25519)).verdict, KnownHosts::Verdict::kKnown);
}

TEST_F(KnownHostsFileTest, RecordAppendsAfterAnUnterminatedLastLine) {
  std::string path = dir_ + "/known_hosts";
  std::ofstream(path) << "10.0.0.8 " << kRsa;  // no trailing newline
  ASSERT_TRUE(KnownHosts::recordIfUnknown(path, "10.0.0.7", key(kEd25519)));
  EXPECT_EQ(slurp(path), std::string("10.0.0.8 ") + kRsa + "\n10.0.0.7 " + kEd25519 + "\n");
}

TEST_F(KnownHostsFileTest, RecordNeverOverridesAKeyOnRecord) {
  std::string path = dir_ + "/known_hosts";
  std::ofstream(path) << "10.0.0.7 " << kEd25519 << "\n";
  std::string before = slurp(path);
  EXPECT_EQ(KnownHosts::recordIfUnknown(path, "10.0.0.7", key(kOtherEd25519)).value(),
            KnownHosts::Verdict::kChanged);
  EXPECT_EQ(KnownHosts::recordIfUnknown(path, "10.0.0.7", key(kEd25519)).value(),
            KnownHosts::Verdict::kKnown);
  EXPECT_EQ(slurp(path), before);
}

TEST(KnownHostsTest, ExpandsHome) {
  const char* old = std::getenv("HOME");
  std::string saved = old ? old : "";
  ::setenv("HOME", "/home/pi", 1);
  EXPECT_EQ(expandHome("~/.ssh/known_hosts"), "/home/pi/.ssh/known_hosts");
  EXPECT_EQ(expandHome("/etc/ssh/known"), "/etc/ssh/known");
  if (old) {
    ::setenv("HOME", saved.c_str(), 1);
  } else {
    ::unsetenv("HOME");
  }
}

}  // namespace
}  // namespace piherd
