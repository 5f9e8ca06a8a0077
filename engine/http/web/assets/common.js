// What every page shares: the API client (session cookie + CSRF token), who
// the caller is and what they may do (GET /api/v1/me), the campaign's
// workflow in words (GET .../workflow), and small DOM and formatting helpers.
// The server decides every action; the pages only leave out the buttons a
// caller may not press.

const API = '/api/v1';
const CSRF_KEY = 'duban.csrf';
const PERSON_KEY = 'duban.person';

export class ApiError extends Error {
  constructor(status, problem) {
    super((problem && (problem.detail || problem.title)) || `HTTP ${status}`);
    this.status = status;
    this.problem = problem || {};
  }
}

export function signInPath() {
  const next = location.pathname + location.search;
  return next === '/' ? '/' : '/?next=' + encodeURIComponent(next);
}

// One API call. `body`: an object (sent as JSON) or FormData (multipart).
// A 401 sends the browser to the sign-in page, coming back here after.
export async function api(method, path, body, { quiet401 = false, headers = {} } = {}) {
  const h = { Accept: 'application/json', ...headers };
  if (method !== 'GET' && method !== 'HEAD') {
    const csrf = localStorage.getItem(CSRF_KEY);
    if (csrf) h['X-CSRF-Token'] = csrf;
  }
  let payload;
  if (body instanceof FormData) payload = body;
  else if (body !== undefined) { h['Content-Type'] = 'application/json'; payload = JSON.stringify(body); }
  const res = await fetch(API + path, { method, headers: h, body: payload, credentials: 'same-origin' });
  if (res.status === 304) return { notModified: true, etag: res.headers.get('ETag') };
  const type = res.headers.get('Content-Type') || '';
  const data = type.includes('json') ? await res.json().catch(() => null) : null;
  if (res.status === 401 && !quiet401) {
    location.assign(signInPath());
    throw new ApiError(401, data);
  }
  if (!res.ok) throw new ApiError(res.status, data);
  if (data && typeof data === 'object') Object.defineProperty(data, '_etag', { value: res.headers.get('ETag') });
  return data === null ? {} : data;
}

export function rememberSession(answer) {
  localStorage.setItem(CSRF_KEY, answer.csrf);
  localStorage.setItem(PERSON_KEY, answer.person);
}

export async function signOut() {
  try { await api('DELETE', '/session', undefined, { quiet401: true }); } catch (e) { /* already ended */ }
  localStorage.removeItem(CSRF_KEY);
  localStorage.removeItem(PERSON_KEY);
  location.assign('/');
}

// ---- who the caller is ----------------------------------------------------

let mePromise;
// GET /api/v1/me, or null when the server has no such route (an older one):
// then every button is shown and the server alone refuses.
export function me() {
  if (!mePromise) {
    mePromise = api('GET', '/me').catch((e) => {
      if (e.status === 404 || e.status === 405) return null;
      throw e;
    });
  }
  return mePromise;
}

// The caller in one campaign: {person, name, roles:[{role,label,unit}], may:{verb:{campaign_wide,units}}}, or null.
export function selfIn(meAnswer, campaign) {
  if (!meAnswer) return null;
  const list = Array.isArray(meAnswer.campaigns) ? meAnswer.campaigns : [];
  const entry = list.find((c) => c && typeof c === 'object' && (c.campaign === campaign || c.id === campaign));
  const roles = (entry && entry.roles) || meAnswer.roles || [];
  return {
    person: meAnswer.person || localStorage.getItem(PERSON_KEY) || '',
    name: meAnswer.name || '',
    roles: roles.map((r) => (typeof r === 'string' ? { role: r, unit: null } : r)),
    units: (entry && entry.units) || meAnswer.units || [],
    may: (entry && (entry.may || entry.can)) || null,
  };
}

export function currentPerson(self) {
  return (self && self.person) || localStorage.getItem(PERSON_KEY) || '';
}

// Whether the caller may use `verb` ("fire", "approve", "material_submit", ...)
// on `unit` (campaign-wide when omitted). Unknown (no /me): true.
export function may(self, verb, unit) {
  if (!self || !self.may) return true;
  const g = self.may[verb];
  if (g === undefined || g === null || g === false) return false;
  if (g === true) return true;
  if (Array.isArray(g)) return unit ? g.includes(unit) || g.includes('*') : g.length > 0;
  if (g.campaign_wide) return true;
  const units = g.units || [];
  return unit ? units.includes(unit) : units.length > 0;
}

