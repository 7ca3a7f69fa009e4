/**
 * 审计日志 — the auditor's view of a contract's audit trail: filters (time,
 * actor, action, object type, contract), a table in Beijing time with Chinese
 * action labels, before/after JSON on expansion, paging by sequence number,
 * export to Excel (after re-authentication; the export is audited), and
 * verification of the hash chain against the SM2-signed anchors.
 */
import { useCallback, useEffect, useMemo, useState } from 'react';
import { Alert, App, Button, Card, DatePicker, Form, Input, Select, Space, Table, Tag, Tooltip } from 'antd';
import type { ColumnsType } from 'antd/es/table';
import type { Dayjs } from 'dayjs';
import { DownloadOutlined, SafetyCertificateOutlined, SearchOutlined } from '@ant-design/icons';
import { api, errorMessage, unwrap } from '../api/client';
import { apiUrl } from '../api/urls';
import { downloadFile } from '../api/download';
import type { AuditQuery, AuditRow, AuditVerifyResult } from '../api/types';
import { isMessageKey, useT, type Translate } from '../i18n/i18n';
import { useMe } from '../auth/session';
import { AUDIT_READER_ROLES, canVerifyAudit, contractsOf } from '../auth/roles';
import { formatDateTime } from '../shared/datetime';
import { EmptyState, LoadError } from '../shared/page-state';

const PAGE_SIZE = 50;
const ALL_CONTRACTS = '__all__';
const ACTION_GROUPS = ['contract.', 'membership.', 'user.', 'auth.', 'audit.'] as const;
/** Object types offered by the filter (the server accepts any). */
const ENTITY_TYPES = ['user', 'membership', 'contract', 'auditLog', 'staffMember', 'accessReview'] as const;
const ACTIONS = [
  'contract.imported',
  'contract.versionImported',
  'membership.granted',
  'membership.revoked',
  'user.created',
  'auth.signIn',
  'auth.signInFailed',
  'auth.signInRefused',
  'auth.accountLocked',
  'auth.signOut',
  'auth.signOutEverywhere',
  'auth.forcedSignOut',
  'auth.accountUnlocked',
  'auth.secondFactorFailed',
  'auth.secondFactorReplayed',
  'auth.twoFactorEnrolled',
  'auth.twoFactorDisabled',
  'auth.twoFactorReset',
  'auth.reauthenticated',
  'auth.reauthFailed',
  'auth.passwordChanged',
  'audit.exported',
] as const;

interface Filters {
  action?: string;
  entityType?: string;
  actor?: string;
  range?: [Dayjs | null, Dayjs | null] | null;
}

