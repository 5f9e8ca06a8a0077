#!/usr/bin/env python3
# The 2021 replay's mailbox, checked end to end (issue 13, item 7).
#
# Usage: mailbox_check.py MAILDIR NOTICES.json [--count-only] [--public-url URL]
#   MAILDIR       the e-mail plugin's maildir (DB.data/maildir)
#   NOTICES.json  `duban --as office-cao-bin --format json notices list`
#
# Prints the number of mails per role (each mail counted once for every role
# a recipient on its To: line hears of it in) and the busiest person's count,
# and per role the mails it would have had without the daily digest (each
# digest counted as the held notices it lists: one mail each, at once);
# without --count-only also checks, for every mail:
#   - it parses with Python's email package (policy=default) without defects,
#     and each display name of To: is one word as the strict parser reads it;
#   - no raw event id ("material.added") in the subject, no empty field
#     ("于，", "（）", "“”", "超期0个工作日", "第0级");
#   - the text and the HTML part say the same (the HTML's text, line by line);
#   - the link to the unit's page, the office's telephone and the due date;
#   - In-Reply-To / References name the root of the unit's stage thread;
#   - recipients as the ownership rules say: no liaison or coordinator hears of
#     a deadline of a stage the office owns (待部署, 已报送, 审核中, 已考核 ...);
#   - the digest (督办日报): its numbered items are the held notices its
#     event lists, each held notice in one digest only.
# Exit status 0 when every check passes, 1 with the first failures listed.
import email
import email.policy
import html
import json
import os
import re
import sys
from collections import Counter, defaultdict

args = [a for a in sys.argv[1:] if not a.startswith('--')]
count_only = '--count-only' in sys.argv
maildir, notices_file = args[0], args[1]
notices = {n['id']: n for n in json.load(open(notices_file))}

RAW_ID = re.compile(r'\b[a-z]+\.[a-z_]+\b')
EMPTY = [re.compile(p) for p in (r'于，', r'（）', r'“”', r'超期0个工作日', r'第0级', r'应于完成', r'→\s*$')]

failures = []
def fail(name, why):
    if len(failures) < 400:
        failures.append(f'{name}: {why}')

per_role = Counter()
per_role_without_digest = Counter()
per_person = Counter()
digest_seen = Counter()  # (person, held seq) -> digests listing it
mails = []
for sub in ('new', 'cur'):
    d = os.path.join(maildir, sub)
    if not os.path.isdir(d):
        continue
    for f in sorted(os.listdir(d)):
        mails.append(os.path.join(d, f))

