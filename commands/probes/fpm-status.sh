# fpm-status.sh TIMEOUT_SEC POOL LISTEN STATUS_PATH [POOL LISTEN STATUS_PATH ...]
# Asks every pool for `STATUS_PATH?json&full` straight over FastCGI (cgi-fcgi), all pools at
# once. The status request waits in the same accept queue as real requests, so a pool with every
# worker busy does not answer: it is cut off after TIMEOUT_SEC and reported as reason=timeout,
# which is itself the evidence of saturation. STATUS_PATH "-" means the pool has none.
#
# Prints per pool, in argument order:
#   @@section fpm-status pool= listen= ms= [stderr=]  body: the raw answer (CGI headers + JSON);
#                                                stderr= what FPM sent as FastCGI stderr
#   @@section fpm-status pool= listen= skipped=no-status-path
#   @@error fpm-status reason=timeout|not-found|permission|missing-tool|error pool= listen= ms= [errno=]
FM_NAME=fpm-status

if [ $# -lt 4 ] || [ $(($# % 3)) -ne 1 ]; then
  fm_error "$FM_NAME" error "usage: fpm-status.sh TIMEOUT_SEC POOL LISTEN STATUS_PATH ..." target=args
  exit 0
fi
timeout_sec=$1
shift

# cgi-fcgi reads "host:port" when there is a colon, else a unix path. FPM's bare-port and
# wildcard forms listen on every address, so loopback reaches them.
connect_target() {
  case $1 in
    /*) printf '%s\n' "$1" ;;
    '0.0.0.0:'* | '*:'* | '[::]:'*) printf '127.0.0.1:%s\n' "${1##*:}" ;;
    '['*) ;;
    *:* | *[!0-9]*) printf '%s\n' "$1" ;;
    ?*) printf '127.0.0.1:%s\n' "$1" ;;
  esac
}

# query POOL LISTEN STATUS_PATH OUTFILE
query() {
  pool=$1 listen=$2 path=$3 out=$4
  attrs="pool=$(fm_val "$pool") listen=$(fm_val "$listen")"
  if [ "$path" = - ] || [ -z "$path" ]; then
    # shellcheck disable=SC2086 # attrs is a list of key=value words without spaces
    fm_section "$FM_NAME" $attrs skipped=no-status-path >"$out"
    echo "pool $pool has no pm.status_path: set pm.status_path = /status to let fpm-medic read it" >>"$out"
    return
  fi
  if ! fm_have cgi-fcgi; then
    # shellcheck disable=SC2086
    fm_error "$FM_NAME" missing-tool "cgi-fcgi is not installed; fix: apt-get install libfcgi-bin (Debian/Ubuntu), dnf install fcgi (RHEL) or apk add fcgi (Alpine)" $attrs >"$out"
    return
  fi
  target=$(connect_target "$listen")
  if [ -z "$target" ]; then
    # shellcheck disable=SC2086
    fm_error "$FM_NAME" error "cgi-fcgi cannot connect to $listen (IPv6 is not supported by libfcgi)" $attrs >"$out"
    return
  fi
  start=$(fm_mono_ms)
  body=$(SCRIPT_NAME=$path SCRIPT_FILENAME=$path REQUEST_URI="$path?json&full" QUERY_STRING='json&full' \
    REQUEST_METHOD=GET timeout -k 1 "$timeout_sec" cgi-fcgi -bind -connect "$target" 2>"$out.err")
  rc=$?
  ms=$(($(fm_mono_ms) - start))
  # FPM's FastCGI stderr ("Primary script unknown") and cgi-fcgi's own errors.
  err=
  [ -s "$out.err" ] && err=$(head -c 300 "$out.err" | tr '\n' ' ')
  case $rc in
    0)
      # shellcheck disable=SC2086
      fm_section "$FM_NAME" $attrs "ms=$ms" ${err:+"stderr=$(fm_val "$err")"} >"$out"
      printf '%s\n' "$body" >>"$out"
      ;;
    124 | 137)
      # shellcheck disable=SC2086
      fm_error "$FM_NAME" timeout "no answer within ${timeout_sec}s: every worker is busy or the master is stuck (requests queue behind the status request)" $attrs "ms=$ms" >"$out"
      ;;
    2)
      # shellcheck disable=SC2086
      fm_error "$FM_NAME" not-found "$listen: No such file or directory (2): nothing listens there" $attrs "ms=$ms" errno=2 >"$out"
      ;;
    13)
      # Connecting needs write permission on the socket (listen.owner/group/mode, 0660 by
      # default): its group is the least privilege that opens the status page.
      # shellcheck disable=SC2086,SC2046 # key=value words without spaces
      fm_error "$FM_NAME" permission "$listen: Permission denied (13) as $(id -un) (socket mode $(stat -c '%a %U:%G' "$listen" 2>/dev/null))" \
        $attrs "ms=$ms" errno=13 $(fm_who_may "$listen" w) >"$out"
      ;;
    111)
      # shellcheck disable=SC2086
      fm_error "$FM_NAME" error "$listen: Connection refused (111): no master accepts on it" $attrs "ms=$ms" errno=111 >"$out"
      ;;
    11)
      # shellcheck disable=SC2086
      fm_error "$FM_NAME" error "$listen: Resource temporarily unavailable (11): the listen backlog is full" $attrs "ms=$ms" errno=11 >"$out"
      ;;
    *)
      # shellcheck disable=SC2086
      fm_error "$FM_NAME" error "cgi-fcgi exited $rc: $err $(printf '%s' "$body" | head -c 300)" $attrs "ms=$ms" "errno=$rc" >"$out"
      ;;
  esac
}

tmp=$(mktemp -d 2>/dev/null || mktemp -d -t fpm-status.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
i=0
while [ $# -ge 3 ]; do
  i=$((i + 1))
  query "$1" "$2" "$3" "$tmp/$i" &
  shift 3
done
wait
n=1
while [ "$n" -le "$i" ]; do
  cat "$tmp/$n"
  n=$((n + 1))
done
exit 0
