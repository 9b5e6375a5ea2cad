import { randomUUID } from 'node:crypto';

/**
 * Building blocks of the route fuzz (reliability.md V09, "no input makes the API answer 500"):
 * a seeded random source, a sample value for a JSON schema (valid-looking, so mutations get past
 * validation and reach the handler and the database), leaf paths of a value, and the hostile
 * strings and wrong-typed values that replace them.
 */

/** mulberry32: small, fast, reproducible (print the seed, rerun with FUZZ_SEED). */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Strings every field and filter must take without a 5xx, stored or compared literally. */
export const INJECTIONS: readonly string[] = [
  "' OR 1=1--",
  '"; drop table users; --',
  "'; DROP TABLE products;--",
  "Robert'); DROP TABLE students;--",
  "1' UNION SELECT password_hash FROM users--",
  '$$; select pg_sleep(5); $$',
  "\\'",
  '%_%',
  '\u0000',
  'a\u0000b',
  'x'.repeat(10_000),
  '😀👍🏽 Nước mắm Sa Huỳnh',
  'e\u0301\u0302\u0323',
  '\u202Egnp.exe',
  '\u200B\u200D\uFEFF',
  '\ud800',
  '<script>alert(1)</script>',
  '"><img src=x onerror=alert(1)>',
  '${7*7}{{7*7}}',
  '../../../../etc/passwd',
  'javascript:alert(1)',
  ' ',
  '',
  'null',
  '-1',
  '1e309',
];

/** Values of the wrong type for any field. */
export const WRONG_TYPES: readonly unknown[] = [
  null,
  true,
  0,
  -1,
  1.5,
  2 ** 53 + 1,
  '10',
  [],
  ['x'],
  {},
  { $ne: null },
];

/** A shared schema by `$ref` (the app's `getSchemas()`). */
export type Resolve = (ref: string) => Record<string, unknown> | undefined;

/** Ids of existing rows by kind, so sample requests name real objects. */
export type IdPool = Map<string, string[]>;

const CANDIDATES = [
  'x',
  'ABC-123',
  'LOT-2026-01',
  '0123456789',
  '0123456789-001',
  '8934567890128',
  '08934567890128',
  '2026-01-15',
  'VN-51-1-1-001-25',
  'qng-2025-ly-son',
  'I.1.a',
  'vi',
  'kg',
  '+84255000111',
  'abcdef0123456789',
];

/** Which id pool a field or path parameter draws from, by its name. */
export function poolFor(key: string, pool: IdPool): string | undefined {
  const k = key.toLowerCase().replace(/ids?$/, '');
  const kinds: Record<string, string> = {
    product: 'products',
    producer: 'producers',
    batch: 'batches',
    certificate: 'certificates',
    supersedes: 'certificates',
    zone: 'zones',
    user: 'users',
    report: 'reports',
    adminunit: 'admin_units',
    originunit: 'admin_units',
    unit: 'admin_units',
    key: 'keys',
    code: 'codes',
  };
  const kind = kinds[k] ?? kinds[k.replace(/s$/, '')];
  const ids = kind ? pool.get(kind) : undefined;
  return ids?.[0];
}

let emailSeq = 0;

