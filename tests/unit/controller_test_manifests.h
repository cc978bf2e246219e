// Test-only manifests for the controller's unit tests: a small valid cluster written into a
// temporary directory, with helpers to edit it the way a user would.
#pragma once

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <string>

namespace piherd::testing {

class ManifestDir {
 public:
  ManifestDir() {
    char tmpl[] = "/tmp/piherd-ctl-XXXXXX";
    path_ = mkdtemp(tmpl);
  }
  ~ManifestDir() { std::filesystem::remove_all(path_); }
  const std::string& path() const { return path_; }
  std::string file(const std::string& name) const { return path_ + "/" + name; }

  // A Cluster with `sysctls` as extras and machines m1..mN (m1 control plane).
  void write(int machines, const std::map<std::string, std::string>& sysctls = {}) {
    std::ofstream c(file("cluster.yaml"));
    c << "apiVersion: piherd.io/v1alpha1\nkind: Cluster\nmetadata: {name: home}\nspec:\n"
      << "  kubernetesVersion: \"1.34.2\"\n  controlPlaneEndpoint: \"192.168.3.10:6443\"\n"
      << "  networking: {podSubnet: 10.244.0.0/16}\n"
      << "  packages: {repository: \"http://repo.invalid/deb/\", signingKey: \"http://repo.invalid/deb/Release.key\"}\n"
      << "  kernel:\n    sysctls: {";
    bool first = true;
    for (const auto& [k, v] : sysctls) {
      c << (first ? "" : ", ") << "\"" << k << "\": \"" << v << "\"";
      first = false;
    }
    c << "}\n---\napiVersion: piherd.io/v1alpha1\nkind: VirtualIP\nmetadata: {name: apiserver}\n"
      << "spec: {cluster: home, address: 192.168.3.10/24, interface: eth0, virtualRouterID: 51}\n";
    std::ofstream m(file("machines.yaml"));
    for (int i = 1; i <= machines; ++i) {
      m << "---\napiVersion: piherd.io/v1alpha1\nkind: Machine\nmetadata: {name: m" << i
        << "}\nspec: {cluster: home, role: " << (i == 1 ? "control-plane" : "worker")
        << ", address: 192.168.3." << (10 + i) << "}\n";
    }
  }

  // An edit that does not validate: a Machine with a bad address.
  void writeInvalidMachine() {
    std::ofstream(file("bad.yaml"))
        << "apiVersion: piherd.io/v1alpha1\nkind: Machine\nmetadata: {name: bad}\n"
        << "spec: {cluster: home, role: worker, address: 999.1.1.1}\n";
  }

 private:
  std::string path_;
};

}  // namespace piherd::testing
