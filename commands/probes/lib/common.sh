# Shared helpers, prepended by fpm-medic to every probe script before it is streamed to
# `sh -s -- ARGS` (to run a probe by hand: cat lib/common.sh NAME.sh | sh -s -- ARGS).
# Output protocol (parsed by src/probes/sections.ts):
#   @@section NAME [key=value ...]   starts a section; its body is every line up to the next marker
#   @@error NAME reason=R [key=value ...]   a failed read; body = what went wrong
# R is one of: permission missing-tool timeout not-found error. Values hold no spaces
# (fm_val encodes space, %, = and newline as %20 %25 %3D %0A).

fm_val() {
  # Most values (pids, paths, names) need no encoding: no process is started for them.
  case $1 in
  *[%\ =]* | *"$FM_NL"*)
    printf '%s' "$1" | sed -e 's/%/%25/g' -e 's/ /%20/g' -e 's/=/%3D/g' | awk 'BEGIN{ORS=""} NR>1{print "%0A"} {print}'
    ;;
  *) printf '%s' "$1" ;;
  esac
}

fm_section() {
  printf '\n@@section %s' "$1"
  shift
  for kv in "$@"; do printf ' %s' "$kv"; done
  printf '\n'
}

fm_error() {
  # fm_error NAME REASON DETAIL [key=value ...]
  name=$1 reason=$2 detail=$3
  shift 3
  printf '\n@@error %s reason=%s' "$name" "$reason"
  for kv in "$@"; do printf ' %s' "$kv"; done
  printf '\n%s\n' "$detail"
}

# A newline, for splitting lists of paths (which may hold spaces) without a subshell.
# shellcheck disable=SC2034 # used by the probes that source this file
FM_NL='
'

# fm_mtime PATH: modification time in epoch seconds ('-' when stat cannot tell); GNU and BusyBox
# stat both take -c.
fm_mtime() {
  stat -c %Y "$1" 2>/dev/null || printf -- '-\n'
}

fm_have() {
  command -v "$1" >/dev/null 2>&1
}

# fm_lower_priority: this shell and all it starts from now on run at nice 10 and, where the
# kernel's I/O scheduler honours it, in the idle I/O class, so a diagnosis never competes with the
# workers of the host it examines. Only ever lowers: an unprivileged shell cannot raise it again,
# so what must run at normal priority (the snapshot, the status pages) runs before it.
fm_lower_priority() {
  # This shell's own pid, read by the shell itself: in a subshell (a session's round) $$ would
  # name the session's shell, which must keep its priority for the rounds after this one.
  fm_lp_pid=$$
  # shellcheck disable=SC2034 # the rest of the line is not needed
  read -r fm_lp_pid fm_lp_rest 2>/dev/null </proc/self/stat
  if fm_have renice; then renice -n 10 -p "$fm_lp_pid" >/dev/null 2>&1; fi
  # The class the kernel accepted (ioprio_set succeeded), for fm_priority.
  fm_lp_io=-
  if fm_have ionice && ionice -c 3 -p "$fm_lp_pid" >/dev/null 2>&1; then fm_lp_io=idle; fi
}

