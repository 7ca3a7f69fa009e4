/**
 * 工作日历 — the working calendar every working-time deadline is counted on:
 * the year view, the history of local adjustments (and, for platform
 * administrators, a form to add one), then each contract's service windows
 * and a deadline calculator for re-checking a disputed due time.
 */
import { useMemo, useState } from 'react';
import { useSearchParams } from 'react-router-dom';
import { Alert, App, Button, Card, DatePicker, Form, Input, Popconfirm, Radio, Select, Space, Table, Tag, Tooltip } from 'antd';
import type { ColumnsType } from 'antd/es/table';
import { LeftOutlined, RightOutlined, CalendarOutlined, PlusOutlined } from '@ant-design/icons';
import type { Dayjs } from 'dayjs';
import { api, errorMessage, unwrap } from '../api/client';
import type { CalendarOverride, CalendarYear } from '../api/types';
import { useMe } from '../auth/session';
import { useT } from '../i18n/i18n';
import { beijingToday, beijingWallClockToIso, formatDateTime, formatDateTimeShort } from '../shared/datetime';
import { useQuery } from '../shared/use-query';
import { LoadError, Loading } from '../shared/page-state';
import { YearGrid, YearLegend } from './year-grid';
import { ContractWindowsSection } from './contract-windows';

/** The first year the platform holds the official calendar for. */
const FIRST_YEAR = 2018;
/** The last year the API accepts. */
const LAST_YEAR = 2040;

async function loadYear(year: number): Promise<CalendarYear> {
  return unwrap(api.GET('/api/calendar/years/{year}', { params: { path: { year } } }));
}

/**
 * The latest year whose official arrangement is published: probe from the
 * current year (a few small requests; the API does not name it directly).
 */
async function latestPublishedYear(current: number): Promise<number> {
  let year = current;
  if ((await loadYear(year)).published) {
    while (year < LAST_YEAR && (await loadYear(year + 1)).published) year++;
    return year;
  }
  while (year > FIRST_YEAR && !(await loadYear(year - 1)).published) year--;
  return Math.max(FIRST_YEAR, year - 1);
}

export function CalendarPage() {
  const t = useT();
  const today = beijingToday();
  const currentYear = Number(today.slice(0, 4));
  const [params, setParams] = useSearchParams();
  const requested = Number(params.get('year'));
  const year = Number.isInteger(requested) && requested >= FIRST_YEAR && requested <= LAST_YEAR ? requested : currentYear;
  const setYear = (y: number) => setParams((p) => ({ ...Object.fromEntries(p), year: String(y) }), { replace: true });

  const latest = useQuery(() => latestPublishedYear(currentYear), [currentYear]);
  const lastOption = Math.min(LAST_YEAR, Math.max((latest.data ?? currentYear) + 1, year));
  const yearOptions = useMemo(() => Array.from({ length: lastOption - FIRST_YEAR + 1 }, (_, i) => lastOption - i).map((y) => ({ value: y, label: t('cal.yearN', { y }) })), [lastOption, t]);

  const yearQuery = useQuery(() => loadYear(year), [year]);
  const overrides = useQuery(() => unwrap(api.GET('/api/calendar/overrides')), []);
  const reloadAll = () => {
    yearQuery.reload();
    overrides.reload();
  };

  return (
    <div className="page calendar-page">
      <div className="page-head">
        <div>
          <h1 className="page-title">
            <CalendarOutlined /> {t('cal.title')}
          </h1>
          <div className="page-desc">{t('cal.desc')}</div>
        </div>
      </div>

      <Card
        className="section-card year-card"
        title={t('cal.yearView')}
        extra={
          <Space className="year-switcher">
            <Button aria-label={t('cal.prevYear')} icon={<LeftOutlined />} disabled={year <= FIRST_YEAR} onClick={() => setYear(year - 1)} />
            <Select className="year-select" value={year} options={yearOptions} onChange={setYear} popupMatchSelectWidth={120} />
            <Button aria-label={t('cal.nextYear')} icon={<RightOutlined />} disabled={year >= lastOption} onClick={() => setYear(year + 1)} />
            {year !== currentYear && <Button onClick={() => setYear(currentYear)}>{t('cal.thisYear')}</Button>}
          </Space>
        }
      >
        {yearQuery.error !== undefined ? (
          <LoadError error={yearQuery.error} onRetry={yearQuery.reload} />
        ) : !yearQuery.data || yearQuery.data.year !== year ? (
          <Loading />
        ) : (
          <YearBody data={yearQuery.data} today={today} />
        )}
      </Card>

      <OverridesSection overrides={overrides.data} error={overrides.error} loading={overrides.loading} onChanged={reloadAll} />

      <ContractWindowsSection />
    </div>
  );
}

