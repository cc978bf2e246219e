#include "controller/status_render.h"

#include <algorithm>
#include <sstream>

#include "api/serialize.h"

namespace piherd {
namespace {

using Row = std::vector<std::string>;

std::string table(const Row& header, const std::vector<Row>& rows) {
  std::vector<size_t> width(header.size());
  for (size_t i = 0; i < header.size(); ++i) width[i] = header[i].size();
  for (const auto& r : rows) {
    for (size_t i = 0; i < r.size() && i < width.size(); ++i) width[i] = std::max(width[i], r[i].size());
  }
  std::ostringstream out;
  auto line = [&](const Row& r) {
    std::string s;
    for (size_t i = 0; i < r.size(); ++i) {
      s += r[i];
      if (i + 1 < r.size()) s += std::string(width[i] - r[i].size() + 2, ' ');
    }
    out << s << "\n";
  };
  line(header);
  for (const auto& r : rows) line(r);
  return out.str();
}

std::string orDash(const std::string& s) { return s.empty() ? "-" : s; }

// "Reachable KernelConfigured !RuntimeReady ?Joined": ! False, ? Unknown.
std::string conditionSummary(const std::vector<Condition>& conditions) {
  std::string out;
  for (const auto& c : conditions) {
    if (!out.empty()) out += " ";
    out += (c.status == kConditionTrue ? "" : c.status == kConditionFalse ? "!" : "?") + c.type;
  }
  return orDash(out);
}

void problems(const std::string& object, const std::vector<Condition>& conditions, std::string& out) {
  for (const auto& c : conditions) {
    if (c.status == kConditionTrue) continue;
    out += "  " + object + ": " + c.type + "=" + c.status + (c.reason.empty() ? "" : " (" + c.reason + ")") +
           (c.message.empty() ? "" : ": " + c.message) + "\n";
  }
}

}  // namespace

std::string renderStatusTables(const StatusSnapshot& s) {
  std::string out, notes;
  std::vector<Row> rows;
  for (const auto& [name, c] : s.clusters) {
    rows.push_back({name, orDash(c.status.phase),
                    c.status.initialized ? (*c.status.initialized ? "true" : "false") : "-",
                    orDash(c.status.controlPlaneReady), orDash(c.status.etcdHealthy)});
    problems("Cluster/" + name, c.status.conditions, notes);
  }
  out += "CLUSTER\n" + (rows.empty() ? std::string("  (none written yet)\n")
                                     : table({"NAME", "PHASE", "INITIALIZED", "CONTROL PLANES READY", "ETCD HEALTHY"}, rows));
  rows.clear();
  for (const auto& [name, v] : s.vips) {
    std::string holders;
    for (const auto& h : v.status.holders) holders += (holders.empty() ? "" : ",") + h;
    const Condition* avail = nullptr;
    for (const auto& c : v.status.conditions) {
      if (c.type == kConditionAvailable) avail = &c;
    }
    rows.push_back({name, v.spec.address, orDash(holders),
                    v.status.reachable ? (*v.status.reachable ? "true" : "false") : "-",
                    avail ? avail->status : "-", orDash(v.status.lastFailoverTime)});
    problems("VirtualIP/" + name, v.status.conditions, notes);
  }
  out += "\nVIRTUALIP\n" + (rows.empty() ? std::string("  (none written yet)\n")
                                         : table({"NAME", "ADDRESS", "HOLDERS", "REACHABLE", "AVAILABLE", "LAST FAILOVER"}, rows));
  rows.clear();
  for (const auto& [name, m] : s.machines) {
    rows.push_back({name, m.spec.role, m.spec.address, orDash(m.status.phase),
                    orDash(m.status.lastReconcileTime), conditionSummary(m.status.conditions)});
    problems("Machine/" + name, m.status.conditions, notes);
  }
  out += "\nMACHINES\n" + (rows.empty() ? std::string("  (none written yet)\n")
                                        : table({"NAME", "ROLE", "ADDRESS", "PHASE", "LAST RECONCILE", "CONDITIONS"}, rows));
  if (!notes.empty()) out += "\nNot true:\n" + notes;
  return out;
}

std::string renderStatusJson(const StatusSnapshot& s) {
  nlohmann::ordered_json j;
  j["clusters"] = nlohmann::ordered_json::array();
  j["virtualIPs"] = nlohmann::ordered_json::array();
  j["machines"] = nlohmann::ordered_json::array();
  for (const auto& [_, c] : s.clusters) j["clusters"].push_back(toJsonValue(c));
  for (const auto& [_, v] : s.vips) j["virtualIPs"].push_back(toJsonValue(v));
  for (const auto& [_, m] : s.machines) j["machines"].push_back(toJsonValue(m));
  return j.dump(2) + "\n";
}

}  // namespace piherd
