/**
 * 权限复核 — every role grant of a contract (who, organisation, role,
 * district/street scope, granted by/when, last sign-in, roster clearance),
 * grant and revoke for the agency administrator, and the periodic review
 * record with its history and the next due date.
 */
import { useMemo, useState } from 'react';
import { useParams } from 'react-router-dom';
import { Alert, App, Button, Card, Form, Input, Modal, Select, Space, Table, Tag, Tooltip } from 'antd';
import type { ColumnsType } from 'antd/es/table';
import { AuditOutlined, PlusOutlined, ReloadOutlined } from '@ant-design/icons';
import { api, ApiError, errorMessage, unwrap } from '../api/client';
import type { Role } from '../api/types';
import { useT } from '../i18n/i18n';
import { formatDateTimeShort } from '../shared/datetime';
import { EmptyState, LoadError, Loading } from '../shared/page-state';
import { SourceTag } from '../shared/source-tag';
import { useQuery } from '../shared/use-query';
import { ROLE_ORDER } from '../auth/roles';
import { ContractNav } from '../contracts/contract-nav';
import { useContract } from '../contracts/use-contract';
import type { AccessReview, GrantRow, ReviewRecord } from './access-types';
import { SECURITY_LABELS, SecurityLabelTag, type SecurityLabel } from '../labels/security-label';
import '../staff/staff.css';

/** Roles whose side is the vendor (their grants cannot carry a scope). */
const VENDOR_ROLES: readonly Role[] = ['vendorProjectManager', 'vendorTeamLead', 'deskAgent', 'engineer', 'onsiteEngineer'];

export function AccessReviewPage() {
  const t = useT();
  const { message, modal } = App.useApp();
  const { contractId = '' } = useParams();
  const contract = useContract(contractId);
  const { data, error, loading, reload } = useQuery(() => unwrap(api.GET('/api/contracts/{contractId}/access-review', { params: { path: { contractId } } })), [contractId]);
  const [dialog, setDialog] = useState<'grant' | 'review' | null>(null);

  if (error !== undefined) {
    const notFound = error instanceof ApiError && (error.status === 404 || error.status === 403);
    return <div className="page">{notFound ? <Card><EmptyState>{errorMessage(error)}</EmptyState></Card> : <LoadError error={error} onRetry={reload} />}</div>;
  }
  if (!data) return <Loading />;

  const setClearance = async (g: GrantRow, clearance: SecurityLabel) => {
    try {
      await unwrap(api.PATCH('/api/contracts/{contractId}/members/{membershipId}', { params: { path: { contractId, membershipId: g.id } }, body: { clearance } }));
      message.success(t('label.clearanceChanged'));
      reload();
    } catch (e) {
      message.error(errorMessage(e));
    }
  };

  const revoke = (g: GrantRow) =>
    modal.confirm({
      title: t('access.revokeConfirm', { name: g.displayName, role: t(`role.${g.role}`) }),
      okButtonProps: { danger: true },
      onOk: async () => {
        try {
          await unwrap(api.DELETE('/api/contracts/{contractId}/members/{membershipId}', { params: { path: { contractId, membershipId: g.id } } }));
          message.success(t('access.done.revoked'));
          reload();
        } catch (e) {
          message.error(errorMessage(e));
        }
      },
    });

  return (
    <div className="page access-page">
      {contract.data && <ContractNav contractId={contractId} active="access" code={contract.data.code} name={contract.data.name} />}
      <div className="page-head">
        <div>
          <h1 className="page-title">{t('access.title')}</h1>
          <div className="page-desc">{t('access.desc')}</div>
        </div>
        <Space>
          <Button icon={<ReloadOutlined />} onClick={reload} loading={loading}>
            {t('common.retry')}
          </Button>
          {data.permissions.manage && (
            <Button icon={<PlusOutlined />} onClick={() => setDialog('grant')}>
              {t('access.grant')}
            </Button>
          )}
          {data.permissions.review && (
            <Button type="primary" icon={<AuditOutlined />} onClick={() => setDialog('review')}>
              {t('access.review')}
            </Button>
          )}
        </Space>
      </div>

      <ReviewStatus review={data} />

      <Card className="table-card" size="small" title={t('access.grants', { n: data.grantCount })} styles={{ body: { padding: 0 } }}>
        <GrantsTable review={data} onRevoke={data.permissions.manage ? revoke : undefined} onClearance={data.permissions.manage ? (g, c) => void setClearance(g, c) : undefined} loading={loading} />
      </Card>

      <Card className="section-card" size="small" title={t('access.history')}>
        <HistoryTable reviews={data.reviews} />
      </Card>

      {dialog === 'grant' && (
        <GrantDialog
          contractId={contractId}
          review={data}
          onClose={() => setDialog(null)}
          onDone={() => {
            message.success(t('access.done.granted'));
            setDialog(null);
            reload();
          }}
        />
      )}
      {dialog === 'review' && (
        <ReviewDialog
          contractId={contractId}
          review={data}
          onClose={() => setDialog(null)}
          onDone={(next) => {
            message.success(t('access.done.reviewed', { date: next }));
            setDialog(null);
            reload();
          }}
        />
      )}
    </div>
  );
}

