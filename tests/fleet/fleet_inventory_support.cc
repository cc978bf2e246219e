#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "tests/fleet/fleet_inventory.h"

#ifndef PIHERD_SOURCE_DIR
#error "PIHERD_SOURCE_DIR must be defined by the build"
#endif

namespace piherd::fleet {
namespace {

std::string field(const nlohmann::json& j, const char* name) {
  return j.at(name).get<std::string>();
}

}  // namespace

const FleetHost* Inventory::host(const std::string& name) const {
  for (const auto& h : hosts) {
    if (h.name == name) return &h;
  }
  return nullptr;
}

std::string Inventory::addressInNetwork(int lastOctet) const {
  // network is "A.B.C.0/24".
  return network.substr(0, network.rfind('.') + 1) + std::to_string(lastOctet);
}

std::string inventoryPath() {
  const char* env = std::getenv("PIHERD_FLEET_INVENTORY");
  if (env != nullptr && *env != '\0') return env;
  // The fleet the fleet script boots for PIHERD_FLEET_INSTANCE (docs/fleet.md), so that a
  // test binary run by hand with only the instance set never reaches another fleet's hosts.
  const char* run = std::getenv("PIHERD_FLEET_RUN");
  if (run != nullptr && *run != '\0') return std::string(run) + "/inventory.json";
  const char* instance = std::getenv("PIHERD_FLEET_INSTANCE");
  std::string n = (instance != nullptr && *instance != '\0' && std::string(instance) != "0") ? instance : "";
  return "/var/tmp/piherd-fleet/run" + n + "/inventory.json";
}

Result<Inventory> loadInventory(const std::string& path) {
  std::ifstream in(path);
  if (!in) {
    return makeError(ErrorCode::kFailedPrecondition,
                     "no fleet inventory at " + path +
                         ": boot the test fleet first (sudo tests/fleet/fleet up 5) or point "
                         "PIHERD_FLEET_INVENTORY at its inventory.json");
  }
  std::stringstream text;
  text << in.rdbuf();
  try {
    auto j = nlohmann::json::parse(text.str());
    Inventory inv;
    inv.prefix = field(j, "prefix");
    inv.bridge = field(j, "bridge");
    inv.bridgeAddress = field(j, "bridgeAddress");
    inv.network = field(j, "network");
    inv.aptBaseUrl = field(j, "aptBaseUrl");
    inv.sshUser = field(j, "sshUser");
    inv.sshPrivateKey = field(j, "sshPrivateKey");
    inv.knownHosts = field(j, "knownHosts");
    for (const auto& h : j.at("hosts")) {
      inv.hosts.push_back({field(h, "name"), field(h, "address"), field(h, "hostKey"),
                           field(h, "netns"), field(h, "veth")});
    }
    if (inv.hosts.empty()) {
      return makeError(ErrorCode::kFailedPrecondition, "fleet inventory " + path + " has no hosts");
    }
    return inv;
  } catch (const nlohmann::json::exception& e) {
    return makeError(ErrorCode::kFailedPrecondition,
                     "fleet inventory " + path + " is malformed: " + e.what());
  }
}

SshTarget sshTarget(const Inventory& inventory, const FleetHost& host) {
  SshTarget t;
  t.machine = host.name;
  t.address = host.address;
  t.port = 22;
  t.user = inventory.sshUser;
  t.privateKeyFile = inventory.sshPrivateKey;
  t.useAgent = false;  // the run's key only: an agent on the machine must not change results
  t.hostKeys.knownHostsFile = inventory.knownHosts;
  t.connectTimeout = std::chrono::seconds(5);
  return t;
}

std::string fleetScript() {
  return std::string(PIHERD_SOURCE_DIR) + "/tests/fleet/fleet";
}

FleetRun runLocal(const std::string& commandLine) {
  FleetRun r;
  FILE* p = popen(commandLine.c_str(), "r");
  if (p == nullptr) return r;
  char buf[4096];
  for (size_t n; (n = fread(buf, 1, sizeof buf, p)) > 0;) r.out.append(buf, n);
  int status = pclose(p);
  r.exitStatus = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return r;
}

std::string readLocalFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

FleetRun runFleet(const std::vector<std::string>& args) {
  int out[2];
  FleetRun run;
  if (::pipe(out) != 0) return run;
  std::string script = fleetScript();
  pid_t pid = ::fork();
  if (pid == 0) {
    ::dup2(out[1], 1);
    ::close(out[0]);
    ::close(out[1]);
    std::vector<char*> argv{const_cast<char*>(script.c_str())};
    for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
    argv.push_back(nullptr);
    ::execv(script.c_str(), argv.data());
    ::_exit(127);
  }
  ::close(out[1]);
  char buf[4096];
  ssize_t n;
  while ((n = ::read(out[0], buf, sizeof buf)) > 0) run.out.append(buf, static_cast<size_t>(n));
  ::close(out[0]);
  int status = 0;
  ::waitpid(pid, &status, 0);
  run.exitStatus = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return run;
}

bool copyFile(const std::string& from, const std::string& to) {
  std::error_code ec;
  std::filesystem::copy_file(from, to, std::filesystem::copy_options::overwrite_existing, ec);
  return !ec;
}

TempDir::TempDir() {
  char tmpl[] = "/tmp/piherd-fleet-test-XXXXXX";
  const char* made = ::mkdtemp(tmpl);
  path_ = made ? made : "/tmp";
}

TempDir::~TempDir() {
  std::error_code ec;
  if (path_ != "/tmp") std::filesystem::remove_all(path_, ec);
}

}  // namespace piherd::fleet
