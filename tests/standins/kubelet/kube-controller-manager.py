#!/usr/bin/python3
# Test stand-in for kube-controller-manager (and, with --standin-role=scheduler, for
# kube-scheduler), shipped in the fleet's kubelet deb as /usr/lib/kubelet-standin/ and run by
# the kubelet stand-in for the static pods kubeadm writes (kube-controller-manager.yaml,
# kube-scheduler.yaml), with their flags. It talks to the API through --kubeconfig
# (controller-manager.conf / scheduler.conf), like the real ones.
#
# Kept (real v1.34):
#   - Leader election with a Lease in kube-system (kube-controller-manager / kube-scheduler;
#     holder "<hostname>_<uuid>", leaseDurationSeconds 15, renew every 2 s); only the
#     leader runs the controllers below.
#   - Node lifecycle: every 5 s (node-monitor-period), a node whose last heartbeat (its
#     kube-node-lease Lease renewTime, or the Ready condition's lastHeartbeatTime, the later
#     one) is older than --node-monitor-grace-period (default 50s since 1.32,
#     kubernetes#126287) gets every condition set to Unknown, reason NodeStatusUnknown,
#     "Kubelet stopped posting node status.", and the node.kubernetes.io/unreachable taints;
#     the taints go once the node is Ready again.
#   - CSR approving and signing (csrapproving, csrsigning): CSRs for
#     kubernetes.io/kube-apiserver-client-kubelet from system:bootstrappers or system:nodes
#     whose subject is O=system:nodes, CN=system:node:<name> are approved and signed with
#     --cluster-signing-cert-file/--cluster-signing-key-file (one year, client auth).
#   - Bootstrap signer: kube-public/cluster-info carries a jws-kubeconfig-<id> detached JWS
#     (HS256, kid = token id) for every bootstrap token allowed for signing.
# Left out: every other controller (deployments, daemonsets, garbage collection, service
#   accounts, tokens cleanup, IPAM...); the scheduler role only holds its lease.
import base64
import hashlib
import hmac
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
import uuid

sys.path.insert(0, os.path.dirname(os.path.realpath(__file__)))
sys.path.insert(0, os.path.join(os.path.dirname(os.path.realpath(__file__)), "..", "common"))

from kubeclient import APIError, Client  # noqa: E402


def log(msg):
    sys.stderr.write("%s %s\n" % (time.strftime("%H:%M:%S"), msg))
    sys.stderr.flush()


def micro_now():
    t = time.time()
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(t)) + ".%06dZ" % int((t % 1) * 1e6)


def parse_time(ts):
    if not ts:
        return None
    try:
        main = ts.rstrip("Z").split(".")[0]
        frac = float("0." + ts.rstrip("Z").split(".")[1]) if "." in ts else 0.0
        return time.mktime(time.strptime(main, "%Y-%m-%dT%H:%M:%S")) - time.timezone + frac
    except ValueError:
        return None


def duration(text, default):
    if not text:
        return default
    total, num = 0.0, ""
    for ch in text:
        if ch.isdigit() or ch == ".":
            num += ch
        elif ch in "hms":
            total += float(num or 0) * {"h": 3600, "m": 60, "s": 1}[ch]
            num = ""
    return total


