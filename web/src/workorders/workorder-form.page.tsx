/**
 * 登记工单 / 修改工单 — one form for every kind: the common facts (subtype,
 * title, system, requester, when the need was raised — the clock starts
 * there —, executor, implementation window) and the particulars of the kind.
 * "保存草稿" checks only what a draft needs; "提交审批" also checks what the
 * server requires before submission (mirrored here; the server decides, and
 * its refusal is shown as it words it). The approval flow and the SLA level
 * that will apply are shown beside the form, from the contract's rules.
 */
import { SiteField } from '../contracts/site-field';
import { useMemo, useRef, useState, type MutableRefObject } from 'react';
import { Link, useNavigate, useParams, useSearchParams } from 'react-router-dom';
import { Alert, App, Button, Card, Checkbox, DatePicker, Form, Input, InputNumber, Radio, Select, Space, Tag, TreeSelect } from 'antd';
import type { Rule } from 'antd/es/form';
import { ArrowLeftOutlined, DeleteOutlined, PlusOutlined, SaveOutlined, SendOutlined } from '@ant-design/icons';
import dayjs, { type Dayjs } from 'dayjs';
import { api, ApiError, errorMessage, unwrap } from '../api/client';
import type { ContractDetail, ContractMember, NewWorkOrder, WorkOrderDetail, WorkOrderEdit, WorkOrderKind, WorkOrderRules } from '../api/types';
import { useMe } from '../auth/session';
import { useT } from '../i18n/i18n';
import { beijingNow, beijingWallClockToIso, formatDateTime, isoToBeijingWallClock } from '../shared/datetime';
import { useQuery } from '../shared/use-query';
import { EmptyState, LoadError, Loading } from '../shared/page-state';
import { systemTree } from '../contracts/contract-index';
import { ContractNav } from '../contracts/contract-nav';
import { readDetails } from './workorder-details';
import { roleName, subtypeName } from './workorder-format';
import { sendWorkOrderCommand } from './workorder-api';
import { CONTENT_CHANNELS, isKind, kindsToRaise, PERSONAL_DATA_CATEGORIES, RELEASE_ENVIRONMENTS, RISK_LEVELS, subtypeOf, SUBTYPES, VENDOR_ROLES } from './workorder-rules';
import './workorders.css';

type PdCategory = (typeof PERSONAL_DATA_CATEGORIES)[number];

interface FormValues {
  subtype?: string;
  title?: string;
  description?: string;
  systemKey?: string;
  site?: string;
  requesterName?: string;
  requesterUserId?: string;
  requestedAt?: Dayjs | null;
  assigneeUserId?: string;
  windowStart?: Dayjs | null;
  windowEnd?: Dayjs | null;
  // service request
  contact?: string;
  location?: string;
  expectedBy?: Dayjs | null;
  // data work order
  purpose?: string;
  legalBasis?: string;
  /** 数据提取: ask for the one unmasked, watermarked export of incidents reported in a period. */
  exportUnmasked?: boolean;
  exportDays?: [Dayjs, Dayjs] | null;
  exportSystems?: string[];
  tables?: { name?: string; fields?: string[] }[];
  personalDataCategories?: PdCategory[];
  rowEstimate?: number | null;
  dataEnvironment?: string;
  deliveryMethod?: string;
  // change
  reason?: string;
  riskLevel?: (typeof RISK_LEVELS)[number];
  risks?: string;
  method?: string;
  tools?: string;
  steps?: string[];
  rollbackPlan?: string;
  backupConfirmed?: boolean;
  backupNote?: string;
  affectedSystems?: string[];
  verificationPlan?: string;
  // release
  version?: string;
  releaseEnvironment?: (typeof RELEASE_ENVIRONMENTS)[number];
  testEvidence?: string;
  releaseNotes?: string;
  observationHours?: number | null;
  // content
  channel?: (typeof CONTENT_CHANNELS)[number];
  body?: string;
  displayUntil?: Dayjs | null;
  securityScan?: string;
}

type Intent = 'draft' | 'submit';

function opt(v: string | undefined): string | undefined {
  const s = v?.trim();
  return s ? s : undefined;
}

function iso(d: Dayjs | null | undefined): string | undefined {
  return d ? beijingWallClockToIso(d) : undefined;
}

/** Whole days in Beijing time: from the first day's start to the end of the last day. */
function exportScopeOf([first, last]: [Dayjs, Dayjs], systemKeys: string[]) {
  return {
    records: 'incidents' as const,
    reportedFrom: beijingWallClockToIso(first.startOf('day')),
    reportedTo: beijingWallClockToIso(last.add(1, 'day').startOf('day')),
    systemKeys,
  };
}

function isPd(v: unknown): v is PdCategory {
  return PERSONAL_DATA_CATEGORIES.some((c) => c === v);
}

