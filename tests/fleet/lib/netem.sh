# shellcheck shell=bash
# Latency and loss on a host's link, on the packets the host sends (the egress of its host0,
# as `tc qdisc add dev host0 root netem ...` would do): an iptables chain PHF-NETEM (mangle
# table, POSTROUTING, in the host's network namespace) drops a share of them (statistic
# match) and queues the rest to netem.py, which holds each for the delay. The kernel's own
# netem qdisc is not used because kernels built without it exist (CI's among them), and the
# NFQUEUE target is iptables' because the same kernels lack nftables' queue expression. The settings survive stop and start of the host (they belong to its
# link, not to its operating system).
#
#   fleet netem HOST delay 200ms [JITTER] [loss 10%]
#   fleet netem HOST loss 10%
#   fleet netem HOST clear

# Prints a duration (200ms, 1s, 1.5s, 500us) in milliseconds.
phf_netem_ms() {
  local v=$1
  [[ $v =~ ^([0-9]+(\.[0-9]+)?)(us|ms|s)$ ]] || phf_die "bad duration '$v' (examples: 200ms, 1s)"
  awk -v n="${BASH_REMATCH[1]}" -v u="${BASH_REMATCH[3]}" \
    'BEGIN { printf "%g", (u == "s" ? n * 1000 : (u == "us" ? n / 1000 : n)) }'
}

# Prints a percentage (10%, 0.5%) as a probability (0.1, 0.005), at most 1.
phf_netem_probability() {
  local v=$1
  [[ $v =~ ^([0-9]+(\.[0-9]+)?)%?$ ]] || phf_die "bad percentage '$v' (example: 10%)"
  awk -v p="${BASH_REMATCH[1]}" 'BEGIN { p /= 100; if (p > 1) p = 1; printf "%.5f", p }'
}

phf_netem_ipt() { ip netns exec "$1" iptables -w 5 -t mangle "${@:2}"; }

phf_netem_clear() {
  local name=$1 dir pid
  dir=$(phf_host_dir "$name")
  phf_netem_ipt "$name" -D POSTROUTING -o host0 -j PHF-NETEM 2>/dev/null || true
  phf_netem_ipt "$name" -F PHF-NETEM 2>/dev/null || true
  phf_netem_ipt "$name" -X PHF-NETEM 2>/dev/null || true
  if pid=$(phf_pidfile_alive "$dir/netem.pid" python3); then
    kill -TERM "$pid"
    phf_wait_gone "$pid" 5 || kill -KILL "$pid" 2>/dev/null || true
  fi
  rm -f "$dir/netem.pid" "$dir/netem.ready" "$dir/netem"
}

phf_netem() {
  local name=$1 dir delay="" jitter=0 loss="" pid i
  shift
  dir=$(phf_host_dir "$name")
  (($# > 0)) || phf_die "usage: fleet netem HOST delay 200ms [JITTER] [loss 10%] | loss 10% | clear"
  if [[ $1 == clear ]]; then
    phf_netem_clear "$name"
    phf_log "$name: netem cleared"
    return 0
  fi
  local spec="$*"
  while (($# > 0)); do
    case $1 in
      delay)
        (($# >= 2)) || phf_die "delay needs a duration"
        delay=$(phf_netem_ms "$2")
        shift 2
        if (($# > 0)) && [[ $1 =~ ^[0-9] ]]; then
          jitter=$(phf_netem_ms "$1")
          shift
        fi
        ;;
      loss)
        (($# >= 2)) || phf_die "loss needs a percentage"
        loss=$(phf_netem_probability "$2")
        shift 2
        ;;
      *) phf_die "unknown netem argument '$1' (supported: delay, loss, clear)" ;;
    esac
  done
  phf_netem_clear "$name"
  phf_netem_ipt "$name" -N PHF-NETEM
  if [[ -n $loss ]]; then
    phf_netem_ipt "$name" -A PHF-NETEM -m statistic --mode random --probability "$loss" -j DROP
  fi
  if [[ -n $delay ]]; then
    ip netns exec "$name" setsid "$PHF_PYTHON" "$PHF_LIB/netem.py" --queue 0 \
      --delay-ms "$delay" --jitter-ms "$jitter" --ready "$dir/netem.ready" \
      </dev/null >>"$dir/netem.log" 2>&1 &
    pid=$!
    printf '%s\n' "$pid" >"$dir/netem.pid"
    for ((i = 0; i < 50; i++)); do
      [[ -e $dir/netem.ready || ! -d /proc/$pid ]] && break
      sleep 0.1
    done
    [[ -e $dir/netem.ready ]] || phf_die "$name: netem helper did not start (log: $dir/netem.log)"
    # --queue-bypass: should the helper die, packets flow undelayed rather than stop.
    phf_netem_ipt "$name" -A PHF-NETEM -j NFQUEUE --queue-num 0 --queue-bypass
  fi
  phf_netem_ipt "$name" -A POSTROUTING -o host0 -j PHF-NETEM
  printf '%s\n' "$spec" >"$dir/netem"
  phf_log "$name: netem $spec"
}
