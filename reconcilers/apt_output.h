// What apt and dpkg said, turned into facts piherd acts on. Every command runs in the C
// locale (SshTransport::inCLocale), so these parsers read apt's and dpkg's English messages
// only. Pure functions, table-tested with real apt 2.6 / dpkg 1.21 output (bookworm).
#pragma once

#include <optional>
#include <string>
#include <vector>

namespace piherd {

// Another process holds a lock apt or dpkg needs (dpkg's frontend lock, its database lock,
// apt's lists or archives lock).
struct LockHolder {
  std::string lockPath;  // "/var/lib/dpkg/lock-frontend"; empty when the message names none
  std::string pid;       // empty when unknown
  std::string process;   // apt's name for it, the process's comm ("unattended-upgr")
  // "the dpkg lock, held by unattended-upgr (pid 812)": for progress and errors.
  std::string describe() const;
};

// The holder when `output` (stdout + stderr of apt-get, apt-mark or dpkg) says that the
// command failed for a lock; nullopt when it failed for anything else.
std::optional<LockHolder> parseLockHolder(const std::string& output);

// A short, clear reason for an apt failure: unreachable repositories named by their URL,
// bad signatures said as such, missing packages or versions by name. Empty when the output
// holds nothing piherd recognizes (the caller then quotes the output's tail).
std::string summarizeAptFailure(const std::string& output);

// The packages `dpkg --audit` reports (unpacked, half-configured, half-installed, awaiting
// triggers, ...): each listed on a line that starts with a space and the package name.
std::vector<std::string> parseDpkgAudit(const std::string& output);

}  // namespace piherd
