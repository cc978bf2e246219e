# A small Kubernetes REST client shared by the test stand-ins (kubelet, the controller-manager
# and scheduler stand-ins, kubeadm). Shipped in the kubelet and kubeadm debs. It reads a
# kubeconfig as kubeadm writes it (current context; server; certificate-authority(-data);
# client-certificate(-data)/client-key(-data) or token) and verifies the server against the
# CA, like client-go. JSON only; no HTTP/2, no watch (the stand-ins poll).
import base64
import http.client
import json
import os
import ssl
import tempfile
import time
import urllib.parse

try:
    import yaml
except ImportError:
    yaml = None


class APIError(Exception):
    def __init__(self, code, body):
        msg = body.get("message") if isinstance(body, dict) else str(body)
        super().__init__("HTTP %d: %s" % (code, msg))
        self.code, self.body = code, body

    @property
    def reason(self):
        return self.body.get("reason", "") if isinstance(self.body, dict) else ""


def load_yaml(text):
    if yaml is not None:
        return yaml.safe_load(text)
    return json.loads(text)


def _pem_file(data, suffix):
    f = tempfile.NamedTemporaryFile("wb", suffix=suffix, delete=False)
    os.chmod(f.name, 0o600)
    f.write(data)
    f.close()
    return f.name


class Client:
    def __init__(self, server, ca_pem=None, cert_pem=None, key_pem=None, token=None,
                 timeout=10.0, insecure=False):
        u = urllib.parse.urlsplit(server)
        self.host, self.port = u.hostname, u.port or 443
        self.server = server
        self.token = token
        self.timeout = timeout
        ctx = ssl.create_default_context()
        if insecure:
            ctx.check_hostname = False
            ctx.verify_mode = ssl.CERT_NONE
        elif ca_pem:
            ctx = ssl.create_default_context(cadata=ca_pem.decode())
        if cert_pem and key_pem:
            cf, kf = _pem_file(cert_pem, ".crt"), _pem_file(key_pem, ".key")
            try:
                ctx.load_cert_chain(cf, kf)
            finally:
                os.unlink(cf)
                os.unlink(kf)
        self.ctx = ctx

    @classmethod
    def from_kubeconfig(cls, path, timeout=10.0, server=None):
        with open(path) as f:
            cfg = load_yaml(f.read())
        ctxname = cfg.get("current-context")
        context = next(c["context"] for c in cfg["contexts"] if c["name"] == ctxname)
        cluster = next(c["cluster"] for c in cfg["clusters"] if c["name"] == context["cluster"])
        user = next(u["user"] for u in cfg["users"] if u["name"] == context["user"])

        def blob(obj, key):
            if obj.get(key + "-data"):
                return base64.b64decode(obj[key + "-data"])
            if obj.get(key):
                with open(obj[key], "rb") as f:
                    return f.read()
            return None
        return cls(server or cluster["server"], blob(cluster, "certificate-authority"),
                   blob(user, "client-certificate"), blob(user, "client-key"),
                   user.get("token"), timeout)

    # Seconds to keep retrying a 403: an RBAC binding just made through one apiserver reaches
    # the others' caches within a second (kubeadm retries the same way).
    retry_forbidden = 0.0

    def request(self, method, path, body=None, ctype="application/json", timeout=None):
        deadline = time.time() + self.retry_forbidden
        while True:
            try:
                return self._request(method, path, body, ctype, timeout)
            except APIError as e:
                if e.code != 403 or time.time() >= deadline:
                    raise
                time.sleep(0.5)

    def _request(self, method, path, body=None, ctype="application/json", timeout=None):
        conn = http.client.HTTPSConnection(self.host, self.port, timeout=timeout or self.timeout,
                                           context=self.ctx)
        headers = {"Accept": "application/json", "User-Agent": "kubelet-standin/v1"}
        if self.token:
            headers["Authorization"] = "Bearer " + self.token
        data = None
        if body is not None:
            data = body if isinstance(body, (bytes, str)) else json.dumps(body)
            headers["Content-Type"] = ctype
        try:
            conn.request(method, path, data, headers)
            resp = conn.getresponse()
            raw = resp.read()
        finally:
            conn.close()
        try:
            out = json.loads(raw) if raw else {}
        except ValueError:
            out = raw.decode(errors="replace")
        if resp.status >= 400:
            raise APIError(resp.status, out)
        return out

    def get(self, path):
        return self.request("GET", path)

    def get_or_none(self, path):
        try:
            return self.get(path)
        except APIError as e:
            if e.code == 404:
                return None
            raise

    def create(self, path, obj):
        return self.request("POST", path, obj)

    def update(self, path, obj):
        return self.request("PUT", path, obj)

    def merge_patch(self, path, patch):
        return self.request("PATCH", path, patch, "application/merge-patch+json")

    def apply(self, path, obj, manager, force=True):
        sep = "&" if "?" in path else "?"
        return self.request("PATCH", "%s%sfieldManager=%s&force=%s" % (
            path, sep, manager, "true" if force else "false"), obj, "application/apply-patch+yaml")

    def create_or_update(self, collection, obj):
        try:
            return self.create(collection, obj)
        except APIError as e:
            if e.code != 409:
                raise
        path = collection + "/" + obj["metadata"]["name"]
        cur = self.get(path)
        obj = dict(obj)
        obj["metadata"] = dict(obj["metadata"], resourceVersion=cur["metadata"]["resourceVersion"])
        return self.update(path, obj)


def kubeconfig(server, ca_pem, user, cert_pem=None, key_pem=None, token=None,
               cluster="kubernetes"):
    """A kubeconfig document (dict) in kubeadm's shape, with embedded data."""
    u = {}
    if cert_pem:
        u["client-certificate-data"] = base64.b64encode(cert_pem).decode()
        u["client-key-data"] = base64.b64encode(key_pem).decode()
    if token:
        u["token"] = token
    ctx = "%s@%s" % (user, cluster)
    return {"apiVersion": "v1", "kind": "Config", "preferences": {},
            "clusters": [{"name": cluster, "cluster": {
                "certificate-authority-data": base64.b64encode(ca_pem).decode(),
                "server": server}}],
            "contexts": [{"name": ctx, "context": {"cluster": cluster, "user": user}}],
            "current-context": ctx, "users": [{"name": user, "user": u}]}


def dump_yaml(obj):
    if yaml is not None:
        return yaml.safe_dump(obj, default_flow_style=False, sort_keys=False)
    return json.dumps(obj, indent=2) + "\n"
