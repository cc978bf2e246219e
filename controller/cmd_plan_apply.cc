// Placeholder until the host facets land (issue: host facets, plan and apply).
#include <iostream>

#include "controller/cli.h"

namespace piherd {

int cmdPlan(const CliOptions&) {
  std::cerr << "piherd plan: not available in this version yet\n";
  return 1;
}

int cmdApply(const CliOptions&) {
  std::cerr << "piherd apply: not available in this version yet\n";
  return 1;
}

}  // namespace piherd
