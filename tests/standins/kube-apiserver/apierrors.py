# Errors of the kube-apiserver test stand-in as the real one words them: a Status body
# (kind Status, reason, message, details, code) for each failure kubectl and client-go
# branch on (NotFound, AlreadyExists, Conflict, Forbidden, Unauthorized, Expired, Timeout).
import time

from etcd_gateway import EtcdError


class HTTPError(Exception):
    def __init__(self, code, reason, message, details=None):
        super().__init__(message)
        self.code, self.reason, self.message, self.details = code, reason, message, details


def status_body(code, reason, message, details=None):
    s = {"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure",
         "message": message, "reason": reason, "code": code}
    if details:
        s["details"] = details
    return s


def qualified(r):
    return r.plural if not r.group else "%s.%s" % (r.plural, r.group)


def not_found(r, name):
    d = {"name": name, "kind": r.plural}
    if r.group:
        d["group"] = r.group
    return HTTPError(404, "NotFound", '%s "%s" not found' % (qualified(r), name), d)


def conflict(r, name):
    d = {"name": name, "kind": r.plural}
    if r.group:
        d["group"] = r.group
    return HTTPError(409, "Conflict", 'Operation cannot be fulfilled on %s "%s": the object has '
                     'been modified; please apply your changes to the latest version and try '
                     'again' % (qualified(r), name), d)


def storage_error(e):
    if isinstance(e, EtcdError) and e.timeout:
        return HTTPError(504, "Timeout", "Timeout: request did not complete within requested "
                         "timeout - context deadline exceeded")
    return HTTPError(500, "InternalError", "Internal error occurred: %s" % e)


def now():
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
