# discover-web.sh [cache=KEY stamp=PATH ...] [KIND CONFIG [MAXBYTES]]: find the nginx and Apache
# masters in the process table and dump the configuration they run with. KIND (nginx|apache) and
# CONFIG come from the inventory and override discovery; MAXBYTES bounds each dump (default 2000000).
# cache= and stamp= work as in discover-fpm.sh (kind=web): the same masters, binaries and file
# stamps print "@@section discovery-cached kind=web key=K" instead of the dumps.
#
# Prints, per master found:
#   @@section nginx-config pid=P binary=B config=C [prefix=X] truncated=0|1   body: nginx -T
#   @@section apache-config pid=P binary=B config=C [root=R]   body: -t -D DUMP_INCLUDES
#   @@section apache-vhosts pid=P                               body: -S
#   @@section apache-file pid=P path=F   body: "LINE<TAB>text" for each non-comment, non-blank line
#   @@section web-file pid=P path=F size= mtime= sha256=   per config file read (no body)
# and "@@section web-absent kind=K" for a kind with no master (only when discovering).
#   @@error discover-web reason=untrusted pid=P kind=K   body: "ignored K master P: WHY"
# Read-only: nginx -T and apache2 -t only parse the configuration. Only a master running as root or
# as this user is examined, with its own /proc/PID/exe when that is a trusted file (fm_master_exe,
# docs/security.md); its -c/-p/-f/-d are used only then. A config the inventory names with no
# master is tested with the system's own binary (fm_system_bin). Apache's envvars is read as data.

fm_cache_args "$@"
# shellcheck disable=SC2154 # set by fm_cache_args (lib/common.sh)
shift "$fm_cache_n"
want_kind=${1:-}
want_conf=${2:-}
max=${3:-2000000}
# Every config file a dump read (fm_discovery_key).
read_paths=

