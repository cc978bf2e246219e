// VipFacet: keepalived on a control plane, holding the cluster's VirtualIPs (docs/vip.md).
// Installs keepalived (and curl, for the apiserver check), writes its config (checked with
// `keepalived -t` before it replaces the old one) and the notify script, keeps the service
// enabled and running, reloads it (SIGHUP) when the config changed, and gives a VRRP master
// back a VIP that was removed by hand. Its keepalived actions are disruptive: one control
// plane at a time (reconcilers/disruption_budget.h).
#pragma once

#include "reconcilers/facet.h"

namespace piherd {

class VipFacet : public Facet {
 public:
  std::string_view name() const override { return "vip"; }
  std::vector<std::string_view> dependsOn() const override { return {"kernel"}; }
  bool appliesTo(const HostDesired& d) const override { return d.controlPlane && !d.vips.empty(); }
  void addQueries(const HostDesired& desired, QuerySet& queries) const override;
  FacetPlan plan(const HostDesired& desired, const HostFacts& facts) const override;
};

}  // namespace piherd
