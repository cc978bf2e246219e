#!/usr/bin/python3
# Test stand-in for the kubelet, installed as /usr/bin/kubelet by the "kubelet" deb of the test
# fleet's apt repository (tests/aptrepo/build-repo.sh; docs/test-packages.md). The real kubelet
# cannot run in the fleet (no registry offers it, and hosts run no containers).
#
# Contract kept (real kubelet v1.34):
#   - `kubelet --version` prints "Kubernetes v1.34.2" (the package's upstream version, written
#     into @VERSION@ when the deb is built); `--version=raw` prints the version.Info JSON.
#   - The command line of the kubeadm drop-in (10-kubeadm.conf) and kubeadm-flags.env:
#     --config, --kubeconfig, --bootstrap-kubeconfig, --node-ip, --hostname-override,
#     --node-labels, --register-with-taints; other flags are accepted and ignored.
#   - Before kubeadm has written its config it fails like the real one ("failed to load
#     kubelet config file"), and with neither kubeconfig nor bootstrap kubeconfig present
#     ("unable to load bootstrap kubeconfig"), so systemd (Restart=always) crash-loops it.
#   - TLS bootstrap: with only --bootstrap-kubeconfig, it makes a key and a CSR for
#     system:node:<name> (signer kubernetes.io/kube-apiserver-client-kubelet), waits for the
#     certificate, writes /var/lib/kubelet/pki/kubelet-client-current.pem and --kubeconfig
#     pointing at it.
#   - Registers its Node (labels incl. kubernetes.io/hostname, os, arch, --node-labels;
#     taints from --register-with-taints; InternalIP/Hostname addresses; nodeInfo with the
#     kubelet version; Ready/MemoryPressure/DiskPressure/PIDPressure conditions), renews its
#     Lease in kube-node-lease every 10 s (leaseDurationSeconds 40), and posts node status
#     every 10 s when it changed (e.g. after the node lifecycle controller marked it
#     Unknown), else every minute. Ready while it runs.
#   - Static pods from the config's staticPodPath (default /etc/kubernetes/manifests), one
#     container each, as systemd transient services (the stand-in's container runtime), so
#     that, like containerd's containers, they survive a kubelet stop or restart and are
#     adopted again; a changed manifest restarts its pod, a removed one stops it. Images map
#     to programs: registry.k8s.io/etcd -> Debian's /usr/bin/etcd with the manifest's
#     command; kube-apiserver, kube-controller-manager, kube-scheduler -> the Python
#     stand-ins shipped in this deb (/usr/lib/kubelet-standin/), with the image tag as their
#     version. Mirror pods in the API show each static pod as Running or Failed.
# Left out: pods from the API (no scheduling, no containers, no CNI: the node is Ready
#   without a network plugin, unlike the real one), probes, volumes, cgroups, eviction,
#   certificate rotation, the read-only and authenticated kubelet ports (10250).
import hashlib
import json
import os
import platform
import shutil
import signal
import socket
import subprocess
import sys
import time

_here = os.path.dirname(os.path.realpath(__file__))
sys.path.insert(0, os.path.join(_here, "..", "lib", "kubelet-standin"))  # installed: /usr/bin
sys.path.insert(0, os.path.join(_here, "..", "common"))  # source tree

VERSION = "@VERSION@"  # upstream version, e.g. 1.34.2; substituted at package build time
LIB = "/usr/lib/kubelet-standin"
PKI = "/var/lib/kubelet/pki"
UNIT_PREFIX = "kubelet-pod-"


def log(msg):
    sys.stderr.write("I%s kubelet.py] %s\n" % (time.strftime("%m%d %H:%M:%S"), msg))
    sys.stderr.flush()


