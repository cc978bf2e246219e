#!/usr/bin/env python3
"""The pass-cost benchmark (docs/BENCHMARKS.md): piherd against the cost of logging in and
against Ansible, on the test fleet. Run it through bench/run.sh (as root).

For each fleet size it boots the fleet (tests/fleet/fleet up N), converges it once with
`piherd apply`, then measures, RUNS times each, medians reported:
  - cold `piherd plan` (a fresh process: new SSH connections, every host observed once);
  - the login floor: N fresh OpenSSH logins in parallel, each running `true`;
  - Ansible's check mode of the same checks (bench/ansible/check.yml), when
    ansible-playbook is installed: pipelining, ControlPersist, forks = N, a fresh control
    socket directory per run;
  - the host-side cost of one observation, per host (bench/observe_probe.cc), with the
    processes it forks, for piherd's script and for the script before the rewrite;
  - the warm resync pass of `piherd run` (piherd_reconcile_duration_seconds{kind="ResyncPass"})
    and the controller's resident memory (steady: median over the passes; peak: VmHWM).
It writes a Markdown report (docs/BENCHMARKS.md by default) with every figure, its ratio and
its target, a missed target printed as MISSED.
"""
import argparse
import datetime
import json
import os
import platform
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request

SRC = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

TARGETS = {
    "plan_vs_floor": 1.1,      # cold plan within 1.1x of the login floor
    "observation_ms": 15.0,    # one observation at most 15 ms on a host
    "warm_vs_ansible": {3: 300, 30: 100},  # warm pass at least this much faster than Ansible
    "rss_mib": {10: 20, 30: 30},           # controller RSS under this at 10 and 30 hosts
}


def log(*a):
    print("bench:", *a, file=sys.stderr, flush=True)


def median(v):
    return statistics.median(v) if v else float("nan")


def run(cmd, check=True, **kw):
    r = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, **kw)
    if check and r.returncode != 0:
        raise SystemExit(f"bench: {' '.join(cmd)} failed ({r.returncode}):\n{r.stdout}\n{r.stderr}")
    return r


def timed(cmd, ok=(0,), **kw):
    t = time.monotonic()
    r = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, **kw)
    dt = time.monotonic() - t
    if r.returncode not in ok:
        raise SystemExit(f"bench: {' '.join(cmd)} exited {r.returncode}:\n{r.stdout[-2000:]}\n{r.stderr[-2000:]}")
    return dt, r


class Fleet:
    def __init__(self, args):
        self.cmd = os.path.join(SRC, "tests/fleet/fleet")
        self.env = dict(os.environ, PIHERD_FLEET_INSTANCE=str(args.instance))
        run_dir = "/var/tmp/piherd-fleet/run" + ("" if args.instance == 0 else str(args.instance))
        self.inventory_path = args.inventory or os.path.join(run_dir, "inventory.json")
        self.boot = not args.inventory

    def up(self, n):
        if self.boot:
            log(f"fleet up {n}")
            run([self.cmd, "up", str(n)], env=self.env)
        with open(self.inventory_path) as f:
            self.inv = json.load(f)
        if len(self.inv["hosts"]) < n:
            raise SystemExit(f"bench: the fleet has {len(self.inv['hosts'])} hosts, {n} needed")
        self.hosts = self.inv["hosts"][:n]

    def down(self):
        if self.boot:
            run([self.cmd, "down"], env=self.env, check=False)

    def ssh(self, host, *command):
        return ["ssh", "-i", self.inv["sshPrivateKey"], "-o", "UserKnownHostsFile=" + self.inv["knownHosts"],
                "-o", "StrictHostKeyChecking=yes", "-o", "BatchMode=yes", "-o", "ControlMaster=no",
                "-o", "ControlPath=none", f"{self.inv['sshUser']}@{host['address']}", *command]


