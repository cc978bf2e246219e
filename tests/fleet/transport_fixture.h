// Shared fixture of the SSH transport's fleet tests: loads the inventory (failing, never
// skipping, when there is none), gives each test its own copy of the run's known_hosts so
// host-key tests never touch the shared one, and builds SshTargets for fleet hosts.
#pragma once

#include <gtest/gtest.h>

#include <chrono>
#include <string>

#include "platform/ssh_transport.h"
#include "tests/fleet/fleet_inventory.h"

namespace piherd::fleet {

class TransportFleetTest : public ::testing::Test {
 protected:
  static constexpr size_t kHostsNeeded = 5;

  void SetUp() override {
    auto inventory = loadInventory();
    ASSERT_TRUE(inventory) << inventory.error().message;
    inventory_ = *inventory;
    ASSERT_GE(inventory_.hosts.size(), kHostsNeeded)
        << "the transport fleet tests need " << kHostsNeeded
        << " hosts: sudo tests/fleet/fleet up 5";
    ASSERT_TRUE(copyFile(inventory_.knownHosts, knownHosts()))
        << "cannot copy " << inventory_.knownHosts;
  }

  const FleetHost& host(size_t i) const { return inventory_.hosts.at(i); }
  std::string knownHosts() const { return tmp_.file("known_hosts"); }

  // A target for host i that checks host keys against this test's own known_hosts copy.
  SshTarget target(size_t i) const {
    SshTarget t = sshTarget(inventory_, host(i));
    t.hostKeys.knownHostsFile = knownHosts();
    return t;
  }

  // Whether `path` exists on host i, asked without SSH (nsenter), so that it also answers
  // for hosts whose SSH the test refused. A fleet tool that cannot answer fails the test.
  bool existsOnHost(size_t i, const std::string& path) const {
    FleetRun run = runFleet({"exec", host(i).name, "sh", "-c",
                             "if [ -e \"$1\" ]; then echo yes; else echo no; fi", "sh", path});
    EXPECT_TRUE(run.ok() && (run.out == "yes\n" || run.out == "no\n"))
        << "fleet exec " << host(i).name << " failed: " << run.out;
    return run.out == "yes\n";
  }

  static double secondsSince(std::chrono::steady_clock::time_point start) {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  }

  Inventory inventory_;
  TempDir tmp_;
};

}  // namespace piherd::fleet
