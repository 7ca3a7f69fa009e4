/**
 * The `yunwei` command line: thin commands over the same services the HTTP API uses.
 */
import { Command } from 'commander';
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { ConfigError, loadConfig, type AppConfig } from '../config.ts';
import { parseContractDefinition, type DefinitionIssue } from '../contracts/contract-definition.parse.ts';
import { importContract } from '../contracts/contract.service.ts';
import { openDatabase } from '../db/open.ts';
import { anchorAuditChain, findAnchorStore, openAnchorStore, rotateAnchorKey, type AnchoredVerifyResult } from '../audit/audit-anchor.ts';
import { verifyAuditWithAnchors } from '../audit/audit-anchor.ts';
import { resetTwoFactor } from '../auth/two-factor.service.ts';
import { forceSignOut, unlockUser, userIdByUsername } from '../auth/user-security.service.ts';
import { totpCode } from '../auth/totp.ts';
import { readDemoCredentials } from '../demo/demo.seed.ts';
import { formatLocalDateTime } from '../shared/local-time.ts';
import { createUser, grantRole } from '../orgs/user.service.ts';
import { AppError } from '../errors.ts';
import { startServer } from '../server.ts';
import { ROLE_KEYS } from '../auth/roles.ts';
import { rotateDataKey } from '../privacy/key-rotation.ts';
import { loadOrCreateKeyRing } from '../privacy/key-ring.ts';
import { installKeyRing } from '../privacy/pii-vault.ts';
import { verifySecurityLabels } from '../labels/label-integrity.ts';
import { registerDomains } from '../domains.ts';
import { SYSTEM_ACTOR } from '../audit/audit.service.ts';
import { takeBaseBackup } from '../backup/backup.service.ts';
import { BackupError } from '../backup/backup-files.ts';
import { restoreBaseBackup } from '../backup/restore.service.ts';
import { walArchiveDir } from '../backup/wal-archive.ts';

/** The command line as an audit actor. */
const CLI_ACTOR = { userId: null, name: '系统（命令行）', role: 'cli', clientIp: null };

/** Print the outcome of `audit verify`; exit code 2 when something was tampered with. */
function printVerify(r: AnchoredVerifyResult): void {
  const c = r.chain;
  if (c.ok) process.stdout.write(`审计链完整：共校验 ${c.rowsChecked} 条记录，最后序号 ${c.lastSeq ?? '无'}，末条摘要 ${c.lastHash}\n`);
  else process.stderr.write(`审计链校验失败：${c.problem?.message ?? ''}\n（记录 ID ${c.problem?.id ?? ''}；此前 ${c.rowsChecked} 条记录完好）\n`);
  const a = r.anchors;
  if (a.problem) process.stderr.write(`签名锚点校验失败：${a.problem.message}\n`);
  else if (a.latest) {
    process.stdout.write(`签名锚点一致：共核对 ${a.checked} 个 SM2 签名锚点；最近锚点 ${formatLocalDateTime(a.latest.anchoredAt)}（第 ${a.latest.lastSeq} 条，${a.latest.file}）`);
    process.stdout.write(a.rowsAfterLatest > 0 ? `，其后新增 ${a.rowsAfterLatest} 条记录待下次锚定\n` : '\n');
  }
  if (a.warning) process.stderr.write(`注意：${a.warning}\n`);
  if (!r.ok) process.exitCode = 2;
}

/** Print definition issues in Chinese, one per line, with file, line and path. */
export function printIssues(file: string, issues: readonly DefinitionIssue[]): void {
  for (const i of issues) {
    const where = i.line ? `${file}:${i.line}${i.column ? `:${i.column}` : ''}` : file;
    process.stderr.write(`${where}  ${i.path}  ${i.message}\n`);
  }
}

function config(): AppConfig {
  try {
    return loadConfig(process.env, process.cwd());
  } catch (e) {
    if (e instanceof ConfigError) {
      process.stderr.write(`${e.message}\n`);
      process.exit(1);
    }
    throw e;
  }
}

