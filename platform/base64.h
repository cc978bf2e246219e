// Base64 (RFC 4648) via OpenSSL's EVP block codec: used to carry file bytes through the
// line-oriented observation protocol unchanged.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace piherd {

std::string base64Encode(std::string_view bytes);
// nullopt when the input is not valid base64.
std::optional<std::string> base64Decode(std::string_view text);

}  // namespace piherd
