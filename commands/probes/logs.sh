# logs.sh MAXBYTES KIND PATH [KIND PATH ...]
# The last MAXBYTES of each log. `tail -c` seeks, so a 10 GB log costs what a 10 kB one does.
# KIND: fpm-error fpm-slow fpm-access nginx-error apache-error php-error.
#
# Prints per file:
#   @@section log kind= path= size= mtime= truncated=0|1   body: the tail (truncated=1: the first
#                                                          line is probably cut in the middle)
#   @@error log reason=not-found|permission kind= path=
# When the live file holds less than MAXBYTES and PATH.1 exists (logrotate ran recently), the
# rest comes from PATH.1, printed first with rotated=1, so the window still sees the incident.
#
# Log lines can hold request data; a line starting with "@@" gets a leading space so it can
# never forge a section marker.
FM_NAME=log

if [ $# -lt 3 ] || [ $(($# % 2)) -ne 1 ]; then
  fm_error "$FM_NAME" error "usage: logs.sh MAXBYTES KIND PATH [KIND PATH ...]" target=args
  exit 0
fi
maxbytes=$1
shift

# stat_file PATH: sets size and mtime (0 when stat cannot tell), in one process.
stat_file() {
  size=0 mtime=0
  read -r size mtime <<EOF
$(stat -L -c '%s %Y' "$1" 2>/dev/null)
EOF
}

# tail_file KIND PATH MAXBYTES ROTATED
tail_file() {
  stat_file "$2"
  truncated=0
  [ "${size:-0}" -gt "$3" ] && truncated=1
  fm_section "$FM_NAME" "kind=$1" "path=$(fm_val "$2")" "size=${size:-0}" "mtime=$mtime" \
    "truncated=$truncated" "rotated=$4"
  tail -c "$3" "$2" | sed 's/^@@/ @@/'
}

while [ $# -ge 2 ]; do
  kind=$1 path=$2
  shift 2
  case $kind in
    fpm-error | fpm-slow | fpm-access | nginx-error | apache-error | php-error) ;;
    *)
      fm_error "$FM_NAME" error "unknown log kind $kind" "kind=$(fm_val "$kind")" "path=$(fm_val "$path")"
      continue
      ;;
  esac
  if [ ! -e "$path" ]; then
    fm_error "$FM_NAME" not-found "no such file: $path" "kind=$kind" "path=$(fm_val "$path")"
    continue
  fi
  # The shell opens it itself (no process): -r alone misses what ACLs and LSMs refuse.
  if [ ! -r "$path" ] || ! { : <"$path"; } 2>/dev/null; then
    # Debian's logs are 0640 root:adm (nginx: www-data:adm): the file's group is the least
    # privilege that opens them, and fpm-medic's fix names it.
    # shellcheck disable=SC2046 # fm_who_may prints key=value words without spaces
    fm_error "$FM_NAME" permission "cannot read $path as $(id -un) (mode $(stat -c '%a %U:%G' "$path" 2>/dev/null))" \
      "kind=$kind" "path=$(fm_val "$path")" $(fm_who_may "$path" r)
    continue
  fi
  stat_file "$path"
  if [ "${size:-0}" -lt "$maxbytes" ] && [ -f "$path.1" ] && [ -r "$path.1" ]; then
    tail_file "$kind" "$path.1" $((maxbytes - size)) 1
  fi
  tail_file "$kind" "$path" "$maxbytes" 0
done
exit 0
