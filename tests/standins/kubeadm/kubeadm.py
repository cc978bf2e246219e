#!/usr/bin/python3
# Test stand-in for kubeadm, installed as /usr/bin/kubeadm by the "kubeadm" deb of the test
# fleet's apt repository (tests/aptrepo/build-repo.sh; docs/test-packages.md). The real kubeadm
# cannot run in the fleet (no registry offers it, and its control plane runs in containers);
# this one drives the stand-in kubelet, which runs the static pods it writes (Debian's real
# etcd, and the kube-apiserver/controller-manager/scheduler stand-ins).
#
# Contract kept (real kubeadm v1.34):
#   - `kubeadm version [-o short|json|yaml]` in the real formats (version from the package).
#   - init [--config F] [--control-plane-endpoint] [--pod-network-cidr] [--service-cidr]
#     [--apiserver-advertise-address] [--apiserver-bind-port] [--apiserver-cert-extra-sans]
#     [--node-name] [--token] [--ignore-preflight-errors]; join ENDPOINT --token T
#     --discovery-token-ca-cert-hash sha256:H [--control-plane] [--config F]
#     [--apiserver-advertise-address] [--node-name]; token create [--ttl]
#     [--print-join-command]; reset [-f]; certs check-expiration; certs renew NAME|all.
#   - Config: kubeadm.k8s.io/v1beta4 Init/Cluster/Join/ResetConfiguration plus
#     KubeletConfiguration and KubeProxyConfiguration; an unknown kind or field (e.g.
#     podSubnet under apiServer) is an error (kubeadm_config.py); joining a control plane to
#     a cluster without controlPlaneEndpoint fails with the real message.
#   - Preflight: root, swap on (unless failSwapOn: false), ports 6443/10257/10259/2379/2380
#     (control planes) and 10250 in use, files already present (manifests, kubeconfigs,
#     pki/ca.crt on workers), /var/lib/etcd not empty; real [ERROR Name]: lines; names and
#     "all" for --ignore-preflight-errors.
#   - Certificates (kubeadm_pki.py): pre-placed CAs, leaves and sa keys are used when valid;
#     one not signed by its CA or lacking a required SAN is refused with the real message;
#     missing ones are generated. Kubeconfigs: admin.conf (kubeadm:cluster-admins),
#     super-admin.conf (system:masters, init only), kubelet.conf (init), controller-manager.conf,
#     scheduler.conf; bootstrap-kubelet.conf on join (the kubelet then TLS-bootstraps).
#   - Static pod manifests etcd.yaml, kube-apiserver.yaml, kube-controller-manager.yaml,
#     kube-scheduler.yaml with kubeadm's flags and extraArgs; /var/lib/kubelet/config.yaml,
#     kubeadm-flags.env; kubelet restarted through systemd.
#   - Cluster objects: kubeadm-config and kubelet-config ConfigMaps, cluster-info in
#     kube-public, the bootstrap token Secret, kubeadm's RBAC (cluster-admins, bootstrap,
#     auto-approve, get-nodes, cluster-info for anonymous, kubeadm-config for nodes), the
#     control-plane label and taint.
#   - Join discovery by bootstrap token: cluster-info fetched without trust, its
#     jws-kubeconfig-<id> signature checked with the token, the CA pinned by
#     --discovery-token-ca-cert-hash (sha256 of its public key).
#   - Control-plane join: `etcdctl member add --learner` against the existing members (found
#     through the etcd mirror pods' advertise-client-urls annotation), then the local member
#     is started and promoted. As real kubeadm, member add is retried on any error until
#     JoinConfiguration timeouts.etcdAPICall (default 2m0s) runs out. etcd allows one
#     learner at a time, so a join while another learner is pending fails then with
#     "etcdserver: too many learner members in cluster".
#   - reset -f: stops the static pods and kubelet, removes this etcd member, deletes the
#     files kubeadm wrote, /etc/kubernetes/pki, /var/lib/etcd and /var/lib/kubelet state.
#   - Every invocation is logged with start and end time, pid and exit status in
#     /var/log/kubeadm-standin.log (secrets on the command line are redacted).
# Left out: upgrade, config, kubeconfig, alpha and the "init phase"/"join phase" commands
#   (they fail with "not implemented by this stand-in"); --upload-certs/--certificate-key
#   (piherd places the shared PKI itself); CoreDNS and kube-proxy addons; image pulls; the
#   CRI check (containerd need not run); dry-run; external etcd.
# gitCommit, buildDate and goVersion are fixed placeholders, not those of a real build.
import base64
import glob
import hashlib
import hmac
import json
import os
import random
import shutil
import socket
import string
import subprocess
import sys
import time

_here = os.path.dirname(os.path.realpath(__file__))
sys.path.insert(0, os.path.join(_here, "..", "lib", "kubeadm-standin"))  # installed: /usr/bin
sys.path.insert(0, _here)
sys.path.insert(0, os.path.join(_here, "..", "common"))

VERSION = "@VERSION@"  # upstream version, e.g. 1.34.2; substituted at package build time
LOG_FILE = os.environ.get("KUBEADM_STANDIN_LOG", "/var/log/kubeadm-standin.log")
ETC = "/etc/kubernetes"
MANIFESTS = ETC + "/manifests"

REAL_SUBCOMMANDS = ("certs", "completion", "config", "init", "join", "kubeconfig", "reset",
                    "token", "upgrade")
IMPLEMENTED = ("init", "join", "reset", "token", "certs", "version")

USAGE = """kubeadm (test stand-in of kubeadm v{v})

Usage:
  kubeadm [command]

Available Commands:
  init        Run this command in order to set up the Kubernetes control plane
  join        Run this on any machine you wish to join an existing cluster
  reset       Performs a best effort revert of changes made to this host by 'kubeadm init' or 'kubeadm join'
  token       Manage bootstrap tokens
  certs       Commands related to handling kubernetes certificates
  version     Print the version of kubeadm
  help        Help about any command

Not implemented by this stand-in: {rest}
"""


class Fail(Exception):
    """A kubeadm error: printed on stderr, exit 1."""


def say(msg):
    print(msg, flush=True)


def version_info():
    major, minor = VERSION.split(".")[:2]
    return {
        "major": major,
        "minor": minor,
        "emulationMajor": "",
        "emulationMinor": "",
        "minCompatibilityMajor": "",
        "minCompatibilityMinor": "",
        "gitVersion": "v" + VERSION,
        "gitCommit": "0000000000000000000000000000000000000000",
        "gitTreeState": "clean",
        "buildDate": "2025-01-01T00:00:00Z",
        "goVersion": "go1.24.9",
        "compiler": "gc",
        "platform": "linux/amd64",
    }


def go_struct(info):
    """Renders info the way Go's %#v renders a *version.Info."""
    fields = ", ".join('%s:"%s"' % (k[0].upper() + k[1:], v) for k, v in info.items())
    return "&version.Info{%s}" % fields


def without_empty(info):
    return {k: v for k, v in info.items() if v != ""}


