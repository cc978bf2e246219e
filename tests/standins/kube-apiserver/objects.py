# Object semantics of the kube-apiserver test stand-in: label and field selectors, JSON merge
# patch (RFC 7386; also used for strategic-merge-patch bodies, see below), JSON patch
# (RFC 6902: add, remove, replace, test), and server-side apply with simplified field
# ownership.
#
# Server-side apply, simplified: a field set is the set of leaf paths of an object's spec,
# data, labels, annotations and other top-level fields (metadata other than labels and
# annotations, and status, are not managed). Lists are atomic leaves (the real one merges
# list-maps by key, e.g. containers by name). managedFields holds one entry per
# (manager, operation) with fieldsV1 in the real format. An apply sets the fields of its
# configuration, removes the fields it owned before and no longer sets (unless another
# manager owns them), and conflicts (409, the real message) with a field another manager
# owns at a different value unless force=true, which takes the field over. Updates (PUT,
# PATCH) make their manager own the leaves they changed, taking them from the others.
# A strategic merge patch is applied as a JSON merge patch: list merges by key and $patch
# directives are not kept.
import copy
import json
import time

UNMANAGED_META = {"name", "namespace", "uid", "resourceVersion", "generation",
                  "creationTimestamp", "deletionTimestamp", "managedFields", "selfLink",
                  "deletionGracePeriodSeconds", "generateName"}


class SelectorError(ValueError):
    pass


def _split_top(s):
    parts, depth, cur = [], 0, ""
    for ch in s:
        if ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
        if ch == "," and depth == 0:
            parts.append(cur)
            cur = ""
        else:
            cur += ch
    if cur.strip():
        parts.append(cur)
    return [p.strip() for p in parts if p.strip()]


def label_selector(expr):
    """Compiles a label selector into a predicate over a labels dict."""
    reqs = []
    for p in _split_top(expr or ""):
        low = p.replace("\t", " ")
        if " notin " in low or " in " in low:
            op = "notin" if " notin " in low else "in"
            key, rest = low.split(" %s " % op, 1)
            rest = rest.strip()
            if not (rest.startswith("(") and rest.endswith(")")):
                raise SelectorError("unable to parse requirement: %s" % p)
            vals = {v.strip() for v in rest[1:-1].split(",") if v.strip()}
            reqs.append((key.strip(), op, vals))
        elif "!=" in p:
            k, v = p.split("!=", 1)
            reqs.append((k.strip(), "!=", v.strip()))
        elif "==" in p or "=" in p:
            k, v = p.split("==", 1) if "==" in p else p.split("=", 1)
            reqs.append((k.strip(), "=", v.strip()))
        elif p.startswith("!"):
            reqs.append((p[1:].strip(), "!", None))
        else:
            reqs.append((p, "exists", None))
    for k, _, _ in reqs:
        if not k or " " in k:
            raise SelectorError("invalid label key %r" % k)

    def match(labels):
        labels = labels or {}
        for k, op, v in reqs:
            if op == "=" and labels.get(k) != v:
                return False
            if op == "!=" and labels.get(k) == v:
                return False
            if op == "in" and labels.get(k) not in v:
                return False
            if op == "notin" and k in labels and labels[k] in v:
                return False
            if op == "exists" and k not in labels:
                return False
            if op == "!" and k in labels:
                return False
        return True
    return match


def field_selector(expr):
    """Compiles a field selector (path=value, path==value, path!=value) over an object."""
    reqs = []
    for p in _split_top(expr or ""):
        if "!=" in p:
            k, v = p.split("!=", 1)
            reqs.append((k.strip(), False, v.strip()))
        elif "=" in p:
            k, v = p.split("==", 1) if "==" in p else p.split("=", 1)
            reqs.append((k.strip(), True, v.strip()))
        else:
            raise SelectorError('invalid selector: \'%s\'; can\'t understand \'%s\'' % (expr, p))

    def value(obj, path):
        cur = obj
        for part in path.split("."):
            cur = cur.get(part) if isinstance(cur, dict) else None
        if cur is None:
            return ""
        return ("true" if cur else "false") if isinstance(cur, bool) else str(cur)

    def match(obj):
        return all((value(obj, k) == v) == eq for k, eq, v in reqs)
    return match


