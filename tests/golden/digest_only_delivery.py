#!/usr/bin/env python3
# Usage: duban --db T.db --as office-cao-bin --format json events > new.json
#        python3 tests/golden/digest_only_delivery.py new.json OLD-replay-2021-events.jsonl
#
# Checks that the daily digest (督办日报) changed only deliveries: with the
# digest.assembled events and every notice.sent / notice.failed taken out, the
# new record is the old one in order; and the deliveries differ only in whom
# the held notices reached (the digest readers no longer, the others as before)
# and in the digests' own deliveries.
import json, sys
from collections import Counter
ev = json.load(open(sys.argv[1]))
def row(e):
    r = [e['type'], e['unit'], e['actor'], e['at'], e['payload']] if isinstance(e, dict) else e
    if r[0] == 'campaign.created':
        for d in ('workflow', 'roster'):
            r[4][d].pop('sha256', None); r[4][d].pop('source', None)
    return r
new = [row(e) for e in ev]
old = [row(json.loads(l)) for l in open(sys.argv[2])]
delivery = ('notice.sent', 'notice.failed', 'digest.assembled')
# Payloads naming other events by seq (the assessment's) name them by their
# place among the events that are not deliveries, which fewer deliveries move.
def renumbered(rows):
    place, n = {}, 0
    for seq, r in enumerate(rows, 1):
        if r[0] not in delivery:
            n += 1
            place[seq] = n
    out = []
    for r in rows:
        if r[0] in delivery:
            continue
        r = json.loads(json.dumps(r))
        p = r[4]
        for k in ('prior_event', 'evaluation_event'):
            if k in p:
                p[k] = place[p[k]]
        for d in p.get('deductions', []):
            d['events'] = [place[x] for x in d.get('events', [])]
        out.append(r)
    return out
kn = renumbered(new)
on = renumbered(old)
print('old', len(old), 'new', len(new), 'digests', sum(1 for r in new if r[0] == 'digest.assembled'))
print('other events in the same order:', kn == on)
digest_readers = {r[4]['person'] for r in new if r[0] == 'digest.assembled'}
def sent(rows, drop):
    place, n = {}, 0
    for seq, r in enumerate(rows, 1):
        if r[0] not in delivery:
            n += 1
            place[seq] = n
    c = Counter()
    for r in rows:
        if r[0] != 'notice.sent' or r[4]['event'] == 'digest.assembled':
            continue
        for p in r[4]['recipients']:
            if p['person'] not in drop:
                c[(place[int(r[4]['notice'].split('/')[1])], p['person'])] += 1
    return c
same = sent(new, digest_readers) == sent(old, digest_readers)
print('deliveries to everyone else the same:', same)
sys.exit(0 if kn == on and same else 1)
