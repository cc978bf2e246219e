# shellcheck shell=bash disable=SC2154  # globals come from build-repo.sh, as said below
# Sourced by build-repo.sh: the Debian half of the fleet repository, TREE/debian/, a flat
# repository (`deb [trusted=yes] URL/debian ./`) of real Debian debs fetched with
# `apt-get download`. Needs private-apt.sh, and from build-repo.sh: here, standins, work, log,
# die, and repo.conf's DEBIAN_* values.

# The Debian packages the stand-in debs ask for (Depends, Pre-Depends, Recommends), without
# version constraints, minus the stand-ins themselves. Alternatives ("a | b") keep the first.
standin_debian_deps() {
  local own
  own=$(for d in "$standins"/*/; do basename "$d"; done)
  grep -hE '^(Depends|Pre-Depends|Recommends):' "$standins"/*/control.in |
    cut -d: -f2- | tr ',' '\n' | sed -E 's/\|.*//; s/\(.*\)//; s/[[:space:]]//g' |
    grep -v '^$' | grep -vxF "$own" | sort -u
}

# build_debian_repo TREE: fetches the closure into the download pool (kept across builds,
# so a rebuild after a stand-in change downloads nothing) and indexes TREE/debian.
build_debian_repo() {
  local tree=$1 pool=$work/pool wanted resolved missing=()
  mapfile -t wanted < <(grep -vE '^[[:space:]]*(#|$)' "$here/debian-packages.list"; standin_debian_deps)
  private_apt_init "$work/apt-debian" \
    "deb [signed-by=$DEBIAN_KEYRING] $DEBIAN_MIRROR $DEBIAN_SUITE main"
  log "debian: apt-get update ($DEBIAN_MIRROR $DEBIAN_SUITE)"
  apt-get "${PAPT[@]}" -qq update || die "apt-get update of $DEBIAN_MIRROR failed"
  resolved=$(private_apt_resolve "${wanted[@]}") || die "cannot resolve: ${wanted[*]}"
  [[ -n "$resolved" ]] || die "apt resolved nothing for: ${wanted[*]}"

  mkdir -p "$pool" "$tree/debian/pool"
  local name ver arch file files=()
  while read -r name ver arch; do
    file="${name}_${ver//:/%3a}_${arch}.deb"
    files+=("$file")
    [[ -s "$pool/$file" ]] || missing+=("$name=$ver")
  done <<<"$resolved"
  if ((${#missing[@]})); then
    log "debian: downloading ${#missing[@]} of ${#files[@]} debs"
    (cd "$pool" && apt-get "${PAPT[@]}" -qq download "${missing[@]}") ||
      die "apt-get download failed"
  fi
  for file in "${files[@]}"; do
    [[ -s "$pool/$file" ]] || die "download did not produce $file"
    ln "$pool/$file" "$tree/debian/pool/$file" 2>/dev/null || cp "$pool/$file" "$tree/debian/pool/"
  done
  # Forget debs no longer wanted, so the pool does not grow without bound.
  comm -23 <(find "$pool" -maxdepth 1 -name '*.deb' -printf '%f\n' | sort) <(printf '%s\n' "${files[@]}" | sort) |
    while read -r file; do rm -f -- "$pool/$file"; done

  (
    cd "$tree/debian" || exit 1
    apt-ftparchive packages pool >Packages 2>/dev/null
    gzip -9nk Packages
    apt-ftparchive -o APT::FTPArchive::Release::Origin=piherd-fleet \
      -o APT::FTPArchive::Release::Label="Debian $DEBIAN_SUITE subset for the piherd test fleet" \
      -o APT::FTPArchive::Release::Architectures="$(dpkg --print-architecture) all" \
      release . >"$work/Release.debian"
    mv "$work/Release.debian" Release
  ) || die "indexing the Debian repository failed"
  printf '%s\n' "$resolved" >"$tree/debian/MANIFEST"
  log "debian: ${#files[@]} debs ($(du -sh "$tree/debian" | cut -f1))"
}
