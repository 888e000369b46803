# Shared helpers of the action scripts (the only scripts that change a host). fpm-medic prepends
# commands/probes/lib/common.sh and then this file to an action before streaming it to
# `sh -s -- PHASE ARGS`; to run one by hand:
#   cat commands/probes/lib/common.sh commands/actions/lib/actions.sh commands/actions/NAME.sh | sh -s -- PHASE ARGS
# Output: the probes' protocol (@@section / @@error NAME key=value ..., values encoded by fm_val),
# parsed by src/remediation/procedures/. Every command that can hang runs under `timeout`, and
# every wait is a bounded loop of short naps: an action never outlives its caller's deadline.

# Clock ticks per second, for process start times (/proc/PID/stat field 22 is in ticks since boot).
fa_hz=$(getconf CLK_TCK 2>/dev/null)
[ -n "$fa_hz" ] || fa_hz=100

# fa_nap: one short poll interval. POSIX sleep takes whole seconds; GNU and BusyBox take 0.1.
fa_nap() {
  sleep 0.1 2>/dev/null || sleep 1
}

# fa_body: output copied from a command or a log, with "@@" at a line start defused so it cannot
# forge a section marker (the same rule as logs.sh).
fa_body() {
  sed 's/^@@/ @@/'
}

# fa_stat PID N: field N of /proc/PID/stat. The comm field (2) is in parentheses and may contain
# spaces and ")", so everything up to the last ") " is cut first: what is left starts at field 3.
fa_stat() {
  [ -r "/proc/$1/stat" ] || return 1
  sed 's/.*) //' "/proc/$1/stat" 2>/dev/null | awk -v n="$2" '{ print $(n - 2) }'
}

# fa_ticks PID: start time in clock ticks since boot; with the pid, an identity that survives pid reuse.
fa_ticks() {
  fa_stat "$1" 22
}

# fa_start_epoch TICKS: those ticks as epoch seconds, to the hundredth. Now minus the time since
# then, from /proc/uptime: /proc/stat's btime is whole seconds, truncated, which alone can put a
# start time a second off (and the diagnosis's own ps etimes is whole seconds too).
fa_start_epoch() {
  awk -v now="$(fm_now)" -v up="$(cut -d ' ' -f 1 /proc/uptime)" -v t="$1" -v hz="$fa_hz" \
    'BEGIN { printf "%.2f\n", now - (up - t / hz) }'
}

# fa_within A B LIMIT: |A - B| <= LIMIT, for decimal numbers (sh arithmetic has only integers).
fa_within() {
  awk -v a="$1" -v b="$2" -v l="$3" 'BEGIN { d = a - b; if (d < 0) d = -d; exit !(d <= l) }'
}

# fa_alive PID: the process exists and is not a zombie (a killed worker is a zombie until its
# master reaps it).
fa_alive() {
  state=$(fa_stat "$1" 3) || return 1
  [ -n "$state" ] && [ "$state" != Z ]
}

# fa_args PID: the process title (FPM rewrites argv: "php-fpm: pool www").
fa_args() {
  tr '\0' ' ' 2>/dev/null <"/proc/$1/cmdline" | sed 's/ *$//'
}

# fa_workers MASTER: one line "PID TICKS POOL" per FPM worker whose parent is MASTER.
fa_workers() {
  fm_ps_args |
    awk -v m="$1" '$2 == m && $3 == "php-fpm:" && $4 == "pool" { print $1, $5 }' |
    while read -r wpid wpool; do
      wticks=$(fa_ticks "$wpid") || continue
      [ -n "$wticks" ] && printf '%s %s %s\n' "$wpid" "$wticks" "$wpool"
    done
}

# fa_titled_masters: one line "PID CONFIG" per process titled "php-fpm: master process (CONFIG)",
# whoever runs it: a title is only a claim.
fa_titled_masters() {
  fm_ps_args | awk '$3 == "php-fpm:" && $4 == "master" && $5 == "process" {
    c = $0; sub(/^[^(]*\(/, "", c); sub(/\)[[:space:]]*$/, "", c); print $1, c }'
}

# fa_masters: one line "PID TICKS CONFIG" per FPM master fpm-medic may act on, CONFIG as its title
# shows it: a process running as root or as this user, whose binary is not another user's
# (fm_master_exe; one whose /proc/PID/exe cannot be read, or was deleted since it started, is still
# listed: it is root's).
fa_masters() {
  fa_titled_masters | while read -r mpid mconfig; do
    fm_master_exe "$mpid" >/dev/null
    [ $? = 1 ] && continue
    mticks=$(fa_ticks "$mpid") || continue
    [ -n "$mticks" ] && printf '%s %s %s\n' "$mpid" "$mticks" "$mconfig"
  done
}

