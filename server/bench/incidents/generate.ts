/**
 * Bulk data for the incident benchmark: N incidents with realistic Chinese
 * titles and descriptions, their SLA clocks and clock events, written with
 * set-based SQL (`INSERT … SELECT … FROM generate_series`) in batches through a
 * temporary table — never one request per row.
 *
 * Shape of the data (N = rows):
 * - spread over the contracts in the database (60% to BJ-SBK-2022, the rest
 *   shared by the others), with (system, level) pairs valid for incidents in
 *   each contract and whose clocks the SLA engine can compute;
 * - 12% open (new / acknowledged / in progress / waiting / resolved, reported
 *   in the last 30 days), 88% closed (reported over the previous 3 years);
 * - titles `{网点}{设备}{业务}{问题}` and descriptions from the same vocabulary,
 *   so `补卡` (one business word of 30) is in about 6% of rows;
 * - every incident has its `sla_clocks` row and `sla_events` history
 *   (created, responded, paused, resolved, closed as its status implies), so
 *   the SLA sweep can recompute any open clock.
 * Timeline (`incident_events`) and audit rows are not generated: none of the
 * measured queries reads them.
 *
 * Library use: `generateIncidents(db, { rows, now })`. Stand-alone, against a
 * migrated database that already has the demo contracts (e.g. a dev server's):
 *   node --import tsx server/bench/incidents/generate.ts --url postgres://… --rows 1000000
 */
import { sql } from 'kysely';
import { performance } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';
import { createDb, type Db } from '../../src/db/database.ts';
import type { TContractDefinition } from '../../src/contracts/contract-definition.schema.ts';
import { loadSlaContext } from '../../src/sla/sla-context.ts';
import { computeSla } from '../../src/sla/sla-engine.ts';
import { labelMacSql } from '../../src/labels/label-mac.ts';

const DISTRICTS = ['东城区', '西城区', '朝阳区', '海淀区', '丰台区', '石景山区', '门头沟区', '房山区', '通州区', '顺义区', '昌平区', '大兴区', '怀柔区', '平谷区', '密云区', '延庆区'];
const SITE_KINDS = ['社保所', '社保卡服务网点', '经办机构', '街道社保所', '定点医院'];
const DEVICES = ['自助终端', '读卡器', '激光打印机', '针式打印机', '制卡机', '高拍仪', '密码键盘', '身份证阅读器', '计算机主机', '显示器', '笔记本电脑', '无线路由器', '网点系统客户端', '服务管理系统', '呼叫中心坐席', '排队叫号机'];
/** 30 business words; `补卡` is one of them (≈3.3% of titles, ≈6.5% of title-or-description). */
export const BUSINESS = [
  '挂失', '解挂失', '补卡', '换卡', '申领', '信息查询', '密码修改', '密码重置', '二次发行', '领卡',
  '预挂失', '照片采集', '数据采集', '批量制卡', '零星制卡', '个人账户查询', '医保结算', '信息变更', '卡片激活', '凭条打印',
  '待遇查询', '异地就医备案', '银行账户绑定', '进度查询', '社保缴费', '卡状态查询', '金融功能激活', '网点交接', '操作员登录', '日终对账',
];
const PROBLEMS = ['失败', '超时', '无法登录', '报错', '卡顿', '无响应', '蓝屏', '卡纸', '无法读卡', '数据不一致', '网络中断', '页面空白', '提示系统繁忙', '打印乱码', '重复提交', '进度停滞', '自动重启', '黑屏', '提示权限不足', '连接数据库失败'];
const DETAILS = ['已重启设备仍未恢复', '已远程协助排查', '影响窗口正常办理', '现场排队群众较多', '请尽快派工程师处理', '已告知报告人先使用备用设备', '疑似网络线路问题', '疑似驱动程序异常', '同一网点本周第二次出现', '报告人已截图留存'];
const VIA = ['来电', '在微信群', '通过热线', '发邮件', '在巡检时', '通过监控告警'];
const SURNAMES = ['王', '李', '张', '刘', '陈', '杨', '赵', '黄', '周', '吴', '徐', '孙', '马', '朱', '胡', '郭', '何', '高', '林', '罗'];
const GIVEN = ['建华', '晓明', '丽娟', '志强', '海燕', '国栋', '秀英', '文博', '雅琴', '子涵', '立新', '春梅', '宏伟', '静怡', '振宇', '佳慧', '永刚', '慧敏', '俊杰', '雪梅'];
const CHANNELS = ['web', 'phone', 'hotline', 'wechat', 'qq', 'email', 'inspection', 'monitoring'];
const RESOLUTIONS = ['已更换故障部件，业务恢复正常', '重装驱动后恢复', '重启服务后恢复', '网络线路修复后恢复', '已远程修复配置', '更换备机，原设备返厂维修'];