threads = {}
digest_items = 0
digest_mails = 0
for path in mails:
    name = os.path.basename(path)
    raw = open(path, 'rb').read()
    msg = email.message_from_bytes(raw, policy=email.policy.default)
    nid = msg['X-Duban-Notice']
    n = notices.get(str(nid)) if nid else None
    to = msg['To']
    addrs = [a.addr_spec for a in to.addresses] if to is not None else []
    is_digest = n is not None and n['event']['type'] == 'digest.assembled'
    held_items = []
    if n is not None:
        roles_by_mail = defaultdict(set)
        for r in n['recipients']:
            roles_by_mail[r['email']].add(r['role'])
        for a in addrs:
            for role in roles_by_mail.get(a, ()):
                per_role[role] += 1
                if not is_digest:
                    per_role_without_digest[role] += 1
            per_person[a] += 1
        if is_digest:
            for unit in n['display']['digest']['arrived']:
                for item in unit['items']:
                    held_items.append(item)
                    per_role_without_digest[item['role']] += 1
            for seq in n['event']['payload']['items']:
                digest_seen[(n['event']['payload']['person'], seq)] += 1
    if count_only:
        continue

    # Parses without defects, every part too.
    for part in msg.walk():
        if part.defects:
            fail(name, f'defects {part.defects}')
    for h in ('Subject', 'To', 'From', 'Date', 'Message-ID'):
        if msg[h] is None:
            fail(name, f'no {h}')
        elif msg[h].defects:
            fail(name, f'{h} defects {msg[h].defects}')
    if to is not None:
        for a in to.addresses:
            if ' ' in a.display_name.strip() and len(a.display_name.replace(' ', '').encode()) <= 47:
                fail(name, f'display name split: {a.display_name!r}')
    subject = str(msg['Subject'] or '')
    if RAW_ID.search(subject):
        fail(name, f'raw id in subject {subject!r}')
    text_part = msg.get_body(('plain',))
    html_part = msg.get_body(('html',))
    text = text_part.get_content() if text_part is not None else ''
    if not text.strip():
        fail(name, 'empty text')
    for p in EMPTY:
        for where, s in (('subject', subject), ('text', text)):
            for line in s.splitlines():
                if p.search(line):
                    fail(name, f'empty field {p.pattern!r} in {where}: {line!r}')
    if html_part is not None:
        h = html_part.get_content()
        body = re.sub(r'(?s)<head>.*?</head>', '', h)
        body = re.sub(r'<br\s*/?>|</p>|</li>|</tr>', '\n', body)
        body = html.unescape(re.sub(r'<[^>]+>', '', body)).replace('\xa0', ' ')
        norm = lambda s: [l.strip() for l in s.splitlines() if l.strip()]
        if norm(body) != norm(text):
            fail(name, 'text and HTML differ')
    if n is None:
        fail(name, f'no notice {nid}')
        continue
    if is_digest:
        digest_mails += 1
        numbered = re.findall(r'^\s*\d+\. ', text, re.M)
        digest_items += len(numbered)
        if len(numbered) != len(n['event']['payload']['items']) or len(held_items) != len(numbered):
            fail(name, f'digest lists {len(numbered)} items, its event {len(n["event"]["payload"]["items"])}')
        if '/c/' + n['campaign']['id'] not in text:
            fail(name, 'digest without the link to the ledger')
        continue
    unit = n['event'].get('unit', '')
    if unit:
        if f'/c/{n["campaign"]["id"]}/units/{unit}' not in text:
            fail(name, 'no link to the unit page')
        if '电话' not in text:
            fail(name, "no office telephone")
    # Ownership: a deadline of a stage the office owns never reaches the unit.
    etype = n['event']['type']
    stage = n['event']['payload'].get('stage', '')
    owners = n.get('display', {}).get('owners', [])
    if etype in ('deadline.approaching', 'deadline.missed', 'escalation.raised') and stage:
        if not owners:
            fail(name, f'{etype} of {stage} without stage owners')
        heard = {r['role'] for r in n['recipients'] if r['email'] in addrs}
        unit_roles = {'liaison', 'coordinator', 'principal_leader', 'member'}
        if 'office_staff' in owners and heard & unit_roles:
            fail(name, f'{etype} of office stage {stage} to {heard & unit_roles}')
        if etype != 'escalation.raised' and not heard <= set(owners):
            fail(name, f'{etype} of {stage} to non-owners {heard - set(owners)}')
    # Threads: a unit's mails about one stage answer one root.
    key = msg['X-Duban-Thread']
    if key:
        root = f'<thread.{key}@duban.invalid>'
        if str(msg['In-Reply-To'] or '') != root or root not in str(msg['References'] or ''):
            fail(name, f'thread {key}: In-Reply-To/References do not name {root}')
        threads.setdefault(str(key), 0)
        threads[str(key)] += 1
    elif unit:
        fail(name, 'no X-Duban-Thread')

for key, c in digest_seen.items():
    if c != 1:
        fail('digests', f'held notice {key[1]} of {key[0]} listed in {c} digests')
print('mails', len(mails))
for role, c in sorted(per_role.items()):
    print(f'role {role} {c} without-digest {per_role_without_digest[role]}')
if per_person:
    p, c = per_person.most_common(1)[0]
    print(f'busiest {p} {c}')
if not count_only:
    print('digest mails', digest_mails, 'items', digest_items)
    print('threads', len(threads), 'with several mails', sum(1 for c in threads.values() if c > 1))
for f in failures:
    print('FAIL', f)
sys.exit(1 if failures else 0)
