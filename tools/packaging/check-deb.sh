#!/usr/bin/env bash
# Checks a built duban .deb: its control fields and computed dependencies,
# its contents, its conffile and maintainer scripts, the service unit
# (systemd-analyze verify) and lintian's verdict (errors fail; warnings are
# printed). Prints the package's size and dependencies.
# With --install (root, on a throwaway machine such as CI's, where duban is
# not installed): installs it, runs a campaign as the duban user on the
# system configuration, reinstalls it (the upgrade path migrates), purges it
# (the data stays), and purges it again after saying yes to debconf's
# duban/purge_data (the data and the user go).
#   check-deb.sh [--install] PATH.deb
set -euo pipefail
install=false
if [ "${1:-}" = --install ]; then install=true; shift; fi
deb=$(realpath "$1")
work=$(mktemp -d /tmp/duban-deb-check.XXXXXX)
trap 'rm -rf "$work"' EXIT
fail() { echo "check-deb: FAIL: $*" >&2; exit 1; }

dpkg-deb --info "$deb" >"$work/info"
dpkg-deb --contents "$deb" >"$work/contents"
dpkg-deb --control "$deb" "$work/control"
dpkg-deb --extract "$deb" "$work/root"

field() { dpkg-deb --field "$deb" "$1"; }
[ "$(field Package)" = duban ] || fail "Package is $(field Package)"
depends=$(field Depends)
for d in libc6 libstdc++6 libsqlite3-0 libcurl4 libsystemd0 adduser tzdata; do
  grep -q "\b$d\b" <<<"$depends" || fail "Depends lacks $d: $depends"
done

for f in ./usr/bin/duban ./usr/lib/duban/plugins/libemail.so ./usr/lib/duban/plugins/libwebhook.so \
         ./usr/lib/duban/plugins/liblog.so ./usr/lib/duban/plugins/libdingtalk.so \
         ./usr/lib/duban/plugins/libwecom.so ./usr/share/duban/workflows/annual-cycle.toml \
         ./usr/share/duban/workflows/calendars/ ./usr/share/duban/workflows/templates/ \
         ./etc/duban/duban.toml ./usr/lib/systemd/system/duban.service ./usr/share/man/man1/duban.1.gz \
         ./usr/share/bash-completion/completions/duban ./usr/share/doc/duban/copyright \
         ./usr/share/doc/duban/changelog.gz; do
  grep -qF " $f" "$work/contents" || fail "the package lacks $f"
done
if grep -qE ' \./(usr/local|build|work)/' "$work/contents"; then fail "the package holds build paths"; fi

grep -qx /etc/duban/duban.toml "$work/control/conffiles" || fail "/etc/duban/duban.toml is not a conffile"
for s in config postinst prerm postrm; do
  [ -x "$work/control/$s" ] || fail "$s missing or not executable"
  sh -n "$work/control/$s" || fail "$s does not parse"
done
grep -q "adduser --system" "$work/control/postinst" || fail "postinst creates no system user"
grep -q "duban --config /etc/duban/duban.toml migrate" "$work/control/postinst" || fail "postinst does not migrate"
grep -q "purge_data" "$work/control/postrm" || fail "postrm removes data without asking"
grep -q "Template: duban/purge_data" "$work/control/templates" || fail "no debconf question for purging data"

unit=$work/root/usr/lib/systemd/system/duban.service
for k in "User=duban" "ProtectSystem=strict" "ReadWritePaths=/var/lib/duban" "NoNewPrivileges=yes" \
         "PrivateTmp=yes" "Restart=on-failure" "Type=notify"; do
  grep -qx "$k" "$unit" || fail "duban.service lacks $k"
done
if command -v systemd-analyze >/dev/null; then
  # The unit names /usr/bin/duban: verify it against the extracted tree.
  sed "s|/usr/bin/duban|$work/root/usr/bin/duban|" "$unit" >"$work/duban.service"
  out=$(systemd-analyze verify --man=no "$work/duban.service" 2>&1 | grep -v -e "Cannot add dependency job" -e "^$" || true)
  if grep -q "duban.service" <<<"$out"; then echo "$out" >&2; fail "systemd-analyze verify"; fi
fi

"$work/root/usr/bin/duban" --version | grep -q "installed under $work/root/usr" || fail "the packaged binary does not find its own tree"

if command -v lintian >/dev/null; then
  lintian --tag-display-limit 0 "$deb" >"$work/lintian" 2>&1 || true
  cat "$work/lintian"
  if grep -q '^E:' "$work/lintian"; then fail "lintian reports errors"; fi
fi

if $install; then
  [ "$(id -u)" -eq 0 ] || fail "--install needs root"
  if dpkg-query -W duban >/dev/null 2>&1; then fail "duban is installed already: --install is for a throwaway machine"; fi
  export DEBIAN_FRONTEND=noninteractive
  apt-get install -y -q "$deb" >"$work/apt.log" 2>&1 || { cat "$work/apt.log"; fail "apt-get install"; }
  id duban >/dev/null || fail "no duban user"
  [ "$(stat -c %U /var/lib/duban)" = duban ] || fail "/var/lib/duban is not the duban user's"
  as_duban() { (cd /tmp && runuser -u duban -- duban "$@"); }
  as_duban init >/dev/null || fail "init as the duban user"
  as_duban --as office-cao-bin campaign create --roster /usr/share/duban/workflows/taishan-2021/roster.toml \
    >/dev/null || fail "campaign create"
  [ -f /var/lib/duban/duban.db ] || fail "the service user's database is not in /var/lib/duban"
  as_duban doctor >"$work/doctor" || { cat "$work/doctor"; fail "doctor"; }
  apt-get install -y -q --reinstall "$deb" >"$work/apt.log" 2>&1 || { cat "$work/apt.log"; fail "reinstall"; }
  grep -q "database up to date: /var/lib/duban/duban.db" "$work/apt.log" || { cat "$work/apt.log"; fail "the upgrade did not migrate"; }
  apt-get purge -y -q duban >"$work/apt.log" 2>&1 || { cat "$work/apt.log"; fail "purge"; }
  [ -f /var/lib/duban/duban.db ] || fail "purge removed the data without being asked"
  apt-get install -y -q "$deb" >/dev/null 2>&1 || fail "install again"
  echo "duban duban/purge_data boolean true" | debconf-set-selections
  apt-get purge -y -q duban >"$work/apt.log" 2>&1 || { cat "$work/apt.log"; fail "purge"; }
  [ ! -e /var/lib/duban ] || fail "purge with duban/purge_data true left /var/lib/duban"
  if id duban >/dev/null 2>&1; then fail "purge with duban/purge_data true left the user"; fi
  echo "check-deb: installed, ran a campaign as the duban user, upgraded (migrated), purged (data kept), purged (data removed when asked)"
fi

echo "check-deb: ok: $(basename "$deb"), $(stat -c %s "$deb") bytes, installed size $(field Installed-Size) KiB"
echo "check-deb: Depends: $depends"