def login_floor(fleet):
    t = time.monotonic()
    procs = [subprocess.Popen(fleet.ssh(h, "true"), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
             for h in fleet.hosts]
    for p in procs:
        if p.wait() != 0:
            raise SystemExit("bench: ssh login failed: " + p.stderr.read().decode())
    return time.monotonic() - t


def ansible_check(fleet, work, n, runs):
    playbook = shutil.which("ansible-playbook")
    if not playbook:
        return None
    files = os.path.join(work, "ansible-files")
    for i, h in enumerate(fleet.hosts):
        paths = ["/etc/sysctl.d/99-piherd-kubernetes.conf", "/etc/modules-load.d/piherd-kubernetes.conf",
                 "/etc/containerd/config.toml", "/etc/apt/sources.list.d/kubernetes.list"]
        if i == 0:
            paths.append("/etc/keepalived/keepalived.conf")
        for p in paths:
            dest = os.path.join(files, h["name"] + p)
            os.makedirs(os.path.dirname(dest), exist_ok=True)
            with open(dest, "w") as f:
                subprocess.run(fleet.ssh(h, "cat", p), stdout=f, check=True)
    inv = os.path.join(work, "ansible-inventory.ini")
    with open(inv, "w") as f:
        f.write("[control_plane]\n")
        f.write(f"{fleet.hosts[0]['name']} ansible_host={fleet.hosts[0]['address']}\n")
        f.write("[workers]\n")
        for h in fleet.hosts[1:]:
            f.write(f"{h['name']} ansible_host={h['address']}\n")
        f.write("[all:vars]\n")
        f.write(f"ansible_user={fleet.inv['sshUser']}\n")
        f.write(f"ansible_ssh_private_key_file={fleet.inv['sshPrivateKey']}\n")
        f.write(f"ansible_ssh_common_args='-o UserKnownHostsFile={fleet.inv['knownHosts']} "
                "-o StrictHostKeyChecking=yes'\n")
    times = []
    for r in range(runs):
        cp = tempfile.mkdtemp(prefix="cp-", dir=work)  # a fresh control socket directory: cold
        cfg = os.path.join(work, "ansible.cfg")
        with open(cfg, "w") as f:
            f.write(f"[defaults]\nforks = {n}\nhost_key_checking = True\ngathering = explicit\n"
                    "interpreter_python = /usr/bin/python3\nretry_files_enabled = False\n"
                    f"[ssh_connection]\npipelining = True\n"
                    "ssh_args = -o ControlMaster=auto -o ControlPersist=60s\n"
                    f"control_path_dir = {cp}\n")
        env = dict(os.environ, ANSIBLE_CONFIG=cfg, ANSIBLE_NOCOLOR="1")
        dt, res = timed([playbook, "-i", inv, "--check", os.path.join(SRC, "bench/ansible/check.yml"),
                         "-e", "files=" + files], env=env)
        changed = sum(int(x) for x in re.findall(r"changed=(\d+)", res.stdout))
        failed = sum(int(x) for x in re.findall(r"(?:failed|unreachable)=(\d+)", res.stdout))
        if changed or failed:
            raise SystemExit(f"bench: Ansible's check found changed={changed} failed={failed} on a "
                             f"converged fleet:\n{res.stdout[-3000:]}")
        times.append(dt)
        # The control masters of this run: closed, so the next run starts cold too.
        for h in fleet.hosts:
            subprocess.run(["ssh", "-o", f"ControlPath={cp}/%C", "-O", "exit", h["address"]],
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        log(f"ansible check run {r + 1}: {dt:.2f} s")
    return times


def observation(probe, manifests, runs, script=None):
    cmd = [probe, "-f", manifests, "--runs", str(runs)]
    if script:
        cmd += ["--script-file", script]
    r = run(cmd)
    per_host, procs, all_runs = {}, {}, []
    for line in r.stdout.splitlines():
        w = line.split()
        if w[0] == "run":
            all_runs.append(float(w[2]))
        elif w[0] == "host":
            per_host[w[1]] = float(w[2])
            procs[w[1]] = int(w[4])
    return per_host, procs


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def metric(text, name, labels):
    for line in text.splitlines():
        if line.startswith(name) and labels in line:
            return float(line.rsplit(" ", 1)[1])
    return None


def warm_passes(piherd, manifests, work, passes, resync):
    """Runs `piherd run` until `passes` resync passes after the first are done; returns the
    duration of each and the RSS samples (KiB) and peak (VmHWM, KiB)."""
    port = free_port()
    # The state directory of `piherd apply` (beside the manifests): the same cluster PKI.
    proc = subprocess.Popen([piherd, "run", "-f", manifests, "--resync", f"{resync}s",
                             "--metrics-addr", f"127.0.0.1:{port}"],
                            stdout=subprocess.DEVNULL, stderr=open(os.path.join(work, "run.log"), "w"))
    durations, rss, last = [], [], None
    deadline = time.monotonic() + 120 + passes * (resync + 30)
    try:
        while len(durations) < passes and time.monotonic() < deadline:
            time.sleep(0.2)
            if proc.poll() is not None:
                raise SystemExit("bench: piherd run exited; see " + os.path.join(work, "run.log"))
            with open(f"/proc/{proc.pid}/status") as f:
                status = f.read()
            rss.append(int(re.search(r"VmRSS:\s+(\d+)", status).group(1)))
            try:
                text = urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=2).read().decode()
            except OSError:
                continue
            s = metric(text, "piherd_reconcile_duration_seconds_sum", 'kind="ResyncPass"')
            c = metric(text, "piherd_reconcile_duration_seconds_count", 'kind="ResyncPass"')
            if s is None or c is None:
                continue
            if last is not None and c > last[1]:
                if last[1] >= 1:  # the first pass converges from a cold start: not warm
                    durations.append((s - last[0]) / (c - last[1]))
            if last is None or c > last[1]:
                last = (s, c)
        with open(f"/proc/{proc.pid}/status") as f:
            peak = int(re.search(r"VmHWM:\s+(\d+)", f.read()).group(1))
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
    return durations, rss, peak


def machine():
    model = "?"
    with open("/proc/cpuinfo") as f:
        for line in f:
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    with open("/proc/meminfo") as f:
        mem = int(re.search(r"MemTotal:\s+(\d+)", f.read()).group(1)) // 1024
    commit = run(["git", "-C", SRC, "rev-parse", "--short", "HEAD"], check=False).stdout.strip()
    return (f"{os.cpu_count()} CPUs ({model}), {mem} MiB, Linux {platform.release()}; "
            f"load average at start {os.getloadavg()[0]:.2f}; piherd commit {commit or '?'}")


def verdict(ok):
    return "met" if ok else "**MISSED**"


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sizes", default="3 10 30")
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--out", default=os.path.join(SRC, "docs/BENCHMARKS.md"))
    ap.add_argument("--build", default=os.path.join(SRC, "build"))
    ap.add_argument("--instance", type=int, default=int(os.environ.get("PIHERD_FLEET_INSTANCE", "2")))
    ap.add_argument("--inventory", help="use this fleet as it is (no boot, no teardown)")
    ap.add_argument("--no-apply", action="store_true", help="measure the hosts as they are")
    ap.add_argument("--warm-passes", type=int, default=4)
    ap.add_argument("--resync", type=int, default=3, help="seconds between resync passes")
    ap.add_argument("--no-ansible", action="store_true")
    ap.add_argument("--merge", action="store_true",
                    help="keep the rows of other sizes from the last run's OUT.json (a long size run alone)")
    ap.add_argument("--ansible-runs", type=int, default=3, help="Ansible runs per size (slow)")
    args = ap.parse_args()
    piherd = os.path.join(args.build, "piherd")
    probe = os.path.join(args.build, "tests/piherd_bench_observe")
    for b in (piherd, probe):
        if not os.access(b, os.X_OK):
            raise SystemExit(f"bench: {b} is missing: cmake --build {args.build} --target piherd piherd_bench_observe")
    sizes = [int(x) for x in args.sizes.split()]
    fleet = Fleet(args)
    started = datetime.datetime.now(datetime.timezone.utc)
    rows = []
    with tempfile.TemporaryDirectory(prefix="piherd-bench-") as work:
        for n in sizes:
            fleet.up(n)
            manifests = os.path.join(work, f"m{n}")
            first = 1
            run([sys.executable, os.path.join(SRC, "bench/manifests.py"), fleet.inventory_path, str(n),
                 manifests, str(first)])
            row = {"n": n}
            if not args.no_apply:
                log(f"{n} hosts: piherd apply")
                row["apply"], _ = timed([piherd, "apply", "-f", manifests, "--hosts-only", "--parallel", str(n)])
            log(f"{n} hosts: cold plan and login floor")
            plans, floors = [], []
            for _ in range(args.runs):
                dt, _ = timed([piherd, "plan", "-f", manifests, "--hosts-only", "--parallel", str(n)],
                              ok=(0,) if not args.no_apply else (0, 2))
                plans.append(dt)
                floors.append(login_floor(fleet))
            row["plan"], row["floor"] = median(plans), median(floors)
            log(f"{n} hosts: observation")
            obs, procs = observation(probe, manifests, args.runs)
            row["obs"] = median(list(obs.values()))
            row["obs_max"] = max(obs.values())
            row["procs"] = sorted(set(procs.values()))
            ref, ref_procs = observation(probe, manifests, max(1, min(args.runs, 3)),
                                         os.path.join(SRC, "bench/reference/observation-v1.sh"))
            row["ref_obs"] = median(list(ref.values()))
            row["ref_procs"] = sorted(set(ref_procs.values()))
            if not args.no_ansible and shutil.which("ansible-playbook"):
                if args.no_apply:  # hosts as they are: only whether the playbook still parses
                    run(["ansible-playbook", "--syntax-check", "-i", "localhost,",
                         os.path.join(SRC, "bench/ansible/check.yml")])
                    row["ansible"] = None
                else:
                    log(f"{n} hosts: Ansible")
                    a = ansible_check(fleet, work, n, args.ansible_runs)
                    row["ansible"] = median(a) if a else None
            if args.warm_passes > 0 and not args.no_apply:
                log(f"{n} hosts: piherd run, {args.warm_passes} warm passes")
                d, rss, peak = warm_passes(piherd, manifests, work, args.warm_passes, args.resync)
                row["warm"] = median(d) if d else None
                row["rss"] = median(rss) / 1024 if rss else None
                row["peak"] = peak / 1024
            row["load"] = os.getloadavg()[0]
            rows.append(row)
            log(f"{n} hosts: {row}")
        fleet.down()
    saved = os.path.splitext(args.out)[0] + ".json"
    if args.merge and os.path.exists(saved):
        with open(saved) as f:
            old = json.load(f)
        mine = {r["n"] for r in rows}
        rows = sorted([r for r in old["rows"] if r["n"] not in mine] + rows, key=lambda r: r["n"])
        started = min(started, datetime.datetime.fromisoformat(old["started"]))
    with open(saved, "w") as f:
        json.dump({"started": started.isoformat(), "rows": rows}, f, indent=1)
    write_report(args, rows, started)


def fmt(v, unit="", digits=2):
    return "n/a" if v is None else f"{v:.{digits}f}{unit}"


def write_report(args, rows, started):
    o = []
    o.append("# Benchmarks: the cost of a pass\n")
    o.append("Written by `bench/run.sh` (issue 12); rerun it to refresh this page. Figures are "
             "medians of several runs on the test fleet, where every host is a container on the same "
             "machine: they share its cores with the controller, with each other and with whatever "
             "else the machine runs, so they are noisy and err on the slow side.\n")
    o.append(f"- **Date**: {started:%Y-%m-%d %H:%M} UTC")
    o.append(f"- **Machine**: {machine()}")
    o.append(f"- **Runs**: {args.runs} per figure (medians), {args.ansible_runs} for Ansible; "
             f"{args.warm_passes} warm passes; sizes {args.sizes}\n")
    o.append("## Method\n")
    o.append("- Each size boots a fresh fleet (`tests/fleet/fleet up N`, instance "
             f"{args.instance}), writes the manifests of `bench/manifests.py` (host 1 the control "
             "plane with the VIP, the others workers) and converges it once with `piherd apply`.")
    o.append("- **cold plan**: `piherd plan -f DIR --parallel N`, a new process each run: N new SSH "
             "sessions, one observation per host, the plan rendered.")
    o.append("- **login floor**: N fresh OpenSSH logins in parallel (`ssh ... true`, no connection "
             "sharing), until the last one returns: what any agentless tool pays to reach the hosts.")
    o.append("- **Ansible**: `ansible-playbook --check bench/ansible/check.yml` (Debian's ansible "
             "package, ansible-core " + (ansible_version() or "?") + "): the same checks as piherd's "
             "facets (live sysctls, the sysctl and modules files, containerd's config, the Kubernetes "
             "apt source, packages present at the pinned version and held, containerd enabled and "
             "running, keepalived's config on the control plane), `gather_facts: false`, pipelining, "
             "ControlPersist, forks = N, a fresh control socket directory per run (each run starts "
             "cold, as `piherd plan` does). A check that reports a change on the converged fleet "
             "stops the bench.")
    o.append("- **observation**: the observation script alone, on each host in turn, timed on the "
             "host (bash's EPOCHREALTIME around `sh -c SCRIPT`, bench/observe_probe.cc), with the "
             "number of processes it forks (the host's PID namespace counts them, `sh` included); "
             "the median over the hosts of each host's median. The script before the rewrite "
             "(bench/reference/observation-v1.sh) is measured the same way, for comparison.")
    o.append("- **warm pass**: `piherd run --resync Ns`: `piherd_reconcile_duration_seconds{kind=\"ResyncPass\"}` "
             "per pass, the first pass (a cold start) left out; **RSS**: the controller's VmRSS "
             "sampled every 0.2 s over those passes (median) and its VmHWM (peak).\n")
    o.append("## Results\n")
    o.append("| hosts | cold plan | login floor | plan / floor (target <= 1.1) | Ansible check | Ansible / plan | observation per host (target <= 15 ms) | processes per observation | before the rewrite | load average |")
    o.append("|---|---|---|---|---|---|---|---|---|---|")
    for r in rows:
        ratio = r["plan"] / r["floor"]
        ans = r.get("ansible")
        o.append(f"| {r['n']} | {fmt(r['plan'], ' s')} | {fmt(r['floor'], ' s')} | {ratio:.2f}x "
                 f"{verdict(ratio <= TARGETS['plan_vs_floor'])} | {fmt(ans, ' s')} | "
                 f"{fmt(ans / r['plan'] if ans else None, 'x', 1)} | {fmt(r['obs'], ' ms', 1)} "
                 f"(slowest host {fmt(r['obs_max'], ' ms', 1)}) {verdict(r['obs'] <= TARGETS['observation_ms'])} | "
                 f"{'/'.join(str(p) for p in r['procs'])} | {fmt(r['ref_obs'], ' ms', 1)}, "
                 f"{'/'.join(str(p) for p in r['ref_procs'])} processes | {fmt(r.get('load'), '', 1)} |")
    if any("warm" in r for r in rows):
        o.append("")
        o.append("| hosts | warm resync pass | Ansible check / warm pass (target) | controller RSS steady | peak (target) |")
        o.append("|---|---|---|---|---|")
        for r in rows:
            if "warm" not in r:
                continue
            ans, warm = r.get("ansible"), r.get("warm")
            tw = TARGETS["warm_vs_ansible"].get(r["n"])
            ratio = ans / warm if ans and warm else None
            wv = "" if tw is None else (f" (>= {tw}x) " + (verdict(ratio >= tw) if ratio else "n/a"))
            tr = TARGETS["rss_mib"].get(r["n"])
            rv = "" if tr is None else (f" (< {tr} MiB) " + verdict(r["peak"] < tr))
            o.append(f"| {r['n']} | {fmt(warm * 1000 if warm else None, ' ms', 1)} | "
                     f"{fmt(ratio, 'x', 0)}{wv} | {fmt(r.get('rss'), ' MiB', 1)} | "
                     f"{fmt(r.get('peak'), ' MiB', 1)}{rv} |")
    o.append("")
    o.append("Processes per observation: distinct counts over the hosts (a control plane asks more: "
             "key files, kubeconfigs, addresses). Not measured here: drift latency and VIP failover "
             "time (issue 12 lists them; see docs/vip.md for the failover figures measured so far).\n")
    text = "\n".join(o) + "\n"
    notes = os.path.join(SRC, "bench/NOTES.md")
    if os.path.exists(notes) and args.out.endswith("docs/BENCHMARKS.md"):
        with open(notes) as f:
            text += "\n" + f.read()
    with open(args.out, "w") as f:
        f.write(text)
    log("wrote " + args.out)


def ansible_version():
    if not shutil.which("ansible"):
        return None
    r = run(["ansible", "--version"], check=False)
    m = re.search(r"core ([0-9.]+)", r.stdout)
    return m.group(1) if m else None


if __name__ == "__main__":
    main()
