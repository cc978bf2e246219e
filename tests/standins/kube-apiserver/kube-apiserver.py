#!/usr/bin/python3
# Test stand-in for kube-apiserver. The real one cannot run in the test fleet (no registry
# offers it); the kubelet stand-in runs this program for the kube-apiserver static pod that
# kubeadm writes (/etc/kubernetes/manifests/kube-apiserver.yaml), with that manifest's flags.
# It is judged by the real kubectl (tests/fleet/controlplane_test.sh).
#
# Kept of the real contract (v1.34):
#   - HTTPS on --bind-address:--secure-port with --tls-cert-file/--tls-private-key-file;
#     client certificates verified against --client-ca-file (user CN, groups O), bootstrap
#     tokens (--enable-bootstrap-token-auth), anonymous; RBAC; real 401/403 Status bodies
#     (auth.py).
#   - Storage in a real etcd through its JSON gateway (--etcd-servers, --etcd-cafile,
#     --etcd-certfile, --etcd-keyfile); resourceVersion = etcd mod_revision / revision;
#     writes fail without etcd quorum; periodic compaction (--etcd-compaction-interval).
#   - /version, /healthz, /livez, /readyz (etcd checked, ?verbose), legacy discovery
#     (/api, /api/v1, /apis, /apis/G, /apis/G/V) for built-ins and established CRDs.
#   - get, list (labelSelector, fieldSelector, limit/continue, resourceVersion /
#     resourceVersionMatch=Exact), watch (from a resourceVersion or with initial ADDED
#     events, selector transitions as ADDED/DELETED, BOOKMARK with allowWatchBookmarks,
#     ERROR 410 Expired once the revision is compacted, timeoutSeconds), create
#     (generateName, namespace must exist), update (409 on a stale resourceVersion), patch
#     (merge, JSON patch, strategic as merge, apply; objects.py), delete (finalizers,
#     deletionTimestamp), deletecollection, the status subresource (main-resource writes
#     keep status; generation bumps on spec changes).
#   - Table rendering (Accept ...;as=Table;g=meta.k8s.io;v=v1) with the real columns of the
#     built-in kinds and CRDs' additionalPrinterColumns (registry.py), includeObject.
#   - CRDs get Established/NamesAccepted at once; default namespaces, the bootstrap RBAC
#     policy and the default/kubernetes Service are created at start.
# Left out: /openapi/v2 and /openapi/v3 (404: kubectl apply needs --validate=false),
#   aggregated discovery (kubectl falls back to the legacy documents), protobuf, HTTP/2,
#   admission and schema validation (fieldValidation is accepted and ignored, CRD schemas are
#   not applied: no pruning or defaulting), garbage collection of ownerReferences,
#   namespace finalization (deleting a namespace deletes its objects at once), dry-run,
#   service IP allocation beyond the kubernetes Service, service-account tokens.
import json
import os
import socketserver
import ssl
import sys
import threading
import time
import uuid
from http.server import HTTPServer

sys.path.insert(0, os.path.dirname(os.path.realpath(__file__)))

import auth  # noqa: E402
import objects  # noqa: E402
import registry  # noqa: E402
from etcd_gateway import Etcd, EtcdError  # noqa: E402
from store import AlreadyExists, Store  # noqa: E402
from apierrors import now  # noqa: E402

VERSION = os.environ.get("STANDIN_KUBERNETES_VERSION", "@VERSION@").lstrip("v")


def log(msg):
    sys.stderr.write("%s kube-apiserver: %s\n" % (time.strftime("%H:%M:%S"), msg))
    sys.stderr.flush()


def parse_flags(argv):
    flags = {}
    for a in argv:
        if a.startswith("--") and "=" in a:
            k, v = a[2:].split("=", 1)
            flags[k] = v
        elif a.startswith("--"):
            flags[a[2:]] = "true"
    return flags


def duration(text, default):
    if not text:
        return default
    total, num = 0.0, ""
    units = {"h": 3600, "m": 60, "s": 1}
    i = 0
    while i < len(text):
        ch = text[i]
        if ch.isdigit() or ch == ".":
            num += ch
        elif text[i:i + 2] == "ms":
            total += float(num) / 1000
            num = ""
            i += 1
        elif ch in units:
            total += float(num) * units[ch]
            num = ""
        i += 1
    return total + (float(num) if num else 0)


