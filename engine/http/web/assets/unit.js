// `/c/{campaign}/units/{unit}`: one unit's page. Where the unit's own people
// act (acknowledge, upload and submit, explain, ask for an extension, the
// signed and stamped commitment) and the office reviews (receive, return
// with a reason, accept, paper copies, a new liaison); with the unit's
// materials, requests, contacts and its whole record in words.
import { api, loadCampaign, route, frame, h, enc, showError, lightBadge, leftText, fmtDate, fmtInstant, commitmentText,
  MATERIAL_STATES, REQUEST_STATES, may, holds, busy, commandKey, say, poll } from './common.js';
import { eventText, channelText, requestText } from './events.js';

const { campaign: c, unit: u } = route();
const base = `/campaigns/${enc(c)}/units/${enc(u)}`;
let ctx;
let scope = null;  // without /me: 'unit' when the caller sees this unit only, else 'campaign'
let lastSeq = -1;

// Optional routes (a server without them answers 404): null then.
async function optional(path) {
  try { return await api('GET', path); } catch (e) { if (e.status === 404 || e.status === 405) return null; throw e; }
}

// Whether to offer the caller `verb` here: /me's verdict, else the scope's guess.
function offer(verb, side) {
  if (ctx.self && ctx.self.may) return may(ctx.self, verb, u);
  return side === scope;
}

function offerTransition(t) {
  if (ctx.self && ctx.self.may) return may(ctx.self, 'fire', u) && holds(ctx.self, t.roles, u);
  const scopes = new Map((ctx.vocab.workflow.roles || []).map((r) => [r.id, r.scope]));
  return t.roles.some((r) => scopes.get(r) === scope);
}

async function command(form, path, body, done) {
  const ok = await busy(form, () => api('POST', path, body, { headers: { 'Idempotency-Key': commandKey() } }), done);
  if (ok) await load();
  return ok;
}

function noteField(id, label, required) {
  return [h('label', { for: id }, label + (required ? '（必填）' : '（可选）')),
    h('textarea', { id, name: 'note', required: required || null, rows: 2 })];
}

// ---- sections ---------------------------------------------------------------

function renderFacts(row) {
  const dl = document.getElementById('facts');
  const item = (k, ...v) => [h('dt', {}, k), h('dd', {}, ...v)];
  dl.replaceChildren(
    ...item('阶段', h('strong', {}, row.stage_label || ctx.vocab.stage(row.stage))),
    ...item('截止日期', row.due ? fmtDate(row.due) : '本阶段无截止日期'),
    ...item('按期情况', lightBadge(row.light || 'none'), ' ', leftText(row)),
    ...item('督办级别', row.escalation_level ? `第 ${row.escalation_level} 级` : '未升级'),
    ...item('材料', `已完成 ${row.materials_done}／${row.materials_total} 项`, row.review_rounds ? `，退回 ${row.review_rounds} 次` : ''),
    ...item('纸质材料', `办公室已收 ${row.paper_copies}／${row.paper_copies_required} 份`),
    ...item('签收', row.acknowledged_at ? `已于 ${fmtInstant(row.acknowledged_at, ctx.timeZone)} 签收` : '尚未签收'),
    ...item('承诺书', commitmentText(row)),
    ...item('待审批', row.pending_request ? h('a', { href: `/c/${enc(c)}/queue#${enc(row.pending_request)}` }, `申请 ${row.pending_request} 待审批`) : '无'));
}

