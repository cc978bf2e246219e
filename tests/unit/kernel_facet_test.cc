#include "reconcilers/kernel_facet.h"

#include <gtest/gtest.h>

#include "facts_builder.h"

namespace piherd {
namespace {

using testing::FactsBuilder;

HostDesired desired() {
  HostDesired d;
  d.machine = "master01";
  d.sysctls = {{"net.ipv4.ip_forward", "1"}, {"net.bridge.bridge-nf-call-iptables", "1"}};
  d.modules = {"overlay", "br_netfilter"};
  return d;
}

// Facts of a host where everything the kernel facet wants is already true.
FactsBuilder converged(const HostDesired& d) {
  FactsBuilder b;
  b.file(kSysctlFile, KernelFacet::sysctlFileContent(d))
      .file(kModulesFile, KernelFacet::modulesFileContent(d))
      .file(kFstabFile, "UUID=1 / ext4 defaults 0 1\n")
      .sysctl("net.ipv4.ip_forward", "1")
      .sysctl("net.bridge.bridge-nf-call-iptables", "1")
      .module("overlay")
      .module("br_netfilter")
      .canLoadModules(true);
  return b;
}

template <typename T>
int count(const FacetPlan& p) {
  int n = 0;
  for (const auto& a : p.actions) n += std::holds_alternative<T>(a);
  return n;
}

TEST(KernelFacetTest, ConvergedHostHasEmptyPlan) {
  auto d = desired();
  auto plan = KernelFacet().plan(d, converged(d).build());
  EXPECT_TRUE(plan.empty());
  EXPECT_TRUE(plan.notes.empty());
}

TEST(KernelFacetTest, FreshHostGetsFilesSysctlsAndModules) {
  auto d = desired();
  auto facts = FactsBuilder()
                   .sysctl("net.ipv4.ip_forward", "0")
                   .sysctl("net.bridge.bridge-nf-call-iptables", "0")
                   .canLoadModules(true)
                   .build();
  auto plan = KernelFacet().plan(d, facts);
  EXPECT_EQ(count<WriteFileAction>(plan), 2);
  EXPECT_EQ(count<SetSysctlAction>(plan), 2);
  EXPECT_EQ(count<LoadModuleAction>(plan), 2);
  std::string described = describeAction(plan.actions[1]);
  EXPECT_NE(described.find("0 -> 1"), std::string::npos) << described;
}

TEST(KernelFacetTest, SysctlResetIsTheOnlyAction) {
  auto d = desired();
  auto plan = KernelFacet().plan(d, converged(d).sysctl("net.ipv4.ip_forward", "0").build());
  ASSERT_EQ(plan.actions.size(), 1u);
  auto* s = std::get_if<SetSysctlAction>(&plan.actions[0]);
  ASSERT_NE(s, nullptr);
  EXPECT_EQ(s->key, "net.ipv4.ip_forward");
  EXPECT_EQ(s->from, "0");
}

TEST(KernelFacetTest, ReadOnlySysctlAndUnloadableModuleAreNotesNotActions) {
  auto d = desired();
  auto facts = converged(d)
                   .sysctl("net.bridge.bridge-nf-call-iptables", "0", /*writable=*/false)
                   .canLoadModules(false)
                   .build();
  // The builder's later lines win; br_netfilter stays loaded, so only the sysctl is a note.
  auto plan = KernelFacet().plan(d, facts);
  EXPECT_TRUE(plan.empty());
  ASSERT_EQ(plan.notes.size(), 1u);
  EXPECT_NE(plan.notes[0].find("read-only"), std::string::npos);

  auto noModules = FactsBuilder()
                       .file(kSysctlFile, KernelFacet::sysctlFileContent(d))
                       .file(kModulesFile, KernelFacet::modulesFileContent(d))
                       .sysctl("net.ipv4.ip_forward", "1")
                       .sysctl("net.bridge.bridge-nf-call-iptables", "1")
                       .canLoadModules(false)
                       .build();
  auto plan2 = KernelFacet().plan(d, noModules);
  EXPECT_TRUE(plan2.empty());
  EXPECT_EQ(plan2.notes.size(), 2u);
}

TEST(KernelFacetTest, ModulesAHostDoesNotShowAreNotesNotActions) {
  auto d = desired();
  auto facts = HostFacts::parse(
      "module\toverlay\tloaded\tunknown\nmodule\tbr_netfilter\tloaded\tunknown\n"
      "capeff\t-\tvalue\t000001ffffffffff\nend\t-\t-\t-\n");
  ASSERT_TRUE(facts);
  auto plan = KernelFacet().plan(d, *facts);
  EXPECT_EQ(count<LoadModuleAction>(plan), 0);
  int moduleNotes = 0;
  for (const auto& n : plan.notes) moduleNotes += n.find("no /sys/module") != std::string::npos;
  EXPECT_EQ(moduleNotes, 2);
}

TEST(KernelFacetTest, SwapIsTurnedOffNowAndInFstab) {
  auto d = desired();
  std::string fstab = "UUID=1 / ext4 defaults 0 1\n/swapfile none swap sw 0 0\n";
  auto plan = KernelFacet().plan(d, converged(d).file(kFstabFile, fstab).swaps("/swapfile ").build());
  EXPECT_EQ(count<SwapOffAction>(plan), 1);
  ASSERT_EQ(count<WriteFileAction>(plan), 1);
  std::string fixed = KernelFacet::fstabWithoutSwap(fstab);
  EXPECT_NE(fixed.find("# disabled by piherd"), std::string::npos);
  EXPECT_EQ(KernelFacet::fstabWithoutSwap(fixed), fixed);  // idempotent
}

TEST(KernelFacetTest, RaspberryPiNeedsCgroupMemoryAndAReboot) {
  auto d = desired();
  auto pi = converged(d)
                .file(kPiModelFile, std::string("Raspberry Pi 4 Model B Rev 1.4\0", 31))
                .file(kPiCmdlineFile, "console=tty1 root=PARTUUID=1 rootwait\n")
                .file(kProcCmdlineFile, "console=tty1 root=PARTUUID=1 rootwait\n");
  auto plan = KernelFacet().plan(d, pi.build());
  ASSERT_EQ(count<WriteFileAction>(plan), 1);
  EXPECT_EQ(count<RebootAction>(plan), 0);
  ASSERT_EQ(plan.notes.size(), 1u);
  EXPECT_NE(plan.notes[0].find("reboot required"), std::string::npos);

  d.allowReboot = true;
  EXPECT_EQ(count<RebootAction>(KernelFacet().plan(d, pi.build())), 1);

  std::string fixed = KernelFacet::cmdlineWithCgroupMemory("console=tty1 rootwait\n");
  EXPECT_EQ(fixed, "console=tty1 rootwait cgroup_enable=memory cgroup_memory=1\n");
  auto booted = converged(d)
                    .file(kPiModelFile, "Raspberry Pi 4")
                    .file(kPiCmdlineFile, fixed)
                    .file(kProcCmdlineFile, fixed);
  EXPECT_TRUE(KernelFacet().plan(d, booted.build()).empty());
}

}  // namespace
}  // namespace piherd
