#!/usr/bin/env bash
# Fleet test of the Kubernetes stand-ins (tests/standins/; docs/test-packages.md), judged by
# the REAL kubectl and a real 3-member etcd: it installs kubeadm and kubelet 1.34.2 from
# the fleet's apt repository on four hosts, places a shared PKI (CAs and sa keys, as piherd
# will), and drives the stand-in kubeadm directly: init on host 1, a refused control-plane
# join while another etcd learner is pending, reset, then control-plane joins of hosts 2
# and 3 and a worker join of host 4. Then, with the machine's kubectl 1.33 and a fresh
# cache directory, through each control plane: nodes Ready with STATUS/ROLES/VERSION, -o
# wide, --raw, 403 for anonymous, apply (client- and server-side), delete, wait, get -w
# seeing an update made through another control plane, the piherd CRDs and examples with
# their printer columns; piherd's own Kubernetes client (kube/, tests/fleet/kube_client_fleet_check.cc)
# through each control plane; then host 3 powered off: reads and writes still work and it turns
# NotReady within node-monitor-grace-period (50 s) plus the 5 s monitor period; host 2
# powered off too: writes fail (no etcd quorum); both back: writes work again.
# Needs the fleet booted with at least 4 hosts (PIHERD_FLEET_INVENTORY). Prints TAP-like
# lines and ends with "N passed, N failed".
set -uo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
src=$(cd "$here/../.." && pwd)
fleet=$here/fleet
inv=${PIHERD_FLEET_INVENTORY:?PIHERD_FLEET_INVENTORY must name the fleet inventory}
work=$(mktemp -d /tmp/piherd-controlplane-test.XXXXXX)
started=$(date +%s)