function renderActions(row) {
  const list = document.getElementById('action-list');
  const blocks = [];
  // While a request waits, the unit's stage does not move otherwise.
  const moves = row.pending_request ? [] : ctx.vocab.transitionsFrom(row.stage);
  const waiting = document.getElementById('action-waiting');
  waiting.hidden = !row.pending_request;
  waiting.textContent = row.pending_request ? `申请 ${row.pending_request} 正在等待审批，审批后方可继续办理。` : '';
  for (const t of moves) {
    if (!offerTransition(t)) continue;
    const id = `fire-${t.trigger}`;
    const form = h('form', { class: 'action', 'data-trigger': t.trigger, 'aria-labelledby': `${id}-title` },
      h('h3', { id: `${id}-title` }, t.label),
      h('p', { class: 'hint' }, `${ctx.vocab.stage(row.stage)} → ${ctx.vocab.stage(t.to)}${t.needs_approval ? `，须经${t.approvers.map((r) => ctx.vocab.role(r)).join('、')}审批` : ''}`),
      ...noteField(`${id}-note`, t.note_required ? '理由' : '说明', t.note_required),
      h('div', {}, h('button', { type: 'submit', class: 'primary' }, t.label)));
    form.addEventListener('submit', (ev) => {
      ev.preventDefault();
      const note = form.note.value.trim();
      if (t.note_required && !note) { showError(new Error(`「${t.label}」须填写理由。`)); form.note.focus(); return; }
      command(form, `${base}/fire`, { trigger: t.trigger, note }, t.needs_approval ? `已提交「${t.label}」申请，等待审批。` : `已办理：${t.label}。`);
    });
    blocks.push(form);
  }
  if (offer('extend', 'unit') && row.due && !row.pending_request) {
    const form = h('form', { class: 'action', id: 'extend-form', 'aria-labelledby': 'extend-title' },
      h('h3', { id: 'extend-title' }, '申请延期'),
      h('p', { class: 'hint' }, `当前截止日期 ${fmtDate(row.due)}，由办公室主任审批。`),
      h('label', { for: 'extend-date' }, '延至（日期）'), h('input', { id: 'extend-date', name: 'due', type: 'date', required: true }),
      h('label', { for: 'extend-reason' }, '理由（必填）'), h('textarea', { id: 'extend-reason', name: 'reason', required: true, rows: 2 }),
      h('div', {}, h('button', { type: 'submit' }, '提交延期申请')));
    form.addEventListener('submit', (ev) => {
      ev.preventDefault();
      if (!form.due.value || !form.reason.value.trim()) { showError(new Error('请填写延期日期和理由。')); return; }
      command(form, `${base}/extend`, { due: form.due.value, new_due: form.due.value, reason: form.reason.value.trim() }, '已提交延期申请。');
    });
    blocks.push(form);
  }
  if (offer('copies', 'campaign')) {
    const form = h('form', { class: 'action', 'aria-labelledby': 'paper-title' },
      h('h3', { id: 'paper-title' }, '登记纸质材料'),
      h('label', { for: 'paper-n' }, `办公室现有份数（应收 ${row.paper_copies_required} 份）`),
      h('input', { id: 'paper-n', name: 'received', type: 'number', min: '0', max: '99', value: String(row.paper_copies) }),
      h('div', {}, h('button', { type: 'submit' }, '登记')));
    form.addEventListener('submit', (ev) => {
      ev.preventDefault();
      command(form, `${base}/paper`, { received: Number(form.received.value) }, '已登记纸质材料份数。');
    });
    blocks.push(form);
  }
  if (offer('urge', 'campaign') && row.due) {
    const form = h('form', { class: 'action', 'aria-labelledby': 'urge-title' },
      h('h3', { id: 'urge-title' }, '催办'), ...noteField('urge-note', '催办内容', false),
      h('div', {}, h('button', { type: 'submit' }, '发出催办')));
    form.addEventListener('submit', (ev) => {
      ev.preventDefault();
      command(form, `${base}/urge`, { note: form.note.value.trim() }, '已催办。');
    });
    blocks.push(form);
  }
  document.getElementById('actions').hidden = blocks.length === 0 && !row.pending_request;
  list.replaceChildren(...blocks);
}

function fileLink(f) {
  const id = f.id || f.file || f.sha256;
  const size = f.size ? `，${Math.max(1, Math.round(f.size / 1024))} KB` : '';
  return h('li', {}, h('a', { href: `/api/v1${base}/files/${enc(id)}`, download: f.name || '' }, f.name || id),
    h('span', { class: 'meta' }, `（${f.attached_at ? fmtInstant(f.attached_at, ctx.timeZone) : ''}${size}）`));
}