// Whether the caller may see the whole campaign (the office, the leaders).
export function campaignWide(self, verb = 'status') {
  if (!self || !self.may) return null;  // unknown
  const g = self.may[verb];
  return !!(g && (g === true || g.campaign_wide));
}

// Whether the caller holds one of `roles` for `unit` (a campaign role counts everywhere).
export function holds(self, roles, unit) {
  if (!self || !self.may) return true;
  return self.roles.some((r) => roles.includes(r.role) && (!r.unit || r.unit === unit));
}

// ---- the campaign and its words -----------------------------------------------

export class Vocabulary {
  constructor(workflow) {
    this.workflow = workflow || { stages: [], roles: [], transitions: [] };
    this.stages = new Map((this.workflow.stages || []).map((s) => [s.id, s.label]));
    this.roles = new Map((this.workflow.roles || []).map((r) => [r.id, r.label]));
    this.triggers = new Map((this.workflow.transitions || []).map((t) => [t.trigger, t.label]));
  }
  learnStage(id, label) { if (id && label && !this.stages.has(id)) this.stages.set(id, label); }
  stage(id) { return this.stages.get(id) || id || ''; }
  role(id) { return this.roles.get(id) || id || ''; }
  trigger(id) { return this.triggers.get(id) || id || ''; }
  // The moves a unit in `stage` may make.
  transitionsFrom(stage) { return (this.workflow.transitions || []).filter((t) => (t.from || []).includes(stage)); }
}

// The campaign's record, the workflow's words and the caller, for page `c`.
export async function loadCampaign(c) {
  const [list, workflow, meAnswer] = await Promise.all([
    api('GET', '/campaigns'),
    api('GET', `/campaigns/${enc(c)}/workflow`).catch((e) => { if (e.status === 404 && !e.problem.code) return null; throw e; }),
    me(),
  ]);
  const campaign = (list.campaigns || []).find((k) => k.id === c);
  if (!campaign) throw new ApiError(404, { detail: `没有考核年度 ${c}，或您无权查看` });
  return { campaign, vocab: new Vocabulary(workflow), self: selfIn(meAnswer, c), timeZone: campaign.time_zone || 'Asia/Shanghai' };
}

// ---- page frame ------------------------------------------------------------------

export function enc(s) { return encodeURIComponent(s); }

// The path's parts: /c/{campaign}[/units/{unit}|/queue|/overview].
export function route() {
  const parts = location.pathname.split('/').filter(Boolean).map(decodeURIComponent);
  return { campaign: parts[0] === 'c' ? parts[1] : null, unit: parts[2] === 'units' ? parts[3] : null, view: parts[2] || 'ledger' };
}

// The header: the campaign's pages, who is signed in, sign-out.
export function frame(ctx, current) {
  const nav = document.getElementById('nav');
  const who = document.getElementById('who');
  if (nav && ctx) {
    const c = `/c/${enc(ctx.campaign.id)}`;
    const links = [];
    const wide = campaignWide(ctx.self);
    if (wide !== false) links.push(['ledger', c, '工作台账']);
    const own = ctx.self && ctx.self.units && ctx.self.units.length ? ctx.self.units : [];
    for (const u of own) links.push([`unit:${u}`, `${c}/units/${enc(u)}`, '本单位']);
    links.push(['queue', `${c}/queue`, '审批']);
    if (wide !== false) links.push(['overview', `${c}/overview`, '总览']);
    const ul = h('ul', {}, ...links.map(([key, href, text]) =>
      h('li', {}, h('a', { href, 'aria-current': key === current ? 'page' : null }, text))));
    nav.replaceChildren(ul);
  }
  if (who) {
    const person = currentPerson(ctx && ctx.self);
    const name = ctx && ctx.self && ctx.self.name;
    who.replaceChildren(
      h('span', {}, person ? `已登录：${name ? name + '（' + person + '）' : person}` : ''),
      person ? h('button', { type: 'button', onclick: signOut }, '退出') : '');
  }
}

export function showError(e) {
  const box = document.getElementById('alert');
  const text = e instanceof ApiError ? describe(e) : String(e && e.message ? e.message : e);
  if (box) { box.textContent = text; box.hidden = false; box.scrollIntoView({ block: 'nearest' }); }
  else alert(text);
}

export function clearError() {
  const box = document.getElementById('alert');
  if (box) { box.hidden = true; box.textContent = ''; }
}

export function say(text) {
  const s = document.getElementById('status');
  if (s) { s.textContent = text; setTimeout(() => { if (s.textContent === text) s.textContent = ''; }, 8000); }
}

