# apply-config.sh PHASE ARGS: writes an approved config patch (a report's `findings[].patch`),
# tests the config and reloads what changed; fpm-medic restores the backups on any failure. Runs
# the phases in order, each as its own audited step (src/remediation/procedures/apply-config/), and
# never reloads a config whose test failed (DESIGN rule 4). A file is written only if it is still
# byte for byte what the patch was computed from (its sha256), is owned by root (or this user) in
# directories nobody else can write (fm_trusted_file: the path written is the one checked), and
# every line the patch replaces still reads as it did.
#
#   precheck PATH SHA256 [PATH SHA256 ...]
#     @@section file path= real= sha256= size=       per file: it may be written
#     @@error file reason=changed|untrusted|not-found|missing-tool path=   why not
#   backup STAMP PATH SHA256
#     @@section backup path= real= backup= sha256=   a copy (mode and owner kept) next to the file:
#                                                    .NAME.fpm-medic-STAMP.bak, hidden, so no
#                                                    include glob (`*.conf`, `*`) reads it
#   write STAMP PATH SHA256 EDIT...
#     EDIT: r:LINE:OLD:NEW (line LINE, whose text is OLD, becomes NEW) or a:AFTER:NEW (NEW added
#     after line AFTER, 0 = the top), OLD and NEW percent-encoded (%XX): every byte reaches awk
#     as data. The new content goes to a temporary file beside PATH, gets PATH's mode and owner,
#     and is renamed over it: a reader sees the old file or the new one, never half of one.
#     @@section write path= real= sha256=            the new content's
#     @@error write reason=changed|untrusted|not-found|error path=      nothing was written
#   restore STAMP PATH SHA256
#     @@section restore path= real= sha256=          the backup is back in place (SHA256: the original's)
#   config-test EXE CONFIG                           as fpm-reload.sh
#   web-test KIND PID|none CONFIG STARTDIR|none      nginx -t / apache2 -t with the master's binary
#     @@section web-test kind= rc= ms= exe= config=  body: what the test wrote
#   web-reload KIND PID TIMEOUT_SEC [COMMAND WORD ...]
#     @@section before pid= ticks=                   body: "PID TICKS" per child, right before acting
#     @@section reload method=command|systemd|signal rc= ms= [unit=]   as fpm-reload.sh: COMMAND is
#                                                    the inventory's web.reload; else systemd's reload
#                                                    of the unit PID is the main process of; else
#                                                    SIGHUP (nginx) or SIGUSR1 (Apache's graceful)
#   web-state KIND PID
#     @@section web-master pid= alive=0|1 [ticks=]   body: "PID TICKS" per child
#   reload MASTER_PID LOG TIMEOUT_SEC [COMMAND WORD ...] / state MASTER_PID LOG OFFSET /
#   check TIMEOUT_SEC HEALTH_URL|none [POOL LISTEN PATH ...]           as fpm-reload.sh

phase=${1:-}
[ $# -gt 0 ] && shift

# ac_real PHASE PATH SHA256: PATH's canonical path when it is a regular, trusted file that still
# has SHA256; otherwise an @@error for PHASE and failure.
ac_real() {
  case $3 in
  *[!0-9a-f]* | '')
    fm_error "$1" error "not a sha256: $3" "path=$(fm_val "$2")"
    return 1
    ;;
  esac
  if [ ! -f "$2" ]; then
    fm_error "$1" not-found "$2 is not a regular file (any more)" "path=$(fm_val "$2")"
    return 1
  fi
  if ! ac_r=$(fm_trusted_file "$2"); then
    fm_error "$1" untrusted "$ac_r: fpm-medic writes only files nobody else can change" "path=$(fm_val "$2")"
    return 1
  fi
  if ! fm_have sha256sum; then
    fm_error "$1" missing-tool "sha256sum is not installed; fix: apt-get install coreutils (Debian/Ubuntu) or apk add coreutils (Alpine)" "path=$(fm_val "$2")"
    return 1
  fi
  ac_sum=$(sha256sum <"$ac_r" | awk '{ print $1 }')
  if [ "$ac_sum" != "$3" ]; then
    fm_error "$1" changed "$2 changed since the diagnosis (sha256 $3 then, $ac_sum now)" "path=$(fm_val "$2")" "sha256=$ac_sum"
    return 1
  fi
  printf '%s\n' "$ac_r"
}

# ac_stamp STAMP: a UTC time stamp (20261203T150405Z), the only thing a backup's name takes from
# the arguments besides the file's own name.
ac_stamp() {
  case $1 in
  [0-9][0-9][0-9][0-9][0-9][0-9][0-9][0-9]T[0-9][0-9][0-9][0-9][0-9][0-9]Z) return 0 ;;
  esac
  fm_error "$phase" error "not a time stamp: $1"
  return 1
}

# ac_beside REAL SUFFIX: REAL's hidden sibling .NAME.fpm-medic-SUFFIX.
ac_beside() {
  printf '%s/.%s.fpm-medic-%s\n' "${1%/*}" "${1##*/}" "$2"
}

