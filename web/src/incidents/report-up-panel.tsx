/**
 * 上报 — each report-up notice: the position and person notified, the
 * channels in the contract's order, its status and every attempt. A notice
 * waiting for a phone call offers 已接通 / 未接通; a delivered one offers
 * 确认收到.
 */
import { useState } from 'react';
import { App, Button, Card, Space, Table, Tag } from 'antd';
import { ArrowRightOutlined, PhoneOutlined } from '@ant-design/icons';
import { api, errorMessage, unwrap } from '../api/client';
import type { ReportUpNotice, Role } from '../api/types';
import { isMessageKey, useT } from '../i18n/i18n';
import { formatDateTime, formatDateTimeShort } from '../shared/datetime';

const NOTICE_COLORS: Record<ReportUpNotice['status'], string> = {
  pending: 'default',
  awaitingCall: 'gold',
  delivered: 'blue',
  acknowledged: 'green',
  escalated: 'purple',
  exhausted: 'red',
  cancelled: 'default',
};

const CALLERS: readonly Role[] = ['deskAgent', 'vendorTeamLead', 'vendorProjectManager'];

type Attempt = ReportUpNotice['attempts'][number];

export function ReportUpPanel({ notices, roles, isPlatformAdmin, onChanged }: { notices: ReportUpNotice[]; roles: readonly Role[]; isPlatformAdmin: boolean; onChanged: () => void }) {
  const t = useT();
  const { message } = App.useApp();
  const [busy, setBusy] = useState<string | null>(null);
  const mayCall = isPlatformAdmin || roles.some((r) => CALLERS.includes(r));
  // the notice does not say whether the caller is the person notified; the desk confirms on their behalf
  const mayAck = mayCall;

  const act = async (key: string, call: () => Promise<unknown>, done: string) => {
    setBusy(key);
    try {
      await call();
      message.success(done);
      onChanged();
    } catch (e) {
      message.error(errorMessage(e));
    } finally {
      setBusy(null);
    }
  };

  const callResult = (n: ReportUpNotice, answered: boolean) =>
    act(`${n.id}:${answered}`, () => unwrap(api.POST('/api/report-ups/{noticeId}/call-result', { params: { path: { noticeId: n.id } }, body: { answered } })), answered ? t('ru.answeredDone') : t('ru.unansweredDone'));
  const ack = (n: ReportUpNotice) => act(`${n.id}:ack`, () => unwrap(api.POST('/api/report-ups/{noticeId}/ack', { params: { path: { noticeId: n.id } } })), t('ru.ackDone'));

  const channelName = (c: string) => {
    const key = `channel.${c}`;
    return isMessageKey(key) ? t(key) : c;
  };
  const attemptStatus = (s: string) => {
    const key = `ru.attempt.${s}`;
    return isMessageKey(key) ? t(key) : s;
  };

  return (
    <Card className="section-card report-up-panel" size="small" title={t('ru.title')}>
      {notices.length === 0 ? (
        <div className="inline-empty">{t('ru.none')}</div>
      ) : (
        notices.map((n) => (
          <div key={n.id} className={`notice notice-${n.status}`} data-status={n.status}>
            <div className="notice-head">
              <span className="notice-position">{n.position}</span>
              <span className="notice-contact">{n.contactName ?? t('ru.noContact')}</span>
              {n.escalationStep > 0 && <Tag color="purple">{t('ru.escalationStep', { n: n.escalationStep + 1 })}</Tag>}
              <Tag color={NOTICE_COLORS[n.status]} className="notice-status">
                {t(`ru.status.${n.status}`)}
              </Tag>
              <div className="header-spacer" />
              {n.status === 'awaitingCall' && mayCall && (
                <Space>
                  <span className="muted small">
                    <PhoneOutlined /> {t('ru.callPrompt', { name: n.contactName ?? n.position })}
                  </span>
                  <Button size="small" type="primary" loading={busy === `${n.id}:true`} onClick={() => void callResult(n, true)}>
                    {t('ru.answered')}
                  </Button>
                  <Button size="small" danger loading={busy === `${n.id}:false`} onClick={() => void callResult(n, false)}>
                    {t('ru.unanswered')}
                  </Button>
                </Space>
              )}
              {n.status === 'delivered' && mayAck && (
                <Button size="small" type="primary" ghost loading={busy === `${n.id}:ack`} onClick={() => void ack(n)}>
                  {t('ru.ack')}
                </Button>
              )}
            </div>
            <div className="notice-channels">
              <span className="muted small">{t('ru.channels')}</span>
              {n.channels.map((c, i) => (
                <span key={`${c}${i}`} className="notice-channel">
                  {i > 0 && <ArrowRightOutlined className="channel-arrow" />}
                  <Tag color={c === n.currentChannel && (n.status === 'pending' || n.status === 'awaitingCall') ? 'gold' : undefined}>{channelName(c)}</Tag>
                </span>
              ))}
            </div>
            <div className="notice-times muted small">
              <span>{t('ru.createdAt', { time: formatDateTimeShort(n.createdAt) })}</span>
              {n.deliveredAt && <span>{t('ru.deliveredAt', { time: formatDateTimeShort(n.deliveredAt) })}</span>}
              {n.acknowledgedAt && <span>{t('ru.acknowledgedAt', { time: formatDateTimeShort(n.acknowledgedAt) })}</span>}
              {n.nextActionAt && (n.status === 'awaitingCall' || n.status === 'delivered') && <span>{t('ru.nextAction', { time: formatDateTimeShort(n.nextActionAt) })}</span>}
            </div>
            {n.attempts.length > 0 && (
              <Table<Attempt>
                className="attempts"
                size="small"
                rowKey={(_, i) => String(i)}
                pagination={false}
                dataSource={n.attempts}
                columns={[
                  { title: t('ru.col.time'), dataIndex: 'at', width: 160, render: (v: string) => formatDateTime(v) },
                  { title: t('ru.col.channel'), dataIndex: 'channel', width: 90, render: (c: string, a) => (c === '-' ? t('common.dash') : isMessageKey(`channel.${c}`) ? channelName(c) : a.channelName) },
                  { title: t('ru.col.recipient'), dataIndex: 'recipient', width: 130, render: (r: string | null) => r ?? t('common.dash') },
                  {
                    title: t('ru.col.result'),
                    dataIndex: 'status',
                    width: 110,
                    render: (s: string) => <Tag color={s === 'sent' || s === 'answered' ? 'green' : s === 'failed' || s === 'unanswered' ? 'red' : s === 'awaitingCall' ? 'gold' : 'default'}>{attemptStatus(s)}</Tag>,
                  },
                  { title: t('ru.col.detail'), dataIndex: 'detail', render: (d: string | null) => <span className="small attempt-detail">{d ?? ''}</span> },
                ]}
              />
            )}
          </div>
        ))
      )}
    </Card>
  );
}
