/**
 * Cross-field consistency checks on a schema-valid contract definition:
 * unique keys, references that resolve, money that adds up to the fen,
 * payment shares that add up to 100%, dates inside the period.
 * Pure: no database, no clock.
 */
import {
  type PriceItemInput,
  type TContractDefinition,
  type TDuration,
} from './contract-definition.schema.ts';
import { ROLES } from '../auth/roles.ts';
import { AGENCY_SIGNED_KINDS, KIND_NAMES, WORK_ORDER_KINDS, SUBTYPE_KEYS, isSubtypeOf } from '../workorders/workorder-kinds.ts';
import { formatFenCny, multiplyFen, parseDecimal, parseRatePpm, parseYuanToFen, PPM_ONE, applyRatePpm, formatRatePpm } from '../shared/money.ts';

/** A consistency problem at a path. */
export interface CheckProblem {
  path: PropertyKey[];
  message: string;
}

/** Run every consistency check; an empty list means the definition is coherent. */
export function checkContractDefinition(def: TContractDefinition): CheckProblem[] {
  const problems: CheckProblem[] = [];
  const add = (path: PropertyKey[], message: string): void => {
    problems.push({ path, message });
  };

  // ---- unique keys per collection
  const uniq = <T extends { key: string }>(list: readonly T[] | undefined, base: string, label: string): Set<string> => {
    const seen = new Set<string>();
    (list ?? []).forEach((x, i) => {
      if (seen.has(x.key)) add([base, i, 'key'], `${label}标识「${x.key}」重复`);
      seen.add(x.key);
    });
    return seen;
  };
  const parties = uniq(def.parties, 'parties', '当事方');
  const windows = uniq(def.serviceWindows, 'serviceWindows', '服务时间窗');
  const systems = uniq(def.systems, 'systems', '系统');
  const levels = uniq(def.severityLevels, 'severityLevels', '故障等级');
  uniq(def.kpis, 'kpis', '考核指标');
  const obligations = uniq(def.obligations, 'obligations', '义务');
  const penalties = uniq(def.penalties, 'penalties', '违约条款');
  const acceptances = uniq(def.acceptance, 'acceptance', '验收节点');
  const milestones = uniq(def.paymentMilestones, 'paymentMilestones', '付款节点');
  void levels;

  const priceKeys = new Set<string>();
  walkItems(def.priceItems, ['priceItems'], (item, path) => {
    if (priceKeys.has(item.key)) add([...path, 'key'], `分项报价标识「${item.key}」重复`);
    priceKeys.add(item.key);
  });

  const ref = (set: Set<string>, key: string | undefined, path: PropertyKey[], label: string): void => {
    if (key !== undefined && !set.has(key)) add(path, `引用了不存在的${label}「${key}」`);
  };
  const refs = (set: Set<string>, keys: readonly string[] | undefined, path: PropertyKey[], label: string): void => {
    (keys ?? []).forEach((k, i) => ref(set, k, [...path, i], label));
  };
  const duration = (d: TDuration | undefined, path: PropertyKey[]): void => {
    if (!d) return;
    if (d.window !== undefined) {
      ref(windows, d.window, [...path, 'window'], '服务时间窗');
      if (!d.unit.startsWith('working')) add([...path, 'window'], '只有工作时长单位（workingMinutes/workingHours/workingDays）才需要指定时间窗');
    }
  };

  // ---- parties
  const agencies = def.parties.filter((p) => p.side === 'agency');
  const vendors = def.parties.filter((p) => p.side === 'vendor');
  if (agencies.length === 0) add(['parties'], '缺少甲方（side: agency）');
  if (vendors.length === 0) add(['parties'], '缺少乙方（side: vendor）');
  const leads = vendors.filter((p) => p.leadMember);
  if (vendors.length > 1 && leads.length !== 1) add(['parties'], `乙方为联合体（${vendors.length} 家）时必须且只能指定一家牵头单位（leadMember: true）`);
  def.parties.forEach((p, i) => {
    if (p.leadMember && p.side !== 'vendor') add(['parties', i, 'leadMember'], '只有乙方成员可以是联合体牵头单位');
  });
  const vendorKeys = new Set(vendors.map((v) => v.key));

  // ---- contract dates
  const { start, end } = def.contract.period;
  if (start > end) add(['contract', 'period', 'end'], `服务期结束日 ${end} 早于开始日 ${start}`);
  const inPeriod = (date: string | undefined, path: PropertyKey[], label: string, slackAfterDays = 0): void => {
    if (!date) return;
    const limit = addDays(end, slackAfterDays);
    if (date < start || date > limit) {
      add(path, `${label} ${date} 不在合同服务期（${start} 至 ${end}${slackAfterDays ? `，含期满后 ${slackAfterDays} 天` : ''}）内`);
    }
  };
  if (def.contract.signedOn && def.contract.signedOn > end) add(['contract', 'signedOn'], `签订日期 ${def.contract.signedOn} 晚于服务期结束日 ${end}`);

  // ---- bond
  if (def.performanceBond) {
    const b = def.performanceBond;
    ref(parties, b.providedBy, ['performanceBond', 'providedBy'], '当事方');
    if (b.due) duration(b.due.within, ['performanceBond', 'due', 'within']);
    if (b.validUntil && b.validUntil < start) add(['performanceBond', 'validUntil'], `履约保函有效期 ${b.validUntil} 早于服务期开始日`);
    if (b.rate) {
      const expect = applyRatePpm(money(def.contract.totalAmount), rate(b.rate));
      if (expect !== money(b.amount)) {
        add(['performanceBond', 'amount'], `履约保证金 ${formatFenCny(money(b.amount))} 与合同总价 × ${b.rate} = ${formatFenCny(expect)} 不符`);
      }
    }
  }

  // ---- payment milestones
  const total = money(def.contract.totalAmount);
  let shareSum = 0;
  let amountSum = 0;
  def.paymentMilestones.forEach((m, i) => {
    const base = ['paymentMilestones', i];
    const share = rate(m.share);
    shareSum += share;
    amountSum += money(m.amount);
    const expect = applyRatePpm(total, share);
    if (expect !== money(m.amount)) {
      add([...base, 'amount'], `付款节点「${m.name}」金额 ${formatFenCny(money(m.amount))} 与合同总价 × ${m.share} = ${formatFenCny(expect)} 不符`);
    }
    ref(parties, m.payee, [...base, 'payee'], '当事方');
    if (m.payee && !vendorKeys.has(m.payee)) add([...base, 'payee'], '收款方必须是乙方成员');
    if (m.condition.kind === 'acceptancePassed') {
      if (!m.condition.acceptance) add([...base, 'condition', 'acceptance'], '验收付款节点必须引用一个验收节点（acceptance）');
      ref(acceptances, m.condition.acceptance, [...base, 'condition', 'acceptance'], '验收节点');
    }
    if (m.condition.kind === 'date' && !m.condition.date) add([...base, 'condition', 'date'], '按日期付款的节点必须填写 date');
    inPeriod(m.condition.date, [...base, 'condition', 'date'], '付款条件日期');
    inPeriod(m.due?.by, [...base, 'due', 'by'], '付款截止日期', 120);
    duration(m.due?.within, [...base, 'due', 'within']);
  });
  if (shareSum !== PPM_ONE) add(['paymentMilestones'], `各付款节点比例合计为 ${formatRatePpm(shareSum)}，应为 100%`);
  else if (amountSum !== total) add(['paymentMilestones'], `各付款节点金额合计 ${formatFenCny(amountSum)} 与合同总价 ${formatFenCny(total)} 不符`);
  if (vendors.length > 1) {
    def.paymentMilestones.forEach((m, i) => {
      if (m.payee && leads[0] && m.payee !== leads[0].key) add(['paymentMilestones', i, 'payee'], '联合体合同的款项应支付给牵头单位');
    });
  }

  // ---- service windows
  def.serviceWindows.forEach((w, i) => {
    const base = ['serviceWindows', i];
    if ((w.type === 'workdays' || w.type === 'daily') && (!w.hours || w.hours.length === 0)) {
      add([...base, 'hours'], `时间窗「${w.name}」（${w.type}）必须填写每日工作时段 hours`);
    }
    if (w.type === 'weekly') {
      const spans = Object.values(w.weekly ?? {}).flat();
      if (spans.length === 0) add([...base, 'weekly'], `时间窗「${w.name}」（weekly）没有任何工作时段，任何时限都无法达成`);
    }
    if (w.type === 'always' && (w.hours || w.weekly)) add([...base, 'type'], '7×24 时间窗（always）不能再填写工作时段');
    if (w.type === 'weekly' && w.hours) add([...base, 'hours'], '自定义每周时间窗（weekly）请在 weekly 中按星期填写时段，不能使用 hours');
    if ((w.type === 'workdays' || w.type === 'daily') && w.weekly) add([...base, 'weekly'], `${w.type} 类型的时间窗使用 hours 填写每日时段，不能使用 weekly`);
    if (w.hours) checkOverlap(w.hours, [...base, 'hours'], add);
    for (const [day, spans] of Object.entries(w.weekly ?? {})) if (spans) checkOverlap(spans, [...base, 'weekly', day], add);
  });

  // ---- systems
  def.systems.forEach((s, i) => {
    const base = ['systems', i];
    ref(systems, s.parent, [...base, 'parent'], '系统');
    if (s.parent === s.key) add([...base, 'parent'], '系统不能以自己为上级');
    ref(windows, s.serviceWindow, [...base, 'serviceWindow'], '服务时间窗');
    refs(priceKeys, s.priceItems, [...base, 'priceItems'], '分项报价');
  });

  // ---- price items: quantity × unit price, children sum, grand total
  walkItems(def.priceItems, ['priceItems'], (item, path) => {
    ref(parties, item.member, [...path, 'member'], '当事方');
    if (item.member && !vendorKeys.has(item.member)) add([...path, 'member'], '负责成员必须是乙方（联合体成员）');
    refs(systems, item.systems, [...path, 'systems'], '系统');
    const amount = money(item.amount);
    if (item.children && item.children.length > 0) {
      const sum = item.children.reduce((acc, c) => acc + money(c.amount), 0);
      if (sum !== amount) add([...path, 'amount'], `「${item.name}」小计 ${formatFenCny(amount)} 与其下各项合计 ${formatFenCny(sum)} 不符（相差 ${formatFenCny(amount - sum)}）`);
    }
    if (item.quantity !== undefined && item.unitPrice !== undefined) {
      const q = parseDecimal(item.quantity);
      const up = parseYuanToFen(item.unitPrice);
      if (q && up !== null) {
        const product = multiplyFen(q, up);
        if (product !== amount) add([...path, 'amount'], `「${item.name}」数量 ${String(item.quantity)} × 单价 ${formatFenCny(up)} = ${formatFenCny(product)}，与总价 ${formatFenCny(amount)} 不符`);
      }
    } else if ((item.quantity === undefined) !== (item.unitPrice === undefined) && !(item.children && item.children.length)) {
      add([...path, item.quantity === undefined ? 'quantity' : 'unitPrice'], `「${item.name}」的数量和单价须同时填写或同时省略`);
    }
  });
  const rootSum = def.priceItems.reduce((acc, c) => acc + money(c.amount), 0);
  if (rootSum !== total) add(['priceItems'], `分项报价合计 ${formatFenCny(rootSum)} 与合同总价 ${formatFenCny(total)} 不符（相差 ${formatFenCny(total - rootSum)}）`);

  // ---- SLA
  ref(windows, def.slaPolicy.defaultWindow, ['slaPolicy', 'defaultWindow'], '服务时间窗');
  const ranks = new Set<number>();
  def.severityLevels.forEach((lvl, i) => {
    const base = ['severityLevels', i];
    if (ranks.has(lvl.rank)) add([...base, 'rank'], `故障等级排序 rank=${lvl.rank} 重复`);
    ranks.add(lvl.rank);
    refs(systems, lvl.appliesTo, [...base, 'appliesTo'], '系统');
    lvl.targets.forEach((t, j) => {
      const tp = [...base, 'targets', j];
      if (!t.within && !t.perTicket) add(tp, `时限「${t.name ?? t.kind}」须填写 within，或声明 perTicket: true（由甲方按单指定）`);
      duration(t.within, [...tp, 'within']);
      duration(t.activateAfter, [...tp, 'activateAfter']);
      if (t.kind === 'custom' && !t.stopOn) add([...tp, 'stopOn'], `自定义时限「${t.name ?? '未命名'}」须指定停止计时的事件 stopOn`);
      if (t.kind === 'reportUp' && (!t.notify || t.notify.length === 0)) add([...tp, 'notify'], '上报时限（reportUp）必须指明通知对象 notify');
    });
    (lvl.escalation ?? []).forEach((e, j) => duration(e.after, [...base, 'escalation', j, 'after']));
  });

  // ---- work orders: levels that exist and apply to the kind, known subtypes, flows the contracts allow
  const wo = def.workOrders;
  if (wo) {
    for (const kind of WORK_ORDER_KINDS) {
      const cfg = wo[kind];
      if (!cfg) continue;
      const base = ['workOrders', kind];
      const level = (key: string | undefined, path: PropertyKey[]): void => {
        if (key === undefined) return;
        const lvl = def.severityLevels.find((l) => l.key === key);
        if (!lvl) add(path, `引用了不存在的时限类别「${key}」`);
        else if (lvl.ticketKinds && !lvl.ticketKinds.includes(kind)) add(path, `时限类别「${lvl.name}」的 ticketKinds 不含 ${kind}（${KIND_NAMES[kind]}），不能用于此类工单`);
      };
      const flow = (f: NonNullable<typeof cfg.approval> | undefined, path: PropertyKey[], label: string): void => {
        if (!f) return;
        const keys = new Set<string>();
        f.steps.forEach((st, i) => {
          if (keys.has(st.key)) add([...path, 'steps', i, 'key'], `审批环节标识「${st.key}」重复`);
          keys.add(st.key);
          if (st.roles.includes('readOnly')) add([...path, 'steps', i, 'roles'], '只读用户（readOnly）不能作为审批角色');
          if (new Set(st.roles).size !== st.roles.length) add([...path, 'steps', i, 'roles'], '审批角色重复');
        });
        if (AGENCY_SIGNED_KINDS.includes(kind) && !f.steps.some((st) => st.roles.every((r) => ROLES[r].side === 'agency'))) {
          add([...path, 'steps'], `${label}的审批流程须至少有一个全部由甲方角色审批的环节（合同要求经甲方签字或确认后方可实施）`);
        }
      };
      level(cfg.level, [...base, 'level']);
      flow(cfg.approval, [...base, 'approval'], KIND_NAMES[kind]);
      const seenSub = new Set<string>();
      (cfg.subtypes ?? []).forEach((sub, i) => {
        const sp = [...base, 'subtypes', i];
        if (!isSubtypeOf(kind, sub.subtype)) add([...sp, 'subtype'], `${KIND_NAMES[kind]}没有子类「${sub.subtype}」（可用：${SUBTYPE_KEYS[kind].join('、')}）`);
        if (seenSub.has(sub.subtype)) add([...sp, 'subtype'], `子类「${sub.subtype}」重复`);
        seenSub.add(sub.subtype);
        level(sub.level, [...sp, 'level']);
        flow(sub.approval, [...sp, 'approval'], `${KIND_NAMES[kind]}（${sub.subtype}）`);
      });
    }
  }

  // ---- KPIs
  (def.kpis ?? []).forEach((k, i) => {
    refs(systems, k.appliesTo, ['kpis', i, 'appliesTo'], '系统');
    if (parseDecimal(k.target.value) === null) add(['kpis', i, 'target', 'value'], '目标值必须是十进制数');
  });

  // ---- obligations
  (def.obligations ?? []).forEach((o, i) => {
    const base = ['obligations', i];
    refs(systems, o.systems, [...base, 'systems'], '系统');
    ref(penalties, o.penalty, [...base, 'penalty'], '违约条款');
    ref(windows, o.schedule.window, [...base, 'schedule', 'window'], '服务时间窗');
    duration(o.review?.within, [...base, 'review', 'within']);
    if (o.review?.silenceMeansApproval && !o.review.within) add([...base, 'review', 'within'], '“逾期视为通过”必须写明审核期限 within');
  });

  // ---- penalties
  (def.penalties ?? []).forEach((p, i) => {
    const base = ['penalties', i];
    if (p.base === 'fixed' && p.fixedAmount === undefined) add([...base, 'fixedAmount'], '固定金额违约金（base: fixed）必须填写 fixedAmount');
    if (p.base !== 'fixed' && p.base !== 'actualLoss' && p.rate === undefined) add([...base, 'rate'], `按比例计算的违约条款（base: ${p.base}）必须填写 rate`);
    if (p.per === 'count' && !p.everyN) add([...base, 'everyN'], 'per: count 时必须填写 everyN（每累计几次计一次）');
    refs(systems, p.systems, [...base, 'systems'], '系统');
    if (p.base === 'systemPriceItem') {
      const priced = new Set(def.systems.filter((s) => (s.priceItems ?? []).length > 0 || hasPricedAncestor(def, s.key)).map((s) => s.key));
      (p.systems ?? []).forEach((k, j) => {
        if (systems.has(k) && !priced.has(k)) add([...base, 'systems', j], `系统「${k}」没有分项报价，无法按“该系统分项报价”计算扣减`);
      });
      if (priced.size === 0) add([...base, 'base'], '合同没有任何带分项报价的系统，无法按 systemPriceItem 计算');
    }
    ref(milestones, p.deductFrom, [...base, 'deductFrom'], '付款节点');
    ref(obligations, p.trigger.obligation, [...base, 'trigger', 'obligation'], '义务');
    duration(p.startsAfter, [...base, 'startsAfter']);
  });

  // ---- acceptance
  (def.acceptance ?? []).forEach((a, i) => {
    const base = ['acceptance', i];
    inPeriod(a.plannedBy, [...base, 'plannedBy'], '验收计划日期', a.kind === 'final' ? 90 : 0);
    duration(a.applyWithin?.within, [...base, 'applyWithin', 'within']);
    (a.deliverables ?? []).forEach((d, j) => ref(obligations, d.obligation, [...base, 'deliverables', j, 'obligation'], '义务'));
  });

  // ---- sites: unique keys, known systems, a street always within a district
  uniq(def.sites, 'sites', '地点');
  (def.sites ?? []).forEach((s, i) => {
    refs(systems, s.systems, ['sites', i, 'systems'], '系统');
    if (s.street !== undefined && s.district === undefined) add(['sites', i, 'district'], `地点「${s.name}」填写了街道，必须同时填写所属区 district`);
  });

  // ---- staffing: positions, KPIs with the field their metric needs, a replacement deadline in calendar units
  const staffing = def.staffing;
  if (staffing) {
    const nestedUniq = (list: readonly { key: string }[] | undefined, field: 'positions' | 'kpis', label: string): Set<string> => {
      const seen = new Set<string>();
      (list ?? []).forEach((x, i) => {
        if (seen.has(x.key)) add(['staffing', field, i, 'key'], `${label}标识「${x.key}」重复`);
        seen.add(x.key);
      });
      return seen;
    };
    const positions = nestedUniq(staffing.positions, 'positions', '岗位');
    nestedUniq(staffing.kpis, 'kpis', '人员指标');
    (staffing.positions ?? []).forEach((p, i) => {
      const base = ['staffing', 'positions', i];
      refs(systems, p.systems, [...base, 'systems'], '系统');
      ref(parties, p.member, [...base, 'member'], '当事方');
      if (p.member && !vendorKeys.has(p.member)) add([...base, 'member'], '岗位的负责成员必须是乙方（联合体成员）');
    });
    (staffing.kpis ?? []).forEach((k, i) => {
      const base = ['staffing', 'kpis', i];
      refs(positions, k.positions, [...base, 'positions'], '岗位');
      if (k.metric === 'educationAtLeast' && k.education === undefined) add([...base, 'education'], `人员指标「${k.name}」（educationAtLeast）须填写最低学历 education`);
      if (k.metric === 'yearsOnSystemAtLeast' && k.years === undefined) add([...base, 'years'], `人员指标「${k.name}」（yearsOnSystemAtLeast）须填写服务年限 years`);
      if (k.metric === 'hasQualification' && k.qualification === undefined) add([...base, 'qualification'], `人员指标「${k.name}」（hasQualification）须填写资质名称 qualification`);
      if (rate(k.minShare) > PPM_ONE) add([...base, 'minShare'], `人员指标「${k.name}」的最低比例 ${k.minShare} 超过 100%`);
    });
    const within = staffing.replacement?.within;
    if (within && within.unit !== 'days' && within.unit !== 'hours') {
      add(['staffing', 'replacement', 'within', 'unit'], '人员更换时限只支持 days（自然日）或 hours（小时）');
    }
    duration(staffing.vendorChangeNotice?.within, ['staffing', 'vendorChangeNotice', 'within']);
  }

  return problems;
}

