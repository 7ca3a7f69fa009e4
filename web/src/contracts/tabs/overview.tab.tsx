/**
 * 概况 — key figures, basic contract data, the price breakdown chart, the
 * performance bond and the payment milestones.
 */
import { lazy, Suspense, useMemo, type ReactNode } from 'react';
import { Card, Col, Descriptions, Row, Spin, Table, Tag } from 'antd';
import type { ColumnsType } from 'antd/es/table';
import type { PaymentMilestone } from '../../api/types';
import { useT } from '../../i18n/i18n';
import { formatFen, formatYuan, parseYuanToFen } from '../../shared/money';
import { daysInclusive } from '../../shared/datetime';
import { EmptyState } from '../../shared/page-state';
import { SourceTag } from '../../shared/source-tag';
import { partyName, type ContractIndex } from '../contract-index';
import { formatDuration } from '../contract-format';
import type { PriceSlice } from '../price-chart';

const PriceChart = lazy(() => import('../price-chart'));

export function OverviewTab({ index }: { index: ContractIndex }) {
  const t = useT();
  const { detail } = index;
  const def = detail.definition;
  const days = daysInclusive(detail.periodStart, detail.periodEnd);
  const slices = useMemo<PriceSlice[]>(
    () => (index.priceChildren.get('') ?? []).map((p) => ({ key: p.key, name: p.name, fen: p.amountFen })),
    [index],
  );
  const dash = t('common.dash');

  return (
    <div className="tab-panel">
      <div className="figures">
        <Figure label={t('ov.figures.total')} value={<span className="money">{formatFen(detail.totalAmountFen)}</span>} wide />
        <Figure label={t('ov.figures.period')} value={days === null ? dash : t('ov.figures.days', { n: days })} />
        <Figure label={t('ov.figures.systems')} value={def.systems.length} unit={t('ov.figures.unitItems')} />
        <Figure label={t('ov.figures.severity')} value={def.severityLevels.length} unit={t('ov.figures.unitLevels')} />
        <Figure label={t('ov.figures.kpis')} value={def.kpis?.length ?? 0} unit={t('ov.figures.unitItems')} />
        <Figure label={t('ov.figures.obligations')} value={def.obligations?.length ?? 0} unit={t('ov.figures.unitItems')} />
        <Figure label={t('ov.figures.penalties')} value={def.penalties?.length ?? 0} unit={t('ov.figures.unitItems')} />
      </div>

      <Row gutter={16}>
        <Col xs={24} xl={14}>
          <Card size="small" title={t('ov.basics')} className="section-card" extra={<SourceTag source={def.contract.source} />}>
            <Descriptions
              size="small"
              column={2}
              bordered
              items={[
                { key: 'signed', label: t('ov.signedOn'), children: def.contract.signedOn ?? dash },
                { key: 'effective', label: t('ov.effectiveOn'), children: def.contract.effectiveOn ?? dash },
                { key: 'period', label: t('detail.period'), children: t('contracts.periodRange', { start: detail.periodStart, end: detail.periodEnd }) },
                { key: 'tz', label: t('ov.timezone'), children: detail.timezone === 'Asia/Shanghai' ? t('ov.timezoneShanghai') : detail.timezone },
                { key: 'method', label: t('ov.procurementMethod'), children: def.contract.procurement?.method ?? dash },
                { key: 'tender', label: t('ov.tenderNumber'), children: <span className="mono">{def.contract.procurement?.tenderNumber ?? dash}</span> },
                { key: 'agent', label: t('ov.procurementAgent'), span: 2, children: def.contract.procurement?.agent ?? dash },
              ]}
            />
            {def.contract.summary && (
              <div className="summary-block">
                <div className="summary-label">{t('ov.summary')}</div>
                <p className="summary-text">{def.contract.summary}</p>
              </div>
            )}
          </Card>
        </Col>
        <Col xs={24} xl={10}>
          <Card size="small" title={t('ov.chart')} className="section-card" extra={<span className="muted small">{t('ov.chartHint')}</span>}>
            {slices.length ? (
              <Suspense fallback={<div className="price-chart chart-loading"><Spin /></div>}>
                <PriceChart slices={slices} />
              </Suspense>
            ) : (
              <EmptyState>{t('ov.chartEmpty')}</EmptyState>
            )}
          </Card>
        </Col>
      </Row>

      <BondCard index={index} />
      <PaymentsCard index={index} />
    </div>
  );
}

function Figure({ label, value, unit, wide }: { label: string; value: ReactNode; unit?: string; wide?: boolean }) {
  return (
    <div className={wide ? 'figure figure-wide' : 'figure'}>
      <div className="figure-label">{label}</div>
      <div className="figure-value">
        {value}
        {unit ? <span className="figure-unit">{unit}</span> : null}
      </div>
    </div>
  );
}

