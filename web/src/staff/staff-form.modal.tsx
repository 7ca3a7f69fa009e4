/**
 * 登记人员 / 修改人员登记 — the vendor project manager's form: name, account,
 * position (from the contract or free text), consortium member, education,
 * start on this system, experience, background check and qualifications.
 */
import { useState } from 'react';
import { App, Button, DatePicker, Form, Input, InputNumber, Modal, Select, Space } from 'antd';
import { MinusCircleOutlined, PlusOutlined } from '@ant-design/icons';
import dayjs, { type Dayjs } from 'dayjs';
import { api, errorMessage, unwrap } from '../api/client';
import { useT } from '../i18n/i18n';
import { EDUCATION_ORDER, type Education, type NewStaff, type Roster, type StaffMember } from './staff-types';

interface FormValues {
  personName: string;
  username?: string;
  positionKey?: string;
  positionName?: string;
  memberPartyKey?: string;
  education: Education;
  systemStartOn: Dayjs;
  experienceYears?: number | null;
  backgroundCheckOn?: Dayjs | null;
  backgroundCheckResult?: 'passed' | 'failed' | 'pending';
  qualifications?: { name: string; certificateNo?: string; validUntil?: Dayjs | null }[];
  replacesRequestId?: string;
}

const day = (s: string | null | undefined): Dayjs | null => (s ? dayjs(s) : null);
const iso = (d: Dayjs | null | undefined): string | undefined => (d ? d.format('YYYY-MM-DD') : undefined);

