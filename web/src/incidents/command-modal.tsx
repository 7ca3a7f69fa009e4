/**
 * One modal per incident command, with that command's fields. It sends the
 * version the page showed when the modal opened; the server's refusal
 * (leader instruction missing, wrong state, supplier consent missing…) is
 * shown in Chinese inside the modal, and a version conflict offers a reload.
 */
import { useEffect, useState } from 'react';
import { Alert, App, DatePicker, Form, Input, Modal, Radio, Rate, Select } from 'antd';
import type { Dayjs } from 'dayjs';
import { api, ApiError, errorMessage, unwrap } from '../api/client';
import type { ContractDetail, ContractMember, Incident, IncidentCommand, IncidentCommandType, SlaTarget } from '../api/types';
import { useT, type MessageKey } from '../i18n/i18n';
import { beijingNow, beijingWallClockToIso } from '../shared/datetime';
import { WAITING_REASONS } from './incident-rules';

/** Commands whose time may be given (when recorded after the fact). */
const TIMED: ReadonlySet<IncidentCommandType> = new Set(['acknowledge', 'arrive', 'startWork', 'wait', 'resume', 'resolve', 'reportedUp']);

interface Values {
  note?: string;
  occurredAt?: Dayjs | null;
  reason?: (typeof WAITING_REASONS)[number];
  resolution?: string;
  satisfaction?: number;
  line?: 1 | 2;
  assigneeUserId?: string;
  team?: string;
  supplierName?: string;
  levelKey?: string;
  instruction?: string;
  dueAt?: Dayjs;
  targetKind?: SlaTarget['kind'];
  text?: string;
}

function opt(v: string | undefined): string | undefined {
  const s = v?.trim();
  return s ? s : undefined;
}

/** Builds the wire command from the form values. */
function toCommand(type: IncidentCommandType, v: Values): IncidentCommand {
  const note = opt(v.note);
  const occurredAt = v.occurredAt ? beijingWallClockToIso(v.occurredAt) : undefined;
  const timed = { ...(note ? { note } : {}), ...(occurredAt ? { occurredAt } : {}) };
  switch (type) {
    case 'acknowledge':
    case 'arrive':
    case 'startWork':
    case 'resume':
      return { type, ...timed };
    case 'wait':
      return { type, reason: v.reason ?? 'waitingOnReporter', ...timed };
    case 'resolve':
      return { type, resolution: v.resolution?.trim() ?? '', ...timed };
    case 'callback':
      return { type, satisfaction: v.satisfaction ?? 5, ...(note ? { note } : {}) };
    case 'close':
      return { type, ...(note ? { note } : {}) };
    case 'reopen':
      return { type, note: v.note?.trim() ?? '' };
    case 'assign':
      return {
        type,
        line: v.line ?? 1,
        ...(v.assigneeUserId ? { assigneeUserId: v.assigneeUserId } : {}),
        ...(opt(v.team) ? { team: opt(v.team) } : {}),
        ...(opt(v.supplierName) ? { supplierName: opt(v.supplierName) } : {}),
        ...(note ? { note } : {}),
      };
    case 'changeLevel':
      return { type, levelKey: v.levelKey ?? '', reason: v.note?.trim() ?? '' };
    case 'leaderApproval':
      return { type, instruction: v.instruction?.trim() ?? '' };
    case 'supplierConsent':
      return { type, supplierName: v.supplierName?.trim() ?? '', ...(note ? { note } : {}) };
    case 'reportedUp':
      return { type, note: v.note?.trim() ?? '', ...(occurredAt ? { occurredAt } : {}) };
    case 'analysisSubmitted':
    case 'emergencyPlanSubmitted':
      return { type, note: v.note?.trim() ?? '' };
    case 'setDeadline':
      return { type, dueAt: v.dueAt ? beijingWallClockToIso(v.dueAt) : '', ...(v.targetKind ? { targetKind: v.targetKind } : {}) };
    case 'comment':
      return { type, text: v.text?.trim() ?? '' };
  }
}

const VENDOR_ROLES = new Set(['vendorProjectManager', 'vendorTeamLead', 'deskAgent', 'engineer', 'onsiteEngineer']);

export interface CommandModalProps {
  type: IncidentCommandType | null;
  incident: Incident;
  contract: ContractDetail;
  members: ContractMember[] | undefined;
  onClose: () => void;
  onDone: (message: string) => void;
  onConflict: () => void;
}

