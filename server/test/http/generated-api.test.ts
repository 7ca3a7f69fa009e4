import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';

test('the generated OpenAPI document, web client types and contract JSON Schema are up to date', () => {
  const r = spawnSync(process.execPath, ['--import', 'tsx', join(import.meta.dirname, '..', '..', 'scripts', 'gen-api.ts'), '--check'], { encoding: 'utf8' });
  assert.equal(r.status, 0, `${r.stderr}\n(run: cd server && npm run gen:api)`);
});