function materialActions(m) {
  const forms = [];
  const key = enc(m.material);
  const open = m.state === 'pending' || m.state === 'returned';
  const review = m.state === 'submitted' || m.state === 'explained';
  if (open && offer('material_submit', 'unit')) {
    const fid = `file-${m.material}`;
    const form = h('form', { class: 'upload', 'aria-label': `上传并报送 ${m.name}` },
      h('label', { for: fid }, '选择文件'), h('input', { id: fid, name: 'file', type: 'file', required: true }),
      h('label', { for: `${fid}-note`, class: 'sr-only' }, '附言'), h('input', { id: `${fid}-note`, name: 'note', type: 'text', placeholder: '附言（可选）' }),
      h('button', { type: 'submit', class: 'primary' }, '上传并报送'));
    form.addEventListener('submit', async (ev) => {
      ev.preventDefault();
      if (!form.file.files.length) { showError(new Error('请先选择要上传的文件。')); return; }
      const data = new FormData();
      data.append('file', form.file.files[0]);
      data.append('note', form.note.value.trim());
      const ok = await busy(form, () => api('POST', `${base}/materials/${key}/files`, data, { headers: { 'Idempotency-Key': commandKey() } }),
        `已上传并报送：${m.name}`);
      if (ok) await load();
    });
    forms.push(form);
  }
  if (open && offer('material_explain', 'unit')) {
    const id = `explain-${m.material}`;
    const form = h('form', { 'aria-label': `说明无法提供 ${m.name}` },
      h('label', { for: id }, '无法提供的说明'), h('input', { id, name: 'note', type: 'text', required: true }),
      h('button', { type: 'submit' }, '提交说明'));
    form.addEventListener('submit', (ev) => {
      ev.preventDefault();
      if (!form.note.value.trim()) { showError(new Error('请写明无法提供的原因。')); return; }
      command(form, `${base}/materials/${key}/explain`, { note: form.note.value.trim() }, `已说明：${m.name}`);
    });
    forms.push(form);
  }
  if (review && offer('material_return', 'campaign')) {
    const id = `return-${m.material}`;
    const form = h('form', { 'aria-label': `退回 ${m.name}` },
      h('label', { for: id }, '退回原因'), h('input', { id, name: 'note', type: 'text', required: true }),
      h('button', { type: 'submit', class: 'danger' }, '退回'));
    form.addEventListener('submit', (ev) => {
      ev.preventDefault();
      if (!form.note.value.trim()) { showError(new Error('退回须写明原因。')); return; }
      command(form, `${base}/materials/${key}/return`, { note: form.note.value.trim() }, `已退回：${m.name}`);
    });
    forms.push(form);
  }
  if (review && offer('material_accept', 'campaign')) {
    const form = h('form', { 'aria-label': `通过 ${m.name}` }, h('button', { type: 'submit' }, '审核通过'));
    form.addEventListener('submit', (ev) => {
      ev.preventDefault();
      command(form, `${base}/materials/${key}/accept`, { note: '' }, `已通过：${m.name}`);
    });
    forms.push(form);
  }
  return forms;
}

