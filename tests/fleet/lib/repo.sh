# shellcheck shell=bash disable=SC2034 # settings used by the other files of lib/
# The hosts' only package source: a local apt repository served over HTTP on the bridge
# address (http://10.77.0.1:8080). Its content is built by tests/aptrepo/build-repo.sh into
# $PHF_CACHE/repo (a flat Debian repository under debian/, pkgs.k8s.io-style signed ones under
# kubernetes/v1.NN/deb/); the fleet only builds it when asked and serves it.

phf_repo_dir() { printf '%s/repo' "$PHF_CACHE"; }

# Starts the repository build in the background (it caches by itself), so it overlaps the
# boot of the hosts; sets PHF_REPO_BUILD_PID (empty when there is no build script).
PHF_REPO_BUILD_PID=""
phf_repo_build_start() {
  local script=$PHF_SOURCE_DIR/tests/aptrepo/build-repo.sh log=$PHF_RUN/build-repo.log
  PHF_REPO_BUILD_PID=""
  if [[ ! -x $script ]]; then
    printf 'absent: %s\n' "$script" >"$log"
    return 0
  fi
  mkdir -p "$PHF_CACHE"
  setsid "$script" "$(phf_repo_dir)" </dev/null >"$log" 2>&1 &
  PHF_REPO_BUILD_PID=$!
}

# Waits for the build started above; sets PHF_REPO_SERVE_DIR to the directory to serve.
# When there is no build script or it failed, hosts still boot, served an empty repository.
PHF_REPO_SERVE_DIR=""
phf_repo_build_finish() {
  local pid=$PHF_REPO_BUILD_PID log=$PHF_RUN/build-repo.log status=0
  if [[ -n $pid ]]; then
    phf_log "waiting for tests/aptrepo/build-repo.sh (log: $log)"
    wait "$pid" || status=$?
    PHF_REPO_BUILD_PID=""
    if ((status == 0)); then
      PHF_REPO_SERVE_DIR=$(phf_repo_dir)
      return 0
    fi
    tail -n 20 "$log" >&2
    phf_warn "tests/aptrepo/build-repo.sh failed (exit $status, log: $log): serving an EMPTY repository"
  else
    phf_warn "tests/aptrepo/build-repo.sh is absent: serving an EMPTY repository"
  fi
  PHF_REPO_SERVE_DIR=$(phf_repo_empty)
}

# An empty but valid flat repository, so `apt-get update` on a host still succeeds.
phf_repo_empty() {
  local dir=$PHF_RUN/empty-repo
  mkdir -p "$dir/debian"
  : >"$dir/debian/Packages"
  gzip -9n <"$dir/debian/Packages" >"$dir/debian/Packages.gz"
  if command -v apt-ftparchive >/dev/null; then
    (cd "$dir/debian" && apt-ftparchive release . >Release)
  fi
  printf '%s' "$dir"
}

phf_repo_serve() {
  local dir=$1 pid i
  printf '%s\n' "$dir" >"$PHF_RUN/repo-http.dir"
  setsid "$PHF_PYTHON" -m http.server "$PHF_REPO_PORT" --bind "$PHF_BRIDGE_IP" --directory "$dir" \
    </dev/null >>"$PHF_RUN/repo-http.log" 2>&1 &
  pid=$!
  printf '%s\n' "$pid" >"$PHF_RUN/repo-http.pid"
  for ((i = 0; i < 100; i++)); do
    if (exec 3<>"/dev/tcp/$PHF_BRIDGE_IP/$PHF_REPO_PORT") 2>/dev/null; then
      phf_log "apt repository $dir served at http://$PHF_BRIDGE_IP:$PHF_REPO_PORT"
      return 0
    fi
    [[ -d /proc/$pid ]] || break
    sleep 0.1
  done
  tail -n 5 "$PHF_RUN/repo-http.log" >&2
  phf_die "the apt repository server did not start (log: $PHF_RUN/repo-http.log)"
}

phf_repo_running_pid() {
  local pid
  pid=$(phf_pidfile_alive "$PHF_RUN/repo-http.pid" python3) ||
    pid=$(phf_pidfile_alive "$PHF_RUN/repo-http.pid" "$(basename "$(readlink -f "$PHF_PYTHON")")") ||
    return 1
  printf '%s' "$pid"
}