# fa_masters_section: the masters, as a section, after one @@error per process that calls itself
# a master and is not one fpm-medic may act on (reason=untrusted).
fa_masters_section() {
  fa_titled_masters | while read -r mpid mconfig; do
    why=$(fm_master_exe "$mpid")
    [ $? = 1 ] && [ -e "/proc/$mpid" ] &&
      fm_error masters untrusted "ignored php-fpm master $mpid: $why" "pid=$mpid"
  done
  found=$(fa_masters)
  count=0
  [ -n "$found" ] && count=$(printf '%s\n' "$found" | wc -l | tr -d ' ')
  fm_section masters "count=$count"
  [ -n "$found" ] && printf '%s\n' "$found"
}

# fa_trusted_master PID: PID is an FPM master fpm-medic may act on; otherwise prints why and fails.
fa_trusted_master() {
  case $(fa_args "$1") in
    'php-fpm: master process'*) ;;
    *)
      printf 'process %s is not a PHP-FPM master (any more)\n' "$1"
      return 1
      ;;
  esac
  why=$(fm_master_exe "$1")
  if [ $? = 1 ]; then
    printf 'ignored php-fpm master %s: %s\n' "$1" "$why"
    return 1
  fi
  return 0
}

# fa_master_section MASTER: is MASTER (still) an FPM master, and its identity.
fa_master_section() {
  alive=0
  ticks=
  if fa_alive "$1"; then
    ticks=$(fa_ticks "$1")
    case $(fa_args "$1") in
      'php-fpm: master process'*) alive=1 ;;
    esac
  fi
  fm_section master "pid=$1" "alive=$alive" ${ticks:+"ticks=$ticks"}
}

# fa_run LIMIT_SEC COMMAND...: runs COMMAND under timeout with its output in a file, then prints
# that output (defused) and a last line "@@rc N" (124 = cut off at the limit). A file, not a pipe:
# a daemon the command starts may keep its stdout open for ever, and a pipe would wait for it.
fa_run() {
  fa_limit=$1
  shift
  if ! fa_out=$(mktemp 2>/dev/null || mktemp -t fpm-medic.XXXXXX); then
    printf 'mktemp failed: cannot create a temporary file\n@@rc 1\n'
    return
  fi
  timeout "$fa_limit" "$@" </dev/null >"$fa_out" 2>&1
  fa_rc=$?
  head -n 40 "$fa_out" | fa_body
  rm -f "$fa_out"
  printf '@@rc %s\n' "$fa_rc"
}

# fa_log_size LOG: bytes in FPM's error log now, 0 when it is not a readable file (syslog).
fa_log_size() {
  if [ "$1" != none ] && [ -f "$1" ] && [ -r "$1" ]; then
    wc -c <"$1" | tr -d ' '
  else
    printf '0\n'
  fi
}

# fa_log_section LOG OFFSET: FPM's start/reload lines written since OFFSET (at most 64 KiB read).
fa_log_section() {
  if [ "$1" = none ] || [ ! -f "$1" ] || [ ! -r "$1" ]; then
    fm_section log "path=$(fm_val "$1")" readable=0
    return
  fi
  size=$(wc -c <"$1" | tr -d ' ')
  from=$2
  # A log rotated (or truncated) since OFFSET starts again at 0.
  [ "$from" -le "$size" ] 2>/dev/null || from=0
  [ $((size - from)) -le 65536 ] || from=$((size - 65536))
  fm_section log "path=$(fm_val "$1")" readable=1 "from=$from" "size=$size"
  tail -c "+$((from + 1))" "$1" |
    grep -E 'Reloading in progress|reloading: |using inherited socket|fpm is running|ready to handle connections|ERROR|ALERT' |
    tail -n 40 | fa_body
}