/** The `details` of the kind from the form values (empty optional fields left out). */
function detailsOf(kind: WorkOrderKind, v: FormValues) {
  const strOpt = (key: string, value: string | undefined) => (opt(value) ? { [key]: opt(value) } : {});
  switch (kind) {
    case 'serviceRequest':
      return { kind, details: { ...strOpt('contact', v.contact), ...strOpt('location', v.location), ...(v.expectedBy ? { expectedBy: iso(v.expectedBy) } : {}) } } as const;
    case 'dataWorkOrder':
      return {
        kind,
        details: {
          purpose: v.purpose?.trim() ?? '',
          legalBasis: v.legalBasis?.trim() ?? '',
          tables: (v.tables ?? []).filter((x) => opt(x.name)).map((x) => ({ name: x.name?.trim() ?? '', fields: (x.fields ?? []).map((f) => f.trim()).filter(Boolean) })),
          personalDataCategories: (v.personalDataCategories ?? []).filter(isPd),
          ...(typeof v.rowEstimate === 'number' ? { rowEstimate: v.rowEstimate } : {}),
          ...strOpt('environment', v.dataEnvironment),
          ...strOpt('deliveryMethod', v.deliveryMethod),
          ...(v.exportUnmasked && v.exportDays ? { exportScope: exportScopeOf(v.exportDays, v.exportSystems ?? []) } : {}),
        },
      } as const;
    case 'change':
      return {
        kind,
        details: {
          reason: v.reason?.trim() ?? '',
          ...(v.riskLevel ? { riskLevel: v.riskLevel } : {}),
          risks: v.risks?.trim() ?? '',
          method: v.method?.trim() ?? '',
          tools: v.tools?.trim() ?? '',
          steps: (v.steps ?? []).map((s) => s.trim()).filter(Boolean),
          rollbackPlan: v.rollbackPlan?.trim() ?? '',
          backupConfirmed: v.backupConfirmed === true,
          backupNote: v.backupNote?.trim() ?? '',
          affectedSystems: v.affectedSystems ?? [],
          verificationPlan: v.verificationPlan?.trim() ?? '',
        },
      } as const;
    case 'release':
      return {
        kind,
        details: {
          version: v.version?.trim() ?? '',
          environment: v.releaseEnvironment ?? 'production',
          testEvidence: v.testEvidence?.trim() ?? '',
          releaseNotes: v.releaseNotes?.trim() ?? '',
          ...(typeof v.observationHours === 'number' ? { observationHours: v.observationHours } : {}),
        },
      } as const;
    case 'content':
      return {
        kind,
        details: {
          channel: v.channel ?? 'website',
          body: v.body ?? '',
          ...(v.displayUntil ? { displayUntil: iso(v.displayUntil) } : {}),
          ...strOpt('securityScan', v.securityScan),
        },
      } as const;
  }
}

/** The body of a new order, or null when the subtype is not one of the kind's. */
function newBody(kind: WorkOrderKind, v: FormValues): NewWorkOrder | null {
  const common = {
    title: v.title?.trim() ?? '',
    description: v.description?.trim() ?? '',
    ...(v.systemKey ? { systemKey: v.systemKey } : {}),
    ...(opt(v.site) ? { site: opt(v.site) } : {}),
    ...(v.requesterUserId ? { requesterUserId: v.requesterUserId } : {}),
    ...(opt(v.requesterName) ? { requesterName: opt(v.requesterName) } : {}),
    ...(v.requestedAt ? { requestedAt: iso(v.requestedAt) } : {}),
    ...(v.assigneeUserId ? { assigneeUserId: v.assigneeUserId } : {}),
    ...(v.windowStart ? { windowStart: iso(v.windowStart) } : {}),
    ...(v.windowEnd ? { windowEnd: iso(v.windowEnd) } : {}),
  };
  const d = detailsOf(kind, v);
  switch (d.kind) {
    case 'serviceRequest': {
      const subtype = subtypeOf(d.kind, v.subtype);
      return subtype ? { kind: d.kind, subtype, ...common, details: d.details } : null;
    }
    case 'dataWorkOrder': {
      const subtype = subtypeOf(d.kind, v.subtype);
      return subtype ? { kind: d.kind, subtype, ...common, details: d.details } : null;
    }
    case 'change': {
      const subtype = subtypeOf(d.kind, v.subtype);
      return subtype ? { kind: d.kind, subtype, ...common, details: d.details } : null;
    }
    case 'release': {
      const subtype = subtypeOf(d.kind, v.subtype);
      return subtype ? { kind: d.kind, subtype, ...common, details: d.details } : null;
    }
    case 'content': {
      const subtype = subtypeOf(d.kind, v.subtype);
      return subtype ? { kind: d.kind, subtype, ...common, details: d.details } : null;
    }
  }
}

/**
 * The edit of an existing order: only the fields the user changed (cleared
 * ones as null), the request of the kind replaced whole when any part of it
 * changed. Untouched fields are not sent back, so masked personal data shown
 * in the form never overwrites the original. Null when nothing changed.
 */
function editBody(kind: WorkOrderKind, version: number, before: FormValues, v: FormValues): WorkOrderEdit | null {
  const edit: WorkOrderEdit = { version };
  const differs = (a: unknown, b: unknown) => JSON.stringify(a ?? null) !== JSON.stringify(b ?? null);
  if (v.subtype && v.subtype !== before.subtype) edit.subtype = v.subtype;
  if (differs(v.title?.trim(), before.title)) edit.title = v.title?.trim() ?? '';
  if (differs(v.description?.trim() ?? '', before.description ?? '')) edit.description = v.description?.trim() ?? '';
  if (differs(v.systemKey, before.systemKey)) edit.systemKey = v.systemKey ?? null;
  if (v.requesterUserId && v.requesterUserId !== before.requesterUserId) edit.requesterUserId = v.requesterUserId;
  if (differs(opt(v.requesterName), opt(before.requesterName))) edit.requesterName = opt(v.requesterName) ?? null;
  if (differs(v.assigneeUserId, before.assigneeUserId)) edit.assigneeUserId = v.assigneeUserId ?? null;
  if (differs(iso(v.windowStart), iso(before.windowStart))) edit.windowStart = iso(v.windowStart) ?? null;
  if (differs(iso(v.windowEnd), iso(before.windowEnd))) edit.windowEnd = iso(v.windowEnd) ?? null;
  const d = detailsOf(kind, v);
  if (differs(d.details, detailsOf(kind, before).details)) {
    // an empty service-request request is left out: the API's details union would read {} as another kind's
    if (!(d.kind === 'serviceRequest' && Object.keys(d.details).length === 0)) edit.details = d.details;
  }
  return Object.keys(edit).length > 1 ? edit : null;
}

