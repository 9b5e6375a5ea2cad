import { Type, type SchemaOptions, type Static, type TSchema } from '@sinclair/typebox';
import { sql, type Expression, type RawBuilder } from 'kysely';
import { foldVietnamese, type RuleViolation } from '@ocop/domain';
import { AppError } from '../errors.ts';
import { DEFAULT_PAGE_SIZE, Uuid } from './common-schemas.ts';

/**
 * Small pieces shared by the registry route modules (producers, products, certificates, zones,
 * batches, users, audit, admin units): schemas, problem responses with descriptions, and the
 * mapping of rule violations and unique violations to problems.
 */

/** OpenAPI security requirement of every private route (the bearerAuth scheme of plugins/openapi.ts). */
export const bearer = [{ bearerAuth: [] }];

export const Nullable = <T extends TSchema>(t: T, options?: SchemaOptions) =>
  Type.Union([t, Type.Null()], options);

export const DateTime = Type.String({ format: 'date-time', examples: ['2026-03-15T08:30:00.000Z'] });

export const IdParams = Type.Object({ id: Uuid }, { additionalProperties: false });
export type IdParams = Static<typeof IdParams>;

/** The `Idempotency-Key` request header (plugins/idempotency.ts), documented on create routes. */
export const IdempotencyHeaders = Type.Object({
  'idempotency-key': Type.Optional(
    Type.String({
      minLength: 1,
      maxLength: 255,
      description:
        'Optional. Retrying with the same key and body replays the first response; the same key with another body is refused (422); ' +
        'while the first request with the key still runs, 409 `idempotency_in_progress` with Retry-After (seconds). A failed request frees its key.',
    }),
  ),
});

const DESCRIPTIONS: Record<number, string> = {
  400: 'The input is invalid: unknown or missing fields, wrong types, unknown query parameters.',
  401: 'Not signed in: send a valid bearer token.',
  403: 'Your role may not do this.',
  404: 'Not found, or outside what you may see.',
  409: 'Conflicts with existing data.',
  413: 'The body is too large.',
  415: 'The body is not application/json.',
  422: 'Breaks a rule of the registry or of OCOP (the problem names it).',
};

/** Problem responses (RFC 9457) for the given statuses, each with a description, to spread into `response`. */
export function errors(...statuses: number[]) {
  return Object.fromEntries(
    statuses.map((s) => [s, Type.Ref('Problem', { description: DESCRIPTIONS[s] ?? 'A problem.' })]),
  );
}

/** A page of results: capped page size (common-schemas PageQuery) and the total before paging. */
export function Page<T extends TSchema>(item: T, id: string) {
  return Type.Object(
    {
      items: Type.Array(item),
      total: Type.Integer({ minimum: 0 }),
      limit: Type.Integer(),
      offset: Type.Integer(),
    },
    { $id: id, description: 'A page of results' },
  );
}

/** A broken OCOP rule from @ocop/domain as a 422 problem that names the rule. */
export function ruleError(v: RuleViolation | { rule: string; message: string; messageEn: string }): AppError {
  return new AppError('rule_violation', v.messageEn, { rule: v.rule, detailVi: v.message });
}

/** A registry rule checked at the API edge (not a domain rule), as a 422 problem naming it. */
export function registryRule(rule: string, messageEn: string, messageVi?: string): AppError {
  return new AppError('rule_violation', messageEn, { rule, ...(messageVi ? { detailVi: messageVi } : {}) });
}

/** True for a PostgreSQL unique violation (23505), optionally of a given constraint or index. */
export function isUniqueViolation(err: unknown, constraint?: string): boolean {
  if (!err || typeof err !== 'object') return false;
  const e = err as { code?: unknown; constraint?: unknown; message?: unknown };
  if (e.code !== '23505') return false;
  if (constraint === undefined) return true;
  return (
    e.constraint === constraint || (typeof e.message === 'string' && e.message.includes(`"${constraint}"`))
  );
}

/** Timestamps as ISO strings, whatever the driver returned. */
export function iso(d: Date | string): string {
  return d instanceof Date ? d.toISOString() : new Date(d).toISOString();
}

export function isoOrNull(d: Date | string | null): string | null {
  return d === null ? null : iso(d);
}

/** `numeric` columns arrive as strings from both drivers. */
export function num(x: string | number): number {
  return typeof x === 'number' ? x : Number(x);
}

export function numOrNull(x: string | number | null): number | null {
  return x === null ? null : num(x);
}

/** Escape `%`, `_` and `\` for a LIKE pattern (with the default escape character). */
export function likeEscape(s: string): string {
  return s.replace(/[\\%_]/g, (c) => `\\${c}`);
}

/** A string enum from a domain constant list, emitted as `{ type: 'string', enum: [...] }`. */
export function StringEnum<const T extends readonly string[]>(
  values: T,
  options: { description?: string } = {},
) {
  return Type.Unsafe<T[number]>({ type: 'string', enum: [...values], ...options });
}

/** Every Vietnamese letter with a diacritic, lower and upper case, and đ/Đ. */
const VIETNAMESE_LETTERS = [...'aăâeêioôơuưy'].flatMap((base) =>
  [...'\u0300\u0301\u0309\u0303\u0323', ''].map((tone) => `${base}${tone}`.normalize('NFC')),
);
const FOLD_FROM = [...new Set([...VIETNAMESE_LETTERS, 'đ'].flatMap((l) => [l, l.toUpperCase()]))]
  .filter((l) => foldVietnamese(l) !== l)
  .join('');
const FOLD_TO = [...FOLD_FROM].map((l) => foldVietnamese(l)).join('');

/**
 * `expr` folded in SQL the way {@link foldVietnamese} folds text (diacritics off, đ → d, lower
 * case), for columns that have no folded copy. The letter map is generated from foldVietnamese
 * itself; `translate` does not depend on the database's locale, which PGlite and servers differ in.
 */
export function foldSql(expr: Expression<string | null>): RawBuilder<string> {
  return sql<string>`lower(translate(${expr}, ${FOLD_FROM}, ${FOLD_TO}))`;
}

/**
 * A response schema that appears in the OpenAPI document as a reference to the named component
 * (`allOf: [{ $ref }]`) rather than inlined: @fastify/swagger inlines a route's top-level schema
 * but names the nested ones that carry an `$id`.
 */
export function named<T extends TSchema>(schema: T) {
  return Type.Unsafe<Static<T>>({ allOf: [schema] });
}

/** A list response: the page's items, the total, and the page actually served. */
export function pageOf<T>(items: T[], total: number, q: { limit?: number; offset?: number }) {
  return { items, total, limit: q.limit ?? DEFAULT_PAGE_SIZE, offset: q.offset ?? 0 };
}