def yaml_lines(info):
    # sigs.k8s.io/yaml sorts keys and quotes strings that would not read back as strings.
    out = ["clientVersion:"]
    for key in sorted(info):
        value = info[key]
        needs_quotes = value == "" or value[0].isdigit() or ":" in value
        out.append("  %s: %s" % (key, json.dumps(value) if needs_quotes else value))
    return "\n".join(out) + "\n"


def parse_output_flag(args):
    """Returns (format, error) for the arguments after `version`."""
    fmt = ""
    i = 0
    while i < len(args):
        a = args[i]
        if a in ("-o", "--output"):
            if i + 1 >= len(args):
                return None, "flag needs an argument: %s" % a
            fmt = args[i + 1]
            i += 2
        elif a.startswith("--output="):
            fmt = a.split("=", 1)[1]
            i += 1
        elif a.startswith("-o") and len(a) > 2:
            fmt = a[2:].lstrip("=")
            i += 1
        elif a.startswith("-"):
            return None, "unknown flag: %s" % a
        else:
            return None, 'unknown command "%s" for "kubeadm version"' % a
    return fmt, None


def cmd_version(args):
    fmt, err = parse_output_flag(args)
    if err:
        print("error: " + err, file=sys.stderr)
        return 1
    info = version_info()
    if fmt == "":
        print("kubeadm version: " + go_struct(info))
    elif fmt == "short":
        print(info["gitVersion"])
    elif fmt == "json":
        print(json.dumps({"clientVersion": without_empty(info)}, indent=2))
    elif fmt == "yaml":
        print(yaml_lines(without_empty(info)))
    else:
        print("invalid output format: %s" % fmt, file=sys.stderr)
        return 1
    return 0


# ---- helpers ------------------------------------------------------------------------------

def parse_args(args, bools=()):
    """--flag=value / --flag value / boolean flags; returns (flags, positionals)."""
    flags, pos = {}, []
    i = 0
    while i < len(args):
        a = args[i]
        if a.startswith("--") or (a.startswith("-") and len(a) == 2):
            name = a.lstrip("-")
            if "=" in name:
                k, v = name.split("=", 1)
                flags[k] = v
            elif name in bools:
                flags[name] = "true"
            elif i + 1 < len(args):
                flags[name] = args[i + 1]
                i += 1
            else:
                raise Fail("flag needs an argument: %s" % a)
        else:
            pos.append(a)
        i += 1
    return flags, pos


def load_yaml_all(text):
    import yaml
    return list(yaml.safe_load_all(text))


def dump_yaml(obj):
    import yaml
    return yaml.safe_dump(obj, default_flow_style=False, sort_keys=True)


def run(cmd, stdin=None, check=False):
    r = subprocess.run(cmd, input=stdin, capture_output=True)
    if check and r.returncode != 0:
        raise Fail("%s: %s" % (cmd[0], r.stderr.decode().strip()))
    return r


def systemd():
    return os.path.isdir("/run/systemd/system")


def default_ip():
    """The host's first global IPv4 address (real kubeadm takes the default route's
    interface; fleet hosts have no default route)."""
    try:
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        s.connect(("10.255.255.255", 1))  # picks the source address; sends nothing
        ip = s.getsockname()[0]
        s.close()
        if not ip.startswith("127."):
            return ip
    except OSError:
        pass
    try:
        out = run(["ip", "-o", "-4", "addr", "show", "scope", "global"]).stdout.decode()
        return out.split()[3].split("/")[0]
    except (OSError, IndexError):
        return "127.0.0.1"


def random_token():
    a = string.ascii_lowercase + string.digits
    r = random.SystemRandom()
    return "%s.%s" % ("".join(r.choice(a) for _ in range(6)), "".join(r.choice(a) for _ in range(16)))


def host_port(endpoint, default_port=6443):
    if ":" in endpoint:
        h, p = endpoint.rsplit(":", 1)
        return h, int(p)
    return endpoint, default_port


def load_config(path):
    import kubeadm_config as kc
    if not path:
        return {}
    try:
        text = open(path).read()
    except OSError as e:
        raise Fail("unable to read config from %r: %s" % (path, e))
    try:
        return kc.parse(text, load_yaml_all)
    except kc.ConfigError as e:
        raise Fail(str(e))
    except Exception as e:  # YAML syntax
        raise Fail("error converting YAML to JSON: %s" % e)


# ---- preflight ----------------------------------------------------------------------------

def port_in_use(port):
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    # As Go's net.Listen in real kubeadm: connections in TIME_WAIT do not make a port busy.
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        s.bind(("0.0.0.0", port))
        s.listen(1)
        return False
    except OSError:
        return True
    finally:
        s.close()


def swap_on():
    try:
        return len(open("/proc/swaps").read().strip().splitlines()) > 1
    except OSError:
        return False


def preflight(control_plane, files, ignore, kubelet_cfg, worker=False):
    say("[preflight] Running pre-flight checks")
    errors = []
    if os.geteuid() != 0:
        errors.append(("IsPrivilegedUser", "user is not running as root"))
    if swap_on() and (kubelet_cfg or {}).get("failSwapOn", True):
        errors.append(("Swap", "running with swap on is not supported. Please disable swap"))
    ports = [10250] + ([6443, 10259, 10257, 2379, 2380] if control_plane else [])
    for p in ports:
        if port_in_use(p):
            errors.append(("Port-%d" % p, "Port %d is in use" % p))
    for f in files:
        if os.path.exists(f):
            errors.append(("FileAvailable-" + f.replace("/", "-"), "%s already exists" % f))
    if control_plane and os.path.isdir("/var/lib/etcd") and os.listdir("/var/lib/etcd"):
        errors.append(("DirAvailable--var-lib-etcd", "/var/lib/etcd is not empty"))
    ign = {x.strip().lower() for x in (ignore or "").split(",") if x.strip()}
    fatal = [(n, m) for n, m in errors if "all" not in ign and n.lower() not in ign]
    for n, m in errors:
        if (n, m) not in fatal:
            say("\t[WARNING %s]: %s" % (n, m))
    if fatal:
        raise Fail("error execution phase preflight: [preflight] Some fatal errors occurred:\n"
                   + "".join("\t[ERROR %s]: %s\n" % e for e in fatal) +
                   "[preflight] If you know what you are doing, you can make a check non-fatal "
                   "with `--ignore-preflight-errors=...`")


# ---- files --------------------------------------------------------------------------------

def cert_sans(cluster, node, ip, extra):
    import kubeadm_config as kc
    dom = cluster["networking"]["dnsDomain"]
    sans = [node, "kubernetes", "kubernetes.default", "kubernetes.default.svc",
            "kubernetes.default.svc." + dom, kc.first_service_ip(cluster["networking"]
                                                                ["serviceSubnet"]), ip]
    cpe = cluster.get("controlPlaneEndpoint")
    if cpe:
        sans.append(host_port(cpe)[0])
    sans += list(cluster["apiServer"].get("certSANs") or []) + list(extra or [])
    out = []
    for s in sans:
        if s and s not in out:
            out.append(s)
    return out


