// `piherd version` (issue 13): the version, the git commit and the build type, from the
// binary as users run it.
#include <gtest/gtest.h>

#include <cstdio>
#include <regex>
#include <set>
#include <string>

#include "controller/build_info.h"

namespace {

std::string run(const std::string& command) {
  std::string out;
  FILE* p = popen(command.c_str(), "r");
  if (!p) return out;
  char buf[256];
  while (fgets(buf, sizeof buf, p)) out += buf;
  pclose(p);
  return out;
}

TEST(BuildInfo, VersionPrintsVersionCommitAndBuildType) {
  std::string line = run(std::string(PIHERD_BINARY) + " version");
  EXPECT_EQ(line, piherd::versionLine() + "\n");
  std::smatch m;
  ASSERT_TRUE(std::regex_match(line, m, std::regex(
      R"(piherd ([0-9]+\.[0-9]+\.[0-9]+) \(commit ([0-9a-f]{12}(-dirty)?|unknown), ([A-Za-z]+)\)\n)")))
      << line;
  EXPECT_EQ(m[1].str(), PIHERD_VERSION);
  const std::set<std::string> kTypes = {"Debug", "Release", "RelWithDebInfo", "MinSizeRel"};
  EXPECT_TRUE(kTypes.count(m[4].str())) << m[4].str();
  EXPECT_EQ(m[4].str(), piherd::buildInfo().buildType);
}

// The tests are built from a git checkout: the commit is a real one of it, not "unknown".
TEST(BuildInfo, CommitIsOneOfThisCheckout) {
  std::string commit = piherd::buildInfo().commit;
  std::string dirtyless = commit.substr(0, commit.find("-dirty"));
  std::string type = run("git -C " + std::string(PIHERD_SOURCE_DIR) + " cat-file -t " + dirtyless +
                         " 2>/dev/null");
  EXPECT_EQ(type, "commit\n") << commit;
}

}  // namespace