export function StaffFormModal({ contractId, roster, member, onClose, onDone }: { contractId: string; roster: Roster; member?: StaffMember; onClose: () => void; onDone: () => void }) {
  const t = useT();
  const { message } = App.useApp();
  const [form] = Form.useForm<FormValues>();
  const [saving, setSaving] = useState(false);
  const pendingRequests = roster.replacementRequests.filter((r) => (r.status === 'open' || r.status === 'overdue') && !r.replacementMemberId);

  const initial: Partial<FormValues> = member
    ? {
        personName: member.personName,
        username: member.username ?? undefined,
        positionKey: member.positionKey ?? undefined,
        positionName: member.positionKey ? undefined : member.positionName,
        memberPartyKey: member.memberPartyKey ?? undefined,
        education: member.education,
        systemStartOn: dayjs(member.systemStartOn),
        experienceYears: member.experienceYears,
        backgroundCheckOn: day(member.backgroundCheckOn),
        backgroundCheckResult: member.backgroundCheckResult ?? undefined,
        qualifications: member.qualifications.map((q) => ({ name: q.name, certificateNo: q.certificateNo, validUntil: day(q.validUntil) })),
      }
    : { education: 'bachelor', qualifications: [] };

  const submit = async () => {
    const v = await form.validateFields();
    const body: NewStaff = {
      personName: v.personName,
      username: v.username?.trim() ? v.username.trim() : null,
      positionKey: v.positionKey ?? null,
      ...(v.positionName?.trim() ? { positionName: v.positionName.trim() } : {}),
      memberPartyKey: v.memberPartyKey ?? null,
      education: v.education,
      systemStartOn: iso(v.systemStartOn) ?? '',
      experienceYears: v.experienceYears ?? null,
      backgroundCheckOn: iso(v.backgroundCheckOn) ?? null,
      backgroundCheckResult: v.backgroundCheckResult ?? null,
      qualifications: (v.qualifications ?? [])
        .filter((q) => q.name?.trim())
        .map((q) => ({ name: q.name.trim(), ...(q.certificateNo?.trim() ? { certificateNo: q.certificateNo.trim() } : {}), ...(q.validUntil ? { validUntil: iso(q.validUntil) } : {}) })),
    };
    setSaving(true);
    try {
      if (member) {
        await unwrap(api.PATCH('/api/staff/{staffId}', { params: { path: { staffId: member.id } }, body: { ...body, version: member.version } }));
      } else {
        await unwrap(api.POST('/api/contracts/{contractId}/staff', { params: { path: { contractId } }, body: { ...body, ...(v.replacesRequestId ? { replacesRequestId: v.replacesRequestId } : {}) } }));
      }
      onDone();
    } catch (e) {
      message.error(errorMessage(e));
    } finally {
      setSaving(false);
    }
  };

  const required = [{ required: true, message: t('staff.form.required') }];
  return (
    <Modal open title={member ? t('staff.form.editTitle') : t('staff.form.addTitle')} onCancel={onClose} onOk={() => void submit()} confirmLoading={saving} width={720} destroyOnHidden>
      <Form form={form} layout="vertical" initialValues={initial} className="staff-form">
        <div className="form-grid-2">
          <Form.Item name="personName" label={t('staff.form.personName')} rules={required}>
            <Input maxLength={50} disabled={member !== undefined && member.status !== 'proposed'} />
          </Form.Item>
          <Form.Item name="username" label={t('staff.form.username')} extra={t('staff.form.usernameHint')}>
            <Input maxLength={50} className="mono" />
          </Form.Item>
          <Form.Item name="positionKey" label={t('staff.form.position')} extra={t('staff.form.positionHint')}>
            <Select allowClear options={roster.positions.map((p) => ({ value: p.key, label: p.name }))} />
          </Form.Item>
          <Form.Item name="positionName" label={t('staff.form.positionOther')}>
            <Input maxLength={100} />
          </Form.Item>
          {roster.vendorParties.length > 1 && (
            <Form.Item name="memberPartyKey" label={t('staff.form.member')}>
              <Select allowClear options={roster.vendorParties.map((p) => ({ value: p.key, label: p.name }))} />
            </Form.Item>
          )}
          <Form.Item name="education" label={t('staff.form.education')} rules={required}>
            <Select options={EDUCATION_ORDER.map((e) => ({ value: e, label: t(`staff.edu.${e}`) }))} />
          </Form.Item>
          <Form.Item name="systemStartOn" label={t('staff.form.systemStartOn')} rules={required}>
            <DatePicker className="full-width" />
          </Form.Item>
          <Form.Item name="experienceYears" label={t('staff.form.experienceYears')}>
            <InputNumber min={0} max={60} precision={0} className="full-width" />
          </Form.Item>
          <Form.Item name="backgroundCheckOn" label={t('staff.form.backgroundCheckOn')}>
            <DatePicker className="full-width" />
          </Form.Item>
          <Form.Item name="backgroundCheckResult" label={t('staff.form.backgroundCheckResult')}>
            <Select allowClear options={(['passed', 'pending', 'failed'] as const).map((r) => ({ value: r, label: t(`staff.bg.${r}`) }))} />
          </Form.Item>
          {!member && pendingRequests.length > 0 && (
            <Form.Item name="replacesRequestId" label={t('staff.form.replaces')}>
              <Select allowClear options={pendingRequests.map((r) => ({ value: r.id, label: `${r.personName}（${r.reason}）` }))} />
            </Form.Item>
          )}
        </div>
        <Form.List name="qualifications">
          {(fields, { add, remove }) => (
            <Form.Item label={t('staff.form.qualifications')}>
              {fields.map((f) => (
                <Space key={f.key} align="baseline" className="qual-row">
                  <Form.Item name={[f.name, 'name']} rules={required} noStyle>
                    <Input placeholder={t('staff.form.qualName')} maxLength={200} />
                  </Form.Item>
                  <Form.Item name={[f.name, 'certificateNo']} noStyle>
                    <Input placeholder={t('staff.form.qualNo')} maxLength={100} />
                  </Form.Item>
                  <Form.Item name={[f.name, 'validUntil']} noStyle>
                    <DatePicker placeholder={t('staff.form.qualValidUntil')} />
                  </Form.Item>
                  <MinusCircleOutlined onClick={() => remove(f.name)} />
                </Space>
              ))}
              <Button type="dashed" icon={<PlusOutlined />} onClick={() => add({ name: '' })}>
                {t('staff.form.addQual')}
              </Button>
            </Form.Item>
          )}
        </Form.List>
      </Form>
    </Modal>
  );
}
