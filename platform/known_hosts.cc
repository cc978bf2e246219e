// known_hosts parsing and matching, after OpenSSH's sshd(8) "SSH_KNOWN_HOSTS FILE FORMAT".
#include "platform/known_hosts.h"

#include <fcntl.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <mutex>

namespace piherd {
namespace {

bool isSpace(char c) {
  return c == ' ' || c == '\t' || c == '\r';
}

// Splits off the next whitespace-separated field of `rest`.
std::string_view nextField(std::string_view& rest) {
  size_t start = 0;
  while (start < rest.size() && isSpace(rest[start])) ++start;
  size_t end = start;
  while (end < rest.size() && !isSpace(rest[end])) ++end;
  std::string_view field = rest.substr(start, end - start);
  rest.remove_prefix(end);
  return field;
}

bool decodeBase64(std::string_view text, std::string& out) {
  if (text.empty() || text.size() % 4 != 0) return false;
  for (char c : text) {
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '+' && c != '/' && c != '=') {
      return false;
    }
  }
  out.assign(text.size() / 4 * 3, '\0');
  int n = EVP_DecodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                          reinterpret_cast<const unsigned char*>(text.data()),
                          static_cast<int>(text.size()));
  if (n < 0) return false;
  size_t padding = 0;
  if (text.back() == '=') ++padding;
  if (text.size() >= 2 && text[text.size() - 2] == '=') ++padding;
  out.resize(static_cast<size_t>(n) - padding);
  return true;
}

std::string encodeBase64(const unsigned char* data, size_t size) {
  std::string out(4 * ((size + 2) / 3) + 1, '\0');
  int n =
      EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()), data, static_cast<int>(size));
  out.resize(static_cast<size_t>(n));
  return out;
}

// The SSH wire format of a public key starts with its type as a length-prefixed string.
bool blobType(const std::string& blob, std::string& type) {
  if (blob.size() < 4) return false;
  uint32_t len = (uint32_t(uint8_t(blob[0])) << 24) | (uint32_t(uint8_t(blob[1])) << 16) |
                 (uint32_t(uint8_t(blob[2])) << 8) | uint32_t(uint8_t(blob[3]));
  if (len == 0 || len > blob.size() - 4) return false;
  type = blob.substr(4, len);
  return true;
}

// OpenSSH's match_pattern: '*' any run, '?' any one character; host names compare
// case-insensitively.
bool globMatch(std::string_view pattern, std::string_view text) {
  size_t p = 0, t = 0, starP = std::string_view::npos, starT = 0;
  auto lower = [](char c) {
    return static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  };
  while (t < text.size()) {
    if (p < pattern.size() && (pattern[p] == '?' || lower(pattern[p]) == lower(text[t]))) {
      ++p;
      ++t;
    } else if (p < pattern.size() && pattern[p] == '*') {
      starP = p++;
      starT = t;
    } else if (starP != std::string_view::npos) {
      p = starP + 1;
      t = ++starT;
    } else {
      return false;
    }
  }
  while (p < pattern.size() && pattern[p] == '*') ++p;
  return p == pattern.size();
}

// "|1|base64(salt)|base64(HMAC-SHA1(salt, name))"
bool hashedMatch(std::string_view entry, std::string_view name) {
  entry.remove_prefix(3);
  size_t bar = entry.find('|');
  if (bar == std::string_view::npos) return false;
  std::string salt, hash;
  if (!decodeBase64(entry.substr(0, bar), salt) || !decodeBase64(entry.substr(bar + 1), hash)) {
    return false;
  }
  unsigned char mac[EVP_MAX_MD_SIZE];
  unsigned int macLen = 0;
  if (HMAC(EVP_sha1(), salt.data(), static_cast<int>(salt.size()),
           reinterpret_cast<const unsigned char*>(name.data()), name.size(), mac,
           &macLen) == nullptr) {
    return false;
  }
  return macLen == hash.size() && std::memcmp(mac, hash.data(), macLen) == 0;
}

bool parseLine(std::string_view line, KnownHosts::Entry& entry) {
  std::string_view rest = line;
  std::string_view first = nextField(rest);
  if (first.empty() || first[0] == '#') return false;
  if (first[0] == '@') {
    if (first != "@revoked") return false;  // @cert-authority: certificates are not used here
    entry.revoked = true;
    first = nextField(rest);
  }
  std::string_view type = nextField(rest);
  std::string_view blob = nextField(rest);
  auto key = parseHostKey(std::string(type) + " " + std::string(blob));
  if (first.empty() || !key) return false;
  entry.patterns = std::string(first);
  entry.key = *key;
  return true;
}

