// libFuzzer target: manifest text through the whole API boundary, as `piherd validate` does
// it: parse (YAML, or JSON by the first byte), default, validate, and print every
// diagnostic. Any crash, leak, sanitizer report, or a diagnostic that is not one line of
// text, is a finding. Seeds: tests/fuzz/manifest/. Run: scripts/fuzz.sh (docs/fuzzing.md).
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "api/manifest_set.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  piherd::LoadResult result;
  // No extension: the first byte picks JSON ('{', '[') or YAML, as for any such file.
  std::string file = "fuzz-input";
  piherd::parseManifestText(text, file, result);
  result.files.push_back(file);
  piherd::defaultAndValidate(result);
  for (const auto& d : result.diagnostics) {
    std::string line = piherd::formatDiagnostic(d);
    for (char c : line) {
      if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) std::abort();  // not one line
    }
  }
  if (result.ok()) {
    // A valid set: what the rest of piherd derives from it must not blow up either.
    for (const auto& c : result.set.clusters) {
      (void)piherd::effectiveSysctls(c, piherd::kRoleControlPlane);
      (void)piherd::effectiveModules(c);
      (void)piherd::firstServiceIP(c);
      for (const auto& m : result.set.machines) (void)piherd::effectiveSsh(m, c);
    }
  }
  return 0;
}
