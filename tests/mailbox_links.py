#!/usr/bin/env python3
# Usage: mailbox_links.py DUBAN DB MAILDIR PUBLIC_URL
#
# Every link in the replay's mails resolves to a page: each distinct link of
# the text parts under PUBLIC_URL (the config's [serve] public_url) is opened
# on a real `duban serve --listen` over a copy of DB (the copy: serve's own
# tick and dispatcher must not touch the record the other checks read),
# signed in as the office (who may see every unit). The pages are static
# shells whose scripts read the JSON API (engine/http/pages.h), so a link
# resolves when its shell answers 200 with HTML and the API read behind it
# answers 200 for that campaign and unit: the ledger, the queue's requests,
# the unit. A link that is not a known page, or not under PUBLIC_URL, fails:
# a mail points at the office's own server only.
# Prints "links N pages M" and each failure as "FAIL ..."; exits 1 on any.
import email
import http.client
import json
import os
import re
import sqlite3
import subprocess
import sys
import tempfile
import urllib.parse
from email import policy

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "support"))
from duban_serve import DubanServe  # noqa: E402

duban, db, maildir, public_url = sys.argv[1:5]
PERSON, PASSWORD = "office-cao-bin", "a long password for the link check"
failures = []


def fail(what):
    failures.append(what)
    print("FAIL", what)


links = {}
box = os.path.join(maildir, "new")
for name in sorted(os.listdir(box)):
    with open(os.path.join(box, name), "rb") as f:
        msg = email.message_from_binary_file(f, policy=policy.default)
    text = msg.get_body(("plain",)).get_content()
    for url in re.findall(r"https?://[^\s）)」，。；、]+", text):
        links.setdefault(url, name)

with tempfile.TemporaryDirectory(prefix="duban-links-") as work:
    copy = os.path.join(work, "t.db")
    src = sqlite3.connect(db)
    dst = sqlite3.connect(copy)
    src.backup(dst)
    dst.close()
    src.close()
    r = subprocess.run([duban, "--db", copy, "user", "password", PERSON], input=PASSWORD + "\n",
                       capture_output=True, text=True, timeout=60)
    if r.returncode != 0:
        sys.exit(f"duban user password exited {r.returncode}: {r.stderr}")
    with DubanServe(duban, copy, os.path.join(work, "serve.log"), seconds=300) as server:
        conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=60)
        conn.request("POST", "/api/v1/session", json.dumps({"person": PERSON, "password": PASSWORD}),
                     {"Content-Type": "application/json"})
        res = conn.getresponse()
        body = res.read()
        if res.status not in (200, 201):
            sys.exit(f"sign-in answered {res.status}: {body[:300]!r}")
        cookie = None
        for header, value in res.getheaders():
            if header.lower() == "set-cookie" and value.startswith("duban_session="):
                cookie = value.split(";", 1)[0]
        if cookie is None:
            sys.exit("sign-in set no duban_session cookie")
        pages = {}
        for url, mail in links.items():
            if not url.startswith(public_url.rstrip("/") + "/"):
                fail(f"{mail}: {url} is not under {public_url}")
                continue
            target = urllib.parse.urlsplit(url)
            path = target.path + ("?" + target.query if target.query else "")
            if path in pages:
                continue
            conn.request("GET", path, headers={"Cookie": cookie, "Accept": "text/html"})
            res = conn.getresponse()
            page = res.read().decode("utf-8", "replace")
            pages[path] = res.status
            if res.status != 200:
                fail(f"{mail}: {path} answered {res.status}")
            elif "<html" not in page.lower():
                fail(f"{mail}: {path} is not an HTML page")
            m = re.fullmatch(r"/c/([a-z0-9-]+)(?:/(queue)|/units/([a-z0-9-]+))?/?", target.path)
            if not m:
                fail(f"{mail}: {path} is not a page of a campaign")
                continue
            campaign, queue, unit = m.groups()
            api = f"/api/v1/campaigns/{campaign}/" + ("requests" if queue else f"units/{unit}" if unit else "ledger")
            conn.request("GET", api, headers={"Cookie": cookie, "Accept": "application/json"})
            res = conn.getresponse()
            data = res.read()
            if res.status != 200:
                fail(f"{mail}: {path} reads {api}, which answered {res.status}: {data[:200]!r}")
            elif not queue and (json.loads(data).get("campaign") != campaign or
                                (unit and json.loads(data)["unit"].get("unit") != unit)):
                fail(f"{mail}: {api} is not campaign {campaign}'s {unit or 'ledger'}: {data[:200]!r}")
        print(f"links {len(links)} pages {len(pages)}")
sys.exit(1 if failures else 0)