# fm_priority: "@@section priority nice=N io=CLASS" as the kernel reports it for what this probe
# runs (read by processes it starts, which inherit both).
fm_priority() {
  # Field 19 of the stat line, counted after the parenthesised name (which may hold spaces), as
  # the shell itself reads it.
  fm_p_stat=
  read -r fm_p_stat 2>/dev/null </proc/self/stat
  set -f
  # shellcheck disable=SC2086 # split into the stat fields
  set -- ${fm_p_stat##*) }
  set +f
  fm_p_nice=${17:-}
  fm_section priority "nice=${fm_p_nice:--}" "io=${fm_lp_io:--}"
}

# fm_digest: one word for stdin, the same for the same bytes on this host (sha256sum, else cksum);
# empty with neither, and then nothing is cached.
fm_digest() {
  if fm_have sha256sum; then
    sha256sum | { read -r fm_dg_sum _ && printf '%s\n' "$fm_dg_sum"; }
  elif fm_have cksum; then
    cksum | { read -r fm_dg_crc fm_dg_len _ && printf 'cksum-%s-%s\n' "$fm_dg_crc" "$fm_dg_len"; }
  else
    cat >/dev/null
  fi
}

# fm_stamps LIST: "PATH INODE SIZE MTIME CTIME" of each path of the newline-separated LIST that
# exists (directories too: a file added to an include directory changes its times), in one stat.
# ctime cannot be set back by anyone, so an edit that keeps mtime and size still shows.
fm_stamps() {
  [ -n "$1" ] || return 0
  fm_st_ifs=$IFS
  IFS=$FM_NL
  set -f
  # shellcheck disable=SC2086 # one path per line
  # GNU stat gives nanoseconds; BusyBox's prints whole seconds for the same format.
  stat -L -c '%n %i %s %.9Y %.9Z' $1 2>/dev/null
  set +f
  IFS=$fm_st_ifs
}

# fm_start_ticks PID: when the process started, in clock ticks since boot (field 22 of its stat):
# unlike ps's elapsed time it is the same however often it is read.
fm_start_ticks() {
  # The shell's own read and expansions: no process for it.
  fm_stk=
  read -r fm_stk 2>/dev/null <"/proc/$1/stat" || return 0
  fm_stk=${fm_stk##*) }
  set -f
  # shellcheck disable=SC2086 # split into the stat fields
  set -- $fm_stk
  set +f
  printf '%s\n' "${20:-}"
}

# A discovery's cache protocol (discover-fpm.sh, discover-web.sh; src/probes/discovery-cache.ts):
# leading arguments cache=KEY and stamp=PATH (one each) give back what a previous run printed.
# fm_cache_args ARG... reads them into fm_cache_key and fm_cache_stamps; shift fm_cache_n after.
# Called first thing, it also notes when the run began (fm_discovery_key).
fm_cache_args() {
  fm_cache_mono=$(fm_mono_ms)
  fm_cache_key='' fm_cache_stamps='' fm_cache_n=0
  while [ "$#" -gt 0 ]; do
    case $1 in
    cache=*) fm_cache_key=${1#cache=} ;;
    stamp=*) fm_cache_stamps="$fm_cache_stamps${1#stamp=}$FM_NL" ;;
    *) return 0 ;;
    esac
    shift
    fm_cache_n=$((fm_cache_n + 1))
  done
}

# fm_discovery_cached KIND MATERIAL: when fm_cache_key is what fm_discovery_key printed for the
# same MATERIAL (the masters: pids, start ticks, binaries, the config arguments) and the same
# stamps of fm_cache_stamps, says "@@section discovery-cached kind= key=" and is true: the dump
# the previous run sent is what this one would send.
fm_discovery_cached() {
  [ -n "$fm_cache_key" ] || return 1
  [ "$(printf '%s\n%s\n' "$2" "$(fm_stamps "$fm_cache_stamps")" | fm_digest)" = "$fm_cache_key" ] || return 1
  fm_section discovery-cached "kind=$1" "key=$fm_cache_key"
}

# fm_discovery_key KIND MATERIAL PATHS: "@@section discovery-key kind= key=", its body the paths
# a later run passes back: each of PATHS (newline-separated, the files the dumps read) and the
# directory it is in, once. Nothing without a digest tool, or when one of them changed less than
# 0.1 s before this run began or since (the dump may predate the change: file times lag the clock
# by up to a tick, and BusyBox's stat tells whole seconds only, so those count as the second's end).
fm_discovery_key() {
  fm_dk_paths=$(printf '%s' "$3" | awk 'NF { print; d = $0; sub(/\/[^\/]*$/, "", d); if (d != "") print d }' | awk '!seen[$0]++')
  fm_dk_stamps=$(fm_stamps "$fm_dk_paths")
  # When the run began, as epoch seconds: now less the time since, 20 ms earlier for the
  # monotonic clock's 10 ms steps (a date(1) without %N errs earlier still, which only flags more).
  if printf '%s\n' "$fm_dk_stamps" | awk -v now="$(fm_now)" -v el="$(($(fm_mono_ms) - fm_cache_mono))" '
    BEGIN { t = now - el / 1000 - 0.02 }
    function late(v) { if (index(v, ".") == 0) v += 1; return v + 0.1 > t }
    NF >= 5 && (late($(NF - 1)) || late($NF)) { bad = 1 }
    END { exit !bad }'; then
    return 0
  fi
  fm_dk_key=$(printf '%s\n%s\n' "$2" "$fm_dk_stamps" | fm_digest)
  [ -n "$fm_dk_key" ] || return 0
  fm_section discovery-key "kind=$1" "key=$fm_dk_key"
  printf '%s\n' "$fm_dk_paths"
}