jq_inv() { python3 -c "import json,sys; d=json.load(open('$inv')); print($1)"; }
mapfile -t names < <(jq_inv '"\n".join(h["name"] for h in d["hosts"])')
mapfile -t addrs < <(jq_inv '"\n".join(h["address"] for h in d["hosts"])')
key=$(jq_inv 'd["sshPrivateKey"]')
known=$(jq_inv 'd["knownHosts"]')
apt=$(jq_inv 'd["aptBaseUrl"]')
((${#names[@]} >= 4)) || { echo "need 4 fleet hosts, the inventory has ${#names[@]}"; exit 1; }

passed=0 failed=0
ok() { passed=$((passed + 1)); echo "ok - $*"; }
bad() { failed=$((failed + 1)); echo "not ok - $*"; }
check() { local what=$1; shift; if "$@"; then ok "$what"; else bad "$what"; fi; }
# check_out WHAT RC WANT: the command whose output is in $out failed (RC != 0) saying WANT.
check_out() {
  if [[ $2 -ne 0 && "$out" == *"$3"* ]]; then ok "$1"; else bad "$1"; echo "$out" | tail -5 | sed 's/^/#   /'; fi
}
# Other fleet tests expect hosts as booted: undo everything this test did to them, pass or fail.
cleanup_hosts() {
  local i
  for i in 0 1 2 3; do
    on "$i" 'kubeadm reset -f >/dev/null 2>&1
      DEBIAN_FRONTEND=noninteractive apt-get purge -y -qq --allow-change-held-packages \
        kubeadm kubelet kubectl kubernetes-cni etcd-server etcd-client >/dev/null 2>&1
      DEBIAN_FRONTEND=noninteractive apt-get autoremove --purge -y -qq >/dev/null 2>&1
      rm -rf /etc/kubernetes /var/lib/kubelet /var/lib/etcd /var/log/pods /run/kubelet-standin \
        /var/log/kubeadm-standin.log /etc/apt/sources.list.d/kubernetes.list \
        /etc/apt/keyrings/kubernetes-apt-keyring.gpg /root/init.yaml /root/nested.yaml /root/join-learner.yaml /root/ca.crt.keep
      sed -i "/ cp\.fleet\.test$/d" /etc/hosts' &
  done
  wait
}
on_exit() {
  jobs -p | xargs -r kill 2>/dev/null
  "$fleet" start "${names[1]}" >/dev/null 2>&1
  "$fleet" start "${names[2]}" >/dev/null 2>&1
  cleanup_hosts
  rm -rf "$work"
}
trap on_exit EXIT
finish() {
  echo "# controlplane_test took $(($(date +%s) - started)) s"
  echo "$passed passed, $failed failed"
  ((failed == 0))
  exit
}

on() {  # on I CMD...: runs CMD (a shell string) as root on host I (0-based) over SSH
  local i=$1; shift
  ssh -q -i "$key" -o UserKnownHostsFile="$known" -o StrictHostKeyChecking=yes \
    -o BatchMode=yes -o ConnectTimeout=5 "root@${addrs[$i]}" "$@"
}

kubectl_bin=$(dirname "$(readlink -f "$(command -v kubectl)")")/kubectl.1.33
[[ -x "$kubectl_bin" ]] || { echo "no real kubectl.1.33 on this machine"; exit 1; }
k() {  # k I ARGS...: the real kubectl through control plane I, fresh discovery cache
  local i=$1; shift
  "$kubectl_bin" --kubeconfig="$work/admin.conf" --server="https://${addrs[$i]}:6443" \
    --cache-dir="$work/cache$i" "$@"
}

quiet() { "$@" >/dev/null; }
poll() {  # poll SECONDS CMD...: until CMD succeeds; returns its last status
  local deadline=$(($(date +%s) + $1)); shift
  until "$@"; do (($(date +%s) < deadline)) || return 1; sleep 1; done
}

# ---- install (hosts in parallel) -------------------------------------------------------
# Other suites may have run on these hosts first (ctest orders by cost): their certificates
# in /etc/kubernetes/pki, their kubeadm/kubelet packages. Start from hosts as booted.
cleanup_hosts
install_host() {
  on "$1" "set -e
    mkdir -p /etc/apt/keyrings
    curl -fsSL $apt/kubernetes/v1.34/deb/Release.key | gpg --dearmor --yes -o /etc/apt/keyrings/kubernetes-apt-keyring.gpg
    chmod 0644 /etc/apt/keyrings/kubernetes-apt-keyring.gpg
    echo 'deb [signed-by=/etc/apt/keyrings/kubernetes-apt-keyring.gpg] $apt/kubernetes/v1.34/deb/ /' >/etc/apt/sources.list.d/kubernetes.list
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq -o Dpkg::Options::=--force-confold \
      --allow-change-held-packages --allow-downgrades \
      kubeadm=1.34.2-1.1 kubelet=1.34.2-1.1 >/dev/null
    # The controlPlaneEndpoint's name points at host 1 everywhere, as a VIP held by host 1
    # would (this test powers off hosts 3 and 2, never host 1).
    echo '${addrs[0]} cp.fleet.test' >>/etc/hosts" >"$work/install$1.log" 2>&1
}
for i in 0 1 2 3; do install_host "$i" & done
inst_ok=1
for j in $(jobs -p); do wait "$j" || inst_ok=0; done
check "kubeadm and kubelet 1.34.2 install from the signed repository on 4 hosts" test $inst_ok = 1
((inst_ok)) || { tail -5 "$work"/install*.log; finish; }
check "etcd-server's own single-node etcd is not running (port 2379 free for the static pod)" \
  on 0 '! systemctl is-active --quiet etcd'

# ---- shared PKI, placed before kubeadm like piherd will ----------------------------------
pki=$work/pki
mkdir -p "$pki/etcd"
mkca() { openssl req -x509 -newkey rsa:2048 -nodes -keyout "$pki/$1.key" -out "$pki/$1.crt" \
  -days 3650 -subj "/CN=$2" -addext "keyUsage=critical,digitalSignature,keyEncipherment,keyCertSign" \
  -addext "basicConstraints=critical,CA:TRUE" 2>/dev/null; }
mkca ca kubernetes; mkca front-proxy-ca front-proxy-ca; mkca etcd/ca etcd-ca
openssl genrsa -out "$pki/sa.key" 2048 2>/dev/null
openssl rsa -in "$pki/sa.key" -pubout -out "$pki/sa.pub" 2>/dev/null
place_pki() {
  tar -C "$pki" -cf - . | on "$1" 'mkdir -p /etc/kubernetes/pki && tar -C /etc/kubernetes/pki -xf - &&
    chmod 600 /etc/kubernetes/pki/*.key /etc/kubernetes/pki/etcd/*.key'
}
for i in 0 1 2; do place_pki "$i"; done

# A bad certificate is refused with real kubeadm's message (a leaf signed by another CA).
openssl req -x509 -newkey rsa:2048 -nodes -keyout "$work/other.key" -out "$work/other.crt" \
  -days 1 -subj "/CN=other" 2>/dev/null
openssl req -newkey rsa:2048 -nodes -keyout "$work/bad.key" -out "$work/bad.csr" \
  -subj "/CN=kube-apiserver" 2>/dev/null
openssl x509 -req -in "$work/bad.csr" -CA "$work/other.crt" -CAkey "$work/other.key" \
  -CAcreateserial -days 1 -out "$work/bad.crt" 2>/dev/null

cat >"$work/init.yaml" <<EOF
apiVersion: kubeadm.k8s.io/v1beta4
kind: InitConfiguration
localAPIEndpoint: {advertiseAddress: ${addrs[0]}, bindPort: 6443}
nodeRegistration: {name: ${names[0]}}
---
apiVersion: kubeadm.k8s.io/v1beta4
kind: ClusterConfiguration
kubernetesVersion: v1.34.2
controlPlaneEndpoint: cp.fleet.test:6443
networking: {podSubnet: 10.244.0.0/16, serviceSubnet: 10.96.0.0/12}
encryptionAlgorithm: ECDSA-P256
apiServer:
  extraArgs:
  - {name: request-timeout, value: 10s}
---
apiVersion: kubelet.config.k8s.io/v1beta1
kind: KubeletConfiguration
cgroupDriver: systemd
EOF
cat >"$work/nested.yaml" <<EOF
apiVersion: kubeadm.k8s.io/v1beta4
kind: ClusterConfiguration
controlPlaneEndpoint: cp.fleet.test:6443
apiServer: {podSubnet: 10.244.0.0/16}
EOF
on 0 'cat >/root/init.yaml' <"$work/init.yaml"
on 0 'cat >/root/nested.yaml' <"$work/nested.yaml"

out=$(on 0 'kubeadm init --config /root/nested.yaml 2>&1'); rc=$?
check_out "init refuses podSubnet nested under apiServer" $rc 'unknown field "apiServer.podSubnet"'
on 0 'cp /etc/kubernetes/pki/ca.crt /root/ca.crt.keep' # the bad cert goes in apiserver.crt
on 0 'cat >/etc/kubernetes/pki/apiserver.crt' <"$work/bad.crt"
on 0 'cat >/etc/kubernetes/pki/apiserver.key' <"$work/bad.key"
out=$(on 0 'kubeadm init --config /root/init.yaml 2>&1'); rc=$?
check_out "init refuses a pre-placed apiserver certificate not signed by the CA" $rc \
  'certificate apiserver not signed by CA certificate ca'
on 0 'rm -f /etc/kubernetes/pki/apiserver.crt /etc/kubernetes/pki/apiserver.key'

t0=$(date +%s)
out=$(on 0 'kubeadm init --config /root/init.yaml 2>&1'); rc=$?
check "kubeadm init on ${names[0]} ($(($(date +%s) - t0)) s)" test $rc -eq 0
((rc == 0)) || { echo "$out" | tail -20; on 0 'journalctl -u kubelet --no-pager | tail -20; tail -20 /var/log/pods/*/0.log'; finish; }
check "init used the placed CA and generated the apiserver certificate with the endpoint SAN" \
  on 0 'cmp -s /root/ca.crt.keep /etc/kubernetes/pki/ca.crt && openssl x509 -in /etc/kubernetes/pki/apiserver.crt -noout -ext subjectAltName | grep -q "DNS:cp.fleet.test"'
check "init wrote admin.conf, super-admin.conf, kubelet.conf, the manifests, kubelet config and flags" \
  on 0 'cd /etc/kubernetes && test -s admin.conf -a -s super-admin.conf -a -s kubelet.conf -a -s controller-manager.conf -a -s scheduler.conf -a -s manifests/etcd.yaml -a -s manifests/kube-apiserver.yaml -a -s /var/lib/kubelet/config.yaml && grep -q node-ip=${addrs[0]} /var/lib/kubelet/kubeadm-flags.env'
out=$(on 0 'kubeadm init --config /root/init.yaml 2>&1'); rc=$?
check "a second init fails preflight: port 6443 in use, manifests present" \
  test $rc -ne 0 -a -n "$(grep -F '[ERROR Port-6443]: Port 6443 is in use' <<<"$out")" \
  -a -n "$(grep -F 'FileAvailable--etc-kubernetes-manifests-kube-apiserver.yaml' <<<"$out")"
on 0 'cat /etc/kubernetes/admin.conf' >"$work/admin.conf"

join=$(on 0 'kubeadm token create --print-join-command 2>/dev/null')
check "token create --print-join-command prints a join command with a CA hash" \
  grep -qE '^kubeadm join cp\.fleet\.test:6443 --token [a-z0-9]{6}\.[a-z0-9]{16} --discovery-token-ca-cert-hash sha256:[0-9a-f]{64}' <<<"$join"
join=${join//cp.fleet.test/${addrs[0]}}  # the joining hosts reach host 1 by address

# etcd admits one learner at a time: with a learner pending, a control-plane join fails.
etcdctl0='ETCDCTL_API=3 etcdctl --endpoints=https://127.0.0.1:2379 --cacert=/etc/kubernetes/pki/etcd/ca.crt --cert=/etc/kubernetes/pki/etcd/healthcheck-client.crt --key=/etc/kubernetes/pki/etcd/healthcheck-client.key'
# kubeadm retries member add until timeouts.etcdAPICall (2m0s by default): this join
# config (the same token and CA hash) makes that 10 s.
read -r _ _ join_ep _ join_token _ join_hash <<<"$join"
on 1 'cat >/root/join-learner.yaml' <<EOF
apiVersion: kubeadm.k8s.io/v1beta4
kind: JoinConfiguration
discovery:
  bootstrapToken: {apiServerEndpoint: "$join_ep", token: "$join_token", caCertHashes: ["$join_hash"]}
controlPlane:
  localAPIEndpoint: {advertiseAddress: ${addrs[1]}}
timeouts: {etcdAPICall: 10s}
EOF
learner=$(on 0 "$etcdctl0 member add pending --learner --peer-urls=https://192.0.2.1:2380" | sed -n 's/^Member \([0-9a-f]*\) added.*/\1/p')
out=$(on 1 'kubeadm join --config /root/join-learner.yaml 2>&1'); rc=$?
check_out "a control-plane join while another etcd learner is pending is refused" $rc \
  'too many learner members in cluster'
on 0 "$etcdctl0 member remove $learner" >/dev/null
out=$(on 1 'kubeadm reset -f 2>&1'); rc=$?
check "kubeadm reset -f cleans the failed join" \
  on 1 'test ! -e /etc/kubernetes/pki/ca.crt -a ! -e /etc/kubernetes/admin.conf'
place_pki 1

for i in 1 2; do
  t0=$(date +%s)
  out=$(on "$i" "$join --control-plane --apiserver-advertise-address=${addrs[$i]} 2>&1"); rc=$?
  check "control-plane join of ${names[$i]} ($(($(date +%s) - t0)) s)" test $rc -eq 0
  ((rc == 0)) || { echo "$out" | tail -15; on "$i" 'tail -20 /var/log/pods/*etcd*/0.log'; }
done
t0=$(date +%s)
out=$(on 3 "$join 2>&1"); rc=$?
check "worker join of ${names[3]} through token discovery and TLS bootstrap ($(($(date +%s) - t0)) s)" test $rc -eq 0
((rc == 0)) || echo "$out" | tail -15
members=$(on 0 "$etcdctl0 member list" | grep -c ', started, ')
check "etcd has 3 started voting members" test "$members" = 3
check "the kubeadm log records each invocation with start and end" \
  on 0 'grep -q "^START .* kubeadm init --config /root/init.yaml" /var/log/kubeadm-standin.log && grep -q "^END .* rc=0" /var/log/kubeadm-standin.log && ! grep -qE "[a-z0-9]{6}\.[a-z0-9]{16}" /var/log/kubeadm-standin.log'

# ---- the real kubectl ------------------------------------------------------------------
all_ready() { [[ $(k 0 get nodes --no-headers 2>/dev/null | awk '$2 == "Ready"' | wc -l) == 4 ]]; }
check "kubectl get nodes: all 4 nodes Ready" poll 60 all_ready
nodes=$(k 1 get nodes 2>&1)
echo "$nodes" | sed 's/^/# /'
check "get nodes prints STATUS, ROLES and VERSION (through ${names[1]})" \
  grep -qE "^${names[0]} +Ready +control-plane +[0-9a-z]+ +v1\.34\.2$" <<<"$nodes"
check "the worker has no role" grep -qE "^${names[3]} +Ready +<none> " <<<"$nodes"
wide=$(k 2 get nodes -o wide)
check "get -o wide shows each node's INTERNAL-IP (through ${names[2]})" \
  grep -qE "^${names[3]} .* ${addrs[3]//./\\.} +<none> +Debian" <<<"$wide"
raw=$(k 0 get --raw /api/v1/nodes)
check "get --raw /api/v1/nodes is a NodeList of 4" \
  python3 -c 'import json,sys; d=json.loads(sys.argv[1]); assert d["kind"]=="NodeList" and len(d["items"])==4' "$raw"
code=$(curl -sk -o "$work/anon.json" -w '%{http_code}' "https://${addrs[0]}:6443/api/v1/nodes")
check "anonymous list of nodes is 403 with the real Status body" \
  test "$code" = 403 -a -n "$(grep -F 'User \"system:anonymous\" cannot list resource \"nodes\"' "$work/anon.json")"

cat >"$work/cm.yaml" <<EOF
apiVersion: v1
kind: ConfigMap
metadata: {name: demo, namespace: default, labels: {app: demo}}
data: {color: blue}
EOF
check "apply (client-side) creates a ConfigMap" quiet k 0 apply --validate=false -f "$work/cm.yaml"
sed -i 's/blue/green/' "$work/cm.yaml"
check "apply (client-side) updates it" quiet k 1 apply --validate=false -f "$work/cm.yaml"
check "the update is visible through another control plane" \
  test "$(k 2 get cm demo -o jsonpath='{.data.color}')" = green
sed -i 's/green/red/' "$work/cm.yaml"
check "apply --server-side takes it over" quiet k 0 apply --server-side --force-conflicts --validate=false -f "$work/cm.yaml"
check "server-side apply recorded kubectl as field manager" \
  grep -q '"manager":"kubectl","operation":"Apply"' <(k 0 get cm demo -o json --show-managed-fields | python3 -c 'import json,sys; print(json.dumps(json.load(sys.stdin)["metadata"]["managedFields"], separators=(",",":")))')
k 0 get cm demo -w -o 'jsonpath={.data.color}{"\n"}' >"$work/watch.out" 2>&1 &
watcher=$!
poll 10 grep -q red "$work/watch.out"
k 2 patch cm demo --type merge -p '{"data":{"color":"purple"}}' >/dev/null
check "get -w through ${names[0]} sees an update made through ${names[2]}" poll 10 grep -q purple "$work/watch.out"
kill $watcher 2>/dev/null
check "delete removes it" quiet k 1 delete cm demo
check "wait --for=delete returns at once for a deleted object" quiet k 2 wait --for=delete cm/demo --timeout=10s

check "apply -f crds/" quiet k 0 apply --validate=false -f "$src/crds/"
check "CRDs become Established (kubectl wait)" quiet k 0 wait --for=condition=Established crd --all --timeout=20s
# Established is the answer of the apiserver that was asked (host 1's); another one serves the
# new kinds once its CRD cache has caught up (the stand-in re-reads every second; a real
# apiserver's informer is faster, but just as eventual), so the apply through host 2 may need
# a few tries.
check "apply -f examples/seed-8pi/ through another control plane (within 15 s)" \
  poll 15 quiet k 1 apply --validate=false -f "$src/examples/seed-8pi/"
cols=$(k 2 get machines,virtualips,clusters 2>&1)
echo "$cols" | sed 's/^/# /'
check "get machines,virtualips,clusters shows the CRDs' printer columns" \
  test -n "$(grep -E '^NAME +ROLE +ADDRESS +PHASE +AGE' <<<"$cols")" \
  -a -n "$(grep -E '^NAME +ADDRESS +INTERFACE +HOLDERS +REACHABLE +AGE' <<<"$cols")" \
  -a -n "$(grep -E '^machine.piherd.io/master01 +control-plane +192\.168\.3\.11 ' <<<"$cols")"
check "certs check-expiration lists the apiserver certificate" \
  on 1 'kubeadm certs check-expiration | grep -E "^apiserver +[A-Z][a-z]{2} [0-9]{2}, [0-9]{4} .* ca +no$" >/dev/null'

# ---- piherd's own Kubernetes client (kube/), against the same cluster -------------------
kube_check=${PIHERD_KUBE_CHECK:-}
if [[ -x "$kube_check" ]]; then
  PIHERD_KUBECONFIG="$work/admin.conf" \
    PIHERD_KUBE_SERVERS="https://${addrs[0]}:6443,https://${addrs[1]}:6443,https://${addrs[2]}:6443" \
    "$kube_check" >"$work/kube-check.log" 2>&1; rc=$?
  grep -E '^\[ +(OK|FAILED) +\]' "$work/kube-check.log" | sed 's/^/# /'
  check "piherd's Kubernetes client: list, pages, watch, update, apply, status, errors (kube_client_fleet_check)" \
    test $rc -eq 0
  ((rc == 0)) || grep -B2 -A12 'Failure' "$work/kube-check.log" | head -60
else
  bad "piherd's Kubernetes client check: PIHERD_KUBE_CHECK does not name the built piherd_kube_fleet_check (run this test through ctest)"
fi

# ---- failures --------------------------------------------------------------------------
# Writes go through `create -f` (JSON): `kubectl create namespace` sends protobuf, which the
# stand-in does not decode (docs/test-packages.md).
mkns() { printf 'apiVersion: v1\nkind: Namespace\nmetadata: {name: %s}\n' "$2" | k "$1" "${@:3}" create --validate=false -f - >/dev/null; }
"$fleet" stop "${names[2]}" >/dev/null
down=$(date +%s)
check "one control plane off: writes still work (through ${names[0]})" mkns 0 one-down
check "one control plane off: reads still work (through ${names[1]})" k 1 get ns one-down
not_ready() { k 0 get node "${names[2]}" --no-headers 2>/dev/null | grep -q ' NotReady '; }
poll 90 not_ready; nr=$?
elapsed=$(($(date +%s) - down))
check "${names[2]} turns NotReady ${elapsed} s after power-off (grace 50 s + 5 s monitor period + a 10 s lease renewal)" \
  test $nr -eq 0 -a $elapsed -ge 40 -a $elapsed -le 70
check "the other nodes stay Ready" \
  test "$(k 0 get nodes --no-headers | awk '$2 == "Ready"' | wc -l)" = 3
"$fleet" stop "${names[1]}" >/dev/null
t0=$(date +%s)
out=$(mkns 0 two-down --request-timeout=30s 2>&1); rc=$?
# The failure must be the server's (no quorum), not a client-side error.
check_out "two control planes off: writes fail without etcd quorum ($(($(date +%s) - t0)) s)" $rc \
  'deadline exceeded'
"$fleet" start "${names[1]}" >/dev/null
"$fleet" start "${names[2]}" >/dev/null
write_again() { mkns 0 back-up --request-timeout=15s 2>/dev/null || k 0 get ns back-up >/dev/null 2>&1; }
t0=$(date +%s)
check "hosts back: writes work again" poll 120 write_again
echo "# writes came back $(($(date +%s) - t0)) s after the hosts booted"
check "hosts back: all nodes Ready again" poll 60 all_ready
finish
