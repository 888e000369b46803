# fpm-start.sh PHASE ARGS: starts a stopped PHP-FPM master. fpm-medic runs the phases in order,
# each as its own audited step: `start` only after `precheck` found no master for the config and
# `config-test` passed.
#
#   precheck CONFIG|none
#     @@section masters count=N                body: "PID TICKS CONFIG" per running master (from its title),
#                                              trusted ones only (@@error masters reason=untrusted per other)
#     @@section systemd running=0|1
#     @@section candidate config= [exe=] [unit=]
#        one per config that could be started: CONFIG itself, or with "none" the distributions'
#        default locations that exist. exe: the binary its path implies (a trusted system one, or
#        none); unit: the systemd service
#        that starts it, when systemd runs.
#   config-test EXE CONFIG                     as in fpm-reload.sh
#   start TIMEOUT_SEC command WORD...          the inventory's fpm.start, run as given
#   start TIMEOUT_SEC systemd UNIT             systemctl start UNIT
#   start TIMEOUT_SEC binary EXE CONFIG        EXE --daemonize --fpm-config CONFIG: the parent
#                                              returns once the master is ready (or failed)
#     @@section start method= rc= ms= [unit=]  body: the command's output
#   state                                      the masters section, as in precheck
#   check TIMEOUT_SEC HEALTH_URL|none [POOL LISTEN PATH ...]   as in fpm-reload.sh

phase=${1:-}
[ $# -gt 0 ] && shift

systemd_running() {
  [ -d /run/systemd/system ] && fm_have systemctl
}

# unit_for CONFIG: a php*fpm* service whose ExecStart names the file, else the one Debian's layout
# implies (/etc/php/8.2/fpm/... -> php8.2-fpm.service) if it is installed.
unit_for() {
  for u in $(timeout 10 systemctl list-unit-files --type=service --no-legend 'php*fpm*' 2>/dev/null | awk '{ print $1 }'); do
    if timeout 5 systemctl show -p ExecStart "$u" 2>/dev/null | grep -qF -- "$1"; then
      printf '%s\n' "$u"
      return
    fi
  done
  ver=$(printf '%s' "$1" | sed -n 's|^/etc/php/\([0-9][0-9.]*\)/fpm/.*|\1|p')
  if [ -n "$ver" ] && [ "$(timeout 5 systemctl show -p LoadState "php$ver-fpm.service" 2>/dev/null)" = LoadState=loaded ]; then
    printf 'php%s-fpm.service\n' "$ver"
  fi
}

candidate_section() {
  exe=$(fa_guess_exe "$1")
  unit=
  systemd_running && unit=$(unit_for "$1")
  fm_section candidate "config=$(fm_val "$1")" ${exe:+"exe=$(fm_val "$exe")"} ${unit:+"unit=$(fm_val "$unit")"}
}

case $phase in
  precheck)
    fa_masters_section
    if systemd_running; then fm_section systemd running=1; else fm_section systemd running=0; fi
    if [ "$1" != none ]; then
      candidate_section "$1"
    else
      for c in /etc/php/*/fpm/php-fpm.conf /etc/php-fpm.conf /usr/local/etc/php-fpm.conf; do
        [ -f "$c" ] && candidate_section "$c"
      done
    fi
    ;;
  config-test)
    fa_config_test "$1" "$2"
    ;;
  start)
    limit=$1 method=$2
    shift 2
    unit=
    start=$(fm_ms)
    case $method in
      command) out=$(fa_run "$limit" "$@") ;;
      systemd)
        unit=$1
        out=$(fa_run "$limit" systemctl start "$unit")
        ;;
      binary)
        # The binary is checked again right before it runs: only a trusted file (fa_exe).
        if ! exe=$(fa_exe "$1"); then
          fm_error start untrusted "$exe" "exe=$(fm_val "$1")"
          exit 0
        fi
        # --daemonize whatever the config says: the master must outlive this session.
        out=$(fa_run "$limit" "$exe" --daemonize --fpm-config "$2")
        ;;
      *)
        fm_error start error "unknown start method '$method'"
        exit 0
        ;;
    esac
    rc=$(printf '%s\n' "$out" | sed -n 's/^@@rc //p')
    fm_section start "method=$method" ${unit:+"unit=$(fm_val "$unit")"} "rc=${rc:-1}" "ms=$(($(fm_ms) - start))"
    printf '%s\n' "$out" | grep -v '^@@rc '
    ;;
  state)
    fa_masters_section
    ;;
  check)
    fa_check "$@"
    ;;
  *)
    fm_error fpm-start error "usage: fpm-start.sh precheck|config-test|start|state|check ARGS (got '$phase')"
    ;;
esac
exit 0
