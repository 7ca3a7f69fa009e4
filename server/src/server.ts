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
import { createReportUpJob } from './notices/report-up.service.ts';
import { loadOrCreateKeyRing } from './privacy/key-ring.ts';
import { installKeyRing } from './privacy/pii-vault.ts';

/** Where the built web app lives. */
export const WEB_DIST = join(import.meta.dirname, '..', '..', 'web', 'dist');

/** Start the server; resolves once listening. */
export async function startServer(config: AppConfig, opts: { demo: boolean }): Promise<{ close(): Promise<void>; url: string }> {
  const log = (m: string): void => {
    process.stdout.write(`[yunwei] ${m}\n`);
  };
  installKeyRing(loadOrCreateKeyRing(config.dataKeyFile, new Date()).ring);
  const database = await openDatabase(config, { log });
  if (opts.demo) {
    const creds = await seedDemo(database.db, config.dataDir, new Date(), log);
    log('演示账号（密码为本机随机生成，保存在数据目录的 demo-credentials.json）：');
    for (const c of creds) log(`  ${c.username.padEnd(24)} ${c.password}   ${c.displayName}  ${c.description}`);
  }
  const app = await buildApp({ db: database.db, config, webDist: WEB_DIST, logger: true });
  await app.listen({ port: config.port, host: config.host });
  const worker = startWorker(database.db, [...SLA_JOBS, createReportUpJob(app.services.reportUp)], SLA_RECURRING, {
    onError: (e) => app.log.error({ err: e }, 'worker pass failed'),
  });
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
