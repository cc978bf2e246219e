#include "controller/host_runner.h"

#include <algorithm>
#include <atomic>
#include <sstream>
#include <thread>

namespace piherd {
namespace {

std::string indent(const std::string& text, const std::string& pad) {
  std::string out;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) out += pad + line + "\n";
  return out;
}

std::string padRight(std::string s, size_t width) {
  if (s.size() < width) s.append(width - s.size(), ' ');
  return s + " ";
}

}  // namespace

std::vector<HostOutcome> reconcileHosts(const std::vector<HostTarget>& targets,
                                        const HostReconciler& reconciler, ReconcileMode mode,
                                        int parallel, const ProgressFn& progress) {
  std::vector<HostOutcome> outcomes(targets.size());
  std::atomic<size_t> next{0};
  auto worker = [&] {
    for (size_t i; (i = next++) < targets.size();) {
      outcomes[i] = reconciler.reconcile(*targets[i].transport, targets[i].desired, mode, progress);
    }
  };
  size_t n = std::min<size_t>(targets.size(), static_cast<size_t>(std::max(parallel, 1)));
  std::vector<std::thread> threads;
  for (size_t t = 0; t < n; ++t) threads.emplace_back(worker);
  for (auto& t : threads) t.join();
  return outcomes;
}

std::string renderPlan(const std::vector<HostTarget>& targets,
                       const std::vector<HostOutcome>& outcomes) {
  std::ostringstream out;
  for (size_t i = 0; i < outcomes.size(); ++i) {
    const HostOutcome& h = outcomes[i];
    out << h.machine << " (" << targets[i].address << ")\n";
    if (!h.error.empty()) {
      out << "  error: " << h.error << "\n";
      continue;
    }
    for (const FacetOutcome& f : h.facets) {
      if (f.state == FacetState::kPending) {
        out << "  " << f.facet << ": " << f.actions.size() << " change"
            << (f.actions.size() == 1 ? "" : "s") << "\n";
        for (const auto& a : f.actions) {
          std::string head = a.substr(0, a.find('\n'));
          out << "    ~ " << head << "\n";
          if (head.size() < a.size()) out << indent(a.substr(head.size() + 1), "      ");
        }
      } else {
        out << "  " << f.facet << ": " << (f.state == FacetState::kConverged ? "no changes"
                                                                             : facetStateName(f.state));
        out << (f.error.empty() ? "" : " (" + f.error + ")") << "\n";
      }
      for (const auto& note : f.notes) out << "    note: " << note << "\n";
    }
  }
  return out.str();
}

std::string renderSummary(const std::vector<HostTarget>& targets,
                          const std::vector<HostOutcome>& outcomes) {
  std::vector<std::string> facetNames;
  for (const auto& h : outcomes) {
    for (const auto& f : h.facets) {
      if (std::find(facetNames.begin(), facetNames.end(), f.facet) == facetNames.end()) {
        facetNames.push_back(f.facet);
      }
    }
  }
  size_t nameWidth = 8;
  for (const auto& h : outcomes) nameWidth = std::max(nameWidth, h.machine.size());
  std::ostringstream out;
  out << padRight("MACHINE", nameWidth) << padRight("ADDRESS", 15);
  for (const auto& f : facetNames) {
    std::string upper = f;
    std::transform(upper.begin(), upper.end(), upper.begin(), ::toupper);
    out << padRight(upper, 10);
  }
  out << "RESULT\n";
  for (size_t i = 0; i < outcomes.size(); ++i) {
    const HostOutcome& h = outcomes[i];
    out << padRight(h.machine, nameWidth) << padRight(targets[i].address, 15);
    for (const auto& name : facetNames) {
      auto it = std::find_if(h.facets.begin(), h.facets.end(),
                             [&](const FacetOutcome& f) { return f.facet == name; });
      out << padRight(it == h.facets.end() ? "-"
                      : it->retryable()       ? "retry"
                                              : facetStateName(it->state),
                      10);
    }
    out << (h.converged()    ? "converged"
            : !h.reachable   ? "unreachable"
            : h.retryable()  ? "not converged (retry later)"
                             : "not converged")
        << "\n";
  }
  // Errors per host; notes once each, with the hosts they concern (often all of them).
  std::vector<std::pair<std::string, std::string>> notes;  // (facet: note, hosts)
  for (const auto& h : outcomes) {
    if (!h.error.empty()) out << h.machine << ": " << h.error << "\n";
    for (const auto& f : h.facets) {
      if (!f.error.empty()) out << h.machine << "/" << f.facet << ": " << f.error << "\n";
      for (const auto& note : f.notes) {
        std::string key = f.facet + ": " + note;
        auto it = std::find_if(notes.begin(), notes.end(), [&](const auto& n) { return n.first == key; });
        if (it == notes.end()) {
          notes.emplace_back(key, h.machine);
        } else {
          it->second += ", " + h.machine;
        }
      }
    }
  }
  for (const auto& [note, hosts] : notes) out << "note (" << hosts << ") " << note << "\n";
  return out.str();
}

}  // namespace piherd
