import { beforeAll, describe, expect, it } from 'vitest';
import {
  batchScanLimit,
  batchUnits,
  CLONE_AREA_THRESHOLD,
  CLONE_DEVICE_THRESHOLD,
  SNAPSHOT_MAX_AGE_DAYS,
  VERDICTS,
  base64urlDecode,
  base64urlEncode,
  canonicalCode,
  codeSigningInput,
  formatCodeUrl,
  snapshotSigningInput,
  utf8,
  verifyCode,
  type CertificateFacts,
  type CodeIdentity,
  type LiveRegistry,
  type PublicKeyInfo,
  type RegistrySnapshot,
  type ScanHistory,
  type Verdict,
  type VerifyInput,
} from './verify.ts';

const subtle = globalThis.crypto.subtle;
const ORIGIN = 'https://ocop.quangngai.gov.vn';
const NOW = new Date('2026-11-29T03:00:00Z'); // 10:00 in Vietnam
const GTIN = '08938123456782';
const OTHER_GTIN = '08938999000016';

interface TestKey {
  kid: string;
  jwk: PublicKeyInfo;
  privateKey: CryptoKey;
}

async function thumbprint(x: string, y: string): Promise<string> {
  const json = `{"crv":"P-256","kty":"EC","x":"${x}","y":"${y}"}`;
  return base64urlEncode(new Uint8Array(await subtle.digest('SHA-256', utf8(json))));
}

async function makeKey(
  status: PublicKeyInfo['status'] = 'active',
  extra: Partial<PublicKeyInfo> = {},
): Promise<TestKey> {
  const pair = await subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, true, ['sign', 'verify']);
  const pub = await subtle.exportKey('jwk', pair.publicKey);
  const kid = await thumbprint(pub.x!, pub.y!);
  return {
    kid,
    privateKey: pair.privateKey,
    jwk: { kty: 'EC', crv: 'P-256', x: pub.x!, y: pub.y!, kid, status, ...extra },
  };
}

async function signInput(key: CryptoKey, input: string): Promise<string> {
  const sig = await subtle.sign({ name: 'ECDSA', hash: 'SHA-256' }, key, utf8(input));
  return base64urlEncode(new Uint8Array(sig));
}

const batchId: CodeIdentity = { gtin: GTIN, productRef: null, lot: 'L2026-11', serial: null };
const unitId: CodeIdentity = { ...batchId, serial: 'aB3dE5fG7hJ9' };
const refUnitId: CodeIdentity = {
  gtin: null,
  productRef: '7K2M9Q4X',
  lot: 'L2026-11',
  serial: 'Zz9Yy8Xx7Ww6',
};

async function issue(key: TestKey, id: CodeIdentity, origin = ORIGIN) {
  const canonical = canonicalCode(origin, id);
  const sig = await signInput(key.privateKey, codeSigningInput(key.kid, canonical));
  return { url: formatCodeUrl(canonical, key.kid, sig), sig, canonical };
}

const CERT: CertificateFacts = {
  status: 'active',
  validFrom: '2025-06-26',
  validTo: '2028-06-26',
  revokedAt: null,
  stars: 4,
};

function live(sig: string, kid: string, over: Partial<LiveRegistry> = {}): LiveRegistry {
  return {
    kind: 'live',
    code: { issuedAt: '2026-10-02T03:00:00.000Z', kid, sig },
    batch: {
      producedOn: '2026-10-01',
      bestBefore: '2027-10-01',
      status: 'active',
      recalledAt: null,
      units: 500,
    },
    batchCertificate: CERT,
    currentCertificate: CERT,
    ...over,
  };
}

const QUIET: ScanHistory = {
  totalScans: 1,
  firstScannedAt: NOW.toISOString(),
  distinctDevices: 1,
  distinctAreas: 1,
};

let k1: TestKey; // active
let k2: TestKey; // retired
let attacker: TestKey;
let unitCode: { url: string; sig: string; canonical: string };
let batchCode: { url: string; sig: string; canonical: string };

beforeAll(async () => {
  k1 = await makeKey('active');
  k2 = await makeKey('retired');
  attacker = await makeKey('active');
  unitCode = await issue(k1, unitId);
  batchCode = await issue(k1, batchId);
});

function input(
  text: string,
  registry: VerifyInput['registry'],
  over: Partial<VerifyInput> = {},
): VerifyInput {
  return { text, keys: [k1.jwk, k2.jwk], registry, history: QUIET, now: NOW, origins: [ORIGIN], ...over };
}

function failing(r: { checks: { id: string; ok: boolean; warning?: boolean }[] }): string[] {
  return r.checks.filter((c) => !c.ok).map((c) => c.id + (c.warning ? '(warning)' : ''));
}

describe('batchUnits: the units a batch code is measured against', () => {
  it('counts issued unit codes first, else the quantity rounded up, at least one', () => {
    expect(batchUnits(40, 10.5)).toBe(40);
    expect(batchUnits(0, 10.5)).toBe(11);
    expect(batchUnits(0, 12)).toBe(12);
    expect(batchUnits(0, 0.25)).toBe(1);
    expect(batchUnits(0, 0)).toBe(1);
    expect(batchUnits(0, Number.NaN)).toBe(1);
    expect(batchScanLimit(batchUnits(0, 10.5))).toBe(33);
  });
});

