#include "api/ipv4.h"

#include <arpa/inet.h>

#include <charconv>

namespace piherd {

std::optional<uint32_t> parseIPv4(std::string_view text) {
  if (text.empty() || text.size() > 15) return std::nullopt;
  std::string s(text);
  in_addr addr{};
  if (inet_pton(AF_INET, s.c_str(), &addr) != 1) return std::nullopt;
  return ntohl(addr.s_addr);
}

std::string formatIPv4(uint32_t address) {
  return std::to_string(address >> 24) + "." + std::to_string((address >> 16) & 0xff) + "." +
         std::to_string((address >> 8) & 0xff) + "." + std::to_string(address & 0xff);
}

bool Ipv4Prefix::overlaps(const Ipv4Prefix& other) const {
  // Two prefixes overlap exactly when the shorter one contains the other's network.
  const Ipv4Prefix& wider = length <= other.length ? *this : other;
  const Ipv4Prefix& narrower = length <= other.length ? other : *this;
  return wider.contains(narrower.network());
}

std::string Ipv4Prefix::networkText() const {
  return formatIPv4(network()) + "/" + std::to_string(length);
}

std::optional<Ipv4Prefix> parseIPv4Prefix(std::string_view text) {
  size_t slash = text.find('/');
  if (slash == std::string_view::npos) return std::nullopt;
  auto address = parseIPv4(text.substr(0, slash));
  std::string_view len = text.substr(slash + 1);
  if (!address || len.empty() || len.size() > 2) return std::nullopt;
  if (len.size() == 2 && len[0] == '0') return std::nullopt;
  int length = -1;
  auto [end, ec] = std::from_chars(len.data(), len.data() + len.size(), length);
  if (ec != std::errc() || end != len.data() + len.size() || length < 0 || length > 32) {
    return std::nullopt;
  }
  return Ipv4Prefix{*address, length};
}

bool isUsableHostAddress(uint32_t address) {
  uint8_t first = address >> 24;
  if (first == 0 || first == 127) return false;  // this network, loopback
  if (first >= 224) return false;                // multicast, reserved, broadcast
  return true;
}

}  // namespace piherd