function ReviewStatus({ review }: { review: AccessReview }) {
  const t = useT();
  const last = review.reviews[0];
  return (
    <Alert
      className="access-status"
      type={review.overdue ? 'error' : 'info'}
      showIcon
      title={
        <Space wrap>
          <span>{t('access.nextDue', { date: review.nextReviewDue })}</span>
          {review.overdue && <Tag color="red">{t('access.overdue')}</Tag>}
          <span className="muted">
            {t('access.frequency', { name: review.frequencyName })}
            {review.frequencyIsDefault ? t('access.frequencyDefault') : ''}
          </span>
          <SourceTag source={review.frequencySource} />
        </Space>
      }
      description={
        last ? (
          <span>
            {review.changedSinceLastReview ? <Tag color="orange">{t('access.changedSince')}</Tag> : <Tag color="green">{t('access.unchangedSince')}</Tag>}
            {`${last.reviewerName} · ${formatDateTimeShort(last.reviewedAt)}`}
          </span>
        ) : (
          t('access.neverReviewed')
        )
      }
    />
  );
}

function scopeText(t: ReturnType<typeof useT>, scope: GrantRow['scope']): string {
  if (!scope) return t('access.wholeContract');
  return scope.street ? `${scope.district} · ${scope.street}` : scope.district;
}