# fa_exe EXE: the binary to run for EXE (the inventory's fpm.binary, or the exe discovery took from
# a trusted master): an absolute path as it is, a program name (php-fpm8.2) from PATH; in both
# cases only a trusted file (fm_trusted_file: owned by root or this user, in directories no one
# else can write). Prints the canonical path, or why not and fails.
fa_exe() {
  case $1 in
    /*) fa_x=$1 ;;
    *)
      if ! fa_x=$(command -v "$1" 2>/dev/null) || [ -z "$fa_x" ]; then
        printf 'php-fpm binary %s not found\n' "$1"
        return 1
      fi
      ;;
  esac
  if [ ! -x "$fa_x" ]; then
    printf 'php-fpm binary %s not found or not executable\n' "$fa_x"
    return 1
  fi
  if ! fa_x=$(fm_trusted_file "$fa_x"); then
    printf 'binary %s: not run\n' "$fa_x"
    return 2
  fi
  printf '%s\n' "$fa_x"
}

# fa_guess_exe CONFIG: the binary that starts CONFIG when no master shows it: the versioned one
# Debian's layout implies (/etc/php/8.2/fpm/... -> php-fpm8.2), else the only php-fpm there is;
# from the system's own directories and only a trusted file (fm_system_bin).
fa_guess_exe() {
  ver=$(printf '%s' "$1" | sed -n 's|^/etc/php/\([0-9][0-9.]*\)/fpm/.*|\1|p')
  fm_system_bin ${ver:+"php-fpm$ver"} php-fpm && return
  [ -n "$ver" ] && return
  found=
  for f in /usr/sbin/php-fpm* /usr/local/sbin/php-fpm*; do
    [ -x "$f" ] || continue
    # Two versions installed and nothing says which: better to ask than to guess.
    [ -n "$found" ] && return
    found=$f
  done
  if [ -n "$found" ] && found=$(fm_trusted_file "$found"); then
    printf '%s\n' "$found"
  fi
}

# fa_config_test EXE CONFIG: `php-fpm -t` writes its verdict to stderr and exits 0 (ok) or 78
# (REFERENCE §8.4). The test is what makes a reload safe: a master that re-reads a broken config exits.
fa_config_test() {
  exe=$(fa_exe "$1")
  case $? in
    0) ;;
    2)
      fm_error config-test untrusted "$exe" "exe=$(fm_val "$1")"
      return
      ;;
    *)
      fm_error config-test not-found "$exe" "exe=$(fm_val "$1")"
      return
      ;;
  esac
  if [ ! -r "$2" ]; then
    fm_error config-test not-found "cannot read $2 as $(id -un)" "config=$(fm_val "$2")"
    return
  fi
  start=$(fm_ms)
  out=$(timeout 15 "$exe" -t --fpm-config "$2" 2>&1 </dev/null)
  rc=$?
  fm_section config-test "rc=$rc" "ms=$(($(fm_ms) - start))" "exe=$(fm_val "$exe")" "config=$(fm_val "$2")"
  printf '%s\n' "$out" | head -n 60 | fa_body
}

# fa_connect_target LISTEN: how cgi-fcgi reaches a pool (as fpm-status.sh): a unix path, or
# host:port, where a wildcard or bare port is reached on loopback. Empty for IPv6 (libfcgi cannot).
fa_connect_target() {
  case $1 in
    /*) printf '%s\n' "$1" ;;
    '0.0.0.0:'* | '*:'* | '[::]:'*) printf '127.0.0.1:%s\n' "${1##*:}" ;;
    '['*) ;;
    *:* | *[!0-9]*) printf '%s\n' "$1" ;;
    ?*) printf '127.0.0.1:%s\n' "$1" ;;
  esac
}

# fa_ping POOL LISTEN PATH TIMEOUT_SEC: one FastCGI request for the pool's ping.path (or status
# path), straight to its socket: the pool answers, whatever the web server does.
fa_ping() {
  attrs="pool=$(fm_val "$1") listen=$(fm_val "$2") path=$(fm_val "$3")"
  if ! fm_have cgi-fcgi; then
    # shellcheck disable=SC2086 # attrs: key=value words without spaces
    fm_error ping missing-tool "cgi-fcgi is not installed; fix: apt-get install libfcgi-bin (Debian/Ubuntu), dnf install fcgi (RHEL) or apk add fcgi (Alpine)" $attrs
    return
  fi
  target=$(fa_connect_target "$2")
  if [ -z "$target" ]; then
    # shellcheck disable=SC2086
    fm_error ping error "cgi-fcgi cannot connect to $2 (IPv6 is not supported by libfcgi)" $attrs
    return
  fi
  start=$(fm_ms)
  out=$(SCRIPT_NAME=$3 SCRIPT_FILENAME=$3 REQUEST_URI=$3 QUERY_STRING='' REQUEST_METHOD=GET \
    timeout -k 1 "$4" cgi-fcgi -bind -connect "$target" 2>&1 </dev/null)
  rc=$?
  # shellcheck disable=SC2086
  fm_section ping $attrs "rc=$rc" "ms=$(($(fm_ms) - start))"
  printf '%s\n' "$out" | head -n 12 | fa_body
}

# fa_health URL TIMEOUT_SEC: the web server's health URL, the way a user reaches the site.
fa_health() {
  if ! fm_have curl; then
    fm_error health missing-tool "curl is not installed; fix: apt-get install curl" "url=$(fm_val "$1")"
    return
  fi
  start=$(fm_ms)
  # (-w '@...' would name a file to read the format from.)
  out=$(curl -sS -o /dev/null -w 'fa_http_code=%{http_code}' --connect-timeout "$2" --max-time "$2" "$1" 2>&1 </dev/null)
  rc=$?
  code=$(printf '%s\n' "$out" | sed -n 's/.*fa_http_code=\([0-9]*\).*/\1/p' | head -n 1)
  fm_section health "url=$(fm_val "$1")" "rc=$rc" "code=${code:-000}" "ms=$(($(fm_ms) - start))"
  printf '%s\n' "$out" | sed 's/fa_http_code=[0-9]*//' | grep -v '^$' | head -n 5 | fa_body
}

