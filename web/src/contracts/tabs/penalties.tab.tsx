/**
 * 违约条款 — penalty clauses: trigger, deduction base and rate, unit,
 * add-ons, cap and other remedies. Rates on the contract total are also shown
 * as an amount, computed exactly in fen.
 */
import { Table, Tag, Tooltip } from 'antd';
import type { ColumnsType } from 'antd/es/table';
import type { ReactNode } from 'react';
import type { Penalty } from '../../api/types';
import { useT, type Translate } from '../../i18n/i18n';
import { applyRate, formatFen, formatYuan, parseRate, parseYuanToFen } from '../../shared/money';
import { EmptyState } from '../../shared/page-state';
import { SourceTag } from '../../shared/source-tag';
import { systemName, type ContractIndex } from '../contract-index';
import { formatDuration } from '../contract-format';

/** "合同总价的 0.5%" plus "折合 ¥32,600.00" when the base is the contract total. */
function rateText(t: Translate, base: NonNullable<Penalty['cap']>['base'] | Penalty['base'], rate: string, totalFen: number): { text: string; equivalent: string | null } {
  const text = t('pen.rateOf', { base: t(`base.${base ?? 'contractTotal'}`), rate });
  const parsed = parseRate(rate);
  const equivalent = (base ?? 'contractTotal') === 'contractTotal' && parsed ? t('pen.equivalent', { amount: formatFen(applyRate(BigInt(totalFen), parsed)) }) : null;
  return { text, equivalent };
}

export function PenaltiesTab({ index }: { index: ContractIndex }) {
  const t = useT();
  const def = index.detail.definition;
  const penalties = def.penalties ?? [];
  const totalFen = index.detail.totalAmountFen;
  if (!penalties.length) return <EmptyState>{t('pen.empty')}</EmptyState>;
  const sep = t('common.listSeparator');
  const dash = t('common.dash');

  const calc = (p: Penalty) => {
    const per = p.per === 'count' ? t('per.count', { n: p.everyN ?? 1 }) : t(`per.${p.per ?? 'occurrence'}`);
    let main: string;
    let equivalent: string | null = null;
    if (p.base === 'actualLoss') main = t('pen.actualLoss');
    else if (p.base === 'fixed') {
      const fen = p.fixedAmount === undefined ? null : parseYuanToFen(p.fixedAmount);
      main = fen ? t('pen.fixed', { amount: formatFen(fen) }) : t('pen.noRate');
    } else if (p.rate) ({ text: main, equivalent } = rateText(t, p.base, p.rate, totalFen));
    else main = t('pen.noRate');
    const partial = p.partialPeriodCountsAsWhole && (p.per === 'day' || p.per === 'week' || p.per === 'month') ? t(`pen.partial.${p.per}`) : null;
    return (
      <div>
        <div className="calc-line">
          <Tag color="blue">{per}</Tag>
          <span className="calc-main">{main}</span>
        </div>
        {equivalent && <div className="muted small">{equivalent}</div>}
        {partial && <div className="small">{partial}</div>}
        {p.startsAfter && <div className="small">{t('pen.startsAfter', { duration: formatDuration(t, p.startsAfter, index) })}</div>}
        {p.addOns?.map((a) => (
          <div key={a.name} className="addon">
            {t('pen.addOn', { name: a.name, condition: a.condition, rate: a.rate })} <SourceTag source={a.source} />
          </div>
        ))}
      </div>
    );
  };

  const cap = (p: Penalty) => {
    if (!p.cap && !p.onCap) return <span className="muted">{t('pen.noCap')}</span>;
    let text: string | null = null;
    let equivalent: string | null = null;
    if (p.cap?.rate) ({ text, equivalent } = rateText(t, p.cap.base, p.cap.rate, totalFen));
    else if (p.cap?.amount !== undefined) text = formatYuan(p.cap.amount);
    return (
      <div>
        {text && <div className="strong">{text}</div>}
        {equivalent && <div className="muted small">{equivalent}</div>}
        {p.onCap && <div className="cell-text small">{t('pen.onCap', { text: p.onCap })}</div>}
      </div>
    );
  };

  const other = (p: Penalty) => {
    const lines: ReactNode[] = [];
    const tags: ReactNode[] = [];
    if (p.payer === 'agency') tags.push(<Tag key="payer" color="purple">{t('pen.payer', { payer: t('payer.agency') })}</Tag>);
    if (p.discretionary) tags.push(<Tag key="disc" color="orange">{t('pen.discretionary')}</Tag>);
    for (const r of p.remedies ?? []) tags.push(<Tag key={r} color="red">{t(`remedy.${r}`)}</Tag>);
    if (tags.length) lines.push(<div key="tags" className="tag-line">{tags}</div>);
    if (p.alsoRefund) lines.push(<div key="refund">{t('pen.alsoRefund')}</div>);
    if (p.deductFrom) lines.push(<div key="deduct">{t('pen.deductFrom', { name: index.payments.get(p.deductFrom)?.name ?? p.deductFrom })}</div>);
    if (p.base === 'systemPriceItem' && p.systems?.length)
      lines.push(
        <Tooltip key="systems" title={p.systems.map((k) => systemName(index, k)).join(sep)}>
          <div className="small">{t('pen.systems', { list: p.systems.join(sep) })}</div>
        </Tooltip>,
      );
    if (p.exemptions?.length)
      lines.push(
        <div key="ex" className="small">
          {t('pen.exemptions', { list: p.exemptions.join(sep) })}
        </div>,
      );
    if (p.note) lines.push(<div key="note" className="cell-text muted small">{p.note}</div>);
    return lines.length ? lines : <span className="muted">{dash}</span>;
  };

  const columns: ColumnsType<Penalty> = [
    {
      title: t('pen.col.name'),
      dataIndex: 'name',
      width: 200,
      render: (name: string, p) => (
        <div>
          <div className="cell-title">{name}</div>
          <span className="item-key">{p.key}</span>
          <SourceTag source={p.source} />
        </div>
      ),
    },
    {
      title: t('pen.col.trigger'),
      key: 'trigger',
      render: (_: unknown, p) => {
        const ob = p.trigger.obligation ? index.obligations.get(p.trigger.obligation) : undefined;
        return (
          <div>
            <div className="tag-line">
              <Tag>{t(`trigger.${p.trigger.kind}`)}</Tag>
              {p.trigger.severity && <Tag color={p.trigger.severity === 'high' ? 'red' : p.trigger.severity === 'medium' ? 'orange' : 'gold'}>{t(`vulnSeverity.${p.trigger.severity}`)}</Tag>}
            </div>
            <div className="cell-text">{p.trigger.description}</div>
            {ob && <div className="muted small">{t('pen.obligation', { name: ob.name })}</div>}
          </div>
        );
      },
    },
    { title: t('pen.col.calc'), key: 'calc', width: 240, render: (_: unknown, p) => calc(p) },
    { title: t('pen.col.cap'), key: 'cap', width: 180, render: (_: unknown, p) => cap(p) },
    { title: t('pen.col.other'), key: 'other', width: 320, render: (_: unknown, p) => other(p) },
  ];

  return (
    <div className="tab-panel">
      <Table<Penalty> rowKey="key" size="small" bordered columns={columns} dataSource={penalties} pagination={false} />
    </div>
  );
}
