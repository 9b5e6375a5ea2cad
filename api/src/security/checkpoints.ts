import { compactVerify, decodeProtectedHeader, importJWK } from 'jose';
import { sql, type Kysely } from 'kysely';
import { verifyAuditChain, type Database } from '@ocop/db';
import { AppError } from '../errors.ts';
import type { KeyRecord, Signer } from '../plugins/keys.ts';

/**
 * Signed checkpoints of the audit chain (reliability.md K02). The audit log is a hash chain
 * (packages/db audit.ts): altering an entry breaks it, unless whoever altered it also recomputed
 * every later hash. A checkpoint — the chain's head (seq, hash) signed as a JWS with the
 * code-signing key — kept off the machine (a USB key in the office safe, a mail to the provincial
 * archive) pins the chain: once it is re-chained, the entry at the checkpoint's seq no longer has
 * the signed hash. Anyone can check a checkpoint's signature with /.well-known/jwks.json.
 *
 * JWS: protected header `{"alg":"ES256","kid":…,"typ":"ocop-audit-checkpoint+jws"}`, payload
 * `{"iss":origin,"seq":…,"hash":…,"occurredAt":…,"iat":…}`.
 */

export const CHECKPOINT_TYP = 'ocop-audit-checkpoint+jws';

export interface CheckpointPayload {
  iss: string;
  seq: number;
  hash: string;
  occurredAt: string;
  iat: number;
}

export interface SignedCheckpoint extends CheckpointPayload {
  checkpoint: string;
  kid: string;
}

const b64 = (v: unknown) => Buffer.from(JSON.stringify(v), 'utf8').toString('base64url');

/** Signs the current head of the audit chain; refused (409) while the chain is broken. */
export async function signCheckpoint(
  db: Kysely<Database>,
  signer: Signer,
  origin: string,
  now: Date = new Date(),
): Promise<SignedCheckpoint> {
  const chain = await verifyAuditChain(db);
  if (!chain.ok) {
    throw new AppError(
      'conflict',
      `The audit chain is broken at entry ${chain.firstBrokenSeq} (${chain.reason}): a checkpoint would vouch for altered entries.`,
    );
  }
  const head = await db
    .selectFrom('audit_log')
    .select(['seq', 'hash', 'occurred_at'])
    .orderBy('seq', 'desc')
    .limit(1)
    .executeTakeFirst();
  if (!head) throw new AppError('conflict', 'The audit log is empty: there is nothing to checkpoint.');
  const payload: CheckpointPayload = {
    iss: origin,
    seq: Number(head.seq),
    hash: head.hash,
    occurredAt: new Date(head.occurred_at).toISOString(),
    iat: Math.floor(now.getTime() / 1000),
  };
  const input = `${b64({ alg: 'ES256', kid: signer.kid, typ: CHECKPOINT_TYP })}.${b64(payload)}`;
  return { ...payload, kid: signer.kid, checkpoint: `${input}.${signer.sign(input)}` };
}

export type CheckpointMismatch =
  'malformed' | 'unknown_key' | 'signature' | 'missing_entry' | 'hash_differs' | 'chain_broken';

export interface CheckpointCheck {
  matches: boolean;
  /** Why it does not match; null when it does. */
  reason: CheckpointMismatch | null;
  detail: string;
  seq: number | null;
  kid: string | null;
  signedAt: string | null;
  /** The first broken entry of the chain as it is now, if any. */
  firstBrokenSeq: number | null;
}

/**
 * Does the audit log still match a checkpoint? Its signature must verify under one of our keys
 * (retired ones included; a key revoked before the checkpoint was signed does not count), the
 * entry at its seq must still have its hash, and the chain up to there must verify.
 */
export async function verifyCheckpoint(
  db: Kysely<Database>,
  checkpoint: string,
  keys: readonly KeyRecord[],
): Promise<CheckpointCheck> {
  const result = (
    reason: CheckpointMismatch | null,
    detail: string,
    extra: Partial<CheckpointCheck> = {},
  ): CheckpointCheck => ({
    matches: reason === null,
    reason,
    detail,
    seq: null,
    kid: null,
    signedAt: null,
    firstBrokenSeq: null,
    ...extra,
  });
  let kid: string;
  try {
    const header = decodeProtectedHeader(checkpoint);
    if (header.alg !== 'ES256' || header.typ !== CHECKPOINT_TYP || typeof header.kid !== 'string')
      return result('malformed', 'This is not an audit checkpoint (header).');
    kid = header.kid;
  } catch {
    return result('malformed', 'This is not a compact JWS.');
  }
  const key = keys.find((k) => k.kid === kid);
  if (!key) return result('unknown_key', `No key ${kid} of this server signed it.`, { kid });
  let payload: CheckpointPayload;
  try {
    const verified = await compactVerify(checkpoint, await importJWK(key.publicJwk, 'ES256'), {
      algorithms: ['ES256'],
    });
    payload = JSON.parse(new TextDecoder().decode(verified.payload)) as CheckpointPayload;
  } catch {
    return result('signature', 'The signature does not verify: the checkpoint was altered or forged.', {
      kid,
    });
  }
  if (!Number.isSafeInteger(payload.seq) || typeof payload.hash !== 'string' || !Number.isFinite(payload.iat))
    return result('malformed', 'The checkpoint payload lacks seq, hash or iat.', { kid });
  const signedAt = new Date(payload.iat * 1000).toISOString();
  const known = { kid, seq: payload.seq, signedAt };
  if (key.compromisedAt !== null && Date.parse(key.compromisedAt) <= payload.iat * 1000) {
    return result('signature', `Key ${kid} was compromised before this checkpoint was signed.`, known);
  }
  const row = await db
    .selectFrom('audit_log')
    .select('hash')
    .where('seq', '=', sql<string>`${payload.seq}`)
    .executeTakeFirst();
  if (!row)
    return result('missing_entry', `Entry ${payload.seq} of the checkpoint is no longer in the log.`, known);
  if (row.hash !== payload.hash) {
    return result(
      'hash_differs',
      `Entry ${payload.seq} no longer has the signed hash: the log was rewritten up to or after it.`,
      known,
    );
  }
  const chain = await verifyAuditChain(db);
  if (!chain.ok && chain.firstBrokenSeq <= payload.seq) {
    return result(
      'chain_broken',
      `The chain is broken at entry ${chain.firstBrokenSeq} (${chain.reason}), before the checkpoint's entry ${payload.seq}.`,
      { ...known, firstBrokenSeq: chain.firstBrokenSeq },
    );
  }
  return result(null, `The log still holds entry ${payload.seq} as signed on ${signedAt}.`, {
    ...known,
    firstBrokenSeq: chain.ok ? null : chain.firstBrokenSeq,
  });
}
