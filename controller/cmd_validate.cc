// Placeholder; the API work replaces it.
#include <iostream>

#include "controller/cli.h"

namespace piherd {

int cmdValidate(const CliOptions&) {
  std::cerr << "piherd validate: not available yet\n";
  return 1;
}

}  // namespace piherd
