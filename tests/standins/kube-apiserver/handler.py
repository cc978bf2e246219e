# HTTP request handling of the kube-apiserver test stand-in: authentication, routing of
# non-resource and resource paths, the verbs, Table output, and watch streams. What it keeps
# of the real API is listed in kube-apiserver.py's header.
import base64
import json
import os
import queue
import random
import string
import time
import urllib.parse
import uuid
from http.server import BaseHTTPRequestHandler

import auth
import objects
import registry
from apierrors import (HTTPError, conflict, not_found, now, qualified, status_body,
                       storage_error)
from etcd_gateway import Compacted, EtcdError
from store import AlreadyExists, Conflict, NotFound, decode

try:
    import yaml
except ImportError:  # JSON bodies still work; YAML apply bodies need python3-yaml
    yaml = None

TABLE = "as=Table"
BOOKMARK_SECONDS = float(os.environ.get("STANDIN_BOOKMARK_SECONDS", "60"))


def parse_body(raw, content_type):
    if "protobuf" in content_type:
        raise HTTPError(415, "UnsupportedMediaType", "the body of the request was in an unknown "
                        "format - accepted media types include: application/json, "
                        "application/yaml (this stand-in does not decode protobuf)")
    if not raw:
        raise HTTPError(400, "BadRequest", "the body of the request was empty")
    try:
        return json.loads(raw)
    except ValueError:
        if yaml is not None and ("yaml" in content_type):
            try:
                return yaml.safe_load(raw)
            except yaml.YAMLError as e:
                raise HTTPError(400, "BadRequest", "error decoding YAML: %s" % e)
        raise HTTPError(400, "BadRequest", "couldn't get version/kind; json parse error")


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "kube-apiserver-standin"

    def log_message(self, fmt, *args):
        pass

    def setup(self):
        super().setup()
        try:
            self.connection.settimeout(30)
            self.connection.do_handshake()
            self.connection.settimeout(None)
        except (OSError, ValueError):
            self.close_connection = True
            self.rfile = self.wfile = None

    def handle(self):
        if self.rfile is None:
            return
        try:
            super().handle()
        except (OSError, ValueError):
            pass

    # -- responses --
    def send_json(self, code, obj, headers=None):
        body = json.dumps(obj, separators=(",", ":")).encode()
        self.send_response(code)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "no-cache, private")
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def send_text(self, code, text):
        body = text.encode()
        self.send_response(code)
        self.send_header("Content-Type", "text/plain; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def send_error_status(self, e):
        self.send_json(e.code, status_body(e.code, e.reason, e.message, e.details))

    def do_GET(self):
        self.dispatch()

    do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = do_GET

    def body(self):
        n = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(n) if n else b""

    # -- authentication --
    def user(self):
        api = self.server.api
        h = self.headers.get("Authorization", "")
        if h.lower().startswith("bearer "):
            token = h[7:].strip()
            u = auth.from_bootstrap_token(token, api.read_secret) if api.bootstrap_tokens else None
            if u is None:
                raise HTTPError(401, "Unauthorized", "Unauthorized")
            return u
        try:
            cert = self.connection.getpeercert()
        except (ValueError, AttributeError):
            cert = None
        if cert:
            u = auth.from_certificate(cert)
            if u:
                return u
        return auth.anonymous()

    def dispatch(self):
        url = urllib.parse.urlsplit(self.path)
        self.query = {k: v[-1] for k, v in urllib.parse.parse_qs(url.query, True).items()}
        path = url.path.rstrip("/") or "/"
        body = self.body() if self.command in ("POST", "PUT", "PATCH", "DELETE") else b""
        try:
            user = self.user()
            parts = [urllib.parse.unquote(p) for p in path.strip("/").split("/") if p]
            if parts[:1] == ["api"] and len(parts) >= 3:
                return self.resource(user, "", parts[1], parts[2:], body)
            if parts[:1] == ["apis"] and len(parts) >= 4:
                return self.resource(user, parts[1], parts[2], parts[3:], body)
            return self.non_resource(user, path)
        except HTTPError as e:
            self.send_error_status(e)
        except EtcdError as e:
            self.send_error_status(storage_error(e))
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True
        except Exception as e:  # a bug here must answer 500, not drop the connection
            import traceback
            traceback.print_exc()
            if getattr(self, "streaming", False):
                self.close_connection = True
                return
            self.send_error_status(HTTPError(500, "InternalError",
                                             "Internal error occurred: %s" % e))

    # -- non-resource paths --
    def non_resource(self, user, path):
        api = self.server.api
        attrs = {"verb": "get", "path": path}
        if not auth.authorize(user, attrs, api.rbac):
            raise HTTPError(403, "Forbidden", auth.forbidden_message(user, attrs), {})
        reg = api.registry
        if path in ("/healthz", "/livez", "/readyz") or path.startswith(("/healthz/", "/livez/",
                                                                         "/readyz/")):
            ok = api.store.healthy()
            checks = ["ping", "log", "etcd", "poststarthook/start-apiextensions-controllers"]
            if "verbose" in self.query:
                lines = ["[+]%s ok" % c if (c != "etcd" or ok) else "[-]etcd failed: reason withheld"
                         for c in checks]
                verdict = "%s check %s" % (path.strip("/").split("/")[0],
                                           "passed" if ok else "failed")
                return self.send_text(200 if ok else 500, "\n".join(lines + [verdict]) + "\n")
            if ok:
                return self.send_text(200, "ok")
            return self.send_text(500, "[-]etcd failed: reason withheld\n%s check failed\n"
                                  % path.strip("/").split("/")[0])
        if path == "/version":
            major, minor = api_version_parts()
            return self.send_json(200, {
                "major": major, "minor": minor, "emulationMajor": major, "emulationMinor": minor,
                "minCompatibilityMajor": major, "minCompatibilityMinor": str(int(minor) - 1),
                "gitVersion": "v" + VERSION(), "gitCommit": "0" * 40, "gitTreeState": "clean",
                "buildDate": "2025-01-01T00:00:00Z", "goVersion": "go1.24.9", "compiler": "gc",
                "platform": "linux/amd64"})
        if path == "/api":
            return self.send_json(200, reg.api_versions("%s:%d" % (api.address, api.port)))
        if path == "/apis":
            return self.send_json(200, reg.api_group_list())
        parts = path.strip("/").split("/")
        if parts[0] == "api" and len(parts) == 2:
            doc = reg.resource_list("", parts[1])
            if doc:
                return self.send_json(200, doc)
        if parts[0] == "apis" and len(parts) == 2:
            doc = reg.api_group(parts[1])
            if doc:
                return self.send_json(200, doc)
        if parts[0] == "apis" and len(parts) == 3:
            doc = reg.resource_list(parts[1], parts[2])
            if doc:
                return self.send_json(200, doc)
        raise HTTPError(404, "NotFound", "the server could not find the requested resource",
                        {})

    # -- resource paths --
    def resource(self, user, group, version, parts, body):
        reg = self.server.api.registry
        ns = name = sub = None
        if parts[0] == "namespaces" and len(parts) >= 3:
            r = reg.find(group, version, parts[2])
            if r is not None and r.namespaced:
                ns = parts[1]
                parts = parts[2:]
        plural = parts[0]
        name = parts[1] if len(parts) > 1 else None
        sub = parts[2] if len(parts) > 2 else None
        r = reg.find(group, version, plural)
        if r is None or len(parts) > 3 or (r.namespaced is False and ns) or \
                (r.namespaced and name and not ns):
            raise HTTPError(404, "NotFound", "the server could not find the requested resource",
                            {})
        if sub and not (sub == "status" and r.status):
            raise HTTPError(404, "NotFound", "the server could not find the requested resource",
                            {})
        m = self.command
        watch = self.query.get("watch") in ("1", "true")
        verb = {"GET": "get" if name else ("watch" if watch else "list"), "HEAD": "get",
                "POST": "create", "PUT": "update", "PATCH": "patch",
                "DELETE": "delete" if name else "deletecollection"}[m]
        if m == "POST" and name:
            raise HTTPError(405, "MethodNotAllowed", "the server does not allow this method on "
                            "the requested resource", {})
        attrs = {"verb": verb, "group": group, "resource": plural, "subresource": sub,
                 "namespace": ns, "name": name}
        api = self.server.api
        if not auth.authorize(user, attrs, api.rbac):
            d = {"kind": plural}
            if name:
                d["name"] = name
            if group:
                d["group"] = group
            raise HTTPError(403, "Forbidden", auth.forbidden_message(user, attrs), d)
        ops = Ops(api, r, user, self.query, self.headers)
        if verb == "get":
            return self.respond(200, r, ops.get(ns, name))
        if verb == "list":
            rev, items, cont = ops.list(ns)
            return self.respond_list(r, rev, items, cont)
        if verb == "watch":
            return self.watch(ops, r, ns)
        if verb == "create":
            obj = parse_body(body, self.headers.get("Content-Type", ""))
            return self.respond(201, r, ops.create(ns, obj))
        if verb == "update":
            obj = parse_body(body, self.headers.get("Content-Type", ""))
            return self.respond(200, r, ops.update(ns, name, obj, sub))
        if verb == "patch":
            ctype = self.headers.get("Content-Type", "").split(";")[0].strip()
            code, obj = ops.patch(ns, name, sub, ctype, body)
            return self.respond(code, r, obj)
        if verb == "delete":
            return self.respond(200, r, ops.delete(ns, name))
        if verb == "deletecollection":
            ops.delete_collection(ns)
            return self.send_json(200, {"kind": "Status", "apiVersion": "v1", "metadata": {},
                                        "status": "Success"})

    def wants_table(self):
        return TABLE in self.headers.get("Accept", "")

    def respond(self, code, r, obj):
        if self.wants_table():
            return self.send_json(code, registry.table(
                r, [obj], self.query.get("includeObject", "Metadata"),
                {"resourceVersion": obj["metadata"].get("resourceVersion", "")}))
        self.send_json(code, obj)

    def respond_list(self, r, rev, items, cont):
        meta = {"resourceVersion": str(rev)}
        if cont:
            meta["continue"] = cont
        if self.wants_table():
            return self.send_json(200, registry.table(
                r, items, self.query.get("includeObject", "Metadata"), meta))
        for o in items:
            o.setdefault("apiVersion", r.api_version)
            o.setdefault("kind", r.kind)
        self.send_json(200, {"kind": r.kind + "List", "apiVersion": r.api_version,
                             "metadata": meta, "items": items})

    # -- watch --
    def watch(self, ops, r, ns):
        q = self.query
        timeout = float(q.get("timeoutSeconds") or 1800 + random.random() * 1800)
        bookmarks = q.get("allowWatchBookmarks") in ("1", "true")
        table = self.wants_table()
        match = ops.matcher()
        rv = q.get("resourceVersion", "")
        initial = []
        if rv in ("", "0"):
            start, initial = ops.list_all(ns)
            initial = [o for o in initial if match(o)]
        else:
            try:
                start = int(rv)
            except ValueError:
                raise HTTPError(400, "BadRequest", 'invalid resource version "%s"' % rv)
        w = ops.api.etcd.watch(r.key_prefix(ns), start + 1)
        self.streaming = True
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Transfer-Encoding", "chunked")
        self.send_header("Cache-Control", "no-cache, private")
        self.end_headers()
        first = [True]

        def send(kind, obj):
            if table and kind in ("ADDED", "MODIFIED", "DELETED"):
                obj = registry.table(r, [obj], q.get("includeObject", "Metadata"),
                                     {"resourceVersion": obj["metadata"]["resourceVersion"]},
                                     with_columns=first[0])
                first[0] = False
            data = json.dumps({"type": kind, "object": obj}, separators=(",", ":")).encode() + b"\n"
            self.wfile.write(b"%x\r\n%s\r\n" % (len(data), data))
            self.wfile.flush()

        last = start
        deadline = time.time() + timeout
        next_bookmark = time.time() + BOOKMARK_SECONDS
        try:
            for o in initial:
                o.setdefault("apiVersion", r.api_version)
                o.setdefault("kind", r.kind)
                send("ADDED", o)
            while time.time() < deadline:
                try:
                    kind, kv, prev = w.events.get(timeout=1.0)
                except queue.Empty:
                    if bookmarks and time.time() >= next_bookmark:
                        send("BOOKMARK", {"kind": r.kind, "apiVersion": r.api_version,
                                          "metadata": {"resourceVersion": str(last)}})
                        next_bookmark = time.time() + BOOKMARK_SECONDS
                    continue
                if kind == "ERROR":
                    if isinstance(kv, Compacted):
                        send("ERROR", status_body(410, "Expired", "too old resource version: "
                                                  "%d (%d)" % (start, kv.compact_revision)))
                    else:
                        send("ERROR", status_body(500, "InternalError", str(kv)))
                    break
                last = kv.mod_revision
                new = decode(kv) if kind == "PUT" else None
                old = None
                if prev is not None:
                    try:
                        old = decode(prev)
                    except ValueError:
                        old = None
                if kind == "DELETE":
                    if old is not None and match(old):
                        old["metadata"]["resourceVersion"] = str(kv.mod_revision)
                        send("DELETED", with_type(r, old))
                    continue
                was, now_ = old is not None and match(old), match(new)
                if now_ and was:
                    send("MODIFIED", with_type(r, new))
                elif now_:
                    send("ADDED", with_type(r, new))
                elif was:
                    old["metadata"]["resourceVersion"] = str(kv.mod_revision)
                    send("DELETED", with_type(r, old))
            self.wfile.write(b"0\r\n\r\n")
        except (OSError, ValueError):
            self.close_connection = True
        finally:
            w.close()


def with_type(r, o):
    o.setdefault("apiVersion", r.api_version)
    o.setdefault("kind", r.kind)
    return o


def VERSION():
    import importlib
    return importlib.import_module("__main__").VERSION


def api_version_parts():
    v = VERSION().split(".")
    return v[0], v[1]


def random_suffix(n=5):
    return "".join(random.choice("bcdfghjklmnpqrstvwxz2456789") for _ in range(n))


class Ops:
    """The verbs on one resource kind, for one request."""

    def __init__(self, api, r, user, query, headers):
        self.api, self.r, self.user, self.q, self.headers = api, r, user, query, headers
        self.store = api.store

    def manager(self, default=None):
        m = self.q.get("fieldManager")
        if m:
            return m
        ua = self.headers.get("User-Agent", "unknown")
        return default or ua.split("/")[0]

    def matcher(self):
        try:
            lm = objects.label_selector(self.q.get("labelSelector", ""))
            fm = objects.field_selector(self.q.get("fieldSelector", ""))
        except objects.SelectorError as e:
            raise HTTPError(400, "BadRequest", str(e))
        return lambda o: lm(o.get("metadata", {}).get("labels")) and fm(o)

    def get(self, ns, name):
        try:
            return with_type(self.r, self.store.get(self.r.key(ns, name)))
        except NotFound:
            raise not_found(self.r, name)

    def list_all(self, ns, revision=0):
        return self.store.list(self.r.key_prefix(ns), revision)

    def list(self, ns):
        q = self.q
        limit = int(q.get("limit") or 0)
        revision, start_key = 0, ""
        if q.get("continue"):
            try:
                tok = json.loads(base64.b64decode(q["continue"] + "=="))
                revision, start_key = int(tok["rv"]), tok["start"]
            except (ValueError, KeyError, TypeError):
                raise HTTPError(400, "BadRequest", "continue key is not valid")
        elif q.get("resourceVersion") not in (None, "", "0") and \
                q.get("resourceVersionMatch") == "Exact":
            revision = int(q["resourceVersion"])
        try:
            rev, items = self.list_all(ns, revision)
        except EtcdError as e:
            if "compacted" in str(e):
                if q.get("continue"):
                    raise HTTPError(410, "Expired", "The provided continue parameter is too old "
                                    "to display a consistent list result. You can start a new "
                                    "list without the continue parameter.")
                raise HTTPError(410, "Expired", "too old resource version: %s" %
                                q.get("resourceVersion"))
            raise
        match = self.matcher()
        prefix = self.r.key_prefix(ns)
        keyed = [(self._key_of(o, prefix), o) for o in items]
        keyed = [(k, o) for k, o in keyed if k >= start_key and match(o)]
        cont = ""
        if limit and len(keyed) > limit:
            last = keyed[limit - 1][0]
            keyed = keyed[:limit]
            cont = base64.b64encode(json.dumps(
                {"v": "meta.k8s.io/v1", "rv": rev, "start": last + "\x00"}).encode()).decode()
        return rev, [o for _, o in keyed], cont

    def _key_of(self, o, prefix):
        m = o["metadata"]
        return (m.get("namespace", "") + "/" if self.r.namespaced else "") + m["name"]

    def _prepare_create(self, ns, obj):
        r = self.r
        if not isinstance(obj, dict):
            raise HTTPError(400, "BadRequest", "the body is not an object")
        if obj.get("kind") and obj.get("kind") != r.kind:
            raise HTTPError(400, "BadRequest", "the API version in the data (%s) does not match "
                            "the expected API version (%s)" % (obj.get("apiVersion"),
                                                               r.api_version))
        meta = obj.setdefault("metadata", {})
        if r.namespaced:
            if meta.get("namespace") and meta["namespace"] != ns:
                raise HTTPError(400, "BadRequest", "the namespace of the provided object does "
                                "not match the namespace sent on the request")
            meta["namespace"] = ns
            nsr = self.api.registry.find("", "v1", "namespaces")
            if self.store.get_or_none(nsr.key(None, ns)) is None:
                raise not_found(nsr, ns)
        else:
            meta.pop("namespace", None)
        if not meta.get("name") and meta.get("generateName"):
            meta["name"] = meta["generateName"] + random_suffix()
        if not meta.get("name"):
            raise HTTPError(422, "Invalid", "%s \"\" is invalid: metadata.name: Required value: "
                            "name or generateName is required" % r.kind,
                            {"kind": r.kind, "causes": [{"reason": "FieldValueRequired",
                                                         "field": "metadata.name"}]})
        obj["apiVersion"], obj["kind"] = r.api_version, r.kind
        meta["uid"] = str(uuid.uuid4())
        meta["creationTimestamp"] = now()
        for k in ("resourceVersion", "deletionTimestamp", "selfLink"):
            meta.pop(k, None)
        if r.status or r.crd:
            meta["generation"] = 1
        if r.crd is not None and r.status:
            obj.pop("status", None)
        if r.plural == "namespaces":
            obj.setdefault("spec", {}).setdefault("finalizers", ["kubernetes"])
            obj["status"] = {"phase": "Active"}
            meta.setdefault("labels", {})["kubernetes.io/metadata.name"] = meta["name"]
        if r.plural == "customresourcedefinitions":
            self._crd_status(obj)
        if r.plural == "certificatesigningrequests":
            obj.setdefault("spec", {}).update({"username": self.user.name,
                                               "groups": self.user.groups})
            obj["status"] = {}
        return obj

    def _crd_status(self, obj):
        spec = obj.get("spec", {})
        t = now()
        obj["status"] = {
            "acceptedNames": spec.get("names", {}),
            "storedVersions": [v["name"] for v in spec.get("versions", []) if v.get("storage")],
            "conditions": [
                {"type": "NamesAccepted", "status": "True", "reason": "NoConflicts",
                 "message": "no conflicts found", "lastTransitionTime": t},
                {"type": "Established", "status": "True", "reason": "InitialNamesAccepted",
                 "message": "the initial names have been accepted", "lastTransitionTime": t}]}

    def create(self, ns, obj, manager=None, applied=False):
        obj = self._prepare_create(ns, obj)
        if not applied:
            objects.record_update(None, obj, self.manager(manager), self.r.api_version)
        try:
            out = self.store.create(self.r.key(ns, obj["metadata"]["name"]), obj)
        except AlreadyExists:
            d = {"name": obj["metadata"]["name"], "kind": self.r.plural}
            if self.r.group:
                d["group"] = self.r.group
            raise HTTPError(409, "AlreadyExists", '%s "%s" already exists'
                            % (qualified(self.r), obj["metadata"]["name"]), d)
        self.api.reload(self.r.plural)
        return out

    def _finish_update(self, old, new, sub, manager, applied=False):
        """Carries over what a client may not change, then writes new with old's revision."""
        r = self.r
        meta, ometa = new.setdefault("metadata", {}), old["metadata"]
        for k in ("uid", "creationTimestamp", "namespace", "deletionTimestamp", "generation"):
            if k in ometa:
                meta[k] = ometa[k]
            else:
                meta.pop(k, None)
        meta["name"] = ometa["name"]
        new["apiVersion"], new["kind"] = r.api_version, r.kind
        if sub == "status":
            status = new.get("status")
            new = json.loads(json.dumps(old))
            if status is None:
                new.pop("status", None)
            else:
                new["status"] = status
        elif r.status and r.plural not in ("customresourcedefinitions",):
            if "status" in old:
                new["status"] = old["status"]
            else:
                new.pop("status", None)
        if r.plural == "customresourcedefinitions":
            self._crd_status(new)
        if sub != "status" and ("generation" in ometa) and _spec(old) != _spec(new):
            new["metadata"]["generation"] = ometa["generation"] + 1
        if not applied:
            objects.record_update(old, new, self.manager(manager), r.api_version, sub or "")
        key = r.key(meta.get("namespace"), meta["name"])
        if meta.get("deletionTimestamp") and not meta.get("finalizers"):
            self.store.delete(key, ometa["resourceVersion"])
            self.api.reload(r.plural)
            return new
        out = self.store.update(key, new, ometa["resourceVersion"])
        self.api.reload(r.plural)
        return out

    def update(self, ns, name, obj, sub):
        if not isinstance(obj, dict):
            raise HTTPError(400, "BadRequest", "the body is not an object")
        meta = obj.get("metadata", {})
        if meta.get("name") and meta["name"] != name:
            raise HTTPError(400, "BadRequest", "the name of the object (%s) does not match the "
                            "name on the URL (%s)" % (meta["name"], name))
        old = self.get(ns, name)
        want = meta.get("resourceVersion")
        if want and want != old["metadata"]["resourceVersion"]:
            raise conflict(self.r, name)
        try:
            return self._finish_update(old, obj, sub, None)
        except Conflict:
            raise conflict(self.r, name)

    def patch(self, ns, name, sub, ctype, raw):
        if ctype == "application/apply-patch+yaml":
            return self.apply(ns, name, sub, raw)
        try:
            body = json.loads(raw or b"null")
        except ValueError as e:
            raise HTTPError(400, "BadRequest", "error decoding patch: %s" % e)
        for _ in range(10):
            old = self.get(ns, name)
            try:
                if ctype == "application/json-patch+json":
                    if not isinstance(body, list):
                        raise HTTPError(400, "BadRequest", "json patch must be a list")
                    new = objects.json_patch(old, body)
                elif ctype in ("application/merge-patch+json",
                               "application/strategic-merge-patch+json"):
                    if not isinstance(body, dict):
                        raise HTTPError(400, "BadRequest", "patch must be an object")
                    want = body.get("metadata", {}).get("resourceVersion")
                    if want and want != old["metadata"]["resourceVersion"]:
                        raise conflict(self.r, name)
                    new = objects.merge_patch(old, body)
                else:
                    raise HTTPError(415, "UnsupportedMediaType", "the body of the request was in "
                                    "an unknown format - accepted media types include: "
                                    "application/json-patch+json, application/merge-patch+json, "
                                    "application/apply-patch+yaml, "
                                    "application/strategic-merge-patch+json")
            except objects.PatchError as e:
                raise HTTPError(422, "Invalid", str(e))
            try:
                return 200, self._finish_update(old, new, sub, None)
            except Conflict:
                continue
        raise conflict(self.r, name)

    def apply(self, ns, name, sub, raw):
        config = parse_body(raw, "yaml")
        manager = self.q.get("fieldManager")
        if not manager:
            raise HTTPError(400, "BadRequest", "PATCH %s: fieldManager is required for apply "
                            "requests" % self.r.plural)
        if not isinstance(config, dict):
            raise HTTPError(400, "BadRequest", "apply body is not an object")
        if config.get("metadata", {}).get("name", name) != name:
            raise HTTPError(400, "BadRequest", "the name of the object (%s) does not match the "
                            "name on the URL (%s)" % (config["metadata"]["name"], name))
        force = self.q.get("force") in ("true", "1")
        for _ in range(10):
            try:
                old = self.store.get(self.r.key(ns, name))
            except NotFound:
                old = None
            try:
                new = objects.apply(old, config, manager, force, self.r.api_version)
            except objects.ApplyConflict as c:
                raise HTTPError(409, "Conflict", objects.conflict_message(c.conflicts), {
                    "causes": [{"reason": "FieldManagerConflict",
                                "message": 'conflict with "%s"' % m, "field": "." + ".".join(p)}
                               for m, p in c.conflicts]})
            new.setdefault("metadata", {})["name"] = name
            if old is None:
                try:
                    return 201, self.create(ns, new, applied=True)
                except HTTPError as e:
                    if e.reason == "AlreadyExists":
                        continue
                    raise
            try:
                return 200, self._finish_update(old, new, sub, manager, applied=True)
            except Conflict:
                continue
        raise conflict(self.r, name)

    def delete(self, ns, name):
        for _ in range(10):
            old = self.get(ns, name)
            key = self.r.key(ns, name)
            try:
                if old["metadata"].get("finalizers"):
                    if not old["metadata"].get("deletionTimestamp"):
                        old["metadata"]["deletionTimestamp"] = now()
                        old["metadata"]["deletionGracePeriodSeconds"] = 0
                        return self.store.update(key, old, old["metadata"]["resourceVersion"])
                    return old
                self.store.delete(key, old["metadata"]["resourceVersion"])
            except Conflict:
                continue
            self._cascade(old)
            self.api.reload(self.r.plural)
            return old
        raise conflict(self.r, name)

    def _cascade(self, old):
        r = self.r
        if r.plural == "namespaces":
            for other in self.api.registry.all():
                if other.namespaced:
                    self.api.etcd.delete_prefix(other.key_prefix(old["metadata"]["name"]))
        if r.plural == "customresourcedefinitions":
            spec = old.get("spec", {})
            self.api.etcd.delete_prefix("/registry/%s/%s/" % (
                spec.get("group"), spec.get("names", {}).get("plural")))

    def delete_collection(self, ns):
        _, items, _ = self.list(ns)
        for o in items:
            try:
                self.delete(o["metadata"].get("namespace"), o["metadata"]["name"])
            except HTTPError as e:
                if e.code != 404:
                    raise


def _spec(o):
    return {k: v for k, v in o.items() if k not in ("metadata", "status")}
