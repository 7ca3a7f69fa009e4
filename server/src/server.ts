/**
 * Process role "api": open the database, migrate, optionally load demo data,
 * serve the API and the web app on one port, and shut down cleanly.
 */
import { join } from 'node:path';
import type { AppConfig } from './config.ts';
import { openDatabase } from './db/open.ts';
import { buildApp } from './http/app.ts';
import { seedDemo } from './demo/demo.seed.ts';
import { startWorker } from './jobs/job.worker.ts';
import { SLA_JOBS, SLA_RECURRING } from './sla/sla.jobs.ts';
import { STAFF_JOBS, STAFF_RECURRING } from './staff/staff.jobs.ts';
import { VENDOR_ACCESS_JOBS, vendorAccessRecurring } from './contracts/vendor-access.jobs.ts';
import { WORK_ORDER_JOBS, WORK_ORDER_RECURRING } from './workorders/workorder.jobs.ts';
import { createReportUpJob } from './notices/report-up.service.ts';
import { loadOrCreateKeyRing } from './privacy/key-ring.ts';
import { installKeyRing } from './privacy/pii-vault.ts';
import { sealLegacyRows } from './privacy/key-rotation.ts';
import { sealUnlabelledRows } from './labels/label-integrity.ts';
import { LABEL_JOBS, LABEL_RECURRING } from './labels/label.jobs.ts';
import { RETENTION_JOBS, retentionRecurring } from './privacy/retention.jobs.ts';
import { registerDomains } from './domains.ts';
import { auditAnchorRecurring, createAuditAnchorJob, openAnchorStore } from './audit/audit-anchor.ts';
import { recordConfigAtStart } from './audit/config-audit.ts';
import { walSwitchJob, walSwitchRecurring } from './backup/wal-switch.jobs.ts';

/** Where the built web app lives. */
export const WEB_DIST = join(import.meta.dirname, '..', '..', 'web', 'dist');

/** Start the server; resolves once listening. */
export async function startServer(config: AppConfig, opts: { demo: boolean }): Promise<{ close(): Promise<void>; url: string }> {
  const log = (m: string): void => {
    process.stdout.write(`[yunwei] ${m}\n`);
  };
  const { ring, created } = loadOrCreateKeyRing(config.dataKeyFile, new Date());
  installKeyRing(ring);
  if (created) log(`已生成个人信息加密密钥（SM4）：${config.dataKeyFile}（请与数据库分开备份）`);
  registerDomains();
  const anchors = openAnchorStore(config.audit, new Date());
  if (anchors.created) log(`已生成审计锚点签名密钥（SM2）：${config.audit.anchorKeyFile}（公钥 ${config.audit.anchorKeyFile}.pub.pem；请与数据库分开备份）`);
  const database = await openDatabase(config, { log });
  const configRecord = await recordConfigAtStart(database.db, config, new Date());
  if (configRecord.action === 'security.configChanged') log(`安全相关配置自上次启动以来有变更（已记入审计日志）：${configRecord.changed.join('、')}`);
  const legacy = (await sealLegacyRows(database.db, ring, new Date())).reduce((n, r) => n + r.resealed, 0);
  if (legacy > 0) log(`已对 ${legacy} 条早期记录中的个人信息完成脱敏与加密`);
  const unlabelled = (await sealUnlabelledRows(database.db, new Date(), ring)).reduce((n, r) => n + r.resealed, 0);
  if (unlabelled > 0) log(`已为 ${unlabelled} 条早期记录的安全标记计算 HMAC-SM3 校验值`);
  if (opts.demo) {
    const creds = await seedDemo(database.db, config.dataDir, new Date(), log, { vendorAccessGraceDays: config.auth.vendorAccessGraceDays });
    log('演示账号（密码为本机随机生成，保存在数据目录的 demo-credentials.json）：');
    for (const c of creds) log(`  ${c.username.padEnd(24)} ${c.password}   ${c.displayName}  ${c.description}${c.totpSecret ? `  （双因素验证 TOTP 密钥 ${c.totpSecret}）` : ''}`);
    if (creds.some((c) => c.totpSecret)) log('带 TOTP 密钥的账号登录时还需 6 位动态验证码：把密钥加入验证器 App，或执行 npx yunwei demo totp <用户名> 查看当前验证码');
  }
  const app = await buildApp({ db: database.db, config, webDist: WEB_DIST, logger: true, auditAnchors: anchors });
  await app.listen({ port: config.port, host: config.host });
  const anchorJob = createAuditAnchorJob(anchors);
  // the embedded server's WAL archive is kept no further behind than the archive interval
  const walSwitchSeconds = database.embedded && config.backup.walArchive ? config.backup.archiveTimeoutSeconds : 0;
  const worker = startWorker(
    database.db,
    [...SLA_JOBS, ...WORK_ORDER_JOBS, ...STAFF_JOBS, ...LABEL_JOBS, ...VENDOR_ACCESS_JOBS, ...RETENTION_JOBS, walSwitchJob, createReportUpJob(app.services.reportUp), anchorJob],
    [...SLA_RECURRING, ...WORK_ORDER_RECURRING, ...STAFF_RECURRING, ...LABEL_RECURRING, ...vendorAccessRecurring(config.auth.vendorAccessGraceDays), ...retentionRecurring(config.piiRetentionDays), ...walSwitchRecurring(walSwitchSeconds), auditAnchorRecurring(anchorJob, config.audit.anchorMinutes)],
    {
      onError: (e) => app.log.error({ err: e }, 'worker pass failed'),
    },
  );
  const url = `http://${config.host === '0.0.0.0' ? 'localhost' : config.host}:${config.port}`;
  log(`已启动：${url}  （接口文档 ${url}/api/docs）`);
  let closing = false;
  const close = async (): Promise<void> => {
    if (closing) return;
    closing = true;
    await worker.stop();
    await app.close();
    await database.close();
  };
  for (const sig of ['SIGINT', 'SIGTERM'] as const) {
    process.once(sig, () => {
      log(`收到 ${sig}，正在停止…`);
      close()
        .then(() => {
          log('已停止');
          process.exit(0);
        })
        .catch((e: unknown) => {
          process.stderr.write(`停止时出错：${String(e)}\n`);
          process.exit(1);
        });
    });
  }
  return { close, url };
}
