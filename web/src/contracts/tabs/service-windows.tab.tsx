/**
 * 服务时间窗 — the service windows that working-time deadlines are counted on.
 */
import { Table, Tag } from 'antd';
import type { ColumnsType } from 'antd/es/table';
import type { ServiceWindow } from '../../api/types';
import { useT, type Translate } from '../../i18n/i18n';
import { SourceTag } from '../../shared/source-tag';
import type { ContractIndex } from '../contract-index';

const WEEKDAYS = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] as const;

function toMinutes(hhmm: string): number {
  const [h = '0', m = '0'] = hhmm.split(':');
  return Number(h) * 60 + Number(m);
}

/** Total minutes of spans such as "09:00-12:00". */
function spanMinutes(spans: readonly string[]): number {
  return spans.reduce((sum, span) => {
    const [from = '00:00', to = '00:00'] = span.split('-');
    return sum + Math.max(0, toMinutes(to) - toMinutes(from));
  }, 0);
}

function formatMinutes(t: Translate, minutes: number): string {
  const h = Math.floor(minutes / 60);
  const m = minutes % 60;
  if (m === 0) return t('dur.hours', { n: h });
  return h ? `${t('dur.hours', { n: h })} ${t('dur.minutes', { n: m })}` : t('dur.minutes', { n: m });
}

export function ServiceWindowsTab({ index }: { index: ContractIndex }) {
  const t = useT();
  const def = index.detail.definition;

  const hoursOf = (w: ServiceWindow) => {
    if (w.type === 'always') return <span>{t('win.allDay')}</span>;
    if (w.type === 'weekly') {
      const weekly = w.weekly ?? {};
      return (
        <div>
          {WEEKDAYS.filter((d) => weekly[d]?.length).map((d) => (
            <div key={d}>
              <span className="weekday">{t(`weekday.${d}`)}</span> {(weekly[d] ?? []).join(t('common.listSeparator'))}
            </div>
          ))}
        </div>
      );
    }
    return w.hours?.length ? (
      <div className="hours">
        {w.hours.map((h) => (
          <Tag key={h} className="mono">
            {h}
          </Tag>
        ))}
        <div className="muted small">{t('win.dailyTotal', { total: formatMinutes(t, spanMinutes(w.hours)) })}</div>
      </div>
    ) : (
      <span className="muted">{t('win.noHours')}</span>
    );
  };

  const holidaysOf = (w: ServiceWindow) => {
    if (w.type === 'always') return t('win.holidaysContinue');
    if (w.type === 'workdays') return t('win.holidaysCalendar');
    return w.followsHolidays ? t('win.holidaysStop') : t('win.holidaysContinue');
  };

  const columns: ColumnsType<ServiceWindow> = [
    {
      title: t('win.col.name'),
      dataIndex: 'name',
      width: 170,
      render: (name: string, w) => (
        <div>
          <div className="cell-title">{name}</div>
          {w.key === def.slaPolicy.defaultWindow && <Tag color="blue">{t('sla.defaultWindow')}</Tag>}
        </div>
      ),
    },
    { title: t('win.col.type'), dataIndex: 'type', width: 130, render: (type: ServiceWindow['type']) => t(`winType.${type}`) },
    { title: t('win.col.hours'), key: 'hours', width: 200, render: (_: unknown, w) => hoursOf(w) },
    { title: t('win.col.holidays'), key: 'holidays', width: 190, render: (_: unknown, w) => holidaysOf(w) },
    {
      title: t('win.col.description'),
      dataIndex: 'description',
      render: (d: string | undefined, w) => (
        <div>
          {d && <div className="cell-text">{d}</div>}
          <SourceTag source={w.source} />
        </div>
      ),
    },
  ];

  return (
    <div className="tab-panel">
      <Table<ServiceWindow> rowKey="key" size="small" bordered columns={columns} dataSource={def.serviceWindows} pagination={false} />
    </div>
  );
}
