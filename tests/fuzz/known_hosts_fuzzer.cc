// libFuzzer target: known_hosts text (KnownHosts::parse, then check and keyTypesFor for a
// name taken from the input) and host key lines (parseHostKey, fingerprints). The input's
// first line is the host name to look up; the rest is the file. Seeds: tests/fuzz/known_hosts/.
#include <cstdint>
#include <string>

#include "platform/known_hosts.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string input(reinterpret_cast<const char*>(data), size);
  size_t newline = input.find('\n');
  std::string name = newline == std::string::npos ? input : input.substr(0, newline);
  std::string text = newline == std::string::npos ? "" : input.substr(newline + 1);
  auto hosts = piherd::KnownHosts::parse(text);
  for (const auto& e : hosts.entries()) {
    (void)hosts.check(name, e.key);
    (void)piherd::sha256Fingerprint(e.key);
    (void)piherd::describeKey(e.key);
  }
  (void)hosts.keyTypesFor(name);
  (void)piherd::hostPatternsMatch(name, text.substr(0, text.find('\n')));
  if (auto key = piherd::parseHostKey(text.substr(0, text.find('\n')))) {
    (void)piherd::sha256Fingerprint(*key);
    (void)hosts.check(name, *key);
  }
  return 0;
}