def parse_flags(argv):
    """Returns a dict flag -> value for --flag=value, --flag value and boolean --flag."""
    flags = {}
    i = 0
    while i < len(argv):
        a = argv[i]
        if not a.startswith("-"):
            i += 1
            continue
        name = a.lstrip("-")
        if "=" in name:
            name, value = name.split("=", 1)
        elif i + 1 < len(argv) and not argv[i + 1].startswith("-") and name != "version":
            value = argv[i + 1]
            i += 1
        else:
            value = "true"
        flags[name] = value
        i += 1
    return flags


def print_version(mode):
    if mode == "raw":
        major, minor = VERSION.split(".")[:2]
        print(json.dumps({"major": major, "minor": minor, "gitVersion": "v" + VERSION,
                          "gitCommit": "0000000000000000000000000000000000000000",
                          "gitTreeState": "clean", "buildDate": "2025-01-01T00:00:00Z",
                          "goVersion": "go1.24.9", "compiler": "gc",
                          "platform": "linux/amd64"}))
    else:
        print("Kubernetes v" + VERSION)


def micro_now():
    t = time.time()
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(t)) + ".%06dZ" % int((t % 1) * 1e6)


def now():
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())


def run(cmd, stdin=None):
    return subprocess.run(cmd, input=stdin, capture_output=True)


# ---- static pods ----------------------------------------------------------------------------

def program_for(container):
    """argv for a static pod's container, or (None, reason)."""
    image = container.get("image", "")
    repo, _, tag = image.rpartition(":")
    base = repo.rsplit("/", 1)[-1]
    cmd = list(container.get("command") or []) + list(container.get("args") or [])
    env = {"STANDIN_KUBERNETES_VERSION": tag.lstrip("v")}
    if base == "etcd":
        if not os.path.exists("/usr/bin/etcd"):
            return None, env, "ErrImagePull: /usr/bin/etcd (Debian's etcd-server) is missing"
        return ["/usr/bin/etcd"] + cmd[1:], env, None
    scripts = {"kube-apiserver": [LIB + "/kube-apiserver/kube-apiserver.py"],
               "kube-controller-manager": [LIB + "/kube-controller-manager.py"],
               "kube-scheduler": [LIB + "/kube-controller-manager.py", "--standin-role=scheduler"]}
    if base in scripts:
        return ["/usr/bin/python3"] + scripts[base] + cmd[1:], env, None
    return None, env, "ErrImagePull: image %s is not available to this stand-in" % image


