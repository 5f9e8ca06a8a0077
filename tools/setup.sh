#!/usr/bin/env bash
# Installs every build and test dependency of duban from Debian's packages.
# Idempotent: packages already present are left alone. Uses sudo when not root.
set -euo pipefail

packages=(
  build-essential cmake ninja-build pkg-config git ccache
  libboost1.81-dev
  libsqlitecpp-dev libsqlite3-dev sqlite3
  libspdlog-dev libfmt-dev
  libgtest-dev libgmock-dev libbenchmark-dev
  libcli11-dev libtomlplusplus-dev nlohmann-json3-dev
  libssl-dev openssl
  libhowardhinnant-date-dev tzdata
  libcurl4-openssl-dev libkainjow-mustache-dev
  libargon2-dev libsystemd-dev libxlsxwriter-dev
  dpkg-dev lintian file wrk
  python3 python3-aiosmtpd python3-openpyxl python3-icalendar
  chromium chromium-driver python3-selenium fonts-noto-cjk
)

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
    missing+=("$p")
  fi
done

as_root=()
if [ "$(id -u)" -ne 0 ]; then as_root=(sudo); fi

if [ ${#missing[@]} -eq 0 ]; then
  echo "setup: all ${#packages[@]} packages already installed"
else
  echo "setup: installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  "${as_root[@]}" apt-get update -q
  "${as_root[@]}" apt-get install -y -q --no-install-recommends "${missing[@]}"
fi

# axe-core (npm) for the browser tests' accessibility check (tests/web): one
# script the test injects into the pages, never served by duban. npm from
# Debian's package when no Node.js is installed.
axe_version=4.14.1
axe_dir=/usr/local/lib/duban-test
if [ ! -f "$axe_dir/node_modules/axe-core/axe.min.js" ] ||
   ! grep -q "\"version\": \"$axe_version\"" "$axe_dir/node_modules/axe-core/package.json"; then
  if ! command -v npm >/dev/null; then
    "${as_root[@]}" apt-get install -y -q --no-install-recommends npm
  fi
  echo "setup: installing axe-core $axe_version into $axe_dir"
  "${as_root[@]}" mkdir -p "$axe_dir"
  "${as_root[@]}" npm install --no-audit --no-fund --prefix "$axe_dir" "axe-core@$axe_version"
fi