/** Form values of an existing order. */
function valuesOf(detail: WorkOrderDetail): FormValues {
  const wo = detail.workOrder;
  const day = (s: string | null) => (s ? isoToBeijingWallClock(s) : null);
  const base: FormValues = {
    subtype: wo.subtype,
    title: wo.title,
    description: wo.description,
    ...(wo.systemKey ? { systemKey: wo.systemKey } : {}),
    ...(wo.requesterName ? { requesterName: wo.requesterName } : {}),
    requesterUserId: wo.requester.id,
    ...(wo.assignee ? { assigneeUserId: wo.assignee.id } : {}),
    windowStart: day(wo.windowStart),
    windowEnd: day(wo.windowEnd),
  };
  const k = readDetails(wo.kind, wo.details);
  switch (k.kind) {
    case 'serviceRequest':
      return { ...base, contact: k.d.contact ?? undefined, location: k.d.location ?? undefined, expectedBy: day(k.d.expectedBy) };
    case 'dataWorkOrder':
      return {
        ...base,
        purpose: k.d.purpose ?? '',
        legalBasis: k.d.legalBasis ?? '',
        tables: k.d.tables,
        personalDataCategories: k.d.personalDataCategories.filter(isPd),
        rowEstimate: k.d.rowEstimate,
        dataEnvironment: k.d.environment ?? undefined,
        deliveryMethod: k.d.deliveryMethod ?? undefined,
        exportUnmasked: k.d.exportScope !== null,
        exportDays: k.d.exportScope ? [isoToBeijingWallClock(k.d.exportScope.reportedFrom), isoToBeijingWallClock(k.d.exportScope.reportedTo).subtract(1, 'day')] : null,
        exportSystems: k.d.exportScope?.systemKeys ?? [],
      };
    case 'change':
      return {
        ...base,
        reason: k.d.reason ?? '',
        riskLevel: RISK_LEVELS.find((r) => r === k.d.riskLevel),
        risks: k.d.risks ?? '',
        method: k.d.method ?? '',
        tools: k.d.tools ?? '',
        steps: k.d.steps.length ? k.d.steps : [''],
        rollbackPlan: k.d.rollbackPlan ?? '',
        backupConfirmed: k.d.backupConfirmed,
        backupNote: k.d.backupNote ?? '',
        affectedSystems: k.d.affectedSystems,
        verificationPlan: k.d.verificationPlan ?? '',
      };
    case 'release':
      return {
        ...base,
        version: k.d.version ?? '',
        releaseEnvironment: RELEASE_ENVIRONMENTS.find((e) => e === k.d.environment) ?? 'production',
        testEvidence: k.d.testEvidence ?? '',
        releaseNotes: k.d.releaseNotes ?? '',
        observationHours: k.d.observationHours,
      };
    case 'content':
      return { ...base, channel: CONTENT_CHANNELS.find((c) => c === k.d.channel) ?? 'website', body: k.d.body ?? '', displayUntil: day(k.d.displayUntil), securityScan: k.d.securityScan ?? undefined };
  }
}

interface FormData {
  contract: ContractDetail;
  rules: WorkOrderRules;
  members: ContractMember[];
}

async function loadForm(contractId: string): Promise<FormData> {
  const params = { params: { path: { contractId } } };
  const [contract, rules, members] = await Promise.all([
    unwrap(api.GET('/api/contracts/{contractId}', params)),
    unwrap(api.GET('/api/contracts/{contractId}/work-order-rules', params)),
    unwrap(api.GET('/api/contracts/{contractId}/members', params)).catch(() => [] as ContractMember[]),
  ]);
  return { contract, rules, members };
}

function notFoundOr(error: unknown, retry: () => void, message: string) {
  const notFound = error instanceof ApiError && (error.status === 404 || error.status === 400);
  return <div className="page">{notFound ? <Card><EmptyState>{message}</EmptyState></Card> : <LoadError error={error} onRetry={retry} />}</div>;
}

/** `/contracts/:contractId/work-orders/new?kind=…` */
export function WorkOrderNewPage() {
  const t = useT();
  const { contractId = '' } = useParams();
  const [params] = useSearchParams();
  const kindParam = params.get('kind');
  const kind: WorkOrderKind = isKind(kindParam) ? kindParam : 'serviceRequest';
  const q = useQuery(() => loadForm(contractId), [contractId]);
  if (q.error !== undefined) return notFoundOr(q.error, q.reload, t('detail.notFound'));
  if (!q.data) return <Loading />;
  return <WorkOrderForm key={kind} kind={kind} data={q.data} existing={null} />;
}