class StaticPods:
    def __init__(self, path, node):
        self.path, self.node = path, node
        self.known = {}  # manifest file -> (pod name, hash)
        self.systemd = os.path.isdir("/run/systemd/system") and shutil.which("systemd-run")
        self.procs = {}  # without systemd (tests): unit -> Popen

    def unit(self, name):
        """The pod's systemd unit: kubelet-pod-NAME, or the name start() had to pick instead."""
        try:
            return open("/run/kubelet-standin/%s.unit" % name).read().strip()
        except OSError:
            return UNIT_PREFIX + name

    def active(self, unit):
        if self.systemd:
            return run(["systemctl", "is-active", "--quiet", unit + ".service"]).returncode == 0
        p = self.procs.get(unit)
        return p is not None and p.poll() is None

    def stop(self, name):
        unit = self.unit(name)
        log("stopping static pod %s" % name)
        if self.systemd:
            run(["systemctl", "stop", unit + ".service"])
            run(["systemctl", "reset-failed", unit + ".service"])
        elif unit in self.procs:
            self.procs.pop(unit).terminate()
        for ext in ("hash", "unit"):
            try:
                os.unlink("/run/kubelet-standin/%s.%s" % (name, ext))
            except OSError:
                pass

    def start(self, name, digest, argv, env):
        unit = UNIT_PREFIX + name
        logdir = "/var/log/pods/kube-system_%s-%s" % (name, self.node)
        os.makedirs(logdir, exist_ok=True)
        os.makedirs("/run/kubelet-standin", exist_ok=True)
        log("starting static pod %s: %s" % (name, " ".join(argv[:2])))
        if self.systemd:
            props = ["--property=Restart=always", "--property=RestartSec=2",
                     "--property=StandardOutput=append:%s/0.log" % logdir,
                     "--property=StandardError=append:%s/0.log" % logdir]
            cmd = ["systemd-run", "--unit=" + unit, "--description=static pod " + name,
                   "--collect"] + props + ["--setenv=%s=%s" % kv for kv in env.items()] + argv
            r = run(cmd)
            if r.returncode != 0 and b"already loaded" in r.stderr:
                # A stopped unit systemd keeps loaded: in the fleet's containers it cannot
                # remove the unit's cgroup, so --collect never unloads it. The restart goes
                # to a unit of another name, remembered in NAME.unit (the real kubelet's new
                # container has a new ID too).
                unit = "%s%s-%d" % (UNIT_PREFIX, name, time.time() * 1000)
                cmd[1] = "--unit=" + unit
                r = run(cmd)
            if r.returncode != 0:
                log("systemd-run %s: %s" % (unit, r.stderr.decode().strip()))
                return
            with open("/run/kubelet-standin/%s.unit" % name, "w") as f:
                f.write(unit)
        else:
            out = open(logdir + "/0.log", "ab")
            self.procs[unit] = subprocess.Popen(argv, stdout=out, stderr=out,
                                                env=dict(os.environ, **env),
                                                start_new_session=True)
        with open("/run/kubelet-standin/%s.hash" % name, "w") as f:
            f.write(digest)

    def sync(self):
        """One pass: start new or changed manifests, stop removed ones. Returns pod states."""
        states = {}
        seen = set()
        try:
            files = sorted(f for f in os.listdir(self.path) if f.endswith((".yaml", ".yml",
                                                                            ".json")))
        except OSError:
            files = []
        from kubeclient import load_yaml
        for f in files:
            full = os.path.join(self.path, f)
            try:
                raw = open(full, "rb").read()
                pod = load_yaml(raw.decode())
                name = pod["metadata"]["name"]
                container = pod["spec"]["containers"][0]
            except (OSError, ValueError, KeyError, IndexError, TypeError) as e:
                log("could not read static pod manifest %s: %s" % (full, e))
                continue
            digest = hashlib.sha256(raw).hexdigest()
            seen.add(name)
            argv, env, err = program_for(container)
            if err:
                states[name] = (pod, "Failed", err)
                continue
            try:
                old = open("/run/kubelet-standin/%s.hash" % name).read()
            except OSError:
                old = None
            if old != digest or not self.active(self.unit(name)):
                if old is not None:
                    self.stop(name)
                self.start(name, digest, argv, env)
            states[name] = (pod, "Running" if self.active(self.unit(name)) else "Failed", "")
        # Pods whose manifest is gone: every unit of ours that is not in the directory.
        for name in self.running_names() - seen:
            self.stop(name)
        return states

    def running_names(self):
        names = set()
        try:
            for f in os.listdir("/run/kubelet-standin"):
                if f.endswith(".hash"):
                    names.add(f[:-5])
        except OSError:
            pass
        return names


# ---- node ---------------------------------------------------------------------------------

def node_ip(flags):
    """--node-ip, else the source address toward the API server (the real kubelet picks the
    address of the default route's interface; fleet hosts have no default route), else the
    first global IPv4 address."""
    if flags.get("node-ip"):
        return flags["node-ip"].split(",")[0]
    for target in (flags.get("_server_host"), "10.255.255.255"):
        if not target:
            continue
        try:
            s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            s.connect((target, 6443))  # no packet is sent: it only picks the source address
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


def os_image():
    try:
        for line in open("/etc/os-release"):
            if line.startswith("PRETTY_NAME="):
                return line.split("=", 1)[1].strip().strip('"')
    except OSError:
        pass
    return "Linux"


