#include "reconcilers/keepalived_config.h"

#include <cstdio>
#include <set>
#include <sstream>

namespace piherd {
namespace {

// "1", "0.2", "0.05": keepalived reads advert_int as a decimal number.
std::string decimal(double seconds) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.2f", seconds);
  std::string s = buf;
  while (s.back() == '0') s.pop_back();
  if (s.back() == '.') s.pop_back();
  return s;
}

std::string trackScriptName(int port) { return "piherd_apiserver_" + std::to_string(port); }

bool fastProfile(const VipInstance& v) { return v.advertIntervalSeconds < 1; }

// The apiserver check. It runs on the host against its own apiserver on loopback, so it
// does not verify the certificate (the controller's TLS check through the VIP does that).
// keepalived splits the command on spaces itself (no shell); -f makes a non-2xx /readyz
// fail. A failure subtracts kVipTrackWeight rather than putting the instance in FAULT, so
// a host with no apiserver yet can still hold the VIP (kube-vip#684).
void renderTrackScript(std::ostringstream& out, int port, bool fast) {
  out << "vrrp_script " << trackScriptName(port) << " {\n"
      << "    script \"/usr/bin/curl -sfk --max-time 1 -o /dev/null https://127.0.0.1:" << port
      << "/readyz\"\n"
      << "    interval 1\n"
      << "    timeout 2\n"
      << "    weight -" << kVipTrackWeight << "\n"
      // Hysteresis: the fast profile needs more evidence both ways, so one slow answer does
      // not move the VIP and one good answer does not move it back.
      << "    fall " << (fast ? 3 : 2) << "\n"
      << "    rise " << (fast ? 5 : 2) << "\n"
      << "}\n\n";
}

void renderInstance(std::ostringstream& out, const VipInstance& v) {
  out << "vrrp_instance " << vrrpInstanceName(v.name) << " {\n"
      // Every host starts as BACKUP and the priorities decide: no host claims the VIP
      // before it has heard its peers, and preempt_delay needs it.
      << "    state BACKUP\n"
      << "    interface " << v.interface << "\n"
      << "    virtual_router_id " << v.virtualRouterId << "\n"
      << "    version " << v.vrrpVersion << "\n"
      << "    priority " << v.priority << "\n"
      << "    advert_int " << decimal(v.advertIntervalSeconds) << "\n";
  if (fastProfile(v)) {
    // A host coming back (or seeing a lower-priority master) waits before taking the VIP
    // back: a flapping link or a rebooting host does not bounce it at advert speed.
    out << "    preempt_delay 5\n";
    // A backup takes over after this many missed adverts (RFC: 3). At 0.2 s adverts, 3 make
    // a spurious takeover likely on a slightly lossy link (5% loss: ~4% per minute per
    // backup); 4 make it rare (~0.2%) and still fail over in 0.85 s. Every host of the
    // instance gets the same value, as keepalived requires.
    out << "    down_timer_adverts 4\n";
  }
  if (!v.peers.empty()) {
    // Unicast: home routers and switches often drop multicast. Adverts from anyone else
    // are ignored. A lone control plane has no peer, and keepalived refuses unicast
    // keywords without one (keepalived -t: "A unicast keyword has been specified").
    out << "    unicast_src_ip " << v.sourceAddress << "\n";
    out << "    check_unicast_src\n    unicast_peer {\n";
    for (const auto& p : v.peers) out << "        " << p << "\n";
    out << "    }\n";
  }
  if (!v.authPassword.empty()) {
    out << "    authentication {\n        auth_type PASS\n        auth_pass " << v.authPassword
        << "\n    }\n";
  }
  out << "    virtual_ipaddress {\n        " << v.address << "/32 dev " << v.interface << "\n    }\n"
      << "    track_script {\n        " << trackScriptName(v.port) << "\n    }\n"
      << "    notify " << kKeepalivedNotifyScript << "\n"
      << "}\n";
}

}  // namespace

std::string vrrpInstanceName(const std::string& vipName) { return "piherd_" + vipName; }
std::string vrrpStateFile(const std::string& vipName) {
  return std::string(kKeepalivedStateDir) + "/" + vrrpInstanceName(vipName) + ".state";
}
std::string vrrpTransitionLog(const std::string& vipName) {
  return std::string(kKeepalivedStateDir) + "/" + vrrpInstanceName(vipName) + ".log";
}

std::string keepalivedConfig(const std::vector<VipInstance>& vips) {
  std::ostringstream out;
  out << "# Managed by piherd (VIP facet, docs/vip.md): local edits are reverted.\n"
      << "global_defs {\n"
      << "    script_user root\n"
      << "    enable_script_security\n"
      << "}\n\n";
  std::set<int> ports;
  for (const auto& v : vips) {
    if (ports.insert(v.port).second) renderTrackScript(out, v.port, fastProfile(v));
  }
  for (size_t i = 0; i < vips.size(); ++i) {
    if (i > 0) out << "\n";
    renderInstance(out, vips[i]);
  }
  return out.str();
}

std::string keepalivedNotifyScript() {
  return std::string(
             "#!/bin/sh\n"
             "# Managed by piherd (VIP facet, docs/vip.md). keepalived runs this on every VRRP\n"
             "# state change: $1 INSTANCE|GROUP, $2 name, $3 MASTER|BACKUP|FAULT|STOP, $4 priority.\n"
             "# piherd reads the state (a master that lost its address is re-given it) and the\n"
             "# transitions (the last 100).\n"
             "[ \"$1\" = INSTANCE ] || exit 0\n"
             "dir=") +
         kKeepalivedStateDir +
         "\n"
         "mkdir -p \"$dir\" || exit 0\n"
         "printf '%s\\n' \"$3\" > \"$dir/$2.state\"\n"
         "{ tail -n 99 \"$dir/$2.log\" 2>/dev/null; printf '%s %s %s\\n' \"$(date +%s.%N)\" \"$3\" "
         "\"$4\"; } > \"$dir/$2.log.new\" && mv -f \"$dir/$2.log.new\" \"$dir/$2.log\"\n";
}

std::string redactKeepalivedConfig(const std::string& text) {
  std::istringstream in(text);
  std::string out;
  for (std::string line; std::getline(in, line);) {
    size_t key = line.find("auth_pass");
    if (key != std::string::npos) line = line.substr(0, key) + "auth_pass (secret, not shown)";
    out += line + "\n";
  }
  if (!text.empty() && text.back() != '\n' && !out.empty()) out.pop_back();
  return out;
}

}  // namespace piherd
