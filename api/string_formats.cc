#include "api/string_formats.h"

#include "api/cluster.h"
#include "api/diagnostic.h"
#include "api/ipv4.h"
#include "api/kubernetes_version.h"
#include "api/name_formats.h"

namespace piherd {
namespace {

const char* kLabelRule =
    "must be an RFC 1123 label: at most 63 lowercase letters, digits and '-', starting and "
    "ending with a letter or digit";

bool isAsciiAlnum(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

bool allIn(std::string_view s, std::string_view extra) {
  for (char c : s) {
    if (!isAsciiAlnum(c) && extra.find(c) == std::string_view::npos) return false;
  }
  return true;
}

// Characters of a path or URL that no shell, config file or apt source line treats
// specially: no whitespace, quotes, $, `, ;, &, |, <, >, (, ), {, }, [, ], *, ?, !, #, \.
constexpr std::string_view kPathChars = "/._-~+@,:%=";

std::optional<std::string> fail(std::string_view value, std::string_view rest) {
  return quoteValue(value) + std::string(rest);
}

std::optional<std::string> checkPath(std::string_view v) {
  if (!isSingleLine(v)) return fail(v, " must be one line of text (no control characters)");
  if (!isSafePath(v)) {
    return fail(v,
                " is not a plain path: letters, digits and / . _ - ~ + @ , : % = only (no "
                "spaces or shell metacharacters; ~ only as a leading ~/)");
  }
  return std::nullopt;
}

std::optional<std::string> checkPathOrUrl(std::string_view v) {
  if (v.find("://") != std::string_view::npos) {
    if (!isSafeUrl(v, true)) {
      return fail(v,
                  " is not an http://, https:// or file:// URL of plain characters (no spaces, "
                  "quotes or shell metacharacters)");
    }
    return std::nullopt;
  }
  return checkPath(v);
}

std::optional<std::string> checkSan(std::string_view v) {
  std::string_view host = v;
  if (host.rfind("*.", 0) == 0) host.remove_prefix(2);
  if (!parseIPv4(v) && !isDnsSubdomain(host)) {
    return fail(v, " is neither an IPv4 address nor a DNS name");
  }
  return std::nullopt;
}

std::optional<std::string> checkHostAddress(std::string_view v) {
  auto address = parseIPv4(v);
  if (!address) return fail(v, " is not an IPv4 address");
  if (!isUsableHostAddress(*address)) {
    return fail(v, " is not a usable host address (loopback, multicast, reserved)");
  }
  return std::nullopt;
}

std::optional<std::string> checkNetwork(std::string_view v) {
  auto prefix = parseIPv4Prefix(v);
  if (!prefix) return fail(v, " is not an IPv4 CIDR (A.B.C.D/N)");
  if (prefix->hasHostBits()) return fail(v, " has host bits set; the network is " + prefix->networkText());
  return std::nullopt;
}

std::optional<std::string> checkVipAddress(std::string_view v) {
  auto prefix = parseIPv4Prefix(v);
  if (!prefix) {
    if (parseIPv4(v)) {
      return fail(v, " needs the prefix length of its subnet, e.g. \"" + std::string(v) + "/24\"");
    }
    return fail(v, " is not an IPv4 address with a prefix length (A.B.C.D/N)");
  }
  if (!isUsableHostAddress(prefix->address)) {
    return fail(v, " is not a usable host address (loopback, multicast, reserved)");
  }
  if (prefix->length > 30) {
    return fail(v,
                ": the prefix length must be that of the machines' subnet (30 or less), so "
                "the address lies in a subnet with them");
  }
  if (prefix->address == prefix->network() || prefix->address == prefix->broadcast()) {
    return fail(v, std::string(" is the ") +
                       (prefix->address == prefix->network() ? "network" : "broadcast") +
                       " address of " + prefix->networkText() +
                       "; the VIP must be a host address inside its subnet");
  }
  return std::nullopt;
}

std::optional<std::string> checkEndpoint(std::string_view v) {
  auto endpoint = parseHostPort(v);
  if (!endpoint || !parseIPv4(endpoint->host)) {
    return fail(v,
                " is not IPv4-ADDRESS:PORT, e.g. \"192.168.3.10:6443\" (a VirtualIP's address "
                "and port)");
  }
  if (endpoint->port < 1 || endpoint->port > 65535) {
    return "port " + std::to_string(endpoint->port) + " is out of range: must be 1-65535";
  }
  return std::nullopt;
}

std::optional<std::string> checkVersion(std::string_view v) {
  auto version = parseKubernetesVersion(v);
  if (!version) return fail(v, " is not a Kubernetes version: write X.Y.Z, e.g. \"1.34.2\"");
  if (!version->supported()) {
    return fail(v, " is not supported: piherd supports Kubernetes 1." +
                       std::to_string(kMinSupportedMinor) + " and newer (kubeadm config v1beta4)");
  }
  return std::nullopt;
}

std::optional<std::string> when(bool ok, std::string_view v, std::string_view rest) {
  return ok ? std::nullopt : fail(v, rest);
}

}  // namespace

bool isSafePath(std::string_view s) {
  if (s.empty() || !allIn(s, kPathChars)) return false;
  size_t tilde = s.find('~');
  return tilde == std::string_view::npos || (tilde == 0 && (s.size() == 1 || s[1] == '/') &&
                                             s.find('~', 1) == std::string_view::npos);
}

bool isSafeUrl(std::string_view s, bool allowFile) {
  size_t sep = s.find("://");
  if (sep == std::string_view::npos) return false;
  std::string_view scheme = s.substr(0, sep);
  std::string_view rest = s.substr(sep + 3);
  bool http = scheme == "http" || scheme == "https";
  if (!http && !(allowFile && scheme == "file")) return false;
  // RFC 3986 characters, less those a shell or an apt source line would act on.
  if (!allIn(rest, "/._-~+@,:%=?&")) return false;
  if (http) return !rest.empty() && rest.front() != '/' && rest.front() != ':';
  return rest.size() > 1 && rest.front() == '/';  // file:///absolute/path
}

std::string_view stringFormatName(StringFormat format) {
  switch (format) {
    case StringFormat::kNone: return "unchecked";
    case StringFormat::kObjectName: return "object name";
    case StringFormat::kClusterRef: return "Cluster reference";
    case StringFormat::kDnsSubdomain: return "DNS domain";
    case StringFormat::kLabelKey: return "label key";
    case StringFormat::kLabelValue: return "label value";
    case StringFormat::kInterfaceName: return "interface name";
    case StringFormat::kUserName: return "user name";
    case StringFormat::kSysctlName: return "sysctl name";
    case StringFormat::kSysctlValue: return "sysctl value";
    case StringFormat::kModuleName: return "module name";
    case StringFormat::kFilePath: return "file path";
    case StringFormat::kPathOrUrl: return "path or URL";
    case StringFormat::kHttpUrl: return "http URL";
    case StringFormat::kSshPublicKey: return "SSH public key";
    case StringFormat::kSubjectAltName: return "subject alternative name";
    case StringFormat::kIPv4Address: return "IPv4 address";
    case StringFormat::kIPv4Network: return "IPv4 network";
    case StringFormat::kVipAddress: return "VIP address";
    case StringFormat::kEndpoint: return "endpoint";
    case StringFormat::kKubernetesVersion: return "Kubernetes version";
  }
  return "unchecked";
}

std::vector<StringFormat> allStringFormats() {
  std::vector<StringFormat> out;
  for (int f = static_cast<int>(StringFormat::kObjectName);
       f <= static_cast<int>(StringFormat::kKubernetesVersion); ++f) {
    out.push_back(static_cast<StringFormat>(f));
  }
  return out;
}

std::optional<std::string> checkStringFormat(StringFormat format, std::string_view v) {
  if (v.empty()) return std::nullopt;
  switch (format) {
    case StringFormat::kNone:
      return std::nullopt;
    case StringFormat::kObjectName:
      return when(isDnsLabel(v), v, std::string(" is not a valid name: ") + kLabelRule);
    case StringFormat::kClusterRef:
      return when(isDnsLabel(v), v, std::string(" is not a valid Cluster name: ") + kLabelRule);
    case StringFormat::kDnsSubdomain:
      return when(isDnsSubdomain(v), v,
                  " is not a DNS domain (lowercase labels separated by '.', at most 253 "
                  "characters)");
    case StringFormat::kLabelKey:
      return when(isLabelKey(v), v,
                  " is not a valid label key ([prefix/]name: prefix a DNS subdomain, name at "
                  "most 63 letters, digits, '-', '_', '.', starting and ending with a letter "
                  "or digit)");
    case StringFormat::kLabelValue:
      return when(isLabelValue(v), v,
                  " is not a valid label value (at most 63 letters, digits, '-', '_', '.', "
                  "starting and ending with a letter or digit)");
    case StringFormat::kInterfaceName:
      return when(isInterfaceName(v), v,
                  " is not a network interface name (1-15 of A-Z a-z 0-9 _ . -, not . or ..)");
    case StringFormat::kUserName:
      return when(isUserName(v), v, " is not a valid user name ([a-z_][a-z0-9_-]*, at most 32)");
    case StringFormat::kSysctlName:
      return when(isSysctlName(v), v, " is not a sysctl name (e.g. net.ipv4.ip_forward)");
    case StringFormat::kSysctlValue:
      return when(isSysctlValue(v), v,
                  " is not a sysctl value (integers or plain words of letters, digits and "
                  "_ . - : , / + @ %, separated by single spaces; no shell metacharacters, "
                  "newlines or control characters)");
    case StringFormat::kModuleName:
      return when(isModuleName(v), v, " is not a kernel module name ([A-Za-z0-9_-]+, at most 64)");
    case StringFormat::kFilePath:
      return checkPath(v);
    case StringFormat::kPathOrUrl:
      return checkPathOrUrl(v);
    case StringFormat::kHttpUrl:
      return when(isSafeUrl(v, false), v,
                  " is not an http:// or https:// URL of plain characters (no spaces, quotes "
                  "or shell metacharacters)");
    case StringFormat::kSshPublicKey:
      return when(isSshPublicKey(v), v,
                  " is not an SSH public key (\"ssh-ed25519 AAAA...\", as in "
                  "/etc/ssh/ssh_host_ed25519_key.pub)");
    case StringFormat::kSubjectAltName:
      return checkSan(v);
    case StringFormat::kIPv4Address:
      return checkHostAddress(v);
    case StringFormat::kIPv4Network:
      return checkNetwork(v);
    case StringFormat::kVipAddress:
      return checkVipAddress(v);
    case StringFormat::kEndpoint:
      return checkEndpoint(v);
    case StringFormat::kKubernetesVersion:
      return checkVersion(v);
  }
  return std::nullopt;
}

}  // namespace piherd
