#!/usr/bin/python3
# Test stand-in for the kubelet, installed as /usr/bin/kubelet by the "kubelet" deb of the test
# fleet's apt repository (tests/aptrepo/build-repo.sh; docs/test-packages.md). The real kubelet
# cannot run in the fleet (no registry offers it, and hosts run no pods).
#
# Contract kept (real kubelet v1.34):
#   - `kubelet --version` prints "Kubernetes v1.34.2" (the package's upstream version, written
#     into @VERSION@ when the deb is built); `--version=raw` prints the version.Info JSON.
#   - Accepts the command line of the kubeadm drop-in (10-kubeadm.conf): --flag=value and
#     --flag value forms; only --version and --config are interpreted, others are ignored.
#   - Before kubeadm has written its config, it fails like the real one: with
#     --config=/var/lib/kubelet/config.yaml absent it logs "failed to load kubelet config file"
#     on stderr and exits 1, so systemd (Restart=always, RestartSec=10) keeps it crash-looping.
# Not kept yet (a later issue makes it register its Node and heartbeat it): with a readable
#   config file, or without --config (the real kubelet's standalone mode), it says so on
#   stderr ("not implemented by this stand-in yet") and exits 1.
import json
import sys

VERSION = "@VERSION@"  # upstream version, e.g. 1.34.2; substituted at package build time


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


def main(argv):
    flags = parse_flags(argv)
    if "version" in flags and flags["version"] != "false":
        print_version(flags["version"])
        return 0
    config = flags.get("config")
    if config is None:
        print("kubelet: standalone mode (no --config) is not implemented by this stand-in yet",
              file=sys.stderr)
        return 1
    try:
        with open(config, "rb"):
            pass
    except OSError as e:
        print('E run.go:72] "command failed" err="failed to load kubelet config file, '
              'path: %s, error: failed to load Kubelet config file %s, error failed to read '
              'kubelet config file \\"%s\\", error: %s"' % (config, config, config, e),
              file=sys.stderr)
        return 1
    print("kubelet: node registration is not implemented by this stand-in yet "
          "(config %s found)" % config, file=sys.stderr)
    return 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