def runtime_version():
    try:
        out = run(["containerd", "--version"]).stdout.decode().split()
        return "containerd://" + out[2].lstrip("v")
    except (OSError, IndexError):
        return "containerd://unknown"


def parse_taints(text):
    taints = []
    for t in filter(None, (text or "").split(",")):
        kv, _, effect = t.partition(":")
        k, _, v = kv.partition("=")
        taint = {"key": k, "effect": effect or "NoSchedule"}
        if v:
            taint["value"] = v
        taints.append(taint)
    return taints


def node_object(name, flags):
    labels = {"kubernetes.io/hostname": name, "kubernetes.io/os": "linux",
              "kubernetes.io/arch": "amd64", "beta.kubernetes.io/os": "linux",
              "beta.kubernetes.io/arch": "amd64"}
    for kv in filter(None, flags.get("node-labels", "").split(",")):
        k, _, v = kv.partition("=")
        labels[k] = v
    node = {"apiVersion": "v1", "kind": "Node",
            "metadata": {"name": name, "labels": labels,
                         "annotations": {"volumes.kubernetes.io/controller-managed-attach-detach":
                                         "true"}},
            "spec": {}, "status": node_status(name, flags)}
    taints = parse_taints(flags.get("register-with-taints"))
    if taints:
        node["spec"]["taints"] = taints
    return node


def node_status(name, flags):
    t = now()
    conds = [{"type": typ, "status": "False", "reason": reason, "message": msg,
              "lastHeartbeatTime": t, "lastTransitionTime": t} for typ, reason, msg in (
        ("MemoryPressure", "KubeletHasSufficientMemory", "kubelet has sufficient memory available"),
        ("DiskPressure", "KubeletHasNoDiskPressure", "kubelet has no disk pressure"),
        ("PIDPressure", "KubeletHasSufficientPID", "kubelet has sufficient PID available"))]
    conds.append({"type": "Ready", "status": "True", "reason": "KubeletReady",
                  "message": "kubelet is posting ready status", "lastHeartbeatTime": t,
                  "lastTransitionTime": t})
    return {"addresses": [{"type": "InternalIP", "address": node_ip(flags)},
                          {"type": "Hostname", "address": name}],
            "capacity": {"cpu": str(os.cpu_count() or 1), "memory": "4Gi", "pods": "110"},
            "allocatable": {"cpu": str(os.cpu_count() or 1), "memory": "4Gi", "pods": "110"},
            "conditions": conds, "daemonEndpoints": {"kubeletEndpoint": {"Port": 10250}},
            "nodeInfo": {"architecture": "amd64", "operatingSystem": "linux",
                         "osImage": os_image(), "kernelVersion": platform.release(),
                         "kubeletVersion": "v" + VERSION, "kubeProxyVersion": "",
                         "containerRuntimeVersion": runtime_version(),
                         "machineID": _read("/etc/machine-id"), "systemUUID": "",
                         "bootID": _read("/proc/sys/kernel/random/boot_id")}}


def _read(path):
    try:
        return open(path).read().strip()
    except OSError:
        return ""


