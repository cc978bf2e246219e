# Authentication and authorization of the kube-apiserver test stand-in.
# Kept: client certificates verified against --client-ca-file (user = CN, groups = O, plus
# system:authenticated); bootstrap tokens (Secret kube-system/bootstrap-token-<id>: token-secret,
# usage-bootstrap-authentication, expiration, auth-extra-groups; user system:bootstrap:<id>,
# groups system:bootstrappers + extra); anonymous requests as system:anonymous /
# system:unauthenticated; a bad token is 401. Authorization: system:masters may do anything;
# otherwise RBAC evaluated from the stored Roles, ClusterRoles and their bindings (verbs,
# apiGroups, resources incl. "x/status", resourceNames, nonResourceURLs).
# Simplified: the Node authorizer lets system:nodes do anything on nodes, leases, events,
# pods and CSRs, and read the rest (the real one limits a kubelet to its own node's objects);
# the bootstrap policy is the few built-in ClusterRoles kubeadm's bindings refer to
# (BOOTSTRAP_POLICY). Left out: service-account tokens, OIDC, webhooks, impersonation.
import time

from registry import parse_time

NODE_WRITABLE = {("", "nodes"), ("coordination.k8s.io", "leases"), ("", "events"),
                 ("", "pods"), ("certificates.k8s.io", "certificatesigningrequests")}

PUBLIC_PATHS = ("/healthz", "/livez", "/readyz", "/version")

BOOTSTRAP_POLICY = [
    {"kind": "ClusterRole", "apiVersion": "rbac.authorization.k8s.io/v1",
     "metadata": {"name": "cluster-admin", "labels": {"kubernetes.io/bootstrapping": "rbac-defaults"}},
     "rules": [{"apiGroups": ["*"], "resources": ["*"], "verbs": ["*"]},
               {"nonResourceURLs": ["*"], "verbs": ["*"]}]},
    {"kind": "ClusterRole", "apiVersion": "rbac.authorization.k8s.io/v1",
     "metadata": {"name": "system:node-bootstrapper", "labels": {"kubernetes.io/bootstrapping": "rbac-defaults"}},
     "rules": [{"apiGroups": ["certificates.k8s.io"], "resources": ["certificatesigningrequests"],
                "verbs": ["create", "get", "list", "watch"]}]},
    {"kind": "ClusterRole", "apiVersion": "rbac.authorization.k8s.io/v1",
     "metadata": {"name": "system:certificates.k8s.io:certificatesigningrequests:nodeclient",
                  "labels": {"kubernetes.io/bootstrapping": "rbac-defaults"}},
     "rules": [{"apiGroups": ["certificates.k8s.io"],
                "resources": ["certificatesigningrequests/nodeclient"], "verbs": ["create"]}]},
    {"kind": "ClusterRole", "apiVersion": "rbac.authorization.k8s.io/v1",
     "metadata": {"name": "system:discovery", "labels": {"kubernetes.io/bootstrapping": "rbac-defaults"}},
     "rules": [{"nonResourceURLs": ["/api", "/api/*", "/apis", "/apis/*", "/openapi", "/openapi/*",
                                    "/version", "/version/", "/healthz", "/livez", "/readyz"],
                "verbs": ["get"]}]},
    {"kind": "ClusterRoleBinding", "apiVersion": "rbac.authorization.k8s.io/v1",
     "metadata": {"name": "system:discovery", "labels": {"kubernetes.io/bootstrapping": "rbac-defaults"}},
     "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": "system:discovery"},
     "subjects": [{"apiGroup": "rbac.authorization.k8s.io", "kind": "Group", "name": "system:authenticated"}]},
    {"kind": "ClusterRoleBinding", "apiVersion": "rbac.authorization.k8s.io/v1",
     "metadata": {"name": "cluster-admin", "labels": {"kubernetes.io/bootstrapping": "rbac-defaults"}},
     "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": "cluster-admin"},
     "subjects": [{"apiGroup": "rbac.authorization.k8s.io", "kind": "Group", "name": "system:masters"}]},
] + [
    # The real policy gives these users narrower roles (system:kube-controller-manager,
    # system:kube-scheduler); the stand-ins get cluster-admin.
    {"kind": "ClusterRoleBinding", "apiVersion": "rbac.authorization.k8s.io/v1",
     "metadata": {"name": "system:" + c, "labels": {"kubernetes.io/bootstrapping": "rbac-defaults"}},
     "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": "cluster-admin"},
     "subjects": [{"apiGroup": "rbac.authorization.k8s.io", "kind": "User", "name": "system:" + c}]}
    for c in ("kube-controller-manager", "kube-scheduler")]


class User:
    def __init__(self, name, groups):
        self.name, self.groups = name, list(groups)