function BondCard({ index }: { index: ContractIndex }) {
  const t = useT();
  const bond = index.detail.definition.performanceBond;
  const dash = t('common.dash');
  return (
    <Card size="small" title={t('ov.bond')} className="section-card" extra={<SourceTag source={bond?.source} />}>
      {bond ? (
        <Descriptions
          size="small"
          column={3}
          bordered
          items={[
            { key: 'amount', label: t('bond.amount'), children: <span className="money">{formatYuan(bond.amount)}</span> },
            { key: 'rate', label: t('bond.rate'), children: bond.rate ?? dash },
            { key: 'form', label: t('bond.form'), children: bond.form ? t(`bondForm.${bond.form}`) : dash },
            { key: 'by', label: t('bond.providedBy'), children: partyName(index, bond.providedBy) },
            {
              key: 'due',
              label: t('bond.due'),
              children: bond.due ? t('bond.dueText', { after: t(`bondAfter.${bond.due.after}`), duration: formatDuration(t, bond.due.within, index) }) : t('common.notSpecified'),
            },
            { key: 'valid', label: t('bond.validUntil'), children: bond.validUntil ?? t('common.notSpecified') },
            ...(bond.note ? [{ key: 'note', label: t('bond.note'), span: 3, children: bond.note }] : []),
          ]}
        />
      ) : (
        <EmptyState>{t('ov.bondNone')}</EmptyState>
      )}
    </Card>
  );
}

function PaymentsCard({ index }: { index: ContractIndex }) {
  const t = useT();
  const payments = index.detail.definition.paymentMilestones;
  const totalFen = payments.reduce((sum, p) => sum + (parseYuanToFen(p.amount) ?? 0n), 0n);

  const columns: ColumnsType<PaymentMilestone> = [
    {
      title: t('pay.col.name'),
      dataIndex: 'name',
      width: 220,
      render: (name: string, p) => (
        <div>
          <div className="cell-title">{name}</div>
          <SourceTag source={p.source} />
        </div>
      ),
    },
    { title: t('pay.col.share'), dataIndex: 'share', width: 70, align: 'right' },
    { title: t('pay.col.amount'), dataIndex: 'amount', width: 150, align: 'right', render: (a: string | number) => <span className="money">{formatYuan(a)}</span> },
    {
      title: t('pay.col.condition'),
      key: 'condition',
      render: (_: unknown, p) => {
        const acc = p.condition.acceptance ? index.acceptance.get(p.condition.acceptance) : undefined;
        return (
          <div>
            <div>
              <Tag color="blue">{t(`payCond.${p.condition.kind}`)}</Tag>
              {acc && <span>{acc.name}</span>}
              {p.condition.date && <span>{p.condition.date}</span>}
            </div>
            {p.condition.description && <div className="cell-text">{p.condition.description}</div>}
            {p.preconditions?.length ? (
              <div className="preconditions">
                <div className="muted small">{t('pay.preconditions')}</div>
                <ol>
                  {p.preconditions.map((c) => (
                    <li key={c}>{c}</li>
                  ))}
                </ol>
              </div>
            ) : null}
          </div>
        );
      },
    },
    {
      title: t('pay.col.due'),
      key: 'due',
      width: 180,
      render: (_: unknown, p) => {
        const parts: string[] = [];
        if (p.due?.within) parts.push(t('pay.dueWithin', { duration: formatDuration(t, p.due.within, index) }));
        if (p.due?.by) parts.push(t('pay.dueBy', { date: p.due.by }));
        return parts.length ? parts.map((x) => <div key={x}>{x}</div>) : <span className="muted">{t('common.notSpecified')}</span>;
      },
    },
    { title: t('pay.col.payee'), dataIndex: 'payee', width: 170, render: (k: string | undefined) => (k ? partyName(index, k) : t('common.dash')) },
  ];

  return (
    <Card size="small" title={t('ov.payments')} className="section-card" styles={{ body: { padding: 0 } }}>
      <Table<PaymentMilestone>
        rowKey="key"
        size="small"
        columns={columns}
        dataSource={payments}
        pagination={false}
        summary={() => (
          <Table.Summary.Row className="total-row">
            <Table.Summary.Cell index={0}>{t('common.total')}</Table.Summary.Cell>
            <Table.Summary.Cell index={1} />
            <Table.Summary.Cell index={2} align="right">
              <span className="money">{formatFen(totalFen)}</span>
            </Table.Summary.Cell>
            <Table.Summary.Cell index={3} colSpan={3} />
          </Table.Summary.Row>
        )}
      />
    </Card>
  );
}
