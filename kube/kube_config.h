// Where piherd's Kubernetes client connects and how it authenticates: a kubeconfig's current
// (or a chosen) context, or the in-cluster service account. The result holds secret material
// (client key, bearer token): it is never logged, and error messages name fields and files,
// never their contents.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "platform/status.h"

namespace piherd::kube {

struct KubeConfig {
  std::string server;          // https://host[:port][/prefix]; only https is accepted
  std::string caPem;           // the CA bundle the server is verified against (required)
  std::string clientCertPem;   // client certificate (chain), PEM; empty: none
  std::string clientKeyPem;    // its private key, PEM: secret
  std::string bearerToken;     // secret; empty: none
  std::string tokenFile;       // re-read on every request (service-account tokens rotate)
  std::string ns = "default";  // the context's (or pod's) namespace
  std::string source;          // for messages: "kubeconfig FILE, context NAME" or "in-cluster"
};

struct KubeconfigOptions {
  std::string context;  // empty: the kubeconfig's current-context
  std::string baseDir;  // relative file paths resolve against it (the kubeconfig's directory)
};

// Parses kubeconfig YAML. File references (certificate-authority, client-certificate,
// client-key, tokenFile) are read now, except tokenFile, kept as a path.
Result<KubeConfig> parseKubeconfig(std::string_view yaml, const KubeconfigOptions& options);
// Reads and parses a kubeconfig file; baseDir is the file's directory.
Result<KubeConfig> loadKubeconfig(const std::string& path, const std::string& context = "");

using EnvLookup = std::function<std::optional<std::string>(const char* name)>;
EnvLookup processEnv();

struct InClusterPaths {
  std::string dir = "/var/run/secrets/kubernetes.io/serviceaccount";  // token, ca.crt, namespace
};

// The pod's service account: KUBERNETES_SERVICE_HOST/PORT and the mounted token and CA.
Result<KubeConfig> loadInClusterConfig(const EnvLookup& env = processEnv(),
                                       const InClusterPaths& paths = {});

// What `piherd run` uses: an explicit kubeconfig path when given; else in-cluster when
// KUBERNETES_SERVICE_HOST is set; else $KUBECONFIG (its first entry), else ~/.kube/config.
Result<KubeConfig> loadDefaultConfig(const std::string& kubeconfigPath,
                                     const EnvLookup& env = processEnv());

// Reads a whole file; the message names the file and what it was for, never its content.
Result<std::string> readSmallFile(const std::string& path, std::string_view what);

}  // namespace piherd::kube