def from_certificate(peercert):
    cn, orgs = None, []
    for rdn in peercert.get("subject", ()):
        for k, v in rdn:
            if k == "commonName":
                cn = v
            elif k == "organizationName":
                orgs.append(v)
    if not cn:
        return None
    return User(cn, orgs + ["system:authenticated"])


def from_bootstrap_token(token, read_secret):
    """User for a bootstrap token, or None (401) when it is not a valid one."""
    if "." not in token:
        return None
    tid, secret = token.split(".", 1)
    if len(tid) != 6 or len(secret) != 16:
        return None
    s = read_secret("kube-system", "bootstrap-token-" + tid)
    if not s or s.get("type") != "bootstrap.kubernetes.io/token":
        return None
    import base64
    data = {k: base64.b64decode(v).decode() for k, v in (s.get("data") or {}).items()}
    if data.get("token-id") != tid or data.get("token-secret") != secret:
        return None
    if data.get("usage-bootstrap-authentication") != "true":
        return None
    exp = data.get("expiration")
    if exp:
        t = parse_time(exp.replace("+00:00", "Z"))
        if t is None or t < time.time():
            return None
    extra = [x for x in data.get("auth-extra-groups", "").split(",") if x]
    return User("system:bootstrap:" + tid, ["system:bootstrappers"] + extra +
                ["system:authenticated"])


def anonymous():
    return User("system:anonymous", ["system:unauthenticated"])


def _matches(values, want):
    return "*" in values or want in values


def _subject_matches(s, user, namespace):
    kind, name = s.get("kind"), s.get("name")
    if kind == "User":
        return name == user.name
    if kind == "Group":
        return name in user.groups
    if kind == "ServiceAccount":
        return user.name == "system:serviceaccount:%s:%s" % (s.get("namespace", namespace), name)
    return False


def _rule_allows(rule, attrs):
    if not _matches(rule.get("verbs", []), attrs["verb"]):
        return False
    if attrs.get("path") is not None:
        for u in rule.get("nonResourceURLs", []):
            if u == attrs["path"] or u == "*" or (u.endswith("*") and attrs["path"].startswith(u[:-1])):
                return True
        return False
    if "nonResourceURLs" in rule and "resources" not in rule:
        return False
    res = attrs["resource"] + ("/" + attrs["subresource"] if attrs.get("subresource") else "")
    if not _matches(rule.get("apiGroups", []), attrs["group"]):
        return False
    if not (_matches(rule.get("resources", []), res) or
            (attrs.get("subresource") and "*/" + attrs["subresource"] in rule.get("resources", []))):
        return False
    names = rule.get("resourceNames")
    return not names or attrs.get("name") in names


def authorize(user, attrs, rbac):
    """attrs: verb and either path (non-resource) or group/resource/subresource/namespace/name.
    rbac: callable(plural, namespace=None) -> stored objects. True when allowed."""
    if "system:masters" in user.groups:
        return True
    if attrs.get("path") is not None:
        if attrs["path"] in PUBLIC_PATHS or attrs["path"].split("?")[0] in PUBLIC_PATHS:
            return True  # system:public-info-viewer, bound to everyone
    elif "system:nodes" in user.groups:
        if (attrs["group"], attrs["resource"]) in NODE_WRITABLE:
            return True
        if attrs["verb"] in ("get", "list", "watch"):
            return True
    roles = {("ClusterRole", r["metadata"]["name"]): r for r in rbac("clusterroles")}
    ns = attrs.get("namespace")
    bindings = [(b, None) for b in rbac("clusterrolebindings")]
    if ns:
        bindings += [(b, ns) for b in rbac("rolebindings", ns)]
        roles.update({("Role", r["metadata"]["name"]): r for r in rbac("roles", ns)})
    for b, bns in bindings:
        if not any(_subject_matches(s, user, bns) for s in b.get("subjects") or []):
            continue
        ref = b.get("roleRef", {})
        role = roles.get((ref.get("kind"), ref.get("name")))
        if role and any(_rule_allows(rule, attrs) for rule in role.get("rules") or []):
            return True
    return False


def forbidden_message(user, attrs):
    if attrs.get("path") is not None:
        return 'forbidden: User "%s" cannot %s path "%s"' % (user.name, attrs["verb"], attrs["path"])
    res = attrs["resource"]
    what = 'resource "%s"' % res
    if attrs.get("subresource"):
        what += ' in subresource "%s"' % attrs["subresource"]
    scope = ('in the namespace "%s"' % attrs["namespace"]) if attrs.get("namespace") \
        else "at the cluster scope"
    head = '%s "%s" is forbidden' % (res, attrs["name"]) if attrs.get("name") \
        else "%s is forbidden" % res
    return '%s: User "%s" cannot %s %s in API group "%s" %s' % (
        head, user.name, attrs["verb"], what, attrs["group"], scope)
