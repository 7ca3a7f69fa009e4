/**
 * 成员 — the people with a role in this contract, one row per person.
 */
import { useMemo } from 'react';
import { Table, Tag } from 'antd';
import type { ColumnsType } from 'antd/es/table';
import { api, unwrap } from '../../api/client';
import type { ContractMember, Role } from '../../api/types';
import { useT } from '../../i18n/i18n';
import { formatDateTimeShort } from '../../shared/datetime';
import { EmptyState, LoadError } from '../../shared/page-state';
import { useQuery } from '../../shared/use-query';
import { ROLE_ORDER } from '../../auth/roles';

interface PersonRow {
  userId: string;
  displayName: string;
  username: string;
  organisationName: string | null;
  roles: { role: Role; grantedAt: string; scope: ContractMember['scope'] }[];
}

function groupByPerson(members: readonly ContractMember[]): PersonRow[] {
  const rows = new Map<string, PersonRow>();
  for (const m of members) {
    const row = rows.get(m.userId) ?? { userId: m.userId, displayName: m.displayName, username: m.username, organisationName: m.organisationName, roles: [] };
    row.roles.push({ role: m.role, grantedAt: m.grantedAt, scope: m.scope });
    rows.set(m.userId, row);
  }
  const rank = (r: PersonRow) => Math.min(...r.roles.map((x) => ROLE_ORDER.indexOf(x.role)));
  return [...rows.values()].sort((a, b) => rank(a) - rank(b));
}

export function MembersTab({ contractId }: { contractId: string }) {
  const t = useT();
  const { data, error, loading, reload } = useQuery(
    () => unwrap(api.GET('/api/contracts/{contractId}/members', { params: { path: { contractId } } })),
    [contractId],
  );
  const people = useMemo(() => groupByPerson(data ?? []), [data]);
  if (error !== undefined) return <LoadError error={error} onRetry={reload} />;

  const columns: ColumnsType<PersonRow> = [
    { title: t('mem.col.name'), dataIndex: 'displayName', width: 120, render: (s: string) => <span className="cell-title">{s}</span> },
    { title: t('mem.col.username'), dataIndex: 'username', width: 200, render: (s: string) => <span className="mono">{s}</span> },
    { title: t('mem.col.org'), dataIndex: 'organisationName', render: (s: string | null) => s ?? t('common.dash') },
    {
      title: t('mem.col.role'),
      key: 'roles',
      width: 260,
      render: (_: unknown, r) =>
        r.roles.map((x) => (
          <Tag key={`${x.role}-${x.scope?.district ?? ''}-${x.scope?.street ?? ''}`} color={x.role.startsWith('agency') || x.role === 'auditor' ? 'blue' : 'green'}>
            {t(`role.${x.role}`)}
            {x.scope ? `（${x.scope.district}${x.scope.street ? ` ${x.scope.street}` : ''}）` : ''}
          </Tag>
        )),
    },
    {
      title: t('mem.col.grantedAt'),
      key: 'granted',
      width: 160,
      render: (_: unknown, r) => formatDateTimeShort(r.roles.map((x) => x.grantedAt).sort()[0] ?? ''),
    },
  ];

  return (
    <div className="tab-panel">
      {data && (
        <div className="tab-toolbar">
          <span className="muted">{t('mem.summary', { people: people.length, grants: data.length })}</span>
        </div>
      )}
      <Table<PersonRow>
        rowKey="userId"
        size="small"
        bordered
        loading={loading}
        columns={columns}
        dataSource={people}
        pagination={false}
        locale={{ emptyText: <EmptyState>{t('mem.empty')}</EmptyState> }}
      />
    </div>
  );
}
