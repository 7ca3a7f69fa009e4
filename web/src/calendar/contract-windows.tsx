/**
 * 合同服务时间窗 and 时限试算: each visible contract's service windows, and a
 * calculator that answers "reported at T at this level, when is each target
 * due, and by which rule and calendar version" — what an auditor uses to
 * re-check a disputed deadline. A second tool measures the working time
 * between two instants on a window.
 */
import { TargetDue } from '../shared/target-due';
import { useMemo, useState } from 'react';
import { Alert, Button, Card, DatePicker, Descriptions, Empty, Form, Radio, Select, Table, Tabs, Tag, Tooltip, TreeSelect } from 'antd';
import type { ColumnsType } from 'antd/es/table';
import { CalculatorOutlined, FieldTimeOutlined } from '@ant-design/icons';
import type { Dayjs } from 'dayjs';
import { api, errorMessage, unwrap } from '../api/client';
import type { ContractDetail, ServiceWindow, SlaPreview, SlaTargetResult, WorkingTime } from '../api/types';
import { useT } from '../i18n/i18n';
import { beijingNow, beijingWallClockToIso, formatDateTime } from '../shared/datetime';
import { useQuery } from '../shared/use-query';
import { EmptyState, LoadError, Loading } from '../shared/page-state';
import { ruleMeasure, ruleSentence, TARGET_COLORS } from '../shared/sla-format';
import { systemTree } from '../contracts/contract-index';
import { WindowHours, windowHolidays } from '../contracts/window-format';
import { rankClass } from '../incidents/incident-rules';

async function loadContracts(): Promise<ContractDetail[]> {
  const list = await unwrap(api.GET('/api/contracts'));
  return Promise.all(list.map((c) => unwrap(api.GET('/api/contracts/{contractId}', { params: { path: { contractId: c.id } } }))));
}

export function ContractWindowsSection() {
  const t = useT();
  const { data, error, loading, reload } = useQuery(loadContracts, []);
  return (
    <>
      <Card className="section-card" title={t('cal.windowsTitle')}>
        <div className="muted small section-intro">{t('cal.windowsIntro')}</div>
        {error !== undefined ? (
          <LoadError error={error} onRetry={reload} />
        ) : loading || !data ? (
          <Loading />
        ) : data.length === 0 ? (
          <EmptyState>{t('cal.noContracts')}</EmptyState>
        ) : (
          data.map((c) => <ContractWindows key={c.id} contract={c} />)
        )}
      </Card>
      {data && data.length > 0 && <DeadlineCalculator contracts={data} />}
    </>
  );
}

function ContractWindows({ contract }: { contract: ContractDetail }) {
  const t = useT();
  const def = contract.definition;
  const columns: ColumnsType<ServiceWindow> = [
    {
      title: t('win.col.name'),
      dataIndex: 'name',
      width: 200,
      render: (name: string, w) => (
        <span>
          <span className="cell-title">{name}</span> <span className="item-key">{w.key}</span>
          {w.key === def.slaPolicy.defaultWindow && <Tag color="blue">{t('sla.defaultWindow')}</Tag>}
        </span>
      ),
    },
    { title: t('win.col.type'), dataIndex: 'type', width: 150, render: (type: ServiceWindow['type']) => t(`winType.${type}`) },
    { title: t('win.col.hours'), key: 'hours', render: (_: unknown, w) => <WindowHours window={w} t={t} /> },
    { title: t('win.col.holidays'), key: 'holidays', width: 240, render: (_: unknown, w) => windowHolidays(t, w) },
  ];
  return (
    <div className="contract-windows">
      <div className="sub-heading">
        <span className="mono contract-code">{contract.code}</span> {contract.name}
      </div>
      <Table<ServiceWindow> rowKey="key" size="small" bordered columns={columns} dataSource={def.serviceWindows} pagination={false} />
    </div>
  );
}

interface CalcValues {
  contractId: string;
  levelKey: string;
  reportedAt: Dayjs;
  systemKey?: string;
  siteZone: 'any' | 'urban' | 'suburban';
}

