// What this piherd binary is: its version, the git commit it was built from and the CMake
// build type, as `piherd version` prints them. The commit comes from a header generated at
// build time (cmake/version_info.cmake), included only by build_info.cc so that a new
// commit recompiles one file.
#pragma once

#include <string>

namespace piherd {

struct BuildInfo {
  std::string version;    // the project's VERSION, e.g. "0.1.0"
  std::string commit;     // short git commit, "-dirty" appended for a modified tree, or "unknown"
  std::string buildType;  // CMAKE_BUILD_TYPE: Release, RelWithDebInfo, Debug, MinSizeRel
};

const BuildInfo& buildInfo();

// One line: "piherd 0.1.0 (commit 4cf6468a1b2c, Release)".
std::string versionLine();

}  // namespace piherd
