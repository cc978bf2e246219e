// The VIP observer of `piherd run` (cluster_observer.h, docs/vip.md): after every pass, each
// VirtualIP's status from the control planes' last observations and a probe through the VIP
// (observeVipStatus, the same computation as plan and apply), and its metrics:
//   piherd_vip_holders{vip}          how many control planes hold it (split brain: > 1)
//   piherd_vip_reachable{vip}        1 when the apiserver answered TLS through it, verified
//                                    against the cluster CA with the VIP as SAN
//   piherd_vip_failovers_total{vip}  failovers the status has counted (a counter)
//   piherd_vip_holder{vip,machine}   1 for each control plane holding it, 0 for the others
#include "controller/vip_observer.h"

#include <map>
#include <mutex>

#include <prometheus/counter.h>
#include <prometheus/gauge.h>

#include "controller/vip_report.h"

namespace piherd {
namespace {

class VipObserver : public ClusterObserver {
 public:
  VipObserver(prometheus::Registry& registry, std::shared_ptr<VipProber> prober)
      : prober_(std::move(prober)),
        holders_(prometheus::BuildGauge()
                     .Name("piherd_vip_holders")
                     .Help("Control-plane hosts holding the virtual IP (more than 1: split brain)")
                     .Register(registry)),
        reachable_(prometheus::BuildGauge()
                       .Name("piherd_vip_reachable")
                       .Help("1 when the apiserver answers TLS through the virtual IP, verified "
                             "against the cluster CA")
                       .Register(registry)),
        failovers_(prometheus::BuildCounter()
                       .Name("piherd_vip_failovers_total")
                       .Help("Times the virtual IP moved from one sole holder to another")
                       .Register(registry)),
        holder_(prometheus::BuildGauge()
                    .Name("piherd_vip_holder")
                    .Help("1 when this control plane holds the virtual IP, else 0")
                    .Register(registry)) {}

  std::string_view name() const override { return "vip"; }

  void observe(const ObserverContext& context, ClusterReport& report) override {
    auto outcomeOf = [&](const std::string& machine) -> const HostOutcome* {
      auto it = context.outcomes.find(machine);
      return it == context.outcomes.end() ? nullptr : &it->second;
    };
    std::lock_guard<std::mutex> lock(mutex_);
    for (const VirtualIP& declared : context.desired.vips) {
      const std::string& name = declared.metadata.name;
      VirtualIP vip = declared;
      vip.status = observeVipStatus(context.desired, declared, report.vips[name], outcomeOf,
                                    *prober_, context.clusterCaPem);
      report.vips[name] = vip.status;
      VipMetrics m = vipMetrics(vip);
      holders_.Add({{"vip", name}}).Set(m.holders);
      reachable_.Add({{"vip", name}}).Set(m.reachable);
      // The status counts failovers across controller restarts; the counter starts at the
      // first value seen and then only grows.
      auto& counted = counted_[name];
      if (m.failoversTotal > counted) {
        failovers_.Add({{"vip", name}}).Increment(m.failoversTotal - counted);
        counted = m.failoversTotal;
      } else {
        failovers_.Add({{"vip", name}});
      }
      for (const Machine* cp : context.desired.controlPlanes()) {
        bool holds = false;
        for (const auto& h : m.holderMachines) holds = holds || h == cp->metadata.name;
        holder_.Add({{"vip", name}, {"machine", cp->metadata.name}}).Set(holds ? 1 : 0);
      }
    }
  }

 private:
  std::shared_ptr<VipProber> prober_;
  prometheus::Family<prometheus::Gauge>& holders_;
  prometheus::Family<prometheus::Gauge>& reachable_;
  prometheus::Family<prometheus::Counter>& failovers_;
  prometheus::Family<prometheus::Gauge>& holder_;
  std::mutex mutex_;
  std::map<std::string, double> counted_;  // failovers already added to the counter, by VIP
};

}  // namespace

std::shared_ptr<ClusterObserver> makeVipObserver(prometheus::Registry& registry,
                                                 std::shared_ptr<VipProber> prober) {
  return std::make_shared<VipObserver>(registry, std::move(prober));
}

}  // namespace piherd