async function withDb<T>(fn: (db: Awaited<ReturnType<typeof openDatabase>>['db']) => Promise<T>): Promise<T> {
  const database = await openDatabase(config(), { poolSize: 2 });
  try {
    return await fn(database.db);
  } finally {
    await database.close();
  }
}

/** Physical backup commands work on the embedded PostgreSQL only. */
function refuseExternalDatabase(cfg: AppConfig): void {
  if (!cfg.databaseUrl) return;
  throw new BackupError(
    '当前使用外部 PostgreSQL（DATABASE_URL），yunwei backup / restore 只用于内置数据库：请用数据库自身的工具备份与恢复，例如 pgBackRest 或 pg_basebackup 加 WAL 归档（可按时间点恢复），或 pg_dump（逻辑备份，不能按时间点恢复）；详见 README「备份与恢复」',
  );
}

/** An instant in Beijing time to the millisecond, in the form `restore --to` takes (China has no daylight saving time). */
function restoreTimeText(at: Date | string): string {
  return `${new Date(new Date(at).getTime() + 8 * 3_600_000).toISOString().replace('Z', '')}+08:00`;
}

/** `--to`: an ISO 8601 time with an explicit zone (a restore to the wrong hour is worse than a refusal). */
function parseRestoreTime(text: string): Date {
  const at = new Date(text);
  if (!/^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})$/.test(text.trim()) || Number.isNaN(at.getTime())) {
    throw new BackupError(`恢复时刻「${text}」格式不正确：应为 ISO 8601 并写明时区，例如 2026-11-24T10:30:00+08:00`);
  }
  return at;
}

function fail(e: unknown): void {
  if (e instanceof AppError) {
    process.stderr.write(`错误（${e.code}）：${e.message}\n`);
    const details = e.details as { issues?: DefinitionIssue[] } | undefined;
    if (details?.issues) printIssues('', details.issues);
  } else {
    process.stderr.write(`错误：${e instanceof Error ? e.message : String(e)}\n`);
  }
  process.exitCode = 1;
}

/**
 * Build and run the CLI. Resolves to true when the process must stay alive
 * (the server is running), false when the command is finished.
 */
