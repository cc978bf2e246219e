// VIP status: which control planes hold each VirtualIP (from the addresses every control
// plane reported in its observation round trip), whether the apiserver answers through it
// (TCP, then TLS verified against the cluster CA with the VIP as the name), failovers and
// split brain. Pure except for the prober, which is an interface (docs/vip.md).
//
// For the metrics endpoint (the controller serves them): vipMetrics() gives, per VirtualIP,
// piherd_vip_holders{vip}, piherd_vip_reachable{vip}, piherd_vip_failovers_total{vip}, and
// the holders' machine names.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "api/virtual_ip.h"

namespace piherd {

struct VipProbeResult {
  bool tcp = false;     // VIP:port accepted a connection
  bool tls = false;     // and completed a TLS handshake verified against the CA, VIP as SAN
  bool verified = false;  // a CA was given (tls means verified only then)
  std::string detail;   // why not, for the condition's message
};

class VipProber {
 public:
  virtual ~VipProber() = default;
  // caPem empty: TCP and an unverified handshake only.
  virtual VipProbeResult probe(const std::string& address, int port, const std::string& caPem) = 0;
};

// The real prober: a TCP connect and an OpenSSL handshake, each bounded by `timeoutMs`.
class TlsVipProber : public VipProber {
 public:
  explicit TlsVipProber(int timeoutMs = 2000) : timeoutMs_(timeoutMs) {}
  VipProbeResult probe(const std::string& address, int port, const std::string& caPem) override;

 private:
  int timeoutMs_;
};

// What one control plane said about one VIP in this pass.
struct VipHostView {
  std::string machine;
  bool observed = false;  // false: unreachable this pass (it may hold the VIP unseen)
  bool holds = false;
};

// The next status from the last one: holders (observed control planes holding the VIP, in
// name order), reachable, a failover counted (failovers, lastFailoverTime) when a sole
// holder differs from the last sole holder, conditions Available and SplitBrain (each
// lastTransitionTime kept while its status stays). `now` is RFC 3339.
VirtualIPStatus nextVipStatus(const VirtualIP& vip, const VirtualIPStatus& previous,
                              const std::vector<VipHostView>& hosts, const VipProbeResult& probe,
                              const std::string& now);

// The metrics contract's numbers for one VirtualIP.
struct VipMetrics {
  std::string vip;                   // label value: the VirtualIP's name
  double holders = 0;                // piherd_vip_holders
  double reachable = 0;              // piherd_vip_reachable (1 or 0)
  double failoversTotal = 0;         // piherd_vip_failovers_total (a counter: never decreases)
  std::vector<std::string> holderMachines;
};
VipMetrics vipMetrics(const VirtualIP& vip);

// The current time in RFC 3339 (UTC, seconds).
std::string rfc3339Now();

}  // namespace piherd
