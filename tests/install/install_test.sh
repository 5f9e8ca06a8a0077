#!/usr/bin/env bash
# Installs duban into a staging prefix, moves the tree elsewhere, hides the
# source and build trees (a private mount namespace with an empty tmpfs over
# them), and runs a whole campaign from the installed tree only: init, the
# 2021 replay with its notices, verify, doctor. Then: a mistyped --db changes
# nothing on disk, and backups taken while a replay runs restore to
# databases that verify.
#   install_test.sh BUILD_DIR SOURCE_DIR
set -euo pipefail
build=$(realpath "$1")
src=$(realpath "$2")
work=$(mktemp -d /tmp/duban-install-test.XXXXXX)
trap 'rm -rf "$work"' EXIT

fail() { echo "install_test: FAIL: $*" >&2; exit 1; }

cmake --install "$build" --prefix "$work/stage" >/dev/null
mv "$work/stage" "$work/moved"
prefix=$work/moved
for f in bin/duban lib/duban/plugins/libemail.so lib/duban/plugins/libwebhook.so lib/duban/plugins/liblog.so \
         lib/duban/plugins/libdingtalk.so lib/duban/plugins/libwecom.so \
         share/duban/workflows/annual-cycle.toml share/duban/workflows/calendars share/duban/workflows/templates \
         share/duban/workflows/taishan-2021/replay-2021.txt share/duban/duban.example.toml \
         share/man/man1/duban.1.gz share/bash-completion/completions/duban etc/duban/duban.toml \
         lib/systemd/system/duban.service share/duban/web/ledger.html share/duban/web/assets/common.js; do
  [ -e "$prefix/$f" ] || fail "the installed tree lacks $f"
done

# The rest runs with the source and build trees out of sight.
hide=("$src")
case "$build/" in "$src/"*) ;; *) hide+=("$build") ;; esac
if ! unshare -m true 2>/dev/null; then
  echo "install_test: cannot make a mount namespace here (unshare -m); the trees stay visible" >&2
  exit 77
fi

mkdir -p "$work/run"
cat >"$work/inside.sh" <<'INSIDE'
set -euo pipefail
prefix=$1; shift
for d in "$@"; do mount -t tmpfs none "$d"; done
for d in "$@"; do [ -z "$(ls -A "$d")" ] || { echo "FAIL: $d still visible" >&2; exit 1; }; done
cd "$(dirname "$prefix")/run"
unset DUBAN_SHARE DUBAN_DB DUBAN_CONFIG DUBAN_AS
duban=$prefix/bin/duban
fail() { echo "install_test: FAIL: $*" >&2; exit 1; }

"$duban" --version | grep -qF "installed under $prefix" || fail "--version: $("$duban" --version)"
"$duban" --db t.db init >/dev/null || fail "init"
"$duban" --db t.db replay "$prefix/share/duban/workflows/taishan-2021/replay-2021.txt" >replay.out 2>&1 ||
  { tail -20 replay.out; fail "the 2021 replay from the installed tree"; }
mails=$(ls t.db.data/maildir/new | wc -l)
[ "$mails" -gt 100 ] || fail "only $mails e-mails in the maildir"
"$duban" --db t.db --as office-cao-bin verify >/dev/null || fail "verify"
"$duban" --db t.db doctor >doctor.out || { cat doctor.out; fail "doctor"; }
grep -q "plugin email: loaded from $prefix/lib/duban/plugins" doctor.out || { cat doctor.out; fail "doctor's plugins"; }
echo "replayed from the installed tree: $mails e-mails, chain verified, doctor passed"

# A mistyped --db is refused with exit 2, naming it, and writes nothing.
before=$(find . | sort)
set +e
"$duban" --db t-typo.db --as office-cao-bin status 2>typo.err
rc=$?
set -e
[ "$rc" -eq 2 ] || fail "a mistyped --db exits $rc, not 2"
grep -q "t-typo.db does not exist" typo.err || fail "the refusal does not name the file: $(cat typo.err)"
after=$(find . | sort | grep -v '^./typo.err$')
[ "$before" = "$after" ] || fail "a mistyped --db changed the folder: $(diff <(echo "$before") <(echo "$after"))"