export async function main(argv: string[]): Promise<boolean> {
  let keepAlive = false;
  const program = new Command();
  program
    .name('yunwei')
    .description('运维（Yunwei）政务信息系统运维合同管理平台 命令行工具\n环境变量：PORT（默认 8080）、DATABASE_URL（不设则使用内置 PostgreSQL）、YUNWEI_DATA_DIR（默认 ./data）')
    .showHelpAfterError();

  program
    .command('start')
    .description('启动服务（接口与网页同一端口）')
    .option('--demo', '首次启动时导入示例合同和演示账号')
    .action(async (opts: { demo?: boolean }) => {
      await startServer(config(), { demo: opts.demo === true });
      keepAlive = true;
    });

  const contract = program.command('contract').description('合同定义：校验与导入');
  contract
    .command('validate')
    .description('校验合同定义文件（YAML），不写入数据库')
    .argument('<file>', '合同定义 YAML 文件')
    .action((file: string) => {
      const result = parseContractDefinition(readFileSync(file, 'utf8'));
      if (!result.ok) {
        printIssues(file, result.issues);
        process.stderr.write(`校验未通过：共 ${result.issues.length} 处问题\n`);
        process.exitCode = 1;
        return;
      }
      process.stdout.write(`校验通过：${result.definition.contract.name}（${result.definition.contract.code}）\n`);
    });
  contract
    .command('import')
    .description('导入合同定义（新合同，或已有合同的新版本）；校验不通过则不写入任何数据')
    .argument('<file>', '合同定义 YAML 文件')
    .option('--note <text>', '版本说明')
    .action(async (file: string, opts: { note?: string }) => {
      const text = readFileSync(file, 'utf8');
      const parsed = parseContractDefinition(text);
      if (!parsed.ok) {
        printIssues(file, parsed.issues);
        process.stderr.write(`导入失败：校验未通过，共 ${parsed.issues.length} 处问题，未写入任何数据\n`);
        process.exitCode = 1;
        return;
      }
      try {
        const r = await withDb((db) => importContract(db, null, text, new Date(), opts.note, { vendorAccessGraceDays: config().auth.vendorAccessGraceDays }));
        process.stdout.write(`${r.created ? '已导入新合同' : '已导入新版本'}：${parsed.definition.contract.code} 第 ${r.version} 版（合同 ID ${r.contractId}）\n`);
      } catch (e) {
        fail(e);
      }
    });

  const audit = program.command('audit').description('审计日志');
  audit
    .command('verify')
    .description('重新计算 SM3 哈希链并核对全部 SM2 签名锚点：指出第一条被篡改或删除的记录，以及锚点之后被截断的记录')
    .action(async () => {
      try {
        const cfg = config();
        const r = await withDb((db) => verifyAuditWithAnchors(db, findAnchorStore(cfg.audit, new Date())));
        printVerify(r);
      } catch (e) {
        fail(e);
      }
    });
  audit
    .command('anchor')
    .description('立即签署一个审计锚点（SM2 签名当前链末的序号、摘要和记录数，追加到数据库之外的锚点文件）')
    .action(async () => {
      try {
        const cfg = config();
        const store = openAnchorStore(cfg.audit, new Date());
        if (store.created) process.stdout.write(`已生成审计锚点签名密钥（SM2）：${cfg.audit.anchorKeyFile}\n`);
        const r = await withDb((db) => anchorAuditChain(db, store, new Date(), { force: true }));
        if (!r) process.stdout.write('审计日志为空，无需签署锚点\n');
        else process.stdout.write(`已签署审计锚点：链末第 ${r.payload.lastSeq} 条（共 ${r.payload.rowCount} 条，摘要 ${r.payload.lastHash}），写入 ${r.file}\n`);
      } catch (e) {
        fail(e);
      }
    });

  audit
    .command('rotate-anchor-key')
    .description('更换审计锚点签名密钥（SM2）：先用旧密钥签署最后一个锚点，再生成新密钥对；旧公钥保留在密钥文件中，旧锚点仍可校验，此后的锚点用新密钥签署')
    .action(async () => {
      try {
        const cfg = config();
        const store = findAnchorStore(cfg.audit, new Date());
        if (!store) throw new AppError('VALIDATION_FAILED', `尚无审计锚点签名密钥（${cfg.audit.anchorKeyFile}）：先启动一次服务或执行 yunwei audit anchor`);
        const r = await withDb((db) => rotateAnchorKey(db, store, CLI_ACTOR, new Date()));
        process.stdout.write(`已更换审计锚点签名密钥：${r.previousFingerprint} → ${r.fingerprint}（SM3 指纹）；旧公钥已保留在 ${cfg.audit.anchorKeyFile}，新公钥写入 ${cfg.audit.anchorKeyFile}.pub.pem\n`);
        if (r.firstNewAnchor) process.stdout.write(`已用新密钥签署审计锚点：链末第 ${r.firstNewAnchor.payload.lastSeq} 条，写入 ${r.firstNewAnchor.file}\n`);
        process.stdout.write('运行中的服务会在下一次签署锚点时读取新密钥，无需重启\n');
      } catch (e) {
        fail(e);
      }
    });

  const user = program.command('user').description('用户管理');
  user
    .command('create')
    .description('创建用户（生产环境用它创建第一个平台管理员和第一个安全审计员）')
    .requiredOption('--username <name>', '用户名')
    .requiredOption('--name <displayName>', '姓名')
    .option('--org <organisation>', '所属单位')
    .option('--platform-admin', '平台管理员')
    .option('--platform-auditor', '平台安全审计员（查看、校验全平台审计日志；不能同时为平台管理员）')
    .option('--password <password>', '密码（不填则从标准输入读取第一行）')
    .action(async (opts: { username: string; name: string; org?: string; platformAdmin?: boolean; platformAuditor?: boolean; password?: string }) => {
      const password = opts.password ?? readFileSync(0, 'utf8').split('\n')[0] ?? '';
      try {
        const r = await withDb((db) =>
          createUser(db, null, { username: opts.username, displayName: opts.name, password, organisationName: opts.org, isPlatformAdmin: opts.platformAdmin === true, isPlatformAuditor: opts.platformAuditor === true }, new Date()),
        );
        process.stdout.write(`已创建用户 ${opts.username}（ID ${r.id}）\n`);
        if (opts.platformAdmin) process.stdout.write('平台管理员首次登录时须用验证器 App 绑定双因素验证（TOTP），并妥善保存恢复码\n');
        if (opts.platformAuditor) process.stdout.write('安全审计员首次登录时须用验证器 App 绑定双因素验证（TOTP），并妥善保存恢复码\n');
      } catch (e) {
        fail(e);
      }
    });
  user
    .command('grant')
    .description(`授予用户在某合同中的角色；角色：${ROLE_KEYS.join(', ')}`)
    .requiredOption('--username <name>', '用户名')
    .requiredOption('--contract <code>', '合同编号')
    .requiredOption('--role <role>', '角色')
    .action(async (opts: { username: string; contract: string; role: string }) => {
      try {
        await withDb(async (db) => {
          const u = await db.selectFrom('users').select('id').where('username', '=', opts.username).executeTakeFirst();
          const c = await db.selectFrom('contracts').select('id').where('code', '=', opts.contract).executeTakeFirst();
          if (!u) throw new AppError('NOT_FOUND', `用户「${opts.username}」不存在`);
          if (!c) throw new AppError('CONTRACT_NOT_FOUND', `合同「${opts.contract}」不存在`);
          await grantRole(db, null, { userId: u.id, contractId: c.id, role: opts.role }, new Date());
        });
        process.stdout.write(`已授予 ${opts.username} 在 ${opts.contract} 中的角色 ${opts.role}\n`);
      } catch (e) {
        fail(e);
      }
    });

  const integrity = program.command('integrity').description('数据完整性校验（HMAC-SM3）');
  integrity
    .command('verify')
    .description('重新计算全部故障单、工单安全标记的 HMAC-SM3 校验值：不符的记录按「敏感」处理，写入审计日志并通知审计员和甲方系统管理员；有不符时退出码为 2')
    .action(async () => {
      try {
        const cfg = config();
        if (!existsSync(cfg.dataKeyFile)) throw new AppError('VALIDATION_FAILED', `找不到数据密钥文件 ${cfg.dataKeyFile}，无法校验安全标记`);
        const ring = loadOrCreateKeyRing(cfg.dataKeyFile, new Date()).ring;
        installKeyRing(ring);
        const r = await withDb((db) => verifySecurityLabels(db, new Date(), { ring }));
        if (r.violations.length === 0) {
          process.stdout.write(`安全标记完整：共校验 ${r.checked} 条记录\n`);
          return;
        }
        const names = { incidents: '故障单', work_orders: '工单' } as const;
        for (const v of r.violations) process.stderr.write(`安全标记校验失败：${names[v.table]} ${v.number}（${v.table} ${v.id}）${v.alerted ? '，已告警' : '，此前已告警，尚未重新设定标记'}\n`);
        process.stderr.write(`共校验 ${r.checked} 条记录，${r.violations.length} 条不符（新告警 ${r.violations.filter((v) => v.alerted).length} 条）\n`);
        process.exitCode = 2;
      } catch (e) {
        fail(e);
      }
    });

  const keys = program.command('keys').description('个人信息加密密钥（SM4，保存在数据库之外）');
  keys
    .command('rotate')
    .description('生成新的数据密钥并用它重新加密全部个人信息；旧密钥保留在密钥文件中（已退役），中途中断可重新执行')
    .action(async () => {
      try {
        const cfg = config();
        const r = await withDb(async (db) => {
          registerDomains();
          return rotateDataKey(db, cfg.dataKeyFile, SYSTEM_ACTOR, new Date());
        });
        const total = r.results.reduce((n, x) => n + x.resealed, 0);
        process.stdout.write(`已轮换数据密钥：${r.previousKeyId} → ${r.newKeyId}；重新加密 ${total} 条记录（${r.results.map((x) => `${x.table} ${x.resealed}`).join('，')}）\n`);
      } catch (e) {
        fail(e);
      }
    });

  const byUsername = (cmd: string, description: string, run: (db: Awaited<ReturnType<typeof openDatabase>>['db'], userId: string, reason: string | null) => Promise<string>) =>
    user
      .command(cmd)
      .description(description)
      .requiredOption('--username <name>', '用户名')
      .option('--reason <text>', '原因（记入审计日志）')
      .action(async (opts: { username: string; reason?: string }) => {
        try {
          const out = await withDb(async (db) => run(db, await userIdByUsername(db, opts.username), opts.reason ?? null));
          process.stdout.write(`${out}\n`);
        } catch (e) {
          fail(e);
        }
      });
  byUsername('sign-out', '强制用户下线：结束其全部登录会话', async (db, id, reason) => {
    const r = await forceSignOut(db, CLI_ACTOR, id, new Date(), reason);
    return `已结束 ${r.sessionsEnded} 个登录会话`;
  });
  byUsername('unlock', '解除账号锁定', async (db, id) => {
    const r = await unlockUser(db, CLI_ACTOR, id, new Date());
    return r.wasLocked ? '已解除锁定' : '该账号未被锁定（失败计数已清零）';
  });
  byUsername('reset-2fa', '重置双因素验证（手机丢失且无恢复码时）；下次登录时须重新绑定', async (db, id, reason) => {
    const r = await resetTwoFactor(db, CLI_ACTOR, id, new Date(), reason);
    return `已重置双因素验证，结束 ${r.sessionsEnded} 个登录会话；该用户下次登录时须重新绑定验证器`;
  });

  program
    .command('backup')
    .description('在线基础备份内置 PostgreSQL（服务运行时即可执行）：复制数据目录并取得所需的 WAL，写入 <备份目录>/base/<UTC 时间>/，附 SM3 摘要清单；密钥不在备份中，须另行备份')
    .action(async () => {
      try {
        const cfg = config();
        refuseExternalDatabase(cfg);
        const database = await openDatabase(cfg, { migrate: false, poolSize: 1 });
        try {
          const r = await takeBaseBackup({
            url: database.url,
            clusterDir: join(cfg.dataDir, 'pg'),
            credentialsFile: join(cfg.dataDir, 'pg-credentials.json'),
            backupRoot: cfg.backup.dir,
            archiveDir: walArchiveDir(cfg.backup.dir),
            separate: { dataKeyFile: cfg.dataKeyFile, anchorKeyFile: cfg.audit.anchorPrivateKey ? null : cfg.audit.anchorKeyFile, anchorDir: cfg.audit.anchorDir },
            now: new Date(),
          });
          const m = r.manifest;
          process.stdout.write(`已完成基础备份：${r.dir}\n`);
          process.stdout.write(`  PostgreSQL ${m.pgVersion}，共 ${m.files.length} 个文件、${(r.bytes / 1024 / 1024).toFixed(1)} MB；WAL ${m.startWalFile} 至 ${m.stopWalFile}（LSN ${m.startLsn} → ${m.stopLsn}）\n`);
          process.stdout.write(`  可恢复到 ${restoreTimeText(m.stoppedAt)} 之后的任一时刻，前提是保留 WAL 归档 ${walArchiveDir(cfg.backup.dir)}\n`);
          process.stdout.write(
            `  未包含密钥（须另行备份，与数据库备份分开保存）：数据密钥 ${m.separate.dataKeyFile}（${m.separate.dataKeyIds.length > 0 ? `密钥 ${m.separate.dataKeyIds.join('、')}` : '备份时尚无该文件'}）；审计锚点签名密钥 ${m.separate.anchorKeyFile ?? '由环境变量提供'}；审计锚点文件 ${m.separate.anchorDir}\n`,
          );
        } finally {
          await database.close();
        }
      } catch (e) {
        fail(e);
      }
    });

  program
    .command('restore')
    .description('把基础备份恢复到新的数据目录并重放 WAL 归档（可恢复到指定时刻）；逐个核对文件的 SM3 摘要，恢复后校验审计链')
    .requiredOption('--backup <dir>', '基础备份目录（<备份目录>/base/<时间>）')
    .requiredOption('--target <dir>', '新的数据目录（不存在或为空；不会覆盖已有数据）')
    .option('--to <time>', '恢复到该时刻的状态，ISO 8601 且写明时区，例如 2026-11-24T10:30:00+08:00；不填则恢复到归档中最新的状态')
    .option('--wal-archive <dir>', 'WAL 归档目录（默认为基础备份旁的 wal/，即 <备份目录>/wal）')
    .action(async (opts: { backup: string; target: string; to?: string; walArchive?: string }) => {
      try {
        refuseExternalDatabase(config());
        const backupDir = resolve(opts.backup);
        const targetTime = opts.to === undefined ? null : parseRestoreTime(opts.to);
        const defaultArchive = join(backupDir, '..', '..', 'wal');
        const archiveDir = opts.walArchive ? resolve(opts.walArchive) : existsSync(defaultArchive) ? resolve(defaultArchive) : null;
        if (!archiveDir) process.stderr.write(`注意：没有找到 WAL 归档（${resolve(defaultArchive)}），只能恢复到基础备份完成时的状态\n`);
        const target = resolve(opts.target);
        process.stdout.write(`正在恢复 ${backupDir} → ${target}${targetTime ? `（目标时刻 ${restoreTimeText(targetTime)}）` : ''}…\n`);
        const r = await restoreBaseBackup({ backupDir, targetDir: target, archiveDir, targetTime });
        process.stdout.write(
          `已恢复：${target}（已核对 ${r.filesVerified} 个文件的 SM3 摘要；最后重放的事务提交于 ${r.lastReplayedAt ? restoreTimeText(r.lastReplayedAt) : '备份完成之前'}；共 ${r.tables} 张表、${r.rows} 行）\n`,
        );
        if (r.audit.ok) process.stdout.write(`审计链完整：共校验 ${r.audit.rowsChecked} 条记录，最后序号 ${r.audit.lastSeq ?? '无'}\n`);
        else {
          process.stderr.write(`审计链校验失败：${r.audit.problem?.message ?? ''}\n`);
          process.exitCode = 2;
        }
        const s = r.manifest.separate;
        process.stdout.write('下一步：\n');
        process.stdout.write(`  1. 取回另行保存的密钥：数据密钥文件${s.dataKeyIds.length > 0 ? `（须含密钥 ${s.dataKeyIds.join('、')}）` : ''}放到 ${join(target, 'keys', 'data-keys.json')} 或用 YUNWEI_DATA_KEY_FILE 指定；审计锚点签名密钥与锚点文件同理（keys/audit-anchor-sm2.json、audit-anchors/）\n`);
        process.stdout.write(`  2. 启动：YUNWEI_DATA_DIR=${target} npx yunwei start\n`);
        process.stdout.write('  3. 恢复后的数据库进入新的时间线：启动后立即执行 yunwei backup，建立新的基础备份\n');
        if (targetTime) process.stdout.write('  按时间点恢复时，晚于该时刻签署的审计锚点在 yunwei audit verify 中会显示为记录被截断：这是预期结果，请把这些锚点文件另行存档\n');
      } catch (e) {
        fail(e);
      }
    });

  const demo = program.command('demo').description('演示数据');
  demo
    .command('totp')
    .description('显示演示账号当前的 6 位动态验证码（密钥取自数据目录的 demo-credentials.json；仅用于演示）')
    .argument('<username>', '演示账号用户名')
    .action((username: string) => {
      const cred = readDemoCredentials(config().dataDir).find((c) => c.username === username);
      if (!cred?.totpSecret) {
        process.stderr.write(`演示账号「${username}」没有 TOTP 密钥（只有管理员和审计员账号需要双因素验证）\n`);
        process.exitCode = 1;
        return;
      }
      const now = new Date();
      process.stdout.write(`${totpCode(cred.totpSecret, now)}（${30 - (Math.floor(now.getTime() / 1000) % 30)} 秒后更新；每个验证码只能使用一次）\n`);
    });

  await program.parseAsync(argv);
  return keepAlive;
}
