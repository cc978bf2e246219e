// TlsVipProber: TCP connect, then a TLS handshake verified against the cluster CA with the
// VIP as the IP SAN (X509_VERIFY_PARAM_set1_ip_asc), both bounded by a timeout.
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <memory>

#include "controller/vip_status.h"

namespace piherd {
namespace {

struct Fd {
  int fd = -1;
  ~Fd() {
    if (fd >= 0) close(fd);
  }
};

// Connects with a deadline; "" on success, else why not.
std::string connectWithin(int fd, const sockaddr_in& to, int timeoutMs) {
  int flags = fcntl(fd, F_GETFL, 0);
  fcntl(fd, F_SETFL, flags | O_NONBLOCK);
  if (connect(fd, reinterpret_cast<const sockaddr*>(&to), sizeof to) != 0) {
    if (errno != EINPROGRESS) return std::strerror(errno);
    pollfd p{fd, POLLOUT, 0};
    int n = poll(&p, 1, timeoutMs);
    if (n == 0) return "connect timed out";
    if (n < 0) return std::strerror(errno);
    int err = 0;
    socklen_t len = sizeof err;
    getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len);
    if (err != 0) return std::strerror(err);
  }
  fcntl(fd, F_SETFL, flags);
  timeval tv{timeoutMs / 1000, (timeoutMs % 1000) * 1000};
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
  return "";
}

std::string opensslError() {
  unsigned long e = ERR_get_error();
  if (e == 0) return "handshake failed";
  char buf[256];
  ERR_error_string_n(e, buf, sizeof buf);
  ERR_clear_error();
  return buf;
}

// Loads every certificate of `pem` into the context's trust store; false if none.
bool trustOnly(SSL_CTX* ctx, const std::string& pem) {
  std::unique_ptr<BIO, decltype(&BIO_free)> bio(BIO_new_mem_buf(pem.data(), int(pem.size())),
                                                BIO_free);
  X509_STORE* store = SSL_CTX_get_cert_store(ctx);
  int added = 0;
  while (X509* cert = PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr)) {
    added += X509_STORE_add_cert(store, cert) == 1;
    X509_free(cert);
  }
  ERR_clear_error();
  return added > 0;
}

}  // namespace

VipProbeResult TlsVipProber::probe(const std::string& address, int port, const std::string& caPem) {
  VipProbeResult r;
  sockaddr_in to{};
  to.sin_family = AF_INET;
  to.sin_port = htons(static_cast<uint16_t>(port));
  if (inet_pton(AF_INET, address.c_str(), &to.sin_addr) != 1) {
    r.detail = "not an IPv4 address";
    return r;
  }
  Fd sock{socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0)};
  if (sock.fd < 0) {
    r.detail = std::strerror(errno);
    return r;
  }
  if (std::string why = connectWithin(sock.fd, to, timeoutMs_); !why.empty()) {
    r.detail = "TCP: " + why;
    return r;
  }
  r.tcp = true;
  std::unique_ptr<SSL_CTX, decltype(&SSL_CTX_free)> ctx(SSL_CTX_new(TLS_client_method()),
                                                        SSL_CTX_free);
  if (!ctx) {
    r.detail = "TLS: " + opensslError();
    return r;
  }
  SSL_CTX_set_min_proto_version(ctx.get(), TLS1_2_VERSION);
  r.verified = !caPem.empty();
  if (r.verified) {
    // Only the cluster CA: not the system store, so a certificate from any other CA fails.
    if (!trustOnly(ctx.get(), caPem)) {
      r.detail = "TLS: the cluster CA holds no certificate";
      return r;
    }
    SSL_CTX_set_verify(ctx.get(), SSL_VERIFY_PEER, nullptr);
  } else {
    SSL_CTX_set_verify(ctx.get(), SSL_VERIFY_NONE, nullptr);
  }
  std::unique_ptr<SSL, decltype(&SSL_free)> ssl(SSL_new(ctx.get()), SSL_free);
  if (r.verified) {
    X509_VERIFY_PARAM* param = SSL_get0_param(ssl.get());
    X509_VERIFY_PARAM_set1_ip_asc(param, address.c_str());
  }
  SSL_set_fd(ssl.get(), sock.fd);
  if (SSL_connect(ssl.get()) != 1) {
    long verify = SSL_get_verify_result(ssl.get());
    r.detail = "TLS: " + (verify != X509_V_OK ? std::string(X509_verify_cert_error_string(verify))
                                              : opensslError());
    return r;
  }
  r.tls = true;
  SSL_shutdown(ssl.get());
  return r;
}

}  // namespace piherd