def phase_certs(cluster, node, ip, extra_sans, shared_must_exist):
    import kubeadm_pki as pki
    d = cluster["certificatesDir"]
    pki.ALGORITHM = cluster.get("encryptionAlgorithm") or "RSA-2048"
    say('[certs] Using certificateDir folder "%s"' % d)
    if shared_must_exist:
        for base in ("ca", "front-proxy-ca", "etcd/ca"):
            for ext in ("crt", "key"):
                p = pki.path(base, ext, d)
                if not os.path.exists(p):
                    raise Fail("error execution phase control-plane-prepare/certs: failure "
                               "loading certificate for CA: couldn't load the certificate "
                               "file %s: open %s: no such file or directory" % (p, p))
        if not os.path.exists(pki.path("sa", "key", d)):
            raise Fail("error execution phase control-plane-prepare/certs: couldn't load the "
                       "private key file %s/sa.key" % d)
    local = cluster["etcd"]["local"]
    etcd_sans = [node, "localhost", ip, "127.0.0.1", "0:0:0:0:0:0:0:1"]
    try:
        for ca in ("ca", "front-proxy-ca", "etcd-ca"):
            pki.ensure_ca(ca, say, d)
        pki.ensure_leaf("apiserver", cert_sans(cluster, node, ip, extra_sans), say, d)
        pki.ensure_leaf("apiserver-kubelet-client", [], say, d)
        pki.ensure_leaf("front-proxy-client", [], say, d)
        pki.ensure_leaf("etcd-server", etcd_sans + list(local.get("serverCertSANs") or []),
                        say, d, node=node)
        pki.ensure_leaf("etcd-peer", etcd_sans + list(local.get("peerCertSANs") or []),
                        say, d, node=node)
        pki.ensure_leaf("etcd-healthcheck-client", [], say, d)
        pki.ensure_leaf("apiserver-etcd-client", [], say, d)
        pki.ensure_sa(say, d)
    except pki.PKIError as e:
        phase = str(e).split("certificate ", 1)[1].split(" ")[0] if "certificate " in str(e) \
            else "certs"
        raise Fail("error execution phase certs/%s: %s" % (phase, e))


def phase_kubeconfigs(cluster, node, local_server, cluster_server, init):
    import kubeadm_pki as pki
    d = cluster["certificatesDir"]
    pki.ALGORITHM = cluster.get("encryptionAlgorithm") or "RSA-2048"
    say('[kubeconfig] Using kubeconfig folder "%s"' % ETC)
    confs = [("admin.conf", cluster_server, "kubernetes-admin", "kubeadm:cluster-admins"),
             ("controller-manager.conf", local_server, "system:kube-controller-manager", None),
             ("scheduler.conf", local_server, "system:kube-scheduler", None)]
    if init:
        confs.insert(1, ("super-admin.conf", cluster_server, "kubernetes-super-admin",
                         "system:masters"))
        confs.insert(2, ("kubelet.conf", cluster_server, "system:node:" + node, "system:nodes"))
    for name, server, cn, org in confs:
        p = os.path.join(ETC, name)
        if os.path.exists(p):
            say('[kubeconfig] Using existing kubeconfig file: "%s"' % p)
            continue
        say('[kubeconfig] Writing "%s" kubeconfig file' % name)
        pki.write_file(p, pki.client_kubeconfig(server, cn, org, d), 0o600)


def phase_manifests(cluster, node, ip, port, initial_cluster, state):
    import kubeadm_config as kc
    os.makedirs(MANIFESTS, exist_ok=True)
    say('[etcd] Creating static Pod manifest for local etcd in "%s"' % MANIFESTS)
    pods = [("etcd", kc.etcd_manifest(cluster, node, ip, initial_cluster, state))]
    say('[control-plane] Using manifest folder "%s"' % MANIFESTS)
    for name, pod in (("kube-apiserver", kc.apiserver_manifest(cluster, ip, port)),
                      ("kube-controller-manager", kc.controller_manager_manifest(cluster)),
                      ("kube-scheduler", kc.scheduler_manifest(cluster))):
        say('[control-plane] Creating static Pod manifest for "%s"' % name)
        pods.append((name, pod))
    for name, pod in pods:
        import kubeadm_pki as pki
        pki.write_file(os.path.join(MANIFESTS, name + ".yaml"), dump_yaml(pod), 0o600)


def phase_kubelet_start(cluster, node, ip, kubelet_user, node_reg, control_plane):
    import kubeadm_config as kc
    import kubeadm_pki as pki
    taints = node_reg.get("taints")
    if taints is None:
        taints = [{"key": "node-role.kubernetes.io/control-plane", "effect": "NoSchedule"}] \
            if control_plane else []
    args = {"container-runtime-endpoint": "unix:///var/run/containerd/containerd.sock",
            "hostname-override": node}
    if control_plane:
        args["node-ip"] = ip  # the advertise address; workers' kubelets pick their own
    if taints:
        args["register-with-taints"] = ",".join(
            "%s%s:%s" % (t["key"], "=" + t["value"] if t.get("value") else "", t["effect"])
            for t in taints)
    args.update(kc.args_dict(node_reg.get("kubeletExtraArgs")))
    say('[kubelet-start] Writing kubelet environment file with flags to file '
        '"/var/lib/kubelet/kubeadm-flags.env"')
    pki.write_file("/var/lib/kubelet/kubeadm-flags.env", 'KUBELET_KUBEADM_ARGS="%s"\n' % " ".join(
        "--%s=%s" % kv for kv in sorted(args.items())), 0o644)
    say('[kubelet-start] Writing kubelet configuration to file "/var/lib/kubelet/config.yaml"')
    pki.write_file("/var/lib/kubelet/config.yaml", dump_yaml(kc.kubelet_config(
        cluster, kubelet_user)), 0o644)
    say("[kubelet-start] Starting the kubelet")
    if systemd():
        run(["systemctl", "restart", "kubelet"])
    return taints


def wait_healthy(server, ca_file, timeout):
    import ssl
    import urllib.request
    ctx = ssl.create_default_context(cafile=ca_file)
    deadline = time.time() + timeout
    last = ""
    while time.time() < deadline:
        try:
            with urllib.request.urlopen(server + "/livez", context=ctx, timeout=5) as r:
                if r.status == 200:
                    return
        except Exception as e:
            last = str(e)
        time.sleep(1)
    raise Fail("error execution phase wait-control-plane: could not check the health of "
               "kube-apiserver at %s/livez: %s" % (server, last))


def admin_client(server=None):
    from kubeclient import Client
    c = Client.from_kubeconfig(ETC + "/admin.conf", timeout=15, server=server)
    c.retry_forbidden = 15.0  # kubeadm:cluster-admins may just have been bound
    return c


def super_client(server):
    from kubeclient import Client
    return Client.from_kubeconfig(ETC + "/super-admin.conf", timeout=15, server=server)


def wait_node(client, node, timeout):
    deadline = time.time() + timeout
    while time.time() < deadline:
        try:
            n = client.get_or_none("/api/v1/nodes/" + node)
            if n:
                return n
        except Exception:
            pass
        time.sleep(1)
    raise Fail("error execution phase kubelet-start: timed out waiting for the node %s to "
               "register (is the kubelet running?)" % node)