# ac_take_over SRC REAL: SRC, given REAL's mode and owner, renamed over REAL.
ac_take_over() {
  # shellcheck disable=SC2046 # split on purpose: MODE UID GID
  set -- "$1" "$2" $(stat -c '%a %u %g' "$2")
  chmod "$3" "$1" && chown "$4:$5" "$1" && mv -f "$1" "$2"
}

# ac_edit EDITS: the file on stdin with EDITS applied (see write), on stdout. Exits 3 when a
# replaced line no longer reads as it did (its number on stderr), 4 when the file is shorter.
ac_edit() {
  LC_ALL=C awk -v edits="$1" '
    function dec(s,   out, i, h) {
      out = ""
      while ((i = index(s, "%")) > 0) {
        h = tolower(substr(s, i + 1, 2))
        out = out substr(s, 1, i - 1) sprintf("%c", (index(hex, substr(h, 1, 1)) - 1) * 16 + index(hex, substr(h, 2, 1)) - 1)
        s = substr(s, i + 3)
      }
      return out s
    }
    function added(n) { if (n in add) print add[n] }
    BEGIN {
      hex = "0123456789abcdef"
      n = split(edits, e, " ")
      for (k = 1; k <= n; k++) {
        m = split(e[k], f, ":")
        if (f[1] == "r" && m == 4) { old[f[2] + 0] = dec(f[3]); new[f[2] + 0] = dec(f[4]); last = f[2] + 0 > last ? f[2] + 0 : last }
        else if (f[1] == "a" && m == 3) add[f[2] + 0] = ((f[2] + 0) in add ? add[f[2] + 0] "\n" : "") dec(f[3])
        else { print "malformed edit: " e[k] > "/dev/stderr"; bad = 5; exit 5 }
      }
      added(0)
    }
    {
      if (NR in old) {
        if (($0 "") != old[NR]) { print NR > "/dev/stderr"; bad = 3; exit 3 }
        print new[NR]
      } else print
      added(NR)
    }
    END {
      if (bad) exit bad
      if (NR < last) { print last > "/dev/stderr"; exit 4 }
      for (a in add) if (a + 0 > NR) { print a > "/dev/stderr"; exit 4 }
    }'
}

# ac_children PID: "PID TICKS" per child process of PID (a web server's workers).
ac_children() {
  fm_ps_args | awk -v m="$1" '$2 == m { print $1 }' | while read -r cpid; do
    cticks=$(fa_ticks "$cpid") || continue
    [ -n "$cticks" ] && printf '%s %s\n' "$cpid" "$cticks"
  done
}

# ac_web_master KIND PID: PID is a KIND master fpm-medic may act on: prints its binary, else why.
ac_web_master() {
  case $1:$(fa_args "$2") in
  nginx:'nginx: master process'*) ;;
  apache:*apache2* | apache:*httpd*) ;;
  *)
    printf 'process %s is not a %s master (any more)\n' "$2" "$1"
    return 1
    ;;
  esac
  fm_master_exe "$2"
}