def merge_patch(target, patch):
    if not isinstance(patch, dict):
        return copy.deepcopy(patch)
    out = copy.deepcopy(target) if isinstance(target, dict) else {}
    for k, v in patch.items():
        if k.startswith("$"):
            continue  # strategic-merge directives ($patch, $retainKeys...) are not kept
        if v is None:
            out.pop(k, None)
        else:
            out[k] = merge_patch(out.get(k), v)
    return out


class PatchError(ValueError):
    pass


def _pointer(path):
    if path == "":
        return []
    if not path.startswith("/"):
        raise PatchError("invalid JSON pointer %r" % path)
    return [p.replace("~1", "/").replace("~0", "~") for p in path[1:].split("/")]


def json_patch(doc, ops):
    doc = copy.deepcopy(doc)
    for op in ops:
        parts = _pointer(op.get("path", ""))
        if not parts:
            raise PatchError("cannot patch the whole document")
        parent = doc
        for p in parts[:-1]:
            parent = parent[int(p)] if isinstance(parent, list) else parent.get(p)
            if parent is None:
                raise PatchError("path %s does not exist" % op["path"])
        last, kind = parts[-1], op.get("op")
        if kind == "test":
            cur = parent[int(last)] if isinstance(parent, list) else parent.get(last)
            if cur != op.get("value"):
                raise PatchError("testing value %s failed" % op["path"])
        elif kind in ("add", "replace"):
            if isinstance(parent, list):
                if last == "-":
                    parent.append(op["value"])
                elif kind == "add":
                    parent.insert(int(last), op["value"])
                else:
                    parent[int(last)] = op["value"]
            else:
                if kind == "replace" and last not in parent:
                    raise PatchError("replace operation does not apply: doc is missing key: %s"
                                     % op["path"])
                parent[last] = op["value"]
        elif kind == "remove":
            try:
                del parent[int(last) if isinstance(parent, list) else last]
            except (KeyError, IndexError):
                raise PatchError("remove operation does not apply: doc is missing path: %s"
                                 % op["path"])
        else:
            raise PatchError("unexpected kind of patch operation %r" % kind)
    return doc


# ---- Field ownership ----------------------------------------------------------------------

def leaves(obj, with_status=False):
    """{path tuple: value} of the managed leaves of obj."""
    out = {}

    def walk(prefix, v):
        if isinstance(v, dict) and v:
            for k, x in v.items():
                walk(prefix + (k,), x)
        else:
            out[prefix] = v
    for k, v in obj.items():
        if k in ("apiVersion", "kind") or (k == "status" and not with_status):
            continue
        if k == "metadata":
            for mk, mv in (v or {}).items():
                if mk in UNMANAGED_META:
                    continue
                walk(("metadata", mk), mv)
        else:
            walk((k,), v)
    return out


def fields_v1(paths):
    root = {}
    for p in sorted(paths):
        cur = root
        for part in p:
            cur = cur.setdefault("f:" + part, {})
    return root


def paths_of(fv1, prefix=()):
    out = set()
    for k, v in (fv1 or {}).items():
        if not k.startswith("f:"):
            continue
        p = prefix + (k[2:],)
        if v and any(x.startswith("f:") for x in v):
            out |= paths_of(v, p)
        else:
            out.add(p)
    return out


def now():
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())


def _entries(obj):
    return obj.setdefault("metadata", {}).setdefault("managedFields", [])


def _set_entry(obj, manager, operation, api_version, paths, subresource=""):
    mf = [e for e in _entries(obj)
          if not (e.get("manager") == manager and e.get("operation") == operation and
                  e.get("subresource", "") == subresource)]
    if paths:
        e = {"manager": manager, "operation": operation, "apiVersion": api_version,
             "time": now(), "fieldsType": "FieldsV1", "fieldsV1": fields_v1(paths)}
        if subresource:
            e["subresource"] = subresource
        mf.append(e)
    obj["metadata"]["managedFields"] = mf


def _take(obj, paths, keep_manager, keep_operation):
    """Removes paths from every other manager's entry."""
    mf = []
    for e in _entries(obj):
        if e.get("manager") == keep_manager and e.get("operation") == keep_operation:
            mf.append(e)
            continue
        rest = {p for p in paths_of(e.get("fieldsV1")) if not any(
            p[:len(q)] == q or q[:len(p)] == p for q in paths)}
        if rest:
            e = dict(e, fieldsV1=fields_v1(rest))
            mf.append(e)
    obj["metadata"]["managedFields"] = mf


