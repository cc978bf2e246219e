// See build_info.h.
#include "controller/build_info.h"

#include "piherd_git_commit.h"  // generated in the build directory: PIHERD_GIT_COMMIT

namespace piherd {

const BuildInfo& buildInfo() {
  static const BuildInfo info{PIHERD_VERSION, PIHERD_GIT_COMMIT, PIHERD_BUILD_TYPE};
  return info;
}

std::string versionLine() {
  const BuildInfo& b = buildInfo();
  return "piherd " + b.version + " (commit " + b.commit + ", " + b.buildType + ")";
}

}  // namespace piherd
