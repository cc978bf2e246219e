#include "reconcilers/swap_plan.h"

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <map>
#include <sstream>

#include "reconcilers/kernel_facet.h"

namespace piherd {
namespace {

constexpr const char* kDisabledPrefix = "# disabled by piherd (Kubernetes needs swap off): ";

std::vector<std::string> splitWords(const std::string& s) {
  std::vector<std::string> out;
  std::istringstream in(s);
  for (std::string w; in >> w;) out.push_back(w);
  return out;
}

std::string trim(const std::string& s) {
  size_t b = s.find_first_not_of(" \t");
  if (b == std::string::npos) return "";
  return s.substr(b, s.find_last_not_of(" \t\r") - b + 1);
}

// States of a unit file that start it at boot (or let something else pull it in).
bool startsAtBoot(const std::string& state) {
  for (const char* s : {"enabled", "enabled-runtime", "static", "indirect", "linked",
                        "linked-runtime", "alias"}) {
    if (state == s) return true;
  }
  return false;
}

void planFile(FacetPlan& plan, const std::string& path, const FileFact& now,
              const std::string& want) {
  if (now.exists && now.content == want) return;
  plan.actions.push_back(WriteFileAction{
      .file = {.path = path, .content = want},
      .previous = now.exists ? std::optional<std::string>(now.content) : std::nullopt});
}

// The configuration files zram-generator reads, as it reads them: the first main file found
// in /run, /etc, /usr/local/lib, /usr/lib, and for each drop-in name the one in the first of
// those directories that has it.
std::vector<ZramConfigFact> effectiveZramConfigs(const HostFacts& facts) {
  static const char* const kDirs[] = {"/run/systemd/", "/etc/systemd/", "/usr/local/lib/systemd/",
                                      "/usr/lib/systemd/"};
  auto rank = [](const std::string& path) {
    for (size_t i = 0; i < 4; ++i) {
      if (path.rfind(kDirs[i], 0) == 0) return std::make_pair(i, path.substr(std::string(kDirs[i]).size()));
    }
    return std::make_pair(size_t{4}, path);
  };
  std::map<std::string, std::pair<size_t, ZramConfigFact>> winners;  // relative name -> best
  for (const ZramConfigFact& c : facts.zramConfigs()) {
    auto [r, rel] = rank(c.path);
    std::string key = rel.find('/') == std::string::npos ? "main" : rel;
    auto it = winners.find(key);
    if (it == winners.end() || r < it->second.first) winners[key] = {r, c};
  }
  std::vector<ZramConfigFact> out;
  for (const auto& [key, w] : winners) out.push_back(w.second);
  return out;
}

void planZramGenerator(const HostFacts& facts, FacetPlan& plan) {
  for (const ZramConfigFact& c : effectiveZramConfigs(facts)) {
    if (!c.definesDevices) continue;
    if (c.path.rfind("/etc/", 0) == 0) {
      plan.actions.push_back(WriteFileAction{.file = {.path = c.path,
                                                      .content = zramConfigDisabled(c.content)},
                                             .previous = c.content});
    } else if (c.path.rfind("/run/", 0) == 0) {
      plan.notes.push_back("zram-generator config " + c.path + " (in /run, made at boot by " +
                           "something else) defines swap; piherd cannot disable it for good");
    } else {
      // A vendor file: a same-named file in /etc overrides it (the owner's documented way).
      std::string rel = c.path.substr(c.path.find("/systemd/") + 9);
      plan.actions.push_back(WriteFileAction{
          .file = {.path = "/etc/systemd/" + rel,
                   .content = std::string("# Managed by piherd: overrides ") + c.path +
                              ", whose zram swap Kubernetes cannot run with.\n"},
          .previous = std::nullopt});
    }
  }
}

void planDphysSwapfile(const HostFacts& facts, FacetPlan& plan) {
  if (!facts.package("dphys-swapfile").installed) return;
  if (startsAtBoot(facts.unit("dphys-swapfile.service").enabled) ||
      facts.unit("dphys-swapfile.service").active == "active") {
    plan.actions.push_back(DisableDphysSwapfileAction{});
  }
}

void planSwapUnits(const HostFacts& facts, FacetPlan& plan) {
  MaskUnitsAction mask{.why = "swap units: masked so they never start again"};
  for (const SwapUnitFact& u : facts.swapUnits()) {
    if (startsAtBoot(u.state)) mask.units.push_back(u.unit);
  }
  if (!mask.units.empty()) plan.actions.push_back(mask);
}

void planActiveSwaps(const HostFacts& facts, FacetPlan& plan) {
  const auto& active = facts.activeSwaps();
  if (active.empty()) return;
  std::vector<std::string> sources;
  for (const auto& dev : active) sources.push_back(swapSourceOf(dev, facts));
  FileFact refused = facts.file(kSwapRebootMarker);
  if (!refused.exists) {
    plan.actions.push_back(SwapOffAction{.devices = active, .sources = sources});
    return;
  }
  std::string list;
  for (size_t i = 0; i < active.size(); ++i) {
    list += (i ? ", " : "") + active[i] + " (" + sources[i] + ")";
  }
  plan.notes.push_back("reboot required: swap " + list + " is disabled for the next boot but " +
                       "this host refused to turn it off now (" + trim(refused.content) + ")");
}

}  // namespace

void addSwapQueries(QuerySet& q) {
  q.add(QueryKind::kSwaps);
  q.add(QueryKind::kSwapSources);
  q.add(QueryKind::kFile, kFstabFile);
  q.add(QueryKind::kFile, kSwapRebootMarker);
  q.add(QueryKind::kFile, kDphysSwapfileConfig);
  q.add(QueryKind::kFile, kRpiSwapConfig);
  q.add(QueryKind::kPackage, "dphys-swapfile");
  q.add(QueryKind::kUnit, "dphys-swapfile.service");
}

void planSwap(const HostDesired& d, const HostFacts& facts, FacetPlan& plan) {
  if (!d.swapOff) return;
  FileFact fstab = facts.file(kFstabFile);
  if (fstab.exists) {
    planFile(plan, kFstabFile, fstab, KernelFacet::fstabWithoutSwap(fstab.content));
  }
  planDphysSwapfile(facts, plan);
  FileFact rpi = facts.file(kRpiSwapConfig);
  if (rpi.exists) planFile(plan, kRpiSwapConfig, rpi, rpiSwapConfWithoutSwap(rpi.content));
  planZramGenerator(facts, plan);
  planSwapUnits(facts, plan);
  planActiveSwaps(facts, plan);
}

std::string zramConfigDisabled(const std::string& content) {
  std::string out;
  std::istringstream in(content);
  for (std::string line; std::getline(in, line);) {
    std::string t = trim(line);
    out += (t.empty() || t[0] == '#' || t[0] == ';' ? "" : kDisabledPrefix) + line + "\n";
  }
  return out;
}

std::string rpiSwapConfWithoutSwap(const std::string& content) {
  std::vector<std::string> lines;
  std::istringstream in(content);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  // Find [Main]; inside it, the Mechanism= line (the last one wins, as in any INI reader).
  int mainAt = -1, mechanismAt = -1;
  bool inMain = false;
  for (size_t i = 0; i < lines.size(); ++i) {
    std::string t = trim(lines[i]);
    if (!t.empty() && t[0] == '[') {
      inMain = t == "[Main]";
      if (inMain && mainAt < 0) mainAt = static_cast<int>(i);
    } else if (inMain && t.rfind("Mechanism", 0) == 0 &&
               trim(t.substr(9)).rfind('=', 0) == 0) {
      mechanismAt = static_cast<int>(i);
    }
  }
  const std::string want = "Mechanism=none";
  if (mechanismAt >= 0) {
    std::string t = trim(lines[mechanismAt]);
    std::string value = trim(t.substr(t.find('=') + 1));
    if (value != "none") lines[mechanismAt] = want;
  } else if (mainAt >= 0) {
    lines.insert(lines.begin() + mainAt + 1, want);
  } else {
    lines.push_back("[Main]");
    lines.push_back(want);
  }
  std::string out;
  for (const auto& l : lines) out += l + "\n";
  return out;
}

std::string systemdEscapePath(const std::string& path) {
  std::string p;
  for (char c : path) {
    if (c == '/' && (p.empty() || p.back() == '/')) continue;  // leading and doubled slashes
    p += c;
  }
  while (!p.empty() && p.back() == '/') p.pop_back();
  if (p.empty()) return "-";
  std::string out;
  for (size_t i = 0; i < p.size(); ++i) {
    unsigned char c = static_cast<unsigned char>(p[i]);
    bool plain = std::isalnum(c) || c == ':' || c == '_' || (c == '.' && i > 0);
    if (c == '/') {
      out += '-';
    } else if (plain) {
      out += static_cast<char>(c);
    } else {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\x%02x", c);
      out += buf;
    }
  }
  return out;
}

std::string swapSourceOf(const std::string& device, const HostFacts& facts) {
  // fstab, including lines piherd already disabled (the swap is from before that).
  std::istringstream fstab(facts.file(kFstabFile).content);
  for (std::string line; std::getline(fstab, line);) {
    if (line.rfind(kDisabledPrefix, 0) == 0) line = line.substr(std::string(kDisabledPrefix).size());
    auto w = splitWords(line);
    if (w.size() >= 3 && w[0] == device && w[2] == "swap") return "fstab";
  }
  if (facts.package("dphys-swapfile").installed) {
    std::string swapfile = "/var/swap";  // dphys-swapfile's default CONF_SWAPFILE
    std::istringstream conf(facts.file(kDphysSwapfileConfig).content);
    for (std::string line; std::getline(conf, line);) {
      std::string t = trim(line);
      if (t.rfind("CONF_SWAPFILE=", 0) == 0) swapfile = trim(t.substr(14));
    }
    if (device == swapfile) return "dphys-swapfile";
  }
  std::string unit = systemdEscapePath(device) + ".swap";
  for (const SwapUnitFact& u : facts.swapUnits()) {
    if (u.unit == unit && u.state != "generated") return "systemd unit " + unit;
  }
  bool zram = device.rfind("/dev/zram", 0) == 0;
  if (facts.file(kRpiSwapConfig).exists) return zram ? "rpi-swap (zram)" : "rpi-swap";
  if (zram) {
    bool generator = std::any_of(facts.zramConfigs().begin(), facts.zramConfigs().end(),
                                 [](const ZramConfigFact& c) { return c.definesDevices; });
    return generator ? "zram-generator" : "zram (set up outside piherd's known sources)";
  }
  return "unknown source (swapon by hand or by a script?)";
}

}  // namespace piherd
