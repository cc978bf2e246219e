# shellcheck shell=bash disable=SC2154  # globals come from build-repo.sh, as said below
# Sourced by build-repo.sh: the Kubernetes half of the fleet repository, one repository per
# minor in TREE/kubernetes/v1.NN/deb/, laid out like pkgs.k8s.io/core:/stable:/v1.NN/deb/
# (flat "/" suite, debs under amd64/, Release signed as InRelease and Release.gpg, the public
# key as Release.key). Needs from build-repo.sh: here, gnupg_dir, work, log, die, and
# repo.conf's KUBERNETES_* and SIGNING_KEY_UID values.

# ensure_signing_key: generates the test signing key once (no passphrase, never expires) in
# gnupg_dir, which outlives rebuilds so hosts' keyrings stay valid. Sets key_fpr.
ensure_signing_key() {
  export GNUPGHOME=$gnupg_dir
  mkdir -p "$GNUPGHOME"
  chmod 0700 "$GNUPGHOME"
  if ! gpg --batch --list-secret-keys "=$SIGNING_KEY_UID" >/dev/null 2>&1; then
    log "kubernetes: generating the test signing key in $GNUPGHOME"
    gpg --batch --quiet --passphrase '' --quick-gen-key "$SIGNING_KEY_UID" rsa3072 sign never \
      2>"$work/gpg.log" || { cat "$work/gpg.log" >&2; die "gpg key generation failed"; }
  fi
  key_fpr=$(gpg --batch --no-auto-check-trustdb --with-colons --list-secret-keys "=$SIGNING_KEY_UID" |
    awk -F: '/^fpr:/ {print $10; exit}')
  [[ -n "$key_fpr" ]] || die "no fingerprint for the signing key"
}

stop_gpg_agent() {
  if [[ -n "${GNUPGHOME:-}" ]]; then gpgconf --kill gpg-agent 2>/dev/null || true; fi
}

# minors_of_versions: the distinct minors ("1.34") of KUBERNETES_VERSIONS.
minors_of_versions() {
  local v
  for v in "${KUBERNETES_VERSIONS[@]}"; do
    [[ "$v" =~ ^([0-9]+\.[0-9]+)\. ]] || die "bad version $v in repo.conf"
    echo "${BASH_REMATCH[1]}"
  done | sort -uV
}

# sign_release DIR MINOR: writes DIR/Release and its signatures.
sign_release() {
  local dir=$1 minor=$2
  (
    cd "$dir" || exit 1
    apt-ftparchive \
      -o APT::FTPArchive::Release::Origin="piherd-fleet:isv:kubernetes:core:stable:v$minor/deb" \
      -o APT::FTPArchive::Release::Label="isv:kubernetes:core:stable:v$minor" \
      -o APT::FTPArchive::Release::Architectures="$(dpkg --print-architecture)" \
      release . >"$work/Release.k8s"
    mv "$work/Release.k8s" Release
    gpg --batch --yes --quiet --local-user "$key_fpr" --digest-algo SHA512 \
      --clearsign --output InRelease Release
    gpg --batch --yes --quiet --local-user "$key_fpr" --digest-algo SHA512 \
      --armor --detach-sign --output Release.gpg Release
    gpg --batch --armor --export "$key_fpr" >Release.key
  ) || die "signing the v$minor repository failed"
}

# build_kubernetes_repos TREE: every version's debs, then one signed repository per minor.
build_kubernetes_repos() {
  local tree=$1 minor v dir
  for minor in $(minors_of_versions); do
    dir=$tree/kubernetes/v$minor/deb
    mkdir -p "$dir/$(dpkg --print-architecture)"
    "$here/build-standin-debs.sh" --out "$dir/$(dpkg --print-architecture)" \
      --version "$(versions_of_minor "$minor" | head -1)" \
      --cni-version "$KUBERNETES_CNI_VERSION" kubernetes-cni >/dev/null ||
      die "building kubernetes-cni failed"
    for v in $(versions_of_minor "$minor"); do
      log "kubernetes: building $v debs"
      "$here/build-standin-debs.sh" --out "$dir/$(dpkg --print-architecture)" --version "$v" \
        --cni-version "$KUBERNETES_CNI_VERSION" kubeadm kubelet kubectl >/dev/null ||
        die "building the $v debs failed"
    done
    (cd "$dir" && apt-ftparchive packages "$(dpkg --print-architecture)" >Packages 2>/dev/null &&
      gzip -9nk Packages) || die "indexing the v$minor repository failed"
    sign_release "$dir" "$minor"
    log "kubernetes: v$minor repository signed ($(du -sh "$dir" | cut -f1))"
  done
}

versions_of_minor() {
  local v
  for v in "${KUBERNETES_VERSIONS[@]}"; do
    [[ "$v" == "$1".* ]] && echo "$v"
  done
}
