#!/bin/bash
# Runs inside the throwaway bookworm container of verify-repo.sh: does what a fleet host does
# with the local apt repository at REPO_URL and checks the outcome. Environment:
#   REPO_URL   where OUT is served (http://127.0.0.1:PORT)
#   NEW OLD    two versions of the newest minor (1.34.2-1.1, 1.34.1-1.1): install, downgrade
#   OTHER      a version of another minor (1.33.6-1.1), from its own repository line
# Prints one line per check and "N passed, N failed"; exits 1 when a check failed.
set -u
export DEBIAN_FRONTEND=noninteractive
passed=0 failed=0
ok() { passed=$((passed + 1)); echo "ok:   $*"; }
bad() { failed=$((failed + 1)); echo "FAIL: $*"; return 1; }
expect_eq() {  # expect_eq DESCRIPTION WANT GOT
  if [[ "$2" == "$3" ]]; then ok "$1 = $2"; else bad "$1: want '$2', got '$3'"; fi
}
expect_match() {  # expect_match DESCRIPTION REGEX TEXT
  if [[ "$3" =~ $2 ]]; then ok "$1"; else bad "$1: '$3' does not match /$2/"; fi
}
minor_of() { local v=${1%%-*}; echo "${v%.*}"; }
installed() { dpkg-query -W -f='${Version}' "$1" 2>/dev/null; }
apt_install() { apt-get install -y -q -o Dpkg::Options::=--force-confold "$@" >/tmp/apt.log 2>&1; }

keyring=/etc/apt/keyrings/kubernetes-apt-keyring.gpg
use_kubernetes_minor() {  # the one Kubernetes line of a host: one minor at a time
  echo "deb [signed-by=$keyring] $REPO_URL/kubernetes/v$1/deb/ /" \
    >/etc/apt/sources.list.d/kubernetes.list
}

