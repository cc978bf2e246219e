#include "api/kubernetes_version.h"

#include <charconv>

namespace piherd {
namespace {

// A decimal number without sign or leading zeros (except "0"), at most 4 digits.
std::optional<int> parseComponent(std::string_view s) {
  if (s.empty() || s.size() > 4 || (s.size() > 1 && s[0] == '0')) return std::nullopt;
  int value = 0;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), value);
  if (ec != std::errc() || end != s.data() + s.size()) return std::nullopt;
  return value;
}

}  // namespace

std::string KubernetesVersion::text() const {
  return std::to_string(major) + "." + std::to_string(minor) + "." + std::to_string(patch);
}

std::string KubernetesVersion::minorText() const {
  return std::to_string(major) + "." + std::to_string(minor);
}

std::optional<KubernetesVersion> parseKubernetesVersion(std::string_view text) {
  if (!text.empty() && text[0] == 'v') text.remove_prefix(1);
  size_t dot1 = text.find('.');
  if (dot1 == std::string_view::npos) return std::nullopt;
  size_t dot2 = text.find('.', dot1 + 1);
  if (dot2 == std::string_view::npos) return std::nullopt;
  auto major = parseComponent(text.substr(0, dot1));
  auto minor = parseComponent(text.substr(dot1 + 1, dot2 - dot1 - 1));
  auto patch = parseComponent(text.substr(dot2 + 1));
  if (!major || !minor || !patch) return std::nullopt;
  return KubernetesVersion{*major, *minor, *patch};
}

std::string officialPackageRepository(const KubernetesVersion& version) {
  return "https://pkgs.k8s.io/core:/stable:/v" + version.minorText() + "/deb/";
}

std::string officialSigningKey(const KubernetesVersion& version) {
  return officialPackageRepository(version) + "Release.key";
}

}  // namespace piherd