def mark_control_plane(client, node, taints):
    say("[mark-control-plane] Marking the node %s as control-plane by adding the labels: "
        "[node-role.kubernetes.io/control-plane node.kubernetes.io/"
        "exclude-from-external-load-balancers]" % node)
    n = client.get("/api/v1/nodes/" + node)
    have = n.get("spec", {}).get("taints") or []
    for t in taints:
        if not any(h.get("key") == t["key"] and h.get("effect") == t["effect"] for h in have):
            have.append(t)
    client.merge_patch("/api/v1/nodes/" + node, {
        "metadata": {"labels": {"node-role.kubernetes.io/control-plane": "",
                                "node.kubernetes.io/exclude-from-external-load-balancers": ""}},
        "spec": {"taints": have or None}})


def rbac(kind, name, rules=None, role_ref=None, subjects=None, ns=None):
    o = {"apiVersion": "rbac.authorization.k8s.io/v1", "kind": kind, "metadata": {"name": name}}
    if ns:
        o["metadata"]["namespace"] = ns
    if rules is not None:
        o["rules"] = rules
    if role_ref:
        o["roleRef"] = {"apiGroup": "rbac.authorization.k8s.io", "kind": role_ref[0],
                        "name": role_ref[1]}
        o["subjects"] = [{"apiGroup": "rbac.authorization.k8s.io", "kind": k, "name": n}
                         for k, n in subjects]
    return o


def cluster_objects(client, cluster, init_cfg, kubelet_user, cluster_server):
    import kubeadm_config as kc
    say('[upload-config] Storing the configuration used in ConfigMap "kubeadm-config" in the '
        '"kube-system" Namespace')
    cc = {k: v for k, v in cluster.items()}
    client.create_or_update("/api/v1/namespaces/kube-system/configmaps", {
        "apiVersion": "v1", "kind": "ConfigMap",
        "metadata": {"name": "kubeadm-config", "namespace": "kube-system"},
        "data": {"ClusterConfiguration": dump_yaml(cc)}})
    say('[kubelet] Creating a ConfigMap "kubelet-config" in namespace kube-system with the '
        'configuration for the kubelets in the cluster')
    client.create_or_update("/api/v1/namespaces/kube-system/configmaps", {
        "apiVersion": "v1", "kind": "ConfigMap",
        "metadata": {"name": "kubelet-config", "namespace": "kube-system"},
        "data": {"kubelet": dump_yaml(kc.kubelet_config(cluster, kubelet_user))}})
    B = "/apis/rbac.authorization.k8s.io/v1"
    objs = [
        (B + "/clusterroles", rbac("ClusterRole", "kubeadm:get-nodes", [
            {"apiGroups": [""], "resources": ["nodes"], "verbs": ["get"]}])),
        (B + "/clusterrolebindings", rbac("ClusterRoleBinding", "kubeadm:get-nodes", None,
                                          ("ClusterRole", "kubeadm:get-nodes"),
                                          [("Group", "system:bootstrappers:kubeadm:default-node-token")])),
        (B + "/clusterrolebindings", rbac("ClusterRoleBinding", "kubeadm:kubelet-bootstrap", None,
                                          ("ClusterRole", "system:node-bootstrapper"),
                                          [("Group", "system:bootstrappers:kubeadm:default-node-token")])),
        (B + "/clusterrolebindings", rbac("ClusterRoleBinding", "kubeadm:node-autoapprove-bootstrap",
                                          None, ("ClusterRole", "system:certificates.k8s.io:"
                                                 "certificatesigningrequests:nodeclient"),
                                          [("Group", "system:bootstrappers:kubeadm:default-node-token")])),
        (B + "/namespaces/kube-system/roles", rbac("Role", "kubeadm:nodes-kubeadm-config", [
            {"apiGroups": [""], "resources": ["configmaps"], "resourceNames": ["kubeadm-config"],
             "verbs": ["get"]}], ns="kube-system")),
        (B + "/namespaces/kube-system/rolebindings", rbac(
            "RoleBinding", "kubeadm:nodes-kubeadm-config", None,
            ("Role", "kubeadm:nodes-kubeadm-config"),
            [("Group", "system:bootstrappers:kubeadm:default-node-token"),
             ("Group", "system:nodes")], ns="kube-system")),
        (B + "/namespaces/kube-system/roles", rbac("Role", "kubeadm:kubelet-config", [
            {"apiGroups": [""], "resources": ["configmaps"], "resourceNames": ["kubelet-config"],
             "verbs": ["get"]}], ns="kube-system")),
        (B + "/namespaces/kube-system/rolebindings", rbac(
            "RoleBinding", "kubeadm:kubelet-config", None, ("Role", "kubeadm:kubelet-config"),
            [("Group", "system:bootstrappers:kubeadm:default-node-token"),
             ("Group", "system:nodes")], ns="kube-system")),
        (B + "/namespaces/kube-public/roles", rbac("Role", "kubeadm:bootstrap-signer-clusterinfo", [
            {"apiGroups": [""], "resources": ["configmaps"], "resourceNames": ["cluster-info"],
             "verbs": ["get"]}], ns="kube-public")),
        (B + "/namespaces/kube-public/rolebindings", rbac(
            "RoleBinding", "kubeadm:bootstrap-signer-clusterinfo", None,
            ("Role", "kubeadm:bootstrap-signer-clusterinfo"), [("User", "system:anonymous")],
            ns="kube-public")),
    ]
    say("[bootstrap-token] Configured RBAC rules to allow Node Bootstrap tokens to get nodes, "
        "post CSRs and have the csrapprover controller automatically approve them")
    for coll, o in objs:
        client.create_or_update(coll, o)
    ca = open(cluster["certificatesDir"] + "/ca.crt", "rb").read()
    from kubeclient import kubeconfig
    info = kubeconfig(cluster_server, ca, "")
    info = {"apiVersion": "v1", "kind": "Config", "clusters": [
        {"name": "", "cluster": info["clusters"][0]["cluster"]}], "contexts": None,
        "current-context": "", "preferences": {}, "users": None}
    say('[bootstrap-token] Creating the "cluster-info" ConfigMap in the "kube-public" namespace')
    client.create_or_update("/api/v1/namespaces/kube-public/configmaps", {
        "apiVersion": "v1", "kind": "ConfigMap",
        "metadata": {"name": "cluster-info", "namespace": "kube-public"},
        "data": {"kubeconfig": dump_yaml(info)}})


def create_token(client, token=None, ttl="24h0m0s", description=""):
    token = token or random_token()
    tid, secret = token.split(".", 1)
    secs = _ttl_seconds(ttl)
    data = {"token-id": tid, "token-secret": secret, "usage-bootstrap-authentication": "true",
            "usage-bootstrap-signing": "true",
            "auth-extra-groups": "system:bootstrappers:kubeadm:default-node-token"}
    if secs:
        data["expiration"] = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(time.time() + secs))
    if description:
        data["description"] = description
    client.create_or_update("/api/v1/namespaces/kube-system/secrets", {
        "apiVersion": "v1", "kind": "Secret", "type": "bootstrap.kubernetes.io/token",
        "metadata": {"name": "bootstrap-token-" + tid, "namespace": "kube-system"},
        "data": {k: base64.b64encode(v.encode()).decode() for k, v in data.items()}})
    return token


