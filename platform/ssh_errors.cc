#include "platform/ssh_errors.h"

namespace piherd::ssh_errors {
namespace {

std::string str(std::string_view s) {
  return std::string(s);
}

bool contains(std::string_view haystack, std::string_view needle) {
  return haystack.find(needle) != std::string_view::npos;
}

std::string seconds(std::chrono::milliseconds d) {
  if (d.count() % 1000 == 0) return std::to_string(d.count() / 1000) + "s";
  return std::to_string(d.count()) + "ms";
}

}  // namespace

std::string endpoint(std::string_view machine, std::string_view address, int port) {
  return str(machine) + " (" + str(address) + ":" + std::to_string(port) + ")";
}

Error hostUnreachable(std::string_view endpoint, std::string_view detail) {
  return {ErrorCode::kUnavailable, str(endpoint) + ": host unreachable: " + str(detail)};
}

Error connectionLost(std::string_view endpoint, std::string_view detail) {
  return {ErrorCode::kUnavailable, str(endpoint) + ": connection to host lost: " + str(detail)};
}

Error authRefused(std::string_view endpoint, std::string_view user, std::string_view keys) {
  return {ErrorCode::kPermissionDenied, str(endpoint) + ": SSH authentication refused for user " +
                                            str(user) + " (tried " + str(keys) + ")"};
}

Error privateKeyUnusable(std::string_view path, std::string_view why) {
  return {ErrorCode::kFailedPrecondition,
          "SSH private key " + str(path) + " cannot be used: " + str(why)};
}

Error hostKeyUnknown(std::string_view endpoint, std::string_view offered,
                     std::string_view knownHostsFile) {
  return {ErrorCode::kPermissionDenied,
          str(endpoint) + ": host key unknown: the host offered " + str(offered) +
              ", which is neither pinned in the Machine's ssh.hostKey nor in " +
              str(knownHostsFile) +
              "; verify it on the host (ssh-keygen -lf /etc/ssh/ssh_host_*_key.pub) and pin "
              "it, or run once with --insecure-accept-new-host-keys; nothing was run"};
}

Error hostKeyMismatch(std::string_view endpoint, std::string_view offered,
                      std::string_view expected, std::string_view source) {
  return {ErrorCode::kPermissionDenied,
          str(endpoint) + ": host key mismatch: the host offered " + str(offered) + " but " +
              str(source) + " expects " + str(expected) +
              "; the host was reinstalled or someone is intercepting the connection; "
              "refusing to authenticate, nothing was run"};
}

Error hostKeyRevoked(std::string_view endpoint, std::string_view offered, std::string_view source) {
  return {ErrorCode::kPermissionDenied, str(endpoint) + ": host key revoked: the host offered " +
                                            str(offered) + ", marked @revoked in " + str(source) +
                                            "; nothing was run"};
}

Error commandTimedOut(std::string_view endpoint, std::string_view command,
                      std::chrono::milliseconds timeout) {
  return {ErrorCode::kDeadlineExceeded,
          str(endpoint) + ": command " + str(command) + " timed out after " + seconds(timeout)};
}

Error sudoRefused(std::string_view endpoint, std::string_view user) {
  return {ErrorCode::kPermissionDenied,
          str(endpoint) + ": sudo refused to run as root without a password: user " + str(user) +
              " needs passwordless sudo (NOPASSWD), or connect as root"};
}

Error connectFailure(std::string_view endpoint, std::string_view sshError) {
  if (contains(sshError, "no match for method") || contains(sshError, "kex error")) {
    return {ErrorCode::kFailedPrecondition,
            str(endpoint) + ": no common SSH algorithms with the host: " + str(sshError)};
  }
  return hostUnreachable(endpoint, sshError);
}

bool isSudoPasswordRefusal(int exitStatus, std::string_view err) {
  return exitStatus == 1 && contains(err, "sudo: a password is required");
}

}  // namespace piherd::ssh_errors
