// Where the tests find the source tree and the piherd binary. These are absolute paths of
// one checkout, so they live in one small translation unit (test_paths.cc, compiled per test
// binary with the paths as definitions) instead of on every test file's command line: ccache
// (scripts/test.sh) then serves every other test file from another clone of the same commit
// too. Force-included into each test file (-include), so PIHERD_SOURCE_DIR and PIHERD_BINARY
// read as before: expressions of type const char*.
#pragma once

namespace piherd::test {
const char* sourceDir();
const char* piherdBinary();
}  // namespace piherd::test

#define PIHERD_SOURCE_DIR (::piherd::test::sourceDir())
#define PIHERD_BINARY (::piherd::test::piherdBinary())
