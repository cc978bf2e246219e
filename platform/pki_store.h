// PkiStore: where piherd keeps the cluster's keys and certificates between runs. The keys are
// made once and never made again while they exist: a new CA would break a live cluster. The
// interface lets Kubernetes mode keep them in Secrets later; FilePkiStore keeps them in the
// state directory (STATE/pki, 0700; key files 0600, certificates 0644):
//
//   STATE/pki/ca.crt ca.key front-proxy-ca.crt front-proxy-ca.key etcd/ca.crt etcd/ca.key
//             sa.key sa.pub
//   STATE/pki/machines/MACHINE/apiserver.crt apiserver.key
//
// Writes are atomic (temp file in the same directory, fsync, rename).
#pragma once

#include <map>
#include <optional>
#include <string>

#include "platform/status.h"

namespace piherd {

struct KeyAndCertificate {
  std::string keyPem;   // secret
  std::string certPem;  // public
  bool operator==(const KeyAndCertificate&) const = default;
};

// The shared PKI every control plane holds (kubeadm's "shared certificates").
struct SharedPki {
  KeyAndCertificate ca;            // ca.crt / ca.key
  KeyAndCertificate frontProxyCa;  // front-proxy-ca.crt / .key
  KeyAndCertificate etcdCa;        // etcd/ca.crt / .key
  std::string saKeyPem;            // sa.key (secret)
  std::string saPubPem;            // sa.pub
  bool operator==(const SharedPki&) const = default;
};

class PkiStore {
 public:
  virtual ~PkiStore() = default;
  // nullopt when the store holds no shared PKI yet. An incomplete or unreadable store is an
  // error (FailedPrecondition), never "empty": filling it in would make a second CA.
  virtual Result<std::optional<SharedPki>> loadShared() = 0;
  // Saves a newly made shared PKI. FailedPrecondition when one is already stored.
  virtual Status createShared(const SharedPki& pki) = 0;

  // The apiserver serving key and certificate of one control plane; nullopt when none yet.
  virtual Result<std::optional<KeyAndCertificate>> loadApiserver(const std::string& machine) = 0;
  // Saves (replaces) one control plane's apiserver key and certificate.
  virtual Status saveApiserver(const std::string& machine, const KeyAndCertificate& kc) = 0;
};

// The state-directory backend. `stateDir` and STATE/pki are created 0700 on first write, and
// tightened to 0700 when they exist with group or other permissions.
class FilePkiStore : public PkiStore {
 public:
  explicit FilePkiStore(std::string stateDir);
  Result<std::optional<SharedPki>> loadShared() override;
  Status createShared(const SharedPki& pki) override;
  Result<std::optional<KeyAndCertificate>> loadApiserver(const std::string& machine) override;
  Status saveApiserver(const std::string& machine, const KeyAndCertificate& kc) override;

  const std::string& pkiDir() const { return pkiDir_; }

 private:
  Status makeDirs();
  std::string stateDir_;
  std::string pkiDir_;
};

}  // namespace piherd
