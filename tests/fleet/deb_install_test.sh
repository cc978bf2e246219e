#!/usr/bin/env bash
# Fleet test "fleet_deb_install" (issue 13): builds the amd64 .deb with CPack from a build
# directory, installs it on a fleet host that has never had piherd with
# `apt-get install ./piherd_*.deb` (its Depends, from dpkg-shlibdeps, come from the fleet's
# local apt repository), then checks there: `piherd version` is this build's (version,
# commit, build type), `piherd validate` accepts the installed examples, and the unit, CRDs,
# rules and dashboard are under /usr/share/piherd. The host is left as it was: piherd and
# every package its install pulled in are purged.
#   deb_install_test.sh BUILD_DIR      (PIHERD_FLEET_INVENTORY names the running fleet)
set -uo pipefail
build=$(cd "$1" && pwd)
INVENTORY=${PIHERD_FLEET_INVENTORY:?PIHERD_FLEET_INVENTORY is not set}
PY=/usr/bin/python3
failed=0
check() {
  local what=$1
  shift
  if "$@"; then printf 'ok - %s\n' "$what"; else printf 'FAIL - %s\n' "$what"; failed=$((failed + 1)); fi
}
inv() { "$PY" -c 'import json,sys; print(eval(sys.argv[2], {"i": json.load(open(sys.argv[1]))}))' "$INVENTORY" "$1"; }
KEY=$(inv 'i["sshPrivateKey"]')
KNOWN=$(inv 'i["knownHosts"]')
# The last host: the other fleet tests build the cluster from the first ones.
ADDR=$(inv 'i["hosts"][-1]["address"]')
on_host() {
  ssh -i "$KEY" -o IdentitiesOnly=yes -o BatchMode=yes -o ConnectTimeout=5 \
    -o StrictHostKeyChecking=yes -o UserKnownHostsFile="$KNOWN" "root@$ADDR" "$@"
}

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
start=$SECONDS
if ! cpack -G DEB --config "$build/CPackConfig.cmake" -B "$tmp" >"$tmp/cpack.log" 2>&1; then
  cat "$tmp/cpack.log"
  echo "FAIL - cpack -G DEB"
  exit 1
fi
deb=$(ls "$tmp"/piherd_*_amd64.deb)
echo "ok - cpack made $(basename "$deb") in $((SECONDS - start)) s"
depends=$(dpkg-deb -f "$deb" Depends)
echo "Depends: $depends"
check "Depends (dpkg-shlibdeps) names libssh, yaml-cpp, prometheus-cpp, cpp-httplib, OpenSSL" \
  grep -qE 'libssh-4.*' <<<"$depends"
for lib in libyaml-cpp libprometheus-cpp-core libcpp-httplib libssl3 libstdc\\+\\+6 libc6; do
  check "Depends has $lib" grep -qE "(^|, )$lib" <<<"$depends"
done

if on_host 'command -v piherd || dpkg-query -W piherd' >/dev/null 2>&1; then
  echo "FAIL - the host is not fresh: piherd is there already"
  exit 1
fi
on_host "dpkg-query -W -f '\${Package}\n' | sort" >"$tmp/before" || { echo "FAIL - ssh to $ADDR"; exit 1; }
remote=/tmp/$(basename "$deb")
on_host "cat >$remote" <"$deb"
start=$SECONDS
check "apt-get install ./$(basename "$deb") from the local repository" \
  on_host "apt-get update -qq && cd /tmp && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq ./$(basename "$deb") >/tmp/piherd-install.log 2>&1 || { cat /tmp/piherd-install.log; false; }"
echo "# installed in $((SECONDS - start)) s"

want=$("$build/piherd" version)
got=$(on_host piherd version)
echo "# piherd version on the host: $got"
check "installed piherd version is this build's ($want)" test "$got" = "$want"
check "version line has the version, a commit and the build type" \
  grep -qE '^piherd [0-9]+\.[0-9]+\.[0-9]+ \(commit ([0-9a-f]{7,}(-dirty)?|unknown), [A-Za-z]+\)$' <<<"$got"
check "piherd is /usr/bin/piherd, owned by the package" on_host 'test "$(dpkg -S /usr/bin/piherd)" = "piherd: /usr/bin/piherd"'
check "piherd validate accepts the installed examples" \
  on_host 'piherd validate -f /usr/share/piherd/examples/seed-8pi/'
for f in systemd/piherd.service prometheus/alerts.yaml prometheus/prometheusrule.yaml \
  grafana/piherd.json crds/machine.yaml; do
  check "/usr/share/piherd/$f installed" on_host "test -s /usr/share/piherd/$f"
done

# Leave the host as it was: purge piherd and what it pulled in.
on_host "dpkg-query -W -f '\${Package}\n' | sort" >"$tmp/after"
added=$(comm -13 "$tmp/before" "$tmp/after" | tr '\n' ' ')
check "purged again (piherd $added)" \
  on_host "DEBIAN_FRONTEND=noninteractive apt-get purge -y -qq $added >/dev/null 2>&1; rm -f $remote; ! dpkg-query -W piherd >/dev/null 2>&1"
((failed == 0))
