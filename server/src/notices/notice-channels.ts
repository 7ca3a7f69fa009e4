/**
 * Pluggable delivery channels for report-up notices: in-app, e-mail and SMS
 * gateways over HTTP, WeCom (企业微信) and DingTalk (钉钉) robot webhooks.
 * `phone` is a call a person makes and records; it is not sent by a machine.
 * Every send returns an outcome that is recorded as an attempt.
 */
import type { Trx } from '../db/database.ts';

/** A contact as a channel needs it. */
export interface NoticeRecipient {
  name: string;
  phone: string | null;
  email: string | null;
  userId: string | null;
}

/** What happened. */
export interface SendOutcome {
  status: 'sent' | 'failed' | 'skipped';
  /** Where it went (masked for phone numbers). */
  recipient: string | null;
  detail: string;
}

/** A machine channel. */
export interface NoticeChannel {
  readonly name: 'inApp' | 'sms' | 'email' | 'wecom' | 'dingtalk';
  send(trx: Trx, input: { recipient: NoticeRecipient; title: string; text: string; contractId: string; incidentId: string; dedupeKey: string; now: Date }): Promise<SendOutcome>;
}

/** Gateway addresses (from config); a missing one means the channel is not configured. */
export interface ChannelConfig {
  smsGatewayUrl?: string | undefined;
  mailGatewayUrl?: string | undefined;
  wecomWebhookUrl?: string | undefined;
  dingtalkWebhookUrl?: string | undefined;
}

/** 138****0001: phone numbers are never written in full to logs and attempts. */
export function maskPhone(phone: string): string {
  return phone.length >= 11 ? `${phone.slice(0, 3)}****${phone.slice(-4)}` : '****';
}

async function postJson(url: string, body: unknown, okWhen: (status: number, json: unknown) => boolean): Promise<{ ok: boolean; detail: string }> {
  try {
    const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json; charset=utf-8' }, body: JSON.stringify(body), signal: AbortSignal.timeout(5000) });
    const text = await res.text();
    let json: unknown = null;
    try {
      json = JSON.parse(text);
    } catch {
      json = null;
    }
    const ok = okWhen(res.status, json);
    return { ok, detail: `HTTP ${res.status}${text ? ` ${text.slice(0, 200)}` : ''}` };
  } catch (e) {
    return { ok: false, detail: `网关不可达：${e instanceof Error ? e.message : String(e)}` };
  }
}

const robotOk = (status: number, json: unknown): boolean =>
  status >= 200 && status < 300 && typeof json === 'object' && json !== null && 'errcode' in json && (json as { errcode: unknown }).errcode === 0;

/** Build the channel set from configuration. */
export function createChannels(cfg: ChannelConfig): Map<string, NoticeChannel> {
  const channels: NoticeChannel[] = [
    {
      name: 'inApp',
      async send(trx, i) {
        if (!i.recipient.userId) return { status: 'skipped', recipient: null, detail: '该联系人没有平台账号，无法站内通知' };
        await trx
          .insertInto('notifications')
          .values({ contract_id: i.contractId, user_id: i.recipient.userId, kind: 'reportUp', title: i.title, body: i.text, subject_type: 'incident', subject_id: i.incidentId, dedupe_key: i.dedupeKey, created_at: i.now })
          .onConflict((oc) => oc.columns(['user_id', 'dedupe_key']).doNothing())
          .execute();
        return { status: 'sent', recipient: i.recipient.name, detail: '已发送站内通知' };
      },
    },
    {
      name: 'sms',
      async send(_trx, i) {
        if (!cfg.smsGatewayUrl) return { status: 'skipped', recipient: null, detail: '短信网关未配置（YUNWEI_SMS_GATEWAY_URL）' };
        if (!i.recipient.phone) return { status: 'skipped', recipient: null, detail: '该联系人没有手机号' };
        const r = await postJson(cfg.smsGatewayUrl, { to: i.recipient.phone, text: i.text, ref: i.dedupeKey }, (s) => s >= 200 && s < 300);
        return { status: r.ok ? 'sent' : 'failed', recipient: maskPhone(i.recipient.phone), detail: r.detail };
      },
    },
    {
      name: 'email',
      async send(_trx, i) {
        if (!cfg.mailGatewayUrl) return { status: 'skipped', recipient: null, detail: '邮件网关未配置（YUNWEI_MAIL_GATEWAY_URL）' };
        if (!i.recipient.email) return { status: 'skipped', recipient: null, detail: '该联系人没有邮箱' };
        const r = await postJson(cfg.mailGatewayUrl, { to: i.recipient.email, subject: i.title, text: i.text, ref: i.dedupeKey }, (s) => s >= 200 && s < 300);
        return { status: r.ok ? 'sent' : 'failed', recipient: i.recipient.email, detail: r.detail };
      },
    },
    {
      name: 'wecom',
      async send(_trx, i) {
        if (!cfg.wecomWebhookUrl) return { status: 'skipped', recipient: null, detail: '企业微信机器人未配置（YUNWEI_WECOM_WEBHOOK_URL）' };
        const r = await postJson(
          cfg.wecomWebhookUrl,
          { msgtype: 'text', text: { content: `${i.title}\n${i.text}`, mentioned_mobile_list: i.recipient.phone ? [i.recipient.phone] : [] } },
          robotOk,
        );
        return { status: r.ok ? 'sent' : 'failed', recipient: '企业微信群', detail: r.detail };
      },
    },
    {
      name: 'dingtalk',
      async send(_trx, i) {
        if (!cfg.dingtalkWebhookUrl) return { status: 'skipped', recipient: null, detail: '钉钉机器人未配置（YUNWEI_DINGTALK_WEBHOOK_URL）' };
        const r = await postJson(cfg.dingtalkWebhookUrl, { msgtype: 'text', text: { content: `${i.title}\n${i.text}` }, at: { atMobiles: i.recipient.phone ? [i.recipient.phone] : [] } }, robotOk);
        return { status: r.ok ? 'sent' : 'failed', recipient: '钉钉群', detail: r.detail };
      },
    },
  ];
  return new Map(channels.map((c) => [c.name, c]));
}