interface WorkValues {
  contractId: string;
  window: string;
  from: Dayjs;
  to: Dayjs;
}

/** The most severe level that has a deadline (the calculator's default). */
function firstTimedLevel(c: ContractDetail | undefined): string | undefined {
  const levels = [...(c?.definition.severityLevels ?? [])].sort((a, b) => a.rank - b.rank);
  return (levels.find((l) => l.targets.some((x) => x.within)) ?? levels[0])?.key;
}

function DeadlineCalculator({ contracts }: { contracts: ContractDetail[] }) {
  const t = useT();
  return (
    <Card
      className="section-card calculator-card"
      title={
        <span>
          <CalculatorOutlined /> {t('calc.title')}
        </span>
      }
    >
      <div className="muted small section-intro">{t('calc.intro')}</div>
      <Tabs
        items={[
          { key: 'due', label: t('calc.tabDue'), children: <DueTimeTool contracts={contracts} /> },
          { key: 'working', label: t('calc.tabWorking'), children: <WorkingTimeTool contracts={contracts} /> },
        ]}
      />
    </Card>
  );
}

function DueTimeTool({ contracts }: { contracts: ContractDetail[] }) {
  const t = useT();
  const [form] = Form.useForm<CalcValues>();
  const contractId = Form.useWatch('contractId', form) ?? contracts[0]?.id;
  const contract = contracts.find((c) => c.id === contractId) ?? contracts[0];
  const [result, setResult] = useState<{ preview: SlaPreview; contract: ContractDetail; input: CalcValues } | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [running, setRunning] = useState(false);

  const levels = useMemo(() => [...(contract?.definition.severityLevels ?? [])].sort((a, b) => a.rank - b.rank), [contract]);
  const tree = useMemo(() => systemTree(contract?.definition.systems ?? []), [contract]);

  const run = async (v: CalcValues) => {
    const c = contracts.find((x) => x.id === v.contractId);
    if (!c) return;
    setRunning(true);
    setError(null);
    try {
      const preview = await unwrap(
        api.POST('/api/contracts/{contractId}/sla/preview', {
          params: { path: { contractId: c.id } },
          body: {
            levelKey: v.levelKey,
            reportedAt: beijingWallClockToIso(v.reportedAt),
            ...(v.systemKey ? { systemKey: v.systemKey } : {}),
            ...(v.siteZone !== 'any' ? { siteZone: v.siteZone } : {}),
          },
        }),
      );
      setResult({ preview, contract: c, input: v });
    } catch (e) {
      setResult(null);
      setError(errorMessage(e));
    } finally {
      setRunning(false);
    }
  };

  return (
    <div>
      <Form<CalcValues>
        form={form}
        layout="vertical"
        className="calc-form"
        initialValues={{ contractId: contracts[0]?.id, reportedAt: beijingNow(), siteZone: 'any', levelKey: firstTimedLevel(contracts[0]) }}
        onValuesChange={(changed: Partial<CalcValues>) => {
          if (changed.contractId) {
            const c = contracts.find((x) => x.id === changed.contractId);
            form.setFieldsValue({ levelKey: firstTimedLevel(c), systemKey: undefined });
          }
        }}
        onFinish={run}
      >
        <div className="form-grid-calc">
          <Form.Item name="contractId" label={t('calc.contract')} rules={[{ required: true }]} className="span-2">
            <Select options={contracts.map((c) => ({ value: c.id, label: `${c.code} ${c.name}` }))} />
          </Form.Item>
          <Form.Item name="levelKey" label={t('calc.level')} rules={[{ required: true, message: t('calc.levelRequired') }]}>
            <Select
              options={levels.map((l) => ({
                value: l.key,
                label: (
                  <span className="level-option">
                    <span className={`rank-badge small ${rankClass(l.rank)}`}>{t('sev.rank', { n: l.rank })}</span> {l.name}
                  </span>
                ),
              }))}
            />
          </Form.Item>
          <Form.Item name="reportedAt" label={t('calc.reportedAt')} rules={[{ required: true }]} extra={t('calc.reportedAtHelp')}>
            <DatePicker showTime={{ format: 'HH:mm' }} format="YYYY-MM-DD HH:mm" className="full-width" />
          </Form.Item>
          <Form.Item name="systemKey" label={t('calc.system')}>
            <TreeSelect treeData={tree} allowClear treeDefaultExpandAll placeholder={t('calc.systemAny')} showSearch treeNodeFilterProp="title" />
          </Form.Item>
          <Form.Item name="siteZone" label={t('calc.zone')}>
            <Radio.Group
              optionType="button"
              options={[
                { value: 'any', label: t('calc.zoneAny') },
                { value: 'urban', label: t('cond.urban') },
                { value: 'suburban', label: t('cond.suburban') },
              ]}
            />
          </Form.Item>
        </div>
        <Button type="primary" htmlType="submit" icon={<CalculatorOutlined />} loading={running}>
          {t('calc.run')}
        </Button>
      </Form>
      {error && <Alert className="calc-error" type="error" showIcon title={error} />}
      {result && <PreviewResult preview={result.preview} contract={result.contract} input={result.input} />}
    </div>
  );
}

