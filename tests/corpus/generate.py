#!/usr/bin/env python3
"""Writes tests/corpus/manifests/: bad manifests, each rejected by `piherd validate` with exit 1.

Every case is one file: the valid set of valid.yaml (a Cluster, a VirtualIP, a Machine) with
one thing broken, and `# expect: TEXT` comment lines naming what stderr must contain (the
object and field path of the diagnostic). tests/unit/hostile_corpus_test.cc runs them all.
The files are checked in; rerun this after changing it (it needs PyYAML, found on the
developer's machine; the build and the tests do not).
  python3 tests/corpus/generate.py
"""
import copy
import os
import yaml

HERE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "manifests")

CLUSTER = {
    "apiVersion": "piherd.io/v1alpha1", "kind": "Cluster", "metadata": {"name": "home"},
    "spec": {
        "kubernetesVersion": "1.34.2",
        "controlPlaneEndpoint": "192.168.3.10:6443",
        "networking": {"podSubnet": "10.244.0.0/16", "serviceSubnet": "10.96.0.0/12",
                       "dnsDomain": "cluster.local"},
        "kernel": {"sysctls": {"vm.swappiness": "10", "net.ipv4.tcp_rmem": "4096 87380 6291456"},
                   "modules": ["wireguard"]},
        "runtime": {"cgroupDriver": "systemd"},
        "packages": {"repository": "https://pkgs.k8s.io/core:/stable:/v1.34/deb/",
                     "signingKey": "https://pkgs.k8s.io/core:/stable:/v1.34/deb/Release.key"},
        "certificates": {"extraSANs": ["api.home.arpa", "192.168.3.9"], "renewBeforeDays": 30},
        "cni": {"calico": {"manifest": "calico/calico.yaml", "mode": "BGP"}},
        "ssh": {"user": "ubuntu", "port": 22, "privateKeyFile": "~/.ssh/id_ed25519",
                "knownHostsFile": "~/.ssh/known_hosts"},
    },
}
VIP = {
    "apiVersion": "piherd.io/v1alpha1", "kind": "VirtualIP", "metadata": {"name": "apiserver"},
    "spec": {"cluster": "home", "address": "192.168.3.10/24", "port": 6443, "interface": "eth0",
             "virtualRouterID": 51, "vrrpVersion": 2, "advertIntervalSeconds": 1,
             "authPasswordFile": "secrets/vrrp.pass"},
}
MACHINE = {
    "apiVersion": "piherd.io/v1alpha1", "kind": "Machine",
    "metadata": {"name": "master01", "labels": {"rack": "shelf-1"}},
    "spec": {
        "cluster": "home", "role": "control-plane", "address": "192.168.3.11",
        "ssh": {"user": "pi", "port": 22, "privateKeyFile": "keys/pi", "knownHostsFile": "known_hosts",
                "hostKey": "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl root@master01"},
        "labels": {"topology.kubernetes.io/zone": "shelf-1"},
        "taints": [{"key": "dedicated", "value": "infra", "effect": "NoSchedule"}],
    },
}
OBJECTS = {"Cluster/home": CLUSTER, "VirtualIP/apiserver": VIP, "Machine/master01": MACHINE}


def dump(objects):
    return yaml.safe_dump_all(objects, sort_keys=False, default_flow_style=False, width=1000)


def write(name, text, expects, why):
    header = "# corpus case: %s\n" % why + "".join("# expect: %s\n" % e for e in expects)
    data = text if isinstance(text, bytes) else text.encode()
    if name.endswith(".json"):  # JSON has no comments: the header goes to a sidecar
        with open(os.path.join(HERE, name + ".expect"), "w") as f:
            f.write(header)
        header = ""
    with open(os.path.join(HERE, name), "wb") as f:
        f.write(header.encode() + data)


def mutated(obj_key, path, value, key_rename=None):
    """The three objects with objects[obj_key] at dotted `path` set to value (or, with
    key_rename, the map key at `path` renamed)."""
    objs = {k: copy.deepcopy(v) for k, v in OBJECTS.items()}
    node = objs[obj_key]
    parts = path
    for p in parts[:-1]:
        node = node[p]
    if key_rename is not None:
        node[key_rename] = node.pop(parts[-1])
    else:
        node[parts[-1]] = value
    return list(objs.values())


