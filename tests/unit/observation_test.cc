#include "reconcilers/observation.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>

#include "local_transport.h"
#include "platform/base64.h"

using namespace std::string_literals;

namespace piherd {
namespace {

TEST(ObservationParseTest, ParsesEveryKind) {
  std::string out =
      "file\t/etc/x\tstat\t640 root adm\n"
      "file\t/etc/x\tcontent\t" + base64Encode("a\tb\n\0c"s) + "\n"
      "file\t/etc/none\tmissing\t1\n"
      "sysctl\tnet.ipv4.ip_forward\tvalue\t1\n"
      "sysctl\tnet.ipv4.ip_forward\twritable\t1\n"
      "sysctl\tkernel.x\tmissing\t1\n"
      "module\toverlay\tloaded\t1\n"
      "module\tbr_netfilter\tloaded\tunknown\n"
      "package\tkubeadm\tstatus\tinstalled 1.34.2-1.1\n"
      "package\tkubelet\tstatus\tconfig-files 1.34.1-1.1\n"
      "unit\tcontainerd\tactive\tactive\n"
      "unit\tcontainerd\tenabled\tdisabled\n"
      "holds\t-\tlist\tkubeadm kubelet \n"
      "swaps\t-\tlist\t/swapfile \n"
      "capeff\t-\tvalue\t00000000a80425fb\n"
      "end\t-\t-\t-\n";
  auto f = HostFacts::parse(out);
  ASSERT_TRUE(f) << f.error().message;
  EXPECT_TRUE(f->file("/etc/x").exists);
  EXPECT_EQ(f->file("/etc/x").content, "a\tb\n\0c"s);
  EXPECT_EQ(f->file("/etc/x").mode, "640");
  EXPECT_EQ(f->file("/etc/x").group, "adm");
  EXPECT_FALSE(f->file("/etc/none").exists);
  EXPECT_EQ(f->sysctl("net.ipv4.ip_forward").value, "1");
  EXPECT_TRUE(f->sysctl("net.ipv4.ip_forward").writable);
  EXPECT_FALSE(f->sysctl("kernel.x").exists);
  EXPECT_TRUE(f->moduleLoaded("overlay"));
  EXPECT_FALSE(f->moduleLoaded("br_netfilter"));
  EXPECT_TRUE(f->moduleStateUnknown("br_netfilter"));
  EXPECT_FALSE(f->moduleStateUnknown("overlay"));
  EXPECT_EQ(f->package("kubeadm").version, "1.34.2-1.1");
  EXPECT_FALSE(f->package("kubelet").installed);
  EXPECT_EQ(f->unit("containerd").active, "active");
  EXPECT_EQ(f->unit("containerd").enabled, "disabled");
  EXPECT_EQ(f->holds(), (std::set<std::string>{"kubeadm", "kubelet"}));
  EXPECT_EQ(f->activeSwaps(), std::vector<std::string>{"/swapfile"});
  EXPECT_FALSE(f->canLoadModules());  // bit 16 clear in a80425fb
}

TEST(ObservationParseTest, ParsesDpkgStateAndSwapSources) {
  std::string out =
      "dpkg\t-\tupdates\t3\n"
      "dpkg\t-\taudit\t" + base64Encode(" kubelet   Kubernetes Node Agent\n") + "\n"
      "swap-sources\t-\tunits\t" + base64Encode("swapfile.swap enabled enabled\n") + "\n"
      "swap-sources\t/etc/systemd/zram-generator.conf\tzram-config\t" + base64Encode("[zram0]\n") + "\n"
      "swap-sources\t/usr/lib/systemd/zram-generator.conf\tzram-file\t1\n"
      "end\t-\t-\t-\n";
  auto f = HostFacts::parse(out);
  ASSERT_TRUE(f) << f.error().message;
  EXPECT_EQ(f->dpkg().pendingUpdates, 3);
  EXPECT_EQ(f->dpkg().auditPackages, std::vector<std::string>{"kubelet"});
  EXPECT_TRUE(f->dpkg().interrupted());
  ASSERT_EQ(f->swapUnits().size(), 1u);
  EXPECT_EQ(f->swapUnits()[0].unit, "swapfile.swap");
  EXPECT_EQ(f->swapUnits()[0].state, "enabled");
  ASSERT_EQ(f->zramConfigs().size(), 2u);
  EXPECT_TRUE(f->zramConfigs()[0].definesDevices);
  EXPECT_EQ(f->zramConfigs()[0].content, "[zram0]\n");
  EXPECT_FALSE(f->zramConfigs()[1].definesDevices);
}

TEST(ObservationParseTest, OutputCutShortIsAnError) {
  auto f = HostFacts::parse("module\toverlay\tloaded\t1\n");
  ASSERT_FALSE(f);
  EXPECT_TRUE(f.error().retryable());
  EXPECT_FALSE(HostFacts::parse("garbage line\nend\t-\t-\t-\n"));
}

// The real script, run by the real shell on this machine, against files we control.
TEST(ObservationScriptTest, ReportsTheRealStateOfThisMachine) {
  auto dir = std::filesystem::temp_directory_path() / ("piherd-obs-" + std::to_string(getpid()));
  std::filesystem::create_directories(dir);
  std::string weird = (dir / "a file with spaces; $(touch pwned)").string();
  std::string bytes = "line1\n\ttab\\back\xff\n";
  std::ofstream(weird, std::ios::binary) << bytes;
  chmod(weird.c_str(), 0600);

  QuerySet q;
  q.add(QueryKind::kFile, weird);
  q.add(QueryKind::kFile, (dir / "missing").string());
  q.add(QueryKind::kSysctl, "kernel.ostype");
  q.add(QueryKind::kPackage, "dpkg");
  q.add(QueryKind::kPackage, "surely-not-installed-piherd");
  q.add(QueryKind::kCapEff);
  q.add(QueryKind::kDpkgState);
  q.add(QueryKind::kSwapSources);
  testing::LocalTransport local;
  auto f = observeHost(local, q);
  ASSERT_TRUE(f) << f.error().message;

  EXPECT_EQ(f->file(weird).content, bytes);
  EXPECT_EQ(f->file(weird).mode, "600");
  EXPECT_FALSE(f->file((dir / "missing").string()).exists);
  EXPECT_FALSE(std::filesystem::exists("pwned"));
  EXPECT_EQ(f->sysctl("kernel.ostype").value, "Linux");
  EXPECT_TRUE(f->package("dpkg").installed);
  EXPECT_FALSE(f->package("dpkg").version.empty());
  EXPECT_FALSE(f->package("surely-not-installed-piherd").installed);
  // This machine's dpkg is in order (the build installed packages with it).
  EXPECT_FALSE(f->dpkg().interrupted());
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace piherd
