#!/usr/bin/env bash
# Builds the .deb: a Release build installed under /usr (the `package`
# preset, without tests), packed by CPack's DEB generator with its
# dependencies computed from the shared libraries (dpkg-shlibdeps).
# Prints the package's path.
set -euo pipefail
cd "$(dirname "$0")/.."
tools/setup.sh >/dev/null
cmake --preset package >/dev/null
cmake --build --preset package
cpack --preset deb >build/package-cpack.log 2>&1 || { cat build/package-cpack.log; echo "package: cpack failed" >&2; exit 1; }
ls -1 "$PWD"/build/package/duban_*.deb
