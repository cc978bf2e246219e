// Host keys and OpenSSH known_hosts files: parsing ("ssh-ed25519 AAAA..." keys, plain and
// hashed host patterns, @revoked lines), matching a host against them, fingerprints in
// OpenSSH's "SHA256:..." form, and appending a trusted key. Pure code plus file reads and an
// append; the policy that decides what to trust lives in host_key_verifier.h.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "platform/status.h"

namespace piherd {

// A public host key as written in known_hosts and in Machine.spec.ssh.hostKey.
struct HostKey {
  std::string type;    // "ssh-ed25519", "ssh-rsa", "ecdsa-sha2-nistp256", ...
  std::string base64;  // the key blob, base64 as in the file

  bool operator==(const HostKey& other) const = default;
  std::string toString() const { return type + " " + base64; }  // public material only
};

// Parses "TYPE BASE64 [COMMENT]". The blob must decode and name the same TYPE inside.
Result<HostKey> parseHostKey(std::string_view text);

// OpenSSH's fingerprint of a key blob: "SHA256:" + unpadded base64 of its SHA-256.
Result<std::string> sha256Fingerprint(const HostKey& key);

// Fingerprint for messages; never fails (an undecodable key is described as such).
std::string describeKey(const HostKey& key);

// How known_hosts names an endpoint: "10.0.0.5" on port 22, "[10.0.0.5]:2222" otherwise.
std::string knownHostsName(std::string_view address, int port);

// Whether OpenSSH host pattern list `patterns` ("a,b,*.lan,!c") matches `name`; hashed
// entries ("|1|salt|hash") are compared by HMAC-SHA1 of the name.
bool hostPatternsMatch(std::string_view patterns, std::string_view name);

class KnownHosts {
 public:
  struct Entry {
    std::string patterns;  // the first field, as written
    HostKey key;
    int line = 0;          // 1-based line number in the file
    bool revoked = false;  // "@revoked" marker
  };

  enum class Verdict {
    kKnown,    // a non-revoked entry for this name holds exactly the offered key
    kChanged,  // entries for this name exist, none holds the offered key
    kRevoked,  // the offered key is marked @revoked
    kUnknown,  // no entry names this host
  };

  struct Check {
    Verdict verdict = Verdict::kUnknown;
    std::vector<Entry> expected;  // for kChanged: the entries that name the host
  };

  // Parses file text. Comments, blank lines, @cert-authority and malformed lines are skipped
  // (as OpenSSH does), so one bad line does not lock every host out.
  static KnownHosts parse(std::string_view text);

  // Reads and parses a file; a missing file is an empty set, an unreadable one an Error.
  static Result<KnownHosts> load(const std::string& path);

  // Appends "NAME TYPE BASE64" to the file if, read under an exclusive lock, it has no entry
  // for `name` yet; creates the file (0600) and its directory (0700) when missing. Returns
  // the verdict found under the lock: kUnknown means the key was recorded now.
  static Result<Verdict> recordIfUnknown(const std::string& path, std::string_view name,
                                         const HostKey& key);

  Check check(std::string_view name, const HostKey& offered) const;

  // Key types recorded for `name`, in file order, without duplicates (to prefer them when
  // negotiating the host key algorithm).
  std::vector<std::string> keyTypesFor(std::string_view name) const;

  const std::vector<Entry>& entries() const { return entries_; }

 private:
  static Result<Verdict> appendLocked(int fd, const std::string& path, std::string_view name,
                                      const HostKey& key);

  std::vector<Entry> entries_;
};

// Expands a leading "~/" with $HOME.
std::string expandHome(const std::string& path);

}  // namespace piherd
