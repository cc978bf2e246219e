// Swap from every source (reconcilers/swap_plan.h): each source is seen and disabled for good,
// active swaps are named with their source, a converged host plans nothing, and a swap the
// host refused to turn off is a "reboot required" note, never a loop.
#include "reconcilers/swap_plan.h"

#include <gtest/gtest.h>

#include "facts_builder.h"

namespace piherd {
namespace {

using testing::FactsBuilder;

HostDesired desired() {
  HostDesired d;
  d.machine = "pi1";
  return d;
}

FacetPlan planOf(const FactsBuilder& b, HostDesired d = desired()) {
  FacetPlan plan;
  planSwap(d, b.build(), plan);
  return plan;
}

std::vector<std::string> headlines(const FacetPlan& p) {
  std::vector<std::string> out;
  for (const auto& a : p.actions) {
    std::string s = describeAction(a);
    out.push_back(s.substr(0, s.find('\n')));
  }
  return out;
}

FactsBuilder plainHost() {
  FactsBuilder b;
  b.file(kFstabFile, "UUID=1 / ext4 defaults 0 1\n").swapUnits("").swaps("");
  return b;
}

TEST(SwapPlanTest, AHostWithoutSwapPlansNothing) {
  auto plan = planOf(plainHost());
  EXPECT_TRUE(plan.empty()) << ::testing::PrintToString(headlines(plan));
  EXPECT_TRUE(plan.notes.empty());
}

TEST(SwapPlanTest, SwapOffFalseLeavesSwapAlone) {
  auto d = desired();
  d.swapOff = false;
  auto plan = planOf(plainHost().swaps("/var/swap ").package("dphys-swapfile", "20100506-7.1")
                         .unit("dphys-swapfile.service", "active", "enabled"),
                     d);
  EXPECT_TRUE(plan.empty());
}

TEST(SwapPlanTest, DphysSwapfileIsDisabledTheWayItsDocsSay) {
  auto plan = planOf(plainHost()
                         .package("dphys-swapfile", "20100506-7.1")
                         .unit("dphys-swapfile.service", "active", "enabled")
                         .swaps("/var/swap "));
  EXPECT_EQ(headlines(plan),
            (std::vector<std::string>{
                "disable dphys-swapfile (dphys-swapfile swapoff, dphys-swapfile uninstall, "
                "systemctl disable dphys-swapfile)",
                "swapoff /var/swap (dphys-swapfile)"}));
  // Disabled and stopped: nothing left to do.
  EXPECT_TRUE(planOf(plainHost()
                         .package("dphys-swapfile", "20100506-7.1")
                         .unit("dphys-swapfile.service", "inactive", "disabled"))
                  .empty());
}

TEST(SwapPlanTest, DphysSwapfileWithItsOwnSwapFilePath) {
  auto facts = plainHost()
                   .package("dphys-swapfile", "20100506-7.1")
                   .file(kDphysSwapfileConfig, "CONF_SWAPFILE=/srv/swap\nCONF_SWAPSIZE=100\n")
                   .build();
  EXPECT_EQ(swapSourceOf("/srv/swap", facts), "dphys-swapfile");
  EXPECT_EQ(swapSourceOf("/var/swap", facts), "unknown source (swapon by hand or by a script?)");
}

TEST(SwapPlanTest, SwapUnitFilesAreMaskedGeneratedOnesFixedAtTheirSource) {
  auto plan = planOf(plainHost().swapUnits(
      "swapfile.swap enabled enabled\n"
      "dev-zram0.swap generated -\n"
      "old.swap disabled enabled\n"
      "gone.swap masked enabled\n"
      "static.swap static -\n"));
  EXPECT_EQ(headlines(plan),
            (std::vector<std::string>{"systemctl mask swapfile.swap static.swap (swap units: "
                                      "masked so they never start again)"}));
  EXPECT_TRUE(planOf(plainHost().swapUnits("swapfile.swap masked enabled\n")).empty());
}

TEST(SwapPlanTest, ZramGeneratorConfigInEtcIsCommentedOut) {
  std::string conf = "# zram for everyone\n[zram0]\nzram-size = ram / 2\n";
  auto plan = planOf(plainHost().zramConfig("/etc/systemd/zram-generator.conf", conf));
  ASSERT_EQ(plan.actions.size(), 1u);
  const auto& w = std::get<WriteFileAction>(plan.actions[0]);
  EXPECT_EQ(w.file.path, "/etc/systemd/zram-generator.conf");
  EXPECT_EQ(w.file.content,
            "# zram for everyone\n"
            "# disabled by piherd (Kubernetes needs swap off): [zram0]\n"
            "# disabled by piherd (Kubernetes needs swap off): zram-size = ram / 2\n");
  EXPECT_EQ(zramConfigDisabled(w.file.content), w.file.content);  // idempotent
  // What the host reports once written: the file exists and defines no device.
  EXPECT_TRUE(planOf(plainHost().zramFile("/etc/systemd/zram-generator.conf")).empty());
}

TEST(SwapPlanTest, VendorZramConfigIsOverriddenFromEtc) {
  auto plan = planOf(plainHost()
                         .zramConfig("/usr/lib/systemd/zram-generator.conf", "[zram0]\n")
                         .zramConfig("/usr/lib/systemd/zram-generator.conf.d/10-big.conf",
                                     "[zram1]\n"));
  EXPECT_EQ(headlines(plan),
            (std::vector<std::string>{"create /etc/systemd/zram-generator.conf",
                                      "create /etc/systemd/zram-generator.conf.d/10-big.conf"}));
  // With the overrides in /etc (defining nothing), the vendor files no longer count.
  EXPECT_TRUE(planOf(plainHost()
                         .zramConfig("/usr/lib/systemd/zram-generator.conf", "[zram0]\n")
                         .zramFile("/etc/systemd/zram-generator.conf")
                         .zramConfig("/usr/lib/systemd/zram-generator.conf.d/10-big.conf",
                                     "[zram1]\n")
                         .zramFile("/etc/systemd/zram-generator.conf.d/10-big.conf"))
                  .empty());
}

TEST(SwapPlanTest, ZramConfigInRunIsANote) {
  auto plan = planOf(plainHost().zramConfig("/run/systemd/zram-generator.conf", "[zram0]\n"));
  EXPECT_TRUE(plan.empty());
  ASSERT_EQ(plan.notes.size(), 1u);
  EXPECT_NE(plan.notes[0].find("cannot disable it for good"), std::string::npos);
}

TEST(SwapPlanTest, RpiSwapGetsMechanismNone) {
  EXPECT_EQ(rpiSwapConfWithoutSwap("[Main]\nMechanism=zram+file\n\n[File]\nPath=/var/swap\n"),
            "[Main]\nMechanism=none\n\n[File]\nPath=/var/swap\n");
  EXPECT_EQ(rpiSwapConfWithoutSwap("# defaults\n[Main]\n"), "# defaults\n[Main]\nMechanism=none\n");
  EXPECT_EQ(rpiSwapConfWithoutSwap(""), "[Main]\nMechanism=none\n");
  EXPECT_EQ(rpiSwapConfWithoutSwap("[Main]\nMechanism = none\n"), "[Main]\nMechanism = none\n");
  // Mechanism in another section is not [Main]'s.
  EXPECT_EQ(rpiSwapConfWithoutSwap("[Zram]\nMechanism=x\n[Main]\nMechanism=auto\n"),
            "[Zram]\nMechanism=x\n[Main]\nMechanism=none\n");

  auto plan = planOf(plainHost().file(kRpiSwapConfig, "[Main]\nMechanism=auto\n").swaps("/dev/zram0 "));
  EXPECT_EQ(headlines(plan), (std::vector<std::string>{"update /etc/rpi/swap.conf",
                                                       "swapoff /dev/zram0 (rpi-swap (zram))"}));
  EXPECT_TRUE(planOf(plainHost().file(kRpiSwapConfig, "[Main]\nMechanism=none\n")).empty());
}

TEST(SwapPlanTest, ActiveSwapsAreNamedWithTheirSource) {
  auto facts = plainHost()
                   .file(kFstabFile, "# disabled by piherd (Kubernetes needs swap off): "
                                     "/dev/sda2 none swap sw 0 0\n")
                   .zramConfig("/etc/systemd/zram-generator.conf", "[zram0]\n")
                   .swapUnits("swapfile.swap masked enabled\n")
                   .swaps("/dev/sda2 /dev/zram0 /swapfile /mnt/manual ");
  auto plan = planOf(facts);
  ASSERT_FALSE(plan.actions.empty());
  EXPECT_EQ(headlines(plan).back(),
            "swapoff /dev/sda2 (fstab), /dev/zram0 (zram-generator), /swapfile (systemd unit "
            "swapfile.swap), /mnt/manual (unknown source (swapon by hand or by a script?))");
}

TEST(SwapPlanTest, SwapTheHostRefusedToTurnOffIsRebootRequiredNotALoop) {
  auto plan = planOf(plainHost()
                         .swaps("/dev/zram0 ")
                         .zramFile("/etc/systemd/zram-generator.conf")
                         .file(kSwapRebootMarker,
                               "/dev/zram0: swapoff: /dev/zram0: swapoff failed: Operation not "
                               "permitted\n"));
  EXPECT_TRUE(plan.empty()) << ::testing::PrintToString(headlines(plan));
  ASSERT_EQ(plan.notes.size(), 1u);
  EXPECT_EQ(plan.notes[0].rfind("reboot required: swap /dev/zram0 (zram (set up outside", 0), 0u)
      << plan.notes[0];
  EXPECT_NE(plan.notes[0].find("Operation not permitted"), std::string::npos);
}

TEST(SwapPlanTest, SystemdPathEscaping) {
  EXPECT_EQ(systemdEscapePath("/dev/zram0"), "dev-zram0");
  EXPECT_EQ(systemdEscapePath("/var/swap"), "var-swap");
  EXPECT_EQ(systemdEscapePath("/dev/disk/by-uuid/ab-cd"), "dev-disk-by\\x2duuid-ab\\x2dcd");
  EXPECT_EQ(systemdEscapePath("//srv//.swap file/"), "srv-.swap\\x20file");
  EXPECT_EQ(systemdEscapePath("/"), "-");
}

}  // namespace
}  // namespace piherd
