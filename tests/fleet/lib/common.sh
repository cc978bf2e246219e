# shellcheck shell=bash disable=SC2034 # settings used by the other files of lib/
# Shared settings and helpers of the test fleet (sourced by tests/fleet/fleet).
#
# Every resource the fleet creates carries the prefix "phf" (piherd fleet): network
# namespaces and links (phf-br0, phf-hI, phf-hI-v), overlay mounts (source "phf-hI"),
# processes (nspawn --machine=phf-hI), so a later run can find and remove what an earlier,
# killed run left behind without touching anything else on the machine.

#
# PIHERD_FLEET_INSTANCE=N (1..9) runs a second, independent fleet beside the default one
# (instance 0), for developers working on several changes at once: prefix phfN, bridge
# phfN-br0 on 10.(77+N).0.0/24, repository port 8080+N, its own run and cache directories.
# Instances never see each other's resources, and `fleet down` of one leaves the others up.
PHF_INSTANCE=${PIHERD_FLEET_INSTANCE:-0}
[[ $PHF_INSTANCE =~ ^[0-9]$ ]] || {
  printf 'fleet: error: PIHERD_FLEET_INSTANCE must be 0..9, not %s\n' "$PHF_INSTANCE" >&2
  exit 2
}
if ((PHF_INSTANCE == 0)); then
  readonly PHF_PREFIX=phf
  _phf_dir_suffix=""
else
  readonly PHF_PREFIX=phf$PHF_INSTANCE
  _phf_dir_suffix=$PHF_INSTANCE
fi
readonly PHF_BRIDGE=$PHF_PREFIX-br0
readonly PHF_BRIDGE_MAC=02:70:68:66:0$PHF_INSTANCE:01  # fixed, so joining ports never change it
readonly PHF_NET=10.$((77 + PHF_INSTANCE)).0
readonly PHF_BRIDGE_IP=$PHF_NET.1
readonly PHF_REPO_PORT=$((8080 + PHF_INSTANCE))
readonly PHF_MAX_HOSTS=50

PHF_CACHE=${PIHERD_FLEET_CACHE:-/var/cache/piherd-fleet$_phf_dir_suffix}
PHF_RUN=${PIHERD_FLEET_RUN:-/var/tmp/piherd-fleet/run$_phf_dir_suffix}
PHF_HOSTS_DIR=$PHF_RUN/hosts
PHF_BOOT_TIMEOUT=${PIHERD_FLEET_BOOT_TIMEOUT:-90}
# The machine's own Python: a user's pyenv shim may not be on root's PATH under CI.
PHF_PYTHON=/usr/bin/python3
[[ -x $PHF_PYTHON ]] || PHF_PYTHON=$(command -v python3)

phf_log() { printf 'fleet: %s\n' "$*" >&2; }
phf_warn() { printf 'fleet: WARNING: %s\n' "$*" >&2; }
phf_die() {
  printf 'fleet: error: %s\n' "$*" >&2
  exit 1
}

phf_require_root() {
  [[ $(id -u) -eq 0 ]] || phf_die "the fleet needs root (try: sudo $0 $*)"
}

phf_now_ms() { date +%s%3N; }

# Host naming (instance 0): host I is phf-hI at 10.77.0.(10+I), in netns phf-hI, host-side veth phf-hI-v.
phf_host_name() { printf '%s-h%d' "$PHF_PREFIX" "$1"; }
phf_host_index() {
  [[ $1 =~ ^${PHF_PREFIX}-h([0-9]+)$ ]] || return 1
  printf '%d' "${BASH_REMATCH[1]}"
}
phf_host_addr() { printf '%s.%d' "$PHF_NET" $((10 + $1)); }
phf_host_dir() { printf '%s/%s' "$PHF_HOSTS_DIR" "$1"; }
phf_host_veth() { printf '%s-v' "$1"; }

# Validates a HOST argument: a host of the current fleet. Prints nothing, dies otherwise.
phf_check_host() {
  local name=$1
  phf_host_index "$name" >/dev/null || phf_die "not a fleet host name: '$name' (expected ${PHF_PREFIX}-hN)"
  [[ -d $(phf_host_dir "$name") ]] || phf_die "no such host in the current fleet: $name (is the fleet up?)"
}

# The hosts of the current fleet, in index order.
phf_hosts() {
  local d
  [[ -d $PHF_HOSTS_DIR ]] || return 0
  for d in "$PHF_HOSTS_DIR"/"$PHF_PREFIX"-h*; do
    [[ -d $d ]] && basename "$d"
  done | sort -V
}

# True when PID is alive and its executable name is COMM (guards against pid reuse).
phf_pid_is() {
  local pid=$1 comm=$2
  [[ $pid =~ ^[0-9]+$ ]] || return 1
  [[ $(cat "/proc/$pid/comm" 2>/dev/null) == "$comm" ]]
}

# Reads a pid file; prints the pid when the process is alive with the expected name.
phf_pidfile_alive() {
  local file=$1 comm=$2 pid
  [[ -f $file ]] || return 1
  pid=$(<"$file")
  phf_pid_is "$pid" "$comm" && printf '%s' "$pid"
}

# Waits up to SECONDS for PID to exit. Returns 1 if it is still alive.
phf_wait_gone() {
  local pid=$1 seconds=$2 i
  for ((i = 0; i < seconds * 10; i++)); do
    [[ -d /proc/$pid ]] || return 0
    sleep 0.1
  done
  return 1
}

# Escapes a string for a JSON string literal (the values here are names, paths and keys).
phf_json_str() {
  local s=$1
  s=${s//\\/\\\\}
  s=${s//\"/\\\"}
  printf '"%s"' "$s"
}