# One case per rule: (file, object, path parts, bad value, expected field path, why).
RULES = [
    ("sysctl-value-backtick", "Cluster/home", ["spec", "kernel", "sysctls", "vm.swappiness"], "1`reboot`", "spec.kernel.sysctls[vm.swappiness]", "the issue's sysctl value 1`reboot`"),
    ("sysctl-value-dollar", "Cluster/home", ["spec", "kernel", "sysctls", "vm.swappiness"], "$(reboot)", "spec.kernel.sysctls[vm.swappiness]", "command substitution in a sysctl value"),
    ("sysctl-value-newline", "Cluster/home", ["spec", "kernel", "sysctls", "vm.swappiness"], "10\nkernel.panic = 1", "spec.kernel.sysctls[vm.swappiness]", "a newline smuggling a second sysctl"),
    ("sysctl-value-comment", "Cluster/home", ["spec", "kernel", "sysctls", "vm.swappiness"], "10 # x", "spec.kernel.sysctls[vm.swappiness]", "sysctl.d comment syntax in a value"),
    ("sysctl-value-double-space", "Cluster/home", ["spec", "kernel", "sysctls", "net.ipv4.tcp_rmem"], "4096  87380", "spec.kernel.sysctls[net.ipv4.tcp_rmem]", "integers not separated by single spaces"),
    ("sysctl-value-empty", "Cluster/home", ["spec", "kernel", "sysctls", "vm.swappiness"], "", "spec.kernel.sysctls[vm.swappiness]", "an empty sysctl value"),
    ("sysctl-name-slash-dotdot", "Cluster/home", ["spec", "kernel", "sysctls", "net.ipv4..ip_forward"], "1", "spec.kernel.sysctls[net.ipv4..ip_forward]", "a sysctl name with an empty component"),
    ("sysctl-name-space", "Cluster/home", ["spec", "kernel", "sysctls", "vm swappiness"], "1", "spec.kernel.sysctls[vm swappiness]", "a sysctl name with a space"),
    ("module-name", "Cluster/home", ["spec", "kernel", "modules"], ["wireguard;reboot"], "spec.kernel.modules[0]", "a module name with a semicolon"),
    ("module-name-path", "Cluster/home", ["spec", "kernel", "modules"], ["../../tmp/evil"], "spec.kernel.modules[0]", "a module name that is a path"),
    ("label-key", "Machine/master01", ["spec", "labels", "topology.kubernetes.io/zone"], "shelf-1", "spec.labels[-bad/zone]", "a label key whose prefix is no DNS subdomain"),
    ("label-value", "Machine/master01", ["spec", "labels", "topology.kubernetes.io/zone"], "shelf 1", "spec.labels[topology.kubernetes.io/zone]", "a label value with a space"),
    ("label-value-long", "Machine/master01", ["spec", "labels", "topology.kubernetes.io/zone"], "a" * 64, "spec.labels[topology.kubernetes.io/zone]", "a label value of 64 characters"),
    ("metadata-label-value", "Machine/master01", ["metadata", "labels", "rack"], "-shelf", "metadata.labels[rack]", "an object label value starting with '-'"),
    ("taint-key", "Machine/master01", ["spec", "taints"], [{"key": "dedicated/", "value": "infra", "effect": "NoSchedule"}], "spec.taints[0].key", "a taint key with an empty name"),
    ("taint-value", "Machine/master01", ["spec", "taints"], [{"key": "dedicated", "value": "in fra", "effect": "NoSchedule"}], "spec.taints[0].value", "a taint value with a space"),
    ("taint-effect", "Machine/master01", ["spec", "taints"], [{"key": "dedicated", "value": "infra", "effect": "NoScheduleX"}], "spec.taints[0].effect", "a taint effect Kubernetes does not know"),
    ("extrasan", "Cluster/home", ["spec", "certificates", "extraSANs"], ["api.home.arpa", "evil host"], "spec.certificates.extraSANs[1]", "an extra SAN that is neither a DNS name nor an IP"),
    ("extrasan-upper", "Cluster/home", ["spec", "certificates", "extraSANs"], ["API_HOME"], "spec.certificates.extraSANs[0]", "an extra SAN with an underscore"),
    ("interface-too-long", "VirtualIP/apiserver", ["spec", "interface"], "enp0s31f6abcdefgh", "spec.interface", "an interface name over 15 bytes"),
    ("interface-slash", "VirtualIP/apiserver", ["spec", "interface"], "eth0/1", "spec.interface", "an interface name with '/'"),
    ("interface-colon", "VirtualIP/apiserver", ["spec", "interface"], "eth0:1", "spec.interface", "an interface alias with ':'"),
    ("interface-space", "VirtualIP/apiserver", ["spec", "interface"], "eth 0", "spec.interface", "an interface name with whitespace"),
    ("interface-dotdot", "VirtualIP/apiserver", ["spec", "interface"], "..", "spec.interface", "the interface name '..'"),
    ("ssh-user", "Machine/master01", ["spec", "ssh", "user"], "pi -oProxyCommand=x", "spec.ssh.user", "an SSH user name with an option in it"),
    ("ssh-user-upper", "Cluster/home", ["spec", "ssh", "user"], "Ubuntu", "spec.ssh.user", "an SSH user name with a capital"),
    ("file-path-space", "Cluster/home", ["spec", "ssh", "privateKeyFile"], "~/my keys/id", "spec.ssh.privateKeyFile", "a key path with a space"),
    ("file-path-tilde-user", "VirtualIP/apiserver", ["spec", "authPasswordFile"], "~root/vrrp", "spec.authPasswordFile", "a ~user path"),
    ("file-path-newline", "Machine/master01", ["spec", "ssh", "knownHostsFile"], "known_hosts\nrm -rf /", "spec.ssh.knownHostsFile", "a path with a newline"),
    ("url-scheme-ftp", "Cluster/home", ["spec", "packages", "repository"], "ftp://mirror/k8s", "spec.packages.repository", "a repository URL with the ftp scheme"),
    ("url-repository-file", "Cluster/home", ["spec", "packages", "repository"], "file:///srv/k8s", "spec.packages.repository", "a file: URL where only http(s) works"),
    ("url-no-host", "Cluster/home", ["spec", "packages", "repository"], "https:///deb", "spec.packages.repository", "an https URL without a host"),
    ("url-quote", "Cluster/home", ["spec", "packages", "signingKey"], "https://example.com/key'.asc", "spec.packages.signingKey", "a quote in a signing key URL"),
    ("url-javascript", "Cluster/home", ["spec", "cni", "calico", "manifest"], "javascript://alert(1)", "spec.cni.calico.manifest", "a manifest URL with an unknown scheme"),
    ("hostkey-comment", "Machine/master01", ["spec", "ssh", "hostKey"], "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl x;reboot", "spec.ssh.hostKey", "a host key comment with a semicolon"),
    ("hostkey-type", "Machine/master01", ["spec", "ssh", "hostKey"], "ssh-dss AAAAB3NzaC1kc3MAAACBAP", "spec.ssh.hostKey", "a host key of an unknown type"),
    ("dns-domain", "Cluster/home", ["spec", "networking", "dnsDomain"], "cluster.local;", "spec.networking.dnsDomain", "a DNS domain with a semicolon"),
    ("object-name", "VirtualIP/apiserver", ["metadata", "name"], "api_server", "metadata.name", "an object name with an underscore"),
    ("cluster-ref", "VirtualIP/apiserver", ["spec", "cluster"], "Home", "spec.cluster", "a Cluster reference with a capital"),
    ("machine-address", "Machine/master01", ["spec", "address"], "192.168.3.11; reboot", "spec.address", "an address with a command after it"),
    ("subnet", "Cluster/home", ["spec", "networking", "podSubnet"], "10.244.0.0/16,0.0.0.0/0", "spec.networking.podSubnet", "two subnets in one"),
    ("vip-address", "VirtualIP/apiserver", ["spec", "address"], "192.168.3.10/24 dev lo", "spec.address", "keepalived syntax after the VIP"),
    ("endpoint", "Cluster/home", ["spec", "controlPlaneEndpoint"], "192.168.3.10:6443/x", "spec.controlPlaneEndpoint", "an endpoint with a path"),
    ("kubernetes-version", "Cluster/home", ["spec", "kubernetesVersion"], "1.34.2 && reboot", "spec.kubernetesVersion", "a version with a command after it"),
    ("enum-mode", "Cluster/home", ["spec", "cni", "calico", "mode"], "BGP;", "spec.cni.calico.mode", "an enumeration value with a semicolon"),
]

