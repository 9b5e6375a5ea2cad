import { createHash } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { CLONE_AREA_THRESHOLD, CLONE_DEVICE_THRESHOLD, isCodeLot } from '@ocop/domain';
import { ensureBatchCode, findBatchForCodes, issueUnitCodes } from './queries.ts';

/** Unit codes issued for each demo batch (besides its batch code). */
export const DEMO_UNIT_CODES = 3;

/**
 * Demo mode only (DESIGN "Demo mode": every verdict can be seen): codes for every demo batch that
 * has none yet — as if printed when the batch was made, so batches whose certificate has since
 * expired or been revoked, or that were recalled, carry codes that show those verdicts — and one
 * extra unit code scanned on many devices in several places, which verifies as `suspected_copy`.
 * Bypasses the issuance rule on purpose (it models labels printed in the past), so it runs only
 * while no code exists at all: the first start after the seed. Idempotent.
 */
export async function issueDemoCodes(
  app: FastifyInstance,
  origin: string,
): Promise<{ batchCodes: number; unitCodes: number; scans: number }> {
  const db = app.db;
  const summary = { batchCodes: 0, unitCodes: 0, scans: 0 };
  // Only right after the demo seed: once any code exists, batches made later by users get codes
  // through the issuance rule like everywhere else.
  if (await db.selectFrom('codes').select('path').limit(1).executeTakeFirst()) return summary;
  const pending = await db
    .selectFrom('batches as b')
    .leftJoin('codes as c', (j) => j.onRef('c.batch_id', '=', 'b.id').on('c.kind', '=', 'batch'))
    .select(['b.id', 'b.status', 'b.produced_on'])
    .where('c.path', 'is', null)
    .orderBy('b.produced_on', 'desc')
    .execute();
  if (pending.length === 0) return summary;
  const signer = await app.keys.signer();
  let copied = false;
  for (const p of pending) {
    const batch = await findBatchForCodes(db, p.id);
    if (!batch || !isCodeLot(batch.lot)) continue;
    await ensureBatchCode(db, batch, signer, origin, new Date(`${batch.producedOn}T10:00:00+07:00`));
    summary.batchCodes += 1;
    await issueUnitCodes(app.dbHandle, batch, signer, origin, DEMO_UNIT_CODES, null);
    summary.unitCodes += DEMO_UNIT_CODES;
    if (!copied && batch.status === 'active') {
      // One label copied onto many packs: the same unit code seen on many phones in far-apart places.
      const { job } = await issueUnitCodes(app.dbHandle, batch, signer, origin, 1, null);
      const code = await db
        .selectFrom('codes')
        .select('path')
        .where('job_id', '=', job.id)
        .executeTakeFirstOrThrow();
      const areas = ['Quảng Ngãi', 'Đà Nẵng', 'TP. Hồ Chí Minh', 'Hà Nội'].slice(0, CLONE_AREA_THRESHOLD);
      const scans = Array.from({ length: CLONE_DEVICE_THRESHOLD + 1 }, (_, i) => ({
        path: code.path,
        verdict: 'genuine',
        signed: true,
        device_hash: createHash('sha256').update(`demo-copied-label-device-${i}`).digest('hex'),
        area: areas[i % areas.length]!,
        ua_class: 'android' as const,
        scanned_at: new Date(Date.now() - (CLONE_DEVICE_THRESHOLD + 1 - i) * 3_600_000),
      }));
      await db.insertInto('scans').values(scans).execute();
      summary.unitCodes += 1;
      summary.scans += scans.length;
      copied = true;
    }
  }
  return summary;
}
