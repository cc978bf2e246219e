#include "reconcilers/apt_output.h"

#include <algorithm>
#include <regex>
#include <sstream>

namespace piherd {
namespace {

std::vector<std::string> lines(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    out.push_back(line);
  }
  return out;
}

std::string trim(std::string s) {
  size_t b = s.find_first_not_of(" \t");
  if (b == std::string::npos) return "";
  size_t e = s.find_last_not_of(" \t.");
  return s.substr(b, e - b + 1);
}

bool contains(const std::string& s, const char* what) { return s.find(what) != std::string::npos; }

bool anyOf(const std::string& s, std::initializer_list<const char*> needles) {
  return std::any_of(needles.begin(), needles.end(), [&](const char* n) { return contains(s, n); });
}

// apt names a repository as "URL SUITE FILE" (Err: lines) or "URL/FILE" (W: Failed to
// fetch): the URL is the first word either way; for file URLs strip the index file name.
std::string repositoryOf(const std::string& words) {
  std::string url = words.substr(0, words.find_first_of(" \t"));
  for (const char* file : {"/InRelease", "/Release.gpg", "/Release"}) {
    if (url.size() > std::string(file).size() && url.ends_with(file)) {
      url.resize(url.size() - std::string(file).size());
      break;
    }
  }
  if (!url.empty() && url.back() != '/') url += '/';
  return url;
}

// One repository failure, said for a person.
std::string classify(const std::string& repo, const std::string& reason) {
  if (anyOf(reason, {"NO_PUBKEY", "couldn't be verified", "signatures were invalid", "BADSIG",
                     "EXPKEYSIG", "is not signed", "OpenPGP signature verification failed"})) {
    return "repository " + repo + " is signed wrongly: its signature does not verify with the " +
           "configured key (" + reason + ")";
  }
  if (anyOf(reason, {"Could not connect", "Connection refused", "Connection timed out",
                     "Could not resolve", "Temporary failure resolving", "No route to host",
                     "Network is unreachable", "Failed to connect", "Unable to connect",
                     "Connection failed"})) {
    return "repository " + repo + " is unreachable (" + reason + ")";
  }
  if (contains(reason, "404")) return "repository " + repo + " not found (" + reason + ")";
  return "repository " + repo + ": " + reason;
}

void addOnce(std::vector<std::string>& out, const std::string& msg) {
  if (std::find(out.begin(), out.end(), msg) == out.end()) out.push_back(msg);
}

}  // namespace

std::string LockHolder::describe() const {
  std::string what = lockPath.find("/var/lib/dpkg/") == 0 || lockPath.empty()
                         ? "the dpkg lock"
                         : "the apt lock " + lockPath;
  if (pid.empty()) return what + ", held by another process";
  return what + ", held by " + (process.empty() ? "process" : process) + " (pid " + pid + ")";
}

std::optional<LockHolder> parseLockHolder(const std::string& output) {
  static const std::regex aptHeld(
      R"(Could not get lock (\S+?)\.? It is held by process (\d+)(?: \(([^)]*)\))?)");
  static const std::regex aptLock(R"(Could not get lock (\S+?)(?:\.|\s|$))");
  static const std::regex dpkgHeld(R"(dpkg[^\n]* lock (?:was|is) locked by another process with pid (\d+))");
  std::smatch m;
  if (std::regex_search(output, m, aptHeld)) {
    return LockHolder{.lockPath = m[1], .pid = m[2], .process = m[3]};
  }
  if (std::regex_search(output, m, dpkgHeld)) {
    return LockHolder{.lockPath = "/var/lib/dpkg/lock", .pid = m[1]};
  }
  if (std::regex_search(output, m, aptLock)) return LockHolder{.lockPath = m[1]};
  if (anyOf(output, {"Unable to acquire the dpkg frontend lock",
                     "Unable to lock the administration directory",
                     "dpkg status database is locked by another process",
                     "dpkg frontend lock is locked by another process"})) {
    return LockHolder{};
  }
  return std::nullopt;
}

std::string summarizeAptFailure(const std::string& output) {
  std::vector<std::string> out;
  std::vector<std::string> ls = lines(output);
  for (size_t i = 0; i < ls.size(); ++i) {
    const std::string& l = ls[i];
    if (l.rfind("Err:", 0) == 0) {
      // "Err:2 URL SUITE FILE" then the reason, indented, on the next line.
      size_t sp = l.find(' ');
      if (sp == std::string::npos) continue;
      std::string reason = i + 1 < ls.size() && ls[i + 1].rfind("  ", 0) == 0 ? trim(ls[i + 1]) : "";
      addOnce(out, classify(repositoryOf(l.substr(sp + 1)), reason));
    } else if (l.rfind("W: GPG error: ", 0) == 0) {
      std::string rest = l.substr(14);
      size_t colon = rest.find(": ", rest.find(' '));
      addOnce(out, classify(repositoryOf(rest),
                            colon == std::string::npos ? rest : trim(rest.substr(colon + 2))));
    } else if (l.rfind("E: The repository '", 0) == 0) {
      std::string quoted = l.substr(19, l.find('\'', 19) - 19);
      std::string repo = repositoryOf(quoted);
      if (contains(l, "is not signed")) {
        // Said with the reason already when an Err: or GPG error line came first.
        bool known = std::any_of(out.begin(), out.end(), [&](const std::string& m) {
          return m.rfind("repository " + repo + " is signed wrongly", 0) == 0;
        });
        if (!known) addOnce(out, classify(repo, "is not signed"));
      } else if (contains(l, "does not have a Release file")) {
        addOnce(out, "repository " + repo + " has no Release file (is the URL right?)");
      }
    } else if (l.rfind("E: Failed to fetch ", 0) == 0) {
      std::string rest = l.substr(19);
      size_t gap = rest.find("  ");
      addOnce(out, "download of " + rest.substr(0, gap) + " failed" +
                       (gap == std::string::npos ? "" : " (" + trim(rest.substr(gap)) + ")"));
    } else if (l.rfind("E: Unable to locate package ", 0) == 0) {
      addOnce(out, "package " + trim(l.substr(28)) + " is in no configured repository");
    } else if (l.rfind("E: Version '", 0) == 0 && contains(l, "was not found")) {
      static const std::regex v(R"(E: Version '([^']*)' for '([^']*)' was not found)");
      std::smatch m;
      if (std::regex_search(l, m, v)) {
        addOnce(out, "version " + m[1].str() + " of " + m[2].str() +
                         " is in no configured repository");
      }
    } else if (contains(l, "has no installation candidate")) {
      addOnce(out, trim(l.rfind("E: ", 0) == 0 ? l.substr(3) : l));
    } else if (l.rfind("E: dpkg was interrupted", 0) == 0) {
      addOnce(out, "dpkg was interrupted (dpkg --configure -a finishes it)");
    }
  }
  std::string joined;
  for (const auto& m : out) joined += (joined.empty() ? "" : "; ") + m;
  return joined;
}

std::vector<std::string> parseDpkgAudit(const std::string& output) {
  std::vector<std::string> out;
  for (const std::string& l : lines(output)) {
    if (l.size() < 2 || l[0] != ' ' || l[1] == ' ') continue;
    std::string name = l.substr(1, l.find_first_of(" \t", 1) - 1);
    if (std::find(out.begin(), out.end(), name) == out.end()) out.push_back(name);
  }
  return out;
}

}  // namespace piherd
