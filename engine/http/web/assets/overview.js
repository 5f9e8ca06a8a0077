// `/c/{campaign}/overview`: the leaders' overview. Progress by stage and by
// light (the ledger), the submissions through October against their due
// date (each unit's first submission, from its log) as an inline SVG chart,
// escalations by level, the notices delivered and failed.
import { api, loadCampaign, route, frame, h, enc, showError, fmtDate, fmtInstant, lightBadge } from './common.js';
import { eventText } from './events.js';

const { campaign: c } = route();
let ctx;

function bars(items, total) {
  return h('div', { class: 'bars' }, ...items.flatMap(([label, n, extra]) => {
    const bar = h('div', { class: 'bar', role: 'presentation' });
    bar.style.width = `${total ? Math.max(0.5, (100 * n) / total) : 0}%`;
    return [h('span', {}, label), h('div', {}, bar), h('span', { class: 'num' }, `${n} 个${extra || ''}`)];
  }));
}

// The local day (YYYY-MM-DD) of an instant in the campaign's zone.
function localDay(iso) {
  return fmtInstant(iso, ctx.timeZone).slice(0, 10);
}

async function unitEvents(unit) {
  const out = [];
  let after = 0;
  for (let i = 0; i < 10; i++) {
    const page = await api('GET', `/campaigns/${enc(c)}/units/${enc(unit)}/events?after=${after}&limit=1000`);
    out.push(...(page.events || []));
    if (page.next_after === null || page.next_after === undefined) break;
    after = page.next_after;
  }
  return out;
}

function chart(year, due, firsts, total) {
  const W = 760; const H = 300; const L = 48; const R = 16; const T = 20; const B = 44;
  const days = 31;
  const x = (d) => L + ((d - 1) / (days - 1)) * (W - L - R);
  const y = (n) => T + (1 - n / Math.max(total, 1)) * (H - T - B);
  const inOctober = firsts.filter((d) => d.startsWith(`${year}-10-`)).map((d) => Number(d.slice(8, 10))).sort((a, b) => a - b);
  const before = firsts.filter((d) => d < `${year}-10-01`).length;
  const points = [];
  let n = before;
  points.push([1, n]);
  for (let d = 1; d <= days; d++) {
    const today = inOctober.filter((k) => k === d).length;
    if (today) { points.push([d, n]); n += today; points.push([d, n]); }
  }
  points.push([days, n]);
  const grid = [];
  for (let k = 0; k <= total; k += Math.max(1, Math.ceil(total / 5))) {
    grid.push(h('line', { x1: L, x2: W - R, y1: y(k), y2: y(k), stroke: '#d5dbe3' }),
      h('text', { x: L - 8, y: y(k) + 4, 'text-anchor': 'end', 'font-size': 12, fill: '#374151' }, String(k)));
  }
  const ticks = [1, 5, 10, 15, 20, 25, 31].map((d) => h('text', { x: x(d), y: H - B + 18, 'text-anchor': 'middle', 'font-size': 12, fill: '#374151' }, `${d}日`));
  const parts = [
    h('title', { id: 'chart-svg-title' }, `${year}年10月材料报送累计单位数`),
    h('desc', { id: 'chart-svg-desc' }, `截至10月31日共 ${n} 个单位报送，共 ${total} 个单位${due ? `；截止日期 ${fmtDate(due)}` : ''}。`),
    ...grid, ...ticks,
    h('line', { x1: L, x2: W - R, y1: H - B, y2: H - B, stroke: '#374151' }),
    h('text', { x: (W + L) / 2, y: H - 6, 'text-anchor': 'middle', 'font-size': 12, fill: '#374151' }, `${year}年10月`),
    h('line', { x1: L, x2: W - R, y1: y(total), y2: y(total), stroke: '#6b7280', 'stroke-dasharray': '2 4' }),
    h('polyline', { points: points.map(([d, k]) => `${x(d)},${y(k)}`).join(' '), fill: 'none', stroke: '#1a4fa0', 'stroke-width': 3 }),
  ];
  if (due && due.startsWith(`${year}-10-`)) {
    const dx = x(Number(due.slice(8, 10)));
    parts.push(h('line', { x1: dx, x2: dx, y1: T, y2: H - B, stroke: '#b42318', 'stroke-width': 2, 'stroke-dasharray': '6 4' }),
      h('text', { x: dx + 4, y: T + 12, 'font-size': 12, fill: '#8a1111' }, `截止 ${Number(due.slice(5, 7))}月${Number(due.slice(8, 10))}日`));
  }
  return h('svg', { viewBox: `0 0 ${W} ${H}`, role: 'img', 'aria-labelledby': 'chart-svg-title chart-svg-desc' }, ...parts);
}

