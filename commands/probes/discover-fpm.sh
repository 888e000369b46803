# discover-fpm.sh [cache=KEY stamp=PATH ...] [CONFIG ...]
# Finds every PHP-FPM master in the process table and dumps, for each, the effective config
# (`php-fpm -tt`) and the php.ini values its SAPI loads (`php-fpm -i`). CONFIG arguments come
# from the inventory: they are tested even when no master runs for them, because "configured but
# not running" is exactly what fpm-down looks like.
#
# The dumps cost the host most of a diagnosis, so a run ends with what makes them stale
# (fm_discovery_key: "@@section discovery-key kind=fpm key=K", the paths as body). Given that key
# and those paths back (cache=K, stamp=PATH each), a run that finds the same masters, binaries and
# file stamps prints only "@@section discovery-cached kind=fpm key=K" after the master list's
# errors, and the caller uses the dump it kept.
#
# Prints:
#   @@section fpm-masters count=N            body: the trusted master lines from ps (count=0 is evidence)
#   @@error discover-fpm reason=untrusted pid=   body: "ignored php-fpm master PID: WHY": a process
#                                            titled as a master that runs as another user, or from a
#                                            binary another user can write (docs/security.md)
#   @@section fpm-master pid= binary= exe= config= started=<epoch> version=
#   @@section fpm-config pid= config= rc=    body: stderr of `exe -tt -y config` (rc 78 = broken)
#   @@section php-ini pid=                   body: the `exe -i` lines that matter
#   @@section config-file pid= role= path= size= mtime= sha256=
#                                            body: "LINE:TEXT" of the lines a config fix may touch
#                                            (section headers, include, the pool and php.ini
#                                            directives), for the master's config and each file it
#                                            includes (role=fpm, in FPM's order), php.ini and its
#                                            scan dir (role=php-ini, in PHP's order)
# pid=0 marks a CONFIG argument with no running master.
#
# `-tt` also appends its whole dump (~70 lines per pool) to the global error_log, the very log
# fpm-medic reads next. As root, with unshare(1), the test runs in a private mount namespace with
# /dev/null bound over that file, so the host's log is untouched; otherwise the dump lands there
# and the fpm-log parser drops those lines again.
FM_NAME=discover-fpm
FM_TIMEOUT=10

now=$(date +%s)

fm_cache_args "$@"
# shellcheck disable=SC2154 # set by fm_cache_args (lib/common.sh)
shift "$fm_cache_n"
# Every file and directory whose change makes this run's dumps stale (fm_discovery_key).
read_paths=

# Lines that decide timeouts and where PHP errors go; the rest of phpinfo() is noise.
INI_KEYS='^(PHP Version|Server API|Loaded Configuration File|Scan this dir for additional \.ini files|max_execution_time|max_input_time|hard_timeout|memory_limit|default_socket_timeout|error_log|log_errors|display_errors|post_max_size|upload_max_filesize|opcache\.enable|disable_functions) =>'

fpm_version() {
  timeout "$FM_TIMEOUT" "$1" -v 2>/dev/null | sed -n '1s/^PHP \([^ ]*\).*/\1/p'
}