# Only the local repository: the container shares the machine's network, so drop Debian's.
rm -f /etc/apt/sources.list /etc/apt/sources.list.d/*
echo "deb [trusted=yes] $REPO_URL/debian ./" >/etc/apt/sources.list.d/piherd-fleet.list
install -d -m 0755 /etc/apt/keyrings
curl -fsSL "$REPO_URL/kubernetes/v$(minor_of "$NEW")/deb/Release.key" | gpg --dearmor -o "$keyring" 2>/dev/null
chmod 0644 "$keyring"  # apt verifies as the unprivileged _apt user
use_kubernetes_minor "$(minor_of "$NEW")"

out=$(apt-get update 2>&1); rc=$?
expect_eq "apt-get update exit code" 0 "$rc"
if grep -qE '^(W|E):' <<<"$out"; then bad "apt-get update warns: $(grep -E '^(W|E):' <<<"$out")"; else ok "apt-get update without warnings"; fi
if grep -q 'deb.debian.org' <<<"$out"; then bad "apt reached Debian itself"; else ok "apt used only the local repository"; fi

# A host's install, pinned like piherd pins.
apt_install containerd "kubeadm=$NEW" "kubelet=$NEW" "kubectl=$NEW"
expect_eq "install containerd kubeadm kubelet kubectl=$NEW exit code" 0 "$?" || tail -20 /tmp/apt.log
v=${NEW%%-*}
expect_eq "kubeadm version -o short" "v$v" "$(kubeadm version -o short)"
minor=$(minor_of "$NEW")
expect_match "kubeadm version (real format)" "^kubeadm version: &version.Info\{Major:\"1\", Minor:\"${minor#1.}\", " "$(kubeadm version)"
expect_match "kubeadm version (GitVersion)" "GitVersion:\"v$v\"" "$(kubeadm version)"
expect_eq "kubelet --version" "Kubernetes v$v" "$(kubelet --version)"
expect_match "kubectl version --client (real kubectl, skew documented)" '^Client Version: v1\.[0-9]+\.[0-9]+' "$(kubectl version --client 2>&1)"
for p in kubeadm kubelet kubectl; do expect_eq "dpkg version of $p" "$NEW" "$(installed "$p")"; done
expect_match "containerd --version" '^containerd .*1\.6\.' "$(containerd --version)"
expect_match "runc --version" '^runc version' "$(runc --version)"
expect_match "kubernetes-cni installed" '^1\.' "$(installed kubernetes-cni)"
printf 'apiVersion: kubeadm.k8s.io/v1beta4\nkind: ClusterConfiguration\napiServer: {podSubnet: 10.244.0.0/16}\n' >/tmp/nested.yaml
err=$(kubeadm init --config /tmp/nested.yaml 2>&1 >/dev/null); rc=$?
expect_match "kubeadm init refuses a podSubnet under apiServer ($rc)" '^[1-9]' "$rc"
expect_match "kubeadm init: strict decoding message" 'unknown field "apiServer.podSubnet"' "$err"
err=$(kubeadm upgrade 2>&1 >/dev/null); rc=$?
expect_match "kubeadm upgrade: not implemented, exits non-zero ($rc)" '^[1-9]' "$rc"
expect_match "kubeadm upgrade: says so" 'not implemented by this stand-in yet' "$err"
err=$(kubelet --config=/var/lib/kubelet/config.yaml 2>&1); rc=$?
expect_match "kubelet without kubeadm's config exits non-zero ($rc)" '^[1-9]' "$rc"
expect_match "kubelet without config: real message" 'failed to load kubelet config file' "$err"
for f in /usr/lib/systemd/system/kubelet.service /usr/lib/systemd/system/kubelet.service.d/10-kubeadm.conf /etc/default/kubelet; do
  if [[ -f $f ]]; then ok "$f present"; else bad "$f missing"; fi
done
expect_match "kubelet.service restarts forever" 'Restart=always' "$(cat /usr/lib/systemd/system/kubelet.service)"
expect_match "kubelet.service RestartSec=10" 'RestartSec=10' "$(cat /usr/lib/systemd/system/kubelet.service)"
if [[ -L /etc/systemd/system/multi-user.target.wants/kubelet.service ]]; then ok "kubelet.service enabled"; else bad "kubelet.service not enabled"; fi

# Hold, as piherd does: a held package is not upgraded.
apt-mark hold kubeadm kubelet kubectl >/dev/null
expect_eq "held packages not upgraded" 0 "$(apt-get -s dist-upgrade | grep -c '^Inst kube')"
apt-mark unhold kubeadm kubelet kubectl >/dev/null

# Signature verification is real: a wrong key, or none, and apt refuses the repository.
rm -rf /var/lib/apt/lists/*
save=$(mktemp); cp "$keyring" "$save"
GNUPGHOME=$(mktemp -d); export GNUPGHOME
gpg --batch --quiet --passphrase '' --quick-gen-key "wrong key <wrong@invalid>" ed25519 sign never 2>/dev/null
gpg --batch --export "wrong key" >"$keyring"; chmod 0644 "$keyring"
gpgconf --kill gpg-agent; unset GNUPGHOME
out=$(apt-get update 2>&1); rc=$?
expect_match "apt-get update with a wrong key fails ($rc)" '^[1-9]' "$rc"
expect_match "apt reports the bad signature" 'NO_PUBKEY|not signed|signatures couldn.t be verified' "$out"
expect_eq "no kubeadm from an unverified repository" 0 "$(apt-cache policy kubeadm | grep -c "$REPO_URL/kubernetes")"
rm -f "$keyring"
out=$(apt-get update 2>&1); rc=$?
expect_match "apt-get update without the keyring fails ($rc)" '^[1-9]' "$rc"
install -m 0644 "$save" "$keyring"
out=$(apt-get update 2>&1); rc=$?
expect_eq "apt-get update with the right key again" 0 "$rc" || echo "$out"
expect_match "kubeadm offered again once verified" "$REPO_URL/kubernetes" "$(apt-cache policy kubeadm)"

# Downgrade within the minor.
apt_install --allow-downgrades "kubeadm=$OLD" "kubelet=$OLD" "kubectl=$OLD"
expect_eq "downgrade to $OLD exit code" 0 "$?" || tail -20 /tmp/apt.log
expect_eq "kubeadm version -o short after downgrade" "v${OLD%%-*}" "$(kubeadm version -o short)"
expect_eq "kubelet --version after downgrade" "Kubernetes v${OLD%%-*}" "$(kubelet --version)"
for p in kubeadm kubelet kubectl; do expect_eq "dpkg version of $p" "$OLD" "$(installed "$p")"; done

# Another minor comes from its own repository line, signed by the same key.
use_kubernetes_minor "$(minor_of "$OTHER")"
apt-get update -q >/dev/null 2>&1
expect_eq "v$(minor_of "$OTHER") repository offers only its minor" "$OTHER" "$(apt-cache madison kubeadm | awk '{print $3}' | sort -u | tr '\n' ' ' | sed 's/ $//')"
apt_install --allow-downgrades "kubeadm=$OTHER" "kubelet=$OTHER" "kubectl=$OTHER"
expect_eq "install $OTHER exit code" 0 "$?" || tail -20 /tmp/apt.log
expect_eq "kubeadm version -o short ($OTHER)" "v${OTHER%%-*}" "$(kubeadm version -o short)"

# Debian's etcd for the control-plane stand-ins.
apt_install etcd-server etcd-client
expect_eq "install etcd-server etcd-client exit code" 0 "$?" || tail -20 /tmp/apt.log
expect_match "etcd --version" 'etcd Version: 3\.4\.' "$(etcd --version)"
expect_match "etcdctl version" 'etcdctl version: 3\.4\.' "$(ETCDCTL_API=3 etcdctl version)"
for p in conntrack socat ebtables ethtool iptables; do
  apt_install "$p"; expect_eq "install $p exit code" 0 "$?"
done

echo "$passed passed, $failed failed"
((failed == 0))
