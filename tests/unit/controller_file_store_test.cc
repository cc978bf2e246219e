// The file store: listing, reloading after edits (and rejecting invalid ones as a whole),
// the inotify watch, status written and read back atomically, the state directory lock.
#include "controller/file_store.h"

#include <gtest/gtest.h>

#include <condition_variable>
#include <filesystem>
#include <fstream>

#include "api/conditions.h"
#include "tests/unit/controller_test_manifests.h"

namespace piherd {
namespace {

using testing::ManifestDir;

FileStore::Options options(const ManifestDir& dir) {
  return {.manifests = {dir.path()}, .stateDir = dir.file(".piherd")};
}

TEST(FileStoreTest, DefaultStateDirIsBesideTheManifests) {
  ManifestDir dir;
  EXPECT_EQ(defaultStateDir({dir.path()}), dir.path() + "/.piherd");
  EXPECT_EQ(defaultStateDir({dir.file("cluster.yaml")}), dir.path() + "/.piherd");
  EXPECT_EQ(defaultStateDir({"cluster.yaml"}), ".piherd");
}

TEST(FileStoreTest, ListsTheValidDesiredStateAndRefusesAnInvalidOne) {
  ManifestDir dir;
  dir.write(2);
  FileStore store(options(dir));
  auto snap = store.list();
  ASSERT_TRUE(snap) << snap.error().message;
  EXPECT_EQ(snap->set.machines.size(), 2u);
  EXPECT_EQ(snap->resourceVersion, "1");

  ManifestDir bad;
  bad.write(1);
  bad.writeInvalidMachine();
  FileStore badStore(options(bad));
  auto refused = badStore.list();
  ASSERT_FALSE(refused);
  EXPECT_NE(refused.error().message.find("bad.yaml"), std::string::npos) << refused.error().message;
  EXPECT_NE(refused.error().message.find("spec.address"), std::string::npos) << refused.error().message;
}

TEST(FileStoreTest, AValidEditIsANewVersionAndAnInvalidEditKeepsTheLastValidState) {
  ManifestDir dir;
  dir.write(1);
  FileStore store(options(dir));
  ASSERT_TRUE(store.list());
  EXPECT_FALSE(store.reload()) << "nothing changed";

  dir.write(2, {{"net.ipv4.tcp_syncookies", "1"}});
  ASSERT_TRUE(store.reload());
  auto snap = store.list();
  ASSERT_TRUE(snap);
  EXPECT_EQ(snap->resourceVersion, "2");
  EXPECT_EQ(snap->set.machines.size(), 2u);
  EXPECT_EQ(snap->set.cluster()->spec.kernel.sysctls.at("net.ipv4.tcp_syncookies"), "1");

  dir.write(3);  // valid on its own, but with an invalid file beside it: the whole set is refused
  dir.writeInvalidMachine();
  EXPECT_FALSE(store.reload());
  snap = store.list();
  ASSERT_TRUE(snap);
  EXPECT_EQ(snap->resourceVersion, "2");
  EXPECT_EQ(snap->set.machines.size(), 2u) << "the last valid desired state stays in force";
  EXPECT_TRUE(snap->set.cluster()->spec.kernel.sysctls.contains("net.ipv4.tcp_syncookies"));
}

TEST(FileStoreTest, DiffNamesAddedModifiedAndDeletedObjects) {
  ManifestDir a, b;
  a.write(2);
  b.write(3, {{"net.ipv4.tcp_syncookies", "1"}});
  auto before = loadValidatedManifests({a.path()});
  auto after = loadValidatedManifests({b.path()});
  ASSERT_TRUE(before.ok() && after.ok());
  // The Cluster changed (a sysctl), m3 is new.
  auto events = diffSnapshots(before.set, after.set, "7");
  auto has = [&](StoreEvent::Type t, const std::string& kind, const std::string& name) {
    for (const auto& e : events) {
      if (e.type == t && e.kind == kind && e.name == name && e.resourceVersion == "7") return true;
    }
    return false;
  };
  EXPECT_TRUE(has(StoreEvent::Type::kModified, "Cluster", "home"));
  EXPECT_TRUE(has(StoreEvent::Type::kAdded, "Machine", "m3"));
  auto removed = diffSnapshots(after.set, before.set, "8");
  bool deleted = false;
  for (const auto& e : removed) deleted |= e.type == StoreEvent::Type::kDeleted && e.name == "m3";
  EXPECT_TRUE(deleted);
}

TEST(FileStoreTest, TheWatchDeliversAnEditAsEventsWithTheNewVersion) {
  ManifestDir dir;
  dir.write(1);
  FileStore store({.manifests = {dir.path()}, .stateDir = dir.file(".piherd"),
                   .debounce = std::chrono::milliseconds(20)});
  auto snap = store.list();
  ASSERT_TRUE(snap);
  std::mutex mu;
  std::condition_variable cv;
  std::vector<StoreEvent> seen;
  size_t machinesSeen = 0;
  ASSERT_TRUE(store.watch(snap->resourceVersion, [&](const StoreEvent& e, const DesiredSnapshot& d) {
    std::lock_guard<std::mutex> lock(mu);
    seen.push_back(e);
    machinesSeen = d.set.machines.size();
    cv.notify_all();
  }));
  // Writes inside the state directory are no manifest change.
  ASSERT_TRUE(writeFileAtomically(dir.file(".piherd/status/machines/m1.json"), "{}"));
  dir.write(2);
  std::unique_lock<std::mutex> lock(mu);
  ASSERT_TRUE(cv.wait_for(lock, std::chrono::seconds(10), [&] { return !seen.empty(); }))
      << "no event within 10 s of the edit";
  EXPECT_EQ(seen.back().kind, "Machine");
  EXPECT_EQ(seen.back().name, "m2");
  EXPECT_EQ(seen.back().type, StoreEvent::Type::kAdded);
  EXPECT_EQ(seen.back().resourceVersion, "2");
  EXPECT_EQ(machinesSeen, 2u);
  lock.unlock();
  store.stop();
}

TEST(FileStoreTest, StatusAndObservedFactsAreWrittenAtomicallyAndReadBack) {
  ManifestDir dir;
  dir.write(2);
  FileStore store(options(dir));
  auto snap = store.list();
  ASSERT_TRUE(snap);
  Machine m = snap->set.machines.front();
  m.status.phase = "Ready";
  m.status.lastReconcileTime = "2026-12-02T01:00:00Z";
  m.status.conditions.push_back({.type = "Reachable", .status = "True", .reason = "Connected",
                                 .lastTransitionTime = "2026-12-02T00:59:00Z"});
  ASSERT_TRUE(store.updateStatus(m));
  ASSERT_TRUE(store.updateObserved(m.metadata.name, {{"facets", {{"kernel", {{"state", "converged"}}}}}}));
  Cluster c = *snap->set.cluster();
  c.status.phase = "Ready";
  c.status.controlPlaneReady = "1/1";
  ASSERT_TRUE(store.updateStatus(c));

  // No temp file is left beside the status.
  for (const auto& e : std::filesystem::recursive_directory_iterator(dir.file(".piherd"))) {
    EXPECT_EQ(e.path().string().find(".tmp."), std::string::npos) << e.path();
  }
  FileStore reader(options(dir));  // as `piherd status` or a restarted controller would
  auto status = reader.readStatus();
  ASSERT_TRUE(status) << status.error().message;
  ASSERT_TRUE(status->machines.contains("m1"));
  EXPECT_EQ(status->machines["m1"].status, m.status);
  EXPECT_EQ(status->machines["m1"].spec.address, "192.168.3.11");
  EXPECT_EQ(status->clusters["home"].status.controlPlaneReady, "1/1");
  EXPECT_EQ(status->observed["m1"]["facets"]["kernel"]["state"], "converged");

  ASSERT_TRUE(store.removeStatus("Machine", "m1"));
  status = reader.readStatus();
  ASSERT_TRUE(status);
  EXPECT_FALSE(status->machines.contains("m1"));
  EXPECT_FALSE(status->observed.contains("m1"));
}

TEST(FileStoreTest, ReadingStatusWithoutAStateDirectorySaysSo) {
  ManifestDir dir;
  dir.write(1);
  FileStore store(options(dir));
  auto status = store.readStatus();
  ASSERT_FALSE(status);
  EXPECT_EQ(status.error().code, ErrorCode::kNotFound);
  EXPECT_NE(status.error().message.find("piherd run"), std::string::npos);
}

TEST(FileStoreTest, ASecondControllerOnTheSameStateDirectoryIsRefusedUntilTheFirstLetsGo) {
  ManifestDir dir;
  auto first = StateDirLock::acquire(dir.file(".piherd"));
  ASSERT_TRUE(first) << first.error().message;
  auto second = StateDirLock::acquire(dir.file(".piherd"));
  ASSERT_FALSE(second);
  EXPECT_EQ(second.error().code, ErrorCode::kFailedPrecondition);
  EXPECT_NE(second.error().message.find("another piherd run (pid " + std::to_string(getpid()) + ")"),
            std::string::npos)
      << second.error().message;
  first->reset();
  EXPECT_TRUE(StateDirLock::acquire(dir.file(".piherd")));
}

}  // namespace
}  // namespace piherd
