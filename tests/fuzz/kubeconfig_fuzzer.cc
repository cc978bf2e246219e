// libFuzzer target: kubeconfig text (kube::parseKubeconfig, the parser behind --kubeconfig and
// admin.conf): contexts, clusters, users, inline base64 data, and the errors for what is
// refused (exec plugins, insecure-skip-tls-verify, a certificate without its key). Relative
// file names resolve against a directory that does not exist. An input naming /dev, /proc,
// /sys or a ".." path is skipped: reading a device (/dev/stdin would block the fuzzer) is the
// file reader's business, which its unit tests cover (a file that never ends is refused).
// Seeds: tests/fuzz/kubeconfig/.
#include <cstdint>
#include <cstdlib>
#include <string>

#include "kube/kube_config.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string input(reinterpret_cast<const char*>(data), size);
  for (const char* skip : {"/dev", "/proc", "/sys", ".."}) {
    if (input.find(skip) != std::string::npos) return 0;
  }
  size_t newline = input.find('\n');
  // The first line names the context to pick ("" = current-context).
  std::string context = newline == std::string::npos ? "" : input.substr(0, newline);
  std::string text = newline == std::string::npos ? input : input.substr(newline + 1);
  auto config = piherd::kube::parseKubeconfig(
      text, {.context = context, .baseDir = "/nonexistent-piherd-fuzz"});
  if (config) {
    // What a valid config promises (docs/kube-client.md): an https server and a CA.
    if (config->server.rfind("https://", 0) != 0 || config->caPem.empty()) std::abort();
  } else if (config.error().message.empty()) {
    std::abort();
  }
  return 0;
}
