#include "controller/desired_state.h"

#include "controller/vip_desired.h"

#include <fstream>
#include <sstream>

namespace piherd {
namespace {

bool isUrl(const std::string& s) { return s.find("://") != std::string::npos; }

// A path from a manifest, relative to that manifest; a CLI flag overrides it as given.
std::string pathFrom(const std::string& flag, const SourceRef& source, const std::string& value) {
  return flag.empty() ? resolveManifestPath(source, value) : flag;
}

// Files a manifest names (a signing key) are read with a cap, like manifests: a key is a
// few KiB, and a path such as /dev/zero must not take the controller's memory.
constexpr size_t kMaxNamedFileBytes = 1024 * 1024;

Result<std::string> readLocalFile(const std::string& path, const std::string& what) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return makeError(ErrorCode::kInvalidArgument, what + ": cannot read " + path);
  std::string text(kMaxNamedFileBytes + 1, '\0');
  in.read(text.data(), static_cast<std::streamsize>(text.size()));
  text.resize(static_cast<size_t>(in.gcount()));
  if (text.size() > kMaxNamedFileBytes) {
    return makeError(ErrorCode::kInvalidArgument,
                     what + ": " + path + " is larger than 1 MiB; refused");
  }
  return text;
}

SshTarget sshTargetFor(const Machine& m, const Cluster& c, const CliOptions& o) {
  MachineSettings s = effectiveSsh(m, c);
  const SourceRef& keySource = m.spec.ssh.privateKeyFile.empty() ? c.source : m.source;
  const SourceRef& hostsSource = m.spec.ssh.knownHostsFile.empty() ? c.source : m.source;
  SshTarget t;
  t.machine = m.metadata.name;
  t.address = s.host;
  t.port = s.port;
  t.user = s.user;
  t.privateKeyFile = pathFrom(o.sshKey, keySource, s.privateKeyFile);
  t.hostKeys.pinnedHostKey = s.hostKey;
  t.hostKeys.knownHostsFile = pathFrom(o.knownHosts, hostsSource, s.knownHostsFile);
  t.hostKeys.acceptNewHostKeys = o.insecureAcceptNewHostKeys;
  return t;
}

}  // namespace

Result<std::vector<MachineTarget>> buildMachineTargets(const ManifestSet& set,
                                                       const CliOptions& options) {
  const Cluster* cluster = set.cluster();
  if (cluster == nullptr) return makeError(ErrorCode::kInvalidArgument, "no Cluster");
  const ClusterSpec& spec = cluster->spec;
  std::string keyContent;
  if (!isUrl(spec.packages.signingKey)) {
    std::string path = resolveManifestPath(cluster->source, spec.packages.signingKey);
    auto key = readLocalFile(path, "Cluster/" + cluster->metadata.name + ": spec.packages.signingKey");
    if (!key) return tl::unexpected(key.error());
    keyContent = *key;
  }
  std::vector<MachineTarget> out;
  for (const Machine& m : set.machines) {
    MachineTarget t;
    HostDesired& d = t.desired;
    d.machine = m.metadata.name;
    d.controlPlane = m.spec.role == kRoleControlPlane;
    d.allowReboot = m.spec.allowReboot;
    d.dpkgLockTimeoutSeconds = options.dpkgLockTimeoutSeconds;
    d.sysctls = effectiveSysctls(*cluster, m.spec.role);
    d.modules = effectiveModules(*cluster);
    d.cgroupDriver = spec.runtime.cgroupDriver;
    d.kubernetesVersion = spec.kubernetesVersion;
    d.repositoryUrl = spec.packages.repository;
    d.signingKeyUrl = keyContent.empty() ? spec.packages.signingKey : "";
    d.signingKeyContent = keyContent;
    auto vips = vipInstancesFor(set, m, [](const std::string& path) {
      return readLocalFile(path, "authPasswordFile");
    });
    if (!vips) return tl::unexpected(vips.error());
    d.vips = std::move(*vips);
    t.ssh = sshTargetFor(m, *cluster, options);
    out.push_back(std::move(t));
  }
  return out;
}

}  // namespace piherd
