// Every fact an observation holds for the queries asked, as one canonical text: what the
// tests (and bench/'s --compare) use to show that two observation scripts gave a host exactly
// the same facts, whatever bytes travelled.
#pragma once

#include <sstream>
#include <string>

#include "reconcilers/observation.h"

namespace piherd::testing {

inline std::string factText(const std::string& s) {
  std::string out(1, '"');
  out += printableExcerpt(s, s.size());
  out += '"';
  return out;
}

inline std::string dumpFacts(const HostFacts& f, const QuerySet& asked) {
  std::ostringstream o;
  for (const Query& q : asked.queries()) {
    o << queryKindName(q.kind) << " " << q.arg << ": ";
    switch (q.kind) {
      case QueryKind::kFile: {
        FileFact x = f.file(q.arg);
        o << x.exists << " " << x.mode << " " << x.owner << " " << x.group << " "
          << factText(x.content);
        break;
      }
      case QueryKind::kFileDigest: {
        FileDigestFact x = f.fileDigest(q.arg);
        o << x.exists << " " << x.mode << " " << x.owner << " " << x.group << " " << x.sha256;
        break;
      }
      case QueryKind::kKubeconfigCert: {
        auto c = f.kubeconfigCert(q.arg);
        o << (c ? factText(*c) : "none");
        break;
      }
      case QueryKind::kSysctl: {
        SysctlFact x = f.sysctl(q.arg);
        o << x.exists << " " << factText(x.value) << " " << x.writable;
        break;
      }
      case QueryKind::kModule:
        o << f.moduleLoaded(q.arg) << " " << f.moduleStateUnknown(q.arg);
        break;
      case QueryKind::kPackage: {
        PackageFact x = f.package(q.arg);
        o << x.installed << " " << x.version;
        break;
      }
      case QueryKind::kUnit: {
        UnitFact x = f.unit(q.arg);
        o << factText(x.active) << " " << factText(x.enabled);
        break;
      }
      case QueryKind::kHolds:
        for (const auto& h : f.holds()) o << h << " ";
        break;
      case QueryKind::kSwaps:
        for (const auto& s : f.activeSwaps()) o << s << " ";
        break;
      case QueryKind::kCapEff:
        o << f.canLoadModules();
        break;
      case QueryKind::kContainerdDefault: {
        auto c = f.containerdDefaultConfig();
        o << (c ? factText(*c) : "none");
        break;
      }
      case QueryKind::kAddresses:
        if (f.addresses()) {
          for (const auto& a : *f.addresses()) o << a.interface << "=" << a.cidr << " ";
        } else {
          o << "none";
        }
        break;
      case QueryKind::kDpkgState:
        o << f.dpkg().pendingUpdates;
        for (const auto& p : f.dpkg().auditPackages) o << " " << p;
        break;
      case QueryKind::kSwapSources:
        for (const auto& u : f.swapUnits()) o << u.unit << "=" << u.state << " ";
        for (const auto& z : f.zramConfigs()) {
          o << z.path << "=" << z.definesDevices << factText(z.content) << " ";
        }
        break;
    }
    o << "\n";
  }
  return o.str();
}

}  // namespace piherd::testing
