#!/usr/bin/env bash
# Installs the Debian packages fpm-medic's lab and tests use, only those missing.
# Used by .ci/run, `npm run demo` and the integration tests' global setup. Needs root (apt-get).
# --check: only list the missing ones (exit 1 when some are), never install.
set -euo pipefail
check_only=0
[ "${1:-}" = --check ] && check_only=1
packages=(
  php8.2-fpm php8.2-cli php8.2-curl libfcgi-bin  # the FPM under test, cgi-fcgi for its status page
  nginx apache2                                  # both web servers in front of it
  openssh-server openssh-client                  # real sshd on loopback for the transport
  shellcheck iproute2 procps util-linux lsof curl pssh redis-server
  sudo                                           # a non-root SSH user with become (ssh.become: sudo)
  busybox                                        # an Alpine-like host: probes under BusyBox applets alone
  patch                                          # GNU patch: the report's config fix applied as an engineer would
  prometheus-alertmanager                        # a real Alertmanager delivering webhooks (alert tests)
)
missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
    missing+=("$p")
  fi
done
if [ "${#missing[@]}" -eq 0 ]; then
  echo "all Debian packages present"
  exit 0
fi
if [ "$check_only" -eq 1 ]; then
  echo "missing Debian packages: ${missing[*]}" >&2
  exit 1
fi
if [ "$(id -u)" -ne 0 ]; then
  echo "missing Debian packages: ${missing[*]}; run as root or: sudo apt-get install ${missing[*]}" >&2
  exit 1
fi
echo "installing: ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -q
# policy-rc.d 101 stops the packages' postinst scripts from starting their daemons on port 80:
# the lab starts its own instances on free ports.
printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d.fpm-medic
chmod +x /usr/sbin/policy-rc.d.fpm-medic
had_policy=0
[ -e /usr/sbin/policy-rc.d ] && had_policy=1
[ "$had_policy" -eq 1 ] || cp /usr/sbin/policy-rc.d.fpm-medic /usr/sbin/policy-rc.d
apt-get install -y -q --no-install-recommends "${missing[@]}"
[ "$had_policy" -eq 1 ] || rm -f /usr/sbin/policy-rc.d
rm -f /usr/sbin/policy-rc.d.fpm-medic
