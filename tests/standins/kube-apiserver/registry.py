# The kinds the kube-apiserver test stand-in serves: built-in resources (a fixed table) and
# the custom resources of the CustomResourceDefinitions stored in etcd, with the discovery
# documents (legacy APIVersions / APIGroupList / APIResourceList; the aggregated v2 format is
# not served, so kubectl falls back to these, as it does against older servers) and the
# server-side Table columns that `kubectl get` prints.
import time

VERBS = ["create", "delete", "deletecollection", "get", "list", "patch", "update", "watch"]


class Resource:
    def __init__(self, group, version, plural, kind, namespaced, short=(), status=False,
                 columns=None, singular=None, categories=(), crd=None):
        self.group, self.version, self.plural, self.kind = group, version, plural, kind
        self.namespaced, self.short, self.status = namespaced, list(short), status
        self.columns = columns  # list of (name, type, format, priority, description, fn)
        self.singular = singular or kind.lower()
        self.categories = list(categories)
        self.crd = crd  # the CRD object for custom resources

    @property
    def api_version(self):
        return self.version if not self.group else "%s/%s" % (self.group, self.version)

    def key_prefix(self, namespace=None):
        p = "/registry/%s/%s/" % (self.group or "core", self.plural)
        return p + (namespace + "/" if self.namespaced and namespace else "")

    def key(self, namespace, name):
        return self.key_prefix(namespace) + name


# ---- Table cells --------------------------------------------------------------------------

def parse_time(ts):
    try:
        return time.mktime(time.strptime(ts, "%Y-%m-%dT%H:%M:%SZ")) - time.timezone
    except (TypeError, ValueError):
        return None