function GrantsTable({
  review,
  onRevoke,
  onClearance,
  loading,
}: {
  review: AccessReview;
  onRevoke?: ((g: GrantRow) => void) | undefined;
  onClearance?: ((g: GrantRow, clearance: SecurityLabel) => void) | undefined;
  loading: boolean;
}) {
  const t = useT();
  const rows = useMemo(() => [...review.grants].sort((a, b) => ROLE_ORDER.indexOf(a.role) - ROLE_ORDER.indexOf(b.role) || a.username.localeCompare(b.username)), [review]);
  const columns: ColumnsType<GrantRow> = [
    {
      title: t('access.col.user'),
      key: 'user',
      width: 180,
      render: (_: unknown, g) => (
        <div>
          <span className="cell-title">{g.displayName}</span>
          {g.userStatus !== 'active' && <Tag color="red">{t('access.disabled')}</Tag>}
          <div className="mono small muted">{g.username}</div>
        </div>
      ),
    },
    { title: t('access.col.org'), dataIndex: 'organisationName', render: (s: string | null) => s ?? t('common.dash') },
    { title: t('access.col.role'), dataIndex: 'role', width: 150, render: (r: Role, g) => <Tag color={g.vendorRole ? 'green' : 'blue'}>{t(`role.${r}`)}</Tag> },
    { title: t('access.col.scope'), key: 'scope', width: 160, render: (_: unknown, g) => (g.scope ? <Tag color="geekblue">{scopeText(t, g.scope)}</Tag> : <span className="muted">{scopeText(t, null)}</span>) },
    {
      title: <Tooltip title={t('label.clearanceHint')}>{t('label.clearance')}</Tooltip>,
      key: 'clearance',
      width: 120,
      render: (_: unknown, g) =>
        onClearance ? (
          <Select<SecurityLabel>
            size="small"
            value={g.clearance}
            className="clearance-select"
            aria-label={t('label.clearance')}
            options={SECURITY_LABELS.map((l) => ({ value: l, label: t(`label.${l}`) }))}
            onChange={(c) => onClearance(g, c)}
          />
        ) : (
          <SecurityLabelTag label={g.clearance} />
        ),
    },
    {
      title: t('access.col.grantedBy'),
      key: 'by',
      width: 170,
      render: (_: unknown, g) => (
        <div>
          {g.grantedByName ?? <span className="muted">{t('access.system')}</span>}
          <div className="muted small">{formatDateTimeShort(g.grantedAt)}</div>
        </div>
      ),
    },
    { title: t('access.col.lastSignIn'), dataIndex: 'lastSignInAt', width: 140, render: (s: string | null) => (s ? formatDateTimeShort(s) : <span className="muted">{t('access.never')}</span>) },
    {
      title: t('access.col.staff'),
      key: 'staff',
      width: 120,
      render: (_: unknown, g) =>
        g.staff ? <Tag color={g.staff.cleared ? 'green' : 'red'}>{g.staff.cleared ? t('access.staffCleared') : t('access.staffNotCleared')}</Tag> : g.vendorRole ? <Tag color="red">{t('access.staffMissing')}</Tag> : <span className="muted">{t('common.dash')}</span>,
    },
    ...(onRevoke
      ? [
          {
            title: '',
            key: 'revoke',
            width: 80,
            render: (_: unknown, g: GrantRow) => (
              <Button size="small" danger onClick={() => onRevoke(g)}>
                {t('access.revoke')}
              </Button>
            ),
          },
        ]
      : []),
  ];
  return <Table<GrantRow> rowKey="id" size="small" loading={loading} columns={columns} dataSource={rows} pagination={false} scroll={{ x: 1100 }} />;
}

function HistoryTable({ reviews }: { reviews: ReviewRecord[] }) {
  const t = useT();
  const columns: ColumnsType<ReviewRecord> = [
    { title: t('access.col.reviewedAt'), dataIndex: 'reviewedAt', width: 150, render: (s: string) => formatDateTimeShort(s) },
    { title: t('access.col.reviewer'), dataIndex: 'reviewerName', width: 110 },
    { title: t('access.col.comment'), dataIndex: 'comment' },
    { title: t('access.col.count'), dataIndex: 'grantCount', width: 80 },
    {
      title: t('access.col.hash'),
      dataIndex: 'snapshotHash',
      width: 120,
      render: (h: string) => (
        <Tooltip title={h}>
          <span className="mono small">{h.slice(0, 12)}…</span>
        </Tooltip>
      ),
    },
    { title: t('access.col.nextDue'), dataIndex: 'nextDueOn', width: 110 },
  ];
  return <Table<ReviewRecord> rowKey="id" size="small" columns={columns} dataSource={reviews} pagination={false} locale={{ emptyText: <EmptyState>{t('access.historyEmpty')}</EmptyState> }} />;
}

