// `/`: sign in (POST /api/v1/session), then back to the page that asked
// (?next=) or the caller's campaigns with their pages.
import { api, rememberSession, me, selfIn, campaignWide, frame, h, enc, describe, ApiError, showError } from './common.js';

const form = document.getElementById('signin-form');
const error = document.getElementById('signin-error');
const next = new URLSearchParams(location.search).get('next');
// Only a path of this site: never an address elsewhere.
const safeNext = next && /^\/(?!\/)/.test(next) ? next : null;

form.addEventListener('submit', async (ev) => {
  ev.preventDefault();
  error.hidden = true;
  const person = form.person.value.trim();
  const password = form.password.value;
  if (!person || !password) {
    error.textContent = '请填写人员编号和密码。';
    error.hidden = false;
    (person ? form.password : form.person).focus();
    return;
  }
  const campaign = safeNext && safeNext.startsWith('/c/') ? decodeURIComponent(safeNext.split('/')[2] || '') : '';
  const button = form.querySelector('button');
  button.disabled = true;
  try {
    const answer = await api('POST', '/session', { person, password, campaign }, { quiet401: true });
    rememberSession(answer);
    if (safeNext) { location.assign(safeNext); return; }
    await showCampaigns();
  } catch (e) {
    error.textContent = e instanceof ApiError && e.status === 401 ? '人员编号或密码不正确。' : (e instanceof ApiError ? describe(e) : String(e));
    error.hidden = false;
    form.password.select();
  } finally {
    button.disabled = false;
  }
});

async function showCampaigns() {
  const list = await api('GET', '/campaigns');
  const meAnswer = await me();
  document.getElementById('signin').hidden = true;
  const section = document.getElementById('campaigns');
  section.hidden = false;
  document.getElementById('page-title').textContent = '选择考核年度';
  frame(null);
  const items = await Promise.all((list.campaigns || []).map(async (k) => {
    const self = selfIn(meAnswer, k.id);
    const base = `/c/${enc(k.id)}`;
    let units = self && self.units && self.units.length ? self.units : null;
    let wide = campaignWide(self);
    if (wide === null) {
      // Without /me: a caller who sees one unit only is that unit's.
      const ledger = await api('GET', `${base.replace('/c/', '/campaigns/')}/ledger`).catch(() => ({ rows: [] }));
      wide = (ledger.rows || []).length !== 1;
      if (!wide) units = [ledger.rows[0].unit];
    }
    const links = [];
    if (wide) links.push(h('li', {}, h('a', { href: base }, '工作台账')));
    for (const u of units || []) links.push(h('li', {}, h('a', { href: `${base}/units/${enc(u)}` }, `本单位事项（${u}）`)));
    links.push(h('li', {}, h('a', { href: `${base}/queue` }, '审批事项')));
    if (wide) links.push(h('li', {}, h('a', { href: `${base}/overview` }, '工作总览')));
    return h('li', {}, h('h3', {}, k.name), h('p', { class: 'meta' }, `${k.year} 年度 · ${k.id}`), h('ul', {}, ...links));
  }));
  const ul = document.getElementById('campaign-list');
  ul.replaceChildren(...(items.length ? items : [h('li', {}, '您目前没有可查看的考核年度。')]));
  const first = ul.querySelector('a');
  if (first) first.focus();
}

// Already signed in (the cookie is valid): straight to the list, or on.
api('GET', '/campaigns', undefined, { quiet401: true })
  .then(() => (safeNext ? location.assign(safeNext) : showCampaigns()))
  .catch((e) => { if (!(e instanceof ApiError && e.status === 401)) showError(e); form.person.focus(); });
