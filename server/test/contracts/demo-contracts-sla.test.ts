import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { useIsolatedDb } from '../helpers/db.ts';
import { DEMO_CONTRACTS_DIR } from '../../src/demo/demo.seed.ts';
import { importContract } from '../../src/contracts/contract.service.ts';
import { loadSlaContext } from '../../src/sla/sla-context.ts';
import { computeSla } from '../../src/sla/sla-engine.ts';

const db = useIsolatedDb();

test('every fault level of every sample contract yields computable deadlines', async () => {
  const reported = new Date('2023-06-01T10:00:00+08:00');
  for (const file of readdirSync(DEMO_CONTRACTS_DIR).filter((f) => f.endsWith('.yaml'))) {
    const { contractId } = await importContract(db, null, readFileSync(join(DEMO_CONTRACTS_DIR, file), 'utf8'), new Date());
    const sla = await loadSlaContext(db, contractId, new Date());
    for (const level of sla.levels) {
      for (const siteZone of ['urban', 'suburban'] as const) {
        const r = computeSla({
          levels: sla.levels,
          windows: sla.windows,
          defaultWindowKey: sla.windowForSystem(null),
          events: [{ type: 'created', at: reported, level: level.key }],
          now: reported,
          warnAt: sla.warnAt,
          pauseOn: sla.pauseOn,
          conditions: { siteZone, tags: ['database'] },
        });
        assert.equal(r.levelKey, level.key, `${file} ${level.key}`);
        for (const t of r.targets) assert.ok(t.state !== 'breached', `${file} ${level.key} ${t.name}`);
      }
    }
  }
});
