#include "platform/pki_store.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

namespace piherd {
namespace {

struct Entry {
  const char* name;
  bool secret;
};

// Every file of the shared PKI, in one place so load and create agree.
const Entry kSharedFiles[] = {
    {"ca.crt", false},         {"ca.key", true},      {"front-proxy-ca.crt", false},
    {"front-proxy-ca.key", true}, {"etcd/ca.crt", false}, {"etcd/ca.key", true},
    {"sa.key", true},          {"sa.pub", false},
};

std::string* sharedField(SharedPki& p, const std::string& name) {
  if (name == "ca.crt") return &p.ca.certPem;
  if (name == "ca.key") return &p.ca.keyPem;
  if (name == "front-proxy-ca.crt") return &p.frontProxyCa.certPem;
  if (name == "front-proxy-ca.key") return &p.frontProxyCa.keyPem;
  if (name == "etcd/ca.crt") return &p.etcdCa.certPem;
  if (name == "etcd/ca.key") return &p.etcdCa.keyPem;
  if (name == "sa.key") return &p.saKeyPem;
  return &p.saPubPem;
}

bool exists(const std::string& path) {
  struct stat st;
  return ::stat(path.c_str(), &st) == 0;
}

Error ioError(const std::string& what, const std::string& path) {
  return Error{ErrorCode::kFailedPrecondition, what + " " + path + ": " + std::strerror(errno)};
}

// mkdir -p with 0700 for every directory it makes, and 0700 forced on `path` itself.
Status makePrivateDir(const std::string& path) {
  std::string partial;
  std::istringstream parts(path);
  if (!path.empty() && path[0] == '/') partial = "/";
  for (std::string part; std::getline(parts, part, '/');) {
    if (part.empty()) continue;
    partial += (partial.empty() || partial.back() == '/' ? "" : "/") + part;
    if (::mkdir(partial.c_str(), 0700) != 0 && errno != EEXIST) {
      return tl::unexpected(ioError("cannot create", partial));
    }
  }
  if (::chmod(path.c_str(), 0700) != 0) return tl::unexpected(ioError("cannot chmod", path));
  return okStatus();
}

Result<std::string> readAll(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return tl::unexpected(ioError("cannot read", path));
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// Temp file in the same directory, created with the final mode (so a key is never readable
// by others, not even for a moment), fsync, rename.
Status writeAtomic(const std::string& path, const std::string& content, mode_t mode) {
  std::string dir = path.substr(0, path.rfind('/'));
  if (auto s = makePrivateDir(dir); !s) return s;
  std::string tmp = path + ".tmp-XXXXXX";
  int fd = ::mkstemp(tmp.data());
  if (fd < 0) return tl::unexpected(ioError("cannot create", tmp));
  bool ok = ::fchmod(fd, mode) == 0;
  size_t off = 0;
  while (ok && off < content.size()) {
    ssize_t n = ::write(fd, content.data() + off, content.size() - off);
    if (n <= 0) ok = false; else off += size_t(n);
  }
  ok = ok && ::fsync(fd) == 0;
  ok = (::close(fd) == 0) && ok;
  if (!ok || ::rename(tmp.c_str(), path.c_str()) != 0) {
    Error e = ioError("cannot write", path);
    ::unlink(tmp.c_str());
    return tl::unexpected(e);
  }
  return okStatus();
}

}  // namespace

FilePkiStore::FilePkiStore(std::string stateDir)
    : stateDir_(std::move(stateDir)), pkiDir_(stateDir_ + "/pki") {}

Status FilePkiStore::makeDirs() {
  if (auto s = makePrivateDir(stateDir_); !s) return s;
  return makePrivateDir(pkiDir_);
}

Result<std::optional<SharedPki>> FilePkiStore::loadShared() {
  SharedPki pki;
  std::vector<std::string> present, missing;
  for (const Entry& e : kSharedFiles) {
    std::string path = pkiDir_ + "/" + e.name;
    (exists(path) ? present : missing).push_back(e.name);
  }
  if (present.empty()) return std::optional<SharedPki>{};
  if (!missing.empty()) {
    std::string list;
    for (const auto& m : missing) list += (list.empty() ? "" : ", ") + m;
    return makeError(ErrorCode::kFailedPrecondition,
                     pkiDir_ + " is incomplete (missing " + list +
                         "); restore it from a backup: piherd does not make part of a PKI again");
  }
  if (auto s = makeDirs(); !s) return tl::unexpected(s.error());
  for (const Entry& e : kSharedFiles) {
    auto bytes = readAll(pkiDir_ + "/" + e.name);
    if (!bytes) return tl::unexpected(bytes.error());
    *sharedField(pki, e.name) = std::move(*bytes);
  }
  return std::optional<SharedPki>(std::move(pki));
}

Status FilePkiStore::createShared(const SharedPki& pki) {
  for (const Entry& e : kSharedFiles) {
    if (exists(pkiDir_ + "/" + e.name)) {
      return makeError(ErrorCode::kFailedPrecondition,
                       pkiDir_ + " already holds " + e.name + ": keys are never made twice");
    }
  }
  if (auto s = makeDirs(); !s) return s;
  SharedPki copy = pki;
  // Certificates last: a crash midway leaves an incomplete store, which loadShared refuses
  // rather than completing with a second CA.
  for (bool secretPass : {true, false}) {
    for (const Entry& e : kSharedFiles) {
      if (e.secret != secretPass) continue;
      if (auto s = writeAtomic(pkiDir_ + "/" + e.name, *sharedField(copy, e.name),
                               e.secret ? 0600 : 0644);
          !s) {
        return s;
      }
    }
  }
  return okStatus();
}

Result<std::optional<KeyAndCertificate>> FilePkiStore::loadApiserver(const std::string& machine) {
  std::string dir = pkiDir_ + "/machines/" + machine;
  bool key = exists(dir + "/apiserver.key"), cert = exists(dir + "/apiserver.crt");
  if (!key && !cert) return std::optional<KeyAndCertificate>{};
  KeyAndCertificate kc;
  if (key) {
    auto k = readAll(dir + "/apiserver.key");
    if (!k) return tl::unexpected(k.error());
    kc.keyPem = std::move(*k);
  }
  if (cert) {
    auto c = readAll(dir + "/apiserver.crt");
    if (!c) return tl::unexpected(c.error());
    kc.certPem = std::move(*c);
  }
  return std::optional<KeyAndCertificate>(std::move(kc));
}

Status FilePkiStore::saveApiserver(const std::string& machine, const KeyAndCertificate& kc) {
  std::string dir = pkiDir_ + "/machines/" + machine;
  if (auto s = makeDirs(); !s) return s;
  if (auto s = writeAtomic(dir + "/apiserver.key", kc.keyPem, 0600); !s) return s;
  return writeAtomic(dir + "/apiserver.crt", kc.certPem, 0644);
}

}  // namespace piherd