describe('verifyCode: a verdict for every branch (live registry)', () => {
  const cases: {
    name: string;
    verdict: Verdict;
    failing: string[];
    setup: () => Promise<VerifyInput>;
  }[] = [
    {
      name: 'a unit code, everything in order',
      verdict: 'genuine',
      failing: [],
      setup: async () => input(unitCode.url, live(unitCode.sig, k1.kid)),
    },
    {
      name: 'a batch code, everything in order',
      verdict: 'genuine',
      failing: [],
      setup: async () =>
        input(batchCode.url, live(batchCode.sig, k1.kid), { history: { ...QUIET, totalScans: 500 } }),
    },
    {
      name: 'a product without GTIN (/p/ reference)',
      verdict: 'genuine',
      failing: [],
      setup: async () => {
        const c = await issue(k1, refUnitId);
        return input(c.url, live(c.sig, k1.kid));
      },
    },
    {
      name: 'a code signed by a retired key',
      verdict: 'genuine',
      failing: [],
      setup: async () => {
        const c = await issue(k2, unitId);
        return input(c.url, live(c.sig, k2.kid));
      },
    },
    {
      name: 'a code printed for a former origin that is still accepted',
      verdict: 'genuine',
      failing: [],
      setup: async () => {
        const c = await issue(k1, unitId, 'https://truyxuat.ocop.example.vn');
        return input(c.url, live(c.sig, k1.kid), { origins: [ORIGIN, 'https://truyxuat.ocop.example.vn'] });
      },
    },
    {
      name: 'past its best-before date: still genuine, with a warning',
      verdict: 'genuine',
      failing: ['best_before(warning)'],
      setup: async () =>
        input(
          unitCode.url,
          live(unitCode.sig, k1.kid, {
            batch: {
              producedOn: '2025-07-01',
              bestBefore: '2026-07-01',
              status: 'active',
              recalledAt: null,
              units: 10,
            },
          }),
        ),
    },
    {
      name: 'renewed certificate with more stars: genuine, stars explained',
      verdict: 'genuine',
      failing: [],
      setup: async () =>
        input(
          unitCode.url,
          live(unitCode.sig, k1.kid, {
            batchCertificate: {
              ...CERT,
              status: 'superseded',
              validFrom: '2023-06-01',
              validTo: '2026-12-31',
              stars: 3,
            },
            currentCertificate: { ...CERT, validFrom: '2026-11-01', validTo: '2029-11-01', stars: 4 },
            batch: {
              producedOn: '2026-10-01',
              bestBefore: null,
              status: 'active',
              recalledAt: null,
              units: 10,
            },
          }),
        ),
    },
    {
      name: 'the certificate was revoked',
      verdict: 'revoked_certificate',
      failing: ['certificate'],
      setup: async () =>
        input(
          unitCode.url,
          live(unitCode.sig, k1.kid, {
            batchCertificate: { ...CERT, status: 'revoked', revokedAt: '2026-11-20T02:00:00Z' },
            currentCertificate: { ...CERT, status: 'revoked', revokedAt: '2026-11-20T02:00:00Z' },
          }),
        ),
    },
    {
      name: 'the product’s renewed certificate was revoked after the batch',
      verdict: 'revoked_certificate',
      failing: ['certificate'],
      setup: async () =>
        input(
          unitCode.url,
          live(unitCode.sig, k1.kid, {
            batchCertificate: { ...CERT, status: 'superseded' },
            currentCertificate: {
              ...CERT,
              status: 'revoked',
              validFrom: '2026-11-01',
              revokedAt: '2026-11-25',
            },
          }),
        ),
    },
    {
      name: 'the batch was recalled',
      verdict: 'recalled_batch',
      failing: ['recall'],
      setup: async () =>
        input(
          unitCode.url,
          live(unitCode.sig, k1.kid, {
            batch: {
              producedOn: '2026-10-01',
              bestBefore: null,
              status: 'recalled',
              recalledAt: '2026-11-10T09:30:00Z',
              units: 10,
            },
          }),
        ),
    },
    {
      name: 'revoked certificate and recalled batch: the worse verdict wins',
      verdict: 'revoked_certificate',
      failing: ['certificate', 'recall'],
      setup: async () =>
        input(
          unitCode.url,
          live(unitCode.sig, k1.kid, {
            currentCertificate: { ...CERT, status: 'revoked', revokedAt: '2026-11-20' },
            batch: {
              producedOn: '2026-10-01',
              bestBefore: null,
              status: 'recalled',
              recalledAt: '2026-11-10',
              units: 1,
            },
          }),
        ),
    },
    {
      name: 'the certificate expired; the batch was made while it was valid',
      verdict: 'expired_certificate',
      failing: ['certificate'],
      setup: async () => {
        const expired = { ...CERT, validFrom: '2023-06-01', validTo: '2026-06-01' };
        return input(
          unitCode.url,
          live(unitCode.sig, k1.kid, {
            batchCertificate: expired,
            currentCertificate: expired,
            batch: {
              producedOn: '2026-03-01',
              bestBefore: null,
              status: 'active',
              recalledAt: null,
              units: 10,
            },
          }),
        );
      },
    },
    {
      name: 'the certificate expired; the batch was made after it expired',
      verdict: 'expired_certificate',
      failing: ['certificate', 'batch_made_while_valid'],
      setup: async () => {
        const expired = { ...CERT, validFrom: '2023-06-01', validTo: '2026-06-01' };
        return input(
          unitCode.url,
          live(unitCode.sig, k1.kid, {
            batchCertificate: expired,
            currentCertificate: expired,
            batch: {
              producedOn: '2026-07-01',
              bestBefore: null,
              status: 'active',
              recalledAt: null,
              units: 10,
            },
          }),
        );
      },
    },
    {
      name: `a unit code seen on ${CLONE_DEVICE_THRESHOLD} devices`,
      verdict: 'suspected_copy',
      failing: ['copy_devices'],
      setup: async () =>
        input(unitCode.url, live(unitCode.sig, k1.kid), {
          history: { ...QUIET, totalScans: 9, distinctDevices: CLONE_DEVICE_THRESHOLD },
        }),
    },
    {
      name: `a unit code seen in ${CLONE_AREA_THRESHOLD} areas`,
      verdict: 'suspected_copy',
      failing: ['copy_areas'],
      setup: async () =>
        input(unitCode.url, live(unitCode.sig, k1.kid), {
          history: { ...QUIET, totalScans: 3, distinctDevices: 2, distinctAreas: CLONE_AREA_THRESHOLD },
        }),
    },
    {
      name: 'a unit code just under both thresholds',
      verdict: 'genuine',
      failing: [],
      setup: async () =>
        input(unitCode.url, live(unitCode.sig, k1.kid), {
          history: {
            ...QUIET,
            totalScans: 40,
            distinctDevices: CLONE_DEVICE_THRESHOLD - 1,
            distinctAreas: CLONE_AREA_THRESHOLD - 1,
          },
        }),
    },
    {
      name: 'a batch code scanned more often than the batch has units',
      verdict: 'suspected_copy',
      failing: ['copy_batch_scans'],
      setup: async () =>
        input(batchCode.url, live(batchCode.sig, k1.kid), {
          history: { ...QUIET, totalScans: batchScanLimit(500) + 1, distinctDevices: 300 },
        }),
    },
    {
      name: 'a copied label of a recalled batch: recall is worse than copy',
      verdict: 'recalled_batch',
      failing: ['recall', 'copy_devices'],
      setup: async () =>
        input(
          unitCode.url,
          live(unitCode.sig, k1.kid, {
            batch: {
              producedOn: '2026-10-01',
              bestBefore: null,
              status: 'recalled',
              recalledAt: null,
              units: 1,
            },
          }),
          { history: { ...QUIET, distinctDevices: 8 } },
        ),
    },
    {
      name: 'the registry is unreachable',
      verdict: 'status_unknown',
      failing: ['registry'],
      setup: async () => input(unitCode.url, { kind: 'unavailable' }, { history: null }),
    },
    {
      name: 'the registry lacks the batch',
      verdict: 'status_unknown',
      failing: ['registry'],
      setup: async () => input(unitCode.url, live(unitCode.sig, k1.kid, { batch: null })),
    },
    {
      name: 'a copy signal while the registry is unreachable: copy is worse than unknown status',
      verdict: 'suspected_copy',
      failing: ['registry', 'copy_devices'],
      setup: async () =>
        input(unitCode.url, { kind: 'unavailable' }, { history: { ...QUIET, distinctDevices: 6 } }),
    },
    {
      name: 'malformed registry dates never make it throw',
      verdict: 'status_unknown',
      failing: ['internal'],
      setup: async () =>
        input(unitCode.url, live(unitCode.sig, k1.kid, { currentCertificate: { ...CERT, validTo: 'soon' } })),
    },
    {
      name: 'a validly signed code that was never issued (key misuse)',
      verdict: 'forged',
      failing: ['issued'],
      setup: async () => input(unitCode.url, live(unitCode.sig, k1.kid, { code: null })),
    },
    {
      name: 'a valid second signature for an issued code (ECDSA malleability, s → n − s)',
      verdict: 'forged',
      failing: ['issued'],
      setup: async () => {
        const mall = malleate(unitCode.sig);
        return input(unitCode.url.replace(unitCode.sig, mall), live(unitCode.sig, k1.kid));
      },
    },
  ];

  it.each(cases)('$name → $verdict', async ({ setup, verdict, failing: expected }) => {
    const r = await verifyCode(await setup());
    expect(failing(r)).toEqual(expected);
    expect(r.verdict).toBe(verdict);
    for (const c of r.checks) {
      expect(c.label_vi.length).toBeGreaterThan(0);
      expect(c.label_en.length).toBeGreaterThan(0);
      if (!c.ok) expect(c.detail_vi && c.detail_en).toBeTruthy();
    }
  });

  it('says in the checks whether an expired certificate covered the batch', async () => {
    const expired = { ...CERT, validFrom: '2023-06-01', validTo: '2026-06-01' };
    const r = await verifyCode(
      input(
        unitCode.url,
        live(unitCode.sig, k1.kid, {
          batchCertificate: expired,
          currentCertificate: expired,
          batch: { producedOn: '2026-03-01', bestBefore: null, status: 'active', recalledAt: null, units: 1 },
        }),
      ),
    );
    const made = r.checks.find((c) => c.id === 'batch_made_while_valid');
    expect(made).toMatchObject({ ok: true });
    expect(made?.detail_en).toContain('2026-03-01');
  });

  it('puts the copy evidence in the checks', async () => {
    const r = await verifyCode(
      input(unitCode.url, live(unitCode.sig, k1.kid), { history: { ...QUIET, distinctDevices: 7 } }),
    );
    expect(r.checks.find((c) => c.id === 'copy_devices')).toMatchObject({
      ok: false,
      verdict: 'suspected_copy',
      evidence: { devices: 7, threshold: CLONE_DEVICE_THRESHOLD },
    });
  });

  it('shares the checks that depend on nothing but their inputs (frozen), and only those', async () => {
    const run = (devices: number, batchCertificate = CERT) =>
      verifyCode(
        input(
          unitCode.url,
          live(unitCode.sig, k1.kid, { batchCertificate, currentCertificate: batchCertificate }),
          {
            history: { ...QUIET, distinctDevices: devices },
          },
        ),
      );
    const [a, b, c] = [await run(1), await run(1), await run(7)];
    const other = await run(1, { ...CERT, validTo: '2030-01-01' });
    const byId = (r: typeof a) => new Map(r.checks.map((k) => [k.id, k]));
    const [ma, mb, mc, mo] = [byId(a), byId(b), byId(c), byId(other)];
    for (const [id, check] of ma) {
      // The same inputs: the same object, frozen with its evidence, or a fresh one each time.
      if (check === mb.get(id)) {
        expect([
          id,
          Object.isFrozen(check),
          check.evidence === undefined || Object.isFrozen(check.evidence),
        ]).toEqual([id, true, true]);
      } else {
        expect(mb.get(id)).toEqual(check);
      }
    }
    expect(ma.get('copy_devices')).toBe(mb.get('copy_devices'));
    expect(mc.get('copy_devices')).toMatchObject({ ok: false, evidence: { devices: 7 } });
    expect(ma.get('copy_devices')).toMatchObject({ ok: true, evidence: { devices: 1 } });
    expect(ma.get('certificate')).toBe(mb.get('certificate'));
    expect(mo.get('certificate')?.detail_en).toContain('2030-01-01');
    expect(ma.get('certificate')?.detail_en).not.toContain('2030-01-01');
    expect(mo.get('batch_made_while_valid')?.detail_en).toContain('2030-01-01');
    // Reading them out of an answer never changes them.
    expect(() => {
      (ma.get('certificate') as { ok: boolean }).ok = false;
    }).toThrow(TypeError);
  });

  it('returns the parsed code and the key', async () => {
    const r = await verifyCode(input(unitCode.url, live(unitCode.sig, k1.kid)));
    expect(r.code).toMatchObject({ kind: 'unit', gtin: GTIN, lot: 'L2026-11', serial: 'aB3dE5fG7hJ9' });
    expect(r.key).toEqual({ kid: k1.kid, status: 'active' });
  });
});

