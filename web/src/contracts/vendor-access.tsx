/**
 * 乙方访问期限 on the contract header: until when the vendor side may sign in
 * and act on the contract (service period + grace period, or the agency's
 * extension), and, for the agency administrator and platform administrators,
 * the control that extends it (a date and a reason; audited, with re-authentication).
 */
import { useState } from 'react';
import { App, Button, DatePicker, Form, Input, Modal, Tag } from 'antd';
import type { Dayjs } from 'dayjs';
import { api, errorMessage, unwrap } from '../api/client';
import type { ContractDetail } from '../api/types';
import { useT } from '../i18n/i18n';
import { useSession } from '../auth/session';

/** The last day of vendor access (the day before the end instant, in Beijing time). */
function lastDayOf(access: ContractDetail['vendorAccess']): string {
  return access.extendedUntil && access.extendedUntil > access.lastDayByGrace ? access.extendedUntil : access.lastDayByGrace;
}

export function VendorAccessField({ detail, onChanged }: { detail: ContractDetail; onChanged: () => void }) {
  const t = useT();
  const { me } = useSession();
  const access = detail.vendorAccess;
  const [open, setOpen] = useState(false);
  const canExtend = detail.myRoles.includes('agencyAdmin') || me?.isPlatformAdmin === true;
  const extended = access.extendedUntil !== null && access.extendedUntil > access.lastDayByGrace;
  return (
    <div className="vendor-access">
      <div>
        {t('vendorAccess.until', { date: lastDayOf(access) })}
        {canExtend && (
          <Button type="link" size="small" className="vendor-access-extend" onClick={() => setOpen(true)}>
            {t('vendorAccess.extend')}
          </Button>
        )}
      </div>
      <div className="muted">{extended ? <Tag color="orange">{t('vendorAccess.extended')}</Tag> : t('vendorAccess.byGrace', { n: access.graceDays })}</div>
      {access.ended && <Tag color="red">{t('vendorAccess.ended')}</Tag>}
      {open && <ExtendModal detail={detail} onClose={() => setOpen(false)} onDone={onChanged} />}
    </div>
  );
}

function ExtendModal({ detail, onClose, onDone }: { detail: ContractDetail; onClose: () => void; onDone: () => void }) {
  const t = useT();
  const { message } = App.useApp();
  const [form] = Form.useForm<{ until: Dayjs; reason: string }>();
  const [busy, setBusy] = useState(false);
  const submit = async () => {
    const v = await form.validateFields();
    const until = v.until.format('YYYY-MM-DD');
    setBusy(true);
    try {
      await unwrap(api.POST('/api/contracts/{contractId}/vendor-access-extension', { params: { path: { contractId: detail.id } }, body: { until, reason: v.reason } }));
      message.success(t('vendorAccess.done', { date: until }));
      onClose();
      onDone();
    } catch (e) {
      message.error(errorMessage(e));
    } finally {
      setBusy(false);
    }
  };
  return (
    <Modal open title={t('vendorAccess.modalTitle')} onCancel={onClose} onOk={() => void submit()} confirmLoading={busy} destroyOnHidden>
      <p className="muted">{t('vendorAccess.modalIntro', { date: detail.vendorAccess.lastDayByGrace })}</p>
      <Form form={form} layout="vertical" requiredMark={false}>
        <Form.Item name="until" label={t('vendorAccess.newUntil')} rules={[{ required: true, message: t('vendorAccess.dateRequired') }]}>
          <DatePicker className="full-width" format="YYYY-MM-DD" disabledDate={(d) => d.format('YYYY-MM-DD') <= detail.vendorAccess.lastDayByGrace} />
        </Form.Item>
        <Form.Item name="reason" label={t('vendorAccess.reason')} rules={[{ required: true, whitespace: true, min: 2, message: t('vendorAccess.reasonRequired') }]}>
          <Input.TextArea rows={3} maxLength={500} showCount />
        </Form.Item>
      </Form>
    </Modal>
  );
}
