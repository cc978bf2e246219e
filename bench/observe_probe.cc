// piherd_bench_observe: the host-side cost of one observation, for bench/run.sh.
//
// Loads the manifests as `piherd plan` does, builds each machine's queries (every facet that
// applies to it), and runs the observation script on each host RUNS times over one SSH
// session, wrapped in a timer that runs on the host itself (bash's EPOCHREALTIME, no process
// spawned inside the timed span but the script's own). Between two markers forked by the
// wrapper, the host's PID namespace also tells how many processes the script forked (the
// `sh` included). Hosts are measured one after the other, so each figure is one host's cost
// with the machine otherwise as idle as it is.
//
//   piherd_bench_observe -f DIR [--runs N] [--stdin MACHINE] [--compare SCRIPT]
//                        [--script-file SCRIPT] [--script]
//
// Output, one line per run: "run MACHINE MS PROCESSES OUTPUT_BYTES", then per machine
// "host MACHINE MEDIAN_MS MIN_MS MEDIAN_PROCESSES QUERIES". --stdin prints the machine's query
// document instead (what the script reads) and --script the script, for measuring by hand.
// --compare runs SCRIPT (bench/reference/observation-v1.sh, the script before the rewrite)
// and piherd's script on every host and checks that both give exactly the same facts
// ("same MACHINE" or "DIFFERENT MACHINE" and the differing facts; exit 1 on a difference).
// --script-file times SCRIPT instead of piherd's script.
#include <algorithm>
#include <cstdio>
#include <fstream>
#include <sstream>
#include <iostream>
#include <string>
#include <vector>

#include "api/manifest_set.h"
#include "controller/cli.h"
#include "controller/desired_state.h"
#include "controller/host_runner.h"
#include "controller/file_store.h"
#include "controller/pki_setup.h"
#include "platform/transport_pool.h"
#include "reconcilers/host_reconciler.h"
#include "reconcilers/observation.h"
#include "tests/unit/observation_facts_dump.h"

namespace {

// Runs on the host under bash. $1 is the observation script; stdin is the query document,
// read whole first (so that the time the query takes to arrive over SSH is not counted) and
// handed to the script as a here-string. Prints "MICROSECONDS PROCESSES OUTPUT_BYTES".
const char* const kTimer = R"SH(
q=$(cat; echo x)
q=${q%x}
(:) & p0=$!; wait
t0=$EPOCHREALTIME
out=$(sh -c "$1" piherd-observe <<<"$q")
t1=$EPOCHREALTIME
(:) & p1=$!; wait
us=$(( (${t1%.*} - ${t0%.*}) * 1000000 + (10#${t1#*.} - 10#${t0#*.}) ))
case "$out" in *"end	-	-	-") ;; *) echo "no end marker" >&2; exit 1 ;; esac
echo "$us $((p1 - p0 - 1)) ${#out}"
)SH";

double median(std::vector<double> v) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  size_t n = v.size();
  return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

}  // namespace