KnownHosts::Check checkEntries(const std::vector<KnownHosts::Entry>& entries, std::string_view name,
                               const HostKey& offered) {
  KnownHosts::Check check;
  bool known = false;
  for (const auto& e : entries) {
    if (e.revoked) {
      if (e.key == offered) return {KnownHosts::Verdict::kRevoked, {e}};
      continue;
    }
    if (!hostPatternsMatch(e.patterns, name)) continue;
    if (e.key == offered) known = true;
    check.expected.push_back(e);
  }
  if (known) {
    check.verdict = KnownHosts::Verdict::kKnown;
  } else if (!check.expected.empty()) {
    check.verdict = KnownHosts::Verdict::kChanged;
  }
  return check;
}

Status ensureDirectory(const std::string& path) {
  size_t slash = path.rfind('/');
  if (slash == std::string::npos || slash == 0) return okStatus();
  std::string dir = path.substr(0, slash);
  if (::mkdir(dir.c_str(), 0700) == 0 || errno == EEXIST) return okStatus();
  return makeError(ErrorCode::kFailedPrecondition,
                   "cannot create directory " + dir + ": " + std::strerror(errno));
}

}  // namespace

Result<HostKey> parseHostKey(std::string_view text) {
  std::string_view rest = text;
  HostKey key{std::string(nextField(rest)), std::string(nextField(rest))};
  std::string blob, type;
  if (key.type.empty() || key.base64.empty()) {
    return makeError(ErrorCode::kInvalidArgument,
                     "a host key must look like \"ssh-ed25519 AAAA...\"");
  }
  if (!decodeBase64(key.base64, blob) || !blobType(blob, type)) {
    return makeError(ErrorCode::kInvalidArgument,
                     "host key of type " + key.type + " does not hold a valid base64 key blob");
  }
  if (type != key.type) {
    return makeError(ErrorCode::kInvalidArgument,
                     "host key says " + key.type + " but its blob holds a " + type + " key");
  }
  return key;
}

Result<std::string> sha256Fingerprint(const HostKey& key) {
  std::string blob;
  if (!decodeBase64(key.base64, blob)) {
    return makeError(ErrorCode::kInvalidArgument, "host key blob is not valid base64");
  }
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  if (EVP_Digest(blob.data(), blob.size(), digest, &len, EVP_sha256(), nullptr) != 1) {
    return makeError(ErrorCode::kInternal, "SHA-256 failed");
  }
  std::string b64 = encodeBase64(digest, len);
  while (!b64.empty() && b64.back() == '=') b64.pop_back();
  return "SHA256:" + b64;
}

std::string describeKey(const HostKey& key) {
  auto fp = sha256Fingerprint(key);
  return key.type + " " + (fp ? *fp : std::string("(undecodable key)"));
}

std::string knownHostsName(std::string_view address, int port) {
  if (port == 22) return std::string(address);
  // Appended piece by piece: GCC 12 at -O3 reports a false -Wrestrict inside libstdc++ for
  // "literal" + std::string&& (GCC bugs 105329, 105651), failing a -Werror Release build.
  std::string name = "[";
  name.append(address);
  name += "]:";
  name += std::to_string(port);
  return name;
}

bool hostPatternsMatch(std::string_view patterns, std::string_view name) {
  if (patterns.substr(0, 3) == "|1|") return hashedMatch(patterns, name);
  bool matched = false;
  while (!patterns.empty()) {
    size_t comma = patterns.find(',');
    std::string_view pattern = patterns.substr(0, comma);
    patterns = comma == std::string_view::npos ? std::string_view() : patterns.substr(comma + 1);
    bool negated = !pattern.empty() && pattern[0] == '!';
    if (negated) pattern.remove_prefix(1);
    if (pattern.empty() || !globMatch(pattern, name)) continue;
    if (negated) return false;  // a negated match overrides every positive one
    matched = true;
  }
  return matched;
}