class Elector:
    def __init__(self, client, name):
        self.client, self.name = client, name
        self.identity = "%s_%s" % (socket.gethostname(), uuid.uuid4())
        self.path = "/apis/coordination.k8s.io/v1/namespaces/kube-system/leases/" + name

    def try_acquire(self):
        spec = {"holderIdentity": self.identity, "leaseDurationSeconds": 15,
                "renewTime": micro_now()}
        lease = self.client.get_or_none(self.path)
        if lease is None:
            try:
                self.client.create("/apis/coordination.k8s.io/v1/namespaces/kube-system/leases", {
                    "apiVersion": "coordination.k8s.io/v1", "kind": "Lease",
                    "metadata": {"name": self.name, "namespace": "kube-system"},
                    "spec": dict(spec, acquireTime=micro_now(), leaseTransitions=0)})
                log("became leader (%s)" % self.identity)
                return True
            except APIError:
                return False
        cur = lease.get("spec", {})
        renewed = parse_time(cur.get("renewTime")) or 0
        if cur.get("holderIdentity") != self.identity:
            if time.time() - renewed < cur.get("leaseDurationSeconds", 15):
                return False
            spec["acquireTime"] = micro_now()
            spec["leaseTransitions"] = cur.get("leaseTransitions", 0) + 1
            log("taking over the lease from %s" % cur.get("holderIdentity"))
        lease["spec"] = dict(cur, **spec)
        try:
            self.client.update(self.path, lease)  # resourceVersion makes this a CAS
            return True
        except APIError:
            return False


UNREACHABLE = [{"key": "node.kubernetes.io/unreachable", "effect": "NoSchedule"},
               {"key": "node.kubernetes.io/unreachable", "effect": "NoExecute"}]


def node_lifecycle(client, grace):
    leases = {l["metadata"]["name"]: l for l in client.get(
        "/apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases").get("items", [])}
    for node in client.get("/api/v1/nodes").get("items", []):
        name = node["metadata"]["name"]
        conds = node.get("status", {}).get("conditions", [])
        ready = next((c for c in conds if c.get("type") == "Ready"), None)
        beats = [parse_time(leases.get(name, {}).get("spec", {}).get("renewTime"))]
        if ready:
            beats.append(parse_time(ready.get("lastHeartbeatTime")))
        beats = [b for b in beats if b]
        last = max(beats) if beats else parse_time(node["metadata"].get("creationTimestamp"))
        taints = node.get("spec", {}).get("taints") or []
        stale = last is not None and time.time() - last > grace
        if stale and (ready is None or ready.get("status") != "Unknown"):
            t = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
            new = []
            for c in conds or [{"type": "Ready"}]:
                c = dict(c, status="Unknown", reason="NodeStatusUnknown",
                         message="Kubelet stopped posting node status.", lastTransitionTime=t)
                new.append(c)
            log("node %s: no heartbeat for %.0fs > %.0fs: NotReady" % (
                name, time.time() - last, grace))
            client.merge_patch("/api/v1/nodes/%s/status" % name, {"status": {"conditions": new}})
            node = client.get("/api/v1/nodes/" + name)
            taints = node.get("spec", {}).get("taints") or []
            if not any(t_.get("key") == UNREACHABLE[0]["key"] for t_ in taints):
                add = [dict(x, timeAdded=t) if x["effect"] == "NoExecute" else dict(x)
                       for x in UNREACHABLE]
                client.merge_patch("/api/v1/nodes/" + name, {"spec": {"taints": taints + add}})
        elif not stale and ready and ready.get("status") == "True" and \
                any(t_.get("key") == UNREACHABLE[0]["key"] for t_ in taints):
            keep = [t_ for t_ in taints if t_.get("key") != UNREACHABLE[0]["key"]]
            client.merge_patch("/api/v1/nodes/" + name, {"spec": {"taints": keep or None}})


