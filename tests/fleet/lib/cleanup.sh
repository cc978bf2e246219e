# shellcheck shell=bash
# Tear-down of everything the fleet creates, including what a killed earlier run left behind:
# resources are found by the "phf" prefix and by what they are, not by this run's records.
# Safe to run any number of times; `fleet up` runs it first.

# Paths a stale mount or process root of ours can live under: the run directory (also at its
# default place, should an earlier run have used it) and our own half-built base images.
# Not the rest of $PHF_CACHE: tests/aptrepo/build-repo.sh keeps its own work there.
phf_our_path() {
  case $1 in
    "$PHF_RUN"/* | "$PHF_CACHE"/base-*.tmp.*/*) return 0 ;;
    /var/tmp/piherd-fleet/run/*) ((PHF_INSTANCE == 0)) && return 0 ;;
  esac
  return 1
}

# Prints the pids of every process of ours: nspawn of a phf machine, anything living in a
# phf network namespace (the hosts' processes, netem helpers), anything whose root is one
# of our overlays, and the repository server.
phf_our_pids() {
  local -A ours=()
  local f ino pid link root cmd comm d
  for f in /run/netns/"$PHF_PREFIX"-*; do
    [[ -e $f ]] || continue
    ino=$(stat -L -c %i "$f" 2>/dev/null) && ours["net:[$ino]"]=1
  done
  for d in /proc/[0-9]*; do
    pid=${d#/proc/}
    ((pid == $$ || pid == BASHPID)) && continue
    link=$(readlink "/proc/$pid/ns/net" 2>/dev/null) || continue
    if [[ -n ${ours[$link]:-} ]]; then
      printf '%s\n' "$pid"
      continue
    fi
    comm=$(cat "/proc/$pid/comm" 2>/dev/null) || continue
    cmd=$(tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null) || continue
    if [[ $comm == systemd-nspawn && $cmd == *--machine="$PHF_PREFIX"-h* ]] ||
      [[ $comm == python3* && $cmd == *http.server*--bind\ "$PHF_BRIDGE_IP"* ]]; then
      printf '%s\n' "$pid"
      continue
    fi
    root=$(readlink "/proc/$pid/root" 2>/dev/null) || continue
    [[ $root != / ]] && phf_our_path "$root/" && printf '%s\n' "$pid"
  done
  return 0
}

phf_kill_ours() {
  local pids pid i
  pids=$(phf_our_pids)
  [[ -n $pids ]] || return 0
  phf_log "killing $(wc -w <<<"$pids") leftover process(es) of the fleet"
  # SIGKILL on a container's PID 1 takes its whole pid namespace with it.
  for pid in $pids; do kill -KILL "$pid" 2>/dev/null || true; done
  for ((i = 0; i < 50; i++)); do
    pids=$(phf_our_pids)
    [[ -z $pids ]] && return 0
    for pid in $pids; do kill -KILL "$pid" 2>/dev/null || true; done
    sleep 0.2
  done
  phf_warn "processes still alive after SIGKILL: $pids"
}

# Overlay mounts named phf-*, and anything mounted under our paths, deepest first.
phf_our_mounts() {
  local mp
  awk -v p="$PHF_PREFIX-" '{
    for (i = 7; $i != "-"; i++) {}
    if ($(i + 1) == "overlay" && index($(i + 2), p) == 1) print "!" $5
    else print $5
  }' /proc/self/mountinfo | while read -r mp; do
    if [[ $mp == !* ]]; then
      printf '%s\n' "${mp#!}"
    elif phf_our_path "$mp/"; then
      printf '%s\n' "$mp"
    fi
  done | sort -ru
}

phf_unmount_ours() {
  local mp
  for mp in $(phf_our_mounts); do
    umount "$mp" 2>/dev/null || umount -l "$mp" 2>/dev/null || phf_warn "cannot unmount $mp"
  done
}

phf_delete_netns() {
  local ns
  for ns in $(ip netns list 2>/dev/null | awk '{print $1}'); do
    [[ $ns == "$PHF_PREFIX"-* ]] || continue
    ip netns del "$ns" 2>/dev/null || phf_warn "cannot delete netns $ns"
  done
  for ns in /run/netns/"$PHF_PREFIX"-*; do
    [[ -e $ns ]] || continue
    umount "$ns" 2>/dev/null || true
    rm -f "$ns"
  done
}

phf_delete_links() {
  local link
  for link in $(ip -o link show 2>/dev/null | awk -F': ' '{sub(/@.*/, "", $2); print $2}'); do
    [[ $link == "$PHF_PREFIX"-* ]] || continue
    ip link del "$link" 2>/dev/null || true
  done
}

phf_down() {
  phf_kill_ours
  phf_unmount_ours
  phf_delete_netns
  phf_delete_links
  phf_remove_tree "$PHF_RUN"
  phf_remove_stale_base_builds
  local left
  left=$(phf_leftovers)
  [[ -z $left ]] || phf_die "cleanup incomplete, left behind: $left"
  phf_log "down: no fleet resources left"
}

# What of ours still exists (empty when the machine is clean).
phf_leftovers() {
  local out=()
  [[ -n $(phf_our_pids) ]] && out+=("processes: $(phf_our_pids | tr '\n' ' ')")
  ip netns list 2>/dev/null | grep -q "^$PHF_PREFIX-" && out+=("netns")
  ip -o link show 2>/dev/null | grep -q ": $PHF_PREFIX-" && out+=("links")
  [[ -n $(phf_our_mounts) ]] && out+=("mounts: $(phf_our_mounts | tr '\n' ' ')")
  [[ -e $PHF_RUN ]] && out+=("$PHF_RUN")
  printf '%s' "${out[*]}"
}