// A problem+json in words.
export function describe(e) {
  const p = e.problem || {};
  const lead = { 400: '请求有误', 401: '请先登录', 403: '无权办理', 404: '未找到', 409: '情况已变化，请刷新后重试',
    413: '文件过大', 415: '格式不受支持', 422: '不符合办理规则', 429: '尝试过于频繁，请稍后再试' }[e.status] || '办理失败';
  return p.detail ? `${lead}：${p.detail}` : `${lead}（HTTP ${e.status}）`;
}

// h('a', {href}, 'text', child...): an element; on* attributes become listeners; null attributes are left out.
export function h(tag, attrs = {}, ...children) {
  const svg = ['svg', 'g', 'line', 'polyline', 'path', 'rect', 'text', 'title', 'desc', 'circle'].includes(tag);
  const el = svg ? document.createElementNS('http://www.w3.org/2000/svg', tag) : document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === null || v === undefined || v === false) continue;
    if (k.startsWith('on') && typeof v === 'function') el.addEventListener(k.slice(2), v);
    else if (k === 'class') el.setAttribute('class', v);
    else if (k in el && !svg && typeof v !== 'string') el[k] = v;
    else el.setAttribute(k, v === true ? '' : v);
  }
  for (const c of children.flat()) {
    if (c === null || c === undefined || c === false || c === '') continue;
    el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return el;
}

// ---- formats ---------------------------------------------------------------------------------

export function fmtInstant(iso, timeZone = 'Asia/Shanghai') {
  if (!iso) return '';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  const parts = new Intl.DateTimeFormat('zh-CN', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit',
    hour: '2-digit', minute: '2-digit', hour12: false }).formatToParts(d);
  const p = Object.fromEntries(parts.map((x) => [x.type, x.value]));
  return `${p.year}-${p.month}-${p.day} ${p.hour}:${p.minute}`;
}

export function fmtDate(ymd) {
  if (!ymd) return '';
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(ymd);
  return m ? `${m[1]}年${Number(m[2])}月${Number(m[3])}日` : ymd;
}

export const LIGHTS = {
  red: ['红灯', '已超期'],
  yellow: ['黄灯', '临近截止'],
  green: ['绿灯', '正常'],
  none: ['无期限', '本阶段无截止日期'],
};

// A light as a badge: colour, shape and words.
export function lightBadge(light) {
  const key = LIGHTS[light] ? light : 'none';
  const [word, meaning] = LIGHTS[key];
  return h('span', { class: `light ${key}`, title: meaning }, `${word} · ${meaning}`);
}

// Working days left, or overdue, in words.
export function leftText(row) {
  if (row.workdays_left === null || row.workdays_left === undefined) return row.due ? '' : '—';
  if (row.workdays_left < 0 || row.days_overdue > 0) {
    const n = row.workdays_left < 0 ? -row.workdays_left : row.days_overdue;
    return `超期 ${n} 个工作日`;
  }
  if (row.workdays_left === 0) return '今日截止';
  return `剩 ${row.workdays_left} 个工作日`;
}

export const MATERIAL_STATES = { pending: '待报送', submitted: '已报送', returned: '已退回', explained: '已说明', accepted: '已通过' };
export const COMMITMENTS = { none: '未签', signed: '已签字盖章', incomplete: '不完整（未盖章）' };
export const REQUEST_STATES = { pending: '待审批', approved: '已批准', rejected: '已驳回' };

export function commitmentText(row) {
  const t = COMMITMENTS[row.commitment] || row.commitment || '';
  return row.commitment_number > 1 ? `${t}（第 ${row.commitment_number} 份）` : t;
}

// Disables a form's controls while `work` runs; shows its error, or `done` text.
export async function busy(form, work, done) {
  const controls = [...form.querySelectorAll('button, input, select, textarea')];
  controls.forEach((c) => { c.disabled = true; });
  clearError();
  try {
    await work();
    if (done) say(done);
    return true;
  } catch (e) {
    showError(e);
    return false;
  } finally {
    controls.forEach((c) => { c.disabled = false; });
  }
}

// A random Idempotency-Key, so a retried click is applied once.
export function commandKey() {
  const a = new Uint8Array(12);
  crypto.getRandomValues(a);
  return 'web-' + [...a].map((b) => b.toString(16).padStart(2, '0')).join('');
}

// Start `fn` every `ms` while the page is visible.
export function poll(fn, ms) {
  let timer = null;
  const start = () => { if (!timer) timer = setInterval(fn, ms); };
  const stop = () => { clearInterval(timer); timer = null; };
  document.addEventListener('visibilitychange', () => { if (document.hidden) stop(); else { fn(); start(); } });
  start();
}