class APIServer:
    def __init__(self, flags):
        self.flags = flags
        endpoints = flags.get("etcd-servers", "http://127.0.0.1:2379").split(",")
        self.request_timeout = duration(flags.get("request-timeout"), 60.0)
        self.etcd = Etcd(endpoints, flags.get("etcd-cafile"), flags.get("etcd-certfile"),
                         flags.get("etcd-keyfile"), timeout=self.request_timeout)
        self.store = Store(self.etcd)
        self.registry = registry.Registry(self._load_crds)
        self.cache = {}
        self.cache_ready = threading.Event()
        self.etcd_endpoints = endpoints
        self.address = flags.get("advertise-address", "127.0.0.1")
        self.port = int(flags.get("secure-port", "6443"))
        self.bootstrap_tokens = flags.get("enable-bootstrap-token-auth", "false") == "true"
        self.service_range = flags.get("service-cluster-ip-range", "10.96.0.0/12")

    def _load_crds(self):
        return self.cache.get("customresourcedefinitions")

    CACHED = ("customresourcedefinitions", "clusterroles", "clusterrolebindings", "roles",
              "rolebindings")

    def reload(self, plural):
        """After a write of a cached kind (CRDs, RBAC) through this apiserver: the change
        counts from the next request on (other apiservers see it within a second)."""
        if plural not in self.CACHED:
            return
        r = registry.CRD if plural == registry.CRD.plural else \
            self.registry.find("rbac.authorization.k8s.io", "v1", plural)
        try:
            self.cache[plural] = self.store.list(r.key_prefix())[1]
        except EtcdError:
            pass

    def rbac(self, plural, namespace=None):
        """RBAC objects from the informer-like cache (refresh() keeps it current): the real
        apiserver authorizes from informer caches, so authorization never waits on etcd."""
        items = self.cache.get(plural) or []
        if plural in ("roles", "rolebindings"):
            items = [o for o in items if o["metadata"].get("namespace") == namespace]
        return items

    def refresh(self):
        """Re-reads CRDs and RBAC objects every second with a short timeout; when etcd does
        not answer, the last state read stays in use."""
        quick = Store(Etcd(self.etcd_endpoints, self.flags.get("etcd-cafile"),
                           self.flags.get("etcd-certfile"), self.flags.get("etcd-keyfile"),
                           timeout=3.0))
        kinds = [registry.CRD] + [self.registry.find("rbac.authorization.k8s.io", "v1", p) for p
                                  in ("clusterroles", "clusterrolebindings", "roles",
                                      "rolebindings")]
        while True:
            for r in kinds:
                try:
                    self.cache[r.plural] = quick.list(r.key_prefix())[1]
                except EtcdError:
                    pass
            self.cache_ready.set()
            time.sleep(1.0)

    def read_secret(self, ns, name):
        r = self.registry.find("", "v1", "secrets")
        try:
            return self.store.get_or_none(r.key(ns, name))
        except EtcdError:
            return None

    # -- start-up objects, as the real apiserver's bootstrap controllers create them --
    def seed(self):
        ns = self.registry.find("", "v1", "namespaces")
        for name in ("default", "kube-system", "kube-public", "kube-node-lease"):
            self._create_if_absent(ns, None, {
                "apiVersion": "v1", "kind": "Namespace",
                "metadata": {"name": name, "labels": {"kubernetes.io/metadata.name": name}},
                "spec": {"finalizers": ["kubernetes"]}, "status": {"phase": "Active"}})
        for o in auth.BOOTSTRAP_POLICY:
            plural = "clusterroles" if o["kind"] == "ClusterRole" else "clusterrolebindings"
            self._create_if_absent(self.registry.find("rbac.authorization.k8s.io", "v1", plural),
                                   None, json.loads(json.dumps(o)))
        first_ip = self.service_range.split("/")[0].rsplit(".", 1)
        first_ip = "%s.%d" % (first_ip[0], int(first_ip[1]) + 1)
        self._create_if_absent(self.registry.find("", "v1", "services"), "default", {
            "apiVersion": "v1", "kind": "Service",
            "metadata": {"name": "kubernetes", "namespace": "default",
                         "labels": {"component": "apiserver", "provider": "kubernetes"}},
            "spec": {"type": "ClusterIP", "clusterIP": first_ip, "clusterIPs": [first_ip],
                     "ports": [{"name": "https", "port": 443, "protocol": "TCP",
                                "targetPort": self.port}]}})

    def _create_if_absent(self, r, ns, obj):
        meta = obj["metadata"]
        meta.setdefault("uid", str(uuid.uuid4()))
        meta.setdefault("creationTimestamp", now())
        try:
            self.store.create(r.key(ns, meta["name"]), obj)
        except AlreadyExists:
            pass

    def compactor(self, interval):
        """Compacts etcd every interval to the revision seen one interval earlier."""
        seen = None
        while True:
            time.sleep(interval)
            try:
                rev = self.etcd.revision(timeout=5)
                if seen:
                    self.etcd.compact(seen)
                seen = rev
            except EtcdError as e:
                if "compacted" not in str(e):
                    log("compaction: %s" % e)


class ThreadingTLSServer(socketserver.ThreadingMixIn, HTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, addr, handler, ctx, api):
        self.ctx, self.api = ctx, api
        super().__init__(addr, handler)

    def get_request(self):
        sock, addr = self.socket.accept()
        return self.ctx.wrap_socket(sock, server_side=True, do_handshake_on_connect=False), addr


def main(argv):
    flags = parse_flags(argv)
    api = APIServer(flags)
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(flags["tls-cert-file"], flags["tls-private-key-file"])
    if flags.get("client-ca-file"):
        ctx.load_verify_locations(flags["client-ca-file"])
        ctx.verify_mode = ssl.CERT_OPTIONAL
    ctx.set_alpn_protocols(["http/1.1"])
    for attempt in range(600):
        try:
            api.seed()
            break
        except EtcdError as e:
            if attempt % 10 == 0:
                log("waiting for etcd: %s" % e)
            time.sleep(1)
    threading.Thread(target=api.refresh, daemon=True).start()
    api.cache_ready.wait(30)
    interval = duration(flags.get("etcd-compaction-interval"), 300.0)
    if interval > 0:
        threading.Thread(target=api.compactor, args=(interval,), daemon=True).start()
    import handler  # noqa: E402  (after sys.path is set)
    server = ThreadingTLSServer((flags.get("bind-address", "0.0.0.0"), api.port),
                                handler.Handler, ctx, api)
    log("serving on %s:%d (etcd %s)" % (flags.get("bind-address", "0.0.0.0"), api.port,
                                        flags.get("etcd-servers", "")))
    server.serve_forever()


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
