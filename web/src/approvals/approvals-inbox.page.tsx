/**
 * 审批待办 — everything that waits on the signed-in user's decision across
 * their contracts (work orders whose current approval step is theirs),
 * oldest wait first, with how long each has waited. Approve or reject with
 * a comment right here, or open the order to read it in full.
 */
import { useEffect, useMemo, useState } from 'react';
import { Link } from 'react-router-dom';
import { Alert, App, Button, Card, Form, Input, Modal, Select, Space, Table, Tag } from 'antd';
import type { ColumnsType } from 'antd/es/table';
import { CheckOutlined, CloseOutlined, ReloadOutlined } from '@ant-design/icons';
import { api, ApiError, errorMessage, unwrap } from '../api/client';
import type { ApprovalInboxItem } from '../api/types';
import { useT } from '../i18n/i18n';
import { formatDateTime } from '../shared/datetime';
import { useQuery } from '../shared/use-query';
import { EmptyState, LoadError, Loading } from '../shared/page-state';
import { KindTag, roleName, WaitedFor } from '../workorders/workorder-format';
import { announceInboxChange, sendWorkOrderCommand } from '../workorders/workorder-api';
import '../workorders/workorders.css';

type Decision = 'approve' | 'reject';
const ALL = '__all__';

export function ApprovalsInboxPage() {
  const t = useT();
  const q = useQuery(() => unwrap(api.GET('/api/approvals/inbox')), []);
  const { reload } = q;
  const [contract, setContract] = useState<string>(ALL);
  const [deciding, setDeciding] = useState<{ item: ApprovalInboxItem; decision: Decision } | null>(null);
  useEffect(() => {
    const timer = setInterval(() => {
      if (!document.querySelector('.inbox-decision-modal')) reload();
    }, 60_000);
    return () => clearInterval(timer);
  }, [reload]);

  const items = q.data ?? [];
  const contracts = useMemo(() => [...new Map(items.map((i) => [i.contractId, `${i.contractCode}　${i.contractName}`])).entries()], [items]);
  const rows = contract === ALL ? items : items.filter((i) => i.contractId === contract);

  const columns: ColumnsType<ApprovalInboxItem> = [
    {
      title: t('inbox.col.order'),
      key: 'order',
      render: (_: unknown, r) => (
        <div>
          <div className="inbox-order-head">
            <span className="mono">{r.number}</span>
            <KindTag kind={r.kind} />
            <span className="muted small">{r.subtypeName}</span>
          </div>
          <Link to={`/work-orders/${r.workOrderId}`} className="strong-link inbox-title">
            {r.title}
          </Link>
        </div>
      ),
    },
    {
      title: t('inbox.col.contract'),
      key: 'contract',
      width: 220,
      render: (_: unknown, r) => (
        <div>
          <div className="mono small">{r.contractCode}</div>
          <div className="small clamp-2">{r.contractName}</div>
        </div>
      ),
    },
    { title: t('inbox.col.requester'), dataIndex: 'requesterName', width: 150 },
    {
      title: t('inbox.col.step'),
      key: 'step',
      width: 190,
      render: (_: unknown, r) => (
        <div>
          <div>{r.stepName}</div>
          <Tag className="mini-tag">{t('inbox.asRole', { role: roleName(t, r.myRole, r.myRoleLabel) })}</Tag>
        </div>
      ),
    },
    {
      title: t('inbox.col.waiting'),
      key: 'waiting',
      width: 170,
      render: (_: unknown, r) => (
        <div>
          <WaitedFor since={r.waitingSince} />
          <div className="muted small">{formatDateTime(r.waitingSince)}</div>
        </div>
      ),
    },
    {
      title: t('common.actions'),
      key: 'actions',
      width: 170,
      render: (_: unknown, r) => (
        <Space size={6}>
          <Button type="primary" size="small" icon={<CheckOutlined />} onClick={() => setDeciding({ item: r, decision: 'approve' })} data-inbox="approve">
            {t('wo.cmd.approve')}
          </Button>
          <Button danger size="small" icon={<CloseOutlined />} onClick={() => setDeciding({ item: r, decision: 'reject' })} data-inbox="reject">
            {t('wo.cmd.reject')}
          </Button>
        </Space>
      ),
    },
  ];

  return (
    <div className="page approvals-inbox-page">
      <div className="page-head">
        <div>
          <h1 className="page-title">{t('inbox.title')}</h1>
          <div className="page-desc">{t('inbox.desc')}</div>
        </div>
        <Space>
          {contracts.length > 1 && (
            <Select
              className="inbox-contract"
              style={{ width: 360 }}
              value={contract}
              onChange={setContract}
              popupMatchSelectWidth={false}
              options={[{ value: ALL, label: t('inbox.allContracts') }, ...contracts.map(([id, label]) => ({ value: id, label }))]}
            />
          )}
          <Button icon={<ReloadOutlined />} onClick={reload} loading={q.loading && q.data !== undefined}>
            {t('wo.refresh')}
          </Button>
        </Space>
      </div>
      {q.error !== undefined ? (
        <LoadError error={q.error} onRetry={reload} />
      ) : q.data === undefined ? (
        <Loading />
      ) : (
        <>
          <div className="result-line muted small">{t('inbox.count', { n: rows.length })}</div>
          <Card className="table-card" styles={{ body: { padding: 0 } }}>
            <Table<ApprovalInboxItem>
              rowKey="workOrderId"
              size="small"
              columns={columns}
              dataSource={rows}
              pagination={{ pageSize: 50, hideOnSinglePage: true, showSizeChanger: false }}
              rowClassName={(r) => `inbox-row${r.waitingMinutes >= 24 * 60 ? ' inbox-row-long' : ''}`}
              locale={{ emptyText: <EmptyState>{t('inbox.empty')}</EmptyState> }}
            />
          </Card>
        </>
      )}
      {deciding && (
        <DecisionModal
          item={deciding.item}
          decision={deciding.decision}
          onClose={() => setDeciding(null)}
          onDone={() => {
            setDeciding(null);
            announceInboxChange();
            reload();
          }}
        />
      )}
    </div>
  );
}