# fm_tail PATH MAXBYTES: the last MAXBYTES of a file. tail -c seeks, so a 10 GB log costs what
# a 10 kB one does. Reports unreadable or missing files instead of printing nothing.
fm_tail() {
  if [ ! -e "$1" ]; then
    fm_error "$FM_NAME" not-found "no such file: $1" "path=$(fm_val "$1")"
  elif [ ! -r "$1" ]; then
    fm_error "$FM_NAME" permission "cannot read $1 as $(id -un)" "path=$(fm_val "$1")"
  else
    fm_section "$FM_NAME" "path=$(fm_val "$1")" "size=$(wc -c <"$1" | tr -d ' ')"
    tail -c "$2" "$1"
  fi
}

# fm_now: epoch seconds, with nanoseconds where date(1) has %N (GNU). The window's start is compared
# with sub-second kernel and Apache times, so whole seconds would blur one incident into the next.
fm_now() {
  t=$(date +%s.%N 2>/dev/null)
  case $t in
  *N* | '') date +%s ;;
  *) printf '%s\n' "$t" ;;
  esac
}

# fm_clock UPTIME: the clock section's "now EPOCH.NS", "offset +HHMM" and "uptime" lines, from one
# date(1) (whole seconds where it has no %N, as BusyBox's).
fm_clock() {
  fm_ck=$(date '+%s.%N %z' 2>/dev/null)
  case $fm_ck in
  *N* | '') fm_ck=$(date '+%s %z') ;;
  esac
  printf 'now %s\noffset %s\nuptime %s\n' "${fm_ck% *}" "${fm_ck#* }" "$1"
}

# fm_ms: epoch milliseconds (whole seconds × 1000 where date(1) has no %N).
fm_ms() {
  t=$(date +%s%3N 2>/dev/null)
  case $t in
  *N* | '') printf '%s000\n' "$(date +%s)" ;;
  *) printf '%s\n' "$t" ;;
  esac
}

# Several probes share one SSH channel (one sshd session instead of one per probe): each runs in
# its own subshell between these markers, which carry its exit code and host-side timing.
fm_probe_begin() {
  printf '\n@@probe %s start=%s\n' "$1" "$(fm_mono_ms)"
}

fm_probe_end() {
  printf '\n@@probe-end %s rc=%s end=%s\n' "$1" "$2" "$(fm_mono_ms)"
}

# fm_mono_ms: milliseconds since boot, to 10 ms, read by the shell itself from /proc/uptime (no
# process: the probe markers take it twice per probe); fm_ms where that cannot be read. Only
# differences of it mean anything.
fm_mono_ms() {
  fm_mm=
  read -r fm_mm _ 2>/dev/null </proc/uptime
  case $fm_mm in
  *.[0-9][0-9]) printf '%s%s0\n' "${fm_mm%.*}" "${fm_mm#*.}" ;;
  *) fm_ms ;;
  esac
}

# The process table, from ps when it is procps' (GNU) ps, else from /proc itself: BusyBox's ps
# knows few -o fields and the official php:fpm image has no ps at all. fm_ps prints one line per
# process, "PID PPID UID USER STAT RSS VSZ ETIMES PCPU WCHAN ARGS" (RSS and VSZ in kB, WCHAN "-"
# when none, ARGS the command line or [comm] for a kernel thread), the same from either source;
# fm_ps_source says which one it uses ("ps" or "proc").
fm_ps_source() {
  if [ -z "${fm_pssrc:-}" ]; then
    fm_pssrc='proc'
    if fm_have ps && ps -ww -o pid=,etimes=,wchan:32= -p 1 >/dev/null 2>&1; then fm_pssrc='ps'; fi
  fi
  printf '%s\n' "$fm_pssrc"
}

fm_ps() {
  if [ "${fm_ps_kept:-}" = 1 ]; then
    printf '%s\n' "$fm_ps_table"
    return 0
  fi
  if [ "$(fm_ps_source)" = ps ]; then
    fm_procps
  else
    fm_proc_ps
  fi
}

fm_procps() {
  timeout 5 ps -e -ww -o pid=,ppid=,uid=,user:32=,stat=,rss=,vsz=,etimes=,pcpu=,wchan:32=,args= 2>/dev/null
}

