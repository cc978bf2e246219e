// The formats of the string fields of the API objects: each field table entry names one
// (FieldOptions::format, or keyFormat/format for string maps), and the field checker
// (field_checker.h) applies it. A format is the whole syntax rule of a field: a value that
// passes it is safe to write into a host's configuration files and command arguments
// (no shell metacharacters, whitespace where the rule allows none, newlines or control
// bytes); quoting (platform/shell_quote.h) stays the second line of defence.
//
// Every spec string of Cluster, Machine and VirtualIP declares a format or an enumeration
// (tests/unit/string_formats_test.cc fails otherwise), and docs/api.md lists every format by
// its name. Formats that only a parser can check (addresses, subnets, versions) call the
// parser, so a field has exactly one rule and one message.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace piherd {

enum class StringFormat {
  kNone,            // not checked: status and server-set metadata, never sent to a host
  kObjectName,      // metadata.name: an RFC 1123 label
  kClusterRef,      // spec.cluster: an RFC 1123 label naming the Cluster
  kDnsSubdomain,    // dnsDomain
  kLabelKey,        // Kubernetes qualified name with optional DNS prefix
  kLabelValue,      // Kubernetes label value
  kInterfaceName,   // Linux network interface name
  kUserName,        // POSIX user name
  kSysctlName,      // net.ipv4.ip_forward
  kSysctlValue,     // integers, or plain words, separated by single spaces
  kModuleName,      // kernel module name
  kFilePath,        // a path on the controller's host (~/ allowed)
  kPathOrUrl,       // a path, or an http, https or file URL
  kHttpUrl,         // an http or https URL
  kSshPublicKey,    // "ssh-ed25519 AAAA... [comment]"
  kSubjectAltName,  // an IPv4 address or a DNS name (optionally "*.")
  kIPv4Address,     // a usable host address
  kIPv4Network,     // a CIDR without host bits
  kVipAddress,      // a host address with its subnet's prefix length
  kEndpoint,        // IPV4:PORT
  kKubernetesVersion,
};

// The name docs/api.md uses for a format ("sysctl value").
std::string_view stringFormatName(StringFormat format);

// Every format but kNone, for tests and docs.
std::vector<StringFormat> allStringFormats();

// nullopt when `value` is in the format; otherwise the diagnostic message, which starts with
// the value quoted (quoteValue), e.g. "\"1`reboot`\" is not a sysctl value (...)".
// Empty values are not checked here (required-ness is the field table's `required`).
std::optional<std::string> checkStringFormat(StringFormat format, std::string_view value);

// Syntax predicates the formats are built from (the others are in name_formats.h).
bool isSafePath(std::string_view s);
bool isSafeUrl(std::string_view s, bool allowFile);

}  // namespace piherd
