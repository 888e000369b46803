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
max=${2:-1000000}
oom='invoked oom-killer|Out of memory|Memory cgroup out of memory|Killed process|Kill process|oom-kill:|oom_reaper|OOM victim|killed as a result of limit|Memory limit reached|memory: usage'

fm_section clock
printf 'now %s\noffset %s\nuptime %s\n' "$(fm_now)" "$(date +%z)" "$(cat /proc/uptime)"

from=$(awk -v w="$window" '{ s = $1 - w * 60; if (s < 0) s = 0; printf "%d\n", s }' /proc/uptime)

dmesg_ok=0
if fm_have dmesg; then
  # dmesg prints nothing useful on failure, so stderr is kept apart to tell why.
  err=$( { timeout 10 dmesg >/dev/null; } 2>&1)
  rc=$?
  if [ "$rc" = 0 ]; then
    dmesg_ok=1
    fm_section kernel-log source=dmesg "from=$from"
    timeout 10 dmesg 2>/dev/null | grep -E "$oom" |
      awk -v from="$from" '{ t = $0; sub(/^<[0-9]+>/, "", t); if (match(t, /^\[ *[0-9]+\.[0-9]+\]/)) { s = substr(t, 2, RLENGTH - 2) + 0; if (s < from) next } print }' |
      tail -c "$max"
  elif [ "$rc" = 124 ]; then
    fm_error kernel-log timeout "dmesg did not finish within 10s" tool=dmesg
  else
    case $err in
    *"not permitted"* | *"ermission denied"*)
      fm_error kernel-log permission "dmesg: $err (kernel.dmesg_restrict=$(cat /proc/sys/kernel/dmesg_restrict 2>/dev/null))" tool=dmesg \
        "fix=$(fm_val 'run the probes as root, or set sysctl kernel.dmesg_restrict=0, or add the user to the systemd-journal/adm group so journalctl -k works')"
      ;;
    *) fm_error kernel-log error "dmesg failed ($rc): $err" tool=dmesg ;;
    esac
  fi
else
  fm_error kernel-log missing-tool "dmesg not found" tool=dmesg
fi

if [ "$dmesg_ok" = 0 ]; then
  if fm_have journalctl; then
    # -q would hide "No journal files were found", which must not read as "no OOM kills".
    out=$(timeout 10 journalctl -k --no-pager -o short-iso --since "-${window}min" 2>&1)
    rc=$?
    case $rc:$out in
    0:*"No journal files"*) fm_error kernel-log not-found "journalctl: no journal files (journald is not running or does not keep the kernel log)" tool=journalctl ;;
    0:*"-- No entries --"*)
      fm_section kernel-log source=journal
      ;;
    0:*)
      fm_section kernel-log source=journal
      printf '%s\n' "$out" | grep -E "$oom" | tail -c "$max"
      ;;
    124:*) fm_error kernel-log timeout "journalctl -k did not finish within 10s" tool=journalctl ;;
    *"ermission"* | *"not seeing messages"*) fm_error kernel-log permission "journalctl: $(printf '%s' "$out" | head -n 3)" tool=journalctl ;;
    *) fm_error kernel-log error "journalctl failed ($rc): $(printf '%s' "$out" | head -n 3)" tool=journalctl ;;
    esac
  else
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
