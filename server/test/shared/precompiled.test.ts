import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { sql } from 'kysely';
import { closeTestDb, testDb } from '../helpers/db.ts';
import { buildContract } from '../helpers/factories.ts';
import { first, precompiled, run, type Placeholders } from '../../src/db/precompiled.ts';

after(async () => {
  await closeTestDb();
});

test('a precompiled query is built once and filled per call: placeholders (one used twice) take each call\'s values, constants stay', async () => {
  const db = testDb();
  const a = await buildContract(db);
  const b = await buildContract(db);
  let builds = 0;
  const q = precompiled((k, p: Placeholders<{ id: string; label: string }>) => {
    builds++;
    return k
      .selectFrom('contracts')
      .select(['id', 'code', sql<string>`${p.label}::text`.as('label'), sql<string>`${'常量'}::text`.as('fixed')])
      .where((eb) => eb.or([eb('id', '=', p.id), eb('code', '=', sql<string>`${p.label}::text`)]));
  });
  const ra = await first(db, q, { id: a.id, label: '甲' });
  const rb = await first(db, q, { id: b.id, label: b.code });
  assert.equal(builds, 1, 'built once');
  assert.deepEqual(ra, { id: a.id, code: a.code, label: '甲', fixed: '常量' });
  assert.deepEqual(rb, { id: b.id, code: b.code, label: b.code, fixed: '常量' });
  assert.equal(q.with({ id: a.id, label: 'x' }).sql, q.with({ id: b.id, label: 'y' }).sql, 'one statement text, so one prepared statement');
  assert.deepEqual(await run(db, q, { id: '00000000-0000-0000-0000-000000000000', label: '无' }), []);
});

test('a placeholder taken apart while building is refused, not silently sent as text', () => {
  const q = precompiled((k, p: Placeholders<{ needle: string }>) => k.selectFrom('contracts').select('id').where('name', 'like', `%${p.needle}%`));
  assert.throws(() => q.with({ needle: '社保' }), /placeholder was used inside a value/);
});
