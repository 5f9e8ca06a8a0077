#!/usr/bin/env bash
# The main job: set up, build (release), and replay the Taishan 2021 campaign
# from the October kickoff on a fresh embedded SQLite database, ending with
# the ledger printed, the event chain verified and the 2021 ranking on screen,
# then writes the ledger (XLSX), the progress report and the circular (通报).
set -euo pipefail
cd "$(dirname "$0")/.."
tools/setup.sh
cmake --preset release >/dev/null
cmake --build --preset release --target duban
db=build/release/taishan-2021.db
rm -rf "$db" "$db-wal" "$db-shm" "$db.files" "$db.data"
build/release/tools/duban/duban --db "$db" init
build/release/tools/duban/duban --db "$db" replay workflows/taishan-2021/replay-2021.txt
# The reports the office hands upward, as of the replay's last day.
report=(build/release/tools/duban/duban --db "$db" --as office-cao-bin --at 2021-12-31T17:30 report)
"${report[@]}" ledger --xlsx build/release/taishan-2021-ledger.xlsx >/dev/null
"${report[@]}" progress --out build/release/taishan-2021-progress.html >/dev/null
"${report[@]}" circular --out build/release/taishan-2021-circular.html >/dev/null
echo
echo "database: $db"
echo "ledger:   build/release/taishan-2021-ledger.xlsx (工作台账: ledger, materials, escalations, scores)"
echo "reports:  build/release/taishan-2021-progress.html (进展情况报告), build/release/taishan-2021-circular.html (通报)"
echo "notices:  one e-mail per notice in $db.data/maildir/new (open it with mutt -f $db.data/maildir)"
echo "try:      build/release/tools/duban/duban --db $db --as office-cao-bin events --unit agriculture"
echo "browse:   printf '%s\n' 'a long password' | build/release/tools/duban/duban --db $db user password office-cao-bin"
echo "          build/release/tools/duban/duban --db $db serve --listen 127.0.0.1:8080"
echo "          then open http://127.0.0.1:8080/c/taishan-2021 (the ledger) and sign in as office-cao-bin"