/** A value valid for `schema` as far as a simple reading of it goes. */
export function sample(schema: unknown, key: string, resolve: Resolve, pool: IdPool, depth = 0): unknown {
  if (depth > 12 || !schema || typeof schema !== 'object') return 'x';
  const s = schema as Record<string, unknown>;
  if (typeof s.$ref === 'string') {
    const target = resolve(s.$ref);
    return target ? sample(target, key, resolve, pool, depth + 1) : 'x';
  }
  if ('const' in s) return s.const;
  if (Array.isArray(s.enum) && s.enum.length) return s.enum[0];
  if (Array.isArray(s.examples) && s.examples.length) return s.examples[0];
  if (s.default !== undefined) return s.default;
  for (const k of ['anyOf', 'oneOf'] as const) {
    const options = s[k];
    if (Array.isArray(options) && options.length) {
      const nonNull = options.find((o) => (o as { type?: unknown }).type !== 'null') ?? options[0];
      return sample(nonNull, key, resolve, pool, depth + 1);
    }
  }
  if (Array.isArray(s.allOf)) {
    const merged: Record<string, unknown> = {};
    for (const part of s.allOf) {
      const v = sample(part, key, resolve, pool, depth + 1);
      if (v && typeof v === 'object' && !Array.isArray(v)) Object.assign(merged, v);
    }
    return merged;
  }
  const type = Array.isArray(s.type) ? s.type.find((t) => t !== 'null') : s.type;
  switch (type) {
    case 'object': {
      const out: Record<string, unknown> = {};
      const props = (s.properties ?? {}) as Record<string, unknown>;
      for (const [k, v] of Object.entries(props)) out[k] = sample(v, k, resolve, pool, depth + 1);
      return out;
    }
    case 'array': {
      const n = Math.max(Number(s.minItems ?? 1), 1);
      return Array.from({ length: Math.min(n, 3) }, () => sample(s.items, key, resolve, pool, depth + 1));
    }
    case 'integer':
    case 'number': {
      if (typeof s.minimum === 'number') return Math.max(s.minimum, Math.min(1, Number(s.maximum ?? 1)));
      if (typeof s.exclusiveMinimum === 'number') return s.exclusiveMinimum + 1;
      return 1;
    }
    case 'boolean':
      return false;
    case 'null':
      return null;
    case 'string': {
      const format = s.format;
      if (format === 'uuid') return poolFor(key, pool) ?? randomUUID();
      if (format === 'date') return '2026-01-15';
      if (format === 'date-time') return new Date().toISOString();
      if (format === 'email') return `fuzz-${++emailSeq}-${Date.now()}@test.ocop.vn`;
      if (format === 'uri' || format === 'url') return 'https://example.vn/ocop';
      const fromPool = poolFor(key, pool);
      if (fromPool && /id$/i.test(key)) return fromPool;
      const min = Number(s.minLength ?? 1);
      const max = Number(s.maxLength ?? 200);
      if (typeof s.pattern === 'string') {
        let re: RegExp | undefined;
        try {
          re = new RegExp(s.pattern, 'u');
        } catch {
          re = undefined;
        }
        const hit = re ? CANDIDATES.find((c) => re.test(c) && c.length >= min && c.length <= max) : undefined;
        if (hit) return hit;
      }
      let text = `Fuzz ${key}`;
      while (text.length < min) text += ' x';
      return text.slice(0, Math.max(max, 1));
    }
    default:
      return 'x';
  }
}

export type Path = (string | number)[];

/** Every leaf of a JSON value, as paths. */
export function leaves(value: unknown, path: Path = []): Path[] {
  if (Array.isArray(value)) return value.flatMap((v, i) => leaves(v, [...path, i]));
  if (value && typeof value === 'object') {
    return Object.entries(value as Record<string, unknown>).flatMap(([k, v]) => leaves(v, [...path, k]));
  }
  return [path];
}

export function getAt(value: unknown, path: Path): unknown {
  let v = value;
  for (const k of path) {
    if (v === null || typeof v !== 'object') return undefined;
    v = (v as Record<string | number, unknown>)[k];
  }
  return v;
}

/** A copy of `value` with the leaf at `path` replaced. */
export function setAt(value: unknown, path: Path, replacement: unknown): unknown {
  if (path.length === 0) return replacement;
  const copy: unknown = structuredClone(value);
  let v = copy as Record<string | number, unknown>;
  for (const k of path.slice(0, -1)) v = v[k] as Record<string | number, unknown>;
  v[path.at(-1)!] = replacement;
  return copy;
}

/** A random JSON value, up to a few levels deep. */
export function randomJson(r: () => number, depth = 0): unknown {
  const pick = Math.floor(r() * (depth > 2 ? 6 : 8));
  switch (pick) {
    case 0:
      return null;
    case 1:
      return r() < 0.5;
    case 2:
      return Math.floor((r() - 0.5) * 1e6);
    case 3:
      return (r() - 0.5) * 1e300;
    case 4:
      return INJECTIONS[Math.floor(r() * INJECTIONS.length)];
    case 5:
      return String.fromCharCode(
        ...Array.from({ length: Math.floor(r() * 20) }, () => Math.floor(r() * 0xffff)),
      );
    case 6:
      return Array.from({ length: Math.floor(r() * 4) }, () => randomJson(r, depth + 1));
    default: {
      const o: Record<string, unknown> = {};
      for (let i = 0; i < Math.floor(r() * 4); i++) {
        o[['id', 'name', 'role', 'status', 'limit', 'code', 'q', `k${i}`][Math.floor(r() * 8)]!] = randomJson(
          r,
          depth + 1,
        );
      }
      return o;
    }
  }
}