# One line per master: KIND PID BINARY CONFIG PREFIX ("-" when absent). Apache children are
# recognised by having an Apache parent, so only the master is kept.
masters() {
  fm_ps_args | awk '
    function base(p) { sub(/.*\//, "", p); return p }
    {
      pid = $1; ppid = $2
      if ($3 == "nginx:" && $4 == "master" && $5 == "process") {
        conf = "-"; prefix = "-"
        for (i = 7; i <= NF; i++) {
          if ($i == "-c" && i < NF) conf = $(i + 1)
          if ($i == "-p" && i < NF) prefix = $(i + 1)
        }
        print "nginx", pid, $6, conf, prefix
        next
      }
      b = base($3)
      if (b == "apache2" || b == "httpd") {
        conf = "-"; root = "-"
        for (i = 4; i <= NF; i++) {
          if ($i == "-f" && i < NF) conf = $(i + 1)
          if ($i == "-d" && i < NF) root = $(i + 1)
        }
        apid[pid] = 1; appid[pid] = ppid; line[pid] = "apache " pid " " $3 " " conf " " root
      }
    }
    END { for (p in apid) if (!(appid[p] in apid)) print line[p] }'
}

dump_nginx() {
  pid=$1 bin=$2 conf=$3 prefix=$4
  if [ "$conf" = - ]; then
    conf=$(timeout 10 "$bin" -V 2>&1 | tr ' ' '\n' | sed -n 's/^--conf-path=//p')
  fi
  case $conf in /*) ;; *) [ "$prefix" != - ] && conf="${prefix%/}/$conf" ;; esac
  if [ "$prefix" = - ]; then
    out=$(timeout 20 "$bin" -T -c "$conf" 2>&1 | head -c "$max")
  else
    out=$(timeout 20 "$bin" -p "$prefix" -T -c "$conf" 2>&1 | head -c "$max")
  fi
  attrs="pid=${pid:--} binary=$(fm_val "$bin") config=$(fm_val "$conf")"
  [ "$prefix" != - ] && attrs="$attrs prefix=$(fm_val "$prefix")"
  if ! printf '%s\n' "$out" | grep -q '^# configuration file '; then
    reason=error
    case $out in
    *"Permission denied"*) reason=permission ;;
    "") reason=timeout ;;
    esac
    # shellcheck disable=SC2086
    fm_error nginx-config "$reason" "$(printf '%s\n' "$out" | head -n 20)" $attrs
    return
  fi
  truncated=0
  [ "${#out}" -ge "$max" ] && truncated=1
  # shellcheck disable=SC2086
  fm_section nginx-config $attrs "truncated=$truncated"
  printf '%s\n' "$out"
  files=$(printf '%s\n' "$out" | sed -n 's/^# configuration file \(\/.*\):$/\1/p' | awk '!seen[$0]++')
  read_paths="$read_paths$files$FM_NL"
  printf '%s\n' "$files" | file_sections "$pid"
}

# file_sections PID: for each config file named on stdin, what a fix computed from this dump
# checks before it writes (apply-config.sh precheck): "@@section web-file pid= path= size= mtime=
# sha256=" (sha256 empty without sha256sum).
file_sections() {
  while IFS= read -r f; do
    if [ ! -f "$f" ] || [ ! -r "$f" ]; then continue; fi
    sum=
    if fm_have sha256sum; then sum=$(sha256sum <"$f" | awk '{ print $1 }'); fi
    fm_section web-file "pid=${1:--}" "path=$(fm_val "$f")" "size=$(wc -c <"$f" | tr -d ' ')" \
      "mtime=$(fm_mtime "$f")" "sha256=$sum"
  done
}

dump_apache() {
  pid=$1 bin=$2 conf=$3 droot=$4
  root=$droot
  case $conf in /*) ;; *)
    # Relative -f (or none) is resolved against -d, else the compiled-in HTTPD_ROOT.
    v=$(timeout 10 "$bin" -V 2>/dev/null)
    [ "$conf" = - ] && conf=$(printf '%s\n' "$v" | sed -n 's/.*SERVER_CONFIG_FILE="\(.*\)"/\1/p')
    [ "$root" = - ] && root=$(printf '%s\n' "$v" | sed -n 's/.*HTTPD_ROOT="\(.*\)"/\1/p')
    case $conf in /*) ;; *) conf="${root%/}/$conf" ;; esac
    ;;
  esac
  set -- -f "$conf"
  [ "$droot" != - ] && set -- -d "$droot" "$@"
  attrs="pid=${pid:--} binary=$(fm_val "$bin") config=$(fm_val "$conf")"
  [ "$droot" != - ] && attrs="$attrs root=$(fm_val "$droot")"
  env_lines=$(fm_apache_env "$pid" "$conf")
  includes=$(fm_apache_run "$env_lines" "$bin" "$@" -t -D DUMP_INCLUDES 2>&1 | head -c "$max")
  if ! printf '%s\n' "$includes" | grep -q '^Included configuration files:'; then
    reason=error
    case $includes in
    *"Permission denied"*) reason=permission ;;
    "") reason=timeout ;;
    esac
    # shellcheck disable=SC2086
    fm_error apache-config "$reason" "$(printf '%s\n' "$includes" | head -n 20)" $attrs
    return
  fi
  # shellcheck disable=SC2086
  fm_section apache-config $attrs
  printf '%s\n' "$includes"
  # A failed test still lists the files read so far: say so, and keep going with them.
  if printf '%s\n' "$includes" | grep -q 'Syntax error'; then
    # shellcheck disable=SC2086
    fm_error apache-config error "$(printf '%s\n' "$includes" | grep 'Syntax error' | head -n 5)" $attrs
  fi
  fm_section apache-vhosts "pid=${pid:--}"
  fm_apache_run "$env_lines" "$bin" "$@" -S 2>&1 | head -c 200000
  printf '%s\n' "$includes" | sed -n 's/^ *([0-9*]*) \(\/.*\)$/\1/p' | awk '!seen[$0]++' | while IFS= read -r f; do
    if [ ! -r "$f" ]; then
      fm_error apache-file permission "cannot read $f as $(id -un)" "pid=${pid:--}" "path=$(fm_val "$f")"
      continue
    fi
    fm_section apache-file "pid=${pid:--}" "path=$(fm_val "$f")"
    # Line numbers let the parser put each included file back where its Include line was.
    awk '$0 !~ /^[ \t]*(#|$)/ { printf "%d\t%s\n", NR, $0 }' "$f"
  done | head -c "$max"
  files=$(printf '%s\n' "$includes" | sed -n 's/^ *([0-9*]*) \(\/.*\)$/\1/p' | awk '!seen[$0]++')
  # envvars is read too: it sets what the config's ${VARS} expand to.
  read_paths="$read_paths$files$FM_NL${conf%/*}/envvars$FM_NL"
  printf '%s\n' "$files" | file_sections "$pid"
}

found=$(masters)

# What the dumps depend on besides the files (as in discover-fpm.sh, and read before any trust
# check as there): every web master, who it runs as, when it started, its binary's stamp, and
# what the inventory asked for.
material() {
  printf '%s\n' "$found" | while read -r k pid bin conf extra; do
    [ -n "$k" ] || continue
    uids=
    while read -r key v; do [ "$key" = Uid: ] && uids=$v; done 2>/dev/null <"/proc/$pid/status"
    printf 'master %s %s %s %s %s %s %s\n' "$k" "$pid" "$(fm_start_ticks "$pid")" "$uids" "$bin" "$conf" "$extra"
  done
  fm_stamps "$(printf '%s\n' "$found" | while read -r k pid rest; do [ -n "$pid" ] && readlink "/proc/$pid/exe" 2>/dev/null; done)"
  printf 'want %s %s %s\n' "$want_kind" "$want_conf" "$max"
}
started_with=$(material)
fm_discovery_cached web "$started_with" && exit 0
# Only trusted masters, "KIND PID EXE CONFIG PREFIX" with EXE their own binary; every other one is
# reported and left alone, its -c/-f never read. A trusted master whose binary cannot be read (not
# root) is reported too, and its kind is not "absent".
trusted=
unreadable=' '
while read -r k pid bin conf extra; do
  [ -n "$k" ] || continue
  exe=$(fm_master_exe "$pid")
  case $? in
  0)
    trusted="$trusted$k $pid $exe $conf $extra
"
    ;;
  1) fm_error discover-web untrusted "ignored $k master $pid: $exe" "pid=$pid" "kind=$k" ;;
  3)
    fm_error "$k-config" error "$exe, so its config was not read; restart $k to run the new binary" "pid=$pid"
    unreadable="$unreadable$k "
    ;;
  *)
    fm_error "$k-config" permission "$exe: the $k binary of master $pid is not run, so its config was not read; run the probe as root" "pid=$pid"
    unreadable="$unreadable$k "
    ;;
  esac
done <<EOF
$found
EOF

for kind in nginx apache; do
  [ -n "$want_kind" ] && [ "$want_kind" != "$kind" ] && continue
  lines=$(printf '%s' "$trusted" | awk -v k="$kind" '$1 == k')
  if [ -n "$want_conf" ]; then
    # The inventory names the config: use the master running it, or any master of that kind
    # started without -c/-f (it runs the compiled-in default, which may be this file).
    match=$(printf '%s\n' "$lines" | awk -v c="$want_conf" '$4 == c' | head -n 1)
    [ -z "$match" ] && match=$(printf '%s\n' "$lines" | awk '$4 == "-"' | head -n 1)
    if [ -n "$match" ]; then
      lines=$(printf '%s\n' "$match" | awk -v c="$want_conf" '{ $4 = c; print }')
    else
      case $kind in nginx) b=$(fm_system_bin nginx) ;; *) b=$(fm_system_bin apache2 httpd) ;; esac
      if [ -z "$b" ]; then
        fm_error "$kind-config" missing-tool "no $kind binary owned by root and writable by no one else in the system's sbin and bin directories, to test $want_conf" \
          "tool=$kind" "config=$(fm_val "$want_conf")"
        continue
      fi
      lines="$kind - $b $want_conf -"
    fi
  fi
  if [ -z "$lines" ]; then
    case $unreadable in *" $kind "*) continue ;; esac
    fm_section web-absent "kind=$kind"
    echo "no $kind master process found"
    continue
  fi
  # A here-document, not a pipe: the loop runs in this shell, so read_paths keeps what it adds.
  while read -r k pid bin conf extra; do
    [ -n "$k" ] || continue
    [ "$pid" = - ] && pid=
    case $k in
    nginx) dump_nginx "$pid" "$bin" "$conf" "$extra" </dev/null ;;
    *) dump_apache "$pid" "$bin" "$conf" "$extra" </dev/null ;;
    esac
  done <<EOF
$lines
EOF
done

if [ "$(material)" = "$started_with" ]; then
  fm_discovery_key web "$started_with" "$read_paths"
fi