function renderMaterials(materials, files, events) {
  const box = document.getElementById('material-list');
  if (materials === 'refused') {
    box.replaceChildren(h('p', { class: 'meta' }, '您无权查看本单位的材料。'));
    return;
  }
  if (!materials) {
    box.replaceChildren(h('p', { class: 'notice' }, '此服务器尚未提供材料清单接口（GET …/materials）；请用命令行 duban material list 查看。'));
    return;
  }
  const returns = new Map();
  for (const e of events) {
    if (e.type !== 'material.returned') continue;
    const list = returns.get(e.payload.material) || [];
    list.push(e);
    returns.set(e.payload.material, list);
  }
  const rows = materials.filter((m) => !m.dropped).map((m) => {
    const own = (m.files || files.filter((f) => f.material === m.material));
    const rounds = returns.get(m.material) || [];
    return h('tr', { 'data-material': m.material },
      h('th', { scope: 'row' }, m.name, m.required === false ? h('span', { class: 'tag' }, '选报') : ''),
      h('td', {}, MATERIAL_STATES[m.state] || m.state, m.explained ? '（以说明代替）' : '',
        m.submissions ? h('div', { class: 'meta' }, `报送 ${m.submissions} 次`) : ''),
      h('td', {},
        own.length ? h('ul', { class: 'files' }, ...own.map(fileLink)) : h('span', { class: 'meta' }, '无附件'),
        m.note && m.state !== 'returned' ? h('p', { class: 'meta' }, `说明：${m.note}`) : '',
        rounds.length ? h('ul', { class: 'files reason' }, ...rounds.map((e, i) =>
          h('li', {}, `第 ${i + 1} 次退回（${fmtInstant(e.at, ctx.timeZone)}）：${e.payload.note || ''}`))) : ''),
      h('td', {}, ...materialActions(m)));
  });
  const table = h('table', { class: 'materials' },
    h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, '材料'), h('th', { scope: 'col' }, '状态'),
      h('th', { scope: 'col' }, '附件与退回原因'), h('th', { scope: 'col' }, '办理'))),
    h('tbody', {}, ...rows));
  const extra = [];
  if (materials.some((m) => m.state === 'pending' || m.state === 'returned') && offer('material_submit', 'unit')) {
    const all = h('form', { class: 'toolbar' }, h('button', { type: 'submit' }, '将已上传的材料全部报送'));
    all.addEventListener('submit', (ev) => { ev.preventDefault(); command(all, `${base}/materials/all/submit`, { note: '' }, '已全部报送。'); });
    extra.push(all);
  }
  if (materials.some((m) => m.state === 'submitted' || m.state === 'explained') && offer('material_accept', 'campaign')) {
    const all = h('form', { class: 'toolbar' }, h('button', { type: 'submit' }, '全部审核通过'));
    all.addEventListener('submit', (ev) => { ev.preventDefault(); command(all, `${base}/materials/all/accept`, { note: '' }, '已全部通过。'); });
    extra.push(all);
  }
  box.replaceChildren(h('div', { class: 'table-wrap' }, table), ...extra);
}

function renderCommitment(row, commitments) {
  const box = document.getElementById('commitment-body');
  const parts = [];
  const list = commitments || [];
  if (list.length) {
    parts.push(h('ul', {}, ...list.map((k) => h('li', {},
      `第 ${k.number} 份：${k.signer} 于 ${fmtDate(k.signed_on)} 签字${k.stamped ? '并盖章' : '（未盖章）'}${k.current ? '（现行）' : '（已替换）'}`,
      k.document_name ? `，扫描件 ${k.document_name}` : ''))));
  } else {
    parts.push(h('p', {}, commitmentText(row) || '未签'));
  }
  if (offer('sign', 'unit')) {
    const form = h('form', { class: 'action', id: 'commitment-form', 'aria-labelledby': 'sign-title' },
      h('h3', { id: 'sign-title' }, '上传签字盖章的承诺书'),
      h('label', { for: 'sign-file' }, '承诺书扫描件'), h('input', { id: 'sign-file', name: 'file', type: 'file', required: true, accept: '.pdf,.jpg,.jpeg,.png,.tif,.tiff' }),
      h('label', { for: 'sign-signer' }, '签字人（单位主要领导的人员编号）'), h('input', { id: 'sign-signer', name: 'signer', type: 'text', required: true }),
      h('label', { for: 'sign-date' }, '签字日期'), h('input', { id: 'sign-date', name: 'signed_on', type: 'date', required: true }),
      h('div', { class: 'field check' }, h('input', { id: 'sign-stamped', name: 'stamped', type: 'checkbox' }), h('label', { for: 'sign-stamped' }, '已加盖单位公章')),
      h('div', {}, h('button', { type: 'submit', class: 'primary' }, '上传承诺书')));
    form.addEventListener('submit', async (ev) => {
      ev.preventDefault();
      if (!form.file.files.length || !form.signer.value.trim() || !form.signed_on.value) {
        showError(new Error('请选择扫描件，并填写签字人和签字日期。'));
        return;
      }
      const data = new FormData();
      data.append('file', form.file.files[0]);
      data.append('signer', form.signer.value.trim());
      data.append('signed_on', form.signed_on.value);
      data.append('stamped', form.stamped.checked ? 'true' : 'false');
      const ok = await busy(form, () => api('POST', `${base}/commitment`, data, { headers: { 'Idempotency-Key': commandKey() } }), '已上传承诺书。');
      if (ok) await load();
    });
    parts.push(form);
  }
  box.replaceChildren(...parts);
}