export function CommandModal({ type, incident, contract, members, onClose, onDone, onConflict }: CommandModalProps) {
  const t = useT();
  const { modal } = App.useApp();
  const [form] = Form.useForm<Values>();
  const [error, setError] = useState<string | null>(null);
  const [sending, setSending] = useState(false);
  const [version, setVersion] = useState(incident.version);
  const def = contract.definition;

  useEffect(() => {
    if (!type) return;
    setError(null);
    setVersion(incident.version);
    form.resetFields();
    // only on opening: the version is the one the user saw when deciding to act
  }, [type]);

  if (!type) return null;

  const level = def.severityLevels.find((l) => l.key === incident.levelKey);
  const perTicketKinds = (level?.targets ?? []).filter((x) => x.perTicket).map((x) => x.kind);
  const handlers = (members ?? []).filter((m) => VENDOR_ROLES.has(m.role));
  const uniqueHandlers = [...new Map(handlers.map((m) => [m.userId, m])).values()];

  const send = async () => {
    let values: Values;
    try {
      values = await form.validateFields();
    } catch {
      return;
    }
    setSending(true);
    setError(null);
    try {
      await unwrap(api.POST('/api/incidents/{incidentId}/commands', { params: { path: { incidentId: incident.id } }, body: { version, command: toCommand(type, values) } }));
      onDone(t('cmd.done', { action: t(`cmd.${type}`) }));
    } catch (e) {
      if (e instanceof ApiError && e.code === 'VERSION_CONFLICT') {
        onClose();
        modal.confirm({
          title: t('cmd.conflictTitle'),
          content: e.message,
          okText: t('cmd.conflictReload'),
          cancelText: t('common.cancel'),
          onOk: onConflict,
        });
      } else {
        setError(errorMessage(e));
      }
    } finally {
      setSending(false);
    }
  };

  const help = `cmd.${type}.help` as MessageKey;
  const noteRequired = type === 'reopen' || type === 'changeLevel' || type === 'reportedUp' || type === 'analysisSubmitted' || type === 'emergencyPlanSubmitted';
  const noteLabel: MessageKey = type === 'reopen' ? 'cmd.f.reopenReason' : type === 'changeLevel' ? 'cmd.f.levelReason' : type === 'reportedUp' ? 'cmd.f.reportedUpNote' : type === 'analysisSubmitted' ? 'cmd.f.analysisNote' : type === 'emergencyPlanSubmitted' ? 'cmd.f.planNote' : type === 'callback' ? 'cmd.f.callbackNote' : 'cmd.f.note';
  const pauses = (def.slaPolicy.pauseOn ?? []) as readonly string[];

  return (
    <Modal
      open
      title={t(`cmd.${type}`)}
      okText={t('cmd.submit', { action: t(`cmd.${type}`) })}
      cancelText={t('common.cancel')}
      onOk={() => void send()}
      onCancel={onClose}
      confirmLoading={sending}
      destroyOnHidden
      width={560}
      className={`command-modal command-${type}`}
    >
      <div className="muted small command-help">{t(help)}</div>
      {error && <Alert className="command-error" type="error" showIcon title={t('cmd.refused')} description={error} />}
      <Form<Values> form={form} layout="vertical" initialValues={{ satisfaction: 5, line: incident.line === 2 ? 2 : 1, reason: 'waitingOnReporter' }} preserve={false}>
        {type === 'wait' && (
          <Form.Item name="reason" label={t('cmd.f.waitReason')} rules={[{ required: true }]} extra={t('cmd.f.waitPauseHelp')}>
            <Radio.Group>
              {WAITING_REASONS.map((r) => (
                <Radio key={r} value={r}>
                  {t(`pause.${r}`)} <span className="muted small">{pauses.includes(r) ? t('cmd.f.pauses') : t('cmd.f.noPause')}</span>
                </Radio>
              ))}
            </Radio.Group>
          </Form.Item>
        )}
        {type === 'resolve' && (
          <Form.Item name="resolution" label={t('cmd.f.resolution')} rules={[{ required: true, whitespace: true, message: t('cmd.f.resolutionRequired') }, { max: 5000 }]}>
            <Input.TextArea rows={4} maxLength={5000} placeholder={t('cmd.f.resolutionPlaceholder')} />
          </Form.Item>
        )}
        {type === 'callback' && (
          <Form.Item name="satisfaction" label={t('cmd.f.satisfaction')} rules={[{ required: true, message: t('cmd.f.satisfactionRequired') }]}>
            <Rate count={5} tooltips={[1, 2, 3, 4, 5].map((n) => t(`satisfaction.${n as 1 | 2 | 3 | 4 | 5}`))} />
          </Form.Item>
        )}
        {type === 'assign' && (
          <>
            <Form.Item name="line" label={t('cmd.f.line')} rules={[{ required: true }]}>
              <Radio.Group optionType="button" options={[{ value: 1, label: t('inc.line1') }, { value: 2, label: t('inc.line2') }]} />
            </Form.Item>
            <Form.Item name="assigneeUserId" label={t('cmd.f.assignee')}>
              <Select
                allowClear
                showSearch
                optionFilterProp="label"
                placeholder={t('cmd.f.assigneePlaceholder')}
                options={uniqueHandlers.map((m) => ({ value: m.userId, label: `${m.displayName}${t('common.paren', { text: t(`role.${m.role}`) })}` }))}
              />
            </Form.Item>
            <Form.Item name="team" label={t('cmd.f.team')} rules={[{ max: 100 }]}>
              <Input maxLength={100} />
            </Form.Item>
            <Form.Item name="supplierName" label={t('cmd.f.supplier')} extra={t('cmd.f.supplierHelp')} rules={[{ max: 200 }]}>
              <Input maxLength={200} />
            </Form.Item>
          </>
        )}
        {type === 'changeLevel' && (
          <Form.Item name="levelKey" label={t('cmd.f.newLevel')} rules={[{ required: true, message: t('cmd.f.newLevelRequired') }]}>
            <Select
              options={[...def.severityLevels]
                .sort((a, b) => a.rank - b.rank)
                .filter((l) => l.key !== incident.levelKey)
                .map((l) => ({ value: l.key, label: `${t('sev.rank', { n: l.rank })} ${l.name}${l.requiresLeaderApproval ? t('cmd.f.needsApproval') : ''}` }))}
            />
          </Form.Item>
        )}
        {type === 'leaderApproval' && (
          <Form.Item name="instruction" label={t('cmd.f.instruction')} rules={[{ required: true, whitespace: true, message: t('cmd.f.instructionRequired') }, { max: 2000 }]}>
            <Input.TextArea rows={4} maxLength={2000} placeholder={t('cmd.f.instructionPlaceholder')} />
          </Form.Item>
        )}
        {type === 'supplierConsent' && (
          <Form.Item name="supplierName" label={t('cmd.f.supplier')} rules={[{ required: true, whitespace: true, message: t('cmd.f.supplierRequired') }, { max: 200 }]}>
            <Input maxLength={200} />
          </Form.Item>
        )}
        {type === 'setDeadline' && (
          <>
            <Form.Item name="dueAt" label={t('cmd.f.dueAt')} rules={[{ required: true, message: t('cmd.f.dueAtRequired') }]} extra={t('cmd.f.dueAtHelp')}>
              <DatePicker showTime={{ format: 'HH:mm' }} format="YYYY-MM-DD HH:mm" className="full-width" />
            </Form.Item>
            {perTicketKinds.length > 1 && (
              <Form.Item name="targetKind" label={t('cmd.f.targetKind')}>
                <Select allowClear options={perTicketKinds.map((k) => ({ value: k, label: t(`targetKind.${k}`) }))} />
              </Form.Item>
            )}
          </>
        )}
        {type === 'comment' && (
          <Form.Item name="text" label={t('cmd.f.comment')} rules={[{ required: true, whitespace: true, message: t('cmd.f.commentRequired') }, { max: 5000 }]}>
            <Input.TextArea rows={4} maxLength={5000} />
          </Form.Item>
        )}
        {type !== 'leaderApproval' && type !== 'setDeadline' && type !== 'comment' && (
          <Form.Item
            name="note"
            label={t(noteLabel)}
            rules={[...(noteRequired ? [{ required: true, whitespace: true, message: t('cmd.f.noteRequired') }] : []), { max: 5000 }]}
          >
            <Input.TextArea rows={type === 'changeLevel' || type === 'reopen' ? 3 : 2} maxLength={5000} />
          </Form.Item>
        )}
        {TIMED.has(type) && (
          <Form.Item name="occurredAt" label={t('cmd.f.occurredAt')} extra={t('cmd.f.occurredAtHelp')}>
            <DatePicker showTime={{ format: 'HH:mm' }} format="YYYY-MM-DD HH:mm" className="full-width" placeholder={t('cmd.f.occurredNow')} disabledDate={(d) => d.isAfter(beijingNow(), 'day')} />
          </Form.Item>
        )}
      </Form>
    </Modal>
  );
}
