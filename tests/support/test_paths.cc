// The one file built with the checkout's paths (test_paths.h).
#include "tests/support/test_paths.h"

namespace piherd::test {
const char* sourceDir() { return PIHERD_TEST_SOURCE_DIR; }
const char* piherdBinary() { return PIHERD_TEST_BINARY; }
}  // namespace piherd::test
