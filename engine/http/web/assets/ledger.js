// `/c/{campaign}`: the office's ledger (工作台账). Every unit's row from
// GET .../ledger, sorted by a column, filtered, refreshed every 15 s (the
// ETag answers 304 while nothing changed), printable on A4 landscape.
import { api, loadCampaign, route, frame, h, enc, showError, clearError, lightBadge, leftText, fmtInstant,
  commitmentText, LIGHTS, poll } from './common.js';

const { campaign: c } = route();
const tbody = document.querySelector('#ledger tbody');
const state = { rows: [], etag: null, sort: { key: 'default', dir: 1 }, ctx: null };
const LIGHT_ORDER = { red: 0, yellow: 1, green: 2, none: 3 };

function sortValue(r, key) {
  switch (key) {
    case 'name': return r.name;
    case 'stage': return stageIndex(r.stage);
    case 'due': return r.due || '9999';
    case 'left': return r.workdays_left ?? 1e9;
    case 'light': return LIGHT_ORDER[r.light || 'none'];
    case 'materials': return r.materials_total ? r.materials_done / r.materials_total : 1;
    case 'acknowledged_at': return r.acknowledged_at || '';
    case 'pending_request': return r.pending_request ? 0 : 1;
    default: return r[key];
  }
}

function stageIndex(id) {
  const stages = (state.ctx && state.ctx.vocab.workflow.stages) || [];
  const i = stages.findIndex((s) => s.id === id);
  return i < 0 ? 99 : i;
}

function visibleRows() {
  const text = document.getElementById('f-text').value.trim().toLowerCase();
  const stage = document.getElementById('f-stage').value;
  const light = document.getElementById('f-light').value;
  const pending = document.getElementById('f-pending').checked;
  let rows = state.rows.filter((r) =>
    (!text || r.name.toLowerCase().includes(text) || r.unit.toLowerCase().includes(text)) &&
    (!stage || r.stage === stage) &&
    (!light || (r.light || 'none') === light) &&
    (!pending || r.pending_request));
  const { key, dir } = state.sort;
  if (key !== 'default') {
    rows = rows.slice().sort((a, b) => {
      const x = sortValue(a, key);
      const y = sortValue(b, key);
      const cmp = typeof x === 'string' ? x.localeCompare(y, 'zh-CN') : x - y;
      return cmp * dir || a.name.localeCompare(b.name, 'zh-CN');
    });
  }
  return rows;
}

function render() {
  const vocab = state.ctx.vocab;
  const rows = visibleRows();
  const base = `/c/${enc(c)}`;
  const cell = (label, ...content) => h('td', { 'data-label': label }, ...content);
  tbody.replaceChildren(...rows.map((r) => h('tr', { 'data-unit': r.unit },
    h('th', { scope: 'row', 'data-label': '单位' }, h('a', { href: `${base}/units/${enc(r.unit)}` }, r.name)),
    cell('阶段', r.stage_label || vocab.stage(r.stage)),
    cell('截止日期', r.due || '—'),
    h('td', { 'data-label': '剩余／超期', class: r.workdays_left < 0 ? 'overdue' : null }, leftText(r)),
    cell('状态', lightBadge(r.light || 'none')),
    h('td', { 'data-label': '督办级别', class: 'num' }, r.escalation_level ? `${r.escalation_level} 级` : '—'),
    h('td', { 'data-label': '材料', class: 'num' }, `${r.materials_done}/${r.materials_total}`),
    h('td', { 'data-label': '纸质份数', class: 'num' }, `${r.paper_copies}/${r.paper_copies_required}`),
    cell('签收', r.acknowledged_at ? `已签收 ${fmtInstant(r.acknowledged_at, state.ctx.timeZone).slice(5, 10)}` : '未签收'),
    cell('承诺书', commitmentText(r)),
    cell('待审批', r.pending_request ? h('a', { href: `${base}/queue#${enc(r.pending_request)}` }, '有待审批') : '—'))));
  if (!rows.length) tbody.replaceChildren(h('tr', {}, h('td', { colspan: 11 }, '没有符合条件的单位。')));
  const count = (l) => state.rows.filter((r) => (r.light || 'none') === l).length;
  document.getElementById('summary').textContent =
    `共 ${state.rows.length} 个单位，显示 ${rows.length} 个；` +
    ['red', 'yellow', 'green'].map((l) => `${LIGHTS[l][0]}（${LIGHTS[l][1]}）${count(l)} 个`).join('，');
}

async function refresh() {
  try {
    const headers = state.etag ? { 'If-None-Match': state.etag } : {};
    const answer = await api('GET', `/campaigns/${enc(c)}/ledger`, undefined, { headers });
    const time = new Date().toLocaleTimeString('zh-CN', { hour12: false });
    document.getElementById('updated').textContent = `（${time} 已更新）`;
    if (answer.notModified) return;
    state.etag = answer._etag;
    state.rows = answer.rows || [];
    for (const r of state.rows) state.ctx.vocab.learnStage(r.stage, r.stage_label);
    fillStages();
    clearError();
    render();
  } catch (e) {
    showError(e);
  }
}

function fillStages() {
  const select = document.getElementById('f-stage');
  const have = new Set([...select.options].map((o) => o.value));
  const stages = state.ctx.vocab.workflow.stages.length ? state.ctx.vocab.workflow.stages.map((s) => s.id)
    : [...new Set(state.rows.map((r) => r.stage))];
  for (const id of stages) if (!have.has(id)) select.append(h('option', { value: id }, state.ctx.vocab.stage(id)));
}

function bindSorting() {
  for (const th of document.querySelectorAll('#ledger thead th')) {
    th.querySelector('button').addEventListener('click', () => {
      const key = th.dataset.key;
      state.sort = { key, dir: state.sort.key === key ? -state.sort.dir : 1 };
      for (const other of document.querySelectorAll('#ledger thead th')) other.setAttribute('aria-sort', 'none');
      th.setAttribute('aria-sort', state.sort.dir > 0 ? 'ascending' : 'descending');
      render();
    });
  }
}

async function main() {
  try {
    state.ctx = await loadCampaign(c);
  } catch (e) {
    showError(e);
    return;
  }
  frame(state.ctx, 'ledger');
  document.title = `工作台账 · ${state.ctx.campaign.name}`;
  document.getElementById('campaign-name').textContent = state.ctx.campaign.name;
  document.getElementById('print-caption').textContent =
    `${state.ctx.campaign.name} 工作台账（打印于 ${new Date().toLocaleString('zh-CN', { hour12: false })}）`;
  bindSorting();
  for (const id of ['f-text', 'f-stage', 'f-light', 'f-pending']) {
    document.getElementById(id).addEventListener('input', render);
    document.getElementById(id).addEventListener('change', render);
  }
  document.getElementById('filters').addEventListener('submit', (e) => e.preventDefault());
  document.getElementById('refresh').addEventListener('click', refresh);
  document.getElementById('print').addEventListener('click', () => window.print());
  await refresh();
  // ?refresh=SECONDS (at least 2) for a wall display; every 15 s otherwise.
  const every = Number(new URLSearchParams(location.search).get('refresh'));
  poll(refresh, Number.isFinite(every) && every >= 2 ? every * 1000 : 15000);
}

main();
