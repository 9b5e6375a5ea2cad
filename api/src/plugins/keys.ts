import {
  createPrivateKey,
  generateKeyPairSync,
  sign as cryptoSign,
  type JsonWebKey,
  type KeyObject,
} from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { CompactEncrypt, calculateJwkThumbprint, compactDecrypt } from 'jose';
import type { Kysely, Selectable } from 'kysely';
import { withActor, type Database, type SigningKeysTable } from '@ocop/db';
import { KEY_REF_LENGTH, keyRefOf, type PublicKeyInfo } from '@ocop/domain';
import { AppError } from '../errors.ts';

/**
 * Code-signing keys (issue 4; DESIGN "Signing"): ES256 keys made by the server, the private part
 * encrypted at rest, one active key that signs, retired keys that still verify, revoked keys with
 * a compromise time.
 *
 * - kid = RFC 7638 SHA-256 thumbprint of the public JWK (as SMART Health Cards); codes carry its
 *   first 8 characters, so a new key whose prefix collides with an existing one is thrown away
 *   and another generated (and the database's unique index on `left(kid, 8)` makes sure).
 * - The private JWK is stored as a compact JWE (`alg: dir`, `enc: A256GCM`: IV, ciphertext, tag)
 *   under the key-encryption key, with the kid in its protected header (authenticated data), so a
 *   ciphertext moved to another row does not decrypt as that row's key. It is never logged, never
 *   returned; the audit trigger strips `private_jwe`; it is erased when the key is retired or
 *   revoked (reliability.md: "destroy the old private key").
 * - Rotation and revocation run in one transaction attributed to the acting user (audit log).
 * @see RFC 7638, RFC 7516, RFC 7518 §4.5 (dir) and §5.3 (A256GCM), reliability.md §1.2
 */

export type KeyRow = Selectable<SigningKeysTable>;

export interface KeyRecord {
  kid: string;
  keyRef: string;
  status: 'active' | 'retired' | 'revoked';
  publicJwk: { kty: 'EC'; crv: 'P-256'; x: string; y: string };
  createdAt: string;
  retiredAt: string | null;
  revokedAt: string | null;
  compromisedAt: string | null;
  revocationReason: string | null;
}

/** Signs with the active key: returns base64url of the raw 64-byte R‖S signature (RFC 7518 §3.4). */
export interface Signer {
  kid: string;
  sign(signingInput: string): string;
}

const iso = (d: Date | string | null): string | null => (d === null ? null : new Date(d).toISOString());

export function toKeyRecord(row: KeyRow): KeyRecord {
  const jwk =
    typeof row.public_jwk === 'string'
      ? (JSON.parse(row.public_jwk) as KeyRow['public_jwk'])
      : row.public_jwk;
  return {
    kid: row.kid,
    keyRef: keyRefOf(row.kid),
    status: row.status,
    publicJwk: { kty: 'EC', crv: 'P-256', x: jwk.x, y: jwk.y },
    createdAt: iso(row.created_at)!,
    retiredAt: iso(row.retired_at),
    revokedAt: iso(row.revoked_at),
    compromisedAt: iso(row.compromised_at),
    revocationReason: row.revocation_reason,
  };
}

/** The key as the pure verifier takes it (packages/domain verify.ts). */
export function toPublicKeyInfo(k: KeyRecord): PublicKeyInfo {
  return {
    ...k.publicJwk,
    kid: k.kid,
    status: k.status,
    createdAt: k.createdAt,
    retiredAt: k.retiredAt,
    revokedAt: k.revokedAt,
    compromisedAt: k.compromisedAt,
  };
}

/** A JWKS entry (RFC 7517 §4): public members only. */
export function toJwk(k: KeyRecord): {
  kty: 'EC';
  crv: 'P-256';
  x: string;
  y: string;
  kid: string;
  alg: 'ES256';
  use: 'sig';
} {
  return { ...k.publicJwk, kid: k.kid, alg: 'ES256', use: 'sig' };
}

export async function listKeys(db: Kysely<Database>): Promise<KeyRecord[]> {
  const rows = await db.selectFrom('signing_keys').selectAll().orderBy('created_at', 'desc').execute();
  return rows.map(toKeyRecord);
}

interface NewKeyMaterial {
  kid: string;
  publicJwk: { kty: 'EC'; crv: 'P-256'; x: string; y: string };
  privateJwe: string;
}