def sign_csrs(client, cert_file, key_file):
    if not (cert_file and key_file and os.path.exists(key_file)):
        return
    for csr in client.get("/apis/certificates.k8s.io/v1/certificatesigningrequests").get(
            "items", []):
        spec, status = csr.get("spec", {}), csr.get("status", {})
        if status.get("certificate") or spec.get("signerName") != \
                "kubernetes.io/kube-apiserver-client-kubelet":
            continue
        groups = spec.get("groups", [])
        if "system:bootstrappers" not in groups and "system:nodes" not in groups:
            continue
        pem = base64.b64decode(spec.get("request", ""))
        subj = subprocess.run(["openssl", "req", "-noout", "-subject", "-nameopt", "RFC2253"],
                              input=pem, capture_output=True).stdout.decode()
        if "O=system:nodes" not in subj or "CN=system:node:" not in subj:
            continue
        with tempfile.TemporaryDirectory() as d:
            with open(d + "/ext", "w") as f:
                f.write("keyUsage=critical,digitalSignature,keyEncipherment\n"
                        "extendedKeyUsage=clientAuth\nbasicConstraints=critical,CA:FALSE\n")
            r = subprocess.run(["openssl", "x509", "-req", "-CA", cert_file, "-CAkey", key_file,
                                "-CAcreateserial", "-CAserial", d + "/serial", "-days", "365",
                                "-extfile", d + "/ext"], input=pem, capture_output=True)
        if r.returncode != 0:
            log("signing %s: %s" % (csr["metadata"]["name"], r.stderr.decode().strip()))
            continue
        t = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
        client.merge_patch("/apis/certificates.k8s.io/v1/certificatesigningrequests/%s/status"
                           % csr["metadata"]["name"], {"status": {
                               "conditions": [{"type": "Approved", "status": "True",
                                               "reason": "AutoApproved",
                                               "message": "Auto approving kubelet client "
                                                          "certificate after SubjectAccessReview.",
                                               "lastUpdateTime": t, "lastTransitionTime": t}],
                               "certificate": base64.b64encode(r.stdout).decode()}})
        log("approved and signed CSR %s (%s)" % (csr["metadata"]["name"], subj.strip()))


def b64url(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def detached_jws(payload, token_id, token_secret):
    header = b64url(json.dumps({"alg": "HS256", "kid": token_id}, separators=(",", ":")).encode())
    signing_input = ("%s.%s" % (header, b64url(payload.encode()))).encode()
    sig = hmac.new(("%s.%s" % (token_id, token_secret)).encode(), signing_input,
                   hashlib.sha256).digest()
    return "%s..%s" % (header, b64url(sig))


def bootstrap_signer(client):
    path = "/api/v1/namespaces/kube-public/configmaps/cluster-info"
    cm = client.get_or_none(path)
    if cm is None or "kubeconfig" not in cm.get("data", {}):
        return
    want = {}
    for s in client.get("/api/v1/namespaces/kube-system/secrets").get("items", []):
        if s.get("type") != "bootstrap.kubernetes.io/token":
            continue
        d = {k: base64.b64decode(v).decode() for k, v in (s.get("data") or {}).items()}
        if d.get("usage-bootstrap-signing") != "true" or "token-id" not in d:
            continue
        want["jws-kubeconfig-" + d["token-id"]] = detached_jws(
            cm["data"]["kubeconfig"], d["token-id"], d.get("token-secret", ""))
    have = {k: v for k, v in cm["data"].items() if k.startswith("jws-kubeconfig-")}
    if have != want:
        patch = {k: None for k in have if k not in want}
        patch.update(want)
        client.merge_patch(path, {"data": patch})


def main(argv):
    flags = {}
    for a in argv:
        if a.startswith("--") and "=" in a:
            k, v = a[2:].split("=", 1)
            flags[k] = v
    role = flags.get("standin-role", "controller-manager")
    client = Client.from_kubeconfig(flags.get("kubeconfig", "/etc/kubernetes/%s.conf" % role),
                                    timeout=10)
    grace = duration(flags.get("node-monitor-grace-period"), 50.0)
    elector = Elector(client, "kube-" + role)
    log("kube-%s stand-in starting (node-monitor-grace-period %.0fs)" % (role, grace))
    next_loop = 0
    while True:
        try:
            leader = elector.try_acquire()
            if leader and role == "controller-manager" and time.time() >= next_loop:
                next_loop = time.time() + 5
                node_lifecycle(client, grace)
                sign_csrs(client, flags.get("cluster-signing-cert-file"),
                          flags.get("cluster-signing-key-file"))
                bootstrap_signer(client)
        except (APIError, OSError, ValueError, KeyError) as e:
            log("loop: %s" % e)
        time.sleep(2)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
