#include "reconcilers/certificate_rollout.h"

#include <algorithm>
#include <atomic>
#include <mutex>
#include <thread>

#include "platform/pki.h"
#include "reconcilers/certificates_desired.h"

namespace piherd {
namespace {

std::mutex& rolloutMutex() {
  static std::mutex m;
  return m;
}

std::atomic<long long> readyTimeoutMs{5 * 60 * 1000};
std::atomic<long long> readyIntervalMs{1000};
std::atomic<long long> asideMs{20 * 1000};
std::atomic<long long> stopTimeoutMs{60 * 1000};

constexpr const char* kAnnotation = "piherd.io/apiserver-certificate";

// The manifest with the annotation piherd.io/apiserver-certificate set to `value`: a change
// of the pod spec's metadata, which makes the kubelet restart the static pod. Line-based, on
// kubeadm's own layout (metadata: / annotations: at two-space indentation).
std::string withAnnotation(const std::string& manifest, const std::string& value) {
  std::string line = std::string("    ") + kAnnotation + ": \"" + value + "\"\n";
  std::string out = manifest;
  size_t existing = out.find(std::string("    ") + kAnnotation + ":");
  if (existing != std::string::npos) {
    size_t end = out.find('\n', existing);
    out.replace(existing, (end == std::string::npos ? out.size() : end + 1) - existing, line);
    return out;
  }
  size_t meta = out.find("\nmetadata:\n");
  size_t at = meta == std::string::npos ? std::string::npos : meta + 11;
  if (at == std::string::npos && out.rfind("metadata:\n", 0) == 0) at = 10;
  if (at == std::string::npos) return out;
  size_t ann = out.find("  annotations:\n", at);
  size_t nextTop = out.find("\n", at);
  while (nextTop != std::string::npos && nextTop + 1 < out.size() && out[nextTop + 1] == ' ') {
    nextTop = out.find('\n', nextTop + 1);
  }
  if (ann != std::string::npos && (nextTop == std::string::npos || ann < nextTop)) {
    out.insert(ann + 15, line);
  } else {
    out.insert(at, "  annotations:\n" + line);
  }
  return out;
}

// kube-apiserver's /readyz, trusting only the cluster CA placed on the host.
std::vector<std::string> apiserverReadyz() {
  return {"curl", "-fsS", "--max-time", "5", "--cacert", std::string(kPkiDir) + "/ca.crt",
          "https://127.0.0.1:6443/readyz"};
}
// etcd's health on the metrics address kubeadm gives it (--listen-metrics-urls).
std::vector<std::string> etcdHealth() {
  return {"curl", "-fsS", "--max-time", "5", "http://127.0.0.1:2381/health"};
}
constexpr int kCurlCouldNotConnect = 7;

// Runs `probe` every interval until it succeeds, for up to the ready timeout.
Status waitFor(Transport& t, const std::vector<std::string>& probe, const std::string& what) {
  auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(readyTimeoutMs.load());
  std::string last;
  while (true) {
    auto r = t.run(probe);
    if (r && r->ok()) return okStatus();
    last = r ? r->err : r.error().message;
    if (std::chrono::steady_clock::now() >= deadline) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(readyIntervalMs.load()));
  }
  return makeError(ErrorCode::kDeadlineExceeded,
                   t.hostName() + ": " + what + " did not answer after the certificate rollout: " +
                       last.substr(0, 400));
}

Status waitReady(Transport& t) { return waitFor(t, apiserverReadyz(), "kube-apiserver /readyz"); }

std::string words(const std::vector<std::string>& v) {
  std::string out;
  for (const auto& w : v) out += (out.empty() ? "" : " ") + w;
  return out;
}

// A command that must succeed; its words (names and paths, never a secret) name it in errors.
Status runChecked(Transport& t, const std::vector<std::string>& argv) {
  auto r = t.run(argv);
  if (!r) return tl::unexpected(r.error());
  if (!r->ok()) {
    return makeError(ErrorCode::kInternal, t.hostName() + ": " + words(argv) + ": exit " +
                                               std::to_string(r->exitStatus) + ": " +
                                               r->err.substr(0, 400));
  }
  return okStatus();
}

// After manifests are back: etcd's health (when it is among them), then kube-apiserver's
// /readyz when it runs on the host.
Status waitStarted(Transport& t, const std::vector<std::string>& pods) {
  if (std::find(pods.begin(), pods.end(), "etcd") != pods.end()) {
    if (auto s = waitFor(t, etcdHealth(), "etcd /health"); !s) return s;
  }
  auto apiserver = t.readFile(kApiserverManifest);
  if (apiserver) return waitReady(t);
  if (apiserver.error().code == ErrorCode::kNotFound) return okStatus();
  return tl::unexpected(apiserver.error());
}

// Whether every pod among `pods` that piherd can see from the host (kube-apiserver and etcd,
// by their ports) has stopped: its port refuses connections.
bool stopped(Transport& t, const std::vector<std::string>& pods) {
  for (const auto& pod : pods) {
    std::vector<std::string> probe;
    if (pod == "kube-apiserver") probe = apiserverReadyz();
    if (pod == "etcd") probe = etcdHealth();
    if (probe.empty()) continue;
    auto r = t.run(probe);
    if (!r || r->exitStatus != kCurlCouldNotConnect) return false;
  }
  return true;
}

// kubeadm's documented restart of static pods: manifests out, the kubelet stops the pods,
// manifests back, the pods start again. Only pods whose manifest is on the host.
Status restartStaticPods(Transport& t, const std::vector<std::string>& wanted) {
  std::vector<std::string> pods;
  for (const auto& pod : wanted) {
    auto m = t.readFile(staticPodManifestPath(pod));
    if (m) {
      pods.push_back(pod);
    } else if (m.error().code != ErrorCode::kNotFound) {
      return tl::unexpected(m.error());
    }
  }
  if (pods.empty()) return okStatus();
  if (auto s = runChecked(t, {"mkdir", "-p", "-m", "0700", kStaticPodAsideDir}); !s) return s;
  std::vector<std::string> moved;
  Status result = okStatus();
  for (const auto& pod : pods) {
    result = runChecked(t, {"mv", "-f", staticPodManifestPath(pod), staticPodAsidePath(pod)});
    if (!result) break;
    moved.push_back(pod);
  }
  if (result) {
    auto start = std::chrono::steady_clock::now();
    auto aside = start + std::chrono::milliseconds(asideMs.load());
    auto giveUp = aside + std::chrono::milliseconds(stopTimeoutMs.load());
    while (true) {
      auto now = std::chrono::steady_clock::now();
      if (now >= aside && stopped(t, moved)) break;
      if (now >= giveUp) {
        result = makeError(ErrorCode::kDeadlineExceeded,
                           t.hostName() + ": the kubelet did not stop the static pods " +
                               words(moved) + " after their manifests were moved out");
        break;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(readyIntervalMs.load()));
    }
  }
  // Back in any case: a control plane must not stay without its manifests.
  for (const auto& pod : moved) {
    Status back = runChecked(t, {"mv", "-f", staticPodAsidePath(pod), staticPodManifestPath(pod)});
    if (!back && result) result = back;
  }
  if (!result) return result;
  return waitStarted(t, pods);
}

}  // namespace

