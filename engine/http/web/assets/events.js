// An event of the log in words (the payloads of engine/model/events.h): what
// a unit's timeline and the overview say. Stage, trigger and role ids are
// named by the campaign's workflow (Vocabulary); an event type this file
// does not know is shown by its name.
import { fmtDate } from './common.js';

const q = (s) => (s ? `「${s}」` : '');

export function eventText(e, vocab) {
  const p = e.payload || {};
  const stage = (id) => vocab.stage(id);
  switch (e.type) {
    case 'campaign.created': return '创建考核年度';
    case 'transition.applied':
      return `${vocab.trigger(p.trigger)}：${stage(p.from)} → ${stage(p.to)}${p.note ? '。说明：' + p.note : ''}`;
    case 'transition.requested':
      if (p.kind === 'extension') return `申请延期：${stage(p.stage)}截止日期由 ${fmtDate(p.due_date)} 延至 ${fmtDate(p.new_due_date)}${p.note ? '。理由：' + p.note : ''}`;
      if (p.kind === 'assessment') return `提交考核排名待审批（第 ${p.revision} 版）`;
      return `申请「${vocab.trigger(p.trigger)}」（${stage(p.from)} → ${stage(p.to)}），待${(p.approvers || []).map((r) => vocab.role(r)).join('、')}审批${p.note ? '。说明：' + p.note : ''}`;
    case 'transition.approved':
      return `批准申请${p.kind === 'extension' ? '（延期）' : '「' + vocab.trigger(p.trigger) + '」'}${p.note ? '。意见：' + p.note : ''}`;
    case 'transition.rejected':
      return `驳回申请${p.kind === 'extension' ? '（延期）' : '「' + vocab.trigger(p.trigger) + '」'}${p.note ? '。理由：' + p.note : ''}`;
    case 'deadline.approaching': return `催办提醒：${stage(p.stage)}将于 ${fmtDate(p.due_date)} 截止`;
    case 'deadline.missed': return `已超期：${stage(p.stage)}截止日期 ${fmtDate(p.due_date)} 已过`;
    case 'deadline.extended': return `截止日期调整：${stage(p.stage)}${p.from ? '由 ' + fmtDate(p.from) : ''}${p.to ? ' 至 ' + fmtDate(p.to) : ''}${p.reason ? '。原因：' + p.reason : ''}`;
    case 'escalation.raised':
      if (p.manual) return `办公室人工催办${p.note ? '：' + p.note : ''}`;
      return `督办升级至第 ${p.level} 级（超期 ${p.overdue_workdays ?? '?'} 个工作日），通知${(p.roles || []).map((r) => vocab.role(r)).join('、')}`;
    case 'material.submitted': return `报送材料${q(p.name)}${fileCount(p)}`;
    case 'material.returned': return `退回材料${q(p.name)}${p.note ? '，原因：' + p.note : ''}`;
    case 'material.explained': return `说明无法提供材料${q(p.name)}${p.note ? '：' + p.note : ''}`;
    case 'material.accepted': return `材料${q(p.name)}审核通过${p.explained ? '（以说明代替）' : ''}`;
    case 'material.added': return `新增材料要求${q(p.name)}${p.required === false ? '（选报）' : ''}${p.reason ? '。原因：' + p.reason : ''}`;
    case 'material.dropped': return `取消材料要求${q(p.name)}${p.reason ? '。原因：' + p.reason : ''}`;
    case 'paper.received': return `办公室收到纸质材料，现有 ${p.received}／${p.required} 份`;
    case 'commitment.signed':
      return `承诺书签字${p.stamped ? '并盖章' : '（未盖章）'}，签字人 ${p.signer}，${fmtDate(p.signed_on)}${p.supersedes ? `，替换第 ${p.supersedes} 份` : ''}`;
    case 'contact.changed': return `${vocab.role(Array.isArray(p.role) ? p.role[0] : p.role)}变更为 ${p.name || p.person}（${p.reported_on ? fmtDate(p.reported_on) + '报告' : ''}）`;
    case 'assessment.prior_recorded': return `录入上年度指标得分 ${p.score}`;
    case 'assessment.evaluated': return `办公室工作评价 ${p.score}${p.comment ? '：' + p.comment : ''}`;
    case 'assessment.scored': return `考核评分（第 ${p.revision} 轮）：总分 ${p.total}`;
    case 'assessment.published': return `通报考核结果（第 ${p.revision} 版）`;
    case 'notice.sent': return '通知已送达';
    case 'notice.failed': return '通知发送失败';
    case 'notice.retried': return '通知重新发送';
    default: return e.type;
  }
}

function fileCount(p) {
  const n = Array.isArray(p.files) ? p.files.length : 0;
  return n ? `（附件 ${n} 个）` : '';
}

// The channel an event came by, in words.
export function channelText(ch) {
  return { cli: '命令行', session: '网页', token: '接口', system: '系统' }[ch] || ch || '';
}

// What a request asks, in words. An extension (its event's kind, or a
// request that stays in its stage) names the due day asked for, from the
// transition.requested event of the unit's log when given.
export function requestText(q, vocab, events = []) {
  const asked = events.find((e) => e.type === 'transition.requested' && e.payload.request === q.id);
  const p = asked ? asked.payload : {};
  if (q.kind === 'extension' || p.kind === 'extension' || (q.from === q.to && !p.trigger)) {
    const to = p.new_due_date || q.new_due_date;
    return `延期申请：${vocab.stage(p.stage || q.from)}截止日期${p.due_date ? '由 ' + fmtDate(p.due_date) : ''}${to ? ' 延至 ' + fmtDate(to) : ''}`;
  }
  if (q.kind === 'assessment' || p.kind === 'assessment') return `考核排名审批（第 ${p.revision ?? '?'} 版）`;
  return `${vocab.trigger(q.trigger)}：${vocab.stage(q.from)} → ${vocab.stage(q.to)}`;
}
