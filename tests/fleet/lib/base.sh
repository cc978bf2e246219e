# shellcheck shell=bash
# The base image every fleet host boots from: Debian bookworm, minbase, with systemd, sshd
# and what the tests install or inspect on a host. Built once with debootstrap (about a
# minute), cached under $PHF_CACHE/base-<hash>, where the hash covers the package list and
# the customization below, so changing either builds a new base. Hosts never write to it:
# each one boots an overlay over it.

readonly PHF_BASE_VERSION=1
readonly PHF_SUITE=bookworm
readonly PHF_MIRROR=http://deb.debian.org/debian
readonly PHF_BASE_PKGS=systemd,systemd-sysv,dbus,openssh-server,iproute2,keepalived,procps,kmod,python3,python3-apt,sudo,ca-certificates,gnupg,curl,iputils-ping

# What makes a plain debootstrap tree a fleet host image. Runs on the unpacked tree.
phf_base_customize() {
  local root=$1
  # Each host gets its own keys at creation; none may be shared through the base.
  rm -f "$root"/etc/ssh/ssh_host_*
  chroot "$root" systemctl enable systemd-networkd ssh >/dev/null 2>&1
  # Timers that would grab the apt lock in the middle of a test, and a console login
  # nobody reads (nspawn runs without a terminal).
  chroot "$root" systemctl mask apt-daily.timer apt-daily-upgrade.timer console-getty.service \
    >/dev/null 2>&1
  mkdir -p "$root"/etc/ssh/sshd_config.d
  cat >"$root"/etc/ssh/sshd_config.d/50-phf.conf <<'EOF'
# piherd test fleet: one ed25519 host key (the one in the fleet inventory), keys only.
HostKey /etc/ssh/ssh_host_ed25519_key
PasswordAuthentication no
KbdInteractiveAuthentication no
PermitRootLogin prohibit-password
UseDNS no
EOF
  # The non-root user of the transport's `sudo -n` path. "*" rather than a locked "!"
  # password: no password login, but not an account sshd refuses.
  chroot "$root" useradd --create-home --shell /bin/bash piherd
  chroot "$root" usermod -p '*' piherd
  printf 'piherd ALL=(ALL:ALL) NOPASSWD: ALL\n' >"$root"/etc/sudoers.d/piherd
  chmod 0440 "$root"/etc/sudoers.d/piherd
  mkdir -p "$root"/etc/systemd/journald.conf.d
  printf '[Journal]\nStorage=volatile\nRuntimeMaxUse=16M\n' \
    >"$root"/etc/systemd/journald.conf.d/50-phf.conf
  # Hosts reach nothing but the bridge: no resolver (lookups fail at once instead of
  # timing out), and apt sources are written per host to the local repository.
  : >"$root"/etc/resolv.conf
  rm -f "$root"/etc/apt/sources.list "$root"/etc/apt/sources.list.d/*
  chroot "$root" apt-get clean
  rm -rf "$root"/var/lib/apt/lists/*
  mkdir -p "$root"/var/lib/apt/lists/partial
  # Each host writes its own machine id.
  : >"$root"/etc/machine-id
}

phf_base_hash() {
  printf '%s\n' "$PHF_BASE_VERSION" "$PHF_SUITE" "$PHF_MIRROR" "$PHF_BASE_PKGS" \
    "$(declare -f phf_base_customize)" | sha256sum | cut -c1-16
}

phf_base_dir() { printf '%s/base-%s' "$PHF_CACHE" "$(phf_base_hash)"; }

# Prints the path of the base, building it first when it is not cached. The build goes to a
# temporary directory renamed into place at the end: an interrupted build leaves no base.
phf_ensure_base() {
  local base tmp log start
  base=$(phf_base_dir)
  if [[ -d $base ]]; then
    printf '%s' "$base"
    return 0
  fi
  mkdir -p "$PHF_CACHE"
  phf_remove_stale_base_builds
  tmp=$base.tmp.$$
  log=$PHF_CACHE/base-build.log
  start=$(phf_now_ms)
  phf_log "building the base image $(basename "$base") (debootstrap, about a minute; log: $log)"
  if ! debootstrap --variant=minbase --include="$PHF_BASE_PKGS" "$PHF_SUITE" "$tmp" "$PHF_MIRROR" \
    >"$log" 2>&1; then
    tail -n 20 "$log" >&2
    phf_remove_tree "$tmp"
    phf_die "debootstrap failed (log: $log)"
  fi
  if ! phf_base_customize "$tmp" >>"$log" 2>&1; then
    tail -n 20 "$log" >&2
    phf_remove_tree "$tmp"
    phf_die "customizing the base failed (log: $log)"
  fi
  mv -T "$tmp" "$base"
  phf_log "base image built in $(( ($(phf_now_ms) - start) / 1000 )) s"
  # Older bases (another package list) are no longer used by anything.
  local old
  for old in "$PHF_CACHE"/base-*; do
    if [[ -d $old && $old != "$base" && $old != *.tmp.* ]]; then phf_remove_tree "$old"; fi
  done
  printf '%s' "$base"
}

# Builds that died half-way: debootstrap may have left /proc or /sys mounted inside.
phf_remove_stale_base_builds() {
  local d
  for d in "$PHF_CACHE"/base-*.tmp.*; do
    if [[ -d $d ]]; then phf_remove_tree "$d"; fi
  done
}

# Removes a directory tree after unmounting anything mounted below it, never crossing into
# another file system.
phf_remove_tree() {
  local dir=$1 mp
  [[ -n $dir && $dir != / ]] || return 1
  [[ -e $dir ]] || return 0
  while read -r mp; do
    umount "$mp" 2>/dev/null || umount -l "$mp" 2>/dev/null || true
  done < <(awk -v d="$dir/" 'index($5, d) == 1 {print $5}' /proc/self/mountinfo | sort -r)
  rm -rf --one-file-system "$dir"
}