function PreviewResult({ preview, contract, input }: { preview: SlaPreview; contract: ContractDetail; input: CalcValues }) {
  const t = useT();
  const windows = useMemo(() => new Map(contract.definition.serviceWindows.map((w) => [w.key, w])), [contract]);
  const res = preview.result;
  const system = input.systemKey ? contract.definition.systems.find((s) => s.key === input.systemKey)?.name : undefined;

  const columns: ColumnsType<SlaTargetResult> = [
    {
      title: t('sla.col.target'),
      key: 'target',
      width: 230,
      render: (_: unknown, x) => (
        <div>
          <Tag color={TARGET_COLORS[x.kind]}>{t(`targetKind.${x.kind}`)}</Tag>
          <span>{x.name}</span>
        </div>
      ),
    },
    {
      title: t('calc.col.due'),
      key: 'due',
      width: 210,
      render: (_: unknown, x) => <TargetDue target={x} />,
    },
    { title: t('calc.col.measure'), key: 'measure', width: 220, render: (_: unknown, x) => ruleMeasure(t, x.rule, windows) },
    {
      title: t('calc.col.span'),
      key: 'span',
      render: (_: unknown, x) => t('rule.span', { start: t(`event.${x.rule.startOn}`), stop: t(`event.${x.rule.stopOn}`) }),
    },
    {
      title: t('calc.col.version'),
      key: 'version',
      width: 230,
      render: (_: unknown, x) => (
        <Tooltip title={ruleSentence(t, x.rule, windows)}>
          <span className="mono small">{x.rule.calendarVersion}</span>
        </Tooltip>
      ),
    },
  ];

  return (
    <div className="calc-result">
      <Descriptions
        size="small"
        bordered
        column={3}
        items={[
          { key: 'level', label: t('calc.level'), children: preview.levelName },
          { key: 'reported', label: t('calc.reportedAt'), children: formatDateTime(beijingWallClockToIso(input.reportedAt)) },
          { key: 'window', label: t('calc.window'), children: windows.get(preview.windowKey)?.name ?? preview.windowKey },
          { key: 'system', label: t('calc.system'), children: system ?? t('calc.systemAny') },
          { key: 'zone', label: t('calc.zone'), children: input.siteZone === 'any' ? t('calc.zoneAny') : t(`cond.${input.siteZone}`) },
          { key: 'version', label: t('cal.version'), children: <span className="mono">{res.calendarVersion}</span> },
        ]}
      />
      {res.assumptions.length > 0 && (
        <Alert className="calc-assumptions" type="warning" showIcon title={t('calc.assumptions')} description={res.assumptions.map((a) => a.message).join('；')} />
      )}
      {res.targets.length === 0 ? (
        <Empty image={Empty.PRESENTED_IMAGE_SIMPLE} description={t('calc.noTargets')} />
      ) : (
        <Table<SlaTargetResult> rowKey="key" size="small" bordered className="calc-table" columns={columns} dataSource={res.targets} pagination={false} />
      )}
      <div className="muted small calc-footnote">{t('calc.footnote', { time: formatDateTime(res.computedAt), tz: res.timezone })}</div>
    </div>
  );
}