/** Generates an ES256 key pair whose 8-character kid prefix is not taken, and encrypts it. */
async function newKeyMaterial(db: Kysely<Database>, kek: Buffer): Promise<NewKeyMaterial> {
  for (let attempt = 0; attempt < 20; attempt++) {
    const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const jwk = privateKey.export({ format: 'jwk' }) as {
      kty: 'EC';
      crv: 'P-256';
      x: string;
      y: string;
      d: string;
    };
    const publicJwk = { kty: 'EC' as const, crv: 'P-256' as const, x: jwk.x, y: jwk.y };
    const kid = await calculateJwkThumbprint(publicJwk, 'sha256');
    const taken = await db
      .selectFrom('signing_keys')
      .select('kid')
      .where((eb) => eb.fn('left', [eb.ref('kid'), eb.val(KEY_REF_LENGTH)]), '=', keyRefOf(kid))
      .executeTakeFirst();
    if (taken) continue; // 1 in 2^48 per existing key: practically never, but codes depend on it.
    const privateJwe = await new CompactEncrypt(new TextEncoder().encode(JSON.stringify(jwk)))
      .setProtectedHeader({ alg: 'dir', enc: 'A256GCM', kid, cty: 'jwk+json' })
      .encrypt(kek);
    return { kid, publicJwk, privateJwe };
  }
  throw new Error('could not generate a signing key with a free kid prefix');
}

/** Decrypts the active key's private JWK and checks it is the key its row says. */
async function decryptSigner(row: KeyRow, kek: Buffer): Promise<Signer> {
  if (row.private_jwe === null) throw new Error(`signing key ${row.kid} has no private part`);
  const { plaintext, protectedHeader } = await compactDecrypt(row.private_jwe, kek, {
    keyManagementAlgorithms: ['dir'],
    contentEncryptionAlgorithms: ['A256GCM'],
  });
  if (protectedHeader.kid !== row.kid)
    throw new Error(`signing key ${row.kid}: encrypted key of another row`);
  const jwk = JSON.parse(new TextDecoder().decode(plaintext)) as { x: string; y: string };
  const record = toKeyRecord(row);
  if (jwk.x !== record.publicJwk.x || jwk.y !== record.publicJwk.y) {
    throw new Error(`signing key ${row.kid}: private part does not match the public key`);
  }
  const key: KeyObject = createPrivateKey({
    key: jwk as JsonWebKey,
    format: 'jwk',
  });
  return {
    kid: row.kid,
    sign: (input) =>
      cryptoSign('sha256', Buffer.from(input, 'utf8'), { key, dsaEncoding: 'ieee-p1363' }).toString(
        'base64url',
      ),
  };
}

/** The active key's row, if there is one. */
function activeKeyRow(db: Kysely<Database>): Promise<KeyRow | undefined> {
  return db.selectFrom('signing_keys').selectAll().where('status', '=', 'active').executeTakeFirst();
}

/** The active key's signer, read and decrypted now (the command-line tools; the app caches it). */
export async function activeSigner(db: Kysely<Database>, kek: Buffer): Promise<Signer> {
  const active = await activeKeyRow(db);
  if (!active) throw new Error('no active signing key');
  return decryptSigner(active, kek);
}

/** Creates the first key when there is none; returns the active key. Safe to run concurrently. */
export async function ensureActiveKey(db: Kysely<Database>, kek: Buffer): Promise<KeyRecord> {
  const active = await activeKeyRow(db);
  if (active) return toKeyRecord(active);
  const m = await newKeyMaterial(db, kek);
  const inserted = await db
    .insertInto('signing_keys')
    .values({
      kid: m.kid,
      public_jwk: JSON.stringify(m.publicJwk),
      private_jwe: m.privateJwe,
      status: 'active',
    })
    .onConflict((oc) => oc.column('status').where('status', '=', 'active').doNothing())
    .returningAll()
    .executeTakeFirst();
  if (inserted) return toKeyRecord(inserted);
  // Another process created it first.
  const row = await db
    .selectFrom('signing_keys')
    .selectAll()
    .where('status', '=', 'active')
    .executeTakeFirstOrThrow();
  return toKeyRecord(row);
}

/** Makes a new active key and retires the current one (its private part is erased). */
export async function rotateKeys(
  db: Kysely<Database>,
  kek: Buffer,
  actorId: string | null,
): Promise<{ active: KeyRecord; retired: KeyRecord | null }> {
  const m = await newKeyMaterial(db, kek);
  return withActor(db, actorId, async (trx) => {
    const retired = await trx
      .updateTable('signing_keys')
      .set({ status: 'retired', retired_at: new Date(), private_jwe: null })
      .where('status', '=', 'active')
      .returningAll()
      .executeTakeFirst();
    const active = await trx
      .insertInto('signing_keys')
      .values({
        kid: m.kid,
        public_jwk: JSON.stringify(m.publicJwk),
        private_jwe: m.privateJwe,
        status: 'active',
      })
      .returningAll()
      .executeTakeFirstOrThrow();
    return { active: toKeyRecord(active), retired: retired ? toKeyRecord(retired) : null };
  });
}

/**
 * Revokes a key as compromised from `compromisedAt` (default: its creation, so it vouches for
 * nothing): codes it signed from then on are forged. Revoking the active key first rotates, so a
 * key always signs.
 */