# fm_keep_ps: reads the process table once for every probe of a round that follows (they run in
# subshells, which inherit it): one snapshot, the same for the runtime probe and discovery, and
# one ps instead of one per use. Actions never keep it: their phases need the table as it is.
fm_keep_ps() {
  # procps' ps is the one that takes these fields: that it answered says which source this is.
  fm_ps_table=
  if [ -z "${fm_pssrc:-}" ] && fm_have ps && fm_ps_table=$(fm_procps) && [ -n "$fm_ps_table" ]; then
    fm_pssrc='ps'
  else
    fm_ps_source >/dev/null
    fm_ps_table=$(fm_ps)
  fi
  fm_ps_kept=1
}

# fm_proc_ps: fm_ps from /proc, in one pass: grep -H names the file of every line it prints (so a
# command line holding a newline cannot pass for another process's), -s skips processes that ended
# meanwhile. ETIMES = uptime - starttime / CLK_TCK; PCPU = CPU time / ETIMES, as ps computes them.
fm_proc_ps() {
  fm_tck=$(getconf CLK_TCK 2>/dev/null) || fm_tck=100
  fm_bin=-a
  printf 'x\n' | grep -a x >/dev/null 2>&1 || fm_bin=
  {
    grep -Hs '' /proc/[0-9]*/stat /proc/[0-9]*/wchan
    grep -Hs -E '^(Uid|VmRSS|VmSize):' /proc/[0-9]*/status
    # shellcheck disable=SC2086 # $fm_bin is empty or -a (GNU grep's "binary as text")
    grep -Hs $fm_bin '' /proc/[0-9]*/cmdline | tr '\0' ' '
  } | awk -v tck="${fm_tck:-100}" -v up="$(cut -d' ' -f1 /proc/uptime)" '
    FNR == NR { if (split($0, f, ":") >= 3) name[f[3]] = f[1]; next }
    {
      c = index($0, ":"); file = substr($0, 1, c - 1); v = substr($0, c + 1)
      n = split(file, part, "/"); pid = part[3]; what = part[4]
      if (what == "stat") {
        seen[pid] = 1
        o = index(v, "("); e = length(v); while (e > 0 && substr(v, e, 1) != ")") e--
        comm[pid] = substr(v, o + 1, e - o - 1)
        split(substr(v, e + 2), st, " ")
        state[pid] = st[1]; ppid[pid] = st[2]
        cpu[pid] = st[12] + st[13]; start[pid] = st[20]
      } else if (what == "wchan") {
        wchan[pid] = v
      } else if (what == "cmdline") {
        args[pid] = (pid in args) ? args[pid] " " v : v
      } else if (what == "status") {
        split(v, kv, " ")
        if (v ~ /^Uid:/) uid[pid] = kv[2]
        else if (v ~ /^VmRSS:/) rss[pid] = kv[2]
        else if (v ~ /^VmSize:/) vsz[pid] = kv[2]
      }
    }
    END {
      for (pid in seen) {
        el = int(up - start[pid] / tck); if (el < 0) el = 0
        pc = el > 0 ? (cpu[pid] / tck) * 100 / el : 0
        a = args[pid]; sub(/ +$/, "", a); sub(/^ +/, "", a); if (a == "") a = "[" comm[pid] "]"
        gsub(/[[:cntrl:]]/, "?", a)
        w = wchan[pid]; if (w == "" || w == "0") w = "-"
        u = uid[pid]; user = (u in name) ? name[u] : u
        if (length(user) > 32) user = u
        printf "%s %s %s %s %s %d %d %d %.1f %s %s\n", pid, ppid[pid], u, user, state[pid], rss[pid], vsz[pid], el, pc, w, a
      }
    }' /etc/passwd -
}

# What precedes ARGS in a line of fm_ps, for awk's sub(): ARGS keeps its own spacing.
FM_PS_HEAD='^ *[^ ]+ +[^ ]+ +[^ ]+ +[^ ]+ +[^ ]+ +[^ ]+ +[^ ]+ +[^ ]+ +[^ ]+ +[^ ]+ +'

# fm_ps_args: "PID PPID ARGS" of every process, from fm_ps.
fm_ps_args() {
  fm_ps | awk -v head="$FM_PS_HEAD" '{ a = $0; sub(head, "", a); print $1, $2, a }'
}

