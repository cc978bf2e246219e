#include "controller/certificate_observer.h"

#include <map>
#include <mutex>
#include <set>

#include <prometheus/gauge.h>

#include "reconcilers/certificates_facet.h"

namespace piherd {
namespace {

class CertificateObserver : public ClusterObserver {
 public:
  explicit CertificateObserver(prometheus::Registry& registry)
      : expiry_(prometheus::BuildGauge()
                    .Name("piherd_certificate_expiry_timestamp_seconds")
                    .Help("When a certificate on a control plane expires (notAfter, Unix seconds)")
                    .Register(registry)) {}

  std::string_view name() const override { return "certificates"; }

  void observe(const ObserverContext& context, ClusterReport&) override {
    std::lock_guard<std::mutex> lock(mutex_);
    std::map<std::string, std::set<std::string>> now;  // machine -> certificates seen
    for (const auto& [machine, desired] : context.hostDesired) {
      if (!desired.controlPlane) continue;
      auto it = context.outcomes.find(machine);
      if (it == context.outcomes.end() || !it->second.facts) {
        // Not observed this pass: its last values stay (an unreachable host still has them).
        if (auto seen = seen_.find(machine); seen != seen_.end()) now[machine] = seen->second;
        continue;
      }
      for (const CertificateExpiry& e : observedCertificateExpiries(desired, *it->second.facts)) {
        double seconds = std::chrono::duration<double>(e.notAfter.time_since_epoch()).count();
        expiry_.Add({{"machine", machine}, {"certificate", e.certificate}}).Set(seconds);
        now[machine].insert(e.certificate);
      }
    }
    for (const auto& [machine, certificates] : seen_) {
      for (const auto& c : certificates) {
        if (now[machine].contains(c)) continue;
        expiry_.Remove(&expiry_.Add({{"machine", machine}, {"certificate", c}}));
      }
    }
    seen_ = std::move(now);
  }

 private:
  prometheus::Family<prometheus::Gauge>& expiry_;
  std::mutex mutex_;
  std::map<std::string, std::set<std::string>> seen_;
};

}  // namespace

std::shared_ptr<ClusterObserver> makeCertificateObserver(prometheus::Registry& registry) {
  return std::make_shared<CertificateObserver>(registry);
}

}  // namespace piherd