def _ttl_seconds(ttl):
    total, num = 0, ""
    for ch in str(ttl):
        if ch.isdigit():
            num += ch
        elif ch in "hms":
            total += int(num or 0) * {"h": 3600, "m": 60, "s": 1}[ch]
            num = ""
    return total


def join_command(client, cluster, token, endpoint):
    import kubeadm_pki as pki
    ca = open(cluster["certificatesDir"] + "/ca.crt", "rb").read()
    return "kubeadm join %s --token %s --discovery-token-ca-cert-hash %s" % (
        endpoint, token, pki.ca_cert_hash(ca))


# ---- commands -----------------------------------------------------------------------------

def cmd_init(args):
    import kubeadm_config as kc
    f, _ = parse_args(args, bools=("upload-certs", "skip-token-print", "dry-run"))
    docs = load_config(f.get("config"))
    init = docs.get("InitConfiguration", {})
    cluster = kc.defaults(docs.get("ClusterConfiguration"), VERSION)
    if f.get("control-plane-endpoint"):
        cluster["controlPlaneEndpoint"] = f["control-plane-endpoint"]
    if f.get("pod-network-cidr"):
        cluster["networking"]["podSubnet"] = f["pod-network-cidr"]
    if f.get("service-cidr"):
        cluster["networking"]["serviceSubnet"] = f["service-cidr"]
    node_reg = init.get("nodeRegistration", {})
    node = (f.get("node-name") or node_reg.get("name") or socket.gethostname()).lower()
    lep = init.get("localAPIEndpoint", {})
    ip = f.get("apiserver-advertise-address") or lep.get("advertiseAddress") or default_ip()
    port = int(f.get("apiserver-bind-port") or lep.get("bindPort") or 6443)
    kubelet_user = docs.get("KubeletConfiguration")
    say("[init] Using Kubernetes version: %s" % cluster["kubernetesVersion"])
    preflight(True, [MANIFESTS + "/%s.yaml" % n for n in (
        "kube-apiserver", "kube-controller-manager", "kube-scheduler", "etcd")],
        f.get("ignore-preflight-errors") or ",".join(node_reg.get("ignorePreflightErrors") or []),
        kubelet_user)
    extra = [s for s in (f.get("apiserver-cert-extra-sans") or "").split(",") if s]
    phase_certs(cluster, node, ip, extra, False)
    local = "https://%s:%d" % (ip, port)
    cpe = cluster.get("controlPlaneEndpoint")
    cluster_server = "https://%s" % cpe if cpe else local
    if cpe and ":" not in cpe:
        cluster_server += ":%d" % port
    phase_kubeconfigs(cluster, node, local, cluster_server, True)
    phase_manifests(cluster, node, ip, port, "%s=https://%s:2380" % (node, ip), "new")
    taints = phase_kubelet_start(cluster, node, ip, kubelet_user, node_reg, True)
    timeout = _ttl_seconds((init.get("timeouts") or {}).get("controlPlaneComponentHealthCheck",
                                                             "4m0s"))
    say("[wait-control-plane] Waiting for the kubelet to boot up the control plane as static "
        "Pods from directory \"%s\"" % MANIFESTS)
    wait_healthy(local, cluster["certificatesDir"] + "/ca.crt", timeout)
    say("[control-plane-check] kube-apiserver is healthy")
    sup = super_client(local)
    sup.create_or_update("/apis/rbac.authorization.k8s.io/v1/clusterrolebindings", rbac(
        "ClusterRoleBinding", "kubeadm:cluster-admins", None, ("ClusterRole", "cluster-admin"),
        [("Group", "kubeadm:cluster-admins")]))
    client = admin_client(local)
    cluster_objects(client, cluster, init, kubelet_user, cluster_server)
    wait_node(client, node, timeout)
    mark_control_plane(client, node, taints)
    tokens = [t.get("token") for t in init.get("bootstrapTokens") or []] or [f.get("token")]
    made = []
    for i, t in enumerate(tokens):
        ttl = ((init.get("bootstrapTokens") or [{}])[i] if init.get("bootstrapTokens") else {}
               ).get("ttl", f.get("token-ttl", "24h0m0s"))
        made.append(create_token(client, t, ttl))
    say("[bootstrap-token] Using token: <value withheld>")
    endpoint = cpe or "%s:%d" % (ip, port)
    say("\nYour Kubernetes control-plane has initialized successfully!\n\n"
        "To start using your cluster, you need to run the following as a regular user:\n\n"
        "  mkdir -p $HOME/.kube\n  sudo cp -i /etc/kubernetes/admin.conf $HOME/.kube/config\n"
        "  sudo chown $(id -u):$(id -g) $HOME/.kube/config\n")
    if "skip-token-print" not in f:
        cmd = join_command(client, cluster, made[0], endpoint)
        if cpe:
            say("You can now join any number of control-plane nodes by copying certificate "
                "authorities\nand service account keys on each node and then running the "
                "following as root:\n\n  %s \\\n\t--control-plane\n" % cmd)
        say("Then you can join any number of worker nodes by running the following on each as "
            "root:\n\n%s\n" % cmd)
    return 0


def discover(endpoint, token, hashes, unsafe, timeout):
    """Token discovery: returns the cluster CA PEM trusted through the token and the pin."""
    import kubeadm_pki as pki
    from kubeclient import APIError, Client
    tid, secret = token.split(".", 1)
    insecure = Client("https://" + endpoint, insecure=True, timeout=10)
    deadline = time.time() + timeout
    last = ""
    while time.time() < deadline:
        try:
            cm = insecure.get("/api/v1/namespaces/kube-public/configmaps/cluster-info")
            data = cm.get("data", {})
            jws = data.get("jws-kubeconfig-" + tid)
            if not jws:
                last = ('token id "%s" is invalid for this cluster or it has expired. Use '
                        '"kubeadm token create" on the control-plane node to create a new '
                        'valid token' % tid)
                raise ValueError(last)
            header, _, sig = jws.split(".")
            signing_input = ("%s.%s" % (header, base64.urlsafe_b64encode(
                data["kubeconfig"].encode()).rstrip(b"=").decode())).encode()
            want = base64.urlsafe_b64encode(hmac.new(token.encode(), signing_input,
                                                     hashlib.sha256).digest()).rstrip(b"=")
            if not hmac.compare_digest(want.decode(), sig):
                raise Fail("failed to verify JWS signature of received cluster info object, "
                           "can't trust this API Server")
            info = load_yaml_all(data["kubeconfig"])[0]
            ca = base64.b64decode(info["clusters"][0]["cluster"]["certificate-authority-data"])
            if not unsafe:
                got = pki.ca_cert_hash(ca)
                if got not in hashes:
                    raise Fail('cluster CA found in cluster-info ConfigMap is invalid: none of '
                               'the public keys "%s" are pinned' % got)
            say("[discovery] Cluster info signature and contents are valid and TLS certificate "
                "validates against pinned roots, will use API Server \"%s\"" % endpoint)
            return ca, info["clusters"][0]["cluster"]["server"]
        except (APIError, OSError, ValueError, KeyError) as e:
            last = str(e)
            time.sleep(2)
    raise Fail("error execution phase preflight: couldn't validate the identity of the API "
               "Server: %s" % last)