# The global error_log of a config file: the last one set outside any pool section. Only an
# absolute path to an existing file can be hidden; anything else is left alone.
global_error_log() {
  awk '
    /^[[:space:]]*\[/ { sec = $0; gsub(/[][[:space:]]/, "", sec); next }
    (sec == "" || sec == "global") && /^[[:space:]]*error_log[[:space:]]*=/ {
      v = $0; sub(/^[^=]*=[[:space:]]*/, "", v); sub(/[[:space:]]*$/, "", v); gsub(/"/, "", v); val = v
    }
    END { print val }
  ' "$1" 2>/dev/null
}

# run_test EXE CONFIG: stderr of `-tt`, which is where FPM writes the dump.
run_test() {
  errlog=$(global_error_log "$2")
  if [ "$(id -u)" = 0 ] && fm_have unshare && [ -f "$errlog" ]; then
    # shellcheck disable=SC2016 # expanded by the inner sh
    { timeout "$FM_TIMEOUT" unshare -m sh -c 'mount --bind /dev/null "$1" 2>/dev/null; exec "$2" -tt -y "$3"' \
      sh "$errlog" "$1" "$2" >/dev/null; } 2>&1
  else
    { timeout "$FM_TIMEOUT" "$1" -tt -y "$2" >/dev/null; } 2>&1
  fi
}

# dump_config PID EXE CONFIG
dump_config() {
  if [ ! -e "$3" ]; then
    fm_error "$FM_NAME" not-found "config file $3 does not exist" "pid=$1" "config=$(fm_val "$3")"
    return
  fi
  if [ ! -r "$3" ]; then
    fm_error "$FM_NAME" permission "cannot read $3 as $(id -un); run the probe as root" "pid=$1" \
      "config=$(fm_val "$3")"
    return
  fi
  out=$(run_test "$2" "$3")
  rc=$?
  if [ "$rc" -eq 124 ]; then
    fm_error "$FM_NAME" timeout "$2 -tt did not finish within ${FM_TIMEOUT}s" "pid=$1" "config=$(fm_val "$3")"
    return
  fi
  fm_section fpm-config "pid=$1" "config=$(fm_val "$3")" "rc=$rc"
  printf '%s\n' "$out"
  fpm_sources "$1" "$3"
}

# dump_ini PID EXE
dump_ini() {
  out=$(timeout "$FM_TIMEOUT" "$2" -i 2>/dev/null)
  rc=$?
  if [ "$rc" -eq 124 ]; then
    fm_error "$FM_NAME" timeout "$2 -i did not finish within ${FM_TIMEOUT}s" "pid=$1"
    return
  fi
  fm_section php-ini "pid=$1" "rc=$rc"
  printf '%s\n' "$out" | grep -E "$INI_KEYS"
  ini_sources "$1" "$out"
}

# Where each directive a fix may change is set (docs/config-fixes.md): only those lines leave the
# host, with their line numbers, so a patch can name file and line without shipping whole files.
FPM_KEYS='^[[:space:]]*(\[|include[[:space:]]*=|pm[[:space:]]*=|pm\.(max_children|start_servers|min_spare_servers|max_spare_servers)[[:space:]]*=|listen\.backlog[[:space:]]*=|request_terminate_timeout[[:space:]]*=|process_control_timeout[[:space:]]*=|php_(admin_)?value\[(max_execution_time|memory_limit)\])'
INI_FILE_KEYS='^[[:space:]]*(max_execution_time|memory_limit)[[:space:]]*='
MAX_SOURCES=64

# config_file PID ROLE PATH KEYS [if-set]: one file's directive lines, with what identifies its
# content; with if-set, only a file that sets one (the scan dir's many one-line .ini files).
config_file() {
  [ -f "$3" ] || return 0
  if [ ! -r "$3" ]; then
    fm_error "$FM_NAME" permission "cannot read $3 as $(id -un)" "pid=$1" "path=$(fm_val "$3")"
    return 0
  fi
  read_paths="$read_paths$3$FM_NL"
  [ "${5:-}" = if-set ] && ! grep -q -E "$4" "$3" 2>/dev/null && return 0
  sum=-
  if fm_have sha256sum; then sum=$(sha256sum <"$3" | awk '{ print $1 }'); fi
  fm_section config-file "pid=$1" "role=$2" "path=$(fm_val "$3")" "size=$(wc -c <"$3" | tr -d ' ')" \
    "mtime=$(fm_mtime "$3")" "sha256=$sum"
  grep -n -E "$4" "$3" 2>/dev/null | head -n 2000
}

# fpm_sources PID CONFIG: the config and, depth first in FPM's order, what its include= lines
# name (globs expand sorted, as glob(3) does; a relative path is under the prefix, /usr). Paths
# are only read: a pattern is expanded by the shell's pathname expansion, never evaluated.
fpm_sources() {
  todo=$2
  n=0
  while [ -n "$todo" ] && [ "$n" -lt "$MAX_SOURCES" ]; do
    file=${todo%%"$FM_NL"*}
    case $todo in *"$FM_NL"*) todo=${todo#*"$FM_NL"} ;; *) todo= ;; esac
    n=$((n + 1))
    config_file "$1" fpm "$file" "$FPM_KEYS"
    [ -r "$file" ] || continue
    found=
    patterns=$(sed -n 's/^[[:space:]]*include[[:space:]]*=[[:space:]]*"\{0,1\}\([^"]*\)"\{0,1\}[[:space:]]*$/\1/p' "$file")
    while IFS= read -r pattern; do
      case $pattern in '') continue ;; /*) ;; *) pattern="/usr/$pattern" ;; esac
      # The directory a glob reads: a file added there (none matched yet) changes its times.
      case ${pattern%/*} in *[*?[]*) ;; ?*) read_paths="$read_paths${pattern%/*}$FM_NL" ;; esac
      # Split at nothing (paths may hold spaces), expand the glob.
      ifs=$IFS
      IFS=
      for f in $pattern; do [ -f "$f" ] && found="$found$f$FM_NL"; done
      IFS=$ifs
    done <<EOF
$patterns
EOF
    todo="$found$todo"
  done
}

# ini_sources PID INI_OUTPUT: php.ini and the scan dir's *.ini, in the order PHP reads them.
ini_sources() {
  loaded=$(printf '%s\n' "$2" | sed -n 's/^Loaded Configuration File => \(\/.*\)$/\1/p')
  scan=$(printf '%s\n' "$2" | sed -n 's/^Scan this dir for additional \.ini files => \(\/.*\)$/\1/p')
  [ -n "$loaded" ] && config_file "$1" php-ini "$loaded" "$INI_FILE_KEYS"
  [ -n "$scan" ] || return 0
  read_paths="$read_paths$scan$FM_NL"
  for f in "$scan"/*.ini; do config_file "$1" php-ini "$f" "$INI_FILE_KEYS" if-set; done
}

# The exe for a config with no master: the binary its distribution's path implies, else any, from
# the system's own directories and only when it is a trusted file (fm_system_bin, fm_trusted_file):
#   /etc/php/8.2/fpm/...         Debian, Ubuntu   php-fpm8.2
#   /etc/php82/... /etc/php8/... Alpine           php-fpm82, php-fpm8
#   /etc/opt/remi/php82/...      Remi's SCL       /opt/remi/php82/root/usr/sbin/php-fpm
#   /etc/php-fpm.conf            RHEL, Rocky      php-fpm
guess_exe() {
  case $1 in
  /etc/opt/remi/php[0-9]*/*)
    scl=${1#/etc/opt/remi/}
    scl=${scl%%/*}
    if exe=$(fm_trusted_file "/opt/remi/$scl/root/usr/sbin/php-fpm"); then
      printf '%s\n' "$exe"
      return
    fi
    ;;
  esac
  ver=$(printf '%s' "$1" | sed -n -e 's|^/etc/php/\([0-9][0-9.]*\)/fpm/.*|\1|p' -e 's|^/etc/php\([0-9][0-9]*\)/.*|\1|p')
  fm_system_bin ${ver:+"php-fpm$ver"} php-fpm && return
  for f in /usr/sbin/php-fpm* /usr/local/sbin/php-fpm* /opt/remi/php*/root/usr/sbin/php-fpm; do
    [ -x "$f" ] || continue
    if exe=$(fm_trusted_file "$f"); then
      printf '%s\n' "$exe"
      return
    fi
  done
}

# "PID ETIMES COMM ARGS" of each process titled as a master (the pattern is split so this awk never
# matches its own command line). COMM is the kernel's name for it, spaces made underscores.
titled=$(fm_ps | awk -v head="$FM_PS_HEAD" 'index($0, "php-fpm: master" " process (") { a = $0; sub(head, "", a); print $1, $8, a }' |
  while read -r pid etimes rest; do
    read -r comm 2>/dev/null <"/proc/$pid/comm" || continue
    case $comm in *' '*) comm=$(printf '%s' "$comm" | tr ' ' _) ;; esac
    printf '%s %s %s %s\n' "$pid" "$etimes" "${comm:-?}" "$rest"
  done)

# What the dumps depend on besides the files: every process titled as a master (a new one, trusted
# or not, is news), who it runs as, when it started and the stamp of its binary, and the configs
# asked about. Read before any trust check: a run that finds it unchanged runs nothing of the
# host's, and the dump it stands for was made, trust checks and all, by the run that made the key.
material() {
  printf '%s\n' "$titled" | while read -r pid etimes comm rest; do
    [ -n "$pid" ] || continue
    uids=
    while read -r k v; do [ "$k" = Uid: ] && uids=$v; done 2>/dev/null <"/proc/$pid/status"
    printf 'titled %s %s %s %s %s\n' "$pid" "$(fm_start_ticks "$pid")" "$uids" "$comm" "$rest"
  done
  fm_stamps "$(printf '%s\n' "$titled" | while read -r pid rest; do [ -n "$pid" ] && readlink "/proc/$pid/exe" 2>/dev/null; done)"
  for config in "$@"; do printf 'config %s\n' "$config"; done
}
started_with=$(material "$@")
fm_discovery_cached fpm "$started_with" && exit 0

# A process is a master only when it runs as root or as this user and its binary may be run
# (fm_master_exe, docs/security.md): anything else that calls itself "php-fpm: master process" is
# reported and left alone: not counted, nothing of it run, its config not read. A trusted master
# whose /proc/PID/exe cannot be read (not root), or was deleted since it started, is still a
# master, examined without its binary.
masters=
while read -r pid etimes comm rest; do
  [ -n "$pid" ] || continue
  exe=$(fm_master_exe "$pid")
  case $? in
  1)
    [ -e "/proc/$pid" ] && fm_error "$FM_NAME" untrusted "ignored php-fpm master $pid: $exe" "pid=$pid"
    continue
    ;;
  2)
    fm_error "$FM_NAME" permission "$exe: its own binary is not run, so its config is read only when the inventory names it (fpm.config), with the system's php-fpm; run the probe as root" \
      "pid=$pid"
    exe=-
    ;;
  3)
    fm_error "$FM_NAME" error "$exe, so its config is read only when the inventory names it (fpm.config); reload FPM to run the new binary" "pid=$pid"
    exe=-
    ;;
  esac
  masters="$masters$pid $etimes $exe $comm $rest
