#include "reconcilers/certificate_rollout.h"

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

// Polls https://127.0.0.1:6443/readyz, trusting only the cluster CA placed on the host.
Status waitReady(Transport& t) {
  auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(readyTimeoutMs.load());
  std::string last;
  while (true) {
    auto r = t.run({"curl", "-fsS", "--max-time", "5", "--cacert",
                    std::string(kPkiDir) + "/ca.crt", "https://127.0.0.1:6443/readyz"});
    if (r && r->ok()) return okStatus();
    last = r ? r->err : r.error().message;
    if (std::chrono::steady_clock::now() >= deadline) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(readyIntervalMs.load()));
  }
  return makeError(ErrorCode::kDeadlineExceeded,
                   t.hostName() + ": kube-apiserver did not answer /readyz after the certificate "
                                  "rollout: " + last);
}

}  // namespace

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
    auto r = t.run({"kubeadm", "certs", "renew", name});
    if (!r) return tl::unexpected(r.error());
    if (!r->ok()) {
      return makeError(ErrorCode::kInternal, t.hostName() + ": kubeadm certs renew " + name +
                                                 ": exit " + std::to_string(r->exitStatus) + ": " +
                                                 r->err.substr(0, 400));
    }
  }
  return okStatus();
}

}  // namespace piherd
