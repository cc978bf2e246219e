// Kernel facet: the sysctls and modules Kubernetes needs, persisted under /etc and applied
// live; swap off now and for good, from every source (swap_plan.h); on a Raspberry Pi, cgroup memory on the kernel
// command line (a reboot, done only when the Machine allows it).
#pragma once

#include "reconcilers/facet.h"

namespace piherd {

class KernelFacet : public Facet {
 public:
  std::string_view name() const override { return "kernel"; }
  std::vector<std::string_view> dependsOn() const override { return {}; }
  void addQueries(const HostDesired& desired, QuerySet& queries) const override;
  FacetPlan plan(const HostDesired& desired, const HostFacts& facts) const override;

  // Pure helpers, exposed for tests.
  static std::string sysctlFileContent(const HostDesired& desired);
  static std::string modulesFileContent(const HostDesired& desired);
  static std::string fstabWithoutSwap(const std::string& fstab);
  static std::string cmdlineWithCgroupMemory(const std::string& cmdline);
};

}  // namespace piherd
