#include "controller/cli.h"

#include "controller/build_info.h"

#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <string_view>

#include "platform/log.h"

namespace piherd {
namespace {

bool takesValue(std::string_view flag) {
  for (std::string_view f : {"-f", "--filename", "--state-dir", "--ssh-key", "--known-hosts",
                             "--log-format", "--resync", "--metrics-addr", "--kubeconfig",
                             "--parallel", "--dpkg-lock-timeout", "-o", "--output"}) {
    if (flag == f) return true;
  }
  return false;
}

Result<int> parsePositiveInt(std::string_view flag, const std::string& value) {
  char* end = nullptr;
  long v = std::strtol(value.c_str(), &end, 10);
  if (value.empty() || *end != '\0' || v <= 0 || v > 1'000'000) {
    return makeError(ErrorCode::kInvalidArgument,
                     std::string(flag) + ": \"" + value + "\" is not a positive integer");
  }
  return static_cast<int>(v);
}

// "30s", "2m", "1h" or a bare number of seconds.
Result<int> parseDuration(std::string_view flag, std::string value) {
  int scale = 1;
  if (!value.empty()) {
    char unit = value.back();
    if (unit == 's' || unit == 'm' || unit == 'h') {
      scale = unit == 's' ? 1 : unit == 'm' ? 60 : 3600;
      value.pop_back();
    }
  }
  auto n = parsePositiveInt(flag, value);
  if (!n) return n;
  return *n * scale;
}

Status setFlag(CliOptions& o, std::string_view flag, const std::string& value) {
  if (flag == "-f" || flag == "--filename") {
    o.manifests.push_back(value);
  } else if (flag == "--state-dir") {
    o.stateDir = value;
  } else if (flag == "--ssh-key") {
    o.sshKey = value;
  } else if (flag == "--known-hosts") {
    o.knownHosts = value;
  } else if (flag == "--kubeconfig") {
    o.kubeconfig = value;
  } else if (flag == "--metrics-addr") {
    o.metricsAddr = value;
  } else if (flag == "--log-format") {
    if (value != "text" && value != "json") {
      return makeError(ErrorCode::kInvalidArgument,
                       "--log-format: \"" + value + "\" is not one of text, json");
    }
    o.logFormat = value;
  } else if (flag == "-o" || flag == "--output") {
    if (value != "table" && value != "json") {
      return makeError(ErrorCode::kInvalidArgument, "-o: \"" + value + "\" is not one of table, json");
    }
    o.output = value;
  } else if (flag == "--resync") {
    auto v = parseDuration(flag, value);
    if (!v) return tl::unexpected(v.error());
    o.resyncSeconds = *v;
  } else if (flag == "--dpkg-lock-timeout") {
    auto v = parseDuration(flag, value);
    if (!v) return tl::unexpected(v.error());
    o.dpkgLockTimeoutSeconds = *v;
  } else if (flag == "--parallel") {
    auto v = parsePositiveInt(flag, value);
    if (!v) return tl::unexpected(v.error());
    o.parallel = *v;
  }
  return okStatus();
}

}  // namespace

std::string cliUsage() {
  return R"(piherd: build a bare-metal Kubernetes HA cluster over SSH and keep it converged.

Usage:
  piherd validate -f PATH   check manifests; exit 0 valid, 1 invalid (every error printed)
  piherd plan     -f PATH   observe the hosts and print what would change; change nothing
                            exit 0 nothing to change, 2 changes pending, 1 error
  piherd apply    -f PATH   converge every machine once, with progress and a summary
                            exit 0 converged, 1 not
  piherd run      -f PATH   the controller: watch the manifests, reconcile continuously,
                            correct drift every --resync, serve metrics; stop with SIGTERM
                            exit 0 stopped, 1 cannot start, 3 state dir in use, 4 metrics addr
  piherd status   -f PATH   what the controller last observed, a table per kind (-o json)
  piherd version            print the version
  piherd help               this text

PATH is a manifest file (YAML, multi-document, or JSON) or a directory of them; -f may be
given more than once.

Flags:
  --state-dir DIR                   where status is kept (default: .piherd beside the manifests)
  --ssh-key FILE                    private key for every machine (overrides the manifests)
  --known-hosts FILE                known_hosts file (overrides the manifests)
  --insecure-accept-new-host-keys   trust a host's key on first use and record it (opt-in)
  --parallel N                      hosts worked on at once (default 8)
  --hosts-only                      plan, apply: the host facets only; no kubeadm init or
                                    join and no Calico (docs/bootstrap.md)
  --prune                           plan, apply: drain, delete and reset the nodes no Machine
                                    declares (never a control plane etcd's quorum needs)
  --dpkg-lock-timeout DURATION      how long to wait for another package manager holding the
                                    dpkg lock (default 5m); then retry later
  --log-format text|json            log line format on stderr (default text)
  --resync DURATION                 run: resync period (default 30s)
  --metrics-addr HOST:PORT          run: /metrics, /healthz, /readyz (default 127.0.0.1:9820)
  --kubeconfig FILE                 run: use the Kubernetes API as the store (not yet)
  -o, --output table|json           status: output format (default table)
)";
}

Result<CliOptions> parseCli(const std::vector<std::string>& args) {
  CliOptions o;
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    if (a == "-h" || a == "--help") {
      o.command = "help";
      return o;
    }
    if (a == "--insecure-accept-new-host-keys") {
      o.insecureAcceptNewHostKeys = true;
      continue;
    }
    if (a == "--hosts-only") {
      o.hostsOnly = true;
      continue;
    }
    if (a == "--prune") {
      o.prune = true;
      continue;
    }
    if (!a.empty() && a[0] == '-') {
      std::string flag = a, value;
      bool haveValue = false;
      if (auto eq = a.find('='); eq != std::string::npos && a.rfind("--", 0) == 0) {
        flag = a.substr(0, eq);
        value = a.substr(eq + 1);
        haveValue = true;
      }
      if (!takesValue(flag)) {
        return makeError(ErrorCode::kInvalidArgument, "unknown flag " + flag);
      }
      if (!haveValue) {
        if (i + 1 >= args.size()) {
          return makeError(ErrorCode::kInvalidArgument, flag + " needs a value");
        }
        value = args[++i];
      }
      if (auto s = setFlag(o, flag, value); !s) return tl::unexpected(s.error());
      continue;
    }
    if (!o.command.empty()) {
      return makeError(ErrorCode::kInvalidArgument, "unexpected argument \"" + a + "\"");
    }
    o.command = a;
  }
  if (o.command.empty()) o.command = "help";
  return o;
}

int runCli(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  auto parsed = parseCli(args);
  if (!parsed) {
    std::cerr << "piherd: " << parsed.error().message << "\n\n" << cliUsage();
    return 1;
  }
  const CliOptions& o = *parsed;
  log::setFormat(o.logFormat == "json" ? log::Format::kJson : log::Format::kText);
  if (o.command == "help") {
    std::cout << cliUsage();
    return 0;
  }
  if (o.command == "version") {
    std::cout << versionLine() << "\n";
    return 0;
  }
  bool needsManifests = o.command == "validate" || o.command == "plan" ||
                        o.command == "apply" || o.command == "run" || o.command == "status";
  if (!needsManifests) {
    std::cerr << "piherd: unknown command \"" << o.command << "\"\n\n" << cliUsage();
    return 1;
  }
  if (o.manifests.empty()) {
    std::cerr << "piherd " << o.command << ": -f PATH is required\n";
    return 1;
  }
  if (o.command == "validate") return cmdValidate(o);
  if (o.command == "plan") return cmdPlan(o);
  if (o.command == "apply") return cmdApply(o);
  if (o.command == "run") return cmdRun(o);
  return cmdStatus(o);
}

}  // namespace piherd
