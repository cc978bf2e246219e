# kubeadm.k8s.io/v1beta4 configuration of the kubeadm test stand-in: the documents it
# accepts, strict field checking (an unknown field, such as podSubnet under apiServer, is
# an error with the wording of kubeadm's strict decoder: 'strict decoding error: unknown
# field "apiServer.podSubnet"'; real `kubeadm init` may only warn about it, while
# `kubeadm config validate` fails: the stand-in fails, so a bad config never passes a test),
# defaults, and the static pod manifests kubeadm writes.
import json

GROUP = "kubeadm.k8s.io/v1beta4"
ARGS = [{"name": None, "value": None}]  # v1beta4 extraArgs: a list of name/value
ENVS = [{"name": None, "value": None}]
VOLUMES = [{"name": None, "hostPath": None, "mountPath": None, "readOnly": None,
            "pathType": None}]
TAINTS = [{"key": None, "value": None, "effect": None, "timeAdded": None}]
NODE_REG = {"name": None, "criSocket": None, "taints": TAINTS, "kubeletExtraArgs": ARGS,
            "ignorePreflightErrors": None, "imagePullPolicy": None, "imagePullSerial": None}
ENDPOINT = {"advertiseAddress": None, "bindPort": None}
TIMEOUTS = {k: None for k in ("controlPlaneComponentHealthCheck", "kubeletHealthCheck",
                              "kubernetesAPICall", "etcdAPICall", "tlsBootstrap", "discovery",
                              "upgradeManifests")}
COMPONENT = {"extraArgs": ARGS, "extraEnvs": ENVS, "extraVolumes": VOLUMES}
SCHEMAS = {
    "InitConfiguration": {
        "bootstrapTokens": [{"token": None, "description": None, "ttl": None, "expires": None,
                             "usages": None, "groups": None}],
        "dryRun": None, "nodeRegistration": NODE_REG, "localAPIEndpoint": ENDPOINT,
        "certificateKey": None, "skipPhases": None, "patches": {"directory": None},
        "timeouts": TIMEOUTS},
    "ClusterConfiguration": {
        "etcd": {"local": {"imageRepository": None, "imageTag": None, "dataDir": None,
                           "extraArgs": ARGS, "extraEnvs": ENVS, "serverCertSANs": None,
                           "peerCertSANs": None},
                 "external": {"endpoints": None, "caFile": None, "certFile": None,
                              "keyFile": None}},
        "networking": {"serviceSubnet": None, "podSubnet": None, "dnsDomain": None},
        "kubernetesVersion": None, "controlPlaneEndpoint": None,
        "apiServer": dict(COMPONENT, certSANs=None), "controllerManager": COMPONENT,
        "scheduler": COMPONENT, "dns": {"disabled": None, "imageRepository": None,
                                        "imageTag": None},
        "proxy": {"disabled": None}, "certificatesDir": None, "imageRepository": None,
        "featureGates": {}, "clusterName": None, "encryptionAlgorithm": None,
        "certificateValidityPeriod": None, "caCertificateValidityPeriod": None},
    "JoinConfiguration": {
        "dryRun": None, "nodeRegistration": NODE_REG, "caCertPath": None,
        "discovery": {"bootstrapToken": {"token": None, "apiServerEndpoint": None,
                                         "caCertHashes": None,
                                         "unsafeSkipCAVerification": None},
                      "file": {"kubeConfigPath": None}, "tlsBootstrapToken": None},
        "controlPlane": {"localAPIEndpoint": ENDPOINT, "certificateKey": None},
        "skipPhases": None, "patches": {"directory": None}, "timeouts": TIMEOUTS},
    "ResetConfiguration": {
        "cleanupTmpDir": None, "certificatesDir": None, "criSocket": None, "dryRun": None,
        "force": None, "ignorePreflightErrors": None, "skipPhases": None,
        "unmountFlags": None, "timeouts": TIMEOUTS},
}
# Component configs kubeadm passes through (their own schemas are not checked here).
COMPONENT_CONFIGS = {"kubelet.config.k8s.io/v1beta1": "KubeletConfiguration",
                     "kubeproxy.config.k8s.io/v1alpha1": "KubeProxyConfiguration"}


