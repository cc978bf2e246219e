# Client of etcd 3.4's JSON gateway (grpc-gateway over HTTPS: POST /v3/kv/range, /v3/kv/txn,
# /v3/kv/deleterange, /v3/kv/compaction, /v3/watch), used by the kube-apiserver test stand-in
# (tests/standins/kube-apiserver/). Keys and values are base64 in the wire format; int64 fields
# arrive as strings; fields at their default (PUT event type, succeeded=false) are omitted.
# The apiserver talks to the endpoints of --etcd-servers in order, as the real one's etcd
# client does, with client-certificate TLS against --etcd-cafile.
import base64
import http.client
import json
import queue
import socket
import ssl
import threading
import urllib.parse


class EtcdError(Exception):
    """etcd answered with an error, or no endpoint answered (timeout=True when none in time)."""

    def __init__(self, message, timeout=False):
        super().__init__(message)
        self.timeout = timeout


class Compacted(Exception):
    def __init__(self, compact_revision):
        super().__init__("compacted at %d" % compact_revision)
        self.compact_revision = compact_revision


def b64(data):
    if isinstance(data, str):
        data = data.encode()
    return base64.b64encode(data).decode()


def unb64(text):
    return base64.b64decode(text or "")


def prefix_end(prefix):
    """The range_end that makes a range cover every key starting with prefix."""
    p = bytearray(prefix.encode() if isinstance(prefix, str) else prefix)
    for i in range(len(p) - 1, -1, -1):
        if p[i] < 0xFF:
            p[i] += 1
            return bytes(p[: i + 1])
    return b"\0"


class KV:
    __slots__ = ("key", "value", "mod_revision", "create_revision")

    def __init__(self, d):
        self.key = unb64(d.get("key")).decode()
        self.value = unb64(d.get("value"))
        self.mod_revision = int(d.get("mod_revision", 0))
        self.create_revision = int(d.get("create_revision", 0))


class Etcd:
    def __init__(self, endpoints, cafile=None, certfile=None, keyfile=None, timeout=60.0):
        self.endpoints = [urllib.parse.urlsplit(e) for e in endpoints]
        self.timeout = timeout
        self.ctx = None
        if any(e.scheme == "https" for e in self.endpoints):
            self.ctx = ssl.create_default_context(cafile=cafile)
            self.ctx.check_hostname = False  # kubeadm's etcd certs name the host, not 127.0.0.1
            if certfile:
                self.ctx.load_cert_chain(certfile, keyfile)

    def _conn(self, ep, timeout):
        if ep.scheme == "https":
            return http.client.HTTPSConnection(ep.hostname, ep.port or 2379, timeout=timeout,
                                               context=self.ctx)
        return http.client.HTTPConnection(ep.hostname, ep.port or 2379, timeout=timeout)

    def call(self, path, body, timeout=None):
        timeout = timeout or self.timeout
        last = None
        for ep in self.endpoints:
            conn = self._conn(ep, timeout)
            try:
                conn.request("POST", path, json.dumps(body), {"Content-Type": "application/json"})
                resp = conn.getresponse()
                data = json.loads(resp.read() or b"{}")
            except socket.timeout:
                last = EtcdError("etcdserver: request timed out", timeout=True)
                continue
            except (OSError, http.client.HTTPException, ValueError) as e:
                last = EtcdError("etcd %s: %s" % (ep.netloc, e))
                continue
            finally:
                conn.close()
            if resp.status != 200 or "error" in data:
                msg = data.get("error") or data.get("message") or "HTTP %d" % resp.status
                raise EtcdError(msg, timeout="timed out" in msg or "deadline" in msg)
            return data
        raise last or EtcdError("no etcd endpoint")

    def range(self, key, range_end=None, revision=0, limit=0, count_only=False):
        """Returns (header revision, [KV], more)."""
        body = {"key": b64(key)}
        if range_end is not None:
            body["range_end"] = b64(range_end)
        if revision:
            body["revision"] = str(revision)
        if limit:
            body["limit"] = str(limit)
        if count_only:
            body["count_only"] = True
        d = self.call("/v3/kv/range", body)
        return int(d["header"]["revision"]), [KV(k) for k in d.get("kvs", [])], bool(d.get("more"))

    def get(self, key):
        rev, kvs, _ = self.range(key)
        return rev, (kvs[0] if kvs else None)

    def list_prefix(self, prefix, revision=0):
        return self.range(prefix, prefix_end(prefix), revision=revision)

    def revision(self, timeout=None):
        d = self.call("/v3/kv/range", {"key": b64("/"), "count_only": True}, timeout=timeout)
        return int(d["header"]["revision"])

    def _txn(self, compare, success):
        d = self.call("/v3/kv/txn", {"compare": compare, "success": success})
        return bool(d.get("succeeded")), int(d["header"]["revision"])

    def create(self, key, value):
        """Puts key only if absent. Returns the new revision, or None when it exists."""
        ok, rev = self._txn([{"key": b64(key), "target": "CREATE", "create_revision": "0"}],
                            [{"request_put": {"key": b64(key), "value": b64(value)}}])
        return rev if ok else None

    def update(self, key, value, mod_revision):
        """Puts key only if its mod_revision is still mod_revision. Revision or None."""
        ok, rev = self._txn([{"key": b64(key), "target": "MOD", "mod_revision": str(mod_revision)}],
                            [{"request_put": {"key": b64(key), "value": b64(value)}}])
        return rev if ok else None

    def delete(self, key, mod_revision):
        ok, rev = self._txn([{"key": b64(key), "target": "MOD", "mod_revision": str(mod_revision)}],
                            [{"request_delete_range": {"key": b64(key)}}])
        return rev if ok else None

    def delete_prefix(self, prefix):
        d = self.call("/v3/kv/deleterange", {"key": b64(prefix), "range_end": b64(prefix_end(prefix))})
        return int(d["header"]["revision"])

    def compact(self, revision):
        return self.call("/v3/kv/compaction", {"revision": str(revision), "physical": True})

    def watch(self, prefix, start_revision):
        """A Watch: .events is a queue of ("PUT"|"DELETE", KV, prev KV or None) or
        ("ERROR", exception, None); .close() ends it."""
        return Watch(self, prefix, start_revision)


