#!/usr/bin/env node
// Entry point of the `yunwei` command. Registers the TypeScript loader, then runs the CLI.
import { register } from 'tsx/esm/api';

register();
const { main } = await import('../src/cli/main.ts');
try {
  const keepAlive = await main(process.argv);
  // Exit explicitly: libraries with exit hooks must not change the exit code.
  if (!keepAlive) process.exit(process.exitCode ?? 0);
} catch (e) {
  process.stderr.write(`错误：${e instanceof Error ? e.message : String(e)}\n`);
  process.exit(1);
}
