// Swap off for good, from every source (part of the kernel facet). kubelet refuses to start
// with swap on, and on the target systems swap often comes back at boot from somewhere other
// than /etc/fstab. Each source is disabled persistently the way its owner documents it:
//
//   /etc/fstab          swap lines commented out
//   dphys-swapfile      `dphys-swapfile swapoff`, `dphys-swapfile uninstall`, service disabled
//                       (Raspberry Pi OS up to bookworm)
//   rpi-swap            Mechanism=none in [Main] of /etc/rpi/swap.conf (its generator reads it
//                       at boot; Raspberry Pi OS from trixie on)
//   zram-generator      every config file that defines a [zramN] device: commented out in
//                       /etc, or overridden by a same-named file in /etc (the generator's
//                       /run > /etc > /usr/local/lib > /usr/lib precedence)
//   .swap unit files    systemctl mask (generated ones are fixed at their source instead)
//
// then active swaps are turned off now, each named with its source. A swap the host refuses
// to turn off (SwapOffAction records it on tmpfs) is reported as "reboot required", never
// retried in a loop. Pure: table-tested.
#pragma once

#include <string>

#include "reconcilers/facet.h"

namespace piherd {

inline constexpr const char* kDphysSwapfileConfig = "/etc/dphys-swapfile";
inline constexpr const char* kRpiSwapConfig = "/etc/rpi/swap.conf";

void addSwapQueries(QuerySet& queries);
void planSwap(const HostDesired& desired, const HostFacts& facts, FacetPlan& plan);

// Pure helpers, exposed for tests.
std::string zramConfigDisabled(const std::string& content);
std::string rpiSwapConfWithoutSwap(const std::string& content);
// systemd's path escaping (systemd-escape --path): "/dev/zram0" -> "dev-zram0".
std::string systemdEscapePath(const std::string& path);
// Where an active swap comes from: "fstab", "dphys-swapfile", "zram-generator", ...
std::string swapSourceOf(const std::string& device, const HostFacts& facts);

}  // namespace piherd
