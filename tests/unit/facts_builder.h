// Test helper: builds observation-script output line by line and parses it with the real
// parser, so facet tests start from exactly what a host would report.
#pragma once

#include <gtest/gtest.h>

#include <array>
#include <string>
#include <vector>

#include "platform/base64.h"
#include "reconcilers/observation.h"

namespace piherd::testing {

class FactsBuilder {
 public:
  FactsBuilder& file(const std::string& path, const std::string& content,
                     const std::string& mode = "644") {
    return line("file", path, "stat", mode + " root root")
        .line("file", path, "content", base64Encode(content));
  }
  FactsBuilder& sysctl(const std::string& key, const std::string& value, bool writable = true) {
    return line("sysctl", key, "value", value).line("sysctl", key, "writable", writable ? "1" : "0");
  }
  FactsBuilder& module(const std::string& name) { return line("module", name, "loaded", "1"); }
  FactsBuilder& package(const std::string& name, const std::string& version) {
    return line("package", name, "status", "installed " + version);
  }
  FactsBuilder& unit(const std::string& name, const std::string& active,
                     const std::string& enabled) {
    return line("unit", name, "active", active).line("unit", name, "enabled", enabled);
  }
  FactsBuilder& holds(const std::string& list) { return line("holds", "-", "list", list); }
  FactsBuilder& swaps(const std::string& list) { return line("swaps", "-", "list", list); }
  FactsBuilder& canLoadModules(bool can) {
    return line("capeff", "-", "value", can ? "000001ffffffffff" : "00000000a80425fb");
  }
  FactsBuilder& containerdDefault(const std::string& config) {
    return line("containerd-default", "-", "content", base64Encode(config));
  }
  FactsBuilder& digest(const std::string& path, const std::string& sha256,
                       const std::string& mode = "600") {
    return line("digest", path, "stat", mode + " root root").line("digest", path, "sha256", sha256);
  }
  // One more address: an interface can hold several (its own and the VIP), so this adds.
  FactsBuilder& address(const std::string& interface, const std::string& cidr) {
    line("addrs", "-", "observed", "1");
    lines_.push_back({"addr", interface, "inet", cidr});
    return *this;
  }
  // dpkg's state: files left in /var/lib/dpkg/updates and `dpkg --audit`'s output.
  FactsBuilder& dpkg(int pendingUpdates, const std::string& auditOutput = "") {
    return line("dpkg", "-", "updates", std::to_string(pendingUpdates))
        .line("dpkg", "-", "audit", base64Encode(auditOutput));
  }
  // `systemctl list-unit-files --type=swap --no-legend` output.
  FactsBuilder& swapUnits(const std::string& listing) {
    return line("swap-sources", "-", "units", base64Encode(listing));
  }
  FactsBuilder& zramConfig(const std::string& path, const std::string& content) {
    return line("swap-sources", path, "zram-config", base64Encode(content));
  }
  FactsBuilder& zramFile(const std::string& path) {
    return line("swap-sources", path, "zram-file", "1");
  }
  HostFacts build() const {
    std::string text;
    for (const auto& l : lines_) text += l[0] + "\t" + l[1] + "\t" + l[2] + "\t" + l[3] + "\n";
    auto f = HostFacts::parse(text + "end\t-\t-\t-\n");
    if (!f) ADD_FAILURE() << "FactsBuilder: " << f.error().message;
    return f ? *f : HostFacts{};
  }

  // One raw answer line, for facts the helpers above do not cover. A host answers each field
  // once (the parser refuses repeats): a later call for the same kind, argument and field
  // replaces the earlier answer, as a different host state would.
  FactsBuilder& line(const std::string& a, const std::string& b, const std::string& c,
                     const std::string& d) {
    for (auto& l : lines_) {
      if (l[0] == a && l[1] == b && l[2] == c) {
        l[3] = d;
        return *this;
      }
    }
    lines_.push_back({a, b, c, d});
    return *this;
  }

 private:
  std::vector<std::array<std::string, 4>> lines_;
};

}  // namespace piherd::testing