class ConfigError(Exception):
    pass


def _check(value, schema, where, errors):
    if schema is None or schema == {}:
        return
    if isinstance(schema, list):
        if not isinstance(value, list):
            errors.append('strict decoding error: field "%s" must be a list' % where)
            return
        for i, v in enumerate(value):
            _check(v, schema[0], where, errors)
        return
    if not isinstance(value, dict):
        errors.append('strict decoding error: field "%s" must be an object' % where)
        return
    for k, v in value.items():
        if k not in schema:
            errors.append('strict decoding error: unknown field "%s"' % (
                (where + "." if where else "") + k))
        else:
            _check(v, schema[k], (where + "." if where else "") + k, errors)


def parse(text, load_yaml_all):
    """Returns {kind: document} of a multi-document config, or raises ConfigError."""
    docs = {}
    for doc in load_yaml_all(text):
        if doc is None:
            continue
        if not isinstance(doc, dict):
            raise ConfigError("invalid configuration: not a YAML object")
        api, kind = doc.get("apiVersion"), doc.get("kind")
        if not api or not kind:
            raise ConfigError("invalid configuration for GroupVersionKind /, Kind=: kind and "
                              "apiVersion is mandatory information that must be specified")
        if api in COMPONENT_CONFIGS:
            if COMPONENT_CONFIGS[api] != kind:
                raise ConfigError('no kind "%s" is registered for version "%s"' % (kind, api))
            docs[kind] = doc
            continue
        if api.startswith("kubeadm.k8s.io/") and api != GROUP:
            raise ConfigError('this version of kubeadm only supports deprecated and current '
                              'API versions; %s is not supported by this stand-in (only %s)'
                              % (api, GROUP))
        if api != GROUP:
            raise ConfigError('no kind "%s" is registered for version "%s"' % (kind, api))
        if kind not in SCHEMAS:
            raise ConfigError('no kind "%s" is registered for version "%s" in scheme '
                              '"k8s.io/kubernetes/cmd/kubeadm/app/apis/kubeadm/scheme/scheme.go:31"'
                              % (kind, api))
        errors = []
        body = {k: v for k, v in doc.items() if k not in ("apiVersion", "kind")}
        _check(body, SCHEMAS[kind], "", errors)
        if errors:
            raise ConfigError("%s, Kind=%s: %s" % (api, kind, "; ".join(errors)))
        docs[kind] = doc
    return docs


def args_dict(args):
    """v1beta4 extraArgs (list of name/value) as a dict."""
    if isinstance(args, dict):
        raise ConfigError("extraArgs must be a list of {name, value} in %s" % GROUP)
    return {a["name"]: a.get("value", "") for a in (args or [])}


def defaults(cluster, version):
    c = json.loads(json.dumps(cluster or {}))
    c.setdefault("apiVersion", GROUP)
    c.setdefault("kind", "ClusterConfiguration")
    c.setdefault("kubernetesVersion", "v" + version)
    if not str(c["kubernetesVersion"]).startswith("v"):
        c["kubernetesVersion"] = "v" + str(c["kubernetesVersion"])
    n = c.setdefault("networking", {})
    n.setdefault("serviceSubnet", "10.96.0.0/12")
    n.setdefault("dnsDomain", "cluster.local")
    c.setdefault("certificatesDir", "/etc/kubernetes/pki")
    c.setdefault("imageRepository", "registry.k8s.io")
    c.setdefault("clusterName", "kubernetes")
    c.setdefault("etcd", {}).setdefault("local", {}).setdefault("dataDir", "/var/lib/etcd")
    for k in ("apiServer", "controllerManager", "scheduler", "dns", "proxy"):
        c.setdefault(k, {})
    c.setdefault("controlPlaneEndpoint", "")
    return c


def first_service_ip(subnet):
    base = subnet.split(",")[0].split("/")[0]
    a, b, cc, d = (int(x) for x in base.split("."))
    return "%d.%d.%d.%d" % (a, b, cc, d + 1)