case $phase in
  precheck)
    while [ $# -ge 2 ]; do
      if real=$(ac_real file "$1" "$2"); then
        fm_section file "path=$(fm_val "$1")" "real=$(fm_val "$real")" "sha256=$2" "size=$(wc -c <"$real" | tr -d ' ')"
      else
        printf '%s\n' "$real"
      fi
      shift 2
    done
    ;;
  backup)
    ac_stamp "$1" || exit 0
    real=$(ac_real backup "$2" "$3") || {
      printf '%s\n' "$real"
      exit 0
    }
    copy=$(ac_beside "$real" "$1.bak")
    if [ -e "$copy" ] || ! cp -p "$real" "$copy"; then
      fm_error backup error "cannot copy $real to $copy" "path=$(fm_val "$2")"
      exit 0
    fi
    sum=$(sha256sum <"$copy" | awk '{ print $1 }')
    if [ "$sum" != "$3" ]; then
      rm -f "$copy"
      fm_error backup changed "$2 changed while it was copied" "path=$(fm_val "$2")"
      exit 0
    fi
    fm_section backup "path=$(fm_val "$2")" "real=$(fm_val "$real")" "backup=$(fm_val "$copy")" "sha256=$sum"
    ;;
  write)
    ac_stamp "$1" || exit 0
    stamp=$1 path=$2 sum=$3
    shift 3
    real=$(ac_real write "$path" "$sum") || {
      printf '%s\n' "$real"
      exit 0
    }
    if [ ! -f "$(ac_beside "$real" "$stamp.bak")" ]; then
      fm_error write error "no backup of $real: nothing written" "path=$(fm_val "$path")"
      exit 0
    fi
    tmp=$(ac_beside "$real" "$stamp.new")
    rm -f "$tmp"
    (umask 077 && ac_edit "$*" <"$real" >"$tmp") 2>"$tmp.err"
    rc=$?
    why=$(head -n 1 "$tmp.err")
    rm -f "$tmp.err"
    if [ "$rc" != 0 ]; then
      rm -f "$tmp"
      case $rc in
      3) fm_error write changed "line $why of $path no longer reads as it did at the diagnosis: nothing written" "path=$(fm_val "$path")" ;;
      4) fm_error write changed "$path has fewer than $why lines now: nothing written" "path=$(fm_val "$path")" ;;
      *) fm_error write error "could not write $tmp: ${why:-exit $rc}" "path=$(fm_val "$path")" ;;
      esac
      exit 0
    fi
    if ! ac_take_over "$tmp" "$real"; then
      rm -f "$tmp"
      fm_error write error "could not put the new $real in place" "path=$(fm_val "$path")"
      exit 0
    fi
    fm_section write "path=$(fm_val "$path")" "real=$(fm_val "$real")" "sha256=$(sha256sum <"$real" | awk '{ print $1 }')"
    ;;
  restore)
    ac_stamp "$1" || exit 0
    real=$(readlink -f "$2" 2>/dev/null)
    copy=$(ac_beside "$real" "$1.bak")
    if [ -z "$real" ] || [ ! -f "$copy" ]; then
      fm_error restore not-found "no backup $copy of $2" "path=$(fm_val "$2")"
      exit 0
    fi
    if ! why=$(fm_trusted_file "$copy"); then
      fm_error restore untrusted "$why" "path=$(fm_val "$2")"
      exit 0
    fi
    tmp=$(ac_beside "$real" "$1.old")
    if ! cp -p "$copy" "$tmp" || ! ac_take_over "$tmp" "$real"; then
      rm -f "$tmp"
      fm_error restore error "could not put $copy back in place of $real" "path=$(fm_val "$2")"
      exit 0
    fi
    sum=$(sha256sum <"$real" | awk '{ print $1 }')
    if [ "$sum" != "$3" ]; then
      fm_error restore changed "$real restored, but its sha256 is $sum, not the original $3" "path=$(fm_val "$2")"
      exit 0
    fi
    fm_section restore "path=$(fm_val "$2")" "real=$(fm_val "$real")" "sha256=$sum"
    ;;
  config-test)
    fa_config_test "$1" "$2"
    ;;
  web-test)
    kind=$1 pid=$2 conf=$3 dir=$4
    if [ "$pid" = none ]; then
      case $kind in nginx) exe=$(fm_system_bin nginx) ;; *) exe=$(fm_system_bin apache2 httpd) ;; esac
    elif ! exe=$(ac_web_master "$kind" "$pid"); then
      fm_error web-test untrusted "$exe" "kind=$kind"
      exit 0
    fi
    if [ -z "$exe" ]; then
      fm_error web-test not-found "no trusted $kind binary to test $conf with" "kind=$kind"
      exit 0
    fi
    start=$(fm_ms)
    if [ "$kind" = nginx ]; then
      if [ "$dir" = none ]; then
        out=$(timeout 20 "$exe" -t -c "$conf" 2>&1 </dev/null)
      else
        out=$(timeout 20 "$exe" -t -p "$dir" -c "$conf" 2>&1 </dev/null)
      fi
      rc=$?
    else
      set -- -f "$conf"
      [ "$dir" != none ] && set -- -d "$dir" "$@"
      out=$(fm_apache_run "$(fm_apache_env "${pid#none}" "$conf")" "$exe" "$@" -t 2>&1 </dev/null)
      rc=$?
    fi
    fm_section web-test "kind=$kind" "rc=$rc" "ms=$(($(fm_ms) - start))" "exe=$(fm_val "$exe")" "config=$(fm_val "$conf")"
    printf '%s\n' "$out" | head -n 40 | fa_body
    ;;
  web-reload)
    kind=$1 pid=$2 limit=$3
    shift 3
    if ! why=$(ac_web_master "$kind" "$pid"); then
      fm_error reload untrusted "$why" "pid=$pid"
      exit 0
    fi
    unit=
    [ $# -gt 0 ] || unit=$(fa_systemd_unit "$pid")
    fm_section before "pid=$pid" "ticks=$(fa_ticks "$pid")"
    ac_children "$pid"
    sig=HUP
    [ "$kind" = apache ] && sig=USR1
    fa_reload_by "$limit" "$pid" "$sig" "$unit" "$@"
    ;;
  web-state)
    alive=0 ticks=
    fa_alive "$2" && ticks=$(fa_ticks "$2") && alive=1
    fm_section web-master "pid=$2" "alive=$alive" ${ticks:+"ticks=$ticks"}
    [ "$alive" = 1 ] && ac_children "$2"
    ;;
  reload)
    fa_fpm_reload "$@"
    ;;
  state)
    fa_fpm_state "$@"
    ;;
  check)
    fa_check "$@"
    ;;
  *)
    fm_error apply-config error "usage: apply-config.sh precheck|backup|write|restore|config-test|web-test|web-reload|web-state|reload|state|check ARGS (got '$phase')"
    ;;
esac
exit 0
