// The piherd command line (docs/cli.md): parsing of the common flags and the
// table of subcommands. Each subcommand lives in its own cmd_*.cc and returns the process
// exit code.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "platform/status.h"

namespace piherd {

struct CliOptions {
  std::string command;                  // validate | plan | apply | run | status | version
  std::vector<std::string> manifests;   // -f PATH (file or directory), repeatable
  std::string stateDir;                 // --state-dir; empty = ".piherd" beside the manifests
  std::string sshKey;                   // --ssh-key: overrides every Machine's privateKeyFile
  std::string knownHosts;               // --known-hosts: overrides the Cluster's knownHostsFile
  bool insecureAcceptNewHostKeys = false;
  std::string logFormat = "text";       // text | json
  int resyncSeconds = 30;               // --resync (run)
  std::string metricsAddr = "127.0.0.1:9820";
  std::string kubeconfig;               // --kubeconfig (run)
  int parallel = 8;                     // --parallel: hosts worked on at once
  int dpkgLockTimeoutSeconds = 300;     // --dpkg-lock-timeout: wait for another apt/dpkg
  std::string output = "table";         // -o table|json (status)
  bool hostsOnly = false;               // --hosts-only (plan, apply): host facets, no bootstrap
  bool prune = false;                   // --prune (apply): remove nodes no Machine declares
};

// Exit codes of `piherd run` (docs/cli.md).
inline constexpr int kExitOk = 0;
inline constexpr int kExitRunStartFailed = 1;     // invalid manifests, unreadable files, flags
inline constexpr int kExitRunStateDirLocked = 3;  // another `piherd run` holds the state dir
inline constexpr int kExitRunMetricsAddr = 4;     // --metrics-addr cannot be bound

// Parses argv; on error returns InvalidArgument with a message meant for stderr.
Result<CliOptions> parseCli(const std::vector<std::string>& args);
std::string cliUsage();

// Runs the whole CLI; returns the exit code.
int runCli(int argc, char** argv);

// Subcommands (cmd_*.cc).
int cmdValidate(const CliOptions& options);
int cmdPlan(const CliOptions& options);
int cmdApply(const CliOptions& options);
int cmdRun(const CliOptions& options);
int cmdStatus(const CliOptions& options);

}  // namespace piherd