def etcdctl(endpoints, pki_dir, *args):
    return run(["etcdctl", "--endpoints=" + ",".join(endpoints),
                "--cacert=%s/etcd/ca.crt" % pki_dir,
                "--cert=%s/etcd/healthcheck-client.crt" % pki_dir,
                "--key=%s/etcd/healthcheck-client.key" % pki_dir,
                "--dial-timeout=5s", "--command-timeout=15s"] + list(args))


def etcd_endpoints(client):
    pods = client.get("/api/v1/namespaces/kube-system/pods?labelSelector=component%3Detcd"
                      "%2Ctier%3Dcontrol-plane").get("items", [])
    eps = []
    for p in pods:
        u = p.get("metadata", {}).get("annotations", {}).get(
            "kubeadm.kubernetes.io/etcd.advertise-client-urls")
        if u:
            eps.append(u)
    if not eps:
        raise Fail("error execution phase control-plane-join/etcd: could not find the etcd "
                   "endpoints of the cluster (no etcd Pod with the kubeadm.kubernetes.io/"
                   "etcd.advertise-client-urls annotation)")
    return sorted(eps)


def cmd_join(args):
    import kubeadm_config as kc
    import kubeadm_pki as pki
    from kubeclient import Client
    f, pos = parse_args(args, bools=("control-plane", "discovery-token-unsafe-skip-ca-verification",
                                     "dry-run"))
    docs = load_config(f.get("config"))
    jc = docs.get("JoinConfiguration", {})
    disc = (jc.get("discovery") or {}).get("bootstrapToken") or {}
    endpoint = (pos[0] if pos else None) or disc.get("apiServerEndpoint")
    token = f.get("token") or f.get("discovery-token") or disc.get("token")
    hashes = [h for h in (f.get("discovery-token-ca-cert-hash") or "").split(",") if h] or \
        list(disc.get("caCertHashes") or [])
    unsafe = "discovery-token-unsafe-skip-ca-verification" in f or \
        disc.get("unsafeSkipCAVerification", False)
    control_plane = "control-plane" in f or jc.get("controlPlane") is not None
    if not endpoint or not token:
        raise Fail("discovery: Invalid value: \"\": bootstrapToken or file must be set")
    if not hashes and not unsafe:
        raise Fail("discovery.bootstrapToken: Invalid value: \"\": using token-based discovery "
                   "without caCertHashes can be unsafe. Set unsafeSkipCAVerification as true in "
                   "your kubeadm config file or pass --discovery-token-unsafe-skip-ca-verification "
                   "flag to continue")
    node_reg = jc.get("nodeRegistration", {})
    node = (f.get("node-name") or node_reg.get("name") or socket.gethostname()).lower()
    lep = (jc.get("controlPlane") or {}).get("localAPIEndpoint") or {}
    ip = f.get("apiserver-advertise-address") or lep.get("advertiseAddress") or default_ip()
    port = int(f.get("apiserver-bind-port") or lep.get("bindPort") or 6443)
    kubelet_user = docs.get("KubeletConfiguration")
    files = [ETC + "/kubelet.conf", ETC + "/bootstrap-kubelet.conf"]
    if control_plane:
        files += [MANIFESTS + "/%s.yaml" % n for n in ("kube-apiserver", "kube-controller-manager",
                                                      "kube-scheduler", "etcd")]
    else:
        files.append(ETC + "/pki/ca.crt")
    preflight(control_plane, files, f.get("ignore-preflight-errors") or ",".join(
        node_reg.get("ignorePreflightErrors") or []), kubelet_user)
    timeout = _ttl_seconds((jc.get("timeouts") or {}).get("discovery", "5m0s"))
    ca, server = discover(endpoint, token, hashes, unsafe, timeout)
    boot = Client("https://" + endpoint, ca_pem=ca, token=token, timeout=15)
    say("[preflight] Reading configuration from the \"kubeadm-config\" ConfigMap in namespace "
        "\"kube-system\"...")
    cm = boot.get("/api/v1/namespaces/kube-system/configmaps/kubeadm-config")
    cluster = kc.defaults(load_yaml_all(cm["data"]["ClusterConfiguration"])[0], VERSION)
    d = cluster["certificatesDir"]
    if control_plane:
        if not cluster.get("controlPlaneEndpoint"):
            raise Fail("error execution phase preflight: \nOne or more conditions for hosting a "
                       "new control plane instance is not satisfied.\n\nunable to add a new "
                       "control plane instance to a cluster that doesn't have a stable "
                       "controlPlaneEndpoint address\n\nPlease ensure that:\n* The cluster has "
                       "a stable controlPlaneEndpoint address.\n* The certificates that must be "
                       "shared among control plane instances are provided.")
        say("[preflight] Running pre-flight checks before initializing the new control plane "
            "instance")
        phase_certs(cluster, node, ip, [], True)
        local = "https://%s:%d" % (ip, port)
        cpe = cluster["controlPlaneEndpoint"]
        cluster_server = "https://" + (cpe if ":" in cpe else "%s:%d" % (cpe, port))
        phase_kubeconfigs(cluster, node, local, cluster_server, False)
        admin = admin_client("https://" + endpoint)
        eps = etcd_endpoints(admin)
        say("[etcd] Announced new etcd member joining to the existing etcd cluster")
        # Real kubeadm retries MemberAddAsLearner on any error ("etcdserver: unhealthy
        # cluster" right after another member joined, "too many learner members" while one
        # is pending) until timeouts.etcdAPICall (default 2m0s), then fails with the last one.
        add_deadline = time.time() + _ttl_seconds(
            (jc.get("timeouts") or {}).get("etcdAPICall", "2m0s"))
        while True:
            r = etcdctl(eps, d, "member", "add", node, "--peer-urls=https://%s:2380" % ip,
                        "--learner")
            if r.returncode == 0 or time.time() >= add_deadline:
                break
            time.sleep(1)
        out = r.stdout.decode() + r.stderr.decode()
        if r.returncode != 0:
            raise Fail("error execution phase control-plane-join/etcd: error creating local "
                       "etcd static pod manifest file: %s" % out.strip().splitlines()[-1])
        initial = ""
        for line in out.splitlines():
            if line.startswith("ETCD_INITIAL_CLUSTER="):
                initial = line.split("=", 1)[1].strip('"')
        member_id = out.split("Member ", 1)[1].split()[0] if "Member " in out else ""
        phase_manifests(cluster, node, ip, port, initial, "existing")
    pki_ca = d + "/ca.crt"
    if not control_plane:
        pki.write_file(pki_ca, ca, 0o644)
    from kubeclient import kubeconfig
    bk = kubeconfig(server if control_plane else "https://" + endpoint, ca, "tls-bootstrap-token-user",
                    token=token)
    pki.write_file(ETC + "/bootstrap-kubelet.conf", dump_yaml(bk), 0o600)
    taints = phase_kubelet_start(cluster, node, ip, kubelet_user, node_reg, control_plane)
    say("[kubelet-start] Waiting for the kubelet to perform the TLS Bootstrap")
    deadline = time.time() + 240
    while not os.path.exists(ETC + "/kubelet.conf") and time.time() < deadline:
        time.sleep(1)
    if not os.path.exists(ETC + "/kubelet.conf"):
        raise Fail("error execution phase kubelet-start: timed out waiting for the condition "
                   "(the kubelet did not perform the TLS bootstrap)")
    if control_plane:
        say("[etcd] Waiting for the new etcd member to join the cluster. This can take up to 40s")
        deadline = time.time() + 120
        while True:
            r = etcdctl(eps, d, "member", "promote", member_id)
            if r.returncode == 0:
                break
            if time.time() > deadline:
                raise Fail("error execution phase control-plane-join/etcd: error promoting the "
                           "etcd learner: %s" % r.stderr.decode().strip())
            time.sleep(2)
        wait_healthy("https://%s:%d" % (ip, port), pki_ca, 240)
        client = admin_client("https://" + endpoint)
        wait_node(client, node, 120)
        mark_control_plane(client, node, taints)
        say("\nThis node has joined the cluster and a new control plane instance was created.")
    else:
        client = Client.from_kubeconfig(ETC + "/kubelet.conf", timeout=15)
        wait_node(client, node, 120)
        say("\nThis node has joined the cluster:\n* Certificate signing request was sent to "
            "apiserver and a response was received.\n* The Kubelet was informed of the new "
            "secure connection details.")
    return 0


