/**
 * 服务时间窗 — the service windows that working-time deadlines are counted on.
 */
import { Table, Tag } from 'antd';
import type { ColumnsType } from 'antd/es/table';
import type { ServiceWindow } from '../../api/types';
import { useT } from '../../i18n/i18n';
import { SourceTag } from '../../shared/source-tag';
import type { ContractIndex } from '../contract-index';
import { WindowHours, windowHolidays } from '../window-format';

export function ServiceWindowsTab({ index }: { index: ContractIndex }) {
  const t = useT();
  const def = index.detail.definition;

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
    { title: t('win.col.hours'), key: 'hours', width: 200, render: (_: unknown, w) => <WindowHours window={w} t={t} /> },
    { title: t('win.col.holidays'), key: 'holidays', width: 190, render: (_: unknown, w) => windowHolidays(t, w) },
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
