// Syntax checks for the strings of a manifest that end up in host configuration files,
// command arguments or Kubernetes objects. Names that reach a host are validated here, at
// the API boundary, as well as quoted where they are used (STYLE.md rule 4).
#pragma once

#include <string_view>

namespace piherd {

// RFC 1123 label: 1-63 of [a-z0-9-], starting and ending with a letter or digit.
bool isDnsLabel(std::string_view s);
// RFC 1123 subdomain: dot-separated labels, at most 253 characters.
bool isDnsSubdomain(std::string_view s);
// A Kubernetes label key ([prefix/]name) and value.
bool isLabelKey(std::string_view s);
bool isLabelValue(std::string_view s);
// A Linux network interface name: 1-15 of [A-Za-z0-9_.-], not "." or "..".
bool isInterfaceName(std::string_view s);
// A POSIX user name: [a-z_][a-z0-9_-]*, at most 32 characters.
bool isUserName(std::string_view s);
// An OpenSSH public key line: "TYPE BASE64 [comment]" with a known key type and a comment
// of letters, digits, spaces and @ . _ : + = / -.
bool isSshPublicKey(std::string_view s);
// A sysctl name (net.ipv4.ip_forward) and value: integers or plain words (letters, digits,
// _ . - : , / + @ %) separated by single spaces ("4096 87380 6291456", "bbr").
bool isSysctlName(std::string_view s);
bool isSysctlValue(std::string_view s);
// A kernel module name: [A-Za-z0-9_-]+.
bool isModuleName(std::string_view s);
// One line of text with no control characters (paths, URLs).
bool isSingleLine(std::string_view s);
// An http(s) URL with no whitespace.
bool isHttpUrl(std::string_view s);

}  // namespace piherd
