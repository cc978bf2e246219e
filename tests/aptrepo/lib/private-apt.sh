# shellcheck shell=bash disable=SC2154  # globals come from build-repo.sh, as said below
# Sourced by build-repo.sh: an apt that sees only the sources we give it. The machine's own
# sources.list may name repositories it cannot reach (and one of them offers a "kubectl"),
# and its dpkg status must not shape what we resolve, so every apt call here runs against a
# private root: own sources, lists, cache, and an empty dpkg status ("nothing installed").

# private_apt_init DIR SOURCES_LINE...: prepares DIR and sets the array PAPT with the options
# for apt-get/apt-cache. Lists and cache under DIR persist between calls.
private_apt_init() {
  local dir=$1
  shift
  mkdir -p "$dir"/{sources.list.d,preferences.d,lists/partial,cache/archives/partial}
  printf '%s\n' "$@" >"$dir/sources.list"
  : >"$dir/status"
  PAPT=(
    -o "Dir::Etc::SourceList=$dir/sources.list"
    -o "Dir::Etc::SourceParts=$dir/sources.list.d"
    -o "Dir::Etc::Preferences=$dir/preferences"
    -o "Dir::Etc::PreferencesParts=$dir/preferences.d"
    -o "Dir::State::Lists=$dir/lists"
    -o "Dir::Cache=$dir/cache"
    -o "Dir::State::status=$dir/status"
    -o "APT::Architecture=$(dpkg --print-architecture)"
    -o "APT::Architectures::=$(dpkg --print-architecture)"
    -o "Debug::NoLocking=1"
    -o "APT::Sandbox::User=root"
  )
}

# private_apt_resolve PACKAGE...: prints "name version arch" for every package apt would
# install on an empty system to install PACKAGE... (Depends and Pre-Depends, no Recommends).
private_apt_resolve() {
  local sim
  sim=$(apt-get "${PAPT[@]}" -s --no-install-recommends install "$@") || {
    echo "$sim" >&2
    return 1
  }
  sed -nE 's/^Inst ([^ ]+) \(([^ ]+) .*\[([a-z0-9]+)\]\).*$/\1 \2 \3/p' <<<"$sim"
}
