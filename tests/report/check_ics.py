#!/usr/bin/env python3
"""Parses an iCalendar feed `duban report ics` wrote with python3-icalendar
and checks it: CRLF line ends and lines of at most 75 octets, VCALENDAR
with VERSION and PRODID, a VTIMEZONE for every TZID used, and each VEVENT
with a unique UID, DTSTAMP, DTSTART, a SUMMARY naming `--name`, and at
least one VALARM with ACTION and TRIGGER.

Usage: check_ics.py FEED.ics --name 区农业农村局 [--min N] [--same-uids OTHER.ics]
   [--summary-has TEXT]... [--no-summary-has TEXT]...
   [--serve DUBAN DB TOKEN QUERY [--forbidden QUERY]]
With --serve, FEED.ics is first fetched from a real `duban serve --listen`
on a free loopback port: GET /api/v1/campaigns/taishan-2021/deadlines.ics?QUERY
with the bearer TOKEN must answer 200 text/calendar; without a token 401;
with --forbidden QUERY (a unit the token's person may not see) 403.
Prints one line per event (UID, start, summary). Exit 0 when every check holds.
"""
import argparse
import os
import sys
import urllib.error
import urllib.request

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "support"))
from duban_serve import DubanServe  # noqa: E402

from icalendar import Calendar


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("feed")
    ap.add_argument("--name", required=True)
    ap.add_argument("--min", type=int, default=1)
    ap.add_argument("--same-uids")
    ap.add_argument("--summary-has", action="append", default=[])
    ap.add_argument("--no-summary-has", action="append", default=[])
    ap.add_argument("--serve", nargs=4, metavar=("DUBAN", "DB", "TOKEN", "QUERY"))
    ap.add_argument("--forbidden")
    a = ap.parse_args()
    failures = []

    def check(cond, what):
        if not cond:
            failures.append(what)

    if a.serve:
        serve(a, check)
    raw = open(a.feed, "rb").read()

    check(raw.endswith(b"\r\n"), "does not end with CRLF")
    lines = raw.split(b"\r\n")[:-1]
    for i, line in enumerate(lines, 1):
        check(b"\n" not in line and b"\r" not in line, f"line {i}: a bare LF or CR")
        check(len(line) <= 75, f"line {i}: {len(line)} octets")
        try:
            line.decode("utf-8")
        except UnicodeDecodeError:
            failures.append(f"line {i}: folded inside a UTF-8 character")
    cal = Calendar.from_ical(raw)
    check(cal.name == "VCALENDAR", f"top component {cal.name}")
    check(str(cal.get("VERSION")) == "2.0", "VERSION is not 2.0")
    check(cal.get("PRODID") is not None, "no PRODID")
    zones = {str(z["TZID"]) for z in cal.walk("VTIMEZONE")}
    uids = []
    summaries = []
    for ev in cal.walk("VEVENT"):
        uid = str(ev.get("UID", ""))
        uids.append(uid)
        summary = str(ev.get("SUMMARY", ""))
        summaries.append(summary)
        check(uid.endswith("@duban"), f"UID {uid!r}")
        check(ev.get("DTSTAMP") is not None, f"{uid}: no DTSTAMP")
        start = ev.get("DTSTART")
        check(start is not None, f"{uid}: no DTSTART")
        if start is not None and "TZID" in start.params:
            check(start.params["TZID"] in zones, f"{uid}: TZID {start.params['TZID']} without its VTIMEZONE")
        check(a.name in summary or a.name in str(ev.get("DESCRIPTION", "")), f"{uid}: {summary!r} does not name {a.name}")
        alarms = ev.walk("VALARM")
        check(len(alarms) >= 1, f"{uid}: no VALARM")
        for al in alarms:
            check(al.get("ACTION") is not None and al.get("TRIGGER") is not None, f"{uid}: an alarm without ACTION/TRIGGER")
        print(uid, start.dt if start is not None else "-", summary)
    check(len(uids) == len(set(uids)), "UIDs repeat")
    check(len(uids) >= a.min, f"{len(uids)} events, fewer than {a.min}")
    for text in a.summary_has:
        check(any(text in s for s in summaries), f"no event's summary has {text!r}")
    for text in a.no_summary_has:
        check(not any(text in s for s in summaries), f"an event's summary has {text!r}")
    if a.same_uids:
        other = Calendar.from_ical(open(a.same_uids, "rb").read())
        theirs = sorted(str(e["UID"]) for e in other.walk("VEVENT"))
        check(sorted(uids) == theirs, f"UIDs differ from {a.same_uids}")
    for f in failures:
        print("FAIL:", f)
    print(f"{len(uids)} events: " + ("ok" if not failures else f"{len(failures)} failures"))
    return 1 if failures else 0


def get(url, token):
    req = urllib.request.Request(url, headers={"Authorization": "Bearer " + token} if token else {})
    try:
        with urllib.request.urlopen(req, timeout=20) as r:
            return r.status, r.headers.get("Content-Type", ""), r.read()
    except urllib.error.HTTPError as e:
        return e.code, e.headers.get("Content-Type", ""), e.read()


def serve(a, check):
    duban, db, token, query = a.serve
    with DubanServe(duban, db, a.feed + ".serve.log", seconds=60) as server:
        base = f"{server.base}/api/v1/campaigns/taishan-2021/deadlines.ics"
        status, ctype, body = get(base + "?" + query, token)
        check(status == 200, f"GET ?{query}: {status} {body[:300]!r}")
        check(ctype == "text/calendar; charset=utf-8", f"GET ?{query}: Content-Type {ctype!r}")
        with open(a.feed, "wb") as f:
            f.write(body)
        status, _, _ = get(base + "?" + query, "")
        check(status == 401, f"GET without a token: {status}, not 401")
        status, _, _ = get(base, token)
        check(status == 400, f"GET with neither unit nor person: {status}, not 400")
        if a.forbidden:
            status, _, body = get(base + "?" + a.forbidden, token)
            check(status == 403, f"GET ?{a.forbidden}: {status}, not 403: {body[:300]!r}")


if __name__ == "__main__":
    sys.exit(main())
