# kernel.sh WINDOW_MIN MAXBYTES: kernel OOM kills within the last WINDOW_MIN minutes.
#
#   @@section clock                              as in runtime.sh: dmesg times are seconds since boot
#   @@section kernel-log source=dmesg from=S     OOM-related dmesg lines, raw "[ seconds]" form,
#                                                S = seconds since boot where the window starts
#   @@section kernel-log source=journal          the same from journalctl -k -o short-iso, when
#                                                dmesg cannot be read
#   @@section cgroup-oom pid=P version=1|2 path=CG    memory.events (v2) / memory.oom_control (v1)
#                                                of the cgroup each FPM master runs in
# Only OOM lines leave the host (grep on the host), and at most MAXBYTES of them (the newest).

window=${1:-15}
case $window in '' | *[!0-9]*) window=15 ;; esac
max=${2:-1000000}
oom='invoked oom-killer|Out of memory|Memory cgroup out of memory|Killed process|Kill process|oom-kill:|oom_reaper|OOM victim|killed as a result of limit|Memory limit reached|memory: usage'

uptime=0
read -r uptime </proc/uptime
fm_section clock
fm_clock "$uptime"

# Seconds since boot where the window starts (whole seconds: the shell's arithmetic).
from=$((${uptime%%.*} - window * 60))
[ "$from" -lt 0 ] && from=0

dmesg_ok=0
# Why dmesg failed: reported below only when the journal cannot stand in for it either, so a
# kernel log read through journalctl is a complete look.
dmesg_why=
dmesg_detail=
if fm_have dmesg; then
  # dmesg prints nothing useful on failure, so stderr is kept apart to tell why.
  # Read once: its exit code says whether it may be read, its output is the log.
  err=$(timeout 10 dmesg 2>&1)
  rc=$?
  if [ "$rc" = 0 ]; then
    dmesg_ok=1
    fm_section kernel-log source=dmesg "from=$from"
    printf '%s\n' "$err" | grep -E "$oom" |
      awk -v from="$from" '{ t = $0; sub(/^<[0-9]+>/, "", t); if (match(t, /^\[ *[0-9]+\.[0-9]+\]/)) { s = substr(t, 2, RLENGTH - 2) + 0; if (s < from) next } print }' |
      tail -c "$max"
  elif [ "$rc" = 124 ]; then
    dmesg_why=timeout dmesg_detail="dmesg did not finish within 10s"
  else
    case $err in
    *"not permitted"* | *"ermission denied"*)
      # kernel.dmesg_restrict=1 (Debian's default) keeps the kernel log from users without CAP_SYSLOG.
      dmesg_why=permission
      dmesg_detail="dmesg not readable as $(id -un) (kernel.dmesg_restrict=$(cat /proc/sys/kernel/dmesg_restrict 2>/dev/null)): $err"
      ;;
    *) dmesg_why=error dmesg_detail="dmesg failed ($rc): $err" ;;
    esac
  fi
else
  dmesg_why=missing-tool dmesg_detail="dmesg not found"
fi

# dmesg_error [key=value ...]: dmesg's failure, with what would open the kernel log to this user.
dmesg_error() {
  if [ "$dmesg_why" = permission ]; then
    fm_error kernel-log permission "$dmesg_detail" tool=dmesg "user=$(fm_val "$(id -un)")" \
      "sysctl=$(fm_val kernel.dmesg_restrict=0)" "$@"
  else
    fm_error kernel-log "$dmesg_why" "$dmesg_detail" tool=dmesg
  fi
}

if [ "$dmesg_ok" = 0 ]; then
  if fm_have journalctl; then
    # -q would hide "No journal files were found", which must not read as "no OOM kills".
    out=$(timeout 10 journalctl -k --no-pager -o short-iso --since "-${window}min" 2>&1)
    rc=$?
    case $rc:$out in
    # A user outside adm/systemd-journal sees only their own journal, and journalctl still exits
    # 0, even with "-- No entries --": that must not read as "no OOM kills" either.
    *"not seeing messages"*)
      dmesg_error group=adm
      fm_error kernel-log permission "journalctl -k shows $(id -un) only their own messages: $(printf '%s' "$out" | grep -m 1 'not seeing')" \
        tool=journalctl "user=$(fm_val "$(id -un)")" group=adm
      ;;
    0:*"No journal files"*)
      dmesg_error
      fm_error kernel-log not-found "journalctl: no journal files (journald is not running or does not keep the kernel log)" tool=journalctl
      ;;
    0:*"-- No entries --"*)
      fm_section kernel-log source=journal
      ;;
    0:*)
      fm_section kernel-log source=journal
      printf '%s\n' "$out" | grep -E "$oom" | tail -c "$max"
      ;;
    124:*)
      dmesg_error
      fm_error kernel-log timeout "journalctl -k did not finish within 10s" tool=journalctl
      ;;
    *"ermission"*)
      dmesg_error group=adm
      fm_error kernel-log permission "journalctl -k not readable as $(id -un): $(printf '%s' "$out" | head -n 3)" \
        tool=journalctl "user=$(fm_val "$(id -un)")" group=adm
      ;;
    *)
      dmesg_error
      fm_error kernel-log error "journalctl failed ($rc): $(printf '%s' "$out" | head -n 3)" tool=journalctl
      ;;
    esac
  else
    dmesg_error
    fm_error kernel-log missing-tool "neither a readable dmesg nor journalctl" tool=journalctl
  fi
fi

# Counters survive the log being rotated away: the cgroup of each FPM master counts its OOM kills.
fm_fpm_memcgs | while read -r pid version base path; do
  d="$base${path%/}"
  if [ "$version" = 1 ] && [ -r "$d/memory.oom_control" ]; then
    fm_section cgroup-oom "pid=$pid" version=1 "path=$(fm_val "$path")"
    cat "$d/memory.oom_control"
  elif [ "$version" = 2 ]; then
    fm_section cgroup-oom "pid=$pid" version=2 "path=$(fm_val "$path")"
    cat "$d/memory.events"
  fi
done