# fa_check TIMEOUT_SEC HEALTH_URL|none [POOL LISTEN PATH ...]: every pool's ping, then the health URL.
fa_check() {
  t=$1 url=$2
  shift 2
  while [ $# -ge 3 ]; do
    fa_ping "$1" "$2" "$3" "$t"
    shift 3
  done
  [ "$url" = none ] || fa_health "$url" "$t"
}

# fa_systemd_unit PID: the unit whose main process is PID, when systemd manages it; empty
# otherwise. A master merely running inside some other service's cgroup (a supervisor) must not
# get that service reloaded.
fa_systemd_unit() {
  [ -d /run/systemd/system ] && fm_have systemctl || return 0
  fa_u=$(sed -n 's|^[0-9]*:[^:]*:.*/\([^/]*\.service\)$|\1|p' "/proc/$1/cgroup" 2>/dev/null | head -n 1)
  [ -n "$fa_u" ] || return 0
  fa_main=$(timeout 5 systemctl show -p MainPID "$fa_u" 2>/dev/null | sed -n 's/^MainPID=//p')
  [ "$fa_main" = "$1" ] && printf '%s\n' "$fa_u"
}

# fa_reload_by LIMIT_SEC PID SIGNAL UNIT [COMMAND WORD ...]: reloads the service PID is the main
# process of: COMMAND as given (the inventory's), else `systemctl reload UNIT` when UNIT is not
# empty, else `kill -SIGNAL PID`; each cut off after LIMIT_SEC (rc 124).
#   @@section reload method=command|systemd|signal rc= ms= [unit=]   body: the command's output
fa_reload_by() {
  fa_limit_sec=$1 fa_pid=$2 fa_sig=$3 fa_unit=$4
  shift 4
  fa_start=$(fm_ms)
  if [ $# -gt 0 ]; then
    fa_method='command'
    fa_output=$(fa_run "$fa_limit_sec" "$@")
  elif [ -n "$fa_unit" ]; then
    fa_method=systemd
    fa_output=$(fa_run "$fa_limit_sec" systemctl reload "$fa_unit")
  else
    fa_method=signal
    fa_output=$(fa_run "$fa_limit_sec" kill "-$fa_sig" "$fa_pid")
  fi
  fa_rc=$(printf '%s\n' "$fa_output" | sed -n 's/^@@rc //p')
  fm_section reload "method=$fa_method" ${fa_unit:+"unit=$(fm_val "$fa_unit")"} "rc=${fa_rc:-1}" \
    "ms=$(($(fm_ms) - fa_start))"
  printf '%s\n' "$fa_output" | grep -v '^@@rc '
}

# fa_fpm_reload MASTER_PID LOG TIMEOUT_SEC [COMMAND WORD ...]: the reload phase of fpm-reload.sh
# (its header has the output). A master is signalled only while it is one fpm-medic may act on
# (docs/security.md).
fa_fpm_reload() {
  master=$1 log=$2 limit=$3
  shift 3
  if ! why=$(fa_trusted_master "$master"); then
    case $why in
    ignored*) fm_error reload untrusted "$why" "master=$master" ;;
    *) fm_error reload not-found "$why" "master=$master" ;;
    esac
    return 0
  fi
  unit=
  [ $# -gt 0 ] || unit=$(fa_systemd_unit "$master")
  # The state the verification compares with, taken as late as possible.
  fm_section before "master=$master" "ticks=$(fa_ticks "$master")" "log-size=$(fa_log_size "$log")"
  fa_workers "$master"
  fa_reload_by "$limit" "$master" USR2 "$unit" "$@"
}

# fa_fpm_state MASTER_PID LOG OFFSET: the state phase of fpm-reload.sh (its header has the output).
fa_fpm_state() {
  fa_master_section "$1"
  fa_masters_section
  for mpid in $(fa_masters | awk '{ print $1 }'); do
    fm_section workers "master=$mpid"
    fa_workers "$mpid"
  done
  fa_log_section "$2" "$3"
}
