#include "kube/kube_config.h"

#include <yaml-cpp/yaml.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "platform/base64.h"

namespace piherd::kube {
namespace {

constexpr std::size_t kMaxFileBytes = 4 << 20;  // a kubeconfig, a CA bundle: small files

// The named entry of a kubeconfig list (clusters, users, contexts): {name: X, KEY: {...}}.
Result<YAML::Node> findNamed(const YAML::Node& root, const char* list, const char* key,
                             const std::string& name) {
  const YAML::Node entries = root[list];
  if (entries && entries.IsSequence()) {
    for (const YAML::Node& entry : entries) {
      if (entry.IsMap() && entry["name"] && entry["name"].as<std::string>() == name) {
        YAML::Node inner = entry[key];
        if (!inner || !inner.IsMap()) {
          return makeError(ErrorCode::kInvalidArgument,
                           std::string(list) + " entry '" + name + "' has no " + key + " map");
        }
        return inner;
      }
    }
  }
  return makeError(ErrorCode::kInvalidArgument,
                   std::string("no ") + key + " named '" + name + "' in " + list);
}

std::string scalar(const YAML::Node& map, const char* key) {
  const YAML::Node v = map[key];
  return v && v.IsScalar() ? v.as<std::string>() : std::string();
}

std::string resolvePath(const std::string& path, const std::string& baseDir) {
  if (path.empty() || path.front() == '/' || baseDir.empty()) return path;
  return (std::filesystem::path(baseDir) / path).string();
}

// A PEM field given inline (FIELD-data, base64) or by file (FIELD). `what` names it in errors.
Result<std::string> dataOrFile(const YAML::Node& map, const char* field, const std::string& baseDir,
                               const std::string& what) {
  const std::string dataKey = std::string(field) + "-data";
  const std::string data = scalar(map, dataKey.c_str());
  if (!data.empty()) {
    std::optional<std::string> decoded = base64Decode(data);
    if (!decoded) {
      return makeError(ErrorCode::kInvalidArgument, what + ": " + dataKey + " is not valid base64");
    }
    return *decoded;
  }
  const std::string file = scalar(map, field);
  if (file.empty()) return std::string();
  return readSmallFile(resolvePath(file, baseDir), what + " " + field);
}

Status fillCluster(const YAML::Node& cluster, const std::string& name, const std::string& baseDir,
                   KubeConfig& out) {
  const std::string what = "cluster '" + name + "'";
  out.server = scalar(cluster, "server");
  if (out.server.empty()) return makeError(ErrorCode::kInvalidArgument, what + " has no server");
  if (out.server.rfind("https://", 0) != 0) {
    return makeError(ErrorCode::kInvalidArgument,
                     what + ": server must be an https:// URL (the API is always TLS)");
  }
  if (scalar(cluster, "insecure-skip-tls-verify") == "true") {
    return makeError(ErrorCode::kInvalidArgument,
                     what +
                         ": insecure-skip-tls-verify is refused: piherd always verifies the "
                         "server against the cluster CA");
  }
  if (!scalar(cluster, "tls-server-name").empty() || !scalar(cluster, "proxy-url").empty()) {
    return makeError(ErrorCode::kInvalidArgument,
                     what + ": tls-server-name and proxy-url are not supported");
  }
  Result<std::string> ca = dataOrFile(cluster, "certificate-authority", baseDir, what);
  if (!ca) return tl::unexpected(ca.error());
  if (ca->empty()) {
    return makeError(ErrorCode::kInvalidArgument,
                     what + " has no certificate-authority(-data): the server cannot be verified");
  }
  out.caPem = std::move(*ca);
  return okStatus();
}

Status fillUser(const YAML::Node& user, const std::string& name, const std::string& baseDir,
                KubeConfig& out) {
  const std::string what = "user '" + name + "'";
  if (user["exec"] || user["auth-provider"]) {
    return makeError(ErrorCode::kInvalidArgument,
                     what + ": exec and auth-provider credential plugins are not supported");
  }
  Result<std::string> cert = dataOrFile(user, "client-certificate", baseDir, what);
  if (!cert) return tl::unexpected(cert.error());
  Result<std::string> key = dataOrFile(user, "client-key", baseDir, what);
  if (!key) return tl::unexpected(key.error());
  if (cert->empty() != key->empty()) {
    return makeError(ErrorCode::kInvalidArgument,
                     what + ": a client certificate needs its key and a key its certificate");
  }
  out.clientCertPem = std::move(*cert);
  out.clientKeyPem = std::move(*key);
  out.bearerToken = scalar(user, "token");
  const std::string tokenFile = scalar(user, "tokenFile");
  if (!tokenFile.empty()) out.tokenFile = resolvePath(tokenFile, baseDir);
  if (out.clientCertPem.empty() && out.bearerToken.empty() && out.tokenFile.empty()) {
    return makeError(ErrorCode::kInvalidArgument,
                     what + " has no client certificate, token or tokenFile");
  }
  return okStatus();
}

Result<KubeConfig> fromRoot(const YAML::Node& root, const KubeconfigOptions& options) {
  if (!root.IsMap()) return makeError(ErrorCode::kInvalidArgument, "kubeconfig is not a YAML map");
  const std::string contextName =
      options.context.empty() ? scalar(root, "current-context") : options.context;
  if (contextName.empty()) {
    return makeError(ErrorCode::kInvalidArgument,
                     "kubeconfig has no current-context and no context was chosen");
  }
  Result<YAML::Node> context = findNamed(root, "contexts", "context", contextName);
  if (!context) return tl::unexpected(context.error());
  KubeConfig out;
  out.source = "context '" + contextName + "'";
  const std::string clusterName = scalar(*context, "cluster");
  const std::string userName = scalar(*context, "user");
  if (!scalar(*context, "namespace").empty()) out.ns = scalar(*context, "namespace");
  Result<YAML::Node> cluster = findNamed(root, "clusters", "cluster", clusterName);
  if (!cluster) return tl::unexpected(cluster.error());
  if (Status s = fillCluster(*cluster, clusterName, options.baseDir, out); !s) {
    return tl::unexpected(s.error());
  }
  Result<YAML::Node> user = findNamed(root, "users", "user", userName);
  if (!user) return tl::unexpected(user.error());
  if (Status s = fillUser(*user, userName, options.baseDir, out); !s) {
    return tl::unexpected(s.error());
  }
  return out;
}

}  // namespace

Result<std::string> readSmallFile(const std::string& path, std::string_view what) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return makeError(ErrorCode::kNotFound, std::string(what) + ": cannot read " + path);
  }
  // Read at most one byte past the cap: a path such as /dev/zero must not take the memory.
  std::string content(kMaxFileBytes + 1, '\0');
  in.read(content.data(), static_cast<std::streamsize>(content.size()));
  content.resize(static_cast<size_t>(in.gcount()));
  if (content.size() > kMaxFileBytes) {
    return makeError(ErrorCode::kInvalidArgument,
                     std::string(what) + ": " + path + " is too large");
  }
  return content;
}

