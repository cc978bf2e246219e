// Observation: every fact the facets need about one host, gathered in ONE round trip per pass.
// Facets add typed queries to a QuerySet; observeHost() sends them as data on stdin to one
// fixed shell script (no value is ever spliced into the script) and parses its tab-separated
// answers into HostFacts, which planning then reads without touching the host again.
#pragma once

#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "platform/status.h"
#include "platform/transport.h"

namespace piherd {

enum class QueryKind { kFile, kSysctl, kModule, kPackage, kUnit, kHolds, kSwaps, kCapEff,
                       kContainerdDefault,
                       kFileDigest,       // stat and SHA-256 only: key files never come back
                       kKubeconfigCert,   // a kubeconfig's client-certificate-data only
                       kAddresses, kDpkgState, kSwapSources };

// The word the observation script knows a kind by ("file", "sysctl", ...).
std::string_view queryKindName(QueryKind kind);

struct Query {
  QueryKind kind;
  std::string arg;  // path, key, name; "-" for argument-less queries
  auto operator<=>(const Query&) const = default;
};

class QuerySet {
 public:
  void add(QueryKind kind, std::string arg = "-") { queries_.insert({kind, std::move(arg)}); }
  const std::set<Query>& queries() const { return queries_; }
  // The stdin document for the observation script: one "kind arg" line per query.
  std::string toStdin() const;

 private:
  std::set<Query> queries_;
};

struct FileFact {
  bool exists = false;
  std::string content;
  std::string mode;  // octal, e.g. "644"
  std::string owner;
  std::string group;
};

// A file observed by fingerprint (kFileDigest): the host sends back its SHA-256, never bytes.
struct FileDigestFact {
  bool exists = false;
  std::string sha256;  // lowercase hex
  std::string mode;
  std::string owner;
  std::string group;
};

struct SysctlFact {
  bool exists = false;
  std::string value;  // whitespace normalized to single spaces
  bool writable = false;
};

struct PackageFact {
  bool installed = false;
  std::string version;  // Debian version, e.g. "1.34.2-1.1"
};

struct AddressFact {
  std::string interface;  // "eth0"
  std::string cidr;       // "192.168.3.11/24"
  bool operator==(const AddressFact&) const = default;
};

struct UnitFact {
  std::string active;   // systemctl is-active: active, inactive, failed, ...
  std::string enabled;  // systemctl is-enabled: enabled, disabled, masked, ...
};

// Whether a dpkg run was left unfinished (killed, power lost): files in /var/lib/dpkg/updates
// (journal entries not yet merged into the status file) or packages `dpkg --audit` lists.
struct DpkgFact {
  int pendingUpdates = 0;
  std::vector<std::string> auditPackages;
  bool interrupted() const { return pendingUpdates > 0 || !auditPackages.empty(); }
};

// A .swap unit file as `systemctl list-unit-files --type=swap` lists it.
struct SwapUnitFact {
  std::string unit;   // "swapfile.swap", "dev-zram0.swap"
  std::string state;  // enabled, static, disabled, masked, generated, ...
};

// A zram-generator configuration file that exists (main file or drop-in, in any of the
// generator's directories); its content is observed only when it defines a [zramN] device.
struct ZramConfigFact {
  std::string path;
  bool definesDevices = false;
  std::string content;
};

class HostFacts {
 public:
  FileFact file(const std::string& path) const;
  FileDigestFact fileDigest(const std::string& path) const;
  // The client certificate (PEM) embedded in a kubeconfig; nullopt when absent.
  std::optional<std::string> kubeconfigCert(const std::string& path) const;
  SysctlFact sysctl(const std::string& key) const;
  bool moduleLoaded(const std::string& name) const;
  // The host does not say (no /sys/module, as in some sandboxes): neither loaded nor not.
  bool moduleStateUnknown(const std::string& name) const { return unknownModules_.contains(name); }
  PackageFact package(const std::string& name) const;
  UnitFact unit(const std::string& name) const;
  const std::set<std::string>& holds() const { return holds_; }
  const std::vector<std::string>& activeSwaps() const { return swaps_; }
  bool canLoadModules() const;  // CAP_SYS_MODULE in the effective set
  std::optional<std::string> containerdDefaultConfig() const { return containerdDefault_; }
  // IPv4 addresses on the host's interfaces (QueryKind::kAddresses); nullopt when not asked.
  const std::optional<std::vector<AddressFact>>& addresses() const { return addresses_; }
  // Whether `address` (no prefix) is on `interface` (any interface when empty).
  bool hasAddress(const std::string& address, const std::string& interface = "") const;
  const DpkgFact& dpkg() const { return dpkg_; }
  const std::vector<SwapUnitFact>& swapUnits() const { return swapUnits_; }
  const std::vector<ZramConfigFact>& zramConfigs() const { return zramConfigs_; }

  // Parses the observation script's output. The host is not trusted: the output is checked
  // line by line and the parse fails closed (InvalidArgument) on anything unexpected: a line
  // that is not four tab-separated fields, an unknown kind or field, a value with bytes its
  // kind never holds (control or non-ASCII bytes, shell metacharacters where a name or
  // version is expected), a repeated answer, output past the cap, lines after the end
  // marker. With `asked`, an answer to a query never asked is an error too, and so is a
  // query left unanswered. Output cut short (no end marker) is Unavailable.
  static Result<HostFacts> parse(const std::string& output, const QuerySet* asked = nullptr);

 private:
  std::map<std::string, FileFact> files_;
  std::map<std::string, FileDigestFact> digests_;
  std::map<std::string, std::string> kubeconfigCerts_;
  std::map<std::string, SysctlFact> sysctls_;
  std::map<std::string, bool> modules_;
  std::set<std::string> unknownModules_;
  std::map<std::string, PackageFact> packages_;
  std::map<std::string, UnitFact> units_;
  std::set<std::string> holds_;
  std::vector<std::string> swaps_;
  unsigned long long capEff_ = 0;
  std::optional<std::string> containerdDefault_;
  std::optional<std::vector<AddressFact>> addresses_;
  DpkgFact dpkg_;
  std::vector<SwapUnitFact> swapUnits_;
  std::vector<ZramConfigFact> zramConfigs_;
};

// The most output an observation may produce (file contents travel base64-encoded in it):
// the transport stops reading past it, and parse() refuses it.
inline constexpr size_t kMaxObservationBytes = 16 * 1024 * 1024;

// At most `max` bytes of `text` with every byte outside printable ASCII shown as \xNN, for
// error messages that quote what a host said.
std::string printableExcerpt(std::string_view text, size_t max = 200);

// The fixed observation script (POSIX sh). Exposed for tests that run it locally.
const std::string& observationScript();

// One round trip: runs the script on the host with the queries on stdin.
Result<HostFacts> observeHost(Transport& transport, const QuerySet& queries);

}  // namespace piherd
