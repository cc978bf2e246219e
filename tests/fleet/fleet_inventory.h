// Fleet test support: the inventory that `tests/fleet/fleet up N` writes (hosts, addresses,
// host keys, the SSH key and known_hosts of the run), and a way to call the fleet script's
// fault tools (stop, start, cut, restore, rekey, exec) from a test.
//
// The inventory is read afresh by each call of loadInventory(): fault tools such as `fleet
// rekey` rewrite it. A missing inventory is an error, and tests must FAIL on it (not skip):
// a fleet test that silently does nothing proves nothing.
#pragma once

#include <string>
#include <vector>

#include "platform/ssh_session.h"
#include "platform/status.h"

namespace piherd::fleet {

struct FleetHost {
  std::string name;     // "phf-h1"
  std::string address;  // "10.77.0.11"
  std::string hostKey;  // "ssh-ed25519 AAAA..."
  std::string netns;
  std::string veth;
};

struct Inventory {
  std::string prefix;
  std::string bridge;
  std::string bridgeAddress;
  std::string network;
  std::string aptBaseUrl;
  std::string sshUser;
  std::string sshPrivateKey;
  std::string knownHosts;
  std::vector<FleetHost> hosts;

  // The host called `name`, or nullptr.
  const FleetHost* host(const std::string& name) const;
  // An address of the fleet's /24 outside every host's (e.g. 100 for a VIP): "10.77.0.100"
  // on the default instance (PIHERD_FLEET_INSTANCE picks another network).
  std::string addressInNetwork(int lastOctet) const;
};

// $PIHERD_FLEET_INVENTORY, else /var/tmp/piherd-fleet/run/inventory.json.
std::string inventoryPath();

// Reads and parses the inventory; the error says how to bring the fleet up.
Result<Inventory> loadInventory(const std::string& path = inventoryPath());

// An SshTarget for `host` with the run's user, key and known_hosts file (a test that changes
// known_hosts should point hostKeys.knownHostsFile at its own copy).
SshTarget sshTarget(const Inventory& inventory, const FleetHost& host);

// The fleet script: PIHERD_SOURCE_DIR/tests/fleet/fleet.
std::string fleetScript();

struct FleetRun {
  int exitStatus = -1;
  std::string out;  // stdout; stderr goes to the test's stderr
  bool ok() const { return exitStatus == 0; }
};

// Runs the fleet script with `args` (e.g. {"stop", "phf-h2"}) and waits for it.
FleetRun runFleet(const std::vector<std::string>& args);

// A command line on this machine through sh (popen): its stdout and exit status (-1 when it
// did not exit normally). Append " 2>&1" to capture stderr too.
FleetRun runLocal(const std::string& commandLine);

// A local file's bytes; "" when it cannot be read.
std::string readLocalFile(const std::string& path);

// Copies a file (e.g. the run's known_hosts into a test's temp dir). Returns false on error.
bool copyFile(const std::string& from, const std::string& to);

// A fresh temporary directory, removed by the destructor.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::string& path() const { return path_; }
  std::string file(const std::string& name) const { return path_ + "/" + name; }

 private:
  std::string path_;
};

}  // namespace piherd::fleet
