#!/usr/bin/python3
# Test stand-in for kubeadm, installed as /usr/bin/kubeadm by the "kubeadm" deb of the test
# fleet's apt repository (tests/aptrepo/build-repo.sh; docs/test-packages.md). The real kubeadm
# cannot run in the fleet (no registry offers it), so piherd's tests run against this.
#
# Contract kept (real kubeadm v1.34):
#   - `kubeadm version` prints `kubeadm version: &version.Info{Major:"1", Minor:"34", ...}`,
#     `-o short` the git version ("v1.34.2"), `-o json` / `-o yaml` a {clientVersion: ...}
#     document; any other -o value is an error (exit 1). The version is the package's upstream
#     version, written into @VERSION@ when the deb is built, so 1.34.1 and 1.34.2 differ.
#   - `kubeadm --help`, `kubeadm help`: a usage text, exit 0.
#   - Unknown subcommands and flags: message on stderr, exit 1.
# Not kept yet (later issues grow this into the emulator described in the design's test-fleet
# section): init, join, reset, token, certs, upgrade, config, kubeconfig and every other real
# subcommand print "kubeadm <cmd>: not implemented by this stand-in yet" on stderr and exit 1.
# gitCommit, buildDate and goVersion are fixed placeholders, not those of a real build.
import json
import sys

VERSION = "@VERSION@"  # upstream version, e.g. 1.34.2; substituted at package build time

# Subcommands of the real kubeadm; the stand-in answers each honestly.
REAL_SUBCOMMANDS = (
    "certs", "completion", "config", "init", "join", "kubeconfig", "reset", "token",
    "upgrade",
)

USAGE = """kubeadm (test stand-in of kubeadm v{v})

Usage:
  kubeadm [command]

Available Commands:
  version     Print the version of kubeadm
  help        Help about any command

Not implemented by this stand-in yet: {rest}
"""


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


def main(argv):
    args = drop_verbosity(argv)
    if not args or args[0] in ("help", "--help", "-h"):
        print(USAGE.format(v=VERSION, rest=", ".join(REAL_SUBCOMMANDS)), end="")
        return 0
    cmd = args[0]
    if cmd == "version":
        return cmd_version(args[1:])
    if cmd in REAL_SUBCOMMANDS:
        print("kubeadm %s: not implemented by this stand-in yet" % cmd, file=sys.stderr)
        return 1
    print('unknown command "%s" for "kubeadm"' % cmd, file=sys.stderr)
    return 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
