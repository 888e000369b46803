# kill-stuck-workers.sh PHASE ARGS: ends the FPM workers a diagnosis named, and only while each is
# still the same process on the same request. Between the diagnosis and the approval a worker may
# have finished, served other requests, or died and had its pid reused: each is then skipped.
#
#   kill PID MASTER STARTED POOL CONN [PID MASTER STARTED POOL CONN ...]
#     STARTED: epoch seconds the worker started (matched within 2 s); CONN: the request's connection,
#     unix:INODE or inode:INODE (the accepted socket, as in /proc/PID/fd) or tcp:LOCAL,PEER (as ss
#     prints them, with [ and ] written %5B and %5D; ESTAB or CLOSE-WAIT once the client gave up).
#     @@section worker pid= result=killed signal=TERM|KILL ms=
#     @@section worker pid= result=skipped reason=gone|not-a-worker|restarted|moved-on|survived|error [started= ppid= title=]
#     started: when the process now at PID started (epoch seconds, to the hundredth)
#   check TIMEOUT_SEC HEALTH_URL|none [POOL LISTEN PATH ...]   as in fpm-reload.sh

phase=${1:-}
[ $# -gt 0 ] && shift

# holds_request PID CONN: the worker still holds the connection it accepted the request on.
holds_request() {
  case $2 in
    unix:* | inode:*)
      want="socket:[${2#*:}]"
      for fd in "/proc/$1/fd/"*; do
        [ "$(readlink "$fd" 2>/dev/null)" = "$want" ] && return 0
      done
      return 1
      ;;
    tcp:*,*)
      pair=${2#tcp:}
      local_addr=$(printf '%s' "${pair%%,*}" | sed 's/%5B/[/g; s/%5D/]/g')
      peer_addr=$(printf '%s' "${pair#*,}" | sed 's/%5B/[/g; s/%5D/]/g')
      timeout 5 ss -Htnp 2>/dev/null |
        awk -v l="$local_addr" -v p="$peer_addr" -v who="pid=$1," '($1 == "ESTAB" || $1 == "CLOSE-WAIT") && $4 == l && $5 == p && index($0, who) { f = 1 } END { exit !f }'
      ;;
    *) return 1 ;;
  esac
}

# gone PID TICKS: the process exited (or is a zombie waiting for its master), or the pid is reused.
gone() {
  fa_alive "$1" || return 0
  [ "$(fa_ticks "$1")" != "$2" ]
}

# end_worker PID TICKS: SIGTERM (an FPM worker dies at once: only SIGQUIT is graceful in a child),
# up to ~3 s for it to go, then SIGKILL and up to ~2 s more.
end_worker() {
  start=$(fm_ms)
  if ! err=$(kill -TERM "$1" 2>&1); then
    fm_section worker "pid=$1" result=skipped reason=error "detail=$(fm_val "$err")"
    return
  fi
  i=0
  while [ $i -lt 30 ]; do
    if gone "$1" "$2"; then
      fm_section worker "pid=$1" result=killed signal=TERM "ms=$(($(fm_ms) - start))"
      return
    fi
    fa_nap
    i=$((i + 1))
  done
  kill -KILL "$1" 2>/dev/null
  i=0
  while [ $i -lt 20 ]; do
    if gone "$1" "$2"; then
      fm_section worker "pid=$1" result=killed signal=KILL "ms=$(($(fm_ms) - start))"
      return
    fi
    fa_nap
    i=$((i + 1))
  done
  fm_section worker "pid=$1" result=skipped reason=survived "ms=$(($(fm_ms) - start))"
}

# kill_one PID MASTER STARTED POOL CONN: every check right before the signal, in this order.
kill_one() {
  if ! fa_alive "$1"; then
    fm_section worker "pid=$1" result=skipped reason=gone
    return
  fi
  ticks=$(fa_ticks "$1")
  ppid=$(fa_stat "$1" 4)
  title=$(fa_args "$1")
  if [ "$ppid" != "$2" ] || [ "$title" != "php-fpm: pool $4" ]; then
    fm_section worker "pid=$1" result=skipped reason=not-a-worker "ppid=$ppid" "title=$(fm_val "$title")"
    return
  fi
  # A worker of a process that only calls itself a master (another user's) is not FPM's to end.
  if ! why=$(fa_trusted_master "$2"); then
    fm_section worker "pid=$1" result=skipped reason=error "detail=$(fm_val "$why")"
    return
  fi
  started=$(fa_start_epoch "$ticks")
  if ! fa_within "$started" "$3" 2; then
    fm_section worker "pid=$1" result=skipped reason=restarted "started=$started"
    return
  fi
  if ! holds_request "$1" "$5"; then
    fm_section worker "pid=$1" result=skipped reason=moved-on "started=$started"
    return
  fi
  end_worker "$1" "$ticks"
}

case $phase in
  kill)
    if [ $# -lt 5 ] || [ $(($# % 5)) -ne 0 ]; then
      fm_error kill error "usage: kill-stuck-workers.sh kill PID MASTER STARTED POOL CONN ..."
      exit 0
    fi
    while [ $# -ge 5 ]; do
      kill_one "$1" "$2" "$3" "$4" "$5"
      shift 5
    done
    ;;
  check)
    fa_check "$@"
    ;;
  *)
    fm_error kill-stuck-workers error "usage: kill-stuck-workers.sh kill|check ARGS (got '$phase')"
    ;;
esac
exit 0