function GrantDialog({ contractId, review, onClose, onDone }: { contractId: string; review: AccessReview; onClose: () => void; onDone: () => void }) {
  const t = useT();
  const { message } = App.useApp();
  const [form] = Form.useForm<{ userId: string; role: Role; district?: string; street?: string; clearance: SecurityLabel }>();
  const [busy, setBusy] = useState(false);
  const candidates = useQuery(() => unwrap(api.GET('/api/contracts/{contractId}/grant-candidates', { params: { path: { contractId } } })), [contractId]);
  const userId = Form.useWatch('userId', form);
  const role = Form.useWatch('role', form);
  const district = Form.useWatch('district', form);
  const chosen = candidates.data?.find((c) => c.userId === userId);
  const isVendorRole = role !== undefined && VENDOR_ROLES.includes(role);
  const streets = review.areas.find((a) => a.district === district)?.streets ?? [];

  const submit = async () => {
    const v = await form.validateFields();
    setBusy(true);
    try {
      await unwrap(
        api.POST('/api/contracts/{contractId}/members', {
          params: { path: { contractId } },
          body: { userId: v.userId, role: v.role, scope: v.district && !isVendorRole ? { district: v.district, street: v.street ?? null } : null, clearance: v.clearance },
        }),
      );
      onDone();
    } catch (e) {
      message.error(errorMessage(e));
    } finally {
      setBusy(false);
    }
  };

  return (
    <Modal open title={t('access.grant')} onCancel={onClose} onOk={() => void submit()} confirmLoading={busy} destroyOnHidden>
      <Form form={form} layout="vertical" initialValues={{ clearance: 'internal' }}>
        <Form.Item name="userId" label={t('access.form.user')} extra={t('access.form.userHint')} rules={[{ required: true, message: t('staff.form.required') }]}>
          <Select
            showSearch
            loading={candidates.loading}
            optionFilterProp="label"
            options={(candidates.data ?? []).map((c) => ({ value: c.userId, label: `${c.displayName}（${c.username}）${c.organisationName ? ` · ${c.organisationName}` : ''}` }))}
          />
        </Form.Item>
        <Form.Item name="role" label={t('access.form.role')} rules={[{ required: true, message: t('staff.form.required') }]}>
          <Select options={ROLE_ORDER.map((r) => ({ value: r, label: t(`role.${r}`) }))} />
        </Form.Item>
        <Form.Item name="clearance" label={t('label.clearance')} extra={t('label.clearanceHint')}>
          <Select<SecurityLabel> options={SECURITY_LABELS.map((l) => ({ value: l, label: t(`label.${l}`) }))} />
        </Form.Item>
        {isVendorRole && chosen && !chosen.vendorCleared && <Alert type="warning" showIcon className="dialog-alert" title={t('access.form.notCleared', { why: chosen.vendorProblems.join('；') })} />}
        {!isVendorRole && review.areas.length > 0 && (
          <div className="form-grid-2">
            <Form.Item name="district" label={t('access.form.district')} extra={t('access.form.scopeHint')}>
              <Select allowClear options={review.areas.map((a) => ({ value: a.district, label: a.district }))} onChange={() => form.setFieldValue('street', undefined)} />
            </Form.Item>
            <Form.Item name="street" label={t('access.form.street')}>
              <Select allowClear disabled={streets.length === 0} options={streets.map((s) => ({ value: s, label: s }))} />
            </Form.Item>
          </div>
        )}
      </Form>
    </Modal>
  );
}

function ReviewDialog({ contractId, review, onClose, onDone }: { contractId: string; review: AccessReview; onClose: () => void; onDone: (nextDue: string) => void }) {
  const t = useT();
  const { message } = App.useApp();
  const [form] = Form.useForm<{ comment: string }>();
  const [busy, setBusy] = useState(false);
  const submit = async () => {
    const v = await form.validateFields();
    setBusy(true);
    try {
      const r = await unwrap(api.POST('/api/contracts/{contractId}/access-review', { params: { path: { contractId } }, body: { comment: v.comment, snapshotHash: review.snapshotHash } }));
      onDone(r.nextDueOn);
    } catch (e) {
      message.error(errorMessage(e));
    } finally {
      setBusy(false);
    }
  };
  return (
    <Modal open title={t('access.reviewTitle')} onCancel={onClose} onOk={() => void submit()} confirmLoading={busy} destroyOnHidden>
      <Alert type="info" showIcon className="dialog-alert" title={t('access.reviewHint', { n: review.grantCount, hash: review.snapshotHash.slice(0, 12) })} />
      <Form form={form} layout="vertical">
        <Form.Item name="comment" label={t('access.reviewComment')} rules={[{ required: true, whitespace: true, message: t('staff.form.required') }]}>
          <Input.TextArea rows={4} maxLength={2000} />
        </Form.Item>
      </Form>
    </Modal>
  );
}
