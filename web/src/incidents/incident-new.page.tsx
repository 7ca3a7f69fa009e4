/**
 * 登记故障 — report a fault. The clock starts at the first report time (the
 * phone call, not the moment it is typed in). The impact questions come
 * from the contract's level criteria plus the standard ones; the level is
 * left to the server's suggestion unless the user picks one, in which case
 * a reason is asked for (the server insists when it differs).
 */
import { useMemo, useState } from 'react';
import { Link, useNavigate, useParams } from 'react-router-dom';
import { Alert, App, Button, Card, Checkbox, DatePicker, Form, Input, InputNumber, Radio, Select, Space, Tag, TreeSelect } from 'antd';
import { ArrowLeftOutlined, ClockCircleOutlined, SendOutlined } from '@ant-design/icons';
import type { Dayjs } from 'dayjs';
import { api, ApiError, errorMessage, unwrap } from '../api/client';
import type { ContractDetail, Criterion, IncidentChannel, IncidentImpact, NewIncident, SeverityLevel } from '../api/types';
import { useMe } from '../auth/session';
import { isMessageKey, useT, type MessageKey } from '../i18n/i18n';
import { beijingNow, beijingWallClockToIso } from '../shared/datetime';
import { EmptyState, LoadError, Loading } from '../shared/page-state';
import { buildIndex, systemAncestry, systemTree } from '../contracts/contract-index';
import { formatTargetDeadline } from '../contracts/contract-format';
import { ContractNav } from '../contracts/contract-nav';
import { canReport, CHANNELS, rankClass } from './incident-rules';
import { useContract } from '../contracts/use-contract';
import { SiteField } from '../contracts/site-field';

type BoolMetric = 'wholeSystemDown' | 'businessSeriouslyAffected' | 'dataCompromised' | 'businessPeak' | 'partialFunctionDown';
type NumberMetric = 'usersAffectedShare' | 'outageMinutes';
const BOOL_METRICS: readonly BoolMetric[] = ['wholeSystemDown', 'businessSeriouslyAffected', 'partialFunctionDown', 'dataCompromised', 'businessPeak'];
const NUMBER_METRICS: readonly NumberMetric[] = ['usersAffectedShare', 'outageMinutes'];

/** The level field's value when the server is to decide. */
const AUTO = '__auto__';

interface FormValues {
  reporterName: string;
  reporterOrg?: string;
  reporterContact?: string;
  channel: IncidentChannel;
  reportedAt: Dayjs;
  title: string;
  description?: string;
  systemKey: string;
  site?: string;
  siteZone: 'none' | 'urban' | 'suburban';
  tags?: string[];
  impact: Partial<Record<BoolMetric, boolean>> & Partial<Record<NumberMetric, number | null>>;
  levelKey: string;
  levelReason?: string;
}

export function IncidentNewPage() {
  const t = useT();
  const { contractId = '' } = useParams();
  const contract = useContract(contractId);
  if (contract.error !== undefined) {
    const notFound = contract.error instanceof ApiError && (contract.error.status === 404 || contract.error.status === 400);
    return <div className="page">{notFound ? <Card><EmptyState>{t('detail.notFound')}</EmptyState></Card> : <LoadError error={contract.error} onRetry={contract.reload} />}</div>;
  }
  if (!contract.data) return <Loading />;
  return <IncidentForm contract={contract.data} />;
}

/** Contract criteria that use a metric, with the level they lead to. */
function criteriaFor(levels: readonly SeverityLevel[], metric: Criterion['metric']): { level: SeverityLevel; criterion: Criterion }[] {
  const out: { level: SeverityLevel; criterion: Criterion }[] = [];
  for (const level of levels) for (const criterion of level.criteria ?? []) if (criterion.metric === metric) out.push({ level, criterion });
  return out;
}

function levelApplies(level: SeverityLevel, ancestry: readonly string[]): boolean {
  if (!level.appliesTo?.length || ancestry.length === 0) return true;
  return ancestry.some((k) => level.appliesTo?.includes(k));
}