/** ECDSA signatures are malleable: (r, s) and (r, n − s) both verify. */
function malleate(sig: string): string {
  const bytes = base64urlDecode(sig)!;
  const n = BigInt('0xffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551');
  const s = BigInt('0x' + Buffer.from(bytes.slice(32)).toString('hex'));
  const s2 = (n - s).toString(16).padStart(64, '0');
  const out = new Uint8Array(64);
  out.set(bytes.slice(0, 32));
  out.set(Buffer.from(s2, 'hex'), 32);
  return base64urlEncode(out);
}

describe('verifyCode: forged and unknown codes, and the token attacks of reliability.md', () => {
  const mutate = (f: (url: string) => string | Promise<string>) => f;
  const attacks: { name: string; verdict: Verdict; text: (u: string) => string | Promise<string> }[] = [
    {
      name: 'altered GTIN (another valid GTIN)',
      verdict: 'forged',
      text: mutate((u) => u.replace(GTIN, OTHER_GTIN)),
    },
    { name: 'altered lot', verdict: 'forged', text: (u) => u.replace('L2026-11', 'L2026-12') },
    { name: 'altered serial', verdict: 'forged', text: (u) => u.replace('aB3dE5fG7hJ9', 'aB3dE5fG7hJ8') },
    {
      name: 'serial removed (unit code shown as batch code)',
      verdict: 'forged',
      text: (u) => u.replace('/21/aB3dE5fG7hJ9', ''),
    },
    {
      name: 'altered origin (another accepted origin)',
      verdict: 'forged',
      text: (u) => u.replace(ORIGIN, 'https://truyxuat.ocop.example.vn'),
    },
    { name: 'truncated signature', verdict: 'forged', text: (u) => u.slice(0, -2) },
    { name: 'padded signature', verdict: 'forged', text: (u) => `${u}=` },
    { name: 'one signature character flipped', verdict: 'forged', text: (u) => flipLastSigChar(u) },
    {
      name: 'non-canonical base64 (same bytes, other trailing bits)',
      verdict: 'forged',
      text: (u) => nonCanonical(u),
    },
    { name: 'empty signature (alg none)', verdict: 'forged', text: (u) => u.replace(/s=[^&]*/, 's=') },
    { name: 'no signature at all', verdict: 'forged', text: (u) => u.replace(/&s=[^&]*/, '') },
    {
      name: 'all-zero signature (r = s = 0, "psychic signature")',
      verdict: 'forged',
      text: (u) => withSig(u, new Uint8Array(64)),
    },
    {
      name: 'all-0xFF signature (r, s ≥ n)',
      verdict: 'forged',
      text: (u) => withSig(u, new Uint8Array(64).fill(255)),
    },
    { name: 'DER-encoded signature instead of R‖S', verdict: 'forged', text: (u) => withDer(u) },
    { name: '63-byte signature', verdict: 'forged', text: (u) => withSig(u, new Uint8Array(63).fill(7)) },
    { name: '65-byte signature', verdict: 'forged', text: (u) => withSig(u, new Uint8Array(65).fill(7)) },
    {
      name: 'HS256 keyed with our public key (JWK x) over our exact signing input',
      verdict: 'forged',
      text: async (u) => withSig(u, await hmac(utf8(k1.jwk.x), codeSigningInput(k1.kid, unitCode.canonical))),
    },
    {
      name: 'HS256 keyed with our public JWK JSON, under an HS256 header',
      verdict: 'forged',
      text: async (u) => {
        const header = base64urlEncode(utf8(`{"alg":"HS256","kid":"${k1.kid}","typ":"ocop-code+jws"}`));
        const input = `${header}.${base64urlEncode(utf8(unitCode.canonical))}`;
        return withSig(u, await hmac(utf8(JSON.stringify(k1.jwk)), input));
      },
    },
    {
      name: 'a foreign key signing under our kid',
      verdict: 'forged',
      text: async () => {
        const sig = await signInput(attacker.privateKey, codeSigningInput(k1.kid, unitCode.canonical));
        return formatCodeUrl(unitCode.canonical, k1.kid, sig);
      },
    },
    {
      name: 'a foreign key signing under its own kid',
      verdict: 'forged',
      text: async () => (await issue(attacker, unitId)).url,
    },
    {
      name: 'jku, x5u and jwk "headers" as query parameters, signed by the attacker',
      verdict: 'forged',
      text: async () => {
        const c = await issue(attacker, unitId);
        const jwk = encodeURIComponent(JSON.stringify(attacker.jwk));
        return `${c.url}&jku=http://127.0.0.1:9/jwks.json&x5u=http://127.0.0.1:9/c.pem&jwk=${jwk}&alg=none&crit=b64`;
      },
    },
    {
      name: 'kid injection: path traversal',
      verdict: 'forged',
      text: (u) => u.replace(/k=[^&]*/, 'k=../../dev/null'),
    },
    {
      name: 'kid injection: SQL',
      verdict: 'forged',
      text: (u) => u.replace(/k=[^&]*/, "k=' UNION SELECT 'k'--"),
    },
    {
      name: 'kid injection: 8 characters that are nobody’s prefix',
      verdict: 'forged',
      text: (u) => u.replace(/k=[^&]*/, 'k=--------'),
    },
    {
      name: 'kid injection: NUL and a long string',
      verdict: 'forged',
      text: (u) => u.replace(/k=[^&]*/, 'k=\u0000' + 'a'.repeat(500)),
    },
    {
      name: 'kid injection: 10 kB (too long to be a code)',
      verdict: 'unknown',
      text: (u) => u.replace(/k=[^&]*/, 'k=' + 'a'.repeat(10_000)),
    },
    {
      name: 'a compact JWS instead of a URL',
      verdict: 'unknown',
      text: () => 'eyJhbGciOiJub25lIn0.eyJzdWIiOiIxIn0.',
    },
    {
      name: 'another system’s QR',
      verdict: 'unknown',
      text: () => 'https://id.gs1.org/01/08938123456782/10/L2026-11',
    },
    {
      name: 'a look-alike origin',
      verdict: 'unknown',
      text: (u) => u.replace(ORIGIN, 'https://ocop-quangngai.gov.vn'),
    },
    { name: 'a Wi-Fi QR', verdict: 'unknown', text: () => 'WIFI:T:WPA;S:ocop;P:secret;;' },
  ];

  it.each(attacks)('$name → $verdict', async ({ text, verdict }) => {
    const t = await text(unitCode.url);
    const origins = [ORIGIN, 'https://truyxuat.ocop.example.vn'];
    const r = await verifyCode(input(t, live(unitCode.sig, k1.kid), { origins }));
    expect(r.verdict).toBe(verdict);
    // The same answer with the registry down: the signature alone decides.
    expect((await verifyCode(input(t, { kind: 'unavailable' }, { origins }))).verdict).toBe(verdict);
  });

  it('a key revoked with a compromise time: codes issued before it verify, later ones are forged', async () => {
    const revoked = await makeKey('revoked', { compromisedAt: '2026-10-15T00:00:00Z' });
    const c = await issue(revoked, unitId);
    const before = await verifyCode(
      input(
        c.url,
        live(c.sig, revoked.kid, {
          code: { issuedAt: '2026-10-02T03:00:00Z', kid: revoked.kid, sig: c.sig },
        }),
        {
          keys: [k1.jwk, revoked.jwk],
        },
      ),
    );
    expect(before.verdict).toBe('genuine');
    expect(before.key).toEqual({ kid: revoked.kid, status: 'revoked' });
    const after = await verifyCode(
      input(
        c.url,
        live(c.sig, revoked.kid, {
          code: { issuedAt: '2026-10-16T03:00:00Z', kid: revoked.kid, sig: c.sig },
        }),
        {
          keys: [k1.jwk, revoked.jwk],
        },
      ),
    );
    expect(after.verdict).toBe('forged');
    expect(failing(after)).toEqual(['key_status']);
    // Without the registry nobody can tell when it was signed.
    const down = await verifyCode(input(c.url, { kind: 'unavailable' }, { keys: [k1.jwk, revoked.jwk] }));
    expect(down.verdict).toBe('forged');
  });

  it('a key revoked without a compromise time verifies nothing', async () => {
    const revoked = await makeKey('revoked');
    const c = await issue(revoked, unitId);
    const r = await verifyCode(input(c.url, live(c.sig, revoked.kid), { keys: [revoked.jwk] }));
    expect(r.verdict).toBe('forged');
  });

  it('a key that shares the 8-character prefix is tried, and only the right one verifies', async () => {
    const twin: PublicKeyInfo = { ...attacker.jwk, kid: k1.kid.slice(0, 8) + attacker.kid.slice(8) };
    const r = await verifyCode(input(unitCode.url, live(unitCode.sig, k1.kid), { keys: [twin, k1.jwk] }));
    expect(r.verdict).toBe('genuine');
    expect(r.key?.kid).toBe(k1.kid);
  });

  it('broken key entries are ignored rather than trusted', async () => {
    const broken = [
      { ...k1.jwk, x: 'AAAA' },
      { ...k1.jwk, kid: k1.kid.slice(0, 8) },
      { ...k1.jwk, kid: `${k1.kid.slice(0, 8)}","alg":"none` },
      null,
      42,
      { kid: 5 },
    ] as unknown as PublicKeyInfo[];
    const r = await verifyCode(input(unitCode.url, live(unitCode.sig, k1.kid), { keys: broken }));
    expect(r.verdict).toBe('forged');
  });
});

