/**
 * One person's roster entry: status history fields, access conditions,
 * qualifications, files (download) and replacement requests.
 */
import { Descriptions, Drawer, Table, Tag } from 'antd';
import { api, unwrap } from '../api/client';
import { apiUrl } from '../api/urls';
import { useT } from '../i18n/i18n';
import { formatDateTimeShort } from '../shared/datetime';
import { LoadError, Loading } from '../shared/page-state';
import { useQuery } from '../shared/use-query';
import type { StaffDocument } from './staff-types';
import { formatDue } from './staff-format';
import { formatBytes } from '../shared/attachments-panel';


export function StaffDetailDrawer({ staffId, onClose }: { staffId: string; onClose: () => void }) {
  const t = useT();
  const { data, error, reload } = useQuery(() => unwrap(api.GET('/api/staff/{staffId}', { params: { path: { staffId } } })), [staffId]);
  const dash = t('common.dash');
  return (
    <Drawer open width={640} onClose={onClose} title={data ? t('staff.detail.title', { name: data.member.personName }) : ''}>
      {error !== undefined ? (
        <LoadError error={error} onRetry={reload} />
      ) : !data ? (
        <Loading />
      ) : (
        <>
          <Descriptions size="small" column={2} bordered>
            <Descriptions.Item label={t('staff.col.status')}>{t(`staff.status.${data.member.status}`)}</Descriptions.Item>
            <Descriptions.Item label={t('staff.col.position')}>{data.member.positionName}</Descriptions.Item>
            <Descriptions.Item label={t('staff.form.username')}>{data.member.username ?? t('staff.noAccount')}</Descriptions.Item>
            <Descriptions.Item label={t('staff.col.member')}>{data.member.memberName ?? dash}</Descriptions.Item>
            <Descriptions.Item label={t('staff.col.education')}>{t(`staff.edu.${data.member.education}`)}</Descriptions.Item>
            <Descriptions.Item label={t('staff.form.systemStartOn')}>{`${data.member.systemStartOn}（${t('staff.yearsN', { n: data.member.yearsOnSystem })}）`}</Descriptions.Item>
            <Descriptions.Item label={t('staff.form.experienceYears')}>{data.member.experienceYears ?? dash}</Descriptions.Item>
            <Descriptions.Item label={t('staff.col.background')}>
              {data.member.backgroundCheckResult ? `${t(`staff.bg.${data.member.backgroundCheckResult}`)} ${data.member.backgroundCheckOn ?? ''}` : t('staff.bg.none')}
            </Descriptions.Item>
            <Descriptions.Item label={t('staff.col.agreement')}>{data.member.agreementDocumentId ? t('staff.agreementOn', { date: data.member.agreementSignedOn ?? '' }) : t('staff.agreementMissing')}</Descriptions.Item>
            <Descriptions.Item label={t('staff.detail.acceptedBy')}>{data.member.acceptedByName ?? dash}</Descriptions.Item>
            <Descriptions.Item label={t('staff.detail.acceptedAt')}>{data.member.acceptedAt ? formatDateTimeShort(data.member.acceptedAt) : dash}</Descriptions.Item>
            <Descriptions.Item label={t('staff.detail.startedOn')}>{data.member.startedOn ?? dash}</Descriptions.Item>
            {data.member.leftOn && <Descriptions.Item label={t('staff.detail.leftOn')}>{data.member.leftOn}</Descriptions.Item>}
            {data.member.leftReason && <Descriptions.Item label={t('staff.detail.leftReason')}>{data.member.leftReason}</Descriptions.Item>}
            {data.member.rejectedReason && <Descriptions.Item label={t('staff.detail.rejectedReason')}>{data.member.rejectedReason}</Descriptions.Item>}
            <Descriptions.Item label={t('staff.detail.problems')} span={2}>
              {data.member.cleared ? <Tag color="green">{t('staff.cleared')}</Tag> : data.member.clearanceProblems.map((p) => <div key={p}>{p}</div>)}
            </Descriptions.Item>
            <Descriptions.Item label={t('staff.detail.roles')} span={2}>
              {data.member.roles.length === 0 ? dash : data.member.roles.map((r) => <Tag key={r}>{t(`role.${r}`)}</Tag>)}
            </Descriptions.Item>
            <Descriptions.Item label={t('staff.form.qualifications')} span={2}>
              {data.member.qualifications.length === 0
                ? dash
                : data.member.qualifications.map((q) => (
                    <div key={`${q.name}-${q.certificateNo ?? ''}`}>
                      {q.name}
                      {q.certificateNo ? ` · ${q.certificateNo}` : ''}
                      {q.validUntil ? ` · ${t('staff.form.qualValidUntil')} ${q.validUntil}` : ''}
                    </div>
                  ))}
            </Descriptions.Item>
          </Descriptions>

          <h3 className="drawer-section-title">{t('staff.detail.documents')}</h3>
          <Table<StaffDocument>
            rowKey="id"
            size="small"
            pagination={false}
            dataSource={data.documents}
            locale={{ emptyText: t('staff.detail.noDocuments') }}
            columns={[
              { title: t('staff.dlg.kind'), dataIndex: 'kind', width: 120, render: (k: StaffDocument['kind']) => t(`staff.doc.${k}`) },
              {
                title: t('staff.dlg.file'),
                key: 'file',
                render: (_: unknown, d) => (
                  <a href={apiUrl('/api/staff-documents/{documentId}', 'get', { documentId: d.id })} download={d.fileName}>
                    {d.fileName}
                  </a>
                ),
              },
              { title: '', key: 'size', width: 80, render: (_: unknown, d) => <span className="muted small">{formatBytes(d.sizeBytes)}</span> },
              { title: '', key: 'at', width: 140, render: (_: unknown, d) => <span className="muted small">{formatDateTimeShort(d.uploadedAt)}</span> },
            ]}
          />

          {data.replacementRequests.length > 0 && (
            <>
              <h3 className="drawer-section-title">{t('staff.requestsTitle')}</h3>
              {data.replacementRequests.map((r) => (
                <div key={r.id} className="drawer-line">
                  <Tag>{t(`staff.req.status.${r.status}`)}</Tag> {r.personName} · {r.reason} · {t('staff.req.col.due')} {formatDue(r.dueAt)}
                  {r.replacementName ? ` → ${r.replacementName}` : ''}
                </div>
              ))}
            </>
          )}
        </>
      )}
    </Drawer>
  );
}