export async function revokeKey(
  db: Kysely<Database>,
  kek: Buffer,
  kid: string,
  opts: { compromisedAt?: Date | undefined; reason: string },
  actorId: string | null,
): Promise<{ revoked: KeyRecord; active: KeyRecord | null }> {
  const row = await db.selectFrom('signing_keys').selectAll().where('kid', '=', kid).executeTakeFirst();
  if (!row) throw new AppError('not_found', `No signing key with kid ${kid}.`);
  if (row.status === 'revoked') throw new AppError('key_already_revoked');
  if (opts.compromisedAt && opts.compromisedAt.getTime() > Date.now() + 60_000) {
    throw new AppError('unprocessable', 'compromisedAt lies in the future.');
  }
  const m = row.status === 'active' ? await newKeyMaterial(db, kek) : null;
  return withActor(db, actorId, async (trx) => {
    const revoked = await trx
      .updateTable('signing_keys')
      .set({
        status: 'revoked',
        revoked_at: new Date(),
        compromised_at: opts.compromisedAt ?? new Date(row.created_at),
        revocation_reason: opts.reason,
        private_jwe: null,
      })
      .where('kid', '=', kid)
      .where('status', '<>', 'revoked')
      .returningAll()
      .executeTakeFirst();
    if (!revoked) throw new AppError('key_already_revoked');
    let active: KeyRow | undefined;
    if (m) {
      active = await trx
        .insertInto('signing_keys')
        .values({
          kid: m.kid,
          public_jwk: JSON.stringify(m.publicJwk),
          private_jwe: m.privateJwe,
          status: 'active',
        })
        .returningAll()
        .executeTakeFirstOrThrow();
    } else {
      active = await trx
        .selectFrom('signing_keys')
        .selectAll()
        .where('status', '=', 'active')
        .executeTakeFirst();
    }
    return { revoked: toKeyRecord(revoked), active: active ? toKeyRecord(active) : null };
  });
}

/** What the rest of the app uses: a signer for the active key and the public keys, cached. */
export interface KeyStore {
  /** The active key's signer; re-read when another process rotated. */
  signer(): Promise<Signer>;
  /** Every key (active, retired, revoked) with its status, for the verifier. Cached briefly. */
  all(opts?: { refresh?: boolean }): Promise<KeyRecord[]>;
  /** Re-reads the keys now if the last read is older than a few seconds (unknown `k` in a scan). */
  refreshSoon(): Promise<KeyRecord[]>;
  /** What `all()` answers now without reading (the same list), or null when it would read. */
  fresh(): KeyRecord[] | null;
  rotate(actorId: string | null): Promise<{ active: KeyRecord; retired: KeyRecord | null }>;
  revoke(
    kid: string,
    opts: { compromisedAt?: Date | undefined; reason: string },
    actorId: string | null,
  ): Promise<{ revoked: KeyRecord; active: KeyRecord | null }>;
}

declare module 'fastify' {
  interface FastifyInstance {
    keys: KeyStore;
  }
}

/** How long the public keys are cached in memory (another process may rotate or revoke). */
export const KEYS_CACHE_MS = 60_000;
const REFRESH_MIN_INTERVAL_MS = 5_000;

export const keysPlugin = fp(
  async (app: FastifyInstance) => {
    const kek = app.secrets.keyEncryptionKey;
    const db = app.db;
    await ensureActiveKey(db, kek);

    let cached: { at: number; keys: KeyRecord[] } | null = null;
    let signerCache: Signer | null = null;

    const load = async (): Promise<KeyRecord[]> => {
      const keys = await listKeys(db);
      cached = { at: Date.now(), keys };
      return keys;
    };

    const store: KeyStore = {
      async signer() {
        const active = await db
          .selectFrom('signing_keys')
          .selectAll()
          .where('status', '=', 'active')
          .executeTakeFirst();
        if (!active) throw new Error('no active signing key');
        if (signerCache?.kid !== active.kid) signerCache = await decryptSigner(active, kek);
        return signerCache;
      },
      async all(opts = {}) {
        const fresh = opts.refresh ? null : store.fresh();
        if (fresh) return fresh;
        try {
          return await load();
        } catch (err) {
          // The registry is down: keep verifying signatures with what we know.
          if (cached) return cached.keys;
          throw err;
        }
      },
      fresh() {
        return cached && Date.now() - cached.at < KEYS_CACHE_MS ? cached.keys : null;
      },
      async refreshSoon() {
        if (cached && Date.now() - cached.at < REFRESH_MIN_INTERVAL_MS) return cached.keys;
        return store.all({ refresh: true });
      },
      async rotate(actorId) {
        const r = await rotateKeys(db, kek, actorId);
        await load();
        return r;
      },
      async revoke(kid, opts, actorId) {
        const r = await revokeKey(db, kek, kid, opts, actorId);
        await load();
        return r;
      },
    };
    await load();
    app.decorate('keys', store);
  },
  { name: 'keys', dependencies: ['db', 'secrets'] },
);