Result<KubeConfig> parseKubeconfig(std::string_view yaml, const KubeconfigOptions& options) {
  try {
    return fromRoot(YAML::Load(std::string(yaml)), options);
  } catch (const YAML::Exception& e) {
    // yaml-cpp's message holds a position, not the document's content.
    return makeError(ErrorCode::kInvalidArgument, std::string("kubeconfig: ") + e.what());
  }
}

Result<KubeConfig> loadKubeconfig(const std::string& path, const std::string& context) {
  Result<std::string> text = readSmallFile(path, "kubeconfig");
  if (!text) return tl::unexpected(text.error());
  KubeconfigOptions options{context, std::filesystem::path(path).parent_path().string()};
  Result<KubeConfig> config = parseKubeconfig(*text, options);
  if (!config) {
    return makeError(config.error().code, "kubeconfig " + path + ": " + config.error().message);
  }
  config->source = "kubeconfig " + path + ", " + config->source;
  return config;
}

EnvLookup processEnv() {
  return [](const char* name) -> std::optional<std::string> {
    const char* v = std::getenv(name);
    if (v == nullptr) return std::nullopt;
    return std::string(v);
  };
}

Result<KubeConfig> loadInClusterConfig(const EnvLookup& env, const InClusterPaths& paths) {
  const std::optional<std::string> host = env("KUBERNETES_SERVICE_HOST");
  const std::optional<std::string> port = env("KUBERNETES_SERVICE_PORT");
  if (!host || host->empty() || !port || port->empty()) {
    return makeError(ErrorCode::kFailedPrecondition,
                     "in-cluster config: KUBERNETES_SERVICE_HOST and KUBERNETES_SERVICE_PORT "
                     "must be set");
  }
  KubeConfig out;
  out.source = "in-cluster";
  const bool ipv6 = host->find(':') != std::string::npos;
  out.server = "https://" + (ipv6 ? "[" + *host + "]" : *host) + ":" + *port;
  const std::string dir = paths.dir;
  Result<std::string> ca = readSmallFile(dir + "/ca.crt", "in-cluster CA");
  if (!ca) return tl::unexpected(ca.error());
  out.caPem = std::move(*ca);
  out.tokenFile = dir + "/token";
  Result<std::string> token = readSmallFile(out.tokenFile, "in-cluster token");
  if (!token) return tl::unexpected(token.error());  // fail now rather than on the first call
  if (Result<std::string> ns = readSmallFile(dir + "/namespace", "in-cluster namespace");
      ns && !ns->empty()) {
    out.ns = *ns;
    while (!out.ns.empty() && (out.ns.back() == '\n' || out.ns.back() == ' ')) out.ns.pop_back();
  }
  return out;
}

Result<KubeConfig> loadDefaultConfig(const std::string& kubeconfigPath, const EnvLookup& env) {
  if (!kubeconfigPath.empty()) return loadKubeconfig(kubeconfigPath);
  if (env("KUBERNETES_SERVICE_HOST")) return loadInClusterConfig(env);
  if (std::optional<std::string> list = env("KUBECONFIG"); list && !list->empty()) {
    return loadKubeconfig(list->substr(0, list->find(':')));
  }
  std::optional<std::string> home = env("HOME");
  if (!home) {
    return makeError(ErrorCode::kFailedPrecondition,
                     "no kubeconfig given, not in a cluster, and HOME is unset");
  }
  return loadKubeconfig(*home + "/.kube/config");
}

}  // namespace piherd::kube