/** A picked wall-clock time, read as Beijing time. */
function toBeijingIso(d: Dayjs): string {
  return `${d.format('YYYY-MM-DDTHH:mm:ss')}+08:00`;
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** A one-line summary of what a row changed: user, role, contract code and version. */
function summarise(t: Translate, row: AuditRow): string {
  const data = isRecord(row.after) ? row.after : isRecord(row.before) ? row.before : null;
  if (!data) return '';
  const parts: string[] = [];
  if (typeof data.code === 'string') parts.push(data.code);
  if (typeof data.version === 'number') parts.push(t('contracts.versionN', { n: data.version }));
  if (typeof data.username === 'string') parts.push(data.username);
  if (typeof data.displayName === 'string') parts.push(data.displayName);
  if (typeof data.role === 'string') {
    const key = `role.${data.role}`;
    parts.push(isMessageKey(key) ? t(key) : data.role);
  }
  return parts.join(' · ');
}

function Json({ value }: { value: unknown }) {
  const t = useT();
  if (value === null || value === undefined) return <div className="json-empty">{t('audit.noContent')}</div>;
  return <pre className="json">{JSON.stringify(value, null, 2)}</pre>;
}

export function AuditPage() {
  const t = useT();
  const me = useMe();
  const [form] = Form.useForm<Filters>();
  const contracts = useMemo(() => contractsOf(me.memberships.filter((m) => AUDIT_READER_ROLES.includes(m.role))), [me]);
  const contractOptions = useMemo(
    () => [
      ...(me.isPlatformAuditor ? [{ value: ALL_CONTRACTS, label: t('audit.allContracts') }] : []),
      ...contracts.map((c) => ({ value: c.contractId, label: `${c.contractCode}　${c.contractName}` })),
    ],
    [contracts, me.isPlatformAuditor, t],
  );
  const [contract, setContract] = useState<string | undefined>(contractOptions[0]?.value);
  const [filters, setFilters] = useState<Filters>({});
  const [rows, setRows] = useState<AuditRow[]>([]);
  const [loading, setLoading] = useState(false);
  const [hasMore, setHasMore] = useState(false);
  const [error, setError] = useState<unknown>(undefined);
  const [verifying, setVerifying] = useState(false);
  const [verify, setVerify] = useState<AuditVerifyResult | null>(null);
  const [verifyError, setVerifyError] = useState<string | null>(null);
  const [exporting, setExporting] = useState(false);
  const { message } = App.useApp();

  const buildQuery = useCallback(
    (beforeSeq?: string): AuditQuery => {
      const q: AuditQuery = { limit: PAGE_SIZE };
      if (contract && contract !== ALL_CONTRACTS) q.contractId = contract;
      if (filters.action) q.action = filters.action;
      if (filters.entityType) q.entityType = filters.entityType;
      if (filters.actor?.trim()) q.actor = filters.actor.trim();
      const [from, to] = filters.range ?? [null, null];
      if (from) q.from = toBeijingIso(from);
      if (to) q.to = toBeijingIso(to);
      if (beforeSeq) q.beforeSeq = beforeSeq;
      return q;
    },
    [contract, filters],
  );

  const load = useCallback(
    async (beforeSeq?: string) => {
      setLoading(true);
      setError(undefined);
      try {
        const page = await unwrap(api.GET('/api/audit', { params: { query: buildQuery(beforeSeq) } }));
        setRows((prev) => (beforeSeq ? [...prev, ...page] : page));
        setHasMore(page.length === PAGE_SIZE);
      } catch (e) {
        setError(e);
      } finally {
        setLoading(false);
      }
    },
    [buildQuery],
  );

  useEffect(() => {
    if (contract) void load();
  }, [contract, load]);

  const runExport = async () => {
    setExporting(true);
    try {
      const { limit: _limit, beforeSeq: _beforeSeq, ...filter } = buildQuery();
      await downloadFile(apiUrl('/api/audit/export.xlsx', 'get', undefined, filter), t('audit.exportFileName', { date: new Date().toISOString().slice(0, 10) }));
      message.success(t('audit.exported'));
    } catch (e) {
      message.error(errorMessage(e));
    } finally {
      setExporting(false);
    }
  };

  const runVerify = async () => {
    setVerifying(true);
    setVerifyError(null);
    try {
      setVerify(await unwrap(api.POST('/api/audit/verify')));
    } catch (e) {
      setVerify(null);
      setVerifyError(errorMessage(e));
    } finally {
      setVerifying(false);
    }
  };

  if (!contractOptions.length) {
    return (
      <div className="page">
        <div className="page-head">
          <h1 className="page-title">{t('audit.title')}</h1>
        </div>
        <Card>
          <EmptyState>{t('audit.noAccess')}</EmptyState>
        </Card>
      </div>
    );
  }

  const dash = t('common.dash');
  const columns: ColumnsType<AuditRow> = [
    { title: t('audit.col.time'), dataIndex: 'occurredAt', width: 168, render: (s: string) => <span className="mono nowrap">{formatDateTime(s)}</span> },
    { title: t('audit.col.actor'), dataIndex: 'actorName', width: 150, render: (s: string | null) => (s ? <span className="nowrap">{s}</span> : <span className="muted">{t('audit.system')}</span>) },
    {
      title: t('audit.col.role'),
      dataIndex: 'actorRole',
      width: 130,
      render: (r: string | null) => {
        if (!r) return <span className="muted">{dash}</span>;
        const key = `role.${r}`;
        return isMessageKey(key) ? t(key) : r;
      },
    },
    {
      title: t('audit.col.action'),
      dataIndex: 'action',
      width: 200,
      render: (a: string) => {
        const key = `action.${a}`;
        const failed = a === 'auth.signInFailed' || a === 'auth.accountLocked' || a === 'auth.signInRefused';
        return (
          <div>
            <Tag color={failed ? 'red' : a.startsWith('contract.') ? 'blue' : a.startsWith('membership.') ? 'purple' : 'default'}>{isMessageKey(key) ? t(key) : a}</Tag>
            <div className="mono tiny muted">{a}</div>
          </div>
        );
      },
    },
    {
      title: t('audit.col.entity'),
      key: 'entity',
      render: (_: unknown, r) => {
        const key = `entity.${r.entityType}`;
        const summary = summarise(t, r);
        return (
          <div>
            <span>{isMessageKey(key) ? t(key) : r.entityType}</span>
            {r.entityId && (
              <Tooltip title={r.entityId}>
                <span className="mono tiny muted"> {r.entityId.slice(0, 8)}</span>
              </Tooltip>
            )}
            {summary && <div className="small muted">{summary}</div>}
          </div>
        );
      },
    },
    { title: t('audit.col.ip'), dataIndex: 'clientIp', width: 130, render: (s: string | null) => (s ? <span className="mono">{s}</span> : <span className="muted">{dash}</span>) },
    {
      title: t('audit.col.hash'),
      dataIndex: 'hash',
      width: 120,
      render: (h: string) => (
        <Tooltip title={h}>
          <span className="mono hash">{h.slice(0, 10)}</span>
        </Tooltip>
      ),
    },
  ];

  return (
    <div className="page">
      <div className="page-head">
        <div>
          <h1 className="page-title">{t('audit.title')}</h1>
          <div className="page-desc">{t('audit.subtitle')}</div>
        </div>
        <Space>
          <Button className="audit-export" icon={<DownloadOutlined />} loading={exporting} onClick={() => void runExport()}>
            {t('audit.export')}
          </Button>
          {canVerifyAudit(me) && (
            <Button className="audit-verify" icon={<SafetyCertificateOutlined />} loading={verifying} onClick={() => void runVerify()}>
              {t('audit.verify')}
            </Button>
          )}
        </Space>
      </div>

      {verify && (
        <Alert
          className="verify-result"
          type={verify.ok ? 'success' : 'error'}
          showIcon
          closable={{ onClose: () => setVerify(null) }}
          title={verify.ok ? t('audit.verifyOk') : t('audit.verifyFail')}
          description={<VerifyDetail result={verify} />}
        />
      )}
      {verifyError && <Alert className="verify-result" type="error" showIcon title={verifyError} closable={{ onClose: () => setVerifyError(null) }} />}

      <Card className="filter-card" size="small">
        <Form<Filters>
          form={form}
          layout="inline"
          className="audit-filters"
          onFinish={(values) => setFilters({ ...values })}
          onReset={() => setFilters({})}
        >
          <Form.Item label={t('audit.contract')}>
            <Select className="audit-contract" style={{ width: 380 }} value={contract} options={contractOptions} onChange={(v: string) => setContract(v)} popupMatchSelectWidth={false} />
          </Form.Item>
          <Form.Item name="action" label={t('audit.action')}>
            <Select
              className="audit-action"
              style={{ width: 220 }}
              allowClear
              placeholder={t('audit.actionAll')}
              options={[
                { label: t('audit.actionGroups'), options: ACTION_GROUPS.map((g) => ({ value: g, label: `${t(`actionGroup.${g}`)}${t('common.paren', { text: g })}` })) },
                { label: t('audit.actionItems'), options: ACTIONS.map((a) => ({ value: a, label: t(`action.${a}`) })) },
              ]}
            />
          </Form.Item>
          <Form.Item name="entityType" label={t('audit.entityType')}>
            <Select
              className="audit-entity-type"
              style={{ width: 150 }}
              allowClear
              placeholder={t('audit.entityTypeAll')}
              options={ENTITY_TYPES.map((e) => {
                const key = `entity.${e}`;
                return { value: e, label: isMessageKey(key) ? t(key) : e };
              })}
            />
          </Form.Item>
          <Form.Item name="actor" label={t('audit.actor')}>
            <Input className="audit-actor" style={{ width: 150 }} allowClear placeholder={t('audit.actorPlaceholder')} />
          </Form.Item>
          <Form.Item name="range" label={t('audit.timeRange')}>
            <DatePicker.RangePicker showTime={{ format: 'HH:mm' }} format="YYYY-MM-DD HH:mm" allowEmpty={[true, true]} placeholder={[t('audit.timeStart'), t('audit.timeEnd')]} />
          </Form.Item>
          <Form.Item>
            <Button type="primary" htmlType="submit" icon={<SearchOutlined />}>
              {t('audit.search')}
            </Button>
          </Form.Item>
          <Form.Item>
            <Button htmlType="reset">{t('audit.reset')}</Button>
          </Form.Item>
        </Form>
      </Card>

      {error !== undefined && <LoadError error={error} onRetry={() => void load()} />}

      <Card className="table-card" styles={{ body: { padding: 0 } }}>
        <Table<AuditRow>
          rowKey="seq"
          size="small"
          loading={loading}
          columns={columns}
          dataSource={rows}
          pagination={false}
          locale={{ emptyText: <EmptyState>{t('audit.empty')}</EmptyState> }}
          expandable={{
            expandedRowRender: (r) => (
              <div className="audit-detail">
                <div className="audit-meta">
                  <span>
                    {t('audit.seq')}{t('common.colon')}<span className="mono">{r.seq}</span>
                  </span>
                  <span>
                    {t('audit.id')}{t('common.colon')}<span className="mono">{r.id}</span>
                  </span>
                  {r.entityId && (
                    <span>
                      {t('audit.entityId')}{t('common.colon')}<span className="mono">{r.entityId}</span>
                    </span>
                  )}
                </div>
                <div className="audit-meta">
                  <span>
                    {t('audit.fullHash')}{t('common.colon')}<span className="mono">{r.hash}</span>
                  </span>
                </div>
                <div className="audit-meta">
                  <span>
                    {t('audit.prevHash')}{t('common.colon')}<span className="mono">{r.prevHash}</span>
                  </span>
                </div>
                <div className="audit-json">
                  <div>
                    <div className="json-label">{t('audit.before')}</div>
                    <Json value={r.before} />
                  </div>
                  <div>
                    <div className="json-label">{t('audit.after')}</div>
                    <Json value={r.after} />
                  </div>
                </div>
              </div>
            ),
          }}
        />
        {rows.length > 0 && (
          <div className="load-more">
            <span className="muted">{t('audit.shown', { n: rows.length })}</span>
            {hasMore ? (
              <Button onClick={() => void load(rows[rows.length - 1]?.seq)} loading={loading}>
                {t('audit.loadMore')}
              </Button>
            ) : (
              <span className="muted">{t('audit.noMore')}</span>
            )}
          </div>
        )}
      </Card>
    </div>
  );
}

/** The chain walk, the signed anchors and the retention, in a few lines. */
function VerifyDetail({ result }: { result: AuditVerifyResult }) {
  const t = useT();
  const dash = t('common.dash');
  const a = result.anchors;
  return (
    <div className="verify-detail">
      <div>
        {result.problem
          ? `${t('audit.verifyFailDetail', { seq: result.problem.seq, message: result.problem.message })}${t('common.paren', { text: t(`audit.verifyKind.${result.problem.kind}`) })}`
          : t('audit.verifyOkDetail', { n: result.rowsChecked, seq: result.lastSeq ?? dash })}
      </div>
      <div className="verify-anchors">
        {a.problem
          ? t('audit.anchorProblem', { message: a.problem.message })
          : a.latest
            ? `${t('audit.anchorsOk', { n: a.checked, time: formatDateTime(a.latest.anchoredAt), seq: a.latest.lastSeq })}${a.rowsAfterLatest > 0 ? t('audit.anchorsPending', { n: a.rowsAfterLatest }) : ''}`
            : t('audit.anchorsNone')}
        {a.warning && <div className="muted">{a.warning}</div>}
      </div>
      <div className="muted small">{t('audit.retention', { days: result.retentionDays, time: result.oldestAt ? formatDateTime(result.oldestAt) : dash })}</div>
    </div>
  );
}
