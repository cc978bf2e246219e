// Runtime facet: containerd installed, /etc/containerd/config.toml equal to containerd's own
// default configuration with the cgroup driver set (SystemdCgroup = true for systemd), the
// service enabled and active. containerd is restarted only when its config changed. As the
// first facet that installs packages, it also finishes an interrupted dpkg run first.
#pragma once

#include "reconcilers/facet.h"

namespace piherd {

class RuntimeFacet : public Facet {
 public:
  std::string_view name() const override { return "runtime"; }
  std::vector<std::string_view> dependsOn() const override { return {"kernel"}; }
  void addQueries(const HostDesired& desired, QuerySet& queries) const override;
  FacetPlan plan(const HostDesired& desired, const HostFacts& facts) const override;
};

}  // namespace piherd
