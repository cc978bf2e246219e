# The observation script as it was before the pass-cost rewrite (issue 12): one process per
# fact. Kept as the reference the rewrite is checked against: for the same queries, on the
# same host, both must give exactly the same facts (tests/unit/observation_equivalence_test.cc,
# bench/observe_probe.cc --compare). Not used by piherd itself.

set -u
export LC_ALL=C
emit() { printf '%s\t%s\t%s\t%s\n' "$1" "$2" "$3" "$4"; }
while IFS=' ' read -r kind arg; do
  case "$kind" in
  file)
    if [ -f "$arg" ]; then
      emit file "$arg" stat "$(stat -c '%a %U %G' -- "$arg")"
      emit file "$arg" content "$(base64 -w0 < "$arg")"
    else
      emit file "$arg" missing 1
    fi ;;
  digest)
    if [ -f "$arg" ]; then
      emit digest "$arg" stat "$(stat -c '%a %U %G' -- "$arg")"
      emit digest "$arg" sha256 "$(sha256sum < "$arg" | cut -d' ' -f1)"
    else
      emit digest "$arg" missing 1
    fi ;;
  kubeconfig-cert)
    if [ -f "$arg" ]; then
      emit kubeconfig-cert "$arg" data "$(sed -n 's|^[[:space:]]*client-certificate-data:[[:space:]]*\([A-Za-z0-9+/=]*\)[[:space:]]*$|\1|p' -- "$arg" | head -n 1)"
    fi ;;
  sysctl)
    p="/proc/sys/$(printf '%s' "$arg" | tr . /)"
    if [ -f "$p" ] && v=$(cat -- "$p" 2>/dev/null); then
      emit sysctl "$arg" value "$(printf '%s' "$v" | tr -s '\t ' '  ')"
      if [ -w "$p" ]; then emit sysctl "$arg" writable 1; else emit sysctl "$arg" writable 0; fi
    else
      emit sysctl "$arg" missing 1
    fi ;;
  module)
    if [ -d "/sys/module/$arg" ]; then emit module "$arg" loaded 1
    elif [ -d /sys/module ]; then emit module "$arg" loaded 0
    else emit module "$arg" loaded unknown; fi ;;
  package)
    emit package "$arg" status "$(dpkg-query -W -f='${db:Status-Status} ${Version}' -- "$arg" 2>/dev/null)" ;;
  unit)
    emit unit "$arg" active "$(systemctl is-active -- "$arg" 2>/dev/null)"
    emit unit "$arg" enabled "$(systemctl is-enabled -- "$arg" 2>/dev/null)" ;;
  holds)
    emit holds - list "$(apt-mark showhold 2>/dev/null | tr '\n' ' ')" ;;
  swaps)
    emit swaps - list "$(tail -n +2 /proc/swaps | while read -r dev rest; do printf '%s ' "$dev"; done)" ;;
  capeff)
    emit capeff - value "$(sed -n 's/^CapEff:[[:space:]]*//p' /proc/self/status)" ;;
  containerd-default)
    if command -v containerd >/dev/null 2>&1; then
      emit containerd-default - content "$(containerd config default 2>/dev/null | base64 -w0)"
    fi ;;
  addrs)
    emit addrs - observed 1
    ip -o -4 addr show 2>/dev/null | while read -r _ ifname _ cidr _; do
      emit addr "${ifname%%@*}" inet "$cidr"
    done ;;
  dpkg)
    n=0
    for f in /var/lib/dpkg/updates/*; do [ -e "$f" ] && n=$((n + 1)); done
    emit dpkg - updates "$n"
    emit dpkg - audit "$(dpkg --audit 2>/dev/null | base64 -w0)" ;;
  swap-sources)
    emit swap-sources - units "$(systemctl list-unit-files --type=swap --no-legend --no-pager 2>/dev/null | base64 -w0)"
    for f in /run/systemd/zram-generator.conf /etc/systemd/zram-generator.conf \
        /usr/local/lib/systemd/zram-generator.conf /usr/lib/systemd/zram-generator.conf \
        /run/systemd/zram-generator.conf.d/*.conf /etc/systemd/zram-generator.conf.d/*.conf \
        /usr/local/lib/systemd/zram-generator.conf.d/*.conf \
        /usr/lib/systemd/zram-generator.conf.d/*.conf; do
      [ -f "$f" ] || continue
      if grep -q '^[[:space:]]*\[zram' -- "$f" 2>/dev/null; then
        emit swap-sources "$f" zram-config "$(base64 -w0 < "$f")"
      else
        emit swap-sources "$f" zram-file 1
      fi
    done ;;
  esac
done
emit end - - -
