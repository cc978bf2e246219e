#include "api/name_formats.h"

#include <cctype>

namespace piherd {
namespace {

bool isLowerAlnum(char c) {
  return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
}
bool isAlnum(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) != 0;
}

}  // namespace

bool isDnsLabel(std::string_view s) {
  if (s.empty() || s.size() > 63) return false;
  if (!isLowerAlnum(s.front()) || !isLowerAlnum(s.back())) return false;
  for (char c : s) {
    if (!isLowerAlnum(c) && c != '-') return false;
  }
  return true;
}

bool isDnsSubdomain(std::string_view s) {
  if (s.empty() || s.size() > 253) return false;
  size_t start = 0;
  while (true) {
    size_t dot = s.find('.', start);
    if (!isDnsLabel(s.substr(start, dot == std::string_view::npos ? dot : dot - start))) {
      return false;
    }
    if (dot == std::string_view::npos) return true;
    start = dot + 1;
  }
}

bool isLabelValue(std::string_view s) {
  if (s.empty()) return true;
  if (s.size() > 63 || !isAlnum(s.front()) || !isAlnum(s.back())) return false;
  for (char c : s) {
    if (!isAlnum(c) && c != '-' && c != '_' && c != '.') return false;
  }
  return true;
}

bool isLabelKey(std::string_view s) {
  size_t slash = s.find('/');
  std::string_view name = s;
  if (slash != std::string_view::npos) {
    if (!isDnsSubdomain(s.substr(0, slash))) return false;
    name = s.substr(slash + 1);
  }
  return !name.empty() && isLabelValue(name);
}

bool isInterfaceName(std::string_view s) {
  if (s.empty() || s.size() > 15 || s == "." || s == "..") return false;
  for (char c : s) {
    if (!isAlnum(c) && c != '_' && c != '.' && c != '-') return false;
  }
  return true;
}

bool isUserName(std::string_view s) {
  if (s.empty() || s.size() > 32) return false;
  if (!(s[0] == '_' || (s[0] >= 'a' && s[0] <= 'z'))) return false;
  for (char c : s) {
    if (!isLowerAlnum(c) && c != '_' && c != '-') return false;
  }
  return true;
}

bool isSshPublicKey(std::string_view s) {
  size_t space = s.find(' ');
  if (space == std::string_view::npos) return false;
  std::string_view type = s.substr(0, space);
  bool known = false;
  for (std::string_view t : {"ssh-ed25519", "ssh-rsa", "ecdsa-sha2-nistp256", "ecdsa-sha2-nistp384",
                             "ecdsa-sha2-nistp521", "sk-ssh-ed25519@openssh.com",
                             "sk-ecdsa-sha2-nistp256@openssh.com"}) {
    known = known || type == t;
  }
  if (!known) return false;
  std::string_view rest = s.substr(space + 1);
  size_t end = rest.find(' ');
  std::string_view blob = rest.substr(0, end);
  if (blob.size() < 16) return false;
  for (char c : blob) {
    if (!isAlnum(c) && c != '+' && c != '/' && c != '=') return false;
  }
  // The comment (user@host, as ssh-keygen writes it): plain characters only.
  std::string_view comment = end == std::string_view::npos ? "" : rest.substr(end + 1);
  for (char c : comment) {
    if (!isAlnum(c) && std::string_view(" @._:+=/-").find(c) == std::string_view::npos) {
      return false;
    }
  }
  return isSingleLine(s);
}

bool isSysctlName(std::string_view s) {
  if (s.empty() || s.size() > 255 || s.front() == '.' || s.back() == '.') return false;
  bool dot = false;
  for (char c : s) {
    if (c == '.' || c == '/') {
      dot = true;
      continue;
    }
    if (!isAlnum(c) && c != '_' && c != '-') return false;
  }
  return dot && s.find("..") == std::string_view::npos;
}

bool isSysctlValue(std::string_view s) {
  if (s.empty() || s.size() > 4096 || s.front() == ' ' || s.back() == ' ') return false;
  if (s.find("  ") != std::string_view::npos) return false;
  // Integers ("1", "-1", "4096 87380 6291456") and the words of string sysctls ("bbr",
  // "reno cubic", "core.%e.%p"): no '=' or '#' (sysctl.d syntax), no shell metacharacters.
  for (char c : s) {
    bool ascii = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
    if (!ascii && std::string_view(" _.-:,/+@%").find(c) == std::string_view::npos) return false;
  }
  return true;
}

bool isModuleName(std::string_view s) {
  if (s.empty() || s.size() > 64) return false;
  for (char c : s) {
    if (!isAlnum(c) && c != '_' && c != '-') return false;
  }
  return true;
}

bool isSingleLine(std::string_view s) {
  for (char c : s) {
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) return false;
  }
  return true;
}

bool isHttpUrl(std::string_view s) {
  bool scheme = s.rfind("https://", 0) == 0 || s.rfind("http://", 0) == 0;
  if (!scheme || s.find_first_of(" \t") != std::string_view::npos) return false;
  return isSingleLine(s) && s.size() > s.find("//") + 2;
}

}  // namespace piherd
