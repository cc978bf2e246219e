// Kubernetes versions piherd supports, and where their packages come from.
// Supported: 1.31 and newer (kubeadm config v1beta4); older minors are rejected because
// their package repositories and kubeadm config API are gone. The format is X.Y.Z; a leading
// "v" is accepted and removed by defaulting (kubeadm writes "v1.34.2", apt "1.34.2-1.1").
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace piherd {

inline constexpr int kMinSupportedMinor = 31;

struct KubernetesVersion {
  int major = 0;
  int minor = 0;
  int patch = 0;

  std::string text() const;       // "1.34.2"
  std::string minorText() const;  // "1.34"
  bool supported() const { return major == 1 && minor >= kMinSupportedMinor; }
};

// "1.34.2" or "v1.34.2"; nullopt for anything else (pre-releases included).
std::optional<KubernetesVersion> parseKubernetesVersion(std::string_view text);

// https://pkgs.k8s.io/core:/stable:/v1.NN/deb/ and its Release.key.
std::string officialPackageRepository(const KubernetesVersion& version);
std::string officialSigningKey(const KubernetesVersion& version);

}  // namespace piherd
