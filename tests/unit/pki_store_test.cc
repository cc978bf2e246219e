// FilePkiStore: 0700 directories, 0600 keys, made once, incomplete stores refused.
#include "platform/pki_store.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <filesystem>

namespace piherd {
namespace {

namespace fs = std::filesystem;

class PkiStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("piherd-pki-" + std::to_string(::getpid()) + "-" +
                                        ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }
  mode_t modeOf(const std::string& rel) {
    struct stat st;
    EXPECT_EQ(::stat((dir_ / rel).c_str(), &st), 0) << rel;
    return st.st_mode & 07777;
  }
  static SharedPki sample() {
    return {{"K1", "C1"}, {"K2", "C2"}, {"K3", "C3"}, "SAK", "SAPUB"};
  }
  fs::path dir_;
};

TEST_F(PkiStoreTest, EmptyThenCreatedWithPrivateModesThenLoaded) {
  FilePkiStore store(dir_.string());
  auto empty = store.loadShared();
  ASSERT_TRUE(empty);
  EXPECT_FALSE(*empty);
  ASSERT_TRUE(store.createShared(sample()));
  EXPECT_EQ(modeOf(""), 0700u);
  EXPECT_EQ(modeOf("pki"), 0700u);
  EXPECT_EQ(modeOf("pki/etcd"), 0700u);
  for (const char* key : {"pki/ca.key", "pki/front-proxy-ca.key", "pki/etcd/ca.key", "pki/sa.key"}) {
    EXPECT_EQ(modeOf(key), 0600u) << key;
  }
  EXPECT_EQ(modeOf("pki/ca.crt"), 0644u);
  EXPECT_EQ(modeOf("pki/sa.pub"), 0644u);
  auto loaded = FilePkiStore(dir_.string()).loadShared();
  ASSERT_TRUE(loaded && *loaded);
  EXPECT_EQ(**loaded, sample());
}

TEST_F(PkiStoreTest, KeysAreNeverMadeTwice) {
  FilePkiStore store(dir_.string());
  ASSERT_TRUE(store.createShared(sample()));
  SharedPki other = sample();
  other.ca.keyPem = "OTHER";
  auto again = store.createShared(other);
  ASSERT_FALSE(again);
  EXPECT_EQ(again.error().code, ErrorCode::kFailedPrecondition);
  EXPECT_EQ((*store.loadShared())->ca.keyPem, "K1");
}

TEST_F(PkiStoreTest, IncompleteStoreIsAnErrorNotEmpty) {
  FilePkiStore store(dir_.string());
  ASSERT_TRUE(store.createShared(sample()));
  fs::remove(dir_ / "pki/etcd/ca.key");
  auto r = store.loadShared();
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ErrorCode::kFailedPrecondition);
  EXPECT_NE(r.error().message.find("etcd/ca.key"), std::string::npos);
  EXPECT_EQ(r.error().message.find("K1"), std::string::npos);
}

TEST_F(PkiStoreTest, LooseStateDirectoryIsTightened) {
  fs::create_directories(dir_ / "pki");
  fs::permissions(dir_, fs::perms(0755));
  fs::permissions(dir_ / "pki", fs::perms(0755));
  FilePkiStore store(dir_.string());
  ASSERT_TRUE(store.createShared(sample()));
  EXPECT_EQ(modeOf(""), 0700u);
  EXPECT_EQ(modeOf("pki"), 0700u);
}

TEST_F(PkiStoreTest, ApiserverPairPerMachine) {
  FilePkiStore store(dir_.string());
  EXPECT_FALSE(*store.loadApiserver("cp1"));
  ASSERT_TRUE(store.saveApiserver("cp1", {"KEY1", "CERT1"}));
  ASSERT_TRUE(store.saveApiserver("cp1", {"KEY1", "CERT2"}));
  EXPECT_EQ(modeOf("pki/machines/cp1/apiserver.key"), 0600u);
  EXPECT_EQ(modeOf("pki/machines/cp1"), 0700u);
  auto kc = store.loadApiserver("cp1");
  ASSERT_TRUE(kc && *kc);
  EXPECT_EQ(**kc, (KeyAndCertificate{"KEY1", "CERT2"}));
  EXPECT_FALSE(*store.loadApiserver("cp2"));
}

}  // namespace
}  // namespace piherd
