#include "reconcilers/kernel_facet.h"

#include <sstream>

#include "reconcilers/swap_plan.h"

namespace piherd {
namespace {

constexpr const char* kHeader =
    "# Managed by piherd: the kernel settings Kubernetes needs. Edits here are reverted.\n";

std::vector<std::string> splitWords(const std::string& s) {
  std::vector<std::string> out;
  std::istringstream in(s);
  for (std::string w; in >> w;) out.push_back(w);
  return out;
}

std::string normalize(const std::string& v) {
  std::string out;
  for (const auto& w : splitWords(v)) out += (out.empty() ? "" : " ") + w;
  return out;
}

void planFile(FacetPlan& plan, const HostFacts& facts, const std::string& path,
              const std::string& content) {
  FileFact f = facts.file(path);
  if (f.exists && f.content == content && f.mode == "644" && f.owner == "root") return;
  plan.actions.push_back(WriteFileAction{
      .file = {.path = path, .content = content},
      .previous = f.exists ? std::optional<std::string>(f.content) : std::nullopt});
}

void planSysctls(const HostDesired& d, const HostFacts& facts, FacetPlan& plan) {
  for (const auto& [key, want] : d.sysctls) {
    SysctlFact s = facts.sysctl(key);
    if (s.exists && normalize(s.value) == normalize(want)) continue;
    if (!s.exists) {
      plan.notes.push_back("sysctl " + key + " does not exist on this host's kernel " +
                           "(persisted for the next boot; a module may be missing)");
    } else if (!s.writable) {
      plan.notes.push_back("sysctl " + key + " is " + s.value + ", want " + want +
                           ": read-only here (shared or locked kernel), persisted for boot");
    } else {
      plan.actions.push_back(SetSysctlAction{.key = key, .from = s.value, .to = want});
    }
  }
}

void planModules(const HostDesired& d, const HostFacts& facts, FacetPlan& plan) {
  for (const auto& m : d.modules) {
    if (facts.moduleLoaded(m)) continue;
    if (facts.moduleStateUnknown(m)) {
      plan.notes.push_back("module " + m + ": this host does not show its modules (no " +
                           "/sys/module); persisted for boot, not checked live");
      continue;
    }
    if (facts.canLoadModules()) {
      plan.actions.push_back(LoadModuleAction{m});
    } else {
      plan.notes.push_back("module " + m + " is not loaded and cannot be loaded here " +
                           "(no CAP_SYS_MODULE: a container); persisted for boot");
    }
  }
}

bool isSwapLine(const std::string& line) {
  auto w = splitWords(line);
  return w.size() >= 3 && w[0][0] != '#' && w[2] == "swap";
}

bool hasWord(const std::string& text, const std::string& word) {
  for (const auto& w : splitWords(text)) {
    if (w == word) return true;
  }
  return false;
}

// cgroup memory: the boot file is fixed at once; the running kernel only changes by reboot,
// which is planned only when the Machine allows it, and only once the boot file is right.
void planRaspberryPi(const HostDesired& d, const HostFacts& facts, FacetPlan& plan) {
  FileFact model = facts.file(kPiModelFile);
  if (!model.exists || model.content.find("Raspberry Pi") == std::string::npos) return;
  FileFact cmdline = facts.file(kPiCmdlineFile);
  if (!cmdline.exists) {
    plan.notes.push_back(std::string("Raspberry Pi without ") + kPiCmdlineFile +
                         ": enable cgroup memory on the kernel command line by hand");
    return;
  }
  std::string want = KernelFacet::cmdlineWithCgroupMemory(cmdline.content);
  if (want != cmdline.content) {
    plan.actions.push_back(WriteFileAction{.file = {.path = kPiCmdlineFile, .content = want},
                                           .previous = cmdline.content});
  }
  std::string running = facts.file(kProcCmdlineFile).content;
  if (hasWord(running, "cgroup_memory=1") && hasWord(running, "cgroup_enable=memory")) return;
  if (d.allowReboot) {
    plan.actions.push_back(RebootAction{"cgroup memory on the kernel command line"});
  } else {
    plan.notes.push_back("reboot required: cgroup memory takes effect at the next boot "
                         "(spec.allowReboot on the Machine lets piherd reboot it)");
  }
}

}  // namespace

std::string KernelFacet::sysctlFileContent(const HostDesired& d) {
  std::string out = kHeader;
  for (const auto& [key, value] : d.sysctls) out += key + " = " + value + "\n";
  return out;
}

std::string KernelFacet::modulesFileContent(const HostDesired& d) {
  std::string out = kHeader;
  for (const auto& m : d.modules) out += m + "\n";
  return out;
}

std::string KernelFacet::fstabWithoutSwap(const std::string& fstab) {
  std::string out;
  std::istringstream in(fstab);
  for (std::string line; std::getline(in, line);) {
    out += (isSwapLine(line) ? "# disabled by piherd (Kubernetes needs swap off): " : "") + line +
           "\n";
  }
  if (!fstab.empty() && fstab.back() != '\n' && !out.empty()) out.pop_back();
  return out;
}

std::string KernelFacet::cmdlineWithCgroupMemory(const std::string& cmdline) {
  auto words = splitWords(cmdline);
  for (const char* want : {"cgroup_enable=memory", "cgroup_memory=1"}) {
    bool has = false;
    for (const auto& w : words) has = has || w == want;
    if (!has) words.push_back(want);
  }
  std::string out;
  for (const auto& w : words) out += (out.empty() ? "" : " ") + w;
  return out + "\n";  // cmdline.txt is one line
}

void KernelFacet::addQueries(const HostDesired& d, QuerySet& q) const {
  for (const auto& [key, value] : d.sysctls) q.add(QueryKind::kSysctl, key);
  for (const auto& m : d.modules) q.add(QueryKind::kModule, m);
  q.add(QueryKind::kFile, kSysctlFile);
  q.add(QueryKind::kFile, kModulesFile);
  q.add(QueryKind::kFile, kPiModelFile);
  q.add(QueryKind::kFile, kPiCmdlineFile);
  q.add(QueryKind::kFile, kProcCmdlineFile);
  q.add(QueryKind::kCapEff);
  addSwapQueries(q);
}

FacetPlan KernelFacet::plan(const HostDesired& d, const HostFacts& facts) const {
  FacetPlan plan;
  planFile(plan, facts, kSysctlFile, sysctlFileContent(d));
  planSysctls(d, facts, plan);
  planFile(plan, facts, kModulesFile, modulesFileContent(d));
  planModules(d, facts, plan);
  planSwap(d, facts, plan);
  planRaspberryPi(d, facts, plan);
  return plan;
}

}  // namespace piherd