const std::vector<std::string>& kubeadmStaticPods() {
  static const std::vector<std::string> pods = {"etcd", "kube-apiserver", "kube-controller-manager",
                                                "kube-scheduler"};
  return pods;
}
std::string staticPodManifestPath(const std::string& pod) {
  return std::string(kStaticPodManifestDir) + "/" + pod + ".yaml";
}
std::string staticPodAsidePath(const std::string& pod) {
  return std::string(kStaticPodAsideDir) + "/" + pod + ".yaml";
}

std::vector<std::string> staticPodsReading(const std::vector<std::string>& renewNames) {
  static const std::vector<std::pair<std::string, std::vector<std::string>>> readers = {
      {"etcd", {"etcd-server", "etcd-peer"}},
      {"kube-apiserver", {"apiserver-kubelet-client", "apiserver-etcd-client", "front-proxy-client"}},
      {"kube-controller-manager", {"controller-manager.conf"}},
      {"kube-scheduler", {"scheduler.conf"}},
  };
  std::vector<std::string> pods;
  for (const auto& [pod, certs] : readers) {
    for (const auto& c : certs) {
      if (std::find(renewNames.begin(), renewNames.end(), c) != renewNames.end()) {
        pods.push_back(pod);
        break;
      }
    }
  }
  return pods;
}

void setStaticPodStopWait(std::chrono::milliseconds aside, std::chrono::milliseconds stopTimeout) {
  asideMs = aside.count();
  stopTimeoutMs = stopTimeout.count();
}

void setApiserverReadyTimeout(std::chrono::milliseconds timeout, std::chrono::milliseconds interval) {
  readyTimeoutMs = timeout.count();
  readyIntervalMs = interval.count();
}

Status rolloutApiserverCertificate(const ApiserverCertificateRolloutAction& a, Transport& t) {
  std::lock_guard<std::mutex> lock(rolloutMutex());
  if (!a.key.path.empty()) {
    if (auto s = t.writeFile(a.key); !s) return s;
  }
  if (auto s = t.writeFile(a.certificate); !s) return s;
  auto manifest = t.readFile(kApiserverManifest);
  if (!manifest) {
    // No kube-apiserver here yet (before kubeadm init/join): placing the files is all.
    if (manifest.error().code == ErrorCode::kNotFound) return okStatus();
    return tl::unexpected(manifest.error());
  }
  std::string fingerprint = pki::sha256Hex(a.certificate.content).substr(0, 16);
  std::string rewritten = withAnnotation(*manifest, fingerprint);
  if (rewritten != *manifest) {
    if (auto s = t.writeFile({.path = kApiserverManifest, .content = rewritten, .mode = 0600}); !s) {
      return s;
    }
  }
  return waitReady(t);
}

Status renewKubeadmCertificates(const KubeadmCertsRenewAction& a, Transport& t) {
  std::lock_guard<std::mutex> lock(rolloutMutex());
  for (const auto& name : a.names) {
    if (auto s = runChecked(t, {"kubeadm", "certs", "renew", name}); !s) return s;
  }
  return restartStaticPods(t, staticPodsReading(a.names));
}

Status restoreStaticPodManifests(const RestoreStaticPodManifestsAction& a, Transport& t) {
  std::lock_guard<std::mutex> lock(rolloutMutex());
  for (const auto& pod : a.pods) {
    Status back = runChecked(t, {"mv", "-f", staticPodAsidePath(pod), staticPodManifestPath(pod)});
    if (!back) return back;
  }
  return waitStarted(t, a.pods);
}

}  // namespace piherd
