/**
 * 合同详情 — header with the parties, period, total, version and my roles,
 * then one tab per part of the contract definition.
 */
import { useMemo, type ReactNode } from 'react';
import { Link, useNavigate, useParams } from 'react-router-dom';
import { Card, Tabs, Tag, Tooltip } from 'antd';
import { ArrowLeftOutlined } from '@ant-design/icons';
import { api, ApiError, unwrap } from '../api/client';
import type { ContractDetail } from '../api/types';
import { useT, type MessageKey } from '../i18n/i18n';
import { formatFen } from '../shared/money';
import { daysInclusive, formatDateTimeShort } from '../shared/datetime';
import { useQuery } from '../shared/use-query';
import { EmptyState, LoadError, Loading } from '../shared/page-state';
import { SourceTag } from '../shared/source-tag';
import { sortRoles } from '../auth/roles';
import { buildIndex, type ContractIndex } from './contract-index';
import { OverviewTab } from './tabs/overview.tab';
import { PriceItemsTab } from './tabs/price-items.tab';
import { SystemsTab } from './tabs/systems.tab';
import { ServiceWindowsTab } from './tabs/service-windows.tab';
import { SeverityLevelsTab } from './tabs/severity-levels.tab';
import { KpisTab } from './tabs/kpis.tab';
import { ObligationsTab } from './tabs/obligations.tab';
import { PenaltiesTab } from './tabs/penalties.tab';
import { AcceptanceTab } from './tabs/acceptance.tab';
import { AssumptionsTab } from './tabs/assumptions.tab';
import { VersionsTab } from './tabs/versions.tab';
import { MembersTab } from './tabs/members.tab';
import { CloseoutTab } from './tabs/closeout.tab';
import { ContractNav } from './contract-nav';
import { VendorAccessField } from './vendor-access';

interface TabDef {
  key: string;
  label: MessageKey;
  count?: (d: ContractDetail) => number;
  render: (index: ContractIndex) => ReactNode;
}

const TABS: TabDef[] = [
  { key: 'overview', label: 'tab.overview', render: (i) => <OverviewTab index={i} /> },
  { key: 'price-items', label: 'tab.priceItems', count: (d) => d.priceItems.length, render: (i) => <PriceItemsTab index={i} /> },
  { key: 'systems', label: 'tab.systems', count: (d) => d.definition.systems.length, render: (i) => <SystemsTab index={i} /> },
  { key: 'windows', label: 'tab.windows', count: (d) => d.definition.serviceWindows.length, render: (i) => <ServiceWindowsTab index={i} /> },
  { key: 'severity', label: 'tab.severity', count: (d) => d.definition.severityLevels.length, render: (i) => <SeverityLevelsTab index={i} /> },
  { key: 'kpis', label: 'tab.kpis', count: (d) => d.definition.kpis?.length ?? 0, render: (i) => <KpisTab index={i} /> },
  { key: 'obligations', label: 'tab.obligations', count: (d) => d.definition.obligations?.length ?? 0, render: (i) => <ObligationsTab index={i} /> },
  { key: 'penalties', label: 'tab.penalties', count: (d) => d.definition.penalties?.length ?? 0, render: (i) => <PenaltiesTab index={i} /> },
  { key: 'acceptance', label: 'tab.acceptance', count: (d) => d.definition.acceptance?.length ?? 0, render: (i) => <AcceptanceTab index={i} /> },
  { key: 'assumptions', label: 'tab.assumptions', count: (d) => d.definition.assumptions?.length ?? 0, render: (i) => <AssumptionsTab index={i} /> },
  { key: 'versions', label: 'tab.versions', count: (d) => d.versions.length, render: (i) => <VersionsTab index={i} /> },
  { key: 'members', label: 'tab.members', render: (i) => <MembersTab contractId={i.detail.id} /> },
  { key: 'closeout', label: 'closeout.tab', render: (i) => <CloseoutTab contractId={i.detail.id} contractCode={i.detail.code} /> },
];

