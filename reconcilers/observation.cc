#include "reconcilers/observation.h"

#include <cstdlib>
#include <sstream>

#include "platform/base64.h"
#include "reconcilers/apt_output.h"

namespace piherd {
namespace {

const char* kindNameOf(QueryKind kind) {
  switch (kind) {
    case QueryKind::kFile: return "file";
    case QueryKind::kSysctl: return "sysctl";
    case QueryKind::kModule: return "module";
    case QueryKind::kPackage: return "package";
    case QueryKind::kUnit: return "unit";
    case QueryKind::kHolds: return "holds";
    case QueryKind::kSwaps: return "swaps";
    case QueryKind::kCapEff: return "capeff";
    case QueryKind::kContainerdDefault: return "containerd-default";
    case QueryKind::kFileDigest: return "digest";
    case QueryKind::kKubeconfigCert: return "kubeconfig-cert";
    case QueryKind::kAddresses: return "addrs";
    case QueryKind::kDpkgState: return "dpkg";
    case QueryKind::kSwapSources: return "swap-sources";
  }
  return "?";
}

// Values arrive as data on stdin and are only ever used quoted ("$arg"), so no value can
// become code. Every answer is "kind<TAB>arg<TAB>field<TAB>value"; file bytes are base64.
//
// The script first reads every query, then gathers each kind of fact with a fixed number of
// processes, however many queries of that kind there are (docs/facets.md, "The observation
// script"): shell builtins for /proc/swaps, /proc/self/status, modules and the length of
// pseudo-files; one grep for every sysctl; one stat and one cat | base64 for every file (the bytes travel as one blob,
// each file naming its range in it); one sha256sum for every key file; one grep for every
// kubeconfig; one dpkg-query for every package and the holds (dpkg's selections, as
// apt-mark showhold reports them, without loading the apt cache); one systemctl
// list-unit-files for every unit's enablement and the .swap units, one systemctl is-active for
// every unit; containerd's default config from a cache in /run/piherd kept per containerd
// binary. Wherever a batch cannot vouch for its answer (a file that changed while it was read,
// a command that failed, a name outside what the batch handles), the script answers that kind
// the old way, one process per fact, so the facts are always what they were.
const char* const kScript = R"SH(
set -u
export LC_ALL=C
umask 077
nl='
'
tab='	'
emit() { printf '%s\t%s\t%s\t%s\n' "$1" "$2" "$3" "$4"; }
# One process per fact, for what a batch cannot answer.
file_content() { emit file "$1" content "$(base64 -w0 < "$1")"; }
digest_one() { emit digest "$1" sha256 "$(sha256sum < "$1" | cut -d' ' -f1)"; }
kcert_one() {
  emit kubeconfig-cert "$1" data "$(sed -n 's|^[[:space:]]*client-certificate-data:[[:space:]]*\([A-Za-z0-9+/=]*\)[[:space:]]*$|\1|p' -- "$1" | head -n 1)"
}
package_one() {
  emit package "$1" status "$(dpkg-query -W -f='${db:Status-Status} ${Version}' -- "$1" 2>/dev/null)"
}
# The length of a file as the shell reads it (NUL bytes dropped, which the blob's length
# check then catches); -1 when it cannot be read.
shell_length() {
  sl=0 l=
  { while IFS= read -r l; do sl=$((sl + ${#l} + 1)); done; sl=$((sl + ${#l})); } 2>/dev/null < "$1" || sl=-1
}

# 1. The queries. Each list holds one " x<arg>" line per query ("x" keeps an empty argument).
files= digests= kcerts= sysctls= modules= pkgs= units=
holds= swaps= capeff= cdef= addrs= dpkgst= swapsrc=
while IFS=' ' read -r kind arg; do
  case "$kind" in
  file) files="$files$nl x$arg" ;;
  digest) digests="$digests$nl x$arg" ;;
  kubeconfig-cert) kcerts="$kcerts$nl x$arg" ;;
  sysctl) sysctls="$sysctls$nl x$arg" ;;
  module) modules="$modules$nl x$arg" ;;
  package) pkgs="$pkgs$nl x$arg" ;;
  unit) units="$units$nl x$arg" ;;
  holds) holds=1 ;;
  swaps) swaps=1 ;;
  capeff) capeff=1 ;;
  containerd-default) cdef=1 ;;
  addrs) addrs=1 ;;
  dpkg) dpkgst=1 ;;
  swap-sources) swapsrc=1 ;;
  esac