function renderRequests(requests, events) {
  const box = document.getElementById('request-list');
  const mine = (requests || []).filter((q) => q.unit === u);
  if (!mine.length) { box.replaceChildren(h('p', {}, '没有申请。')); return; }
  box.replaceChildren(h('ul', {}, ...mine.map((q) => h('li', { id: q.id },
    h('strong', {}, requestText(q, ctx.vocab, events)),
    ` · ${REQUEST_STATES[q.status] || q.status} · ${q.requested_by} 于 ${fmtInstant(q.requested_at, ctx.timeZone)} 提出`,
    q.note ? `。说明：${q.note}` : '',
    q.decided_by ? `。${q.decided_by} 于 ${fmtInstant(q.decided_at, ctx.timeZone)} ${REQUEST_STATES[q.status]}${q.decision_note ? '：' + q.decision_note : ''}` : '',
    q.status === 'pending' ? [' ', h('a', { href: `/c/${enc(c)}/queue#${enc(q.id)}` }, '去审批')] : ''))));
}

function renderContacts(contacts) {
  const box = document.getElementById('contact-list');
  const parts = [];
  if (contacts === null) {
    parts.push(h('p', { class: 'notice' }, '此服务器尚未提供联系人接口（GET …/contacts）。'));
  } else if (contacts === 'refused') {
    parts.push(h('p', { class: 'meta' }, '您无权查看本单位联系人的变更记录。'));
  } else {
    const list = Array.isArray(contacts) ? contacts : (contacts.contacts || []);
    parts.push(list.length
      ? h('ul', {}, ...list.map((k) => h('li', {}, `${ctx.vocab.role(k.role)}：${k.name || k.person}`,
        k.phone ? `，电话 ${k.phone}` : '', k.email ? `，邮箱 ${k.email}` : '',
        k.reported_on ? h('span', { class: 'meta' }, `（${fmtDate(k.reported_on)} 报告）`) : '')))
      : h('p', {}, '名册中的联系人未变更。'));
    if (list.length) parts.unshift(h('h3', {}, '联系人变更记录'));
  }
  if (contacts !== null && contacts !== 'refused' && offer('contact_set', 'campaign')) {
    const unitRoles = (ctx.vocab.workflow.roles || []).filter((r) => r.scope === 'unit');
    const form = h('form', { class: 'action', id: 'contact-form', 'aria-labelledby': 'contact-title' },
      h('h3', { id: 'contact-title' }, '登记新的联系人'),
      h('label', { for: 'contact-role' }, '角色'),
      h('select', { id: 'contact-role', name: 'role' }, ...unitRoles.map((r) => h('option', { value: r.id, selected: r.id === 'liaison' || null }, r.label))),
      h('label', { for: 'contact-person' }, '人员编号'), h('input', { id: 'contact-person', name: 'person', type: 'text', required: true }),
      h('label', { for: 'contact-name' }, '姓名'), h('input', { id: 'contact-name', name: 'name', type: 'text', required: true }),
      h('label', { for: 'contact-phone' }, '电话'), h('input', { id: 'contact-phone', name: 'phone', type: 'text' }),
      h('label', { for: 'contact-email' }, '邮箱'), h('input', { id: 'contact-email', name: 'email', type: 'text' }),
      h('div', {}, h('button', { type: 'submit' }, '登记')));
    form.addEventListener('submit', async (ev) => {
      ev.preventDefault();
      const body = Object.fromEntries(['role', 'person', 'name', 'phone', 'email'].map((k) => [k, form[k].value.trim()]));
      if (!body.person || !body.name) { showError(new Error('请填写人员编号和姓名。')); return; }
      const ok = await busy(form, () => api('PUT', `${base}/contacts`, body, { headers: { 'Idempotency-Key': commandKey() } }), '已登记新的联系人。');
      if (ok) await load();
    });
    parts.push(form);
  }
  box.replaceChildren(...parts);
}