def record_update(old, new, manager, api_version, subresource=""):
    """After a PUT/PATCH/create: manager owns the leaves that changed."""
    new.setdefault("metadata", {})["managedFields"] = copy.deepcopy(
        (old or {}).get("metadata", {}).get("managedFields", []))
    before = leaves(old or {}, with_status=bool(subresource))
    after = leaves(new, with_status=bool(subresource))
    changed = {p for p, v in after.items() if before.get(p, object()) != v}
    if subresource:
        changed = {p for p in changed if p[0] == "status"}
    if not changed:
        return
    mine = set()
    for e in _entries(new):
        if e.get("manager") == manager and e.get("operation") == "Update":
            mine = paths_of(e.get("fieldsV1"))
    _take(new, changed, manager, "Update")
    live = set(after)
    _set_entry(new, manager, "Update", api_version,
               {p for p in (mine | changed) if p in live}, subresource)


class ApplyConflict(Exception):
    def __init__(self, conflicts):
        super().__init__("conflicts")
        self.conflicts = conflicts  # [(manager, path)]


def _delete_path(obj, path):
    cur = obj
    for p in path[:-1]:
        cur = cur.get(p) if isinstance(cur, dict) else None
        if cur is None:
            return
    if isinstance(cur, dict):
        cur.pop(path[-1], None)
    # Prune maps left empty by the removal (not metadata itself).
    for i in range(len(path) - 1, 0, -1):
        cur = obj
        for p in path[:i]:
            cur = cur.get(p) if isinstance(cur, dict) else None
        if isinstance(cur, dict) and not cur and path[:i] != ("metadata",):
            _delete_path(obj, path[:i])
        break


def _deep_merge(dst, src):
    for k, v in src.items():
        if isinstance(v, dict) and isinstance(dst.get(k), dict):
            _deep_merge(dst[k], v)
        else:
            dst[k] = copy.deepcopy(v)


def apply(live, config, manager, force, api_version):
    """Server-side apply of config over live (None: create). Returns the new object."""
    want = leaves(config)
    obj = copy.deepcopy(live) if live else {"metadata": {}}
    have = leaves(obj)
    conflicts = []
    for e in _entries(obj):
        if e.get("manager") == manager and e.get("operation") == "Apply":
            continue
        for p in paths_of(e.get("fieldsV1")):
            for q, v in want.items():
                overlap = p[:len(q)] == q or q[:len(p)] == p
                if overlap and have.get(q, object()) != v and have.get(p, object()) != v:
                    conflicts.append((e.get("manager"), q))
    if conflicts and not force:
        raise ApplyConflict(sorted(set(conflicts)))
    previous = set()
    for e in _entries(obj):
        if e.get("manager") == manager and e.get("operation") == "Apply":
            previous = paths_of(e.get("fieldsV1"))
    others = set()
    for e in _entries(obj):
        if not (e.get("manager") == manager and e.get("operation") == "Apply"):
            others |= paths_of(e.get("fieldsV1"))
    for p in previous - set(want):
        if p not in others:
            _delete_path(obj, p)
    body = {k: v for k, v in config.items() if k not in ("metadata", "status")}
    _deep_merge(obj, body)
    meta = config.get("metadata", {})
    for k in ("labels", "annotations"):
        if meta.get(k):
            obj["metadata"].setdefault(k, {}).update(meta[k])
    for k in ("name", "namespace", "generateName", "finalizers", "ownerReferences"):
        if k in meta:
            obj["metadata"][k] = copy.deepcopy(meta[k])
    obj["apiVersion"], obj["kind"] = config.get("apiVersion"), config.get("kind")
    if force:
        _take(obj, set(want), manager, "Apply")
    _set_entry(obj, manager, "Apply", api_version, set(want))
    return obj


def conflict_message(conflicts):
    n = len(conflicts)
    lines = ["conflict with \"%s\": .%s" % (m, ".".join(p)) for m, p in conflicts]
    return "Apply failed with %d conflict%s: %s" % (n, "" if n == 1 else "s", "; ".join(lines))


def dumps(obj):
    return json.dumps(obj, separators=(",", ":"), sort_keys=False)
