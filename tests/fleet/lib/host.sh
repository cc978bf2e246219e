# shellcheck shell=bash
# One fleet host: an overlay over the base image (its disk, kept across stop and start), its
# identity (hostname, address, ssh host key, machine id), and a systemd-nspawn container
# booting real systemd in the host's network namespace.

phf_host_running_pid() {
  phf_pidfile_alive "$(phf_host_dir "$1")/nspawn.pid" systemd-nspawn
}

# The container's PID 1 (systemd), a direct child of nspawn.
phf_host_init_pid() {
  local npid pid
  npid=$(phf_host_running_pid "$1") || return 1
  for pid in $(pgrep -P "$npid"); do
    if phf_pid_is "$pid" systemd; then
      printf '%s' "$pid"
      return 0
    fi
  done
  return 1
}

phf_host_mount() {
  local name=$1 dir
  dir=$(phf_host_dir "$name")
  mountpoint -q "$dir/merged" && return 0
  # The mount source names the host, so a later run finds the mount wherever it is.
  mount -t overlay "$name" \
    -o "lowerdir=$(<"$dir/base"),upperdir=$dir/upper,workdir=$dir/work" "$dir/merged"
}

# Creates host NAME (index I) on BASE: its overlay and the files that make it itself.
phf_host_prepare() {
  local name=$1 index=$2 base=$3 dir m uid gid
  dir=$(phf_host_dir "$name")
  m=$dir/merged
  mkdir -p "$dir"/upper "$dir"/work "$m"
  printf '%s\n' "$base" >"$dir/base"
  phf_host_mount "$name"
  printf '%s\n' "$name" >"$m/etc/hostname"
  printf '127.0.0.1\tlocalhost\n127.0.1.1\t%s\n::1\tlocalhost ip6-localhost ip6-loopback\n' \
    "$name" >"$m/etc/hosts"
  tr -d '-' </proc/sys/kernel/random/uuid >"$m/etc/machine-id"
  mkdir -p "$m/etc/systemd/network"
  cat >"$m/etc/systemd/network/10-phf-host0.network" <<EOF
[Match]
Name=host0

[Network]
Address=$(phf_host_addr "$index")/24
LinkLocalAddressing=no
IPv6AcceptRA=no
ConfigureWithoutCarrier=yes
IgnoreCarrierLoss=yes
EOF
  phf_host_new_key "$name"
  printf 'deb [trusted=yes] http://%s:%s/debian ./\n' "$PHF_BRIDGE_IP" "$PHF_REPO_PORT" \
    >"$m/etc/apt/sources.list"
  rm -f "$m"/etc/apt/sources.list.d/*
  install -d -m 0700 "$m/root/.ssh"
  install -m 0600 "$PHF_RUN/id_ed25519.pub" "$m/root/.ssh/authorized_keys"
  uid=$(awk -F: '$1 == "piherd" {print $3}' "$m/etc/passwd")
  gid=$(awk -F: '$1 == "piherd" {print $4}' "$m/etc/passwd")
  install -d -m 0700 -o "$uid" -g "$gid" "$m/home/piherd/.ssh"
  install -m 0600 -o "$uid" -g "$gid" "$PHF_RUN/id_ed25519.pub" "$m/home/piherd/.ssh/authorized_keys"
  phf_host_net_up "$name"
}

# Writes a fresh ed25519 host key into the host and records its public half.
phf_host_new_key() {
  local name=$1 dir key
  dir=$(phf_host_dir "$name")
  key=$dir/merged/etc/ssh/ssh_host_ed25519_key
  rm -f "$key" "$key.pub"
  ssh-keygen -q -t ed25519 -N '' -C "root@$name" -f "$key"
  awk '{print $1 " " $2}' "$key.pub" >"$dir/hostkey.pub"
}

# Starts the container in the background; it outlives this script (own session, no
# terminal, output to the host's console.log).
phf_host_boot() {
  local name=$1 dir
  dir=$(phf_host_dir "$name")
  printf '\n===== fleet: boot %s at %s =====\n' "$name" "$(date -Is)" >>"$dir/console.log"
  SYSTEMD_NSPAWN_API_VFS_WRITABLE=network setsid systemd-nspawn \
    --register=no --keep-unit --boot --directory="$dir/merged" --machine="$name" \
    --network-namespace-path="/run/netns/$name" --capability=CAP_NET_ADMIN,CAP_NET_RAW \
    --resolv-conf=off --timezone=off --link-journal=no \
    </dev/null >>"$dir/console.log" 2>&1 &
  local pid=$! i
  printf '%s\n' "$pid" >"$dir/nspawn.pid"
  # Until the fork has exec'd nspawn, the pid does not look like one (see phf_pidfile_alive).
  for ((i = 0; i < 100; i++)); do
    phf_pid_is "$pid" systemd-nspawn && return 0
    [[ -d /proc/$pid ]] || break
    sleep 0.05
  done
  tail -n 15 "$dir/console.log" >&2
  phf_warn "$name: systemd-nspawn did not start (console log: $dir/console.log)"
  return 1
}

# Waits until the host's sshd answers with the host key we gave it.
phf_host_wait_ssh() {
  local name=$1 dir addr want got deadline
  dir=$(phf_host_dir "$name")
  addr=$(phf_host_addr "$(phf_host_index "$name")")
  want=$(<"$dir/hostkey.pub")
  deadline=$((SECONDS + PHF_BOOT_TIMEOUT))
  while ((SECONDS < deadline)); do
    if ! phf_host_running_pid "$name" >/dev/null; then
      tail -n 15 "$dir/console.log" >&2
      phf_warn "$name: the container exited while booting (console log: $dir/console.log)"
      return 1
    fi
    got=$(ssh-keyscan -T 2 -t ed25519 "$addr" 2>/dev/null | awk '{print $2 " " $3}' | head -n 1) || true
    [[ $got == "$want" ]] && return 0
    sleep 0.2
  done
  tail -n 15 "$dir/console.log" >&2
  phf_warn "$name ($addr) did not answer SSH with its host key within ${PHF_BOOT_TIMEOUT}s" \
    "(console log: $dir/console.log)"
  return 1
}

# Power-off. Hard (default): SIGKILL to the container's PID 1 ends every process of the
# host at once, like pulling the plug. Clean: systemd's poweroff signal, then hard after 60 s.
phf_host_stop() {
  local name=$1 mode=${2:-hard} npid init
  if ! npid=$(phf_host_running_pid "$name"); then
    phf_log "$name: already stopped"
    return 0
  fi
  init=$(phf_host_init_pid "$name") || init=""
  if [[ $mode == clean && -n $init ]]; then
    kill -s SIGRTMIN+4 "$init"
    phf_wait_gone "$npid" 60 || mode=hard
  fi
  if [[ -d /proc/$npid ]]; then
    [[ -n $init ]] && kill -KILL "$init" 2>/dev/null
    phf_wait_gone "$npid" 10 || kill -KILL "$npid" 2>/dev/null || true
    phf_wait_gone "$npid" 10 || phf_die "$name: nspawn (pid $npid) does not exit"
  fi
  rm -f "$(phf_host_dir "$name")/nspawn.pid"
  phf_log "$name: stopped ($mode)"
}

# Boots a stopped host again on the same disk, address and keys.
phf_host_start() {
  local name=$1
  if phf_host_running_pid "$name" >/dev/null; then
    phf_log "$name: already running"
    return 0
  fi
  phf_host_mount "$name"
  phf_host_net_up "$name"
  phf_host_boot "$name"
  phf_host_wait_ssh "$name" || phf_die "$name: start failed"
  phf_log "$name: running"
}

# Runs a command inside the host's namespaces (no SSH involved), with a clean environment.
phf_host_exec() {
  local name=$1 init
  shift
  init=$(phf_host_init_pid "$name") || phf_die "$name is not running"
  nsenter --target "$init" --all -- env -i \
    PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin HOME=/root LANG=C.UTF-8 \
    "$@"
}

# New host key, sshd restarted; inventory and known_hosts follow. Prints the new key.
phf_host_rekey() {
  local name=$1
  phf_host_running_pid "$name" >/dev/null || phf_die "$name is not running"
  phf_host_new_key "$name"
  phf_host_exec "$name" systemctl restart ssh
  phf_host_wait_ssh "$name" || phf_die "$name: sshd did not come back with the new key"
  phf_write_inventory
  cat "$(phf_host_dir "$name")/hostkey.pub"
}