function flipLastSigChar(u: string): string {
  const m = /s=([^&]*)/.exec(u)!;
  const sig = m[1]!;
  const c = sig[40] === 'A' ? 'B' : 'A';
  return u.replace(sig, sig.slice(0, 40) + c + sig.slice(41));
}

function nonCanonical(u: string): string {
  const sig = /s=([^&]*)/.exec(u)![1]!;
  // The last character carries 2 data bits and 4 unused ones: set an unused bit.
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
  const last = alphabet.indexOf(sig.at(-1)!);
  return u.replace(sig, sig.slice(0, -1) + alphabet[last | 1]);
}

function withSig(u: string, bytes: Uint8Array): string {
  return u.replace(/s=[^&]*/, `s=${base64urlEncode(bytes)}`);
}

function withDer(u: string): string {
  const raw = base64urlDecode(/s=([^&]*)/.exec(u)![1]!)!;
  const int = (b: Uint8Array) => {
    let i = 0;
    while (i < b.length - 1 && b[i] === 0) i++;
    const v = b.slice(i);
    return v[0]! >= 0x80 ? [0x02, v.length + 1, 0, ...v] : [0x02, v.length, ...v];
  };
  const body = [...int(raw.slice(0, 32)), ...int(raw.slice(32))];
  return withSig(u, new Uint8Array([0x30, body.length, ...body]));
}