/** `/work-orders/:workOrderId/edit` */
export function WorkOrderEditPage() {
  const t = useT();
  const { workOrderId = '' } = useParams();
  const q = useQuery(async () => {
    const detail = await unwrap(api.GET('/api/work-orders/{workOrderId}', { params: { path: { workOrderId } } }));
    return { detail, form: await loadForm(detail.workOrder.contractId) };
  }, [workOrderId]);
  if (q.error !== undefined) return notFoundOr(q.error, q.reload, t('wo.notFound'));
  if (!q.data || q.data.detail.workOrder.id !== workOrderId) return <Loading />;
  return <WorkOrderForm kind={q.data.detail.workOrder.kind} data={q.data.form} existing={q.data.detail} />;
}

function blank(v: unknown): boolean {
  return v === undefined || v === null || (typeof v === 'string' && !v.trim()) || (Array.isArray(v) && v.length === 0);
}

/** A rule that requires a value only when submitting for approval. */
function neededOnSubmit(intent: MutableRefObject<Intent>, message: string, isEmpty: (v: unknown) => boolean = blank): Rule {
  return { validator: (_, value: unknown) => (intent.current === 'submit' && isEmpty(value) ? Promise.reject(new Error(message)) : Promise.resolve()) };
}

function WorkOrderForm({ kind, data, existing }: { kind: WorkOrderKind; data: FormData; existing: WorkOrderDetail | null }) {
  const t = useT();
  const me = useMe();
  const navigate = useNavigate();
  const { message } = App.useApp();
  const [form] = Form.useForm<FormValues>();
  const intent = useRef<Intent>('draft');
  const [saving, setSaving] = useState<Intent | null>(null);
  const [error, setError] = useState<string | null>(null);
  const { contract, rules, members } = data;
  const def = contract.definition;
  const tree = useMemo(() => systemTree(def.systems), [def.systems]);
  const kindRules = rules.kinds.find((k) => k.kind === kind);
  const subtype = Form.useWatch('subtype', form);
  const subtypeRules = kindRules?.subtypes.find((s) => s.subtype === subtype);
  const uniqueMembers = [...new Map(members.map((m) => [m.userId, m])).values()];
  const vendors = [...new Map(members.filter((m) => VENDOR_ROLES.includes(m.role)).map((m) => [m.userId, m])).values()];
  const memberLabel = (m: ContractMember) => `${m.displayName}${t('common.paren', { text: t(`role.${m.role}`) })}`;
  const needsWindow = kind === 'dataWorkOrder' || kind === 'change';
  const allowed = existing ? existing.canEdit : kindsToRaise(contract.myRoles, me.isPlatformAdmin).includes(kind);
  const kindLabel = t(`wo.kind.${kind}`);
  const backUrl = existing ? `/work-orders/${existing.workOrder.id}` : `/contracts/${contract.id}/work-orders?kind=${kind}`;

  if (!allowed) {
    return (
      <div className="page">
        <ContractNav contractId={contract.id} active="workOrders" code={contract.code} name={contract.name} />
        <Alert type="warning" showIcon title={existing ? t('wo.form.notEditable') : t('wo.form.noRole', { kind: kindLabel })} />
      </div>
    );
  }

  const need = (msg: string, isEmpty?: (v: unknown) => boolean) => neededOnSubmit(intent, msg, isEmpty);

  const save = async (which: Intent) => {
    intent.current = which;
    let values: FormValues;
    try {
      values = await form.validateFields();
    } catch {
      return;
    } finally {
      intent.current = 'draft';
    }
    setSaving(which);
    setError(null);
    try {
      let id: string;
      let version: number;
      let number: string;
      if (existing) {
        const body = editBody(kind, existing.workOrder.version, valuesOf(existing), values);
        id = existing.workOrder.id;
        version = existing.workOrder.version;
        number = existing.workOrder.number;
        if (body) version = (await unwrap(api.PATCH('/api/work-orders/{workOrderId}', { params: { path: { workOrderId: id } }, body }))).version;
        else if (which === 'draft') {
          message.info(t('wo.form.noChanges'));
          navigate(`/work-orders/${id}`);
          return;
        }
      } else {
        const body = newBody(kind, values);
        if (!body) {
          form.setFields([{ name: 'subtype', errors: [t('wo.form.subtypeRequired')] }]);
          return;
        }
        const r = await unwrap(api.POST('/api/contracts/{contractId}/work-orders', { params: { path: { contractId: contract.id } }, body }));
        id = r.id;
        version = r.version;
        number = r.number;
      }
      if (which === 'submit') {
        try {
          await sendWorkOrderCommand(id, version, { type: 'submit' });
          message.success(t('wo.form.submitted', { number }));
          navigate(`/work-orders/${id}`);
        } catch (e) {
          // saved, but the server refused the submission: show why on the order's page
          navigate(`/work-orders/${id}`, { state: { submitError: errorMessage(e) } });
        }
        return;
      }
      message.success(existing ? t('wo.form.saved', { number }) : t('wo.form.created', { number }));
      navigate(`/work-orders/${id}`);
    } catch (e) {
      setError(errorMessage(e));
    } finally {
      setSaving(null);
    }
  };

  const initial: FormValues = existing
    ? valuesOf(existing)
    : {
        subtype: SUBTYPES[kind][0],
        requesterUserId: me.id,
        requestedAt: beijingNow(),
        steps: [''],
        tables: [{ name: '', fields: [] }],
        personalDataCategories: [],
        backupConfirmed: false,
        releaseEnvironment: 'production',
        observationHours: 72,
        channel: 'website',
      };

  return (
    <div className="page incident-new-page workorder-form-page">
      <ContractNav contractId={contract.id} active="workOrders" code={contract.code} name={contract.name} />
      <Link to={backUrl} className="back-link">
        <ArrowLeftOutlined /> {existing ? t('wo.form.backToOrder', { number: existing.workOrder.number }) : t('wo.backToList', { kind: kindLabel })}
      </Link>
      <div className="page-head">
        <div>
          <h1 className="page-title">{existing ? t('wo.form.editTitle', { number: existing.workOrder.number }) : t('wo.form.newTitle', { kind: kindLabel })}</h1>
          <div className="page-desc">{t(`wo.form.desc.${kind}`)}</div>
        </div>
      </div>
      {existing?.approval.rejection && (
        <Alert
          className="approval-banner wo-returned"
          type="warning"
          showIcon
          title={t('wo.returnedBy', { name: existing.approval.rejection.userName, role: roleName(t, existing.approval.rejection.role, existing.approval.rejection.roleLabel), time: formatDateTime(existing.approval.rejection.at) })}
          description={`${t('wo.rejectReason')}${t('common.colon')}${existing.approval.rejection.comment}`}
        />
      )}
      <div className="wo-form-layout">
        <Form<FormValues> form={form} layout="vertical" className={`incident-form wo-form wo-form-${kind}`} scrollToFirstError initialValues={initial}>
          <Card className="section-card form-section" title={t('wo.form.sectionBasic')}>
            <div className="form-grid-3">
              <Form.Item name="subtype" label={t('wo.form.subtype')} rules={[{ required: true, message: t('wo.form.subtypeRequired') }]}>
                <Select options={(kindRules?.subtypes ?? []).map((s) => ({ value: s.subtype, label: subtypeName(t, kind, s.subtype, s.name) }))} />
              </Form.Item>
              <Form.Item
                name="systemKey"
                label={t('wo.fact.system')}
                required={kind !== 'serviceRequest' && kind !== 'content'}
                rules={kind !== 'serviceRequest' && kind !== 'content' ? [need(t('wo.form.systemRequired'))] : []}
              >
                <TreeSelect treeData={tree} allowClear showSearch treeNodeFilterProp="title" treeDefaultExpandAll placeholder={t('wo.form.systemPlaceholder')} popupMatchSelectWidth={420} />
              </Form.Item>
              {!existing ? (
                <Form.Item name="requestedAt" label={t('wo.form.requestedAt')} extra={t('wo.form.requestedAtHelp')} rules={[{ required: true, message: t('wo.form.requestedAtRequired') }]}>
                  <DatePicker showTime={{ format: 'HH:mm' }} format="YYYY-MM-DD HH:mm" className="full-width" allowClear={false} disabledDate={(d) => d.isAfter(beijingNow(), 'day')} />
                </Form.Item>
              ) : (
                <div />
              )}
            </div>
            {!existing && (
              <Form.Item name="site" label={t('site.field')} rules={[{ max: 200 }]}>
                <SiteField contractId={contract.id} />
              </Form.Item>
            )}
            <Form.Item name="title" label={t('wo.form.title')} rules={[{ required: true, whitespace: true, message: t('wo.form.titleRequired') }, { min: 2, message: t('wo.form.titleMin') }, { max: 200 }]}>
              <Input maxLength={200} showCount placeholder={t(`wo.form.titlePlaceholder.${kind}`)} />
            </Form.Item>
            <Form.Item name="description" label={t('wo.form.description')} rules={[{ max: 10000 }]}>
              <Input.TextArea rows={3} maxLength={10000} />
            </Form.Item>
            <div className="form-grid-3">
              <Form.Item name="requesterName" label={t('wo.form.requesterName')} extra={t('wo.form.requesterNameHelp')} rules={[{ max: 200 }]}>
                <Input maxLength={200} placeholder={t('wo.form.requesterNamePlaceholder')} />
              </Form.Item>
              <Form.Item name="requesterUserId" label={t('wo.form.requesterUser')} extra={t('wo.form.requesterUserHelp')}>
                <Select showSearch optionFilterProp="label" options={uniqueMembers.map((m) => ({ value: m.userId, label: memberLabel(m) }))} />
              </Form.Item>
              <Form.Item
                name="assigneeUserId"
                label={kind === 'dataWorkOrder' ? t('wo.f.executor') : kind === 'change' ? t('wo.f.implementer') : t('wo.f.assignee')}
                extra={kind === 'dataWorkOrder' ? t('wo.form.executorHelp') : undefined}
                required={kind === 'dataWorkOrder'}
                rules={kind === 'dataWorkOrder' ? [need(t('wo.form.executorRequired'))] : []}
              >
                <Select allowClear showSearch optionFilterProp="label" options={vendors.map((m) => ({ value: m.userId, label: memberLabel(m) }))} />
              </Form.Item>
            </div>
            <div className="form-grid-3">
              <Form.Item name="windowStart" label={t('wo.form.windowStart')} required={needsWindow} rules={needsWindow ? [need(t('wo.form.windowRequired'))] : []}>
                <DatePicker showTime={{ format: 'HH:mm' }} format="YYYY-MM-DD HH:mm" className="full-width" />
              </Form.Item>
              <Form.Item
                name="windowEnd"
                label={t('wo.form.windowEnd')}
                required={needsWindow}
                dependencies={['windowStart']}
                rules={[
                  ...(needsWindow ? [need(t('wo.form.windowRequired'))] : []),
                  ({ getFieldValue }) => ({
                    validator: (_, end: Dayjs | null | undefined) => {
                      const start: unknown = getFieldValue('windowStart');
                      return end && dayjs.isDayjs(start) && !end.isAfter(start) ? Promise.reject(new Error(t('wo.form.windowOrder'))) : Promise.resolve();
                    },
                  }),
                ]}
              >
                <DatePicker showTime={{ format: 'HH:mm' }} format="YYYY-MM-DD HH:mm" className="full-width" />
              </Form.Item>
              <div className="muted small wo-window-help">{needsWindow ? t(`wo.form.windowHelp.${kind === 'change' ? 'change' : 'data'}`) : t('wo.form.windowOptional')}</div>
            </div>
          </Card>

          <Card className="section-card form-section" title={t('wo.form.sectionKind', { kind: kindLabel })}>
            <KindFields kind={kind} subtype={subtype} need={need} tree={tree} />
          </Card>

          {error && <Alert className="submit-error" type="error" showIcon title={t('wo.form.failed')} description={error} />}
          <div className="form-actions">
            <Space>
              <Button type="primary" size="large" icon={<SendOutlined />} loading={saving === 'submit'} disabled={saving === 'draft'} onClick={() => void save('submit')} className="wo-submit-button">
                {existing?.workOrder.state === 'returned' ? t('wo.form.resubmit') : t('wo.form.submit')}
              </Button>
              <Button size="large" icon={<SaveOutlined />} loading={saving === 'draft'} disabled={saving === 'submit'} onClick={() => void save('draft')} className="wo-draft-button">
                {t('wo.form.saveDraft')}
              </Button>
              <Button size="large" onClick={() => navigate(backUrl)}>
                {t('common.cancel')}
              </Button>
            </Space>
          </div>
        </Form>

        <aside className="wo-form-aside">
          <Card size="small" className="section-card wo-rules-card" title={t('wo.form.rulesTitle')}>
            <div className="summary-label">{t('wo.form.flow')}</div>
            {!subtypeRules || subtypeRules.steps.length === 0 ? (
              <div className="muted">{t('wo.form.noFlow')}</div>
            ) : (
              <ol className="wo-flow-list">
                {subtypeRules.steps.map((s) => (
                  <li key={s.key}>
                    <span className="strong">{s.name}</span>
                    <div className="muted small">{s.roles.map((r) => roleName(t, r.role, r.label)).join(s.mode === 'all' ? t('wo.appr.and') : t('wo.appr.or'))}</div>
                  </li>
                ))}
              </ol>
            )}
            {subtypeRules && (
              <div className="small">
                <Tag color={subtypeRules.flowSource === 'contract' ? 'blue' : 'default'}>{subtypeRules.flowSource === 'contract' ? t('wo.appr.fromContract') : t('wo.appr.fromPlatform')}</Tag>
                {subtypeRules.flowClause && <span className="muted">{subtypeRules.flowClause}</span>}
              </div>
            )}
            <div className="summary-label wo-rules-level">{t('wo.fact.level')}</div>
            <div>{subtypeRules?.levelName ?? <span className="muted">{t('wo.noLevel')}</span>}</div>
            {subtypeRules?.levelKey && (
              <ul className="plain-list small muted">
                {(def.severityLevels.find((l) => l.key === subtypeRules.levelKey)?.targets ?? []).map((x, i) => (
                  <li key={i}>{x.name ?? t(`targetKind.${x.kind}`)}</li>
                ))}
              </ul>
            )}
            {kind === 'dataWorkOrder' && <Alert className="wo-rules-note" type="warning" showIcon title={t('wo.dataGateTitle')} description={t('wo.form.dataNote')} />}
          </Card>
        </aside>
      </div>
    </div>
  );
}