def tls_bootstrap(bootstrap_path, kubeconfig_path, name):
    """Gets a client certificate for system:node:<name> through a CSR, writes kubeconfig."""
    from kubeclient import Client, dump_yaml, kubeconfig, load_yaml
    import base64
    os.makedirs(PKI, exist_ok=True)
    key = os.path.join(PKI, "kubelet-client.key.tmp")
    # The real kubelet makes an ECDSA P-256 key for its client certificate.
    if run(["openssl", "genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256",
            "-out", key]).returncode != 0:
        raise RuntimeError("openssl genpkey failed")
    csr = run(["openssl", "req", "-new", "-key", key, "-subj",
               "/O=system:nodes/CN=system:node:%s" % name]).stdout
    client = Client.from_kubeconfig(bootstrap_path)
    csr_name = "node-csr-" + hashlib.sha256(csr).hexdigest()[:16]
    client.create("/apis/certificates.k8s.io/v1/certificatesigningrequests", {
        "apiVersion": "certificates.k8s.io/v1", "kind": "CertificateSigningRequest",
        "metadata": {"name": csr_name},
        "spec": {"request": base64.b64encode(csr).decode(),
                 "signerName": "kubernetes.io/kube-apiserver-client-kubelet",
                 "usages": ["digital signature", "client auth"]}})
    log("TLS bootstrap: waiting for CSR %s to be signed" % csr_name)
    for _ in range(300):
        c = client.get("/apis/certificates.k8s.io/v1/certificatesigningrequests/" + csr_name)
        cert = c.get("status", {}).get("certificate")
        if cert:
            pem = base64.b64decode(cert) + open(key, "rb").read()
            path = os.path.join(PKI, "kubelet-client-current.pem")
            with open(path + ".tmp", "wb") as f:
                f.write(pem)
            os.chmod(path + ".tmp", 0o600)
            os.rename(path + ".tmp", path)
            os.unlink(key)
            with open(bootstrap_path) as f:
                boot = load_yaml(f.read())
            cluster = boot["clusters"][0]["cluster"]
            cfg = kubeconfig(cluster["server"], base64.b64decode(
                cluster["certificate-authority-data"]), "default-auth")
            cfg["users"][0]["user"] = {"client-certificate": path, "client-key": path}
            cfg["contexts"][0]["name"] = cfg["current-context"] = "default-context"
            cfg["clusters"][0]["name"] = cfg["contexts"][0]["context"]["cluster"] = \
                "default-cluster"
            with open(kubeconfig_path + ".tmp", "w") as f:
                f.write(dump_yaml(cfg))
            os.chmod(kubeconfig_path + ".tmp", 0o600)
            os.rename(kubeconfig_path + ".tmp", kubeconfig_path)
            return
        time.sleep(1)
    raise RuntimeError("TLS bootstrap: CSR %s was not signed in time" % csr_name)


class NodeAgent:
    def __init__(self, kubeconfig_path, name, flags):
        from kubeclient import Client
        self.client = Client.from_kubeconfig(kubeconfig_path, timeout=10)
        self.name, self.flags = name, flags
        self.registered = False
        self.last_status = 0
        self.mirror_uids = {}

    def register(self):
        from kubeclient import APIError
        try:
            self.client.create("/api/v1/nodes", node_object(self.name, self.flags))
            log("Successfully registered node %s" % self.name)
        except APIError as e:
            if e.code != 409:
                raise
        self.registered = True

    def renew_lease(self):
        from kubeclient import APIError
        path = "/apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases/" + self.name
        spec = {"holderIdentity": self.name, "leaseDurationSeconds": 40,
                "renewTime": micro_now()}
        try:
            self.client.merge_patch(path, {"spec": spec})
        except APIError as e:
            if e.code != 404:
                raise
            node = self.client.get("/api/v1/nodes/" + self.name)
            self.client.create("/apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases", {
                "apiVersion": "coordination.k8s.io/v1", "kind": "Lease",
                "metadata": {"name": self.name, "namespace": "kube-node-lease",
                             "ownerReferences": [{"apiVersion": "v1", "kind": "Node",
                                                  "name": self.name,
                                                  "uid": node["metadata"]["uid"]}]},
                "spec": spec})

    def post_status(self):
        node = self.client.get("/api/v1/nodes/" + self.name)
        conds = {c["type"]: c for c in node.get("status", {}).get("conditions", [])}
        ready = conds.get("Ready", {}).get("status") == "True"
        if ready and time.time() - self.last_status < 60:
            return
        status = node_status(self.name, self.flags)
        if ready:  # keep transition times of conditions that did not change
            for c in status["conditions"]:
                old = conds.get(c["type"])
                if old and old.get("status") == c["status"]:
                    c["lastTransitionTime"] = old.get("lastTransitionTime", c["lastTransitionTime"])
        else:
            log("node %s: posting Ready status" % self.name)
        self.client.merge_patch("/api/v1/nodes/%s/status" % self.name, {"status": status})
        self.last_status = time.time()

    def mirror(self, states):
        from kubeclient import APIError
        for name, (pod, phase, reason) in states.items():
            pname = "%s-%s" % (name, self.name)
            path = "/api/v1/namespaces/kube-system/pods/" + pname
            status = {"phase": phase, "hostIP": node_ip(self.flags)}
            if reason:
                status["reason"], status["message"] = "Failed", reason
            try:
                cur = self.client.get_or_none(path)
                if cur is None:
                    meta = dict(pod.get("metadata", {}), name=pname, namespace="kube-system")
                    meta.setdefault("annotations", {})["kubernetes.io/config.mirror"] = "standin"
                    self.client.create("/api/v1/namespaces/kube-system/pods", {
                        "apiVersion": "v1", "kind": "Pod", "metadata": meta,
                        "spec": dict(pod.get("spec", {}), nodeName=self.name)})
                    cur = {"status": {}}
                if cur.get("status", {}).get("phase") != phase:
                    self.client.merge_patch(path + "/status", {"status": status})
            except APIError as e:
                log("mirror pod %s: %s" % (pname, e))