async function hmac(secret: Uint8Array<ArrayBuffer>, data: string): Promise<Uint8Array> {
  const key = await subtle.importKey('raw', secret, { name: 'HMAC', hash: 'SHA-256' }, false, ['sign']);
  return new Uint8Array(await subtle.sign('HMAC', key, utf8(data)));
}

describe('verifyCode offline, with a signed registry snapshot', () => {
  async function snapshot(
    signer: TestKey,
    over: Partial<RegistrySnapshot> = {},
    header?: string,
  ): Promise<string> {
    const payload: RegistrySnapshot = {
      v: 1,
      iss: ORIGIN,
      iat: Math.floor(NOW.getTime() / 1000) - 3600,
      origins: [ORIGIN],
      keys: [{ ...k1.jwk }, { ...k2.jwk }],
      certificates: [
        {
          ref: 'ABCDEFGH',
          gtin: GTIN,
          name: 'Nước mắm Sa Huỳnh',
          stars: 4,
          level: 'province',
          decisionNo: '1898/QĐ-UBND',
          status: 'active',
          validFrom: '2025-06-26',
          validTo: '2028-06-26',
          revokedAt: null,
        },
      ],
      recalls: [],
      ...over,
    };
    const signingInput =
      header === undefined
        ? snapshotSigningInput(signer.kid, payload)
        : `${base64urlEncode(utf8(header))}.${base64urlEncode(utf8(JSON.stringify(payload)))}`;
    return `${signingInput}.${await signInput(signer.privateKey, signingInput)}`;
  }
  const offline = async (jws: string, over: Partial<VerifyInput> = {}) =>
    verifyCode(input(unitCode.url, { kind: 'snapshot', jws }, { history: null, ...over }));
  const day = 86_400;

  it('a fresh snapshot: genuine, with its age', async () => {
    const r = await offline(await snapshot(k1));
    expect(failing(r)).toEqual([]);
    expect(r.verdict).toBe('genuine');
    expect(r.snapshot).toMatchObject({ ageSeconds: 3600, stale: false });
  });

  it.each<[string, Partial<RegistrySnapshot>, Verdict, string[]]>([
    [
      'revoked certificate',
      {
        certificates: [
          {
            ref: 'ABCDEFGH',
            gtin: GTIN,
            name: 'x',
            stars: 4,
            level: 'province',
            decisionNo: '1',
            status: 'revoked',
            validFrom: '2025-06-26',
            validTo: '2028-06-26',
            revokedAt: '2026-11-01T00:00:00Z',
          },
        ],
      },
      'revoked_certificate',
      ['certificate'],
    ],
    [
      'expired certificate',
      {
        certificates: [
          {
            ref: 'ABCDEFGH',
            gtin: GTIN,
            name: 'x',
            stars: 3,
            level: 'district',
            decisionNo: '1',
            status: 'active',
            validFrom: '2023-06-01',
            validTo: '2026-06-01',
            revokedAt: null,
          },
        ],
      },
      'expired_certificate',
      ['certificate'],
    ],
    [
      'recalled batch',
      { recalls: [{ path: `/01/${GTIN}/10/L2026-11`, recalledAt: '2026-11-10' }] },
      'recalled_batch',
      ['recall'],
    ],
    ['product missing from the snapshot', { certificates: [] }, 'status_unknown', ['certificate']],
    [
      'older than 7 days',
      { iat: Math.floor(NOW.getTime() / 1000) - SNAPSHOT_MAX_AGE_DAYS * day - 60 },
      'status_unknown',
      ['snapshot'],
    ],
    ['dated in the future', { iat: Math.floor(NOW.getTime() / 1000) + day }, 'status_unknown', ['snapshot']],
  ])('%s → %s', async (_name, over, verdict, expected) => {
    const r = await offline(await snapshot(k1, over));
    expect(failing(r)).toEqual(expected);
    expect(r.verdict).toBe(verdict);
  });

  it('exactly 7 days old is still fresh', async () => {
    const r = await offline(
      await snapshot(k1, { iat: Math.floor(NOW.getTime() / 1000) - SNAPSHOT_MAX_AGE_DAYS * day }),
    );
    expect(r.verdict).toBe('genuine');
  });

  it.each<[string, () => Promise<string>]>([
    ['signed by an unknown key', () => snapshot(attacker)],
    ['signed by an unknown key that lists itself', () => snapshot(attacker, { keys: [attacker.jwk] })],
    [
      'alg none',
      async () =>
        (await snapshot(k1, {}, `{"alg":"none","kid":"${k1.kid}","typ":"ocop-snapshot+jwt"}`)).replace(
          /\.[^.]*$/,
          '.',
        ),
    ],
    [
      'a jku header',
      () =>
        snapshot(
          k1,
          {},
          `{"alg":"ES256","kid":"${k1.kid}","typ":"ocop-snapshot+jwt","jku":"http://127.0.0.1:9/"}`,
        ),
    ],
    [
      'an embedded jwk header',
      () =>
        snapshot(
          attacker,
          {},
          `{"alg":"ES256","jwk":${JSON.stringify(attacker.jwk)},"typ":"ocop-snapshot+jwt"}`,
        ),
    ],
    ['another typ', () => snapshot(k1, {}, `{"alg":"ES256","kid":"${k1.kid}","typ":"ocop-code+jws"}`)],
    [
      'a tampered payload',
      async () => {
        const [h, , s] = (await snapshot(k1)).split('.');
        return `${h}.${base64urlEncode(utf8('{"v":1}'))}.${s}`;
      },
    ],
    ['garbage', async () => 'not.a.snapshot'],
  ])('a snapshot %s is refused → status_unknown', async (_name, make) => {
    const r = await offline(await make());
    expect(r.verdict).toBe('status_unknown');
    expect(failing(r)).toEqual(['snapshot']);
  });

  it('a snapshot signed by a revoked key is refused', async () => {
    const revoked = await makeKey('revoked', { compromisedAt: '2026-01-01T00:00:00Z' });
    const r = await offline(await snapshot(revoked), { keys: [k1.jwk, revoked.jwk] });
    expect(r.verdict).toBe('status_unknown');
  });

  it('a snapshot brings keys rotated in since the JWKS was cached, and their revocations', async () => {
    const k3 = await makeKey('active');
    const c = await issue(k3, unitId);
    const jws = await snapshot(k1, { keys: [k1.jwk, k3.jwk] });
    const r = await verifyCode(input(c.url, { kind: 'snapshot', jws }, { history: null }));
    expect(r.verdict).toBe('genuine');
    const revokedInSnapshot = await snapshot(k1, {
      keys: [{ ...k1.jwk }, { ...k2.jwk, status: 'revoked', compromisedAt: '2026-01-01T00:00:00Z' }],
    });
    const byK2 = await issue(k2, unitId);
    const r2 = await verifyCode(
      input(byK2.url, { kind: 'snapshot', jws: revokedInSnapshot }, { history: null }),
    );
    expect(r2.verdict).toBe('forged');
  });

  it('a compromised key: offline, only batches the snapshot lists as issued before the compromise verify', async () => {
    const revoked = await makeKey('revoked', { compromisedAt: '2026-10-15T00:00:00Z' });
    const c = await issue(revoked, unitId);
    const listed = await snapshot(k1, {
      keys: [k1.jwk, { ...revoked.jwk, issuedBefore: [`/01/${GTIN}/10/L2026-11`] }],
    });
    const ok = await verifyCode(
      input(c.url, { kind: 'snapshot', jws: listed }, { history: null, keys: [k1.jwk, revoked.jwk] }),
    );
    expect(ok.verdict).toBe('genuine');
    const notListed = await snapshot(k1, { keys: [k1.jwk, { ...revoked.jwk, issuedBefore: [] }] });
    const bad = await verifyCode(
      input(c.url, { kind: 'snapshot', jws: notListed }, { history: null, keys: [k1.jwk, revoked.jwk] }),
    );
    expect(bad.verdict).toBe('forged');
  });
});