function DecisionModal({ item, decision, onClose, onDone }: { item: ApprovalInboxItem; decision: Decision; onClose: () => void; onDone: () => void }) {
  const t = useT();
  const { message } = App.useApp();
  const [form] = Form.useForm<{ comment?: string }>();
  const [sending, setSending] = useState(false);
  const [error, setError] = useState<string | null>(null);

  const send = async () => {
    let values: { comment?: string };
    try {
      values = await form.validateFields();
    } catch {
      return;
    }
    setSending(true);
    setError(null);
    try {
      const comment = values.comment?.trim() ?? '';
      await sendWorkOrderCommand(item.workOrderId, item.version, decision === 'approve' ? { type: 'approve', comment } : { type: 'reject', comment });
      message.success(t('inbox.done', { action: t(`wo.cmd.${decision}`), number: item.number }));
      onDone();
    } catch (e) {
      if (e instanceof ApiError && e.code === 'VERSION_CONFLICT') {
        message.warning(t('inbox.changed', { number: item.number }));
        onDone();
      } else {
        setError(errorMessage(e));
      }
    } finally {
      setSending(false);
    }
  };

  return (
    <Modal
      open
      title={t('inbox.decideTitle', { action: t(`wo.cmd.${decision}`), number: item.number })}
      okText={t('cmd.submit', { action: t(`wo.cmd.${decision}`) })}
      okButtonProps={{ danger: decision === 'reject' }}
      cancelText={t('common.cancel')}
      onOk={() => void send()}
      onCancel={onClose}
      confirmLoading={sending}
      destroyOnHidden
      width={560}
      className={`command-modal inbox-decision-modal inbox-${decision}`}
    >
      <div className="inbox-decide-what">
        <KindTag kind={item.kind} />
        <span className="strong">{item.title}</span>
        <div className="muted small">
          {t('inbox.decideStep', { step: item.stepName, role: roleName(t, item.myRole, item.myRoleLabel) })}
        </div>
      </div>
      {error && <Alert className="command-error" type="error" showIcon title={t('cmd.refused')} description={error} />}
      <Form form={form} layout="vertical" preserve={false}>
        <Form.Item
          name="comment"
          label={decision === 'approve' ? t('wo.cmd.f.approveComment') : t('wo.cmd.f.rejectComment')}
          rules={decision === 'reject' ? [{ required: true, whitespace: true, message: t('wo.cmd.f.rejectRequired') }, { max: 2000 }] : [{ max: 2000 }]}
        >
          <Input.TextArea rows={3} maxLength={2000} placeholder={decision === 'approve' ? t('wo.cmd.f.approvePlaceholder') : t('wo.cmd.f.rejectPlaceholder')} />
        </Form.Item>
      </Form>
    </Modal>
  );
}
