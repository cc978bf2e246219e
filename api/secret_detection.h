// Recognizes secret material written inline in a manifest. Secrets belong in files that the
// manifest names (privateKeyFile, authPasswordFile); a manifest holding a private key or a
// password is rejected, and diagnostics about it never repeat the value.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace piherd {

// A PEM private key ("-----BEGIN ... PRIVATE KEY-----") or an OpenSSH private key anywhere in
// the value.
bool looksLikePrivateKey(std::string_view value);

// A field name that suggests secret material (password, passwd, token, secret, privateKey,
// apiKey, ...), unless it names a file ("...File", "...Path").
bool looksLikeSecretFieldName(std::string_view name);

// The message for a secret-looking field: points at the *File field of the same object that
// should be used instead (the closest by name among siblings), or at the general rule.
std::string secretFieldMessage(std::string_view fieldName,
                               const std::vector<std::string>& siblingFields);

}  // namespace piherd
