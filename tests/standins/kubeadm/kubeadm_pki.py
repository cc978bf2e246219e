# Certificates and kubeconfig files of the kubeadm test stand-in, made and checked with the
# openssl CLI (fleet hosts have it through ca-certificates). What real kubeadm v1.34 does:
# use a valid pre-placed certificate ("Using existing ... certificate and key on disk"),
# refuse one not signed by its CA or lacking a required SAN (its messages), generate the
# missing CAs and leaves (encryptionAlgorithm, default RSA 2048; leaves one year, CAs ten),
# the sa key pair (always RSA, as kubeadm's), and the
# kubeconfig files with embedded client certificates.
import base64
import hashlib
import ipaddress
import os
import re
import subprocess
import tempfile
import time

PKI = "/etc/kubernetes/pki"


class PKIError(Exception):
    pass


def openssl(*args, stdin=None):
    r = subprocess.run(["openssl"] + list(args), input=stdin, capture_output=True)
    if r.returncode != 0:
        raise PKIError("openssl %s: %s" % (args[0], r.stderr.decode().strip()))
    return r.stdout


# name, CA, CN, O, kind (server/client/peer), file base
LEAVES = [
    ("apiserver", "ca", "kube-apiserver", None, "server", "apiserver"),
    ("apiserver-kubelet-client", "ca", "kube-apiserver-kubelet-client",
     "kubeadm:cluster-admins", "client", "apiserver-kubelet-client"),
    ("front-proxy-client", "front-proxy-ca", "front-proxy-client", None, "client",
     "front-proxy-client"),
    ("etcd-server", "etcd-ca", None, None, "peer", "etcd/server"),
    ("etcd-peer", "etcd-ca", None, None, "peer", "etcd/peer"),
    ("etcd-healthcheck-client", "etcd-ca", "kube-etcd-healthcheck-client", None, "client",
     "etcd/healthcheck-client"),
    ("apiserver-etcd-client", "etcd-ca", "kube-apiserver-etcd-client", None, "client",
     "apiserver-etcd-client"),
]
CAS = {"ca": ("ca", "kubernetes"), "front-proxy-ca": ("front-proxy-ca", "front-proxy-ca"),
       "etcd-ca": ("etcd/ca", "etcd-ca")}


def path(base, ext, d=PKI):
    return os.path.join(d, base + "." + ext)


def _write(p, data, mode):
    os.makedirs(os.path.dirname(p), exist_ok=True)
    with open(p + ".tmp", "wb") as f:
        f.write(data)
    os.chmod(p + ".tmp", mode)
    os.rename(p + ".tmp", p)


# ClusterConfiguration.encryptionAlgorithm (v1beta4): RSA-2048 (default), RSA-3072, RSA-4096,
# ECDSA-P256. Set by kubeadm before any key is made.
ALGORITHM = "RSA-2048"


def new_key():
    if ALGORITHM == "ECDSA-P256":
        return openssl("genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256")
    bits = {"RSA-2048": "2048", "RSA-3072": "3072", "RSA-4096": "4096"}.get(ALGORITHM)
    if bits is None:
        raise PKIError("unknown encryptionAlgorithm %r" % ALGORITHM)
    return openssl("genrsa", bits)


def make_ca(cn, days=3650):
    key = new_key()
    with tempfile.NamedTemporaryFile() as k:
        k.write(key)
        k.flush()
        crt = openssl("req", "-x509", "-new", "-key", k.name, "-subj", "/CN=" + cn, "-days",
                      str(days), "-addext", "keyUsage=critical,digitalSignature,"
                      "keyEncipherment,keyCertSign", "-addext",
                      "basicConstraints=critical,CA:TRUE")
    return crt, key


def sign(ca_base, cn, org, kind, sans, days=365, d=PKI):
    key = new_key()
    subj = ("/O=%s" % org if org else "") + "/CN=%s" % cn
    usage = {"server": "serverAuth", "client": "clientAuth", "peer": "serverAuth,clientAuth"}
    ext = ["keyUsage=critical,digitalSignature,keyEncipherment",
           "extendedKeyUsage=" + usage[kind], "basicConstraints=critical,CA:FALSE"]
    if sans:
        ext.append("subjectAltName=" + ",".join(
            ("IP:%s" % s) if is_ip(s) else ("DNS:%s" % s) for s in sans))
    with tempfile.TemporaryDirectory() as t:
        open(t + "/key", "wb").write(key)
        open(t + "/ext", "w").write("\n".join(ext) + "\n")
        csr = openssl("req", "-new", "-key", t + "/key", "-subj", subj)
        crt = openssl("x509", "-req", "-CA", path(ca_base, "crt", d), "-CAkey",
                      path(ca_base, "key", d), "-CAcreateserial", "-CAserial", t + "/srl",
                      "-days", str(days), "-extfile", t + "/ext", stdin=csr)
    return crt, key


def is_ip(s):
    try:
        ipaddress.ip_address(s)
        return True
    except ValueError:
        return False