function WorkingTimeTool({ contracts }: { contracts: ContractDetail[] }) {
  const t = useT();
  const [form] = Form.useForm<WorkValues>();
  const contractId = Form.useWatch('contractId', form) ?? contracts[0]?.id;
  const contract = contracts.find((c) => c.id === contractId) ?? contracts[0];
  const [result, setResult] = useState<WorkingTime | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [running, setRunning] = useState(false);
  const now = beijingNow();

  const run = async (v: WorkValues) => {
    setRunning(true);
    setError(null);
    try {
      const r = await unwrap(
        api.GET('/api/contracts/{contractId}/working-time', {
          params: { path: { contractId: v.contractId }, query: { window: v.window, from: beijingWallClockToIso(v.from), to: beijingWallClockToIso(v.to) } },
        }),
      );
      setResult(r);
    } catch (e) {
      setResult(null);
      setError(errorMessage(e));
    } finally {
      setRunning(false);
    }
  };

  return (
    <div>
      <Form<WorkValues>
        form={form}
        layout="vertical"
        className="calc-form"
        initialValues={{ contractId: contracts[0]?.id, window: contracts[0]?.definition.slaPolicy.defaultWindow, from: now.subtract(1, 'day'), to: now }}
        onValuesChange={(changed: Partial<WorkValues>) => {
          if (changed.contractId) {
            const c = contracts.find((x) => x.id === changed.contractId);
            form.setFieldsValue({ window: c?.definition.slaPolicy.defaultWindow });
          }
        }}
        onFinish={run}
      >
        <div className="form-grid-calc">
          <Form.Item name="contractId" label={t('calc.contract')} rules={[{ required: true }]} className="span-2">
            <Select options={contracts.map((c) => ({ value: c.id, label: `${c.code} ${c.name}` }))} />
          </Form.Item>
          <Form.Item name="window" label={t('calc.window')} rules={[{ required: true }]}>
            <Select options={(contract?.definition.serviceWindows ?? []).map((w) => ({ value: w.key, label: `${w.name}${t('common.paren', { text: t(`winType.${w.type}`) })}` }))} />
          </Form.Item>
          <Form.Item name="from" label={t('calc.from')} rules={[{ required: true }]}>
            <DatePicker showTime={{ format: 'HH:mm' }} format="YYYY-MM-DD HH:mm" className="full-width" />
          </Form.Item>
          <Form.Item name="to" label={t('calc.to')} rules={[{ required: true }]}>
            <DatePicker showTime={{ format: 'HH:mm' }} format="YYYY-MM-DD HH:mm" className="full-width" />
          </Form.Item>
        </div>
        <Button type="primary" htmlType="submit" icon={<FieldTimeOutlined />} loading={running}>
          {t('calc.measure')}
        </Button>
      </Form>
      {error && <Alert className="calc-error" type="error" showIcon title={error} />}
      {result && (
        <div className="calc-result">
          <Descriptions
            size="small"
            bordered
            column={3}
            items={[
              { key: 'window', label: t('calc.window'), children: result.windowName },
              { key: 'minutes', label: t('calc.workingTime'), children: <span className="due-time">{t('calc.workingMinutes', { text: result.text, n: result.minutes })}</span> },
              { key: 'version', label: t('cal.version'), children: <span className="mono">{result.calendarVersion}</span> },
            ]}
          />
          {result.assumptions.length > 0 && <Alert className="calc-assumptions" type="warning" showIcon title={t('calc.assumptions')} description={result.assumptions.join('；')} />}
        </div>
      )}
    </div>
  );
}
