# Object storage of the kube-apiserver test stand-in in a real etcd, laid out as the real one
# lays it out (/registry/<group or "core">/<plural>/[<namespace>/]<name>, one JSON value per
# object). metadata.resourceVersion is not stored: it is the key's etcd mod_revision, and a
# list's resourceVersion is the etcd revision it was read at, so resourceVersions are shared
# by every apiserver of the cluster and watches resume across them.
import json

from etcd_gateway import EtcdError


class Conflict(Exception):
    pass


class AlreadyExists(Exception):
    pass


class NotFound(Exception):
    pass


def decode(kv):
    obj = json.loads(kv.value)
    obj.setdefault("metadata", {})["resourceVersion"] = str(kv.mod_revision)
    return obj


def encode(obj):
    o = dict(obj)
    meta = dict(o.get("metadata", {}))
    meta.pop("resourceVersion", None)
    o["metadata"] = meta
    return json.dumps(o, separators=(",", ":"))


class Store:
    def __init__(self, etcd):
        self.etcd = etcd

    def get(self, key):
        _, kv = self.etcd.get(key)
        if kv is None:
            raise NotFound()
        return decode(kv)

    def get_or_none(self, key):
        try:
            return self.get(key)
        except NotFound:
            return None

    def list(self, prefix, revision=0):
        """Returns (revision, [objects]) of every key under prefix at one revision."""
        rev, kvs, _ = self.etcd.list_prefix(prefix, revision)
        out = []
        for kv in kvs:
            try:
                out.append(decode(kv))
            except ValueError:
                continue
        return (revision or rev), out

    def create(self, key, obj):
        rev = self.etcd.create(key, encode(obj))
        if rev is None:
            raise AlreadyExists()
        obj = json.loads(encode(obj))
        obj["metadata"]["resourceVersion"] = str(rev)
        return obj

    def update(self, key, obj, expected_rv):
        rev = self.etcd.update(key, encode(obj), int(expected_rv))
        if rev is None:
            raise Conflict()
        obj = json.loads(encode(obj))
        obj["metadata"]["resourceVersion"] = str(rev)
        return obj

    def delete(self, key, expected_rv):
        rev = self.etcd.delete(key, int(expected_rv))
        if rev is None:
            raise Conflict()
        return rev

    def healthy(self, timeout=2.0):
        try:
            self.etcd.revision(timeout=timeout)
            return True
        except EtcdError:
            return False
