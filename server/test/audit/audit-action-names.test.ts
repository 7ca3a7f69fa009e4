/**
 * Every audit action and object type the server writes has a Chinese (and
 * English) name on the audit page, so auditors never read a raw key.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { ZIncidentCommand } from '../../src/incidents/incident.schema.ts';

const SRC = join(import.meta.dirname, '..', '..', 'src');
const WEB_I18N = join(import.meta.dirname, '..', '..', '..', 'web', 'src', 'i18n');

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((n) => {
    const p = join(dir, n);
    return statSync(p).isDirectory() ? sources(p) : p.endsWith('.ts') ? [p] : [];
  });
}

function literals(pattern: RegExp): Set<string> {
  const found = new Set<string>();
  for (const file of sources(SRC)) for (const m of readFileSync(file, 'utf8').matchAll(pattern)) found.add(m[1] ?? '');
  return found;
}

test('every audit action and object type written by the server has a name in both web dictionaries', () => {
  const actions = literals(/action: '([a-zA-Z]+\.[a-zA-Z.]+)'/g);
  // incident commands are audited as `incident.<command type>`
  for (const option of ZIncidentCommand.options) actions.add(`incident.${option.shape.type.value}`);
  const entities = literals(/entityType: '([a-zA-Z]+)'/g);
  assert.ok(actions.size > 80 && entities.size > 15, `found ${actions.size} actions and ${entities.size} object types`);
  for (const dictionary of ['messages.zh-CN.ts', 'messages.en.ts']) {
    const text = readFileSync(join(WEB_I18N, dictionary), 'utf8');
    const missing = [...[...actions].map((a) => `action.${a}`), ...[...entities].map((e) => `entity.${e}`)].filter((key) => !text.includes(`'${key}':`));
    assert.deepEqual(missing, [], `${dictionary} lacks names for these keys`);
  }
});
