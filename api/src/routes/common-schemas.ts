import { Type, type TObject, type TProperties, type ObjectOptions } from '@sinclair/typebox';

/** A body object that rejects unknown properties (STYLE habit 5: reject, don't strip). */
export function StrictObject<T extends TProperties>(properties: T, options: ObjectOptions = {}): TObject<T> {
  return Type.Object(properties, { additionalProperties: false, ...options });
}

/** RFC 9457 problem details, as every error response. */
export const Problem = Type.Object(
  {
    type: Type.String(),
    title: Type.String(),
    status: Type.Integer(),
    code: Type.String(),
    detail: Type.Optional(Type.String()),
  },
  { $id: 'Problem', additionalProperties: true },
);

export const ProblemRef = Type.Ref('Problem');

export const Uuid = Type.String({ format: 'uuid' });
export const IsoDate = Type.String({ format: 'date', examples: ['2026-03-15'] });

/** Problem responses for the usual failure statuses, to spread into a route's `response`. */
export function problems(...statuses: number[]): Record<number, typeof ProblemRef> {
  return Object.fromEntries(statuses.map((s) => [s, ProblemRef]));
}

/** The page size when a list request gives none. */
export const DEFAULT_PAGE_SIZE = 20;

/** Pagination: capped page sizes everywhere. */
export const PageQuery = {
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 100, default: DEFAULT_PAGE_SIZE })),
  offset: Type.Optional(Type.Integer({ minimum: 0, maximum: 100_000, default: 0 })),
};
