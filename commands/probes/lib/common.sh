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

# fm_fpm_memcgs: one line "PID VERSION BASE PATH" per FPM master (at most 20): the memory cgroup it
# runs in, v1 (BASE /sys/fs/cgroup/memory) or v2 (BASE /sys/fs/cgroup or .../unified); the
# directory is BASE followed by PATH. PATH comes last so that `read` keeps any space in it.
fm_fpm_memcgs() {
  ps -eo pid=,args= 2>/dev/null | awk '$2 == "php-fpm:" && $3 == "master" { print $1 }' | head -n 20 |
    while read -r pid; do
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