/** The particulars of the kind. */
function KindFields({
  kind,
  subtype,
  need,
  tree,
}: {
  kind: WorkOrderKind;
  subtype: string | undefined;
  need: (msg: string, isEmpty?: (v: unknown) => boolean) => Rule;
  tree: ReturnType<typeof systemTree>;
}) {
  const t = useT();
  switch (kind) {
    case 'serviceRequest':
      return (
        <div className="form-grid-3">
          <Form.Item name="contact" label={t('wo.f.contact')} rules={[{ max: 100 }]}>
            <Input maxLength={100} />
          </Form.Item>
          <Form.Item name="location" label={t('wo.f.location')} rules={[{ max: 200 }]}>
            <Input maxLength={200} />
          </Form.Item>
          <Form.Item name="expectedBy" label={t('wo.f.expectedBy')}>
            <DatePicker showTime={{ format: 'HH:mm' }} format="YYYY-MM-DD HH:mm" className="full-width" />
          </Form.Item>
        </div>
      );
    case 'dataWorkOrder':
      return (
        <>
          <Form.Item name="purpose" label={t('wo.f.purpose')} required rules={[need(t('wo.form.purposeRequired')), { max: 2000 }]}>
            <Input.TextArea rows={2} maxLength={2000} placeholder={t('wo.form.purposePlaceholder')} />
          </Form.Item>
          <Form.Item name="legalBasis" label={t('wo.f.legalBasis')} required rules={[need(t('wo.form.legalBasisRequired')), { max: 2000 }]}>
            <Input.TextArea rows={2} maxLength={2000} placeholder={t('wo.form.legalBasisPlaceholder')} />
          </Form.Item>
          <div className="ant-form-item-label wo-list-label">
            <label className="ant-form-item-required">{t('wo.f.tables')}</label>
          </div>
          <Form.List
            name="tables"
            rules={[{ validator: async (_, v: unknown) => (Array.isArray(v) && v.some((x: unknown) => typeof x === 'object' && x !== null && 'name' in x && typeof x.name === 'string' && x.name.trim()) ? undefined : Promise.reject(new Error(t('wo.form.tablesRequired')))) }]}
          >
            {(fields, { add, remove }, { errors }) => (
              <div className="wo-tables-edit">
                {fields.map((f) => (
                  <div key={f.key} className="wo-table-row">
                    <Form.Item name={[f.name, 'name']} className="wo-table-name" rules={[{ max: 200 }]}>
                      <Input placeholder={t('wo.form.tableName')} className="mono" />
                    </Form.Item>
                    <Form.Item name={[f.name, 'fields']} className="wo-table-fields">
                      <Select mode="tags" tokenSeparators={[',', '，', ' ']} placeholder={t('wo.form.tableFields')} suffixIcon={null} notFoundContent={null} />
                    </Form.Item>
                    <Button type="text" icon={<DeleteOutlined />} onClick={() => remove(f.name)} aria-label={t('wo.form.remove')} disabled={fields.length === 1} />
                  </div>
                ))}
                <Button type="dashed" icon={<PlusOutlined />} onClick={() => add({ name: '', fields: [] })} className="wo-add-table">
                  {t('wo.form.addTable')}
                </Button>
                <Form.ErrorList errors={errors} />
              </div>
            )}
          </Form.List>
          <Form.Item name="personalDataCategories" label={t('wo.f.personalData')} extra={t('wo.form.personalDataHelp')}>
            <Checkbox.Group className="wo-pd-checks" options={PERSONAL_DATA_CATEGORIES.map((c) => ({ value: c, label: t(`wo.pd.${c}`) }))} />
          </Form.Item>
          <div className="form-grid-3">
            <Form.Item name="rowEstimate" label={t('wo.f.rowEstimate')} required rules={[need(t('wo.form.rowEstimateRequired'))]}>
              <InputNumber min={0} precision={0} className="full-width" />
            </Form.Item>
            <Form.Item name="dataEnvironment" label={t('wo.f.environment')} rules={[{ max: 200 }]}>
              <Input maxLength={200} placeholder={t('wo.form.environmentPlaceholder')} />
            </Form.Item>
            <Form.Item name="deliveryMethod" label={t('wo.f.deliveryMethod')} rules={[{ max: 200 }]}>
              <Input maxLength={200} placeholder={t('wo.form.deliveryPlaceholder')} />
            </Form.Item>
          </div>
          {subtype === 'extraction' && <ExportScopeFields need={need} tree={tree} />}
        </>
      );
    case 'change':
      return (
        <>
          <Form.Item name="reason" label={t('wo.f.reason')} required rules={[need(t('wo.form.reasonRequired')), { max: 4000 }]}>
            <Input.TextArea rows={2} maxLength={4000} />
          </Form.Item>
          <div className="form-grid-2">
            <Form.Item name="riskLevel" label={t('wo.f.riskLevel')} required rules={[need(t('wo.form.riskLevelRequired'))]}>
              <Radio.Group optionType="button" options={RISK_LEVELS.map((r) => ({ value: r, label: t(`wo.risk.${r}`) }))} />
            </Form.Item>
            <Form.Item name="affectedSystems" label={t('wo.f.affectedSystems')}>
              <TreeSelect treeData={tree} multiple allowClear showSearch treeNodeFilterProp="title" treeDefaultExpandAll popupMatchSelectWidth={420} />
            </Form.Item>
          </div>
          <Form.Item name="risks" label={t('wo.f.risks')} required rules={[need(t('wo.form.risksRequired')), { max: 4000 }]}>
            <Input.TextArea rows={2} maxLength={4000} />
          </Form.Item>
          <Form.Item name="method" label={t('wo.f.method')} required rules={[need(t('wo.form.methodRequired')), { max: 4000 }]}>
            <Input.TextArea rows={2} maxLength={4000} />
          </Form.Item>
          <Form.Item name="tools" label={t('wo.f.tools')} required rules={[need(t('wo.form.toolsRequired')), { max: 2000 }]}>
            <Input maxLength={2000} />
          </Form.Item>
          <div className="ant-form-item-label wo-list-label">
            <label className="ant-form-item-required">{t('wo.f.steps')}</label>
          </div>
          <Form.List
            name="steps"
            rules={[{ validator: async (_, v: unknown) => (Array.isArray(v) && v.some((x: unknown) => typeof x === 'string' && x.trim()) ? undefined : Promise.reject(new Error(t('wo.form.stepsRequired')))) }]}
          >
            {(fields, { add, remove }, { errors }) => (
              <div className="wo-steps-edit">
                {fields.map((f, i) => (
                  <div key={f.key} className="wo-step-row">
                    <span className="wo-step-no">{i + 1}.</span>
                    <Form.Item name={f.name} className="wo-step-input" rules={[{ max: 2000 }]}>
                      <Input.TextArea autoSize={{ minRows: 1, maxRows: 4 }} maxLength={2000} />
                    </Form.Item>
                    <Button type="text" icon={<DeleteOutlined />} onClick={() => remove(f.name)} aria-label={t('wo.form.remove')} disabled={fields.length === 1} />
                  </div>
                ))}
                <Button type="dashed" icon={<PlusOutlined />} onClick={() => add('')} className="wo-add-step">
                  {t('wo.form.addStep')}
                </Button>
                <Form.ErrorList errors={errors} />
              </div>
            )}
          </Form.List>
          <Form.Item name="rollbackPlan" label={t('wo.f.rollbackPlan')} required rules={[need(t('wo.form.rollbackRequired')), { max: 4000 }]}>
            <Input.TextArea rows={2} maxLength={4000} />
          </Form.Item>
          <Form.Item name="backupConfirmed" valuePropName="checked" rules={[need(t('wo.form.backupRequired'), (v) => v !== true)]}>
            <Checkbox className="wo-backup-check">{t('wo.form.backupConfirm')}</Checkbox>
          </Form.Item>
          <Form.Item name="backupNote" label={t('wo.form.backupNote')} rules={[{ max: 2000 }]}>
            <Input maxLength={2000} placeholder={t('wo.form.backupNotePlaceholder')} />
          </Form.Item>
          <Form.Item name="verificationPlan" label={t('wo.f.verificationPlan')} rules={[{ max: 4000 }]}>
            <Input.TextArea rows={2} maxLength={4000} />
          </Form.Item>
        </>
      );
    case 'release':
      return (
        <>
          <div className="form-grid-3">
            <Form.Item name="version" label={t('wo.f.version')} required rules={[need(t('wo.form.versionRequired')), { max: 100 }]}>
              <Input maxLength={100} className="mono" />
            </Form.Item>
            <Form.Item name="releaseEnvironment" label={t('wo.f.releaseEnv')}>
              <Radio.Group optionType="button" options={RELEASE_ENVIRONMENTS.map((e) => ({ value: e, label: t(`wo.env.${e}`) }))} />
            </Form.Item>
            <Form.Item name="observationHours" label={t('wo.f.observationHours')}>
              <InputNumber min={1} max={2160} precision={0} className="full-width" suffix={t('wo.hoursUnit')} />
            </Form.Item>
          </div>
          <Form.Item name="testEvidence" label={t('wo.f.testEvidence')} required rules={[need(t('wo.form.testEvidenceRequired')), { max: 4000 }]}>
            <Input.TextArea rows={3} maxLength={4000} placeholder={t('wo.form.testEvidencePlaceholder')} />
          </Form.Item>
          <Form.Item name="releaseNotes" label={t('wo.f.releaseNotes')} rules={[{ max: 8000 }]}>
            <Input.TextArea rows={3} maxLength={8000} />
          </Form.Item>
          <div className="muted small">{t('wo.form.releaseLinksHelp')}</div>
        </>
      );
    case 'content':
      return (
        <>
          <Form.Item name="channel" label={t('wo.f.channel')}>
            <Radio.Group optionType="button" options={CONTENT_CHANNELS.map((c) => ({ value: c, label: t(`wo.channel.${c}`) }))} />
          </Form.Item>
          <Form.Item name="body" label={t('wo.f.body')} required rules={[need(t('wo.form.bodyRequired')), { max: 20000 }]}>
            <Input.TextArea rows={8} maxLength={20000} showCount />
          </Form.Item>
          <div className="form-grid-2">
            <Form.Item name="displayUntil" label={t('wo.f.displayUntil')}>
              <DatePicker showTime={{ format: 'HH:mm' }} format="YYYY-MM-DD HH:mm" className="full-width" />
            </Form.Item>
            <Form.Item name="securityScan" label={t('wo.f.securityScan')} rules={[{ max: 2000 }]}>
              <Input maxLength={2000} />
            </Form.Item>
          </div>
        </>
      );
  }
}

