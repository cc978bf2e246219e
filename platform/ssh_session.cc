#include "platform/ssh_session.h"

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>

#include <algorithm>
#include <cstdlib>
#include <mutex>
#include <optional>
#include <thread>

#include "platform/ssh_errors.h"

namespace piherd {
namespace {

using std::chrono::milliseconds;

// libssh 0.10's host key algorithms, most preferred first.
constexpr const char* kDefaultHostKeyAlgorithms[] = {"ssh-ed25519",         "ecdsa-sha2-nistp521",
                                                     "ecdsa-sha2-nistp384", "ecdsa-sha2-nistp256",
                                                     "rsa-sha2-512",        "rsa-sha2-256"};

// The algorithms that produce a key of `type` (an RSA key signs with SHA-2 variants).
std::vector<std::string> algorithmsFor(const std::string& type) {
  if (type == "ssh-rsa") return {"rsa-sha2-512", "rsa-sha2-256"};
  return {type};
}

// Algorithms for the key types on record first, so a host with several host keys offers the
// one we can check; the rest after, so a host whose key type changed still negotiates and is
// then refused with a clear "host key mismatch" instead of an obscure kex failure.
std::string hostKeyAlgorithms(const std::vector<std::string>& expectedTypes) {
  std::vector<std::string> order;
  for (const auto& type : expectedTypes) {
    for (auto& alg : algorithmsFor(type)) order.push_back(alg);
  }
  for (const char* alg : kDefaultHostKeyAlgorithms) order.emplace_back(alg);
  std::string list;
  std::vector<std::string> seen;
  for (const auto& alg : order) {
    if (std::find(seen.begin(), seen.end(), alg) != seen.end()) continue;
    seen.push_back(alg);
    list += (list.empty() ? "" : ",") + alg;
  }
  return list;
}

// Detects a dead idle connection within about a minute even when no command is running.
void enableKeepalive(int fd) {
  int on = 1, idle = 30, interval = 10, count = 3;
  ::setsockopt(fd, SOL_SOCKET, SO_KEEPALIVE, &on, sizeof on);
  ::setsockopt(fd, IPPROTO_TCP, TCP_KEEPIDLE, &idle, sizeof idle);
  ::setsockopt(fd, IPPROTO_TCP, TCP_KEEPINTVL, &interval, sizeof interval);
  ::setsockopt(fd, IPPROTO_TCP, TCP_KEEPCNT, &count, sizeof count);
}

std::string sshError(ssh_session session) {
  const char* e = ssh_get_error(session);
  return (e && *e) ? e : "unknown libssh error";
}

std::string secondsText(milliseconds d) {
  return std::to_string((d.count() + 999) / 1000) + "s";
}

}  // namespace

void waitForSocket(ssh_session session, SteadyClock::time_point deadline, milliseconds cap) {
  auto remaining = std::chrono::duration_cast<milliseconds>(deadline - SteadyClock::now());
  auto wait = std::clamp(remaining, milliseconds(0), cap);
  socket_t fd = ssh_get_fd(session);
  if (fd == SSH_INVALID_SOCKET) {
    std::this_thread::sleep_for(std::min(wait, milliseconds(10)));
    return;
  }
  pollfd p{fd, POLLIN, 0};
  if (ssh_get_poll_flags(session) & SSH_WRITE_PENDING) p.events |= POLLOUT;
  ::poll(&p, 1, static_cast<int>(wait.count()));
}

SshSession::SshSession(SshTarget target)
    : target_(std::move(target)),
      endpoint_(ssh_errors::endpoint(target_.machine, target_.address, target_.port)) {}

SshSession::~SshSession() {
  disconnect();
}

bool SshSession::connected() const {
  if (session_ == nullptr || !ssh_is_connected(session_)) return false;
  return (ssh_get_status(session_) & (SSH_CLOSED | SSH_CLOSED_ERROR)) == 0;
}

void SshSession::disconnect() {
  if (session_ == nullptr) return;
  ssh_disconnect(session_);
  ssh_free(session_);
  session_ = nullptr;
}

int SshSession::localPort() const {
  if (!connected()) return 0;
  sockaddr_storage addr{};
  socklen_t len = sizeof addr;
  if (::getsockname(ssh_get_fd(session_), reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
    return 0;
  }
  if (addr.ss_family == AF_INET) return ntohs(reinterpret_cast<sockaddr_in*>(&addr)->sin_port);
  if (addr.ss_family == AF_INET6) {
    return ntohs(reinterpret_cast<sockaddr_in6*>(&addr)->sin6_port);
  }
  return 0;
}

Status SshSession::connect() {
  static std::once_flag initOnce;
  std::call_once(initOnce, [] { ssh_init(); });
  disconnect();
  auto deadline = SteadyClock::now() + target_.connectTimeout;
  if (auto st = openTransport(deadline); !st) {
    disconnect();
    return st;
  }
  // The host key is checked before authentication: a host we do not trust never sees our
  // key's signature, and nothing runs there.
  if (auto st = checkHostKey(); !st) {
    disconnect();
    return st;
  }
  if (auto st = authenticate(SteadyClock::now() + target_.connectTimeout); !st) {
    disconnect();
    return st;
  }
  enableKeepalive(ssh_get_fd(session_));
  ++connectCount_;
  return okStatus();
}

Status SshSession::openTransport(SteadyClock::time_point deadline) {
  session_ = ssh_new();
  if (session_ == nullptr) return makeError(ErrorCode::kInternal, "libssh: ssh_new failed");
  long timeoutSeconds = static_cast<long>((target_.connectTimeout.count() + 999) / 1000);
  unsigned int port = static_cast<unsigned int>(target_.port);
  int no = 0;
  std::string algorithms = hostKeyAlgorithms(
      expectedKeyTypes({target_.machine, target_.address, target_.port}, target_.hostKeys));
  bool ok = ssh_options_set(session_, SSH_OPTIONS_HOST, target_.address.c_str()) == 0 &&
            ssh_options_set(session_, SSH_OPTIONS_PORT, &port) == 0 &&
            ssh_options_set(session_, SSH_OPTIONS_USER, target_.user.c_str()) == 0 &&
            ssh_options_set(session_, SSH_OPTIONS_TIMEOUT, &timeoutSeconds) == 0 &&
            // Our own policy checks host keys; libssh must not read ~/.ssh/config or files.
            ssh_options_set(session_, SSH_OPTIONS_PROCESS_CONFIG, &no) == 0 &&
            ssh_options_set(session_, SSH_OPTIONS_KNOWNHOSTS, "/dev/null") == 0 &&
            ssh_options_set(session_, SSH_OPTIONS_GLOBAL_KNOWNHOSTS, "/dev/null") == 0 &&
            ssh_options_set(session_, SSH_OPTIONS_HOSTKEYS, algorithms.c_str()) == 0;
  if (!ok) {
    return makeError(ErrorCode::kInvalidArgument,
                     endpoint_ + ": invalid SSH options: " + sshError(session_));
  }
  ssh_set_blocking(session_, 0);
  int rc = pumpUntil(session_, deadline, [&] { return ssh_connect(session_); });
  if (rc == SSH_AGAIN) {
    return tl::unexpected(ssh_errors::hostUnreachable(
        endpoint_, "no SSH answer within " + secondsText(target_.connectTimeout)));
  }
  if (rc != SSH_OK) {
    return tl::unexpected(ssh_errors::connectFailure(endpoint_, sshError(session_)));
  }
  return okStatus();
}

Status SshSession::checkHostKey() {
  ssh_key key = nullptr;
  if (ssh_get_server_publickey(session_, &key) != SSH_OK) {
    return tl::unexpected(
        ssh_errors::connectionLost(endpoint_, "no host key: " + sshError(session_)));
  }
  char* b64 = nullptr;
  int rc = ssh_pki_export_pubkey_base64(key, &b64);
  const char* type = ssh_key_type_to_char(ssh_key_type(key));
  ssh_key_free(key);
  if (rc != SSH_OK || type == nullptr) {
    ssh_string_free_char(b64);
    return makeError(ErrorCode::kInternal, endpoint_ + ": cannot read the host's key");
  }
  std::string text = std::string(type) + " " + b64;
  ssh_string_free_char(b64);
  auto offered = parseHostKey(text);
  if (!offered) {
    return makeError(
        ErrorCode::kPermissionDenied,
        endpoint_ + ": the host offered an unusable host key: " + offered.error().message);
  }
  return verifyHostKey({target_.machine, target_.address, target_.port}, *offered,
                       target_.hostKeys);
}

Status SshSession::authenticate(SteadyClock::time_point deadline) {
  std::string tried;
  std::optional<Error> keyProblem;
  auto attempt = [&](auto step) -> std::optional<Status> {
    int rc = pumpUntil(session_, deadline, step, SSH_AUTH_AGAIN);
    if (rc == SSH_AUTH_SUCCESS) return okStatus();
    if (rc == SSH_AUTH_AGAIN) {
      return tl::unexpected(ssh_errors::hostUnreachable(
          endpoint_, "no answer to authentication within " + secondsText(target_.connectTimeout)));
    }
    if (rc == SSH_AUTH_ERROR && !connected()) {
      return tl::unexpected(ssh_errors::connectionLost(endpoint_, sshError(session_)));
    }
    return std::nullopt;  // refused (or the agent failed): try the next method
  };

  std::string keyPath = expandHome(target_.privateKeyFile);
  if (!keyPath.empty()) {
    ssh_key key = nullptr;
    int rc = ssh_pki_import_privkey_file(keyPath.c_str(), nullptr, nullptr, nullptr, &key);
    if (rc == SSH_OK) {
      tried = "key " + keyPath;
      auto result = attempt([&] { return ssh_userauth_publickey(session_, nullptr, key); });
      ssh_key_free(key);
      if (result) return *result;
    } else {
      keyProblem = ssh_errors::privateKeyUnusable(
          keyPath, rc == SSH_EOF ? "it does not exist or cannot be read"
                                 : "it is not an unencrypted private key libssh can read "
                                   "(load an encrypted key into ssh-agent)");
    }
  }
  const char* agent = std::getenv("SSH_AUTH_SOCK");
  if (target_.useAgent && agent != nullptr && *agent != '\0') {
    tried += std::string(tried.empty() ? "" : ", ") + "ssh-agent";
    auto result = attempt([&] { return ssh_userauth_agent(session_, nullptr); });
    if (result) return *result;
  }
  if (keyProblem) return tl::unexpected(*keyProblem);
  if (tried.empty()) {
    return tl::unexpected(ssh_errors::privateKeyUnusable(
        "(none configured)", "no private key file is set and no ssh-agent is running"));
  }
  return tl::unexpected(ssh_errors::authRefused(endpoint_, target_.user, tried));
}

}  // namespace piherd
