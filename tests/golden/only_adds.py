#!/usr/bin/env python3
# Usage: duban --db T.db --as office-cao-bin --format json events > new.json
#        python3 tests/golden/only_adds.py new.json OLD-replay-2021-events.jsonl
#
# Checks that the new replay record only adds the assessment's events: with
# them (and the notices about them) taken out, the other events are the old
# golden's in order; notice deliveries (notice.sent) are the same deliveries,
# some delivered earlier because new steps dispatch the outbox sooner.
import json, sys
from collections import Counter
ev=json.load(open(sys.argv[1]))
old=[json.loads(l) for l in open(sys.argv[2])]
added=set(e['seq'] for e in ev if e['type'].startswith('assessment.') or (e['type'].startswith('transition.') and e['payload'].get('kind')=='assessment'))
ns=lambda p: int(p['notice'].split('/')[1])
kept=[e for e in ev if e['seq'] not in added and not (e['type'] in ('notice.sent','notice.failed') and ns(e['payload']) in added)]
def norm(r, drop_at=False):
    r=json.loads(json.dumps(r))
    if r[0]=='campaign.created':
        for d in ('workflow','roster'): r[4][d].pop('sha256',None); r[4][d].pop('source',None)
    if r[0] in ('notice.sent','notice.failed'):
        r[4].pop('notice',None)
        if drop_at: r[3]=None
    return r
k=[norm([e['type'],e['unit'],e['actor'],e['at'],e['payload']]) for e in kept]
o=[norm(r) for r in old]
kn=[r for r in k if r[0] not in ('notice.sent','notice.failed')]
on=[r for r in o if r[0] not in ('notice.sent','notice.failed')]
print('old', len(old), 'new', len(ev), 'added', len(added), 'their notices', len(ev)-len(added)-len(kept))
print('other events in the same order:', kn==on)
kd=Counter(json.dumps(norm(r,True),sort_keys=True) for r in k if r[0] in ('notice.sent','notice.failed'))
od=Counter(json.dumps(norm(r,True),sort_keys=True) for r in o if r[0] in ('notice.sent','notice.failed'))
print('same deliveries:', kd==od)
moved=sum(1 for a,b in zip(k,o) if a!=b)
print('deliveries at another time:', sum(1 for r in k if r[0]=='notice.sent') - sum((Counter(json.dumps(r) for r in k if r[0]=='notice.sent') & Counter(json.dumps(r) for r in o if r[0]=='notice.sent')).values()))
sys.exit(0 if kn==on and kd==od else 1)
