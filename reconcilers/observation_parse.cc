// HostFacts::parse: the observation script's answer, read as what it is, the output of a
// host that may be compromised or broken. Nothing in it is ever turned into a command: facts
// are compared with the desired state and shown in plans. Still, every value is checked
// against the syntax its kind can have, so a lying host fails its own observation, with a
// clear error, instead of planting odd bytes in plans, logs or comparisons.
#include <algorithm>
#include <cstdlib>
#include <initializer_list>
#include <map>
#include <optional>
#include <set>
#include <sstream>

#include "platform/base64.h"
#include "reconcilers/apt_output.h"
#include "reconcilers/observation.h"

namespace piherd {
namespace {

constexpr std::string_view kAlnum =
    "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";

bool onlyChars(std::string_view s, std::string_view extra) {
  for (char c : s) {
    if (kAlnum.find(c) == std::string_view::npos && extra.find(c) == std::string_view::npos) {
      return false;
    }
  }
  return true;
}

// Printable ASCII, no tab (the field separator): what every non-base64 value must be.
bool isPrintable(std::string_view s) {
  for (char c : s) {
    if (static_cast<unsigned char>(c) < 0x20 || static_cast<unsigned char>(c) > 0x7e) return false;
  }
  return true;
}

std::vector<std::string> words(const std::string& s) {
  std::vector<std::string> out;
  std::istringstream in(s);
  for (std::string w; in >> w;) out.push_back(w);
  return out;
}

// Names and versions as dpkg, systemd, /proc and stat print them.
bool isPackageName(std::string_view s) { return !s.empty() && onlyChars(s, ".+-:"); }
bool isDebianVersion(std::string_view s) { return !s.empty() && onlyChars(s, ".+~:-"); }
bool isStateWord(std::string_view s) { return onlyChars(s, "-"); }  // active, enabled-runtime
bool isOwnerName(std::string_view s) { return !s.empty() && onlyChars(s, "_-.$"); }
bool isOctalMode(std::string_view s) {
  return !s.empty() && s.size() <= 4 && s.find_first_not_of("01234567") == std::string_view::npos;
}
bool isDevicePath(std::string_view s) { return !s.empty() && s[0] == '/' && onlyChars(s, "/._-+:@"); }
bool isSha256(std::string_view s) {
  return s.size() == 64 && s.find_first_not_of("0123456789abcdef") == std::string_view::npos;
}
bool isDigits(std::string_view s) {
  return !s.empty() && s.size() <= 9 && s.find_first_not_of("0123456789") == std::string_view::npos;
}
bool isCidr(std::string_view s) { return !s.empty() && s.size() <= 18 && onlyChars(s, "./"); }
// A path or name a host answers as a listing argument: printable, no spaces.
bool isPlainArg(std::string_view s) {
  return !s.empty() && s.size() <= 4096 && isPrintable(s) && s.find(' ') == std::string_view::npos;
}
// "OFFSET LENGTH": where a file's bytes are in the observation's blob.
bool isRange(const std::string& s) {
  auto w = words(s);
  return w.size() == 2 && isDigits(w[0]) && isDigits(w[1]) && s == w[0] + " " + w[1];
}
bool isHex(std::string_view s) {
  return !s.empty() && s.size() <= 16 &&
         s.find_first_not_of("0123456789abcdefABCDEF") == std::string_view::npos;
}

// Whether the fields answered for a query make a complete answer.
bool complete(QueryKind kind, const std::set<std::string>& f) {
  switch (kind) {
    case QueryKind::kFile:  // "content" stands for content or range (one of them, once)
      return f.contains("missing") || (f.contains("stat") && f.contains("content"));
    case QueryKind::kSysctl:
      return f.contains("missing") || (f.contains("value") && f.contains("writable"));
    case QueryKind::kModule:
      return f.contains("loaded");
    case QueryKind::kPackage:
      return f.contains("status");
    case QueryKind::kUnit:
      return f.contains("active") && f.contains("enabled");
    case QueryKind::kHolds:
    case QueryKind::kSwaps:
      return f.contains("list");
    case QueryKind::kCapEff:
      return f.contains("value");
    case QueryKind::kContainerdDefault:
      return true;  // answered only where containerd is installed
    case QueryKind::kFileDigest:
      return f.contains("missing") || (f.contains("stat") && f.contains("sha256"));
    case QueryKind::kKubeconfigCert:
      return true;  // answered only where the kubeconfig exists
    case QueryKind::kAddresses:
      return f.contains("observed");
    case QueryKind::kDpkgState:
      return f.contains("updates") && f.contains("audit");
    case QueryKind::kSwapSources:
      return f.contains("units") || f.contains("listed");
  }
  return false;
}

// Listing queries are asked once (argument "-") and answered by any number of lines whose
// argument names what was found (an interface, a file): those lines belong to the one query.
bool isListing(QueryKind kind) {
  return kind == QueryKind::kAddresses || kind == QueryKind::kSwapSources;
}

// Fields whose value is base64 (decoded and checked on decode, not by valueFits).
bool isBase64Field(QueryKind kind, std::string_view field) {
  if (field == "content") return true;
  switch (kind) {
    case QueryKind::kKubeconfigCert: return field == "data";
    case QueryKind::kDpkgState: return field == "audit";
    case QueryKind::kSwapSources: return field == "units" || field == "zram-config";
    default: return false;
  }
}

std::optional<QueryKind> kindFromName(std::string_view name) {
  for (QueryKind k : {QueryKind::kFile, QueryKind::kSysctl, QueryKind::kModule,
                      QueryKind::kPackage, QueryKind::kUnit, QueryKind::kHolds, QueryKind::kSwaps,
                      QueryKind::kCapEff, QueryKind::kContainerdDefault, QueryKind::kFileDigest,
                      QueryKind::kKubeconfigCert, QueryKind::kAddresses, QueryKind::kDpkgState,
                      QueryKind::kSwapSources}) {
    if (queryKindName(k) == name) return k;
  }
  if (name == "addr") return QueryKind::kAddresses;  // one line per address of "addrs"
  return std::nullopt;
}

bool knownField(QueryKind kind, std::string_view field) {
  auto in = [&](std::initializer_list<std::string_view> fields) {
    for (auto f : fields) {
      if (f == field) return true;
    }
    return false;
  };
  switch (kind) {
    case QueryKind::kFile: return in({"stat", "content", "range", "missing"});
    case QueryKind::kSysctl: return in({"value", "writable", "missing"});
    case QueryKind::kModule: return in({"loaded"});
    case QueryKind::kPackage: return in({"status"});
    case QueryKind::kUnit: return in({"active", "enabled"});
    case QueryKind::kHolds:
    case QueryKind::kSwaps: return in({"list"});
    case QueryKind::kCapEff: return in({"value"});
    case QueryKind::kContainerdDefault: return in({"content", "range"});
    case QueryKind::kFileDigest: return in({"stat", "sha256", "missing"});
    case QueryKind::kKubeconfigCert: return in({"data"});
    case QueryKind::kAddresses: return in({"observed", "inet"});
    case QueryKind::kDpkgState: return in({"updates", "audit"});
    case QueryKind::kSwapSources:
      return in({"units", "listed", "unit-file", "zram-config", "zram-file"});
  }
  return false;
}

// Whether `value` is a well-formed answer for kind/field; base64 fields are checked on decode.
bool valueFits(QueryKind kind, std::string_view field, const std::string& value) {
  if (isBase64Field(kind, field)) return true;
  if (!isPrintable(value)) return false;
  if (field == "missing" || field == "writable") return value == "0" || value == "1";
  if (field == "range") return isRange(value);
  switch (kind) {
    case QueryKind::kFile: {  // stat: "MODE OWNER GROUP"
      auto w = words(value);
      return w.size() == 3 && isOctalMode(w[0]) && isOwnerName(w[1]) && isOwnerName(w[2]);
    }
    case QueryKind::kSysctl:  // what /proc/sys holds: printable text, tabs already squeezed
      return value.size() <= 4096;
    case QueryKind::kModule:
      return value == "0" || value == "1" || value == "unknown";
    case QueryKind::kPackage: {  // "" (not known to dpkg) or "STATUS VERSION"
      auto w = words(value);
      return w.empty() || (w.size() == 2 && isStateWord(w[0]) && isDebianVersion(w[1]));
    }
    case QueryKind::kUnit:
      return isStateWord(value);
    case QueryKind::kHolds:
      for (const auto& w : words(value)) {
        if (!isPackageName(w)) return false;
      }
      return true;
    case QueryKind::kSwaps:
      for (const auto& w : words(value)) {
        if (!isDevicePath(w)) return false;
      }
      return true;
    case QueryKind::kCapEff:
      return isHex(value);
    case QueryKind::kContainerdDefault:
      return false;
    case QueryKind::kFileDigest:
      if (field == "sha256") return isSha256(value);
      return valueFits(QueryKind::kFile, "stat", value);
    case QueryKind::kKubeconfigCert:
      return false;
    case QueryKind::kAddresses:
      return field == "observed" ? value == "1" : isCidr(value);
    case QueryKind::kDpkgState:
      return isDigits(value);  // updates
    case QueryKind::kSwapSources:
      if (field == "unit-file") return !value.empty() && isStateWord(value);
      return value == "1";  // zram-file, listed
  }
  return false;
}

Error malformed(const std::string& what) {
  return Error{ErrorCode::kInvalidArgument, "observation answer refused: " + what};
}

std::vector<std::string> splitTabs(const std::string& line) {
  std::vector<std::string> parts;
  size_t start = 0;
  for (int i = 0; i < 3; ++i) {
    size_t tab = line.find('\t', start);
    if (tab == std::string::npos) break;
    parts.push_back(line.substr(start, tab - start));
    start = tab + 1;
  }
  parts.push_back(line.substr(start));
  return parts;
}

}  // namespace

std::string printableExcerpt(std::string_view text, size_t max) {
  static const char* kHex = "0123456789abcdef";
  std::string out;
  for (size_t i = 0; i < text.size() && i < max; ++i) {
    unsigned char c = static_cast<unsigned char>(text[i]);
    if (c >= 0x20 && c <= 0x7e && c != '\\') {
      out += static_cast<char>(c);
    } else {
      out += "\\x";
      out += kHex[c >> 4];
      out += kHex[c & 15];
    }
  }
  if (text.size() > max) out += "... (" + std::to_string(text.size()) + " bytes)";
  return out;
}

Result<HostFacts> HostFacts::parse(const std::string& output, const QuerySet* asked) {
  if (output.size() > kMaxObservationBytes) {
    return tl::unexpected(malformed(std::to_string(output.size()) + " bytes, over the cap of " +
                                    std::to_string(kMaxObservationBytes)));
  }
  // No end marker line at all: the answer was cut short (a dropped connection, a killed
  // script), whatever the half line before the cut looks like. Retry as unreachable.
  bool hasEnd = false;
  for (size_t at = output.find("end\t-\t-\t-"); at != std::string::npos && !hasEnd;
       at = output.find("end\t-\t-\t-", at + 1)) {
    size_t after = at + 9;
    hasEnd = (at == 0 || output[at - 1] == '\n') &&
             (after == output.size() || output[after] == '\n');
  }
  if (!hasEnd) {
    return makeError(ErrorCode::kUnavailable, "observation: output cut short (no end marker)");
  }
  HostFacts f;
  bool ended = false;
  std::map<Query, std::set<std::string>> answers;
  // File bytes may travel in one blob ("blob - data BASE64"), each file (or containerd's
  // default config, path "") naming its range in it; the ranges must tile the blob exactly.
  std::optional<std::string> blob;
  struct Range {
    size_t offset, length;
    std::string path;
    bool containerdDefault;
  };
  std::vector<Range> ranges;
  std::istringstream in(output);
  for (std::string line; std::getline(in, line);) {
    if (line.empty()) continue;
    if (ended) return tl::unexpected(malformed("output after the end marker"));
    auto p = splitTabs(line);
    auto kindOf = kindFromName(p[0]);
    if (p.size() == 4 && p[0] == "end" && p[1] == "-" && p[2] == "-" && p[3] == "-") {
      ended = true;
      continue;
    }
    if (p.size() == 4 && p[0] == "blob" && p[1] == "-" && p[2] == "data") {
      if (blob) return tl::unexpected(malformed("blob answered twice"));
      blob = base64Decode(p[3]);
      if (!blob) return tl::unexpected(malformed("blob is not base64"));
      continue;
    }
    if (p.size() != 4 || !kindOf || !knownField(*kindOf, p[2])) {
      return tl::unexpected(malformed("unexpected line \"" + printableExcerpt(line) + "\""));
    }
    const std::string &arg = p[1], &field = p[2], &value = p[3];
    const QueryKind kind = *kindOf;
    const bool listing = isListing(kind);
    const Query query{kind, listing ? "-" : arg};
    const std::string what = std::string(queryKindName(kind)) + " " + printableExcerpt(arg);
    if (asked && !asked->queries().contains(query)) {
      return tl::unexpected(malformed("an answer for " + what + ", which was never asked"));
    }
    if (listing && !isPlainArg(arg)) {
      return tl::unexpected(malformed(what + ": not a plain name"));
    }
    // A listing answers one field per thing it found; the same line twice is still a lie.
    const std::string answerKey = listing && arg != "-" ? arg + "\t" + field + "\t" + value
                                  : field == "range"                 ? "content"
                                                                     : field;
    if (!answers[query].insert(answerKey).second) {
      return tl::unexpected(malformed(what + ": " + field + " answered twice"));
    }
    if (field == "unit-file" && !arg.ends_with(".swap")) {
      return tl::unexpected(malformed(what + ": not a .swap unit"));
    }
    if (!valueFits(kind, field, value)) {
      return tl::unexpected(
          malformed(what + ": " + field + " \"" + printableExcerpt(value) + "\" is not well-formed"));
    }
    std::optional<std::string> bytes;
    if (isBase64Field(kind, field)) {
      bytes = base64Decode(value);
      if (!bytes) return tl::unexpected(malformed(what + ": " + field + " is not base64"));
    }
    switch (kind) {
      case QueryKind::kFile: {
        FileFact& ff = f.files_[arg];
        if (field == "range") {
          auto w = words(value);
          ranges.push_back({std::stoul(w[0]), std::stoul(w[1]), arg, false});
          ff.exists = true;
        } else if (field == "stat") {
          auto w = words(value);
          ff.exists = true;
          ff.mode = w[0], ff.owner = w[1], ff.group = w[2];
        } else if (field == "content") {
          ff.exists = true;
          ff.content = std::move(*bytes);
        }
        break;
      }
      case QueryKind::kSysctl: {
        SysctlFact& s = f.sysctls_[arg];
        if (field == "value") s.exists = true, s.value = value;
        if (field == "writable") s.writable = value == "1";
        break;
      }
      case QueryKind::kModule:
        if (value == "unknown") {
          f.modules_.erase(arg);
          f.unknownModules_.insert(arg);
        } else {
          f.modules_[arg] = value == "1";
        }
        break;
      case QueryKind::kPackage: {
        auto w = words(value);  // "installed 1.34.2-1.1" or "config-files 1.2" or ""
        PackageFact& pf = f.packages_[arg];
        pf.installed = w.size() == 2 && w[0] == "installed";
        if (pf.installed) pf.version = w[1];
        break;
      }
      case QueryKind::kUnit:
        (field == "active" ? f.units_[arg].active : f.units_[arg].enabled) = value;
        break;
      case QueryKind::kHolds:
        f.holds_.clear();
        for (auto& w : words(value)) f.holds_.insert(w);
        break;
      case QueryKind::kSwaps:
        f.swaps_ = words(value);
        break;
      case QueryKind::kCapEff:
        f.capEff_ = std::strtoull(value.c_str(), nullptr, 16);
        break;
      case QueryKind::kContainerdDefault:
        if (field == "range") {
          auto w = words(value);
          ranges.push_back({std::stoul(w[0]), std::stoul(w[1]), "", true});
        } else {
          f.containerdDefault_ = std::move(*bytes);
        }
        break;
      case QueryKind::kFileDigest: {
        FileDigestFact& d = f.digests_[arg];
        if (field == "stat") {
          auto w = words(value);
          d.exists = true;
          d.mode = w[0], d.owner = w[1], d.group = w[2];
        } else if (field == "sha256") {
          d.sha256 = value;
        }
        break;
      }
      case QueryKind::kKubeconfigCert:
        if (!bytes->empty()) f.kubeconfigCerts_[arg] = std::move(*bytes);
        break;
      case QueryKind::kAddresses:
        if (!f.addresses_) f.addresses_.emplace();
        if (field == "inet") f.addresses_->push_back({.interface = arg, .cidr = value});
        break;
      case QueryKind::kDpkgState:
        if (field == "updates") f.dpkg_.pendingUpdates = std::atoi(value.c_str());
        if (field == "audit") f.dpkg_.auditPackages = parseDpkgAudit(*bytes);
        break;
      case QueryKind::kSwapSources:
        if (field == "units") {
          std::istringstream units(*bytes);
          for (std::string l; std::getline(units, l);) {
            auto w = words(l);
            if (w.size() >= 2 && w[0].ends_with(".swap")) f.swapUnits_.push_back({w[0], w[1]});
          }
        } else if (field == "unit-file") {
          f.swapUnits_.push_back({arg, value});
        } else if (field == "zram-config") {
          f.zramConfigs_.push_back({arg, true, std::move(*bytes)});
        } else if (field == "zram-file") {
          f.zramConfigs_.push_back({arg, false, ""});
        }
        break;
    }
  }
  if (!ended) {
    return makeError(ErrorCode::kUnavailable, "observation: output cut short (no end marker)");
  }
  if (!ranges.empty() || blob) {
    if (!blob) return tl::unexpected(malformed("file ranges without a blob"));
    std::sort(ranges.begin(), ranges.end(),
              [](const Range& a, const Range& b) { return a.offset < b.offset; });
    size_t at = 0;
    for (const Range& r : ranges) {
      if (r.offset != at || r.length > blob->size() - at) {
        return tl::unexpected(malformed("the blob's ranges do not tile it (at " +
                                        std::to_string(r.offset) + ")"));
      }
      std::string bytes = blob->substr(r.offset, r.length);
      if (r.containerdDefault) {
        f.containerdDefault_ = std::move(bytes);
      } else {
        f.files_[r.path].content = std::move(bytes);
      }
      at += r.length;
    }
    if (at != blob->size()) {
      return tl::unexpected(malformed("the blob's ranges do not tile it (" +
                                      std::to_string(blob->size() - at) + " bytes unclaimed)"));
    }
  }
  if (asked) {
    for (const Query& q : asked->queries()) {
      if (!complete(q.kind, answers[q])) {
        return tl::unexpected(malformed("no complete answer for " +
                                        std::string(queryKindName(q.kind)) + " " +
                                        printableExcerpt(q.arg) + " (truncated output?)"));
      }
    }
  }
  return f;
}

}  // namespace piherd