def _pod(name, image, command, annotations=None, extra_env=None):
    env = [{"name": e["name"], "value": e.get("value", "")} for e in (extra_env or [])]
    c = {"name": name, "image": image, "imagePullPolicy": "IfNotPresent", "command": command}
    if env:
        c["env"] = env
    return {"apiVersion": "v1", "kind": "Pod",
            "metadata": {"annotations": annotations or {},
                         "labels": {"component": name, "tier": "control-plane"},
                         "name": name, "namespace": "kube-system"},
            "spec": {"containers": [c], "hostNetwork": True, "priority": 2000001000,
                     "priorityClassName": "system-node-critical",
                     "securityContext": {"seccompProfile": {"type": "RuntimeDefault"}}},
            "status": {}}


def _flags(defaults_, extra):
    merged = dict(defaults_)
    merged.update(extra)
    return ["--%s=%s" % (k, v) for k, v in sorted(merged.items())]


def etcd_manifest(cluster, node, ip, initial_cluster, state):
    local = cluster["etcd"]["local"]
    pki = cluster["certificatesDir"]
    flags = {
        "advertise-client-urls": "https://%s:2379" % ip,
        "cert-file": pki + "/etcd/server.crt", "client-cert-auth": "true",
        "data-dir": local.get("dataDir", "/var/lib/etcd"),
        "initial-advertise-peer-urls": "https://%s:2380" % ip,
        "initial-cluster": initial_cluster, "key-file": pki + "/etcd/server.key",
        "listen-client-urls": "https://127.0.0.1:2379,https://%s:2379" % ip,
        "listen-metrics-urls": "http://127.0.0.1:2381",
        "listen-peer-urls": "https://%s:2380" % ip, "name": node,
        "peer-cert-file": pki + "/etcd/peer.crt", "peer-client-cert-auth": "true",
        "peer-key-file": pki + "/etcd/peer.key", "peer-trusted-ca-file": pki + "/etcd/ca.crt",
        "snapshot-count": "10000", "trusted-ca-file": pki + "/etcd/ca.crt"}
    if state == "existing":
        flags["initial-cluster-state"] = "existing"
    return _pod("etcd", "%s/etcd:3.6.4-0" % cluster["imageRepository"],
                ["etcd"] + _flags(flags, args_dict(local.get("extraArgs"))),
                {"kubeadm.kubernetes.io/etcd.advertise-client-urls": "https://%s:2379" % ip},
                local.get("extraEnvs"))


def apiserver_manifest(cluster, ip, port):
    pki = cluster["certificatesDir"]
    a = cluster["apiServer"]
    flags = {
        "advertise-address": ip, "allow-privileged": "true",
        "authorization-mode": "Node,RBAC", "client-ca-file": pki + "/ca.crt",
        "enable-admission-plugins": "NodeRestriction", "enable-bootstrap-token-auth": "true",
        "etcd-cafile": pki + "/etcd/ca.crt", "etcd-certfile": pki + "/apiserver-etcd-client.crt",
        "etcd-keyfile": pki + "/apiserver-etcd-client.key",
        "etcd-servers": "https://127.0.0.1:2379",
        "kubelet-client-certificate": pki + "/apiserver-kubelet-client.crt",
        "kubelet-client-key": pki + "/apiserver-kubelet-client.key",
        "kubelet-preferred-address-types": "InternalIP,ExternalIP,Hostname",
        "proxy-client-cert-file": pki + "/front-proxy-client.crt",
        "proxy-client-key-file": pki + "/front-proxy-client.key",
        "requestheader-allowed-names": "front-proxy-client",
        "requestheader-client-ca-file": pki + "/front-proxy-ca.crt",
        "requestheader-extra-headers-prefix": "X-Remote-Extra-",
        "requestheader-group-headers": "X-Remote-Group",
        "requestheader-username-headers": "X-Remote-User", "secure-port": str(port),
        "service-account-issuer": "https://kubernetes.default.svc.%s"
                                  % cluster["networking"]["dnsDomain"],
        "service-account-key-file": pki + "/sa.pub",
        "service-account-signing-key-file": pki + "/sa.key",
        "service-cluster-ip-range": cluster["networking"]["serviceSubnet"],
        "tls-cert-file": pki + "/apiserver.crt", "tls-private-key-file": pki + "/apiserver.key"}
    return _pod("kube-apiserver", "%s/kube-apiserver:%s" % (cluster["imageRepository"],
                                                            cluster["kubernetesVersion"]),
                ["kube-apiserver"] + _flags(flags, args_dict(a.get("extraArgs"))),
                {"kubeadm.kubernetes.io/kube-apiserver.advertise-address.endpoint":
                 "%s:%d" % (ip, port)}, a.get("extraEnvs"))


