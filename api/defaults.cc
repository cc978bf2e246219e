#include "api/defaults.h"

#include "api/kubernetes_version.h"
#include "api/manifest_set.h"

namespace piherd {
namespace {

void defaultString(std::string& field, std::string_view value) {
  if (field.empty()) field = std::string(value);
}

template <class T>
void defaultOptional(std::optional<T>& field, T value) {
  if (!field) field = value;
}

}  // namespace

void applyDefaults(Cluster& cluster) {
  ClusterSpec& spec = cluster.spec;
  if (auto version = parseKubernetesVersion(spec.kubernetesVersion)) {
    spec.kubernetesVersion = version->text();
    if (spec.packages.repository.empty()) {
      spec.packages.repository = officialPackageRepository(*version);
      defaultString(spec.packages.signingKey, officialSigningKey(*version));
    }
  }
  if (!spec.controlPlaneEndpoint.empty() &&
      spec.controlPlaneEndpoint.find(':') == std::string::npos) {
    spec.controlPlaneEndpoint += ":" + std::to_string(kDefaultApiServerPort);
  }
  defaultString(spec.networking.serviceSubnet, kDefaultServiceSubnet);
  defaultString(spec.networking.dnsDomain, kDefaultDnsDomain);
  defaultString(spec.runtime.cgroupDriver, kDefaultCgroupDriver);
  defaultOptional(spec.certificates.renewBeforeDays, kDefaultRenewBeforeDays);
  defaultString(spec.cni.calico.mode, kDefaultCalicoMode);
  defaultString(spec.ssh.user, kDefaultSshUser);
  defaultOptional(spec.ssh.port, kDefaultSshPort);
  defaultString(spec.ssh.privateKeyFile, kDefaultPrivateKeyFile);
  defaultString(spec.ssh.knownHostsFile, kDefaultKnownHostsFile);
}

void applyDefaults(Machine&) {}

void applyDefaults(VirtualIP& vip) {
  defaultOptional(vip.spec.port, kDefaultApiServerPort);
  defaultOptional(vip.spec.vrrpVersion, kDefaultVrrpVersion);
  defaultOptional(vip.spec.advertIntervalSeconds, kDefaultAdvertIntervalSeconds);
}

void applyDefaults(ManifestSet& set) {
  for (auto& c : set.clusters) applyDefaults(c);
  for (auto& m : set.machines) applyDefaults(m);
  for (auto& v : set.vips) applyDefaults(v);
}

}  // namespace piherd
