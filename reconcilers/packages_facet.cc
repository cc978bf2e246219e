#include "reconcilers/packages_facet.h"

namespace piherd {
namespace {

constexpr const char* kPackages[] = {"kubeadm", "kubelet", "kubectl"};

}  // namespace

std::string PackagesFacet::sourcesFileContent(const HostDesired& d) {
  return "# Managed by piherd: the Kubernetes package repository for this cluster's minor.\n"
         "deb [signed-by=" + std::string(kKubernetesKeyring) + "] " + d.repositoryUrl + " /\n";
}

bool PackagesFacet::versionMatches(const std::string& debianVersion, const std::string& pinned) {
  // Debian revisions follow the upstream version after a '-': "1.34.2-1.1".
  return debianVersion == pinned || debianVersion.rfind(pinned + "-", 0) == 0;
}

void PackagesFacet::addQueries(const HostDesired&, QuerySet& q) const {
  q.add(QueryKind::kFile, kKubernetesSourcesFile);
  q.add(QueryKind::kFile, kKubernetesKeyring);
  for (const char* p : kPackages) q.add(QueryKind::kPackage, p);
  q.add(QueryKind::kHolds);
}

FacetPlan PackagesFacet::plan(const HostDesired& d, const HostFacts& facts) const {
  FacetPlan plan;
  FileFact keyring = facts.file(kKubernetesKeyring);
  if (!keyring.exists || keyring.content.empty()) {
    plan.actions.push_back(InstallKeyringAction{.url = d.signingKeyUrl,
                                                .armoredKey = d.signingKeyContent,
                                                .path = kKubernetesKeyring});
  }
  FileFact sources = facts.file(kKubernetesSourcesFile);
  std::string wantSources = sourcesFileContent(d);
  if (!sources.exists || sources.content != wantSources || sources.mode != "644") {
    plan.actions.push_back(WriteFileAction{
        .file = {.path = kKubernetesSourcesFile, .content = wantSources},
        .previous = sources.exists ? std::optional<std::string>(sources.content) : std::nullopt});
  }
  InstallPackagesAction install;
  std::vector<std::string> unheld;
  for (const char* name : kPackages) {
    PackageFact p = facts.package(name);
    if (!p.installed || !versionMatches(p.version, d.kubernetesVersion)) {
      install.packages.push_back(
          {.name = name, .from = p.version, .to = d.kubernetesVersion + "-*"});
    }
    if (!facts.holds().contains(name) || !p.installed) unheld.push_back(name);
  }
  if (!install.packages.empty()) plan.actions.push_back(install);
  if (!unheld.empty()) plan.actions.push_back(HoldPackagesAction{unheld});
  return plan;
}

}  // namespace piherd