def human_duration(seconds):
    """k8s.io/apimachinery/pkg/util/duration.HumanDuration."""
    s = int(seconds)
    if s < -1:
        return "<invalid>"
    if s < 0:
        return "0s"
    if s < 120:
        return "%ds" % s
    m = s // 60
    if m < 10:
        return "%dm" % m if s % 60 == 0 else "%dm%ds" % (m, s % 60)
    if m < 180:
        return "%dm" % m
    h = m // 60
    if h < 8:
        return "%dh" % h if m % 60 == 0 else "%dh%dm" % (h, m % 60)
    if h < 48:
        return "%dh" % h
    if h < 24 * 8:
        return "%dd" % (h // 24) if h % 24 == 0 else "%dd%dh" % (h // 24, h % 24)
    if h < 24 * 365 * 2:
        return "%dd" % (h // 24)
    if h < 24 * 365 * 8:
        y = h // (24 * 365)
        d = (h % (24 * 365)) // 24
        return "%dy" % y if d == 0 else "%dy%dd" % (y, d)
    return "%dy" % (h // (24 * 365))


def age(obj):
    t = parse_time(obj.get("metadata", {}).get("creationTimestamp"))
    return "<unknown>" if t is None else human_duration(time.time() - t)


def json_path(obj, path):
    """Follows a simple CRD jsonPath (.a.b, .a[0].b); None when absent."""
    cur = obj
    for part in path.strip().lstrip(".").replace("]", "").replace("[", ".").split("."):
        if part == "":
            continue
        if isinstance(cur, dict):
            cur = cur.get(part)
        elif isinstance(cur, list) and part.isdigit() and int(part) < len(cur):
            cur = cur[int(part)]
        else:
            return None
        if cur is None:
            return None
    return cur


def node_status(n):
    conds = {c.get("type"): c.get("status") for c in n.get("status", {}).get("conditions", [])}
    s = "Ready" if conds.get("Ready") == "True" else ("NotReady" if "Ready" in conds else "Unknown")
    if n.get("spec", {}).get("unschedulable"):
        s += ",SchedulingDisabled"
    return s


def node_roles(n):
    roles = sorted(k.split("/", 1)[1] for k in n.get("metadata", {}).get("labels", {})
                   if k.startswith("node-role.kubernetes.io/") and k.split("/", 1)[1])
    return ",".join(roles) or "<none>"


def node_address(n, kind):
    for a in n.get("status", {}).get("addresses", []):
        if a.get("type") == kind:
            return a.get("address", "")
    return "<none>"


def node_info(n, field):
    return n.get("status", {}).get("nodeInfo", {}).get(field, "") or "<unknown>"


def service_ports(s):
    ports = []
    for p in s.get("spec", {}).get("ports", []):
        txt = "%s/%s" % (p.get("port"), p.get("protocol", "TCP"))
        if p.get("nodePort"):
            txt = "%s:%s/%s" % (p.get("port"), p["nodePort"], p.get("protocol", "TCP"))
        ports.append(txt)
    return ",".join(ports) or "<none>"


def col(name, fn, typ="string", priority=0, fmt="", desc=""):
    return (name, typ, fmt, priority, desc or name, fn)


NAME = col("Name", lambda o: o["metadata"]["name"], fmt="name",
           desc="Name must be unique within a namespace.")
AGE = col("Age", age, desc="CreationTimestamp is a timestamp representing the server time "
                           "when this object was created.")
CREATED_AT = col("Created At", lambda o: o["metadata"].get("creationTimestamp", ""), typ="date")


def count(field):
    return lambda o: len(o.get(field) or {})


def g(*path, default=""):
    def f(o):
        cur = o
        for p in path:
            cur = cur.get(p) if isinstance(cur, dict) else None
            if cur is None:
                return default
        return cur
    return f


BUILTIN = [
    Resource("", "v1", "namespaces", "Namespace", False, ["ns"], True,
             [NAME, col("Status", g("status", "phase")), AGE]),
    Resource("", "v1", "nodes", "Node", False, ["no"], True, [
        NAME, col("Status", node_status), col("Roles", node_roles), AGE,
        col("Version", lambda n: node_info(n, "kubeletVersion")),
        col("Internal-IP", lambda n: node_address(n, "InternalIP"), priority=1),
        col("External-IP", lambda n: node_address(n, "ExternalIP"), priority=1),
        col("OS-Image", lambda n: node_info(n, "osImage"), priority=1),
        col("Kernel-Version", lambda n: node_info(n, "kernelVersion"), priority=1),
        col("Container-Runtime", lambda n: node_info(n, "containerRuntimeVersion"), priority=1)]),
    Resource("", "v1", "configmaps", "ConfigMap", True, ["cm"], False,
             [NAME, col("Data", lambda o: len(o.get("data") or {}) + len(o.get("binaryData") or {}),
                        typ="integer"), AGE]),
    Resource("", "v1", "secrets", "Secret", True, [], False,
             [NAME, col("Type", g("type")), col("Data", count("data"), typ="integer"), AGE]),
    Resource("", "v1", "serviceaccounts", "ServiceAccount", True, ["sa"], False,
             [NAME, col("Secrets", count("secrets"), typ="integer"), AGE]),
    Resource("", "v1", "services", "Service", True, ["svc"], True, [
        NAME, col("Type", g("spec", "type", default="ClusterIP")),
        col("Cluster-IP", g("spec", "clusterIP", default="<none>")),
        col("External-IP", lambda s: ",".join(s.get("spec", {}).get("externalIPs", [])) or "<none>"),
        col("Port(s)", service_ports), AGE,
        col("Selector", lambda s: ",".join("%s=%s" % kv for kv in sorted(
            (s.get("spec", {}).get("selector") or {}).items())) or "<none>", priority=1)]),
    Resource("", "v1", "endpoints", "Endpoints", True, ["ep"], False, [NAME, AGE]),
    Resource("", "v1", "events", "Event", True, ["ev"], False, [NAME, AGE]),
    Resource("", "v1", "pods", "Pod", True, ["po"], True,
             [NAME, col("Status", g("status", "phase", default="Pending")), AGE]),
    Resource("coordination.k8s.io", "v1", "leases", "Lease", True, [], False,
             [NAME, col("Holder", g("spec", "holderIdentity")), AGE]),
    Resource("apps", "v1", "deployments", "Deployment", True, ["deploy"], True, [
        NAME, col("Ready", lambda d: "%d/%d" % (d.get("status", {}).get("readyReplicas", 0),
                                                d.get("spec", {}).get("replicas", 1))),
        col("Up-to-date", g("status", "updatedReplicas", default=0), typ="integer"),
        col("Available", g("status", "availableReplicas", default=0), typ="integer"), AGE]),
    Resource("apps", "v1", "daemonsets", "DaemonSet", True, ["ds"], True, [
        NAME] + [col(n, g("status", f, default=0), typ="integer") for n, f in (
            ("Desired", "desiredNumberScheduled"), ("Current", "currentNumberScheduled"),
            ("Ready", "numberReady"), ("Up-to-date", "updatedNumberScheduled"),
            ("Available", "numberAvailable"))] + [
        col("Node Selector", lambda d: ",".join("%s=%s" % kv for kv in sorted(
            (d.get("spec", {}).get("template", {}).get("spec", {}).get("nodeSelector") or {})
            .items())) or "<none>"), AGE]),
    Resource("policy", "v1", "poddisruptionbudgets", "PodDisruptionBudget", True, ["pdb"], True,
             [NAME, AGE]),
    Resource("certificates.k8s.io", "v1", "certificatesigningrequests",
             "CertificateSigningRequest", False, ["csr"], True, [
                 NAME, AGE, col("SignerName", g("spec", "signerName")),
                 col("Requestor", g("spec", "username")),
                 col("Condition", lambda c: ",".join(x.get("type", "") for x in c.get(
                     "status", {}).get("conditions", [])) or "Pending")]),
    Resource("apiextensions.k8s.io", "v1", "customresourcedefinitions",
             "CustomResourceDefinition", False, ["crd", "crds"], True, [NAME, CREATED_AT]),
] + [Resource("rbac.authorization.k8s.io", "v1", p, k, ns, [], False, cols) for p, k, ns, cols in (
    ("roles", "Role", True, [NAME, CREATED_AT]),
    ("rolebindings", "RoleBinding", True,
     [NAME, col("Role", lambda b: "%s/%s" % (b["roleRef"]["kind"], b["roleRef"]["name"])), AGE]),
    ("clusterroles", "ClusterRole", False, [NAME, CREATED_AT]),
    ("clusterrolebindings", "ClusterRoleBinding", False,
     [NAME, col("Role", lambda b: "%s/%s" % (b["roleRef"]["kind"], b["roleRef"]["name"])), AGE]))]

CRD = next(r for r in BUILTIN if r.plural == "customresourcedefinitions")


def crd_resources(crd):
    """The served versions of one stored CRD, as Resources."""
    spec = crd.get("spec", {})
    names = spec.get("names", {})
    out = []
    for v in spec.get("versions", []):
        if not v.get("served", True):
            continue
        cols = [NAME]
        pcs = v.get("additionalPrinterColumns")
        if pcs is None:
            cols.append(CREATED_AT)
        for pc in pcs or []:
            typ = pc.get("type", "string")
            path = pc.get("jsonPath", "")
            if typ == "date":
                fn = (lambda p: lambda o: (lambda t: "<unknown>" if t is None else
                      human_duration(time.time() - t))(parse_time(json_path(o, p))))(path)
            else:
                fn = (lambda p: lambda o: json_path(o, p))(path)
            cols.append(col(pc["name"], fn, typ=typ, priority=pc.get("priority", 0),
                            fmt=pc.get("format", ""), desc=pc.get("description", "")))
        out.append(Resource(spec.get("group"), v["name"], names.get("plural"), names.get("kind"),
                            spec.get("scope") == "Namespaced", names.get("shortNames", []),
                            "status" in (v.get("subresources") or {}), cols,
                            names.get("singular"), names.get("categories", []), crd))
    return out


class Registry:
    """Built-ins plus the CRDs of the apiserver's cache (refreshed every second)."""

    def __init__(self, load_crds):
        self.load_crds = load_crds
        self.seen = None
        self.custom = []

    def all(self):
        crds = self.load_crds()
        if crds is not None and crds is not self.seen:
            self.custom = [r for crd in crds for r in crd_resources(crd) if _established(crd)]
            self.seen = crds
        return BUILTIN + self.custom

    def find(self, group, version, plural):
        for r in self.all():
            if r.group == group and r.version == version and r.plural == plural:
                return r
        return None

    def by_kind(self, api_version, kind):
        for r in self.all():
            if r.api_version == api_version and r.kind == kind:
                return r
        return None

    def groups(self):
        """[(group, [versions])] in a stable order, core first."""
        seen = {}
        for r in self.all():
            seen.setdefault(r.group, [])
            if r.version not in seen[r.group]:
                seen[r.group].append(r.version)
        return list(seen.items())

    # -- discovery documents --
    def api_versions(self, server_address):
        return {"kind": "APIVersions", "versions": ["v1"], "serverAddressByClientCIDRs": [
            {"clientCIDR": "0.0.0.0/0", "serverAddress": server_address}]}

    def api_group_list(self):
        groups = []
        for group, versions in self.groups():
            if not group:
                continue
            vs = [{"groupVersion": "%s/%s" % (group, v), "version": v} for v in versions]
            groups.append({"name": group, "versions": vs, "preferredVersion": vs[0]})
        return {"kind": "APIGroupList", "apiVersion": "v1", "groups": groups}

    def api_group(self, group):
        for g_, versions in self.groups():
            if g_ == group and group:
                vs = [{"groupVersion": "%s/%s" % (group, v), "version": v} for v in versions]
                return {"kind": "APIGroup", "apiVersion": "v1", "name": group, "versions": vs,
                        "preferredVersion": vs[0]}
        return None

    def resource_list(self, group, version):
        rs = [r for r in self.all() if r.group == group and r.version == version]
        if not rs:
            return None
        out = []
        for r in rs:
            e = {"name": r.plural, "singularName": r.singular, "namespaced": r.namespaced,
                 "kind": r.kind, "verbs": VERBS, "storageVersionHash": ""}
            if r.short:
                e["shortNames"] = r.short
            if r.categories:
                e["categories"] = r.categories
            out.append(e)
            if r.status:
                out.append({"name": r.plural + "/status", "singularName": "",
                            "namespaced": r.namespaced, "kind": r.kind,
                            "verbs": ["get", "patch", "update"]})
        return {"kind": "APIResourceList", "apiVersion": "v1",
                "groupVersion": rs[0].api_version, "resources": out}


def _established(crd):
    return any(c.get("type") == "Established" and c.get("status") == "True"
               for c in crd.get("status", {}).get("conditions", []))


def table(resource, objects, include_object, list_meta=None, with_columns=True):
    """A meta.k8s.io/v1 Table of objects, with rows as kubectl expects them."""
    rows = []
    for o in objects:
        cells = []
        for c in resource.columns:
            try:
                v = c[5](o)
            except (KeyError, TypeError, AttributeError, IndexError):
                v = None
            cells.append("<none>" if v is None and c[1] == "string" else v)
        row = {"cells": cells}
        if include_object == "Object":
            row["object"] = o
        elif include_object != "None":
            row["object"] = {"kind": "PartialObjectMetadata", "apiVersion": "meta.k8s.io/v1",
                             "metadata": o.get("metadata", {})}
        rows.append(row)
    t = {"kind": "Table", "apiVersion": "meta.k8s.io/v1", "metadata": list_meta or {},
         "rows": rows}
    if with_columns:
        t["columnDefinitions"] = [{"name": c[0], "type": c[1], "format": c[2], "priority": c[3],
                                   "description": c[4]} for c in resource.columns]
    return t