int main(int argc, char** argv) {
  using namespace piherd;
  std::vector<std::string> manifests;
  int runs = 5;
  std::string stdinFor, compareWith, timedScript = observationScript();
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "-f" && i + 1 < argc) {
      manifests.push_back(argv[++i]);
    } else if (a == "--runs" && i + 1 < argc) {
      runs = std::max(1, std::atoi(argv[++i]));
    } else if (a == "--script") {
      std::cout << observationScript();
      return 0;
    } else if ((a == "--compare" || a == "--script-file") && i + 1 < argc) {
      std::ifstream in(argv[++i]);
      std::stringstream text;
      text << in.rdbuf();
      if (text.str().empty()) {
        std::cerr << a << ": cannot read " << argv[i] << "\n";
        return 1;
      }
      (a == "--compare" ? compareWith : timedScript) = text.str();
    } else if (a == "--stdin" && i + 1 < argc) {
      stdinFor = argv[++i];
    } else {
      std::cerr << "usage: piherd_bench_observe -f DIR [--runs N] [--stdin MACHINE] [--script] "
                   "[--compare SCRIPT] [--script-file SCRIPT]\n";
      return 1;
    }
  }
  CliOptions o;
  o.command = "plan";
  o.manifests = manifests;
  LoadResult loaded = loadValidatedManifests(o.manifests);
  for (const auto& d : loaded.diagnostics) std::cerr << formatDiagnostic(d) << "\n";
  if (!loaded.ok()) return 1;
  auto targets = buildMachineTargets(loaded.set, o);
  if (!targets) {
    std::cerr << targets.error().message << "\n";
    return 1;
  }
  TransportPool pool(TransportPool::Options{.maxConcurrent = 1});
  std::vector<HostTarget> hosts;
  for (auto& t : *targets) {
    hosts.push_back({.desired = std::move(t.desired), .address = t.ssh.address,
                     .transport = pool.get(t.ssh)});
  }
  if (auto s = attachClusterPki(hosts, loaded.set, stateDirFor(o), ReconcileMode::kPlan); !s) {
    std::cerr << "certificates: " << s.error().message << "\n";
    return 1;
  }
  const auto facets = HostReconciler::defaultFacets();
  int status = 0;
  for (auto& h : hosts) {
    QuerySet queries;  // what HostReconciler asks: every facet that applies to the host
    for (const auto& f : facets) {
      if (f->appliesTo(h.desired)) f->addQueries(h.desired, queries);
    }
    if (!stdinFor.empty()) {
      if (h.desired.machine == stdinFor) std::cout << queries.toStdin();
      continue;
    }
    if (!compareWith.empty()) {
      std::string dumps[2];
      const std::string* scripts[2] = {&compareWith, &observationScript()};
      for (int k = 0; k < 2; ++k) {
        auto res = h.transport->run({"sh", "-c", *scripts[k], "piherd-observe"},
                                    ExecOptions{.stdinData = queries.toStdin(),
                                                .maxOutputBytes = kMaxObservationBytes});
        if (!res || !res->ok()) {
          dumps[k] = "failed: " + (res ? printableExcerpt(res->err) : res.error().message);
          continue;
        }
        auto facts = HostFacts::parse(res->out, &queries);
        dumps[k] = facts ? testing::dumpFacts(*facts, queries) : "refused: " + facts.error().message;
      }
      if (dumps[0] == dumps[1]) {
        std::printf("same %s (%zu queries)\n", h.desired.machine.c_str(), queries.queries().size());
      } else {
        std::printf("DIFFERENT %s\n--- reference\n%s--- piherd\n%s", h.desired.machine.c_str(),
                    dumps[0].c_str(), dumps[1].c_str());
        status = 1;
      }
      continue;
    }
    std::vector<double> ms, procs;
    for (int r = 0; r < runs; ++r) {
      auto res = h.transport->run({"bash", "-c", kTimer, "piherd-bench", timedScript},
                                  ExecOptions{.stdinData = queries.toStdin(),
                                              .maxOutputBytes = kMaxObservationBytes});
      long long us = 0, p = 0, bytes = 0;
      if (!res || !res->ok() ||
          std::sscanf(res->out.c_str(), "%lld %lld %lld", &us, &p, &bytes) != 3) {
        std::cerr << h.desired.machine << ": "
                  << (res ? printableExcerpt(res->err + res->out) : res.error().message) << "\n";
        status = 1;
        break;
      }
      ms.push_back(static_cast<double>(us) / 1000.0);
      procs.push_back(static_cast<double>(p));
      std::printf("run %s %.2f %lld %lld\n", h.desired.machine.c_str(), ms.back(), p, bytes);
    }
    if (!ms.empty()) {
      std::printf("host %s %.2f %.2f %.0f %zu\n", h.desired.machine.c_str(), median(ms),
                  *std::min_element(ms.begin(), ms.end()), median(procs),
                  queries.queries().size());
    }
    std::fflush(stdout);
  }
  return status;
}