describe('verifyCode never throws', () => {
  it('on random strings, random bytes and hostile inputs', async () => {
    const rnd = (n: number) => String.fromCharCode(...globalThis.crypto.getRandomValues(new Uint16Array(n)));
    const texts: unknown[] = [
      undefined,
      null,
      0,
      {},
      [],
      Symbol('x'),
      '\u0000',
      '%',
      `${ORIGIN}/01/`,
      `${ORIGIN}/p//10//21/`,
    ];
    for (let i = 0; i < 300; i++) texts.push(rnd(i % 90));
    for (const t of texts) {
      const r = await verifyCode({ ...input('', live(unitCode.sig, k1.kid)), text: t });
      expect(['unknown', 'forged']).toContain(r.verdict);
    }
  });

  it('on hostile registry, history, keys and clock', async () => {
    const hostile: Partial<VerifyInput>[] = [
      { registry: null as never },
      { registry: { kind: 'snapshot', jws: 5 as never } },
      { registry: { kind: 'live' } as never },
      { keys: null as never },
      { origins: null as never },
      { now: 'yesterday' },
    ];
    for (const h of hostile) {
      const r = await verifyCode({ ...input(unitCode.url, live(unitCode.sig, k1.kid)), ...h });
      expect(VERDICTS).toContain(r.verdict);
      expect(r.verdict).not.toBe('genuine');
    }
    // Nonsense history is no evidence of copying.
    const r = await verifyCode({
      ...input(unitCode.url, live(unitCode.sig, k1.kid)),
      history: { totalScans: 'many', distinctDevices: {} } as never,
    });
    expect(r.verdict).toBe('genuine');
  });

  it('on 2,000 random mutations of a valid code: never throws, never genuine', async () => {
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_./?&=%:';
    const base = unitCode.url;
    const rand = (n: number) => Math.floor(Math.random() * n);
    const counts = new Map<Verdict, number>();
    for (let i = 0; i < 2000; i++) {
      const chars = [...base];
      const edits = 1 + rand(3);
      for (let e = 0; e < edits; e++) {
        const pos = rand(chars.length);
        const op = rand(3);
        const c = alphabet[rand(alphabet.length)]!;
        if (op === 0) chars[pos] = c;
        else if (op === 1) chars.splice(pos, 1);
        else chars.splice(pos, 0, c);
      }
      const text = chars.join('');
      const r = await verifyCode(input(text, live(unitCode.sig, k1.kid)));
      counts.set(r.verdict, (counts.get(r.verdict) ?? 0) + 1);
      if (r.verdict === 'genuine') {
        // Only an edit outside the signed part (a query parameter we pass through) may keep it genuine.
        const parsed = r.code!;
        expect(parsed.canonical).toBe(unitCode.canonical);
        expect(parsed.sig).toBe(unitCode.sig);
      }
    }
    expect(counts.get('forged')).toBeGreaterThan(1000);
  });
});