# fm_socket_fds: "PID COMM FD INODE" for each socket an FPM or web server process holds, read from
# /proc/PID/fd (other users' are readable by root only): what ss -p shows, where there is no ss.
fm_socket_fds() {
  grep -Hs -E '^(php-fpm|php[0-9.]*-fpm|php|nginx|apache2|httpd)' /proc/[0-9]*/comm |
    while IFS= read -r fm_line; do
      fm_pid=${fm_line#/proc/}
      fm_pid=${fm_pid%%/*}
      # shellcheck disable=SC2012 # ls -l is the one way to read every fd link with one process
      ls -l "/proc/$fm_pid/fd" 2>/dev/null | awk -v pid="$fm_pid" -v comm="${fm_line#*:}" '
        $NF ~ /^socket:\[[0-9]+\]$/ { i = $NF; gsub(/[^0-9]/, "", i); gsub(/[[:space:]]/, "_", comm); print pid, comm, $(NF - 2), i }'
    done
}

# fm_proc_sockets MAXLINES ROOT(0|1): the socket tables ss would give, from /proc: the FPM and web server
# processes' socket fds (proc-fd), then the rows of /proc/net/tcp, tcp6 and unix that matter
# (proc-net): every listener, every socket those processes hold, and the unix connections not yet
# accepted (inode 0, state 02: what is queued on a unix listener; /proc shows no queue length).
fm_proc_sockets() {
  fm_fds=$(fm_socket_fds)
  fm_section proc-fd "root=$2"
  printf '%s\n' "$fm_fds" | head -n "$1"
  fm_section proc-net kind=tcp
  { printf '%s\n--\n' "$fm_fds"; cat /proc/net/tcp /proc/net/tcp6 2>/dev/null; } |
    awk 'p == 0 { if ($0 == "--") p = 1; else want[$4] = 1; next }
      $1 != "sl" && ($4 == "0A" || ($10 in want))' | head -n "$1"
  fm_section proc-net kind=unix
  { printf '%s\n--\n' "$fm_fds"; cat /proc/net/unix 2>/dev/null; } |
    awk 'p == 0 { if ($0 == "--") p = 1; else want[$4] = 1; next }
      $1 != "Num" && ($4 == "00010000" || ($7 in want) || ($7 == 0 && $6 == "02" && NF >= 8))' | head -n "$1"
}

# fm_fpm_memcgs: one line "PID VERSION BASE PATH" per trusted FPM master (at most 20): the memory cgroup it
# runs in, v1 (BASE /sys/fs/cgroup/memory) or v2 (BASE /sys/fs/cgroup or .../unified); the
# directory is BASE followed by PATH. PATH comes last so that `read` keeps any space in it.
fm_fpm_memcgs() {
  fm_ps_args | awk '$3 == "php-fpm:" && $4 == "master" { print $1 }' | head -n 20 |
    while read -r pid; do
      # A process that only calls itself a master (another user's) is not FPM's cgroup.
      fm_trusted_pid "$pid" >/dev/null || continue
      [ -r "/proc/$pid/cgroup" ] || continue
      v1=$(sed -n 's/^[0-9]*:[^:]*memory[^:]*:\(.*\)$/\1/p' "/proc/$pid/cgroup" | head -n 1)
      v2=$(sed -n 's/^0::\(.*\)$/\1/p' "/proc/$pid/cgroup" | head -n 1)
      if [ -n "$v1" ] && [ -d "/sys/fs/cgroup/memory$v1" ]; then
        printf '%s 1 /sys/fs/cgroup/memory %s\n' "$pid" "$v1"
        continue
      fi
      [ -n "$v2" ] || continue
      for base in /sys/fs/cgroup /sys/fs/cgroup/unified; do
        if [ -r "$base${v2%/}/memory.events" ]; then
          printf '%s 2 %s %s\n' "$pid" "$base" "$v2"
          break
        fi
      done
    done
}

# fm_who_may PATH r|w: key=value words that let fpm-medic's fix name the least privilege for a
# file the probe was refused: user= (who was refused), owner= (mode owner:group, e.g.
# 640%20root:adm) and group= when the file's group may read (r) or write (w) it.
fm_who_may() {
  printf 'user=%s' "$(fm_val "$(id -un)")"
  perms=$(stat -c '%A %a %U:%G' "$1" 2>/dev/null) || return 0
  printf ' owner=%s' "$(fm_val "${perms#* }")"
  g=${perms##*:}
  case $2:${perms%% *} in
  r:????r* | w:?????w*) printf ' group=%s' "$(fm_val "$g")" ;;
  esac
}

# Trust rules (docs/security.md): nothing the host says is run. A process is a master fpm-medic
# examines only when every uid it runs as is root or the uid this script runs as (fm_trusted_pid),
# and its binary is run only when that file and every directory above it are owned by one of those
# uids and writable by no one else (fm_trusted_file): a process title, argv, environment or a file
# another user can write is data. The fm_t* variables are these helpers' own: the probes' variables
# are global too.
fm_me=$(id -u)

# fm_trusted_uid UID: root, or the user this script runs as.
fm_trusted_uid() {
  [ "$1" = 0 ] || [ "$1" = "$fm_me" ]
}

# fm_trusted_pid PID: every uid of PID (real, effective, saved, fs: the Uid: line of
# /proc/PID/status) is trusted. Otherwise prints why ("runs as uid 65534") and fails.
fm_trusted_pid() {
  fm_tuids=$(sed -n 's/^Uid:[[:space:]]*//p' "/proc/$1/status" 2>/dev/null)
  if [ -z "$fm_tuids" ]; then
    printf 'cannot read /proc/%s/status\n' "$1"
    return 1
  fi
  for fm_tu in $fm_tuids; do
    if ! fm_trusted_uid "$fm_tu"; then
      printf 'runs as uid %s\n' "$fm_tu"
      return 1
    fi
  done
  return 0
}

# fm_owner_mode PATH: "UID GID MODE" (MODE as ls shows it, -rwxr-xr-x), without following a
# symlink. stat -c is GNU and BusyBox; ls -ldn is the fallback everywhere else.
fm_owner_mode() {
  # shellcheck disable=SC2012 # ls -ldn only where stat(1) is missing; one known path
  stat -c '%u %g %A' "$1" 2>/dev/null || ls -ldn "$1" 2>/dev/null | awk '{ print $3, $4, $1 }'
}

# fm_trusted_file PATH: PATH (canonical: symlinks resolved) and every directory above it are owned
# by a trusted uid and writable by neither group nor others (so /tmp, world-writable even with its
# sticky bit, fails). Prints the canonical path; otherwise prints why, naming the offending path
# ("/tmp/x/php-fpm is writable by uid 65534", "/tmp/x/php-fpm is in /tmp, which is world-writable"),
# and fails.
fm_trusted_file() {
  fm_tf=$(readlink -f "$1" 2>/dev/null)
  if [ -z "$fm_tf" ] || [ ! -e "$fm_tf" ]; then
    printf '%s does not exist\n' "$1"
    return 1
  fi
  fm_tp=$fm_tf
  while :; do
    # shellcheck disable=SC2046 # split on purpose: UID GID MODE
    set -- $(fm_owner_mode "$fm_tp")
    if [ $# -lt 3 ]; then
      fm_tw="cannot be examined (stat failed)"
    elif ! fm_trusted_uid "$1"; then
      fm_tw="is writable by uid $1"
    else
      case $3 in
      ????????w?*) fm_tw="is world-writable" ;;
      ?????w????*) fm_tw="is writable by group $2" ;;
      *) fm_tw= ;;
      esac
    fi
    if [ -n "$fm_tw" ]; then
      if [ "$fm_tp" = "$fm_tf" ]; then
        printf '%s %s\n' "$fm_tf" "$fm_tw"
      else
        printf '%s is in %s, which %s\n' "$fm_tf" "$fm_tp" "$fm_tw"
      fi
      return 1
    fi
    [ "$fm_tp" = / ] && break
    # The parent directory, without a dirname(1) per level (the path is canonical: no // or /.).
    fm_tp=${fm_tp%/*}
    [ -n "$fm_tp" ] || fm_tp=/
  done
  printf '%s\n' "$fm_tf"
}

# fm_master_exe PID: the binary a master runs, when it may be run: the canonical path of
# /proc/PID/exe of a trusted process, itself a trusted file. Never a path from the title or argv.
# Otherwise prints why and fails: 1 = not to be trusted ("runs as uid 65534", "binary /tmp/x/nginx
# is writable by uid 65534"), 2 = cannot tell (/proc/PID/exe unreadable: not root), 3 = a trusted
# master whose binary was deleted or replaced since it started (a package upgrade): still a master,
# but what is at that path now is not what it runs.
fm_master_exe() {
  fm_tw=$(fm_trusted_pid "$1") || {
    printf '%s\n' "$fm_tw"
    return 1
  }
  fm_tx=$(readlink "/proc/$1/exe" 2>/dev/null)
  if [ -z "$fm_tx" ]; then
    printf 'cannot read /proc/%s/exe as %s\n' "$1" "$(id -un)"
    return 2
  fi
  case $fm_tx in
  *' (deleted)')
    printf 'master %s runs %s, deleted or replaced since it started (a package upgrade?): it is not run\n' \
      "$1" "$fm_tx"
    return 3
    ;;
  esac
  fm_tw=$(fm_trusted_file "$fm_tx") || {
    printf 'binary %s\n' "$fm_tw"
    return 1
  }
  printf '%s\n' "$fm_tw"
}

# fm_system_bin NAME...: the first NAME found in the system's own directories that is a trusted
# file, for a config the inventory names with no master running. PATH is not used: it is the
# login's, and may name a directory another user can write.
fm_system_bin() {
  for fm_tn in "$@"; do
    for fm_td in /usr/sbin /usr/local/sbin /usr/bin /usr/local/bin /sbin /bin; do
      [ -x "$fm_td/$fm_tn" ] || continue
      if fm_tb=$(fm_trusted_file "$fm_td/$fm_tn"); then
        printf '%s\n' "$fm_tb"
        return 0
      fi
    done
  done
  return 1
}

# Debian's apache2.conf uses ${APACHE_RUN_DIR} and friends from /etc/apache2/envvars; the running
# master already has them, so take them from its environment (root), else from envvars (discover-web.sh
# reads the config with them, apply-config.sh tests it with them).
# fm_apache_env PID CONF: "NAME=value" lines, APACHE_* (and LANG) only.
fm_apache_env() {
  if [ -n "$1" ] && [ -r "/proc/$1/environ" ]; then
    vars=$(tr '\0' '\n' <"/proc/$1/environ" | grep '^APACHE_[A-Z0-9_]*=')
    if [ -n "$vars" ]; then
      printf '%s\n' "$vars"
      return
    fi
  fi
  envvars="$(dirname "$2")/envvars"
  [ -r "$envvars" ] && fm_envvars_values "$envvars"
  return 0
}

# fm_envvars_values FILE: envvars read as data, never sourced: its `export NAME=value` / `NAME=value`
# lines for APACHE_* and LANG, quotes removed, $VAR and ${VAR} replaced by values read before
# (Debian's SUFFIX, which the file computes from APACHE_CONFDIR, is computed the same way here).
# Nothing is evaluated: a value holding a command substitution or a backslash is dropped.
fm_envvars_values() {
  awk -v confdir="$(dirname "$1")" '
    function subst(s,   out, name) {
      out = ""
      while (match(s, /\$\{[A-Za-z_][A-Za-z0-9_]*\}|\$[A-Za-z_][A-Za-z0-9_]*/)) {
        name = substr(s, RSTART, RLENGTH)
        gsub(/[${}]/, "", name)
        out = out substr(s, 1, RSTART - 1) ((name in v) ? v[name] : "")
        s = substr(s, RSTART + RLENGTH)
      }
      return out s
    }
    BEGIN { v["SUFFIX"] = (confdir ~ /^\/etc\/apache2-/) ? "-" substr(confdir, 14) : "" }
    {
      line = $0
      sub(/^[ \t]+/, "", line)
      sub(/^export[ \t]+/, "", line)
      if (!match(line, /^(APACHE_[A-Z0-9_]*|LANG)=/)) next
      name = substr(line, 1, RLENGTH - 1)
      val = substr(line, RLENGTH + 1)
      if (substr(val, 1, 1) == "\047") {
        val = substr(val, 2)
        if (!sub(/\047.*$/, "", val)) next
      } else {
        if (substr(val, 1, 1) == "\"") {
          val = substr(val, 2)
          if (!sub(/".*$/, "", val)) next
        } else sub(/[ \t;#&|<>].*$/, "", val)
        if (val ~ /[`\\]/ || index(val, "$(")) next
        val = subst(val)
      }
      v[name] = val
      order[name] = ++n
    }
    END { for (k in order) print k "=" v[k] }' "$1"
}

# fm_apache_run ENV BIN ARG...: BIN ARG... under `env NAME=value ...` with ENV's lines, cut off at 20 s.
# The values are words handed to env(1), never shell text.
fm_apache_run() {
  run_env=$1
  shift
  while IFS= read -r kv; do
    [ -n "$kv" ] && set -- "$kv" "$@"
  done <<EOF
$run_env
EOF
  timeout 20 env "$@"
}
