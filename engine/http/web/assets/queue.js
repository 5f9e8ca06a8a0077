// `/c/{campaign}/queue`: the supervisors' approval queue. What is asked, by
// whom and when, the unit's page one click away; approve or reject with a
// note. A requester sees their own request but is not offered its decision
// (the server refuses it anyway).
import { requestText } from './events.js';
import { api, loadCampaign, route, frame, h, enc, showError, clearError, fmtInstant, REQUEST_STATES, may, holds,
  currentPerson, busy, commandKey, poll } from './common.js';

const { campaign: c } = route();
let ctx;
const names = new Map();  // unit id -> name


// The requests' own events (what an extension asks), by unit, read once a load.
const asked = new Map();
async function requestEvents(unit) {
  if (!asked.has(unit)) {
    asked.set(unit, api('GET', `/campaigns/${enc(c)}/units/${enc(unit)}/events?type=transition.requested&limit=1000`)
      .then((page) => page.events || []).catch(() => []));
  }
  return asked.get(unit);
}

function approvers(q, events) {
  const e = events.find((x) => x.payload.request === q.id);
  if (e && Array.isArray(e.payload.approvers)) return e.payload.approvers;
  const t = (ctx.vocab.workflow.transitions || []).find((x) => x.trigger === q.trigger);
  return t && t.approvers ? t.approvers : null;
}

function decision(q, events) {
  const me = currentPerson(ctx.self);
  if (q.status !== 'pending') {
    return h('p', {}, `${REQUEST_STATES[q.status] || q.status}：${q.decided_by} 于 ${fmtInstant(q.decided_at, ctx.timeZone)}`,
      q.decision_note ? `，意见：${q.decision_note}` : '');
  }
  if (q.requested_by === me) return h('p', { class: 'notice' }, '这是您本人提出的申请，须由其他审批人审批。');
  const roles = approvers(q, events);
  if (!may(ctx.self, 'approve', q.unit) || (roles && !holds(ctx.self, roles, q.unit))) {
    return h('p', { class: 'meta' }, `等待${roles ? roles.map((r) => ctx.vocab.role(r)).join('、') : '审批人'}审批。`);
  }
  const id = `note-${q.id.replace(/[^A-Za-z0-9_-]/g, '_')}`;
  const form = h('form', { 'aria-label': `审批 ${q.id}` },
    h('label', { for: id }, '审批意见（驳回时必填）'), h('textarea', { id, name: 'note', rows: 2 }),
    h('div', { class: 'actions' },
      h('button', { type: 'submit', class: 'primary', value: 'approve' }, '批准'),
      h('button', { type: 'submit', class: 'danger', value: 'reject' }, '驳回')));
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const verb = ev.submitter && ev.submitter.value === 'reject' ? 'reject' : 'approve';
    const note = form.note.value.trim();
    if (verb === 'reject' && !note) { showError(new Error('驳回须写明理由。')); form.note.focus(); return; }
    const ok = await busy(form, () => api('POST', `/campaigns/${enc(c)}/requests/${enc(q.id)}/${verb}`, { note },
      { headers: { 'Idempotency-Key': commandKey() } }), verb === 'approve' ? `已批准 ${q.id}。` : `已驳回 ${q.id}。`);
    if (ok) await load();
  });
  return form;
}

async function load() {
  const status = document.getElementById('q-status').value;
  const answer = await api('GET', `/campaigns/${enc(c)}/requests?status=${status}&limit=1000`);
  const list = answer.requests || [];
  asked.clear();
  const events = new Map(await Promise.all([...new Set(list.map((q) => q.unit))].map(async (unit) => [unit, await requestEvents(unit)])));
  const ul = document.getElementById('queue');
  ul.replaceChildren(...list.map((q) => h('li', { id: q.id, 'data-request': q.id },
    h('h2', {}, `${names.get(q.unit) || q.unit}：${requestText(q, ctx.vocab, events.get(q.unit))}`),
    h('p', {}, `${q.requested_by} 于 ${fmtInstant(q.requested_at, ctx.timeZone)} 提出`, q.note ? `，说明：${q.note}` : '',
      ' · ', h('a', { href: `/c/${enc(c)}/units/${enc(q.unit)}` }, '查看本单位材料与办理记录')),
    decision(q, events.get(q.unit)))));
  if (!list.length) ul.replaceChildren(h('li', {}, status === 'pending' ? '目前没有待审批的申请。' : '没有申请。'));
  const pending = list.filter((q) => q.status === 'pending').length;
  document.getElementById('summary').textContent = `待审批 ${pending} 件${status === 'all' ? `，共 ${list.length} 件` : ''}。`;
  clearError();
  if (location.hash) {
    const target = document.getElementById(decodeURIComponent(location.hash.slice(1)));
    if (target) target.scrollIntoView();
  }
}

async function main() {
  try {
    ctx = await loadCampaign(c);
    frame(ctx, 'queue');
    document.getElementById('campaign-name').textContent = ctx.campaign.name;
    const ledger = await api('GET', `/campaigns/${enc(c)}/ledger`).catch(() => ({ rows: [] }));
    for (const r of ledger.rows || []) names.set(r.unit, r.name);
    document.getElementById('q-status').addEventListener('change', () => load().catch(showError));
    document.getElementById('refresh').addEventListener('click', () => load().catch(showError));
    await load();
  } catch (e) {
    showError(e);
    return;
  }
  // New requests arrive; never reload under someone writing a note.
  poll(() => {
    if (document.activeElement && document.activeElement.closest('form')) return;
    load().catch(() => {});
  }, 20000);
}

main();