def main(argv):
    flags = parse_flags(argv)
    if "version" in flags and flags["version"] != "false":
        print_version(flags["version"])
        return 0
    config_path = flags.get("config")
    if config_path is None:
        print("kubelet: standalone mode (no --config) is not implemented by this stand-in",
              file=sys.stderr)
        return 1
    try:
        with open(config_path, "rb") as f:
            raw = f.read()
    except OSError as e:
        print('E run.go:72] "command failed" err="failed to load kubelet config file, '
              'path: %s, error: failed to load Kubelet config file %s, error failed to read '
              'kubelet config file \\"%s\\", error: %s"' % (config_path, config_path,
                                                          config_path, e), file=sys.stderr)
        return 1
    from kubeclient import load_yaml
    try:
        config = load_yaml(raw.decode()) or {}
        if config.get("kind") != "KubeletConfiguration":
            raise ValueError("kind is %r, not KubeletConfiguration" % config.get("kind"))
    except ValueError as e:
        print('E run.go:72] "command failed" err="failed to load kubelet config file, '
              'path: %s, error: %s"' % (config_path, e), file=sys.stderr)
        return 1
    kubeconfig_path = flags.get("kubeconfig")
    bootstrap = flags.get("bootstrap-kubeconfig")
    name = (flags.get("hostname-override") or socket.gethostname()).lower()
    if kubeconfig_path and not os.path.exists(kubeconfig_path):
        if not bootstrap or not os.path.exists(bootstrap):
            print('E run.go:72] "command failed" err="failed to run Kubelet: unable to load '
                  'bootstrap kubeconfig: stat %s: no such file or directory"'
                  % (bootstrap or kubeconfig_path), file=sys.stderr)
            return 1
        tls_bootstrap(bootstrap, kubeconfig_path, name)
    pods = StaticPods(config.get("staticPodPath", "/etc/kubernetes/manifests"), name)
    agent = NodeAgent(kubeconfig_path, name, flags) if kubeconfig_path else None
    if agent is not None:
        flags["_server_host"] = agent.client.host
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    log("kubelet stand-in v%s starting for node %s" % (VERSION, name))
    next_lease = 0
    while True:
        states = pods.sync()
        if agent is not None:
            try:
                if not agent.registered:
                    agent.register()
                if time.time() >= next_lease:
                    agent.renew_lease()
                    agent.post_status()
                    next_lease = time.time() + 10
                agent.mirror(states)
            except Exception as e:  # API unreachable (e.g. our apiserver still starting)
                log("node status: %s" % e)
        time.sleep(2)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