done
set -f
IFS=$nl

# 2. Five stages run at once, each answering its kinds, then passing on the answers of the
# stage before it (one writer per pipe: lines never interleave): units' activity, addresses
# | units' enablement, swap sources | dpkg's audit | packages, holds, sysctls, builtins |
# files, key files, kubeconfigs, containerd's default config.
copy() { while IFS= read -r l; do printf '%s\n' "$l"; done; }
# The units a batch can name (what systemctl itself would read as one unit, no pattern, no
# instance, no escape): " x<name> <unit file name>" lines in $bu, the others in $slowu.
bu= slowu= nb=0
for a in $units; do
  a=${a# x}
  case $a in
  [A-Za-z0-9]*)
    case $a in
    *[!A-Za-z0-9:_.-]*) slowu="$slowu$nl x$a" ;;
    *.service|*.socket|*.target|*.device|*.mount|*.automount|*.swap|*.timer|*.path|*.slice|*.scope)
      bu="$bu$nl x$a $a" nb=$((nb + 1)) ;;
    *) bu="$bu$nl x$a $a.service" nb=$((nb + 1)) ;;
    esac ;;
  *) slowu="$slowu$nl x$a" ;;
  esac
done

# dpkg --audit (what it prints when dpkg's state is in order: nothing).
audit_stage() {
  if [ -n "$dpkgst" ]; then
    v=$(dpkg --audit 2>/dev/null)
    if [ -z "$v" ]; then emit dpkg - audit ""
    else emit dpkg - audit "$(dpkg --audit 2>/dev/null | base64 -w0)"; fi
  fi
}

