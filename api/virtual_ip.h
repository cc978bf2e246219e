// VirtualIP: a floating IPv4 address held by one control-plane host at a time through
// keepalived (VRRP), through which clients reach kube-apiserver whichever host is alive
// (docs/api.md). Plain data plus its field table.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "api/conditions.h"
#include "api/diagnostic.h"
#include "api/field_schema.h"
#include "api/object_meta.h"

namespace piherd {

struct VirtualIPSpec {
  std::string cluster;                          // the Cluster's metadata.name
  std::string address;                          // A.B.C.D/PREFIX
  std::optional<int> port;                      // default 6443
  std::string interface;                        // e.g. eth0
  std::optional<int> virtualRouterID;           // 1-255, required
  std::optional<int> vrrpVersion;               // 2 | 3, default 2
  std::optional<double> advertIntervalSeconds;  // default 1; below 1 needs VRRPv3
  std::string authPasswordFile;                 // VRRPv2 PASS authentication; not with VRRPv3
  bool operator==(const VirtualIPSpec&) const = default;
};

struct VirtualIPStatus {
  std::vector<std::string> holders;   // machines holding the address (more than one: split brain)
  std::optional<bool> reachable;      // apiserver answered through it
  std::string lastFailoverTime;       // RFC 3339
  int64_t failovers = 0;              // times a new sole holder took over
  std::string lastHolder;             // the last sole holder (to count failovers across gaps)
  std::vector<Condition> conditions;  // Available, SplitBrain
  int64_t observedGeneration = 0;
  bool operator==(const VirtualIPStatus&) const = default;
};

struct VirtualIP {
  std::string apiVersion = std::string(kApiVersion);
  std::string kind = std::string(kKindVirtualIP);
  ObjectMeta metadata;
  VirtualIPSpec spec;
  VirtualIPStatus status;
  SourceRef source;  // where it was read from; not serialized
  bool operator==(const VirtualIP&) const = default;
};

// ---- field tables -------------------------------------------------------------------------

template <class V, SameStruct<VirtualIPSpec> S>
void visitFields(V& v, S& s) {
  v.field("cluster", s.cluster,
          {.required = true, .format = StringFormat::kClusterRef, .description = "Name of the Cluster this address serves."});
  v.field("address", s.address,
          {.required = true,
           .format = StringFormat::kVipAddress, .description = "The virtual address with its subnet's prefix length, e.g. "
                          "192.168.3.10/24."});
  v.field("port", s.port,
          {.minimum = 1, .maximum = 65535, .description = "apiserver port. Default 6443."});
  v.field("interface", s.interface,
          {.required = true, .format = StringFormat::kInterfaceName, .description = "Network interface the address is put on."});
  v.field("virtualRouterID", s.virtualRouterID,
          {.required = true,
           .minimum = 1,
           .maximum = 255,
           .description = "VRRP virtual router ID, unique on the network segment."});
  v.field("vrrpVersion", s.vrrpVersion,
          {.minimum = 2,
           .maximum = 3,
           .description = "VRRP version, 2 or 3 (3 allows sub-second adverts, has no "
                          "authentication). Default 2."});
  v.field("advertIntervalSeconds", s.advertIntervalSeconds,
          {.minimum = 0.01,
           .maximum = 255,
           .description = "Seconds between VRRP adverts: a whole number with VRRPv2, "
                          "0.01-40.95 with VRRPv3. Default 1."});
  v.field("authPasswordFile", s.authPasswordFile,
          {.format = StringFormat::kFilePath, .description = "File holding the VRRPv2 authentication password (VRRPv2 only)."});
}

template <class V, SameStruct<VirtualIPStatus> S>
void visitFields(V& v, S& s) {
  v.field("holders", s.holders,
          {.description = "Machines holding the address; more than one is split brain."});
  v.field("reachable", s.reachable,
          {.description = "Whether the apiserver answered through the address."});
  v.field("lastFailoverTime", s.lastFailoverTime,
          {.description = "When the address last moved (RFC 3339)."});
  v.field("failovers", s.failovers,
          {.description = "How many times the address moved to another machine."});
  v.field("lastHolder", s.lastHolder,
          {.description = "The machine that last held the address alone."});
  v.field("conditions", s.conditions, {.description = "Available and SplitBrain."});
  v.field("observedGeneration", s.observedGeneration,
          {.description = "metadata.generation the status was computed from."});
}

template <class V, SameStruct<VirtualIP> S>
void visitFields(V& v, S& s) {
  v.field("apiVersion", s.apiVersion, {.required = true});
  v.field("kind", s.kind, {.required = true});
  v.field("metadata", s.metadata, {.required = true});
  v.field("spec", s.spec, {.required = true, .description = "The virtual IP as declared."});
  v.field("status", s.status, {.description = "Observed by the controller; never edit."});
}

// ---- effective values ---------------------------------------------------------------------

// The address without its prefix length ("192.168.3.10" for "192.168.3.10/24"); the
// address as written when it has no prefix.
std::string vipHost(const VirtualIP& vip);
// The prefix length, or nullopt when the address has none or it is not a number.
std::optional<int> vipPrefixLength(const VirtualIP& vip);

}  // namespace piherd