def sans_of(crt_path):
    out = subprocess.run(["openssl", "x509", "-in", crt_path, "-noout", "-ext", "subjectAltName"],
                         capture_output=True).stdout.decode()
    names = []
    for part in re.split(r",\s*", out.split("\n", 1)[1] if "\n" in out else ""):
        part = part.strip()
        if part.startswith("DNS:"):
            names.append(part[4:])
        elif part.startswith("IP Address:"):
            names.append(str(ipaddress.ip_address(part[11:])))
    return names


def verify(ca_crt, crt):
    r = subprocess.run(["openssl", "verify", "-CAfile", ca_crt, crt], capture_output=True)
    return r.returncode == 0


def subject_cn(crt):
    out = openssl("x509", "-in", crt, "-noout", "-subject", "-nameopt", "RFC2253").decode()
    m = re.search(r"CN=([^,\n]+)", out)
    return m.group(1) if m else ""


def not_after(crt):
    out = openssl("x509", "-in", crt, "-noout", "-enddate").decode().strip()
    return time.mktime(time.strptime(out.split("=", 1)[1], "%b %d %H:%M:%S %Y %Z")) - time.timezone


def ensure_ca(name, log, d=PKI):
    base, cn = CAS[name]
    if os.path.exists(path(base, "crt", d)):
        if not os.path.exists(path(base, "key", d)):
            log("[certs] Using existing %s certificate authority (no key: external CA mode)"
                % name)
        else:
            log("[certs] Using existing %s certificate authority" % name)
        return
    crt, key = make_ca(cn)
    _write(path(base, "key", d), key, 0o600)
    _write(path(base, "crt", d), crt, 0o644)
    log('[certs] Generating "%s" certificate and key' % name)


def ensure_leaf(name, sans, log, d=PKI, node=None):
    spec = next(l for l in LEAVES if l[0] == name)
    _, ca, cn, org, kind, base = spec
    ca_base = CAS[ca][0]
    cn = cn or node
    crt_p, key_p = path(base, "crt", d), path(base, "key", d)
    if os.path.exists(crt_p) and os.path.exists(key_p):
        if not verify(path(ca_base, "crt", d), crt_p):
            raise PKIError("[certs] certificate %s not signed by CA certificate %s: x509: "
                           "certificate signed by unknown authority (possibly because of "
                           "\"crypto/rsa: verification error\" while trying to verify "
                           "candidate authority certificate \"%s\")" % (name, ca, CAS[ca][1]))
        have = sans_of(crt_p)
        missing = [s for s in sans if s not in have]
        if missing:
            raise PKIError("[certs] certificate %s is invalid: x509: certificate is valid for "
                           "%s, not %s" % (name, ", ".join(have), missing[0]))
        log("[certs] Using existing %s certificate and key on disk" % name)
        return
    crt, key = sign(ca_base, cn, org, kind, sans, d=d)
    _write(key_p, key, 0o600)
    _write(crt_p, crt, 0o644)
    log('[certs] Generating "%s" certificate and key' % name)
    if sans and kind != "client":
        dns = [s for s in sans if not is_ip(s)]
        ips = [s for s in sans if is_ip(s)]
        log("[certs] %s serving cert is signed for DNS names [%s] and IPs [%s]"
            % (name, " ".join(dns), " ".join(ips)))


def ensure_sa(log, d=PKI):
    if os.path.exists(path("sa", "key", d)):
        log("[certs] Using the existing \"sa\" key")
        return
    key = openssl("genrsa", "2048")
    _write(path("sa", "key", d), key, 0o600)
    _write(path("sa", "pub", d), openssl("pkey", "-pubout", stdin=key), 0o644)
    log('[certs] Generating "sa" key and public key')


def ca_cert_hash(ca_pem):
    """sha256:<hex> of the CA's SubjectPublicKeyInfo, as kubeadm's discovery pins it."""
    pub = openssl("x509", "-pubkey", "-noout", stdin=ca_pem)
    der = openssl("pkey", "-pubin", "-outform", "DER", stdin=pub)
    return "sha256:" + hashlib.sha256(der).hexdigest()


def client_kubeconfig(server, cn, org, d=PKI, days=365):
    """Kubeconfig text for a client certificate signed by the cluster CA."""
    crt, key = sign("ca", cn, org, "client", [], days=days, d=d)
    ca = open(path("ca", "crt", d), "rb").read()
    user = cn
    return (
        "apiVersion: v1\nclusters:\n- cluster:\n    certificate-authority-data: %s\n"
        "    server: %s\n  name: kubernetes\ncontexts:\n- context:\n    cluster: kubernetes\n"
        "    user: %s\n  name: %s@kubernetes\ncurrent-context: %s@kubernetes\nkind: Config\n"
        "preferences: {}\nusers:\n- name: %s\n  user:\n    client-certificate-data: %s\n"
        "    client-key-data: %s\n" % (
            base64.b64encode(ca).decode(), server, user, user, user, user,
            base64.b64encode(crt).decode(), base64.b64encode(key).decode()))


def write_file(p, text, mode=0o600):
    _write(p, text.encode() if isinstance(text, str) else text, mode)