function YearBody({ data, today }: { data: CalendarYear; today: string }) {
  const t = useT();
  const holidays = data.days.filter((d) => !d.workday).length;
  const makeups = data.days.filter((d) => d.reason === 'makeupWorkday').length;
  const overrides = data.days.filter((d) => d.source === 'override').length;
  return (
    <div>
      {!data.published && (
        <Alert className="unpublished-note" type="warning" showIcon title={t('cal.unpublishedTitle', { y: data.year })} description={data.note ?? t('cal.unpublishedBody')} />
      )}
      <div className="cal-summary">
        <div className="cal-figure">
          <div className="figure-label">{t('cal.workdays')}</div>
          <div className="figure-value">
            {data.workdays}
            <span className="figure-unit">{t('cal.daysUnit')}</span>
          </div>
        </div>
        <div className="cal-figure">
          <div className="figure-label">{t('cal.holidays')}</div>
          <div className="figure-value holiday-figure">
            {holidays}
            <span className="figure-unit">{t('cal.daysUnit')}</span>
          </div>
        </div>
        <div className="cal-figure">
          <div className="figure-label">{t('cal.makeups')}</div>
          <div className="figure-value">
            {makeups}
            <span className="figure-unit">{t('cal.daysUnit')}</span>
          </div>
        </div>
        <div className="cal-figure">
          <div className="figure-label">{t('cal.overrides')}</div>
          <div className="figure-value">
            {overrides}
            <span className="figure-unit">{t('cal.itemsUnit')}</span>
          </div>
        </div>
        <div className="cal-figure wide">
          <div className="figure-label">{t('cal.version')}</div>
          <div className="cal-version mono">{data.calendarVersion}</div>
          <div className="muted small">
            {data.published ? t('cal.publishedBy', { source: data.source }) : t('cal.notPublishedShort')}
          </div>
        </div>
      </div>
      <YearGrid data={data} today={today} />
      <YearLegend />
    </div>
  );
}

function overrideState(o: CalendarOverride, now: number): 'retracted' | 'pending' | 'active' {
  if (o.retractedAt) return 'retracted';
  return Date.parse(o.effectiveFrom) > now ? 'pending' : 'active';
}

function OverridesSection({ overrides, error, loading, onChanged }: { overrides: CalendarOverride[] | undefined; error: unknown; loading: boolean; onChanged: () => void }) {
  const t = useT();
  const me = useMe();
  const { message } = App.useApp();
  const [showForm, setShowForm] = useState(false);
  const now = Date.now();

  const retract = async (o: CalendarOverride) => {
    try {
      await unwrap(api.DELETE('/api/calendar/overrides/{id}', { params: { path: { id: o.id } } }));
      message.success(t('cal.retracted', { date: o.date }));
      onChanged();
    } catch (e) {
      message.error(errorMessage(e));
    }
  };

  const columns: ColumnsType<CalendarOverride> = [
    { title: t('cal.col.date'), dataIndex: 'date', width: 130, render: (d: string) => <span className="mono">{d}</span> },
    {
      title: t('cal.col.kind'),
      dataIndex: 'kind',
      width: 90,
      render: (k: CalendarOverride['kind']) => <Tag color={k === 'holiday' ? 'red' : 'blue'}>{t(`cal.kind.${k}`)}</Tag>,
    },
    { title: t('cal.col.name'), dataIndex: 'name', width: 180 },
    { title: t('cal.col.reason'), dataIndex: 'reason', render: (r: string | null) => (r ? <span className="cell-text">{r}</span> : <span className="muted">{t('common.dash')}</span>) },
    { title: t('cal.col.effectiveFrom'), dataIndex: 'effectiveFrom', width: 160, render: (v: string) => formatDateTimeShort(v) },
    {
      title: t('cal.col.createdBy'),
      key: 'created',
      width: 180,
      render: (_: unknown, o) => (
        <div>
          <div>{o.createdBy ?? t('audit.system')}</div>
          <div className="muted small">{formatDateTime(o.createdAt)}</div>
        </div>
      ),
    },
    {
      title: t('cal.col.state'),
      key: 'state',
      width: 200,
      render: (_: unknown, o) => {
        const state = overrideState(o, now);
        return (
          <div>
            <Tag color={state === 'active' ? 'green' : state === 'pending' ? 'gold' : 'default'}>{t(`cal.state.${state}`)}</Tag>
            {o.retractedAt && (
              <div className="muted small">{t('cal.retractedBy', { name: o.retractedBy ?? t('audit.system'), time: formatDateTimeShort(o.retractedAt) })}</div>
            )}
          </div>
        );
      },
    },
    ...(me.isPlatformAdmin
      ? [
          {
            title: t('common.actions'),
            key: 'actions',
            width: 90,
            render: (_: unknown, o: CalendarOverride) =>
              o.retractedAt ? null : (
                <Popconfirm title={t('cal.retractConfirm', { date: o.date, name: o.name })} description={t('cal.recomputeNote')} okText={t('cal.retract')} cancelText={t('common.cancel')} onConfirm={() => retract(o)}>
                  <Button size="small" danger>
                    {t('cal.retract')}
                  </Button>
                </Popconfirm>
              ),
          },
        ]
      : []),
  ];

  return (
    <Card
      className="section-card"
      title={t('cal.overrideHistory')}
      extra={
        me.isPlatformAdmin && !showForm ? (
          <Button type="primary" icon={<PlusOutlined />} onClick={() => setShowForm(true)}>
            {t('cal.addOverride')}
          </Button>
        ) : null
      }
    >
      <div className="muted small section-intro">{t('cal.overrideIntro')}</div>
      {me.isPlatformAdmin && showForm && (
        <OverrideForm
          onDone={() => {
            setShowForm(false);
            onChanged();
          }}
          onCancel={() => setShowForm(false)}
        />
      )}
      {error !== undefined ? (
        <LoadError error={error} onRetry={onChanged} />
      ) : (
        <Table<CalendarOverride>
          rowKey="id"
          size="small"
          loading={loading}
          columns={columns}
          dataSource={overrides ?? []}
          pagination={{ pageSize: 10, hideOnSinglePage: true }}
          rowClassName={(o) => (o.retractedAt ? 'retracted-row' : '')}
          locale={{ emptyText: t('cal.noOverrides') }}
        />
      )}
    </Card>
  );
}

