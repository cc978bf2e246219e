#include "api/secret_detection.h"

#include <algorithm>
#include <cctype>

#include "api/text_distance.h"

namespace piherd {
namespace {

std::string lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

bool endsWith(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

}  // namespace

bool looksLikePrivateKey(std::string_view value) {
  size_t begin = value.find("-----BEGIN ");
  while (begin != std::string_view::npos) {
    size_t end = value.find("-----", begin + 11);
    if (end == std::string_view::npos) return false;
    if (value.substr(begin, end - begin).find("PRIVATE KEY") != std::string_view::npos) {
      return true;
    }
    begin = value.find("-----BEGIN ", end);
  }
  return false;
}

bool looksLikeSecretFieldName(std::string_view name) {
  std::string n = lower(name);
  if (endsWith(n, "file") || endsWith(n, "path")) return false;
  for (std::string_view word : {"password", "passwd", "passphrase", "token", "secret", "privatekey",
                                "private_key", "apikey", "api_key", "certificatekey"}) {
    if (n.find(word) != std::string::npos) return true;
  }
  return false;
}

std::string secretFieldMessage(std::string_view fieldName,
                               const std::vector<std::string>& siblingFields) {
  std::string best;
  size_t bestDistance = 0;
  for (const auto& f : siblingFields) {
    if (!endsWith(lower(f), "file")) continue;
    size_t d = editDistance(lower(fieldName), lower(f));
    if (best.empty() || d < bestDistance) {
      best = f;
      bestDistance = d;
    }
  }
  std::string message =
      "secret material must not be written in a manifest (value not shown); put it in a file "
      "readable only by you and name that file in ";
  if (!best.empty()) return message + best + " instead";
  return message + "a *File field instead (privateKeyFile, authPasswordFile)";
}

}  // namespace piherd