# One systemctl is-active for every unit; the addresses.
active_stage() {
  set --
  for a in $bu; do a=${a# x}; set -- "$@" "${a% *}"; done
  ia=
  [ $# -gt 0 ] && ia=$(systemctl is-active -- "$@" 2>/dev/null)
  set -- $ia
  ok=
  [ $# -eq $nb ] && ok=1
  for a in $bu; do
    a=${a# x} a=${a% *}
    if [ -n "$ok" ]; then
      emit unit "$a" active "$1"
      shift
    else
      emit unit "$a" active "$(systemctl is-active -- "$a" 2>/dev/null)"
    fi
  done
  for a in $slowu; do
    emit unit "${a# x}" active "$(systemctl is-active -- "${a# x}" 2>/dev/null)"
  done
  if [ -n "$addrs" ]; then
    emit addrs - observed 1
    v=$(ip -o -4 addr show 2>/dev/null)
    for l in $v; do
      IFS=" $tab"
      set -- $l
      IFS=$nl
      a=${2-}
      emit addr "${a%%@*}" inet "${4-}"
    done
  fi
}

# One systemctl list-unit-files for every unit's enablement and the .swap unit files: the
# state `systemctl is-enabled` answers, read fresh from disk as it does (`systemctl show`'s
# UnitFileState is what systemd cached at its last reload); the zram-generator files.
enabled_stage() {
  set --
  [ -n "$swapsrc" ] && set -- '*.swap'
  for a in $bu; do set -- "$@" "${a##* }"; done
  luf= rc=0
  if [ $# -gt 0 ]; then
    luf=$(systemctl list-unit-files --no-legend --no-pager -- "$@" 2>&1)
    rc=$?
  fi
  # Exit status 1 with nothing printed: no unit file matched.
  if [ $rc -eq 0 ] || [ -z "$luf" ]; then
    us=
    for l in $luf; do
      IFS=" $tab"
      set -- $l
      IFS=$nl
      [ $# -ge 2 ] || continue
      us="$us$nl$1 $2"
      case $1 in *.swap) [ -n "$swapsrc" ] && emit swap-sources "$1" unit-file "$2" ;; esac
    done
    [ -n "$swapsrc" ] && emit swap-sources - listed 1
    for a in $bu; do
      a=${a# x} m=${a##* } a=${a% *} v=
      for e in $us; do [ "${e%% *}" = "$m" ] && { v=${e#* }; break; }; done
      case $m in
      *.service)  # a SysV script without a unit file: is-enabled asks systemd-sysv-install
        if [ -e "/etc/init.d/${m%.service}" ] && { [ -z "$v" ] || [ "$v" = generated ]; }; then
          v=$(systemctl is-enabled -- "$a" 2>/dev/null)
        fi ;;
      esac
      emit unit "$a" enabled "$v"
    done
  else
    [ -n "$swapsrc" ] && emit swap-sources - units "$(systemctl list-unit-files --type=swap --no-legend --no-pager 2>/dev/null | base64 -w0)"
    for a in $bu; do
      a=${a# x} a=${a% *}
      emit unit "$a" enabled "$(systemctl is-enabled -- "$a" 2>/dev/null)"
    done
  fi
  for a in $slowu; do
    emit unit "${a# x}" enabled "$(systemctl is-enabled -- "${a# x}" 2>/dev/null)"
  done
  if [ -n "$swapsrc" ]; then
    set --
    set +f
    for f in /run/systemd/zram-generator.conf /etc/systemd/zram-generator.conf \
        /usr/local/lib/systemd/zram-generator.conf /usr/lib/systemd/zram-generator.conf \
        /run/systemd/zram-generator.conf.d/*.conf /etc/systemd/zram-generator.conf.d/*.conf \
        /usr/local/lib/systemd/zram-generator.conf.d/*.conf \
        /usr/lib/systemd/zram-generator.conf.d/*.conf; do
      [ -f "$f" ] && set -- "$@" "$f"
    done
    set -f
    z=
    [ $# -gt 0 ] && z=$(grep -l -e '^[[:space:]]*\[zram' -- "$@" 2>/dev/null)
    for f; do
      case $f in
      *"$nl"*) grep -q '^[[:space:]]*\[zram' -- "$f" 2>/dev/null && m=1 || m= ;;
      *) case "$nl$z$nl" in *"$nl$f$nl"*) m=1 ;; *) m= ;; esac ;;
      esac
      if [ -n "$m" ]; then emit swap-sources "$f" zram-config "$(base64 -w0 < "$f")"
      else emit swap-sources "$f" zram-file 1; fi
    done
  fi
}
packages_stage() {
  # 2. Sysctls: one grep for all their values (a sysctl answers a read at an offset past 0
  # with nothing, so the shell's byte-at-a-time read cannot be used); each value as
  # $(cat FILE) gives it, runs of spaces and tabs squeezed to one space.
  sysctl_path() {
    k=$1 p=
    while :; do case $k in *.*) p="$p${k%%.*}/" k=${k#*.} ;; *) break ;; esac; done
    p="/proc/sys/$p$k"
  }
  set --
  for a in $sysctls; do
    sysctl_path "${a# x}"
    [ -f "$p" ] && [ -r "$p" ] && set -- "$@" "$p"
  done
  g= rc=0
  if [ $# -gt 0 ]; then
    g=$(grep -a -H -e '' -- "$@" 2>/dev/null)
    rc=$?
  fi
  # The answers, from grep's lines ($rc 0 or 1) or from one cat per sysctl ($rc 2: grep
  # failed, or printed a line that is no sysctl's).
  sysctl_answers() {
    o= used=0
    for a in $sysctls; do
      a=${a# x}
      sysctl_path "$a"
      if [ -f "$p" ] && { if [ $rc -le 1 ]; then [ -r "$p" ]; else v=$(cat -- "$p" 2>/dev/null); fi; }; then
        if [ $rc -le 1 ]; then
          v=
          for l in $g; do case $l in "$p:"*) v="$v${l#"$p:"}$nl" used=$((used + 1)) ;; esac; done
        fi
        while :; do case $v in *"$nl") v=${v%"$nl"} ;; *) break ;; esac; done
        while :; do case $v in *"$tab"*) v="${v%%"$tab"*} ${v#*"$tab"}" ;; *) break ;; esac; done
        while :; do case $v in *"  "*) v="${v%%"  "*} ${v#*"  "}" ;; *) break ;; esac; done
        o="$o${nl}sysctl$tab$a${tab}value$tab$v"
        if [ -w "$p" ]; then o="$o${nl}sysctl$tab$a${tab}writable${tab}1"
        else o="$o${nl}sysctl$tab$a${tab}writable${tab}0"; fi
      else
        o="$o${nl}sysctl$tab$a${tab}missing${tab}1"
      fi
    done
  }
  sysctl_answers
  if [ $rc -le 1 ]; then
    n=0
    for l in $g; do n=$((n + 1)); done
    [ $used -eq $n ] || { rc=2; sysctl_answers; }
  fi
  [ -n "$o" ] && printf '%s\n' "${o#"$nl"}"

  # Builtins only: modules, swaps, capabilities, dpkg's journal.
  for a in $modules; do
    a=${a# x}
    if [ -d "/sys/module/$a" ]; then emit module "$a" loaded 1
    elif [ -d /sys/module ]; then emit module "$a" loaded 0
    else emit module "$a" loaded unknown; fi
  done
  if [ -n "$swaps" ]; then
    v= first=1
    { while IFS=" $tab" read -r dev rest; do
        if [ -n "$first" ]; then first=; else v="$v$dev "; fi
      done; } 2>/dev/null < /proc/swaps
    emit swaps - list "$v"
  fi
  if [ -n "$capeff" ]; then
    v= l=
    { while IFS= read -r l; do
        case $l in CapEff:*) v=${l#CapEff:} v=${v#"${v%%[![:space:]]*}"}; break ;; esac
      done; } 2>/dev/null < /proc/self/status
    emit capeff - value "$v"
  fi
  if [ -n "$dpkgst" ]; then
    n=0
    set +f
    for f in /var/lib/dpkg/updates/*; do [ -e "$f" ] && n=$((n + 1)); done
    set -f
    emit dpkg - updates "$n"
  fi

  # Packages and holds: one dpkg-query over dpkg's database. A package's answer is what
  # `dpkg-query -W -f='${db:Status-Status} ${Version}' NAME` prints; the holds are every
  # package selected "hold", named as apt-mark names them (":ARCH" only for a foreign arch).
  if [ -n "$pkgs$holds" ]; then
    pq='|' slow=
    for a in $pkgs; do
      a=${a# x}
      case $a in
      [a-z0-9]*) case $a in *[!a-z0-9+.-]*) slow="$slow$nl x$a" ;; *) pq="$pq$a|" ;; esac ;;
      *) slow="$slow$nl x$a" ;;
      esac
    done
    if [ "$pq" != '|' ] || [ -n "$holds" ]; then
      out=$(dpkg-query -W -f='${Package} ${db:Status-Want} ${Architecture} ${db:Status-Status} ${Version}\n' -- '*' 2>/dev/null)
      pv= hl= native= bad=
      [ -n "$out" ] || bad=1
      for l in $out; do  # NAME WANT ARCH STATUS VERSION (ARCH and VERSION may be empty)
        case $l in *" "*" "*" "*" "*" "*) bad=1; break ;; ?*" "*" "*" "*" "*) ;; *) bad=1; break ;; esac
        n=${l%% *} r=${l#* }
        w=${r%% *} r=${r#* }
        ar=${r%% *} r=${r#* }
        case $pq in *"|$n|"*) pv="$pv$nl$n $r" ;; esac
        [ "$w" = hold ] && hl="$hl$nl$n $ar"
        [ "$n" = dpkg ] && native=$ar
      done
      # Output that is not what dpkg-query prints: every package the old way, and the holds
      # from apt-mark, so that whatever a broken or lying host says reaches the parser as is.
      for a in $pkgs; do
        a=${a# x}
        case $pq in *"|$a|"*) ;; *) continue ;; esac
        if [ -n "$bad" ]; then package_one "$a"; continue; fi
        v=
        for e in $pv; do [ "${e%% *}" = "$a" ] && v="$v${e#* }"; done
        emit package "$a" status "$v"
      done
      if [ -n "$holds" ] && [ -n "$bad" ]; then
        emit holds - list "$(apt-mark showhold 2>/dev/null | tr '\n' ' ')"
      elif [ -n "$holds" ]; then
        v=
        for e in $hl; do
          case ${e#* } in ''|all|"$native") v="$v${e%% *} " ;; *) v="$v${e%% *}:${e#* } " ;; esac
        done
        emit holds - list "$v"
      fi
    fi
    for a in $slow; do package_one "${a# x}"; done
  fi
}
files_stage() {
  # 3. Files: one stat for every file (and for containerd's binary and its cached default
  # config), then one cat | base64 for all their bytes.
  set --
  nf=0 nd=0
  for a in $files; do
    a=${a# x}
    if [ -f "$a" ]; then set -- "$@" "$a"; nf=$((nf + 1)); else emit file "$a" missing 1; fi
  done
  for a in $digests; do
    a=${a# x}
    if [ -f "$a" ]; then set -- "$@" "$a"; nd=$((nd + 1)); else emit digest "$a" missing 1; fi
  done
  cbin= cdir=${PIHERD_OBSERVATION_CACHE_DIR:-/run/piherd}  # the variable: for tests
  if [ -n "$cdef" ]; then
    IFS=:
    for d in $PATH; do
      if [ -f "${d:-.}/containerd" ] && [ -x "${d:-.}/containerd" ]; then cbin=${d:-.}/containerd; break; fi
    done
    IFS=$nl
    if [ -n "$cbin" ]; then
      set +f
      for c in "$cdir"/containerd-default-*.toml; do [ -f "$c" ] && set -- "$@" "$c"; done
      set -f
      set -- "$@" "$cbin"
    fi
  fi
  st= n=0
  if [ $# -gt 0 ]; then
    st=$(stat --printf='%s\t%d-%i-%Y-%Z\t%F\t%a %U %G\n' -- "$@" 2>/dev/null) || st=
    for l in $st; do
      case $l in [0-9]*"$tab"*"$tab"*"$tab"*) ;; *) n=-1; break ;; esac
      case ${l%%"$tab"*} in *[!0-9]*) n=-1; break ;; esac
      n=$((n + 1))
    done
  fi
  blob= dl= ckey= cands= cached=
  if [ $n -eq $# ]; then
    i=0
    for l in $st; do
      i=$((i + 1)) a=$1
      shift
      size=${l%%"$tab"*} r=${l#*"$tab"}
      key=${r%%"$tab"*} r=${r#*"$tab"}
      type=${r%%"$tab"*} sv=${r#*"$tab"}
      if [ $i -le $nf ]; then
        emit file "$a" stat "$sv"
        if [ "$type" = "regular file" ]; then
          blob="$blob${nl}f $size $a"
        else  # a pseudo-file (st_size 0) or a symbolic link: as long as the shell reads it
          shell_length "$a"
          if [ $sl -ge 0 ]; then blob="$blob${nl}f $sl $a"; else file_content "$a"; fi
        fi
      elif [ $i -le $((nf + nd)) ]; then
        emit digest "$a" stat "$sv"
        dl="$dl$nl x$a"
      elif [ "$a" = "$cbin" ] && [ $# -eq 0 ]; then
        [ "$type" = "regular file" ] && ckey="$size-$key"
      elif [ "$type" = "regular file" ] && [ "$size" != 0 ]; then
        cands="$cands$nl$size $a"
      fi
    done
  else  # a file went away or stat failed: every file the old way
    for a in $files; do a=${a# x}; [ -f "$a" ] || continue
      emit file "$a" stat "$(stat -c '%a %U %G' -- "$a")"; file_content "$a"; done
    for a in $digests; do a=${a# x}; [ -f "$a" ] || continue
      emit digest "$a" stat "$(stat -c '%a %U %G' -- "$a")"; dl="$dl$nl x$a"; done
  fi

  # containerd's default config: `containerd config default` only when the binary changed
  # (new inode, size, mtime or ctime); kept in /run/piherd (tmpfs, root's, gone at reboot).
  if [ -n "$cbin" ]; then
    want="$cdir/containerd-default-$ckey.toml"
    for c in $cands; do
      if [ -n "$ckey" ] && [ "${c#* }" = "$want" ] && [ ! -L "$cdir" ] && [ -O "$cdir" ] &&
          [ ! -L "$want" ] && [ -O "$want" ]; then
        cached=1 blob="$blob${nl}c ${c%% *} $want"
      fi
    done
    if [ -z "$cached" ]; then
      if [ -n "$ckey" ] && { [ -d "$cdir" ] || mkdir -m 700 "$cdir" 2>/dev/null; } &&
          [ ! -L "$cdir" ] && [ -O "$cdir" ]; then
        t="$cdir/.containerd-default.$$"
        if containerd config default > "$t" 2>/dev/null; then
          emit containerd-default - content "$(base64 -w0 < "$t")"
          set --
          for c in $cands; do set -- "$@" "${c#* }"; done
          [ $# -gt 0 ] && rm -f -- "$@"
          mv -f -- "$t" "$want" 2>/dev/null || rm -f -- "$t"
        else
          emit containerd-default - content "$(base64 -w0 < "$t")"
          rm -f -- "$t"
        fi
      else
        emit containerd-default - content "$(containerd config default 2>/dev/null | base64 -w0)"
      fi
    fi
  fi

  # The blob: every file's bytes, in order, read once. Its length must be the sum of the
  # lengths above, or a file changed in between: then each file is read again on its own.
  if [ -n "$blob" ]; then
    set --
    tot=0
    for m in $blob; do r=${m#? } tot=$((tot + ${r%% *})); set -- "$@" "${r#* }"; done
    b=$(cat -- "$@" 2>/dev/null | base64 -w0)
    if [ ${#b} -eq $(( (tot + 2) / 3 * 4 )) ]; then
      emit blob - data "$b"
      off=0
      for m in $blob; do
        r=${m#? } len=${r%% *}
        case $m in
        f*) emit file "${r#* }" range "$off $len" ;;
        *) emit containerd-default - range "$off $len" ;;
        esac
        off=$((off + len))
      done
    else
      for m in $blob; do
        r=${m#? }
        case $m in
        f*) file_content "${r#* }" ;;
        *) emit containerd-default - content "$(base64 -w0 < "${r#* }")" ;;
        esac
      done
    fi
  fi

  # Key files: one sha256sum for all.
  if [ -n "$dl" ]; then
    set --
    for a in $dl; do set -- "$@" "${a# x}"; done
    h=$(sha256sum -- "$@" 2>/dev/null) || h=
    n=0
    for l in $h; do n=$((n + 1)); done
    if [ $n -eq $# ]; then
      for l in $h; do l=${l#\\}; emit digest "$1" sha256 "${l%% *}"; shift; done
    else
      for a; do digest_one "$a"; done
    fi
  fi

  # Kubeconfigs: one grep for every file's first client-certificate-data line.
  set --
  for a in $kcerts; do a=${a# x}; [ -f "$a" ] && set -- "$@" "$a"; done
  if [ $# -gt 0 ]; then
    kl=
    for a; do kl="$kl$nl x$a"; done
    g=$(grep -a -H -m1 -e '^[[:space:]]*client-certificate-data:[[:space:]]*[A-Za-z0-9+/=]*[[:space:]]*$' -- "$@" 2>/dev/null)
    rc=$?
    set -- $g
    o=
    for a in $kl; do
      a=${a# x} v=
      case ${1-} in
      "$a:"*)
        v=${1#"$a:"} v=${v#*client-certificate-data:}
        v=${v#"${v%%[![:space:]]*}"} v=${v%"${v##*[![:space:]]}"}
        shift ;;
      esac
      o="$o${nl}kubeconfig-cert$tab$a${tab}data$tab$v"
    done
    # grep failed, or printed a line that is no kubeconfig's: each file the old way.
    if [ $rc -le 1 ] && [ $# -eq 0 ]; then
      printf '%s\n' "${o#"$nl"}"
    else
      for a in $kl; do kcert_one "${a# x}"; done
    fi
  fi

}
# Each stage's own commands read /dev/null: the pipe is for copy alone.
active_stage < /dev/null | { enabled_stage < /dev/null; copy; } |
  { audit_stage < /dev/null; copy; } | { packages_stage < /dev/null; copy; } |
  { files_stage < /dev/null; copy; emit end - - -; }
)SH";

}  // namespace

std::string_view queryKindName(QueryKind kind) { return kindNameOf(kind); }

std::string QuerySet::toStdin() const {
  std::string out;
  for (const Query& q : queries_) out += std::string(kindNameOf(q.kind)) + " " + q.arg + "\n";
  return out;
}

const std::string& observationScript() {
  static const std::string script(kScript);
  return script;
}

FileFact HostFacts::file(const std::string& path) const {
  auto it = files_.find(path);
  return it == files_.end() ? FileFact{} : it->second;
}
FileDigestFact HostFacts::fileDigest(const std::string& path) const {
  auto it = digests_.find(path);
  return it == digests_.end() ? FileDigestFact{} : it->second;
}
std::optional<std::string> HostFacts::kubeconfigCert(const std::string& path) const {
  auto it = kubeconfigCerts_.find(path);
  if (it == kubeconfigCerts_.end()) return std::nullopt;
  return it->second;
}
SysctlFact HostFacts::sysctl(const std::string& key) const {
  auto it = sysctls_.find(key);
  return it == sysctls_.end() ? SysctlFact{} : it->second;
}
bool HostFacts::moduleLoaded(const std::string& name) const {
  auto it = modules_.find(name);
  return it != modules_.end() && it->second;
}
PackageFact HostFacts::package(const std::string& name) const {
  auto it = packages_.find(name);
  return it == packages_.end() ? PackageFact{} : it->second;
}
UnitFact HostFacts::unit(const std::string& name) const {
  auto it = units_.find(name);
  return it == units_.end() ? UnitFact{} : it->second;
}
bool HostFacts::hasAddress(const std::string& address, const std::string& interface) const {
  if (!addresses_) return false;
  for (const auto& a : *addresses_) {
    if (a.cidr.substr(0, a.cidr.find('/')) == address &&
        (interface.empty() || a.interface == interface)) {
      return true;
    }
  }
  return false;
}
bool HostFacts::canLoadModules() const {
  constexpr unsigned long long kCapSysModule = 1ULL << 16;
  return (capEff_ & kCapSysModule) != 0;
}

Result<HostFacts> observeHost(Transport& transport, const QuerySet& queries) {
  auto r = transport.run({"sh", "-c", observationScript(), "piherd-observe"},
                         ExecOptions{.stdinData = queries.toStdin(),
                                     .maxOutputBytes = kMaxObservationBytes});
  if (!r) return tl::unexpected(r.error());
  if (!r->ok()) {
    return makeError(ErrorCode::kInternal, transport.hostName() + ": observation failed (exit " +
                                               std::to_string(r->exitStatus) +
                                               "): " + printableExcerpt(r->err));
  }
  auto facts = HostFacts::parse(r->out, &queries);
  if (!facts) {
    return makeError(facts.error().code, transport.hostName() + ": " + facts.error().message);
  }
  return facts;
}

}  // namespace piherd
