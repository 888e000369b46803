# fpm-reload.sh PHASE ARGS: a graceful reload of one PHP-FPM master (SIGUSR2: the master re-execs
# and re-reads its config; listening sockets survive, so connections queue instead of failing).
# fpm-medic runs the phases in order, each as its own audited step, and never runs `reload`
# unless `config-test` passed (DESIGN rule 4).
#
#   config-test EXE CONFIG
#     @@section config-test rc= ms= exe= config=     body: what `EXE -t --fpm-config CONFIG` wrote
#                                                    (rc 0 = ok, 78 = broken; REFERENCE §8.4)
#     @@error config-test reason=untrusted|not-found EXE is not run: missing, or a file another
#                                                    user can write (docs/security.md)
#   reload MASTER_PID LOG TIMEOUT_SEC [COMMAND WORD ...]
#     @@section before master= ticks= log-size=      body: "PID TICKS POOL" per worker, right before acting
#     @@section reload method=command|systemd|signal rc= ms= [unit=]   body: the command's output
#     COMMAND: the inventory's fpm.reload, run as given. Without it: `systemctl reload UNIT` when
#     the master is the main process of a systemd service, else `kill -USR2 MASTER_PID` (which is
#     what Debian's unit runs too). The command or systemctl is cut off after TIMEOUT_SEC (rc 124).
#   state MASTER_PID LOG OFFSET
#     @@section master pid= alive=0|1 [ticks=]       MASTER_PID: still an FPM master?
#     @@section masters count=N                      body: "PID TICKS CONFIG" per master now
#                                                    (@@error masters reason=untrusted per ignored one)
#     @@section workers master=                      per master: "PID TICKS POOL" per worker
#     @@section log path= readable=0|1 [from= size=] body: FPM's reload lines written since OFFSET
#     A master that daemonizes (daemonize = yes, or started with --daemonize) forks again when it
#     re-execs: its pid changes with every reload, and the log's "fpm is running, pid N" names
#     the new one.
#   check TIMEOUT_SEC HEALTH_URL|none [POOL LISTEN PATH ...]
#     @@section ping pool= listen= path= rc= ms=     body: the pool's answer (CGI headers + body)
#     @@section health url= rc= code= ms=            body: curl's error, if any
# LOG is FPM's global error_log, or "none" (syslog, unknown).

phase=${1:-}
[ $# -gt 0 ] && shift

case $phase in
  config-test)
    fa_config_test "$1" "$2"
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
    fm_error fpm-reload error "usage: fpm-reload.sh config-test|reload|state|check ARGS (got '$phase')"
    ;;
esac
exit 0