async function allEvents() {
  const out = [];
  let after = 0;
  for (let i = 0; i < 20; i++) {
    const page = await api('GET', `${base}/events?after=${after}&limit=1000`);
    out.push(...(page.events || []));
    if (page.next_after === null || page.next_after === undefined) break;
    after = page.next_after;
  }
  return out;
}

let shownEvents = [];
function renderTimeline(events) {
  shownEvents = events;
  const ol = document.getElementById('events');
  const notices = document.getElementById('show-notices').checked;
  const items = events.filter((e) => notices || !e.type.startsWith('notice.')).reverse().map((e) => h('li', { 'data-type': e.type },
    h('time', { datetime: e.at }, fmtInstant(e.at, ctx.timeZone)),
    h('span', {}, eventText(e, ctx.vocab)),
    ' ', h('span', { class: 'who' }, `— ${e.actor}${e.channel ? '，经' + channelText(e.channel) : ''}`)));
  ol.replaceChildren(...(items.length ? items : [h('li', {}, '暂无记录。')]));
}

// The unit as GET .../units/{unit} gives it (its ledger row under "unit",
// each part null where a rule refuses it to the caller); from the separate
// routes on a server without it.
async function load() {
  const [detail, requests, events] = await Promise.all([
    optional(base),
    api('GET', `/campaigns/${enc(c)}/requests?status=all&limit=1000`).catch(() => ({ requests: [] })),
    allEvents(),
  ]);
  let row; let mats; let files; let contacts; let commitments;
  if (detail) {
    row = detail.unit && typeof detail.unit === 'object' ? detail.unit : detail.row;
    mats = detail.materials === null ? 'refused' : detail.materials;
    files = detail.files || [];
    contacts = detail.contacts === null ? 'refused' : detail.contacts;
    commitments = detail.commitments;
  } else {
    const [ledger, materials, contactList] = await Promise.all([
      api('GET', `/campaigns/${enc(c)}/ledger?unit=${enc(u)}`),
      optional(`${base}/materials`),
      optional(`${base}/contacts`),
    ]);
    row = (ledger.rows || [])[0];
    mats = materials ? materials.materials : null;
    files = [];
    contacts = contactList;
    commitments = null;
  }
  if (!row) throw new Error(`没有单位 ${u}，或您无权查看`);
  lastSeq = events.length ? events[events.length - 1].seq : 0;
  document.title = `${row.name} · 督办`;
  document.getElementById('page-title').textContent = row.name;
  renderFacts(row);
  renderActions(row);
  renderMaterials(mats, files, events);
  renderCommitment(row, commitments);
  renderRequests(requests.requests, events);
  renderContacts(contacts);
  renderTimeline(events);
}

async function main() {
  try {
    ctx = await loadCampaign(c);
    frame(ctx, `unit:${u}`);
    document.getElementById('back-ledger').href = `/c/${enc(c)}`;
    document.getElementById('show-notices').addEventListener('change', () => renderTimeline(shownEvents));
    if (!(ctx.self && ctx.self.may)) {
      const all = await api('GET', `/campaigns/${enc(c)}/ledger`);
      scope = (all.rows || []).length === 1 && all.rows[0].unit === u ? 'unit' : 'campaign';
    }
    await load();
  } catch (e) {
    showError(e);
    return;
  }
  // Someone else may act meanwhile: reload when the unit's log grows.
  poll(async () => {
    if (document.activeElement && document.activeElement.closest('form')) return;  // never under someone typing
    try {
      const page = await api('GET', `${base}/events?after=${lastSeq}&limit=1`);
      if ((page.events || []).length) { await load(); say('本单位情况已更新。'); }
    } catch (e) { /* the next poll retries */ }
  }, 20000);
}

main();