def cmd_token(args):
    f, pos = parse_args(args, bools=("print-join-command",))
    if not pos or pos[0] not in ("create", "list"):
        raise Fail("kubeadm token %s: not implemented by this stand-in" % (pos[0] if pos else ""))
    from kubeclient import Client
    client = Client.from_kubeconfig(f.get("kubeconfig", ETC + "/admin.conf"), timeout=15)
    if pos[0] == "list":
        say("TOKEN                     TTL         EXPIRES                USAGES                   "
            "DESCRIPTION   EXTRA GROUPS")
        for s in client.get("/api/v1/namespaces/kube-system/secrets").get("items", []):
            if s.get("type") == "bootstrap.kubernetes.io/token":
                dd = {k: base64.b64decode(v).decode() for k, v in s["data"].items()}
                say("%s.<value withheld>   %s" % (dd["token-id"], dd.get("expiration", "<forever>")))
        return 0
    token = create_token(client, pos[1] if len(pos) > 1 else None, f.get("ttl", "24h0m0s"),
                         f.get("description", ""))
    if "print-join-command" in f:
        cm = client.get("/api/v1/namespaces/kube-public/configmaps/cluster-info")
        info = load_yaml_all(cm["data"]["kubeconfig"])[0]
        server = info["clusters"][0]["cluster"]["server"]
        import kubeadm_pki as pki
        ca = base64.b64decode(info["clusters"][0]["cluster"]["certificate-authority-data"])
        say("kubeadm join %s --token %s --discovery-token-ca-cert-hash %s " % (
            server.split("://", 1)[1], token, pki.ca_cert_hash(ca)))
    else:
        say(token)
    return 0


def cmd_reset(args):
    f, _ = parse_args(args, bools=("force", "f", "dry-run"))
    if "force" not in f and "f" not in f:
        sys.stdout.write("[reset] Are you sure you want to proceed? [y/N]: ")
        sys.stdout.flush()
        if sys.stdin.readline().strip().lower() not in ("y", "yes"):
            raise Fail("aborted reset operation")
    say("[reset] Reading configuration from the \"kubeadm-config\" ConfigMap in namespace "
        "\"kube-system\"...")
    node = socket.gethostname().lower()
    if os.path.exists(MANIFESTS + "/etcd.yaml") and shutil.which("etcdctl"):
        d = "/etc/kubernetes/pki"
        r = etcdctl(["https://127.0.0.1:2379"], d, "member", "list", "-w", "json")
        try:
            members = json.loads(r.stdout).get("members", [])
            me = [m for m in members if m.get("name") == node]
            others = [u for m in members if m.get("name") != node for u in m.get("clientURLs", [])]
            if me and others:
                mid = "%x" % int(me[0]["ID"])
                rr = etcdctl(others, d, "member", "remove", mid)
                say("[reset] Removing member %s from the etcd cluster: %s" % (
                    node, "done" if rr.returncode == 0 else rr.stderr.decode().strip()))
        except ValueError:
            say("[reset] WARNING: could not list etcd members: %s" % r.stderr.decode().strip())
    say("[reset] Stopping the kubelet service")
    if systemd():
        run(["systemctl", "stop", "kubelet"])
        units = run(["systemctl", "list-units", "--plain", "--no-legend", "kubelet-pod-*"]).stdout
        for line in units.decode().splitlines():
            if line.split():
                run(["systemctl", "stop", line.split()[0]])
    shutil.rmtree("/run/kubelet-standin", ignore_errors=True)
    say("[reset] Deleting contents of directories: [/etc/kubernetes/manifests /var/lib/kubelet "
        "/etc/kubernetes/pki]")
    for p in glob.glob(MANIFESTS + "/*") + glob.glob("/var/lib/etcd/*") + \
            glob.glob("/var/lib/kubelet/*"):
        shutil.rmtree(p, ignore_errors=True) if os.path.isdir(p) else os.unlink(p)
    shutil.rmtree(ETC + "/pki", ignore_errors=True)
    for name in ("admin.conf", "super-admin.conf", "kubelet.conf", "bootstrap-kubelet.conf",
                 "controller-manager.conf", "scheduler.conf"):
        try:
            os.unlink(os.path.join(ETC, name))
        except FileNotFoundError:
            pass
    say("[reset] Deleting files: [/etc/kubernetes/admin.conf /etc/kubernetes/super-admin.conf "
        "/etc/kubernetes/kubelet.conf /etc/kubernetes/bootstrap-kubelet.conf "
        "/etc/kubernetes/controller-manager.conf /etc/kubernetes/scheduler.conf]")
    say("\nThe reset process does not clean CNI configuration, iptables or IPVS tables, or "
        "your kubeconfig files.")
    return 0


CERT_ROWS = [("admin.conf", "conf", "ca"), ("apiserver", "apiserver", "ca"),
             ("apiserver-etcd-client", "apiserver-etcd-client", "etcd-ca"),
             ("apiserver-kubelet-client", "apiserver-kubelet-client", "ca"),
             ("controller-manager.conf", "conf", "ca"),
             ("etcd-healthcheck-client", "etcd/healthcheck-client", "etcd-ca"),
             ("etcd-peer", "etcd/peer", "etcd-ca"), ("etcd-server", "etcd/server", "etcd-ca"),
             ("front-proxy-client", "front-proxy-client", "front-proxy-ca"),
             ("scheduler.conf", "conf", "ca"), ("super-admin.conf", "conf", "ca")]