interface OverrideFormValues {
  date: Dayjs;
  kind: 'holiday' | 'workday';
  name: string;
  reason?: string;
  effectiveFrom?: Dayjs | null;
}

function OverrideForm({ onDone, onCancel }: { onDone: () => void; onCancel: () => void }) {
  const t = useT();
  const { modal, message } = App.useApp();
  const [form] = Form.useForm<OverrideFormValues>();
  const [saving, setSaving] = useState(false);

  const save = async (v: OverrideFormValues) => {
    const date = v.date.format('YYYY-MM-DD');
    const confirmed = await modal.confirm({
      title: t('cal.confirmTitle'),
      content: (
        <div>
          <p>{t('cal.confirmBody', { date, kind: t(`cal.kind.${v.kind}`), name: v.name.trim() })}</p>
          <p className="strong">{t('cal.recomputeNote')}</p>
        </div>
      ),
      okText: t('cal.confirmOk'),
      cancelText: t('common.cancel'),
    });
    if (!confirmed) return;
    setSaving(true);
    try {
      await unwrap(
        api.POST('/api/calendar/overrides', {
          body: {
            date,
            kind: v.kind,
            name: v.name.trim(),
            ...(v.reason?.trim() ? { reason: v.reason.trim() } : {}),
            ...(v.effectiveFrom ? { effectiveFrom: beijingWallClockToIso(v.effectiveFrom) } : {}),
          },
        }),
      );
      message.success(t('cal.saved', { date }));
      form.resetFields();
      onDone();
    } catch (e) {
      message.error(errorMessage(e));
    } finally {
      setSaving(false);
    }
  };

  return (
    <Card size="small" className="override-form" title={t('cal.addOverrideTitle')}>
      <Form<OverrideFormValues> form={form} layout="vertical" initialValues={{ kind: 'holiday' }} onFinish={save} requiredMark>
        <div className="form-grid-3">
          <Form.Item name="date" label={t('cal.f.date')} rules={[{ required: true, message: t('cal.f.dateRequired') }]}>
            <DatePicker className="full-width" />
          </Form.Item>
          <Form.Item name="kind" label={t('cal.f.kind')} rules={[{ required: true }]}>
            <Radio.Group optionType="button" buttonStyle="solid" options={[{ value: 'holiday', label: t('cal.kind.holiday') }, { value: 'workday', label: t('cal.kind.workday') }]} />
          </Form.Item>
          <Form.Item name="name" label={t('cal.f.name')} rules={[{ required: true, whitespace: true, message: t('cal.f.nameRequired') }, { max: 50 }]}>
            <Input placeholder={t('cal.f.namePlaceholder')} maxLength={50} />
          </Form.Item>
        </div>
        <div className="form-grid-2">
          <Form.Item name="reason" label={t('cal.f.reason')} rules={[{ max: 500 }]}>
            <Input.TextArea rows={2} placeholder={t('cal.f.reasonPlaceholder')} maxLength={500} />
          </Form.Item>
          <Form.Item
            name="effectiveFrom"
            label={
              <Tooltip title={t('cal.f.effectiveFromHelp')}>
                <span>{t('cal.f.effectiveFrom')}</span>
              </Tooltip>
            }
            extra={t('cal.f.effectiveFromHelp')}
          >
            <DatePicker showTime={{ format: 'HH:mm' }} format="YYYY-MM-DD HH:mm" className="full-width" placeholder={t('cal.f.effectiveNow')} />
          </Form.Item>
        </div>
        <Alert type="info" showIcon className="form-note" title={t('cal.recomputeNote')} />
        <Space>
          <Button type="primary" htmlType="submit" loading={saving}>
            {t('cal.save')}
          </Button>
          <Button onClick={onCancel}>{t('common.cancel')}</Button>
        </Space>
      </Form>
    </Card>
  );
}
