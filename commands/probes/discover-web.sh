# discover-web.sh [KIND CONFIG [MAXBYTES]]: find the nginx and Apache masters in the process table
# and dump the configuration they run with. KIND (nginx|apache) and CONFIG come from the inventory
# and override discovery; MAXBYTES bounds each dump (default 2000000).
#
# Prints, per master found:
#   @@section nginx-config pid=P binary=B config=C [prefix=X] truncated=0|1   body: nginx -T
#   @@section apache-config pid=P binary=B config=C [root=R]   body: -t -D DUMP_INCLUDES
#   @@section apache-vhosts pid=P                               body: -S
#   @@section apache-file pid=P path=F   body: "LINE<TAB>text" for each non-comment, non-blank line
# and "@@section web-absent kind=K" for a kind with no master (only when discovering).
# Read-only: nginx -T and apache2 -t only parse the configuration.

want_kind=${1:-}
want_conf=${2:-}
max=${3:-2000000}

# One line per master: KIND PID BINARY CONFIG PREFIX ("-" when absent). Apache children are
# recognised by having an Apache parent, so only the master is kept.
masters() {
  ps -eo pid=,ppid=,args= 2>/dev/null | awk '
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

# The binary a master runs: the path it was started with when absolute, else what /proc says
# (root only), else the first one on PATH.
resolve_bin() {
  pid=$1 bin=$2
  shift 2
  case $bin in /*) [ -x "$bin" ] && { echo "$bin"; return; } ;; esac
  if [ -n "$pid" ] && exe=$(readlink "/proc/$pid/exe" 2>/dev/null) && [ -x "$exe" ]; then
    echo "$exe"
    return
  fi
  for b in "$bin" "$@"; do
    if p=$(command -v "$(basename "$b")" 2>/dev/null); then
      echo "$p"
      return
    fi
  done
}

dump_nginx() {
  pid=$1 bin=$2 conf=$3 prefix=$4
  if [ "$conf" = - ]; then
    conf=$("$bin" -V 2>&1 | tr ' ' '\n' | sed -n 's/^--conf-path=//p')
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
}

# Debian's apache2.conf uses ${APACHE_RUN_DIR} and friends from /etc/apache2/envvars; the running
# master already has them, so take them from its environment (root), else from envvars.
apache_env() {
  pid=$1 conf=$2
  if [ -n "$pid" ] && [ -r "/proc/$pid/environ" ]; then
    vars=$(tr '\0' '\n' <"/proc/$pid/environ" | grep '^APACHE_[A-Z0-9_]*=')
    if [ -n "$vars" ]; then
      while IFS= read -r kv; do
        export "${kv?}"
      done <<EOF
$vars
EOF
      return
    fi
  fi
  envvars="$(dirname "$conf")/envvars"
  # shellcheck disable=SC1090
  [ -r "$envvars" ] && . "$envvars"
  return 0
}

dump_apache() {
  pid=$1 bin=$2 conf=$3 droot=$4
  root=$droot
  case $conf in /*) ;; *)
    # Relative -f (or none) is resolved against -d, else the compiled-in HTTPD_ROOT.
    v=$("$bin" -V 2>/dev/null)
    [ "$conf" = - ] && conf=$(printf '%s\n' "$v" | sed -n 's/.*SERVER_CONFIG_FILE="\(.*\)"/\1/p')
    [ "$root" = - ] && root=$(printf '%s\n' "$v" | sed -n 's/.*HTTPD_ROOT="\(.*\)"/\1/p')
    case $conf in /*) ;; *) conf="${root%/}/$conf" ;; esac
    ;;
  esac
  set -- -f "$conf"
  [ "$droot" != - ] && set -- -d "$droot" "$@"
  attrs="pid=${pid:--} binary=$(fm_val "$bin") config=$(fm_val "$conf")"
  [ "$droot" != - ] && attrs="$attrs root=$(fm_val "$droot")"
  includes=$( (apache_env "$pid" "$conf" && timeout 20 "$bin" "$@" -t -D DUMP_INCLUDES) 2>&1 | head -c "$max")
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
  (apache_env "$pid" "$conf" && timeout 20 "$bin" "$@" -S) 2>&1 | head -c 200000
  printf '%s\n' "$includes" | sed -n 's/^ *([0-9*]*) \(\/.*\)$/\1/p' | awk '!seen[$0]++' | while IFS= read -r f; do
    if [ ! -r "$f" ]; then
      fm_error apache-file permission "cannot read $f as $(id -un)" "pid=${pid:--}" "path=$(fm_val "$f")"
      continue
    fi
    fm_section apache-file "pid=${pid:--}" "path=$(fm_val "$f")"
    # Line numbers let the parser put each included file back where its Include line was.
    awk '$0 !~ /^[ \t]*(#|$)/ { printf "%d\t%s\n", NR, $0 }' "$f"
  done | head -c "$max"
}

if ! fm_have ps; then
  fm_error discover-web missing-tool "ps not found" tool=ps
fi

found=$(masters)
for kind in nginx apache; do
  [ -n "$want_kind" ] && [ "$want_kind" != "$kind" ] && continue
  lines=$(printf '%s\n' "$found" | awk -v k="$kind" '$1 == k')
  if [ -n "$want_conf" ]; then
    # The inventory names the config: use the master running it, or any master of that kind
    # started without -c/-f (it runs the compiled-in default, which may be this file).
    match=$(printf '%s\n' "$lines" | awk -v c="$want_conf" '$4 == c' | head -n 1)
    [ -z "$match" ] && match=$(printf '%s\n' "$lines" | awk '$4 == "-"' | head -n 1)
    if [ -n "$match" ]; then
      lines=$(printf '%s\n' "$match" | awk -v c="$want_conf" '{ $4 = c; print }')
    else
      case $kind in nginx) b=nginx ;; *) b=apache2 ;; esac
      command -v "$b" >/dev/null 2>&1 || b=httpd
      lines="$kind - $b $want_conf -"
    fi
  fi
  if [ -z "$lines" ]; then
    fm_section web-absent "kind=$kind"
    echo "no $kind master process found"
    continue
  fi
  printf '%s\n' "$lines" | while read -r k pid bin conf extra; do
    [ "$pid" = - ] && pid=
    case $k in
    nginx) rbin=$(resolve_bin "$pid" "$bin" nginx) ;;
    *) rbin=$(resolve_bin "$pid" "$bin" apache2 httpd) ;;
    esac
    if [ -z "$rbin" ]; then
      fm_error "$k-config" missing-tool "cannot find the $k binary ($bin)" "tool=$(fm_val "$bin")" "pid=${pid:--}"
      continue
    fi
    case $k in
    nginx) dump_nginx "$pid" "$rbin" "$conf" "$extra" ;;
    *) dump_apache "$pid" "$rbin" "$conf" "$extra" ;;
    esac
  done
done