class Watch:
    def __init__(self, etcd, prefix, start_revision):
        self.events = queue.Queue()
        self.conn = None
        self.closed = False
        body = {"create_request": {"key": b64(prefix), "range_end": b64(prefix_end(prefix)),
                                   "start_revision": str(start_revision), "prev_kv": True}}
        self.thread = threading.Thread(target=self._run, args=(etcd, body), daemon=True)
        self.thread.start()

    def _run(self, etcd, body):
        err = None
        for ep in etcd.endpoints:
            try:
                self.conn = etcd._conn(ep, etcd.timeout)
                self.conn.request("POST", "/v3/watch", json.dumps(body),
                                  {"Content-Type": "application/json"})
                resp = self.conn.getresponse()
                # Watches stay open indefinitely: no read timeout once established.
                self.conn.sock.settimeout(None)
                while not self.closed:
                    line = resp.readline()
                    if not line:
                        raise EtcdError("etcd watch stream ended")
                    if not line.strip():
                        continue
                    msg = json.loads(line)
                    if "error" in msg:
                        raise EtcdError(str(msg["error"].get("message", msg["error"])))
                    r = msg.get("result", {})
                    if int(r.get("compact_revision", 0) or 0):
                        raise Compacted(int(r["compact_revision"]))
                    if r.get("canceled"):
                        raise EtcdError("etcd watch canceled: %s" % r.get("cancel_reason", ""))
                    for ev in r.get("events", []):
                        prev = KV(ev["prev_kv"]) if ev.get("prev_kv") else None
                        self.events.put((ev.get("type", "PUT"), KV(ev["kv"]), prev))
                return
            except Compacted as e:
                err = e
                break
            except (OSError, http.client.HTTPException, ValueError, EtcdError) as e:
                err = e if isinstance(e, EtcdError) else EtcdError(str(e))
                if self.closed:
                    return
                # An established stream that broke is reported, not silently re-opened:
                # the client re-watches from its last resourceVersion, as with the real one.
                break
        if not self.closed:
            self.events.put(("ERROR", err or EtcdError("no etcd endpoint"), None))

    def close(self):
        self.closed = True
        try:
            if self.conn is not None and self.conn.sock is not None:
                self.conn.sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