/** Options of a generation run. */
export interface GenerateOptions {
  rows: number;
  /** The benchmark's "now": open incidents are reported in the 30 days before it. */
  now: Date;
  /** Rows per INSERT … SELECT batch. */
  batchSize?: number;
  /** Share of open (not closed) incidents. */
  openShare?: number;
  log?: (message: string) => void;
}

/** Outcome of a generation run. */
export interface GenerateResult {
  rows: number;
  openRows: number;
  seconds: number;
  /** Per contract code: rows written. */
  perContract: Record<string, number>;
}

interface ContractPlan {
  id: string;
  code: string;
  versionId: string;
  /** (system, level) pairs valid for incidents. */
  pairs: { system: string; level: string; leader: boolean; timed: boolean }[];
}

/**
 * The contracts to fill and their (system, level) pairs for incidents. A pair
 * whose clock the SLA engine refuses to compute (e.g. a custom target without
 * `stopOn`) is left out and reported: such incidents cannot be created over
 * the API either, and the sweep would only measure its error path.
 */
async function planContracts(db: Db, now: Date, log: (m: string) => void): Promise<ContractPlan[]> {
  const rows = await db
    .selectFrom('contracts')
    .innerJoin('contract_versions as v', 'v.id', 'contracts.current_version_id')
    .select(['contracts.id', 'contracts.code', 'v.id as version_id', 'v.definition'])
    .orderBy('contracts.code')
    .execute();
  const plans: ContractPlan[] = [];
  for (const r of rows) {
    const def = r.definition as TContractDefinition;
    const sla = await loadSlaContext(db, r.id, now);
    const allSystems = def.systems.map((s) => s.key);
    const pairs: ContractPlan['pairs'] = [];
    const refused = new Map<string, string>();
    for (const l of def.severityLevels) {
      if (l.ticketKinds && !l.ticketKinds.includes('incident')) continue;
      const timed = l.targets.some((t) => t.within !== undefined);
      for (const s of l.appliesTo ?? allSystems) {
        try {
          computeSla({
            levels: sla.levels,
            windows: sla.windows,
            defaultWindowKey: sla.windowForSystem(s),
            events: [{ type: 'created', at: new Date(now.getTime() - 3_600_000), level: l.key }],
            now,
            warnAt: sla.warnAt,
            pauseOn: sla.pauseOn,
            conditions: {},
          });
        } catch (e) {
          if (!refused.has(l.key)) refused.set(l.key, e instanceof Error ? e.message : String(e));
          continue;
        }
        pairs.push({ system: s, level: l.key, leader: l.requiresLeaderApproval !== undefined, timed });
      }
    }
    for (const [level, why] of refused) log(`${r.code}: level ${level} left out, the SLA engine refuses its clock: ${why}`);
    if (pairs.length > 0) plans.push({ id: r.id, code: r.code, versionId: r.version_id, pairs });
    else log(`${r.code}: no incident level whose clock can be computed; contract left out`);
  }
  return plans;
}

/**
 * Generate `rows` incidents with their clocks and clock events. Runs on one
 * pinned connection with generator-only session settings (asynchronous
 * commit, large maintenance memory); ends with VACUUM ANALYZE of the tables
 * it filled, as autovacuum would have done on a database of that size.
 */
