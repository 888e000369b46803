# runtime.sh [MAXLINES]: one snapshot of the live state, taken as close to one moment as possible.
# MAXLINES bounds each table (default 20000).
#
#   @@section clock user=U               "now EPOCH", "offset +HHMM", "uptime SECONDS IDLE"; U = id -un
#   @@section ps root=0|1 source=ps|proc  pid,ppid,user,stat,rss,vsz,etimes,pcpu,wchan,args (fm_ps)
#   @@section ss-listen kind=unix|tcp    ss -Hl[x|t]np: listeners, Recv-Q = queued, Send-Q = backlog
#   @@section ss-conn kind=unix|tcp      ss -H[x|t]np, only PHP-FPM and web server processes
#   without ss, instead (fm_proc_sockets):
#   @@section proc-fd                    "PID COMM FD INODE" of PHP-FPM and web server sockets
#   @@section proc-net kind=tcp|unix     the /proc/net/tcp, tcp6, unix rows that matter
#   @@section meminfo                    /proc/meminfo
#   @@section cgroup-memory pid=P version=1|2 path=CG   the memory limit FPM master P runs under
#   @@section somaxconn                  /proc/sys/net/core/somaxconn
#   @@section netstat                    the TcpExt header and value lines of /proc/net/netstat
# Read-only. nstat is not used: it writes history files.

max=${1:-20000}
me=$(id -un)
my_uid=$(id -u)
root=0
[ "$my_uid" = 0 ] && root=1

# user=: who the probes run as, so every permission fix can name them (sudoers line, usermod).
fm_section clock "user=$(fm_val "$me")"
uptime=
read -r uptime </proc/uptime
fm_clock "$uptime"

# The process table (fm_ps: procps' ps, else /proc); source= says which. Read once: the
# permission check below needs it again.
table=$(fm_ps)
fm_section ps "root=$root" "source=$(fm_ps_source)"
# The processes that matter come first in the budget; the rest only fill what is left, their
# command lines cut short (they are context, and long ones tend to carry tokens).
printf '%s\n' "$table" | awk -v max="$max" -v head="$FM_PS_HEAD" '
  BEGIN { print "PID PPID USER STAT RSS VSZ ELAPSED %CPU WCHAN COMMAND" }
  NF == 0 { next }
  {
    a = $0; sub(head, "", a); line = $1 " " $2 " " $4 " " $5 " " $6 " " $7 " " $8 " " $9 " " $10 " " a
    if ($11 ~ /^(php-fpm|nginx):$/ || $11 ~ /(^|\/)(php-fpm[0-9.]*|php[0-9.]*-fpm|nginx|apache2|httpd)$/) { print line; next }
    rest[++n] = substr(line, 1, 400)
  }
  END { for (i = 1; i <= n && i <= max; i++) print rest[i] }' | head -n "$max"

# Only PHP-FPM and web server sockets are kept: on a busy host everything else is noise.
keep='users:\(\("(php-fpm|php[0-9.]*-fpm|php|nginx|apache2|httpd)'
if fm_have ss; then
  fm_section ss-listen kind=unix "root=$root"
  timeout 5 ss -Hlxnp 2>&1 | head -n "$max"
  fm_section ss-listen kind=tcp "root=$root"
  timeout 5 ss -Hltnp 2>&1 | head -n "$max"
  fm_section ss-conn kind=unix "root=$root"
  timeout 5 ss -Hxnp 2>&1 | grep -E "$keep" | head -n "$max"
  fm_section ss-conn kind=tcp "root=$root"
  timeout 5 ss -Htnp 2>&1 | grep -E "$keep" | head -n "$max"
else
  # No ss (BusyBox, the php:fpm image): the same tables from /proc/net and /proc/PID/fd.
  fm_proc_sockets "$max" "$root"
fi
# Without root, ss -p (or /proc/PID/fd) names only the SSH user's own processes' sockets: those of
# FPM processes of other users are missing above, and "no connection" must not read as "no worker
# waits on anything". Listen queues stay exact.
if [ "$root" = 0 ]; then
  others=$(printf '%s\n' "$table" | awk -v me="$my_uid" '$3 != me && $11 ~ /^(php-fpm|php[0-9.]*-fpm)/' | wc -l | tr -d ' ')
  if [ "${others:-0}" -gt 0 ]; then
    fm_error ss-conn permission "cannot name the sockets of $others PHP-FPM processes of other users as $me (their /proc/PID/fd): which worker waits on which connection is unknown" \
      "user=$(fm_val "$me")"
  fi
fi

if [ -r /proc/meminfo ]; then
  fm_section meminfo
  cat /proc/meminfo
else
  fm_error meminfo not-found "cannot read /proc/meminfo" path=/proc/meminfo
fi

# The memory limit of each FPM master's cgroup: a limit far below MemTotal is what OOM-kills workers.
fm_fpm_memcgs | while read -r pid version base path; do
  d="$base${path%/}"
  if [ "$version" = 1 ]; then
    [ -r "$d/memory.limit_in_bytes" ] || continue
    fm_section cgroup-memory "pid=$pid" version=1 "path=$(fm_val "$path")"
    printf 'limit %s\nusage %s\n' "$(cat "$d/memory.limit_in_bytes")" "$(cat "$d/memory.usage_in_bytes" 2>/dev/null)"
  elif [ -r "$d/memory.max" ]; then
    fm_section cgroup-memory "pid=$pid" version=2 "path=$(fm_val "$path")"
    printf 'limit %s\nusage %s\n' "$(cat "$d/memory.max")" "$(cat "$d/memory.current" 2>/dev/null)"
  fi
done

fm_section somaxconn
cat /proc/sys/net/core/somaxconn 2>&1

if [ -r /proc/net/netstat ]; then
  fm_section netstat
  grep '^TcpExt:' /proc/net/netstat
else
  fm_error netstat not-found "cannot read /proc/net/netstat" path=/proc/net/netstat
fi