def _conf_cert(name):
    import tempfile
    cfg = load_yaml_all(open(os.path.join(ETC, name)).read())[0]
    data = base64.b64decode(cfg["users"][0]["user"]["client-certificate-data"])
    t = tempfile.NamedTemporaryFile(delete=False)
    t.write(data)
    t.close()
    return t.name


def _residual(secs):
    days = int(secs // 86400)
    if days >= 365:
        return "%dy" % (days // 365)
    if days >= 1:
        return "%dd" % days
    return "%dh" % int(secs // 3600)


def cmd_certs(args):
    import kubeadm_pki as pki
    f, pos = parse_args(args)
    if not pos or pos[0] not in ("check-expiration", "renew"):
        raise Fail("kubeadm certs %s: not implemented by this stand-in" % (pos[0] if pos else ""))
    if pos[0] == "check-expiration":
        say("[check-expiration] Reading configuration from the \"kubeadm-config\" ConfigMap in "
            "namespace \"kube-system\"...\n")
        fmt = "%-26s %-25s %-15s %-23s %s"
        say(fmt % ("CERTIFICATE", "EXPIRES", "RESIDUAL TIME", "CERTIFICATE AUTHORITY",
                   "EXTERNALLY MANAGED"))
        for name, base, ca in CERT_ROWS:
            if base == "conf":
                if not os.path.exists(os.path.join(ETC, name)):
                    continue
                crt = _conf_cert(name)
            else:
                crt = pki.path(base, "crt")
                if not os.path.exists(crt):
                    continue
            end = pki.not_after(crt)
            if base == "conf":
                os.unlink(crt)
            say(fmt % (name, time.strftime("%b %d, %Y %H:%M UTC", time.gmtime(end)),
                       _residual(end - time.time()), ca, "no"))
        say("")
        fmt2 = "%-24s %-25s %-15s %s"
        say(fmt2 % ("CERTIFICATE AUTHORITY", "EXPIRES", "RESIDUAL TIME", "EXTERNALLY MANAGED"))
        for name, (base, _) in pki.CAS.items():
            crt = pki.path(base, "crt")
            if os.path.exists(crt):
                end = pki.not_after(crt)
                ext = "no" if os.path.exists(pki.path(base, "key")) else "yes"
                say(fmt2 % (name, time.strftime("%b %d, %Y %H:%M UTC", time.gmtime(end)),
                            _residual(end - time.time()), ext))
        return 0
    what = pos[1] if len(pos) > 1 else ""
    names = [r[0] for r in CERT_ROWS]
    if what != "all" and what not in names:
        raise Fail('unknown command "%s" for "kubeadm certs renew"' % what)
    say("[renew] Reading configuration from the \"kubeadm-config\" ConfigMap in namespace "
        "\"kube-system\"...")
    for name, base, ca in CERT_ROWS:
        if what not in ("all", name):
            continue
        if base == "conf":
            p = os.path.join(ETC, name)
            if not os.path.exists(p):
                continue
            cfg = load_yaml_all(open(p).read())[0]
            crt = _conf_cert(name)
            out = pki.openssl("x509", "-in", crt, "-noout", "-subject", "-nameopt",
                              "RFC2253").decode()
            os.unlink(crt)
            cn = out.split("CN=", 1)[1].split(",")[0].strip()
            org = out.split("O=", 1)[1].split(",")[0].strip() if "O=" in out else None
            pki.write_file(p, pki.client_kubeconfig(cfg["clusters"][0]["cluster"]["server"],
                                                    cn, org), 0o600)
            say("certificate embedded in the kubeconfig file for %s renewed" % name)
            continue
        crt = pki.path(base, "crt")
        if not os.path.exists(crt):
            continue
        spec = next(l for l in pki.LEAVES if l[5] == base)
        sans = pki.sans_of(crt)
        cn = pki.subject_cn(crt)
        new_crt, key = pki.sign(pki.CAS[spec[1]][0], cn, spec[3], spec[4], sans)
        pki.write_file(pki.path(base, "key"), key, 0o600)
        pki.write_file(crt, new_crt, 0o644)
        say("certificate %s renewed" % name)
    say("\nDone renewing certificates. You must restart the kube-apiserver, "
        "kube-controller-manager, kube-scheduler and etcd, so that they can use the new "
        "certificates.")
    return 0


def drop_verbosity(argv):
    """Removes kubeadm's global -v/--v LEVEL flag, which every real subcommand accepts."""
    args = []
    skip = False
    for a in argv:
        if skip:
            skip = False
        elif a in ("-v", "--v"):
            skip = True
        elif not a.startswith(("--v=", "-v=")):
            args.append(a)
    return args


SECRET_FLAGS = ("--token", "--discovery-token", "--tls-bootstrap-token", "--certificate-key")


def redacted(argv):
    out, hide = [], False
    for a in argv:
        if hide:
            out.append("<redacted>")
            hide = False
        elif a in SECRET_FLAGS:
            out.append(a)
            hide = True
        elif a.split("=", 1)[0] in SECRET_FLAGS:
            out.append(a.split("=", 1)[0] + "=<redacted>")
        elif len(a) == 23 and a[6:7] == "." and a.replace(".", "").isalnum():
            out.append("<redacted>")
        else:
            out.append(a)
    return out


def logline(text):
    try:
        with open(LOG_FILE, "a") as f:
            f.write(text + "\n")
    except OSError:
        pass


def dispatch(args):
    if not args or args[0] in ("help", "--help", "-h"):
        print(USAGE.format(v=VERSION, rest=", ".join(
            c for c in REAL_SUBCOMMANDS if c not in IMPLEMENTED)), end="")
        return 0
    cmd = args[0]
    if cmd == "version":
        return cmd_version(args[1:])
    handlers = {"init": cmd_init, "join": cmd_join, "token": cmd_token, "reset": cmd_reset,
                "certs": cmd_certs}
    if cmd in handlers:
        if len(args) > 1 and args[1] == "phase":
            print("kubeadm %s phase: not implemented by this stand-in yet" % cmd, file=sys.stderr)
            return 1
        try:
            return handlers[cmd](args[1:])
        except Fail as e:
            print(str(e) + "\nTo see the stack trace of this error execute with --v=5 or higher",
                  file=sys.stderr)
            return 1
    if cmd in REAL_SUBCOMMANDS:
        print("kubeadm %s: not implemented by this stand-in yet" % cmd, file=sys.stderr)
        return 1
    print('unknown command "%s" for "kubeadm"' % cmd, file=sys.stderr)
    return 1


def main(argv):
    import signal
    signal.signal(signal.SIGPIPE, signal.SIG_DFL)  # `kubeadm ... | grep -q` is not an error
    args = drop_verbosity(argv)
    start = time.time()
    stamp = lambda t: time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(t)) + ".%03dZ" % (
        int(t * 1000) % 1000)
    logline("START %s pid=%d kubeadm %s" % (stamp(start), os.getpid(), " ".join(redacted(argv))))
    rc = 1
    try:
        rc = dispatch(args)
    finally:
        logline("END %s pid=%d rc=%d" % (stamp(time.time()), os.getpid(), rc))
    return rc


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
