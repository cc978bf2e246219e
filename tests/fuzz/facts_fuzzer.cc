// libFuzzer target: the observation answer of a host that may lie (HostFacts::parse), with
// and without the set of queries asked. The first line of the input (up to a newline) is
// the queries, as the observation script reads them on stdin ("kind arg" lines separated
// by ';'); the rest is the host's answer. Seeds: tests/fuzz/facts/. Run: scripts/fuzz.sh.
#include <cstdint>
#include <cstdlib>
#include <string>

#include "reconcilers/observation.h"

namespace {

piherd::QuerySet queriesFrom(const std::string& spec) {
  using piherd::QueryKind;
  piherd::QuerySet q;
  size_t start = 0;
  while (start <= spec.size()) {
    size_t end = spec.find(';', start);
    std::string item = spec.substr(start, end == std::string::npos ? end : end - start);
    size_t space = item.find(' ');
    std::string kind = item.substr(0, space);
    std::string arg = space == std::string::npos ? "-" : item.substr(space + 1);
    for (QueryKind k : {QueryKind::kFile, QueryKind::kSysctl, QueryKind::kModule,
                        QueryKind::kPackage, QueryKind::kUnit, QueryKind::kHolds, QueryKind::kSwaps,
                        QueryKind::kCapEff, QueryKind::kContainerdDefault, QueryKind::kFileDigest,
                        QueryKind::kKubeconfigCert, QueryKind::kAddresses, QueryKind::kDpkgState,
                        QueryKind::kSwapSources}) {
      if (piherd::queryKindName(k) == kind) q.add(k, arg);
    }
    if (end == std::string::npos) break;
    start = end + 1;
  }
  return q;
}

// Error messages quote what the host said: they must stay one line of printable text.
void checkMessage(const std::string& m) {
  for (char c : m) {
    if (static_cast<unsigned char>(c) < 0x20 || static_cast<unsigned char>(c) > 0x7e) std::abort();
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string input(reinterpret_cast<const char*>(data), size);
  size_t newline = input.find('\n');
  std::string spec = newline == std::string::npos ? input : input.substr(0, newline);
  std::string answer = newline == std::string::npos ? "" : input.substr(newline + 1);
  piherd::QuerySet asked = queriesFrom(spec);
  auto strict = piherd::HostFacts::parse(answer, &asked);
  if (!strict) checkMessage(strict.error().message);
  auto loose = piherd::HostFacts::parse(answer);
  if (!loose) checkMessage(loose.error().message);
  if (strict && !loose) std::abort();  // the strict parse accepts less, never more
  if (strict) {
    for (const auto& query : asked.queries()) {
      (void)strict->file(query.arg);
      (void)strict->sysctl(query.arg);
      (void)strict->package(query.arg);
      (void)strict->unit(query.arg);
    }
    (void)strict->canLoadModules();
  }
  return 0;
}
