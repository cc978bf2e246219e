// keepalived's configuration as the VIP facet writes it (docs/vip.md): pure text rendering of
// a host's VipInstances, the notify script that records VRRP state changes, and redaction of
// the VRRP password for anything shown to people (plan output, errors).
#pragma once

#include <string>
#include <vector>

#include "reconcilers/vip_desired.h"

namespace piherd {

inline constexpr const char* kKeepalivedConfig = "/etc/keepalived/keepalived.conf";
inline constexpr const char* kKeepalivedNotifyScript = "/etc/keepalived/piherd-notify.sh";
// Where the notify script keeps each instance's state (NAME.state: MASTER, BACKUP, FAULT,
// STOP) and its last 100 transitions (NAME.log: "epoch-seconds STATE priority").
inline constexpr const char* kKeepalivedStateDir = "/run/keepalived-piherd";
inline constexpr const char* kKeepalivedUnit = "keepalived";

// keepalived's name for the VirtualIP's vrrp_instance: "piherd_" + the VirtualIP's name.
std::string vrrpInstanceName(const std::string& vipName);
std::string vrrpStateFile(const std::string& vipName);
std::string vrrpTransitionLog(const std::string& vipName);

// The whole /etc/keepalived/keepalived.conf for this host. Deterministic: the same instances
// give the same bytes, so a converged host plans nothing.
std::string keepalivedConfig(const std::vector<VipInstance>& vips);

// The notify script's content (mode 755, root-owned: keepalived's script security wants it).
std::string keepalivedNotifyScript();

// The text with every auth_pass value replaced, for plan output and error messages.
std::string redactKeepalivedConfig(const std::string& text);

}  // namespace piherd