async function main() {
  try {
    ctx = await loadCampaign(c);
  } catch (e) { showError(e); return; }
  frame(ctx, 'overview');
  document.getElementById('campaign-name').textContent = ctx.campaign.name;
  try {
    const ledger = await api('GET', `/campaigns/${enc(c)}/ledger`);
    const rows = ledger.rows || [];
    const total = rows.length;
    const stages = ctx.vocab.workflow.stages.length ? ctx.vocab.workflow.stages : [...new Set(rows.map((r) => r.stage))].map((id) => ({ id }));
    for (const r of rows) ctx.vocab.learnStage(r.stage, r.stage_label);
    document.getElementById('stages').replaceChildren(
      bars(stages.map((s) => [ctx.vocab.stage(s.id), rows.filter((r) => r.stage === s.id).length]), total));
    const lights = ['red', 'yellow', 'green', 'none'].map((l) => [l, rows.filter((r) => (r.light || 'none') === l).length]);
    document.getElementById('lights').replaceChildren(h('ul', {}, ...lights.map(([l, n]) => h('li', {}, lightBadge(l), ` ${n} 个单位`))));

    // Each unit's first submission, and the submission's due.
    const sub = ctx.vocab.workflow.submission || { stage: 'collecting', trigger: 'submit' };
    const logs = await Promise.all(rows.map((r) => unitEvents(r.unit)));
    const firsts = [];
    let due = rows.find((r) => r.stage === sub.stage && r.due)?.due || null;
    const levels = new Map();
    for (const log of logs) {
      const first = log.find((e) => e.type === 'transition.applied' && e.payload.trigger === sub.trigger);
      if (first) firsts.push(localDay(first.at));
      for (const e of log) {
        if (!due && (e.type === 'deadline.approaching' || e.type === 'deadline.missed') && e.payload.stage === sub.stage) due = e.payload.due_date;
        if (e.type === 'escalation.raised' && !e.payload.manual) levels.set(e.payload.level, (levels.get(e.payload.level) || 0) + 1);
      }
    }
    const year = ctx.campaign.year;
    const onTime = due ? firsts.filter((d) => d <= due).length : null;
    document.getElementById('chart').replaceChildren(h('div', { class: 'chart' }, chart(year, due, firsts, total)),
      h('p', {}, `已报送 ${firsts.length}／${total} 个单位`, due ? `，其中截止日期（${fmtDate(due)}）前报送 ${onTime} 个，逾期报送 ${firsts.length - onTime} 个` : '', '。'));

    // Escalations: where each unit stands now, and every raise so far.
    const maxLevel = Math.max(0, ...rows.map((r) => r.escalation_level), ...levels.keys());
    const now = [];
    for (let l = 1; l <= maxLevel; l++) now.push([`第 ${l} 级`, rows.filter((r) => r.escalation_level === l).length, `（累计升级 ${levels.get(l) || 0} 次）`]);
    document.getElementById('escalations').replaceChildren(
      now.length ? bars(now, total) : h('p', {}, '没有单位被督办升级。'),
      h('p', { class: 'meta' }, '条形为目前处于该级别的单位数。'));
  } catch (e) { showError(e); }

  try {
    // Every notice, a page of 1000 at a time (?after= the last id).
    const notices = [];
    for (let after = '', i = 0; i < 50; i++) {
      const page = (await api('GET', `/campaigns/${enc(c)}/notices?limit=1000&after=${enc(after)}`)).notices || [];
      notices.push(...page);
      if (page.length < 1000) break;
      after = page[page.length - 1].id;
    }
    const count = { delivered: 0, dead: 0, pending: 0, skipped: 0 };
    const failed = [];
    for (const k of notices) {
      for (const d of k.deliveries || []) {
        count[d.state] = (count[d.state] || 0) + 1;
        if (d.state === 'dead' || (d.last_error && d.state !== 'delivered')) failed.push([k, d]);
      }
    }
    document.getElementById('notices').replaceChildren(
      h('ul', {}, h('li', {}, `已送达 ${count.delivered} 条`), h('li', {}, `发送失败 ${count.dead} 条`),
        h('li', {}, `待发送 ${count.pending} 条`), h('li', {}, `免发 ${count.skipped} 条`)),
      failed.length ? h('details', {}, h('summary', {}, `失败与出错的通知（${failed.length}）`),
        h('ul', {}, ...failed.slice(0, 50).map(([k, d]) => h('li', {},
          `${k.event.unit_name || k.event.unit || ''}：${eventText(k.event, ctx.vocab)} → ${(k.recipients || []).map((r) => r.name).join('、')}；${d.plugin}：${d.last_error || d.state}`)))) : '');
  } catch (e) {
    document.getElementById('notices').replaceChildren(h('p', { class: 'meta' }, '无权查看通知，或通知暂不可用。'));
  }
}

main();