"
done <<EOF
$titled
EOF

count=0
[ -n "$masters" ] && count=$(printf '%s' "$masters" | wc -l | tr -d ' ')
fm_section fpm-masters "count=$count"
printf '%s' "$masters" | awk '{ $3 = ""; sub(/  /, " "); print }'

# The configs the trusted masters' titles show, and "PID CONFIG" of those whose binary could not
# be examined (not root, or deleted).
running_configs=' '
unexamined=
while read -r pid etimes exe comm rest; do
  [ -n "$pid" ] || continue
  config=$(printf '%s' "$rest" | sed -n 's/.*php-fpm: master process (\(.*\))[[:space:]]*$/\1/p')
  if [ "$exe" = - ]; then
    unexamined="$unexamined$pid $config
"
  else
    running_configs="$running_configs$config "
  fi
  # A relative -y path was resolved against the master's working directory when it started.
  case $config in
    /*) ;;
    ?*)
      cwd=$(readlink "/proc/$pid/cwd" 2>/dev/null)
      [ -n "$cwd" ] && config="$cwd/$config"
      ;;
  esac
  if [ "$exe" = - ]; then
    fm_section fpm-master "pid=$pid" "binary=$(fm_val "$comm")" "config=$(fm_val "$config")" \
      "started=$((now - etimes))"
    continue
  fi
  fm_section fpm-master "pid=$pid" "binary=$(fm_val "$comm")" "exe=$(fm_val "$exe")" \
    "config=$(fm_val "$config")" "started=$((now - etimes))" "version=$(fm_val "$(fpm_version "$exe")")"
  if [ -z "$config" ]; then
    fm_error "$FM_NAME" error "master $pid shows no config path in its process title" "pid=$pid"
  else
    dump_config "$pid" "$exe" "$config"
  fi
  dump_ini "$pid" "$exe"
done <<EOF
$masters
EOF

# Configs named by the inventory that no examined master runs: tested with the binary the system
# itself installs (guess_exe), never one a process title names. A config a trusted master runs
# whose binary could not be examined is tested the same way, as that master's.
seen=' '
for config in "$@"; do
  case $running_configs in
    *" $config "*) continue ;;
  esac
  case $seen in
    *" $config "*) continue ;;
  esac
  seen="$seen$config "
  owner=$(printf '%s' "$unexamined" | awk -v c="$config" '{ p = $1; sub(/^[0-9]+ /, ""); if ($0 == c) { print p; exit } }')
  exe=$(guess_exe "$config")
  if [ -z "$exe" ]; then
    fm_error "$FM_NAME" missing-tool "no php-fpm binary found to test $config (looked in the system's sbin and bin directories for one owned by root and writable by no one else)" "pid=${owner:-0}" \
      "config=$(fm_val "$config")"
    continue
  fi
  if [ -n "$owner" ]; then
    dump_config "$owner" "$exe" "$config"
    dump_ini "$owner" "$exe"
    continue
  fi
  fm_section fpm-master "pid=0" "binary=$(fm_val "${exe##*/}")" "exe=$(fm_val "$exe")" \
    "config=$(fm_val "$config")" "version=$(fm_val "$(fpm_version "$exe")")"
  dump_config 0 "$exe" "$config"
  dump_ini 0 "$exe"
done

# The key of what this run read, unless a master came or went meanwhile. Each file and the
# directory it is in, once.
if [ "$(material "$@")" = "$started_with" ]; then
  fm_discovery_key fpm "$started_with" "$read_paths"
fi
exit 0
