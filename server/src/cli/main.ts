/**
 * The `yunwei` command line: thin commands over the same services the HTTP API uses.
 */
import { Command } from 'commander';
import { readFileSync } from 'node:fs';
import { ConfigError, loadConfig, type AppConfig } from '../config.ts';
import { parseContractDefinition, type DefinitionIssue } from '../contracts/contract-definition.parse.ts';
import { importContract } from '../contracts/contract.service.ts';
import { openDatabase } from '../db/open.ts';
import { verifyAuditChain } from '../audit/audit.service.ts';
import { createUser, grantRole } from '../orgs/user.service.ts';
import { AppError } from '../errors.ts';
import { startServer } from '../server.ts';
import { ROLE_KEYS } from '../auth/roles.ts';

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
        const r = await withDb((db) => importContract(db, null, text, new Date(), opts.note));
        process.stdout.write(`${r.created ? '已导入新合同' : '已导入新版本'}：${parsed.definition.contract.code} 第 ${r.version} 版（合同 ID ${r.contractId}）\n`);
      } catch (e) {
        fail(e);
      }
    });

  const audit = program.command('audit').description('审计日志');
  audit
    .command('verify')
    .description('重新计算 SM3 哈希链，指出第一条被篡改或删除的记录')
    .action(async () => {
      try {
        const r = await withDb((db) => verifyAuditChain(db));
        if (r.ok) {
          process.stdout.write(`审计链完整：共校验 ${r.rowsChecked} 条记录，最后序号 ${r.lastSeq ?? '无'}，末条摘要 ${r.lastHash}\n`);
        } else {
          process.stderr.write(`审计链校验失败：${r.problem?.message ?? ''}\n（记录 ID ${r.problem?.id ?? ''}；此前 ${r.rowsChecked} 条记录完好）\n`);
          process.exitCode = 2;
        }
      } catch (e) {
        fail(e);
      }
    });

  const user = program.command('user').description('用户管理');
  user
    .command('create')
    .description('创建用户（生产环境用它创建第一个平台管理员）')
    .requiredOption('--username <name>', '用户名')
    .requiredOption('--name <displayName>', '姓名')
    .option('--org <organisation>', '所属单位')
    .option('--platform-admin', '平台管理员')
    .option('--password <password>', '密码（不填则从标准输入读取第一行）')
    .action(async (opts: { username: string; name: string; org?: string; platformAdmin?: boolean; password?: string }) => {
      const password = opts.password ?? readFileSync(0, 'utf8').split('\n')[0] ?? '';
      try {
        const r = await withDb((db) =>
          createUser(db, null, { username: opts.username, displayName: opts.name, password, organisationName: opts.org, isPlatformAdmin: opts.platformAdmin === true }, new Date()),
        );
        process.stdout.write(`已创建用户 ${opts.username}（ID ${r.id}）\n`);
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

  await program.parseAsync(argv);
  return keepAlive;
}
