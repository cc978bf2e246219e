#include "api/virtual_ip.h"

#include <charconv>

namespace piherd {

std::string vipHost(const VirtualIP& vip) {
  const std::string& a = vip.spec.address;
  return a.substr(0, a.find('/'));
}

std::optional<int> vipPrefixLength(const VirtualIP& vip) {
  const std::string& a = vip.spec.address;
  size_t slash = a.find('/');
  if (slash == std::string::npos) return std::nullopt;
  int length = 0;
  const char* begin = a.data() + slash + 1;
  const char* end = a.data() + a.size();
  auto [p, ec] = std::from_chars(begin, end, length);
  if (begin == end || ec != std::errc() || p != end) return std::nullopt;
  return length;
}

}  // namespace piherd