KnownHosts KnownHosts::parse(std::string_view text) {
  KnownHosts hosts;
  int lineNo = 0;
  while (!text.empty()) {
    size_t nl = text.find('\n');
    std::string_view line = text.substr(0, nl);
    text = nl == std::string_view::npos ? std::string_view() : text.substr(nl + 1);
    ++lineNo;
    Entry entry;
    if (parseLine(line, entry)) {
      entry.line = lineNo;
      hosts.entries_.push_back(std::move(entry));
    }
  }
  return hosts;
}

namespace {

// A known_hosts file of many thousand hosts is a few MiB; a path such as /dev/zero (or a file
// that keeps growing) must not take the memory.
constexpr size_t kMaxKnownHostsBytes = 16 << 20;

Result<std::string> readAll(int fd, const std::string& path) {
  std::string text;
  char buf[8192];
  for (;;) {
    ssize_t n = ::read(fd, buf, sizeof buf);
    if (n == 0) return text;
    if (n > 0 && text.size() + static_cast<size_t>(n) > kMaxKnownHostsBytes) {
      return makeError(ErrorCode::kFailedPrecondition,
                       "known_hosts " + path + " is larger than 16 MiB; refused");
    }
    if (n < 0) {
      if (errno == EINTR) continue;
      return makeError(ErrorCode::kFailedPrecondition,
                       "cannot read known_hosts " + path + ": " + std::strerror(errno));
    }
    text.append(buf, static_cast<size_t>(n));
  }
}

}  // namespace

Result<KnownHosts> KnownHosts::load(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    if (errno == ENOENT) return KnownHosts{};
    return makeError(ErrorCode::kFailedPrecondition,
                     "cannot open known_hosts " + path + ": " + std::strerror(errno));
  }
  auto text = readAll(fd, path);
  ::close(fd);
  if (!text) return tl::unexpected(text.error());
  return parse(*text);
}

Result<KnownHosts::Verdict> KnownHosts::recordIfUnknown(const std::string& path,
                                                         std::string_view name,
                                                         const HostKey& key) {
  // flock does not exclude threads of one process that open the file separately.
  static std::mutex recordMutex;
  std::lock_guard<std::mutex> lock(recordMutex);
  if (auto dir = ensureDirectory(path); !dir) return tl::unexpected(dir.error());
  int fd = ::open(path.c_str(), O_RDWR | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
  if (fd < 0) {
    return makeError(ErrorCode::kFailedPrecondition,
                     "cannot open known_hosts " + path + ": " + std::strerror(errno));
  }
  ::flock(fd, LOCK_EX);
  auto result = appendLocked(fd, path, name, key);
  ::flock(fd, LOCK_UN);
  ::close(fd);
  return result;
}

Result<KnownHosts::Verdict> KnownHosts::appendLocked(int fd, const std::string& path,
                                                      std::string_view name, const HostKey& key) {
  auto text = readAll(fd, path);
  if (!text) return tl::unexpected(text.error());
  // Another process (or pool) may have recorded this host since the caller looked.
  Verdict verdict = checkEntries(parse(*text).entries_, name, key).verdict;
  if (verdict != Verdict::kUnknown) return verdict;
  std::string line = (!text->empty() && text->back() != '\n') ? "\n" : "";
  line += std::string(name) + " " + key.toString() + "\n";
  if (::write(fd, line.data(), line.size()) != static_cast<ssize_t>(line.size()) ||
      ::fsync(fd) != 0) {
    return makeError(ErrorCode::kFailedPrecondition,
                     "cannot write known_hosts " + path + ": " + std::strerror(errno));
  }
  return Verdict::kUnknown;
}

KnownHosts::Check KnownHosts::check(std::string_view name, const HostKey& offered) const {
  return checkEntries(entries_, name, offered);
}

std::vector<std::string> KnownHosts::keyTypesFor(std::string_view name) const {
  std::vector<std::string> types;
  for (const auto& e : entries_) {
    if (e.revoked || !hostPatternsMatch(e.patterns, name)) continue;
    if (std::find(types.begin(), types.end(), e.key.type) == types.end()) {
      types.push_back(e.key.type);
    }
  }
  return types;
}

std::string expandHome(const std::string& path) {
  if (path.rfind("~/", 0) != 0) return path;
  const char* home = std::getenv("HOME");
  return std::string(home ? home : "") + path.substr(1);
}

}  // namespace piherd