export function ContractDetailPage() {
  const t = useT();
  const navigate = useNavigate();
  const { contractId = '', tab = 'overview' } = useParams();
  const { data, error, loading, reload } = useQuery(
    () => unwrap(api.GET('/api/contracts/{contractId}', { params: { path: { contractId } } })),
    [contractId],
  );
  const index = useMemo(() => (data ? buildIndex(data) : null), [data]);

  if (error !== undefined) {
    const notFound = error instanceof ApiError && (error.status === 404 || error.status === 400);
    return (
      <div className="page">
        <BackLink />
        {notFound ? <Card><EmptyState>{t('detail.notFound')}</EmptyState></Card> : <LoadError error={error} onRetry={reload} />}
      </div>
    );
  }
  if (loading || !data || !index) return <Loading />;

  const activeTab = TABS.some((x) => x.key === tab) ? tab : 'overview';
  return (
    <div className="page">
      <BackLink />
      <ContractNav contractId={data.id} active="contract" />
      <ContractHeader detail={data} onChanged={reload} />
      <Card className="tabs-card" styles={{ body: { padding: '0 20px 20px' } }}>
        <Tabs
          activeKey={activeTab}
          onChange={(key) => navigate(`/contracts/${contractId}/${key}`, { replace: true })}
          items={TABS.map((x) => {
            const n = x.count?.(data);
            return {
              key: x.key,
              label: (
                <span>
                  {t(x.label)}
                  {n !== undefined && n > 0 && <span className="tab-count">{n}</span>}
                </span>
              ),
              children: x.key === activeTab ? x.render(index) : null,
            };
          })}
        />
      </Card>
    </div>
  );
}

function BackLink() {
  const t = useT();
  return (
    <Link to="/contracts" className="back-link">
      <ArrowLeftOutlined /> {t('common.backToList')}
    </Link>
  );
}

function ContractHeader({ detail, onChanged }: { detail: ContractDetail; onChanged: () => void }) {
  const t = useT();
  const def = detail.definition;
  const agency = detail.parties.filter((p) => p.side === 'agency');
  const vendors = detail.parties.filter((p) => p.side === 'vendor');
  const isConsortium = vendors.length > 1;
  const days = daysInclusive(detail.periodStart, detail.periodEnd);
  const roles = sortRoles(detail.myRoles);

  return (
    <Card className="contract-header">
      <div className="contract-title-row">
        <h1 className="contract-title">{detail.name}</h1>
        <SourceTag source={def.contract.source} />
      </div>
      <div className="contract-code-row">
        <span className="mono contract-code">{detail.code}</span>
        <Tag color="blue">{t('contracts.versionN', { n: detail.version })}</Tag>
        {isConsortium && <Tag color="geekblue">{t('contracts.consortium')}</Tag>}
      </div>
      <div className="header-grid">
        <HeaderField label={t('detail.agency')}>
          {agency.map((p) => (
            <div key={p.key}>{p.name}</div>
          ))}
        </HeaderField>
        <HeaderField label={t('detail.vendors')}>
          {vendors.map((p) => (
            <div key={p.key} className="party-line">
              <span>{p.name}</span>
              {isConsortium && (p.leadMember ? <Tag color="gold">{t('party.lead')}</Tag> : <Tag>{t('party.member')}</Tag>)}
            </div>
          ))}
        </HeaderField>
        <HeaderField label={t('detail.period')}>
          <div>{t('contracts.periodRange', { start: detail.periodStart, end: detail.periodEnd })}</div>
          {days !== null && <div className="muted">{t('detail.periodDays', { n: days })}</div>}
        </HeaderField>
        <HeaderField label={t('vendorAccess.label')}>
          <VendorAccessField detail={detail} onChanged={onChanged} />
        </HeaderField>
        <HeaderField label={t('detail.total')}>
          <span className="money header-money">{formatFen(detail.totalAmountFen)}</span>
        </HeaderField>
        <HeaderField label={t('detail.version')}>
          <Tooltip title={detail.versions.find((v) => v.version === detail.version)?.digest}>
            <span>{t('detail.versionEffective', { n: detail.version, time: formatDateTimeShort(detail.versionEffectiveFrom) })}</span>
          </Tooltip>
        </HeaderField>
        <HeaderField label={t('detail.myRoles')}>
          {roles.length ? (
            <div className="role-tags">
              {roles.map((r) => (
                <Tag key={r} color={r.startsWith('agency') || r === 'auditor' ? 'blue' : 'green'}>
                  {t(`role.${r}`)}
                </Tag>
              ))}
            </div>
          ) : (
            <span className="muted">{t('detail.noRoles')}</span>
          )}
        </HeaderField>
      </div>
    </Card>
  );
}

function HeaderField({ label, children }: { label: string; children: ReactNode }) {
  return (
    <div className="header-field">
      <div className="header-field-label">{label}</div>
      <div className="header-field-value">{children}</div>
    </div>
  );
}