function IncidentForm({ contract }: { contract: ContractDetail }) {
  const t = useT();
  const me = useMe();
  const navigate = useNavigate();
  const { message } = App.useApp();
  const [form] = Form.useForm<FormValues>();
  const [submitting, setSubmitting] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const def = contract.definition;
  const index = useMemo(() => buildIndex(contract), [contract]);
  const levels = useMemo(() => [...def.severityLevels].sort((a, b) => a.rank - b.rank), [def]);
  const tree = useMemo(() => systemTree(def.systems), [def]);
  const systemKey = Form.useWatch('systemKey', form);
  const levelKey = Form.useWatch('levelKey', form) ?? AUTO;
  const ancestry = useMemo(() => (systemKey ? systemAncestry(def.systems, systemKey) : []), [def.systems, systemKey]);
  const orderedLevels = useMemo(() => [...levels].sort((a, b) => Number(levelApplies(b, ancestry)) - Number(levelApplies(a, ancestry)) || a.rank - b.rank), [levels, ancestry]);
  const knownTags = useMemo(() => {
    const tags = new Set<string>();
    for (const l of levels) for (const x of l.targets) for (const tag of x.when?.tags ?? []) tags.add(tag);
    return [...tags];
  }, [levels]);
  const usesZone = levels.some((l) => l.targets.some((x) => x.when?.siteZone));

  if (!canReport(contract.myRoles, me.isPlatformAdmin)) {
    return (
      <div className="page">
        <ContractNav contractId={contract.id} active="incidents" code={contract.code} name={contract.name} />
        <Alert type="warning" showIcon title={t('new.noRole')} />
      </div>
    );
  }

  const submit = async (v: FormValues) => {
    setSubmitting(true);
    setError(null);
    const impact: IncidentImpact = {};
    for (const m of BOOL_METRICS) if (v.impact?.[m]) impact[m] = true;
    for (const m of NUMBER_METRICS) {
      const n = v.impact?.[m];
      if (typeof n === 'number') impact[m] = n;
    }
    const body: NewIncident = {
      title: v.title.trim(),
      description: v.description?.trim() ?? '',
      systemKey: v.systemKey,
      channel: v.channel,
      reporterName: v.reporterName.trim(),
      reportedAt: beijingWallClockToIso(v.reportedAt),
      impact,
      ...(v.reporterOrg?.trim() ? { reporterOrg: v.reporterOrg.trim() } : {}),
      ...(v.reporterContact?.trim() ? { reporterContact: v.reporterContact.trim() } : {}),
      ...(v.site?.trim() ? { site: v.site.trim() } : {}),
      ...(v.siteZone !== 'none' ? { siteZone: v.siteZone } : {}),
      ...(v.tags?.length ? { tags: v.tags } : {}),
      ...(v.levelKey && v.levelKey !== AUTO ? { levelKey: v.levelKey } : {}),
      ...(v.levelKey !== AUTO && v.levelReason?.trim() ? { levelReason: v.levelReason.trim() } : {}),
    };
    try {
      const r = await unwrap(api.POST('/api/contracts/{contractId}/incidents', { params: { path: { contractId: contract.id } }, body }));
      const name = def.severityLevels.find((l) => l.key === r.levelKey)?.name ?? r.levelKey;
      message.success(t('new.created', { number: r.number, level: name }));
      navigate(`/incidents/${r.id}`);
    } catch (e) {
      const msg = errorMessage(e);
      setError(msg);
      if (e instanceof ApiError && e.code === 'VALIDATION_FAILED') {
        // A picked level that differs from the suggestion needs a reason; no level and no suggestion needs a level.
        if (v.levelKey !== AUTO && !v.levelReason?.trim()) {
          form.setFields([{ name: 'levelReason', errors: [msg] }]);
          form.scrollToField('levelReason', { block: 'center' });
          form.focusField('levelReason');
        } else if (v.levelKey === AUTO) {
          form.setFields([{ name: 'levelKey', errors: [msg] }]);
          form.scrollToField('levelKey', { block: 'start' });
        }
      }
    } finally {
      setSubmitting(false);
    }
  };

  const channelLabel = (c: (typeof CHANNELS)[number]) => t(`incChannel.${c}`);

  return (
    <div className="page incident-new-page">
      <ContractNav contractId={contract.id} active="incidents" code={contract.code} name={contract.name} />
      <Link to={`/contracts/${contract.id}/incidents`} className="back-link">
        <ArrowLeftOutlined /> {t('inc.backToBoard')}
      </Link>
      <div className="page-head">
        <div>
          <h1 className="page-title">{t('new.title')}</h1>
          <div className="page-desc">{t('new.desc')}</div>
        </div>
      </div>
      <Form<FormValues>
        form={form}
        layout="vertical"
        className="incident-form"
        scrollToFirstError
        initialValues={{
          reporterName: me.displayName,
          reporterOrg: me.organisationName ?? undefined,
          channel: 'web',
          reportedAt: beijingNow(),
          siteZone: 'none',
          impact: {},
          levelKey: AUTO,
        }}
        onFinish={submit}
        onValuesChange={(changed: Partial<FormValues>) => {
          if (changed.levelKey === AUTO) form.setFields([{ name: 'levelReason', errors: [] }]);
          if (changed.levelReason) form.setFields([{ name: 'levelReason', errors: [] }]);
        }}
      >
        <Card className="section-card form-section" title={t('new.sectionReport')}>
          <Alert className="clock-note" type="info" showIcon icon={<ClockCircleOutlined />} title={t('new.clockTitle')} description={t('new.clockBody')} />
          <div className="form-grid-3">
            <Form.Item name="reportedAt" label={t('new.reportedAt')} rules={[{ required: true, message: t('new.reportedAtRequired') }]}>
              <DatePicker
                showTime={{ format: 'HH:mm' }}
                format="YYYY-MM-DD HH:mm"
                className="full-width"
                disabledDate={(d) => d.isAfter(beijingNow(), 'day')}
                allowClear={false}
              />
            </Form.Item>
            <Form.Item name="channel" label={t('new.channel')} rules={[{ required: true }]}>
              <Select options={CHANNELS.map((c) => ({ value: c, label: channelLabel(c) }))} />
            </Form.Item>
            <div />
            <Form.Item name="reporterName" label={t('new.reporterName')} rules={[{ required: true, whitespace: true, message: t('new.reporterNameRequired') }, { max: 100 }]}>
              <Input maxLength={100} />
            </Form.Item>
            <Form.Item name="reporterOrg" label={t('new.reporterOrg')} rules={[{ max: 200 }]}>
              <Input maxLength={200} placeholder={t('new.reporterOrgPlaceholder')} />
            </Form.Item>
            <Form.Item name="reporterContact" label={t('new.reporterContact')} rules={[{ max: 100 }]}>
              <Input maxLength={100} placeholder={t('new.reporterContactPlaceholder')} />
            </Form.Item>
          </div>
        </Card>

        <Card className="section-card form-section" title={t('new.sectionFault')}>
          <Form.Item name="title" label={t('new.titleField')} rules={[{ required: true, whitespace: true, message: t('new.titleRequired') }, { min: 2, message: t('new.titleMin') }, { max: 200 }]}>
            <Input maxLength={200} showCount placeholder={t('new.titlePlaceholder')} />
          </Form.Item>
          <Form.Item name="description" label={t('new.description')} rules={[{ max: 10000 }]}>
            <Input.TextArea rows={4} maxLength={10000} placeholder={t('new.descriptionPlaceholder')} />
          </Form.Item>
          <div className="form-grid-3">
            <Form.Item name="systemKey" label={t('new.system')} rules={[{ required: true, message: t('new.systemRequired') }]}>
              <TreeSelect treeData={tree} showSearch treeNodeFilterProp="title" treeDefaultExpandAll placeholder={t('new.systemPlaceholder')} popupMatchSelectWidth={420} />
            </Form.Item>
            <Form.Item name="site" label={t('new.site')} rules={[{ max: 200 }]}>
              <SiteField contractId={contract.id} onPick={(site) => site.zone && form.setFieldValue('siteZone', site.zone)} />
            </Form.Item>
            <Form.Item name="siteZone" label={t('new.siteZone')} extra={usesZone ? t('new.siteZoneHelp') : undefined}>
              <Radio.Group
                optionType="button"
                options={[
                  { value: 'none', label: t('new.zoneNone') },
                  { value: 'urban', label: t('cond.urban') },
                  { value: 'suburban', label: t('cond.suburban') },
                ]}
              />
            </Form.Item>
          </div>
          {knownTags.length > 0 && (
            <Form.Item name="tags" label={t('new.tags')} extra={t('new.tagsHelp')}>
              <Select
                mode="multiple"
                allowClear
                options={knownTags.map((tag) => {
                  const key = `cond.tag.${tag}`;
                  return { value: tag, label: isMessageKey(key) ? t(key) : tag };
                })}
              />
            </Form.Item>
          )}
        </Card>

        <Card className="section-card form-section" title={t('new.sectionImpact')}>
          <div className="muted small section-intro">{t('new.impactIntro')}</div>
          <div className="impact-grid">
            {NUMBER_METRICS.map((m) => (
              <ImpactQuestion key={m} metric={m} levels={levels}>
                <Form.Item name={['impact', m]} label={t(`impact.${m}`)} className="impact-number">
                  <InputNumber min={0} max={m === 'usersAffectedShare' ? 100 : undefined} precision={0} suffix={m === 'usersAffectedShare' ? '%' : t('impact.minutesUnit')} className="impact-input" />
                </Form.Item>
              </ImpactQuestion>
            ))}
          </div>
          <div className="impact-checks">
            {BOOL_METRICS.map((m) => (
              <ImpactQuestion key={m} metric={m} levels={levels}>
                <Form.Item name={['impact', m]} valuePropName="checked" className="impact-check">
                  <Checkbox>{t(`impact.${m}`)}</Checkbox>
                </Form.Item>
              </ImpactQuestion>
            ))}
          </div>
        </Card>

        <Card className="section-card form-section" title={t('new.sectionLevel')}>
          <div className="muted small section-intro">{t('new.levelIntro')}</div>
          <Form.Item name="levelKey" className="level-choice">
            <Radio.Group className="level-radios">
              <Radio value={AUTO} className="level-radio auto">
                <div className="level-radio-body">
                  <div className="level-radio-title">{t('new.levelAuto')}</div>
                  <div className="muted small">{t('new.levelAutoHelp')}</div>
                </div>
              </Radio>
              {orderedLevels.map((l) => {
                const applies = levelApplies(l, ancestry);
                return (
                  <Radio key={l.key} value={l.key} className={`level-radio${applies ? '' : ' not-applicable'}`}>
                    <div className="level-radio-body">
                      <div className="level-radio-title">
                        <span className={`rank-badge ${rankClass(l.rank)}`}>{t('sev.rank', { n: l.rank })}</span>
                        <span className="level-name">{l.name}</span>
                        {l.requiresLeaderApproval && <Tag color="red">{t('new.needsApproval', { approver: l.requiresLeaderApproval.approver })}</Tag>}
                        {!applies && <Tag>{t('new.levelNotForSystem')}</Tag>}
                      </div>
                      <div className="level-radio-def clamp-3">{l.definition}</div>
                      {l.criteria?.length ? (
                        <ul className="plain-list bullets small level-criteria">
                          {l.criteria.map((c, i) => (
                            <li key={i}>{c.label}</li>
                          ))}
                        </ul>
                      ) : null}
                      <div className="level-targets small">
                        {l.targets.length === 0 ? (
                          <span className="muted">{t('new.levelNoTargets')}</span>
                        ) : (
                          l.targets.map((x, i) => (
                            <span key={i} className="level-target">
                              {x.name ?? t(`targetKind.${x.kind}`)}
                              {t('common.colon')}
                              {formatTargetDeadline(t, x, index)}
                            </span>
                          ))
                        )}
                      </div>
                    </div>
                  </Radio>
                );
              })}
            </Radio.Group>
          </Form.Item>
          {levelKey !== AUTO && (
            <Form.Item name="levelReason" label={t('new.levelReason', { level: levels.find((l) => l.key === levelKey)?.name ?? levelKey })} extra={t('new.levelReasonHelp')} rules={[{ max: 1000 }]}>
              <Input.TextArea rows={2} maxLength={1000} placeholder={t('new.levelReasonPlaceholder')} />
            </Form.Item>
          )}
        </Card>

        {error && <Alert className="submit-error" type="error" showIcon title={t('new.failed')} description={error} />}
        <div className="form-actions">
          <Space>
            <Button type="primary" size="large" htmlType="submit" icon={<SendOutlined />} loading={submitting}>
              {t('new.submit')}
            </Button>
            <Button size="large" onClick={() => navigate(`/contracts/${contract.id}/incidents`)}>
              {t('common.cancel')}
            </Button>
          </Space>
        </div>
      </Form>
    </div>
  );
}

/** One impact question with the contract clauses that use it. */
function ImpactQuestion({ metric, levels, children }: { metric: BoolMetric | NumberMetric; levels: readonly SeverityLevel[]; children: React.ReactNode }) {
  const t = useT();
  const clauses = criteriaFor(levels, metric);
  const help: MessageKey = `impact.${metric}.help`;
  return (
    <div className={`impact-question${clauses.length ? ' has-clauses' : ''}`}>
      {children}
      <div className="impact-help muted small">{t(help)}</div>
      {clauses.map(({ level, criterion }, i) => (
        <div key={i} className="impact-clause small">
          <span className="clause-label">{t('new.clause')}</span>
          {t('new.clauseText', { text: criterion.label })}
          <span className="clause-arrow">→</span>
          <span className={`level-tag small ${rankClass(level.rank)}`}>{level.name}</span>
        </div>
      ))}
    </div>
  );
}