def controller_manager_manifest(cluster):
    pki = cluster["certificatesDir"]
    cm = cluster["controllerManager"]
    flags = {
        "authentication-kubeconfig": "/etc/kubernetes/controller-manager.conf",
        "authorization-kubeconfig": "/etc/kubernetes/controller-manager.conf",
        "bind-address": "127.0.0.1", "client-ca-file": pki + "/ca.crt",
        "cluster-name": cluster["clusterName"],
        "cluster-signing-cert-file": pki + "/ca.crt", "cluster-signing-key-file": pki + "/ca.key",
        "controllers": "*,bootstrapsigner,tokencleaner",
        "kubeconfig": "/etc/kubernetes/controller-manager.conf", "leader-elect": "true",
        "requestheader-client-ca-file": pki + "/front-proxy-ca.crt",
        "root-ca-file": pki + "/ca.crt",
        "service-account-private-key-file": pki + "/sa.key", "use-service-account-credentials": "true"}
    if cluster["networking"].get("podSubnet"):
        flags["allocate-node-cidrs"] = "true"
        flags["cluster-cidr"] = cluster["networking"]["podSubnet"]
        flags["service-cluster-ip-range"] = cluster["networking"]["serviceSubnet"]
    return _pod("kube-controller-manager", "%s/kube-controller-manager:%s" % (
        cluster["imageRepository"], cluster["kubernetesVersion"]),
        ["kube-controller-manager"] + _flags(flags, args_dict(cm.get("extraArgs"))),
        None, cm.get("extraEnvs"))


def scheduler_manifest(cluster):
    s = cluster["scheduler"]
    flags = {"authentication-kubeconfig": "/etc/kubernetes/scheduler.conf",
             "authorization-kubeconfig": "/etc/kubernetes/scheduler.conf",
             "bind-address": "127.0.0.1", "kubeconfig": "/etc/kubernetes/scheduler.conf",
             "leader-elect": "true"}
    return _pod("kube-scheduler", "%s/kube-scheduler:%s" % (cluster["imageRepository"],
                                                            cluster["kubernetesVersion"]),
                ["kube-scheduler"] + _flags(flags, args_dict(s.get("extraArgs"))), None,
                s.get("extraEnvs"))


def kubelet_config(cluster, user):
    c = {"apiVersion": "kubelet.config.k8s.io/v1beta1", "kind": "KubeletConfiguration",
         "authentication": {"anonymous": {"enabled": False}, "webhook": {"enabled": True},
                            "x509": {"clientCAFile": cluster["certificatesDir"] + "/ca.crt"}},
         "authorization": {"mode": "Webhook"}, "cgroupDriver": "systemd",
         "clusterDNS": [_dns_ip(cluster["networking"]["serviceSubnet"])],
         "clusterDomain": cluster["networking"]["dnsDomain"],
         "containerRuntimeEndpoint": "", "rotateCertificates": True,
         "staticPodPath": "/etc/kubernetes/manifests"}
    c.update({k: v for k, v in (user or {}).items() if k not in ("apiVersion", "kind")})
    return c


def _dns_ip(subnet):
    base = subnet.split(",")[0].split("/")[0]
    a, b, cc, d = (int(x) for x in base.split("."))
    return "%d.%d.%d.%d" % (a, b, cc, d + 10)