export async function generateIncidents(db: Db, opts: GenerateOptions): Promise<GenerateResult> {
  const log = opts.log ?? (() => undefined);
  const batchSize = opts.batchSize ?? 100_000;
  const openShare = opts.openShare ?? 0.12;
  const plans = await planContracts(db, opts.now, log);
  if (plans.length === 0) throw new Error('no contract with incident levels: load the demo contracts first');
  // The SBK contract (the demo's largest) gets 60%, the others share the rest.
  const mainIdx = Math.max(0, plans.findIndex((p) => p.code === 'BJ-SBK-2022'));
  const weights = plans.map((_, i) => (plans.length === 1 ? 100 : i === mainIdx ? 60 : 40 / (plans.length - 1)));
  const bucketToContract: number[] = [];
  let acc = 0;
  plans.forEach((_, i) => {
    acc += weights[i] ?? 0;
    while (bucketToContract.length < Math.round(acc) && bucketToContract.length < 100) bucketToContract.push(i + 1);
  });
  while (bucketToContract.length < 100) bucketToContract.push(plans.length);

  const pairOffset: number[] = [];
  const pairCount: number[] = [];
  const pairSystem: string[] = [];
  const pairLevel: string[] = [];
  const pairLeader: boolean[] = [];
  const pairTimed: boolean[] = [];
  for (const p of plans) {
    pairOffset.push(pairSystem.length + 1);
    pairCount.push(p.pairs.length);
    for (const x of p.pairs) {
      pairSystem.push(x.system);
      pairLevel.push(x.level);
      pairLeader.push(x.leader);
      pairTimed.push(x.timed);
    }
  }
  const contractIds = plans.map((p) => p.id);
  const versionIds = plans.map((p) => p.versionId);

  // A stored result to copy into generated clocks (same shape and size as a real one).
  const sample = await db.selectFrom('sla_clocks').select(['result', 'calendar_version']).where('result', 'is not', null).limit(1).executeTakeFirst();
  const resultJson = JSON.stringify(sample?.result ?? { levelKey: null, targets: [], nextDeadlineAt: null, assumptions: [] });
  const calendarVersion = sample?.calendar_version ?? null;
  const { n: baseRaw } = await sql<{ n: string }>`SELECT count(*)::text AS n FROM incidents`.execute(db).then((r) => r.rows[0] ?? { n: '0' });
  const base = Number(baseRaw);

  const t0 = performance.now();
  await db.connection().execute(async (conn) => {
    await sql`SET synchronous_commit = off`.execute(conn);
    await sql`SET maintenance_work_mem = '1GB'`.execute(conn);
    await sql`SET work_mem = '256MB'`.execute(conn);
    await sql`SELECT setseed(0.4242)`.execute(conn);
    await sql`
      CREATE TEMP TABLE IF NOT EXISTS bench_gen (
        id uuid, clock_id uuid, contract_id uuid, version_id uuid, number text,
        system_key text, level_key text, leader boolean, title text, description text,
        site text, site_zone text, channel text, reporter text,
        reported_at timestamptz, ack_at timestamptz, resolved_at timestamptz, closed_at timestamptz,
        status text, is_open boolean, waiting_reason text,
        sla_due_at timestamptz, sla_breached boolean, sla_at_risk boolean, next_deadline timestamptz, version int
      )`.execute(conn);
    for (let from = 1; from <= opts.rows; from += batchSize) {
      const to = Math.min(opts.rows, from + batchSize - 1);
      const tb = performance.now();
      await sql`TRUNCATE bench_gen`.execute(conn);
      await sql`
        INSERT INTO bench_gen
        SELECT gen_random_uuid(), gen_random_uuid(), (${contractIds}::uuid[])[c], (${versionIds}::uuid[])[c],
          'GZ' || to_char(reported_at AT TIME ZONE 'Asia/Shanghai', 'YYYY') || '-B' || lpad((${base} + g)::text, 7, '0'),
          (${pairSystem}::text[])[p], (${pairLevel}::text[])[p], (${pairLeader}::boolean[])[p],
          site || device || business1 || problem1,
          reporter || via || '反映：' || site || device || '办理' || business2 || '业务时' || problem2 || '，' || detail || '。',
          site, CASE WHEN rz < 0.7 THEN 'urban' ELSE 'suburban' END, channel, reporter,
          reported_at, ack_at, resolved_at, closed_at,
          status, status <> 'closed', CASE WHEN status = 'waiting' THEN 'waitingOnReporter' END,
          CASE WHEN status IN ('resolved', 'closed') OR NOT (${pairTimed}::boolean[])[p] OR rd < 0.35 THEN NULL
               ELSE ${opts.now}::timestamptz + (rd - 0.35) * interval '10 days' END,
          status NOT IN ('resolved', 'closed') AND (${pairTimed}::boolean[])[p] AND rd < 0.35,
          status NOT IN ('resolved', 'closed') AND (${pairTimed}::boolean[])[p] AND rd BETWEEN 0.35 AND 0.45,
          CASE WHEN status IN ('resolved', 'closed') OR NOT (${pairTimed}::boolean[])[p] OR rd < 0.35 THEN NULL
               ELSE ${opts.now}::timestamptz + (rd - 0.35) * interval '5 days' END,
          CASE status WHEN 'new' THEN 1 WHEN 'acknowledged' THEN 2 WHEN 'inProgress' THEN 3 WHEN 'waiting' THEN 4 WHEN 'resolved' THEN 4 ELSE 6 END
        FROM (
          SELECT g, c, p, rz, rd, status, reported_at,
            reported_at + (5 + ra * 120) * interval '1 minute' AS ack_at,
            reported_at + (60 + ra * 2880) * interval '1 minute' AS resolved_at,
            reported_at + (1500 + ra * 7200) * interval '1 minute' AS closed_at,
            (${DISTRICTS}::text[])[1 + floor(random() * ${DISTRICTS.length})::int] || (${SITE_KINDS}::text[])[1 + floor(random() * ${SITE_KINDS.length})::int] AS site,
            (${DEVICES}::text[])[1 + floor(random() * ${DEVICES.length})::int] AS device,
            (${BUSINESS}::text[])[1 + floor(random() * ${BUSINESS.length})::int] AS business1,
            (${BUSINESS}::text[])[1 + floor(random() * ${BUSINESS.length})::int] AS business2,
            (${PROBLEMS}::text[])[1 + floor(random() * ${PROBLEMS.length})::int] AS problem1,
            (${PROBLEMS}::text[])[1 + floor(random() * ${PROBLEMS.length})::int] AS problem2,
            (${DETAILS}::text[])[1 + floor(random() * ${DETAILS.length})::int] AS detail,
            (${VIA}::text[])[1 + floor(random() * ${VIA.length})::int] AS via,
            (${SURNAMES}::text[])[1 + floor(random() * ${SURNAMES.length})::int] || (${GIVEN}::text[])[1 + floor(random() * ${GIVEN.length})::int] AS reporter,
            (${CHANNELS}::text[])[1 + floor(random() * ${CHANNELS.length})::int] AS channel
          FROM (
            SELECT g, c, (${pairOffset}::int[])[c] + floor(random() * (${pairCount}::int[])[c])::int AS p,
              random() AS rz, random() AS rd, random() AS ra,
              CASE WHEN ro >= ${openShare} THEN 'closed'
                   WHEN rs < 0.2 THEN 'new' WHEN rs < 0.5 THEN 'acknowledged' WHEN rs < 0.7 THEN 'inProgress'
                   WHEN rs < 0.8 THEN 'waiting' ELSE 'resolved' END AS status,
              CASE WHEN ro < ${openShare} THEN ${opts.now}::timestamptz - rt * interval '30 days'
                   ELSE ${opts.now}::timestamptz - interval '30 days' - rt * interval '1095 days' END AS reported_at
            FROM (
              SELECT g, (${bucketToContract}::int[])[1 + (g % 100)::int] AS c, random() AS ro, random() AS rs, random() AS rt
              FROM generate_series(${from}::bigint, ${to}::bigint) AS g
            ) a
          ) b
        ) s`.execute(conn);
      await sql`
        INSERT INTO incidents (id, contract_id, number, title, description, system_key, site, site_zone, channel, reporter_name,
          reported_at, created_at, level_key, impact, tags, status, waiting_reason, line, leader_approval_required,
          resolution, satisfaction, sla_next_deadline_at, sla_due_at, sla_breached, sla_at_risk, version, updated_at, label_mac)
        SELECT id, contract_id, number, title, description, system_key, site, site_zone, channel, reporter,
          reported_at, reported_at + interval '3 minutes', level_key, '{}', '{}', status, waiting_reason, 1, leader,
          CASE WHEN status IN ('resolved', 'closed') THEN (${RESOLUTIONS}::text[])[1 + ((hashtext(number) & 2147483647) % ${RESOLUTIONS.length})] END,
          CASE WHEN status = 'closed' THEN 3 + (hashtext(number) & 2147483647) % 3 END,
          next_deadline, sla_due_at, sla_breached, sla_at_risk, version,
          CASE status WHEN 'closed' THEN closed_at WHEN 'resolved' THEN resolved_at WHEN 'new' THEN reported_at + interval '3 minutes' ELSE ack_at END,
          -- the default label's HMAC-SM3, computed by pgcrypto (equal to Node's); null without a key ring (the server computes it at start)
          ${labelMacSql('incidents', sql`id`, sql`contract_id`, 'internal')}
        FROM bench_gen`.execute(conn);
      await sql`
        INSERT INTO sla_clocks (id, contract_id, subject_type, subject_id, system_key, conditions, is_open, level_key,
          next_deadline_at, result, computed_at, calendar_version, contract_version_id, scheduled)
        SELECT clock_id, contract_id, 'incident', id, system_key, jsonb_build_object('siteZone', site_zone), is_open, level_key,
          next_deadline, ${resultJson}::jsonb, reported_at + interval '3 minutes', ${calendarVersion}, version_id,
          -- as migration 0015 leaves clocks stored before it: one with a next deadline waits for a recompute
          next_deadline IS NULL
        FROM bench_gen`.execute(conn);
      // One statement per event type, in lifecycle order, so ids follow the history within each clock.
      await sql`
        INSERT INTO sla_events (clock_id, type, at, data, recorded_at)
        SELECT clock_id, 'created', reported_at, jsonb_build_object('level', level_key), reported_at + interval '3 minutes' FROM bench_gen
        UNION ALL
        SELECT clock_id, 'responded', ack_at, '{}', ack_at FROM bench_gen WHERE status <> 'new'
        UNION ALL
        SELECT clock_id, 'paused', ack_at + interval '10 minutes', jsonb_build_object('reason', waiting_reason), ack_at + interval '10 minutes' FROM bench_gen WHERE status = 'waiting'
        UNION ALL
        SELECT clock_id, 'resolved', resolved_at, '{}', resolved_at FROM bench_gen WHERE status IN ('resolved', 'closed')
        UNION ALL
        SELECT clock_id, 'closed', closed_at, '{}', closed_at FROM bench_gen WHERE status = 'closed'`.execute(conn);
      log(`generated rows ${from}–${to} in ${((performance.now() - tb) / 1000).toFixed(1)} s`);
    }
    await sql`DROP TABLE IF EXISTS bench_gen`.execute(conn);
    const tv = performance.now();
    await sql`VACUUM (ANALYZE) incidents, incident_search, sla_clocks, sla_events`.execute(conn);
    log(`VACUUM ANALYZE in ${((performance.now() - tv) / 1000).toFixed(1)} s`);
  });
  const seconds = (performance.now() - t0) / 1000;
  const counts = await sql<{ code: string; n: string; open: string }>`
    SELECT c.code, count(*)::text AS n, count(*) FILTER (WHERE i.status <> 'closed')::text AS open
    FROM incidents i JOIN contracts c ON c.id = i.contract_id
    WHERE i.number LIKE 'GZ____-B%' GROUP BY c.code ORDER BY c.code`.execute(db);
  const perContract: Record<string, number> = {};
  let openRows = 0;
  for (const r of counts.rows) {
    perContract[r.code] = Number(r.n);
    openRows += Number(r.open);
  }
  return { rows: opts.rows, openRows, seconds, perContract };
}

// Stand-alone use.
if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const args = process.argv.slice(2);
  const arg = (name: string): string | undefined => {
    const i = args.indexOf(name);
    return i >= 0 ? args[i + 1] : undefined;
  };
  const url = arg('--url') ?? process.env['DATABASE_URL'];
  if (!url) {
    process.stderr.write('usage: node --import tsx server/bench/incidents/generate.ts --url postgres://… [--rows 1000000]\n');
    process.exit(2);
  }
  const db = createDb(url, 2);
  try {
    const r = await generateIncidents(db, { rows: Number(arg('--rows') ?? '1000000'), now: new Date(), log: (m) => process.stdout.write(`# ${m}\n`) });
    process.stdout.write(`# ${r.rows} incidents (${r.openRows} open) in ${r.seconds.toFixed(1)} s: ${JSON.stringify(r.perContract)}\n`);
  } finally {
    await db.destroy();
  }
}