describe('verifyCode with registry and history readers (the API path)', () => {
  it('reads the registry only once the signature verifies', async () => {
    let calls = 0;
    const reader = async () => {
      calls += 1;
      return live(unitCode.sig, k1.kid);
    };
    const forged = await verifyCode(input(unitCode.url.replace('L2026-11', 'L2026-12'), reader));
    expect(forged.verdict).toBe('forged');
    expect(calls).toBe(0);
    const genuine = await verifyCode(input(unitCode.url, reader, { history: async () => QUIET }));
    expect(genuine.verdict).toBe('genuine');
    expect(calls).toBe(1);
  });

  it('a registry reader that throws means the registry is unreachable: status_unknown', async () => {
    const r = await verifyCode(
      input(unitCode.url, async () => {
        throw new Error('connect ECONNREFUSED');
      }),
    );
    expect(r.verdict).toBe('status_unknown');
    expect(failing(r)).toEqual(['registry']);
  });

  it('a history reader that throws only drops the copy checks', async () => {
    const r = await verifyCode(
      input(unitCode.url, live(unitCode.sig, k1.kid), {
        history: async () => {
          throw new Error('timeout');
        },
      }),
    );
    expect(r.verdict).toBe('genuine');
    expect(r.checks.some((c) => c.id.startsWith('copy_'))).toBe(false);
  });
});
