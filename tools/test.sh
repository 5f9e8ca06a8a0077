#!/usr/bin/env bash
# Set up, build with AddressSanitizer and UndefinedBehaviorSanitizer (the dev
# preset, warnings as errors), run the whole test suite through ctest, then
# build the .deb and check it.
set -euo pipefail
cd "$(dirname "$0")/.."
tools/setup.sh
cmake --preset dev >/dev/null
cmake --build --preset dev
ctest --preset dev
# The .deb: built as a user would (tools/package.sh), then its contents,
# maintainer scripts, service unit and lintian's verdict checked; on a
# throwaway machine (CI sets DUBAN_CHECK_INSTALL=1) also installed, upgraded
# and purged for real.
check=()
if [ "${DUBAN_CHECK_INSTALL:-0}" = 1 ]; then check=(--install); fi
tools/packaging/check-deb.sh "${check[@]}" "$(tools/package.sh | tail -1)"
