// IPv4 addresses and prefixes, just enough for validating manifests: parsing (inet_pton, so
// "192.168.3.300" and "010.1.1.1" style oddities are rejected), containment and overlap.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace piherd {

// A dotted-quad IPv4 address as a host-order integer.
std::optional<uint32_t> parseIPv4(std::string_view text);
std::string formatIPv4(uint32_t address);

// "A.B.C.D/LEN". `address` is as written (host bits may be set); network() clears them.
struct Ipv4Prefix {
  uint32_t address = 0;
  int length = 0;  // 0-32

  uint32_t mask() const { return length == 0 ? 0 : ~uint32_t{0} << (32 - length); }
  uint32_t network() const { return address & mask(); }
  uint32_t broadcast() const { return network() | ~mask(); }
  bool hasHostBits() const { return address != network(); }
  bool contains(uint32_t ip) const { return (ip & mask()) == network(); }
  bool overlaps(const Ipv4Prefix& other) const;
  std::string networkText() const;  // "192.168.3.0/24"
};
std::optional<Ipv4Prefix> parseIPv4Prefix(std::string_view text);

// Loopback, multicast, the unspecified and broadcast addresses, 0.0.0.0/8, 240.0.0.0/4: not
// usable as a host's address.
bool isUsableHostAddress(uint32_t address);

}  // namespace piherd