function hasPricedAncestor(def: TContractDefinition, key: string): boolean {
  const byKey = new Map(def.systems.map((s) => [s.key, s]));
  let cur = byKey.get(key)?.parent;
  const seen = new Set<string>();
  while (cur && !seen.has(cur)) {
    seen.add(cur);
    const s = byKey.get(cur);
    if (s && (s.priceItems ?? []).length > 0) return true;
    cur = s?.parent;
  }
  return false;
}

function walkItems(items: readonly PriceItemInput[], path: PropertyKey[], fn: (item: PriceItemInput, path: PropertyKey[]) => void): void {
  items.forEach((item, i) => {
    const p = [...path, i];
    fn(item, p);
    if (item.children) walkItems(item.children, [...p, 'children'], fn);
  });
}

function checkOverlap(spans: readonly string[], path: PropertyKey[], add: (p: PropertyKey[], m: string) => void): void {
  const ranges = spans.map((s) => s.split('-').map((t) => {
    const [h = '0', m = '0'] = t.split(':');
    return Number(h) * 60 + Number(m);
  }));
  const sorted = [...ranges].sort((a, b) => (a[0] ?? 0) - (b[0] ?? 0));
  for (let i = 1; i < sorted.length; i++) {
    if ((sorted[i]?.[0] ?? 0) < (sorted[i - 1]?.[1] ?? 0)) {
      add(path, '工作时段相互重叠');
      return;
    }
  }
}

function money(v: string | number): number {
  return parseYuanToFen(v) ?? 0;
}

function rate(v: string): number {
  return parseRatePpm(v) ?? 0;
}

function addDays(date: string, days: number): string {
  const d = new Date(`${date}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() + days);
  return d.toISOString().slice(0, 10);
}