PAYLOADS = ["`reboot`", "$(reboot)", ";reboot", "|reboot", "&&reboot", " reboot", "'x'", "\"x\"",
            ">x", "<x", "*", "\\x", "\nreboot", "\treboot", "\x1b[2J", "#x", "{x}", "!x"]


def string_leaves(node, path):
    """Every string in node: (path parts, is_key) pairs."""
    if isinstance(node, dict):
        for k, v in node.items():
            if path and path[-1] in ("sysctls", "labels"):
                yield path + [k], True
            if isinstance(v, str):
                yield path + [k], False
            else:
                yield from string_leaves(v, path + [k])
    elif isinstance(node, list):
        for i, v in enumerate(node):
            if isinstance(v, str):
                yield path + [i], False
            else:
                yield from string_leaves(v, path + [i])


def field_path(parts, is_key, key_name=None):
    out = ""
    for i, p in enumerate(parts):
        last = i == len(parts) - 1
        parent_map = i > 0 and parts[i - 1] in ("sysctls", "labels") and isinstance(p, str)
        if isinstance(p, int):
            out += "[%d]" % p
        elif parent_map:
            out += "[%s]" % (key_name if (last and is_key and key_name) else p)
        else:
            out += ("." if out else "") + p
    return out


def main():
    os.makedirs(HERE, exist_ok=True)
    for f in os.listdir(HERE):
        os.remove(os.path.join(HERE, f))
    with open(os.path.join(HERE, "..", "valid.yaml"), "w") as f:
        f.write("# The valid set every corpus case breaks in one place (tests/corpus/generate.py).\n")
        f.write(dump(list(OBJECTS.values())))

    for name, obj, parts, value, path, why in RULES:
        shown = obj
        if name == "object-name":
            shown = obj.split("/")[0] + "/" + value
        if name == "label-key":
            objs = mutated(obj, parts, None, key_rename="-bad/zone")
        else:
            objs = mutated(obj, parts, value)
        write("rule-%s.yaml" % name, dump(objs), ["%s: %s: " % (shown, path)], why)

    # Shell metacharacters in every string field (values, list items, map keys), skipping
    # apiVersion and kind, which are checked by exact match.
    n = 0
    for obj_key, obj in OBJECTS.items():
        for parts, is_key in string_leaves(obj, []):
            if parts[0] in ("apiVersion", "kind"):
                continue
            payload = PAYLOADS[n % len(PAYLOADS)]
            n += 1
            objs = {k: copy.deepcopy(v) for k, v in OBJECTS.items()}
            node = objs[obj_key]
            for p in parts[:-1]:
                node = node[p]
            shown_obj = obj_key
            if is_key:
                payload = payload.strip().replace("\n", "").replace("\t", "") or ";x"
                new_key = parts[-1] + payload
                node[new_key] = node.pop(parts[-1])
                path = field_path(parts, True, new_key)
            else:
                node[parts[-1]] = node[parts[-1]] + payload
                path = field_path(parts, False)
                if parts == ["metadata", "name"]:
                    shown_obj = obj_key.split("/")[0] + "/"  # the name shown is the bad one
            slug = "-".join(str(p) for p in parts).replace("/", "_").replace(".", "_")
            expect = "%s: " % path if shown_obj.endswith("/") else "%s: %s: " % (shown_obj, path)
            if is_key and "\x1b" in payload:  # a key with a control byte is shown escaped
                expect = "%s: %s[" % (shown_obj, path.split("[")[0])
            write("metachar-%s-%s%s.yaml" % (obj_key.split("/")[0].lower(), slug, "-key" if is_key else ""),
                  dump(list(objs.values())), [expect],
                  "shell metacharacters %r in %s of %s" % (payload, path, obj_key))

    base = dump(list(OBJECTS.values()))
    # Generic cases.
    write("generic-duplicate-key.yaml", base.replace("  address: 192.168.3.11\n",
          "  address: 192.168.3.11\n  address: 192.168.3.99\n"),
          ["Machine/master01: spec.address: duplicate field"], "a key given twice")
    write("generic-tab-indented.yaml", base.replace("\n  address: 192.168.3.11", "\n\taddress: 192.168.3.11"),
          ["YAML syntax error at line"], "a tab-indented line")
    write("generic-empty.yaml", "", ["generic-empty.yaml: holds no objects"], "an empty file")
    write("generic-only-separators.yaml", "---\n---\n", ["generic-only-separators.yaml: holds no objects"],
          "a file of empty documents")
    write("generic-nul-byte.yaml", base.replace("kind: Machine", "kind: Mach\0ine").encode(),
          ["a NUL byte at line"], "a NUL byte")
    write("generic-nul-escape.yaml", base.replace("user: pi\n", "user: \"pi\\0\"\n"),
          ["Machine/master01: spec.ssh.user: holds a NUL byte"], "a NUL byte written as a YAML escape")
    write("generic-non-utf8.yaml", base.replace("zone: shelf-1", "zone: shelf-\xff\xfe").encode("latin-1"),
          ["spec.labels.topology.kubernetes.io/zone: holds bytes that are not UTF-8"], "latin-1 bytes in a value")
    write("generic-non-utf8-comment.yaml", base.encode() + b"# caf\xe9\n",
          ["are not UTF-8"], "latin-1 bytes in a comment")
    write("generic-overlong-utf8.yaml", base.replace("zone: shelf-1", "zone: shelf-\xc0\xaf").encode("latin-1"),
          ["holds bytes that are not UTF-8"], "an overlong UTF-8 encoding of '/'")
    deep = "[" * 100 + "]" * 100
    write("generic-deep-nesting.yaml", base.replace("  name: master01\n", "  name: master01\n  managedFields: %s\n" % deep),
          ["document 3: metadata.managedFields[0][0]", "nested deeper than 64 levels"],
          "100 nested flow sequences")
    deeper = "[" * 5000 + "]" * 5000
    write("generic-deeper-nesting.yaml", base.replace("  name: master01\n", "  name: master01\n  managedFields: %s\n" % deeper),
          ["nested deeper than 64 levels at line"], "5000 nested flow sequences (yaml-cpp's own guard)")
    deep = deeper
    write("generic-deep-nesting.json", '{"apiVersion": "piherd.io/v1alpha1", "kind": "Cluster", "metadata": {"name": "home", "managedFields": %s}}' % deep,
          ["nested deeper than 64 levels"], "5000 nested JSON arrays")
    bomb = "a: &a [x, x, x, x, x, x, x, x, x, x]\n"
    for i, (prev, cur) in enumerate(zip("abcdefgh", "bcdefghi")):
        bomb += "%s: &%s [*%s, *%s, *%s, *%s, *%s, *%s, *%s, *%s, *%s, *%s]\n" % ((cur, cur) + (prev,) * 10)
    write("generic-alias-bomb.yaml", base.replace("  name: master01\n", "  name: master01\n  annotations: {}\n") +
          "---\napiVersion: piherd.io/v1alpha1\nkind: Machine\nmetadata:\n  name: bomb\n  managedFields:\n" +
          "".join("    " + l + "\n" for l in bomb.splitlines()),
          ["document too large (aliases expand"], "a billion-laughs alias bomb (10^9 values)")
    write("generic-unknown-field.yaml", base.replace("  address: 192.168.3.11\n", "  address: 192.168.3.11\n  command: reboot\n"),
          ["Machine/master01: spec.command: unknown field"], "a field no table has")


if __name__ == "__main__":
    main()