/** 申请明文导出: the period (whole days) and systems of the incidents the executor may export once, unmasked. */
function ExportScopeFields({ need, tree }: { need: (msg: string, isEmpty?: (v: unknown) => boolean) => Rule; tree: ReturnType<typeof systemTree> }) {
  const t = useT();
  const form = Form.useFormInstance<FormValues>();
  const wanted = Form.useWatch('exportUnmasked', form);
  return (
    <div className="wo-export-scope-edit">
      <Form.Item name="exportUnmasked" valuePropName="checked" extra={t('wo.form.exportUnmaskedHelp')}>
        <Checkbox>{t('wo.form.exportUnmasked')}</Checkbox>
      </Form.Item>
      {wanted && (
        <div className="form-grid-2">
          <Form.Item name="exportDays" label={t('wo.form.exportDays')} required rules={[need(t('wo.form.exportDaysRequired'))]}>
            <DatePicker.RangePicker className="full-width" />
          </Form.Item>
          <Form.Item name="exportSystems" label={t('wo.form.exportSystems')} extra={t('wo.form.exportSystemsHelp')}>
            <TreeSelect treeData={tree} multiple allowClear showSearch treeNodeFilterProp="title" treeDefaultExpandAll popupMatchSelectWidth={420} />
          </Form.Item>
        </div>
      )}
    </div>
  );
}
