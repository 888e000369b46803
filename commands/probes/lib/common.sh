# Shared helpers, prepended by fpm-medic to every probe script before it is streamed to
# `sh -s -- ARGS` (to run a probe by hand: cat lib/common.sh NAME.sh | sh -s -- ARGS).
# Output protocol (parsed by src/probes/sections.ts):
#   @@section NAME [key=value ...]   starts a section; its body is every line up to the next marker
#   @@error NAME reason=R [key=value ...]   a failed read; body = what went wrong
# R is one of: permission missing-tool timeout not-found error. Values hold no spaces
# (fm_val encodes space, %, = and newline as %20 %25 %3D %0A).

fm_val() {
  printf '%s' "$1" | sed -e 's/%/%25/g' -e 's/ /%20/g' -e 's/=/%3D/g' | awk 'BEGIN{ORS=""} NR>1{print "%0A"} {print}'
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

fm_have() {
  command -v "$1" >/dev/null 2>&1
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
  printf '\n@@probe %s start=%s\n' "$1" "$(fm_ms)"
}

fm_probe_end() {
  printf '\n@@probe-end %s rc=%s end=%s\n' "$1" "$2" "$(fm_ms)"
}

# fm_fpm_memcgs: one line "PID VERSION BASE PATH" per trusted FPM master (at most 20): the memory cgroup it
# runs in, v1 (BASE /sys/fs/cgroup/memory) or v2 (BASE /sys/fs/cgroup or .../unified); the
# directory is BASE followed by PATH. PATH comes last so that `read` keeps any space in it.
fm_fpm_memcgs() {
  ps -eo pid=,args= 2>/dev/null | awk '$2 == "php-fpm:" && $3 == "master" { print $1 }' | head -n 20 |
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
