// Packages facet: the Kubernetes apt repository for the version's minor (pkgs.k8s.io layout,
// one repository per minor) with its signing key as a signed-by keyring, and kubeadm,
// kubelet, kubectl at exactly the pinned version, held with apt-mark. An installed package
// at another version is drift: the plan says so explicitly as a version change.
#pragma once

#include "reconcilers/facet.h"

namespace piherd {

class PackagesFacet : public Facet {
 public:
  std::string_view name() const override { return "packages"; }
  std::vector<std::string_view> dependsOn() const override { return {"runtime"}; }
  void addQueries(const HostDesired& desired, QuerySet& queries) const override;
  FacetPlan plan(const HostDesired& desired, const HostFacts& facts) const override;

  static std::string sourcesFileContent(const HostDesired& desired);
  // Whether an installed Debian version ("1.34.2-1.1") is the pinned upstream one ("1.34.2").
  static bool versionMatches(const std::string& debianVersion, const std::string& pinned);
};

}  // namespace piherd