# Backups while a replay writes.
"$duban" --db live.db init >/dev/null
"$duban" --db live.db replay "$prefix/share/duban/workflows/taishan-2021/replay-2021.txt" >live.out 2>&1 &
replay=$!
n=0
while kill -0 "$replay" 2>/dev/null; do
  n=$((n + 1))
  "$duban" --db live.db backup "bk-$n" >/dev/null 2>bk.err || { grep -q "does not exist" bk.err || { cat bk.err; fail "backup $n"; }; rm -rf "bk-$n"; }
  sleep 0.3
done
wait "$replay" || { tail live.out; fail "the live replay"; }
"$duban" --db live.db backup bk-final >/dev/null || fail "the final backup"
[ "$n" -ge 2 ] || fail "the replay ended before two backups were taken"
restored=0
for b in bk-*; do
  [ -d "$b" ] || continue
  "$duban" --db "r-$b.db" restore "$b" >/dev/null || fail "restore $b"
  # A backup from before the campaign was created holds none to verify.
  if ! "$duban" --db "r-$b.db" --as office-cao-bin verify >/dev/null 2>v.err; then
    grep -q "no campaign yet" v.err || { cat v.err; fail "the database restored from $b does not verify"; }
  fi
  restored=$((restored + 1))
done
final=$("$duban" --db r-bk-final.db --as office-cao-bin --format json events | grep -c '"seq"' || true)
live=$("$duban" --db live.db --as office-cao-bin --format json events | grep -c '"seq"' || true)
[ "$final" = "$live" ] || fail "the last backup holds $final events, the database $live"
echo "$restored backups taken during a replay restored and verified"

# The bash completion completes verbs and options from the installed binary.
comp=$(PATH="$prefix/bin:$PATH" bash -c '
  _init_completion() { cur=${COMP_WORDS[COMP_CWORD]}; prev=${COMP_WORDS[COMP_CWORD-1]}; words=("${COMP_WORDS[@]}"); cword=$COMP_CWORD; }
  source "$1/share/bash-completion/completions/duban"
  COMP_WORDS=(duban mat); COMP_CWORD=1; _duban; echo "${COMPREPLY[*]}"
  COMP_WORDS=(duban material s); COMP_CWORD=2; _duban; echo "${COMPREPLY[*]}"
  COMP_WORDS=(duban --db x.db material submit --f); COMP_CWORD=5; _duban; echo "${COMPREPLY[*]}"' _ "$prefix")
[ "$comp" = "$(printf 'material\nsubmit\n--file')" ] || fail "bash completion: $comp"

# Under systemd (Type=notify): serve says READY=1 once it serves, STOPPING=1
# on SIGTERM, and exits 0.
python3 - "$duban" <<'PY' || fail "serve's readiness and stop"
import os, signal, socket, subprocess, sys
path = os.path.abspath("notify.sock")
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(path)
s.settimeout(60)
env = dict(os.environ, NOTIFY_SOCKET=path)
p = subprocess.Popen([sys.argv[1], "--db", "t.db", "serve"], env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
got = s.recv(4096).decode()
assert got.startswith("READY=1"), got
p.send_signal(signal.SIGTERM)
got = s.recv(4096).decode()
assert got.startswith("STOPPING=1"), got
out = p.communicate(timeout=60)[0].decode()
assert p.returncode == 0, (p.returncode, out)
assert "stopped" in out, out
print("serve: READY=1, then STOPPING=1 on SIGTERM, exit 0")
PY

# serve --listen answers the web pages from share/duban/web, the source tree hidden.
python3 - "$duban" <<'PY' || fail "serve's web pages from the installed tree"
import re, subprocess, sys, time, urllib.request
p = subprocess.Popen([sys.argv[1], "--db", "t.db", "serve", "--listen", "127.0.0.1:0", "--for", "30"],
                     stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
base = None
for line in p.stdout:
    m = re.search(r"web pages on (http://127\.0\.0\.1:\d+)/", line)
    if m:
        base = m.group(1)
        break
assert base, "serve never said where its pages are"
page = urllib.request.urlopen(base + "/c/taishan-2021").read().decode()
assert 'lang="zh-CN"' in page and "/assets/ledger.js" in page, page[:200]
js = urllib.request.urlopen(base + "/assets/ledger.js")
assert js.headers["Content-Type"].startswith("text/javascript"), js.headers
p.terminate()
p.wait(30)
print("serve: the web pages from " + base + ", out of share/duban/web")
PY
INSIDE
unshare -m bash "$work/inside.sh" "$prefix" "${hide[@]}"
