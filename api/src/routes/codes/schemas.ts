import { Type, type Static, type TSchema } from '@sinclair/typebox';
import { StrictObject, Uuid } from '../common-schemas.ts';
import { MAX_UNIT_CODES } from './queries.ts';

const DateTime = Type.String({ format: 'date-time' });

export const IssueCodesBody = StrictObject(
  {
    serials: Type.Optional(
      Type.Integer({
        minimum: 0,
        maximum: MAX_UNIT_CODES,
        default: 0,
        description:
          'How many unit codes (with a random serial, GS1 AI 21) to issue now, besides the batch code. ' +
          'Each request issues that many new ones: send an Idempotency-Key to make retries safe.',
      }),
    ),
  },
  { $id: 'IssueCodesBody' },
);
export type IssueCodesBody = Static<typeof IssueCodesBody>;

export const Code = Type.Object(
  {
    url: Type.String({ description: 'The URL printed in the QR code (docs/code-format.md)' }),
    path: Type.String(),
    kind: Type.Union([Type.Literal('batch'), Type.Literal('unit')]),
    serial: Type.Union([Type.String(), Type.Null()]),
    kid: Type.String(),
    issuedAt: DateTime,
  },
  { $id: 'Code', additionalProperties: false },
);

export const IssuanceJob = Type.Object(
  {
    id: Uuid,
    batchId: Uuid,
    total: Type.Integer(),
    done: Type.Integer({ description: 'Unit codes written so far' }),
    status: Type.Union([Type.Literal('running'), Type.Literal('done'), Type.Literal('failed')]),
    kid: Type.Union([Type.String(), Type.Null()]),
    createdAt: DateTime,
    finishedAt: Type.Union([DateTime, Type.Null()]),
    csv: Type.String({ description: 'Where to download this job’s codes as CSV' }),
  },
  { $id: 'IssuanceJob', additionalProperties: false },
);

export const IssueCodesResult = Type.Object(
  {
    batchId: Uuid,
    batchCode: Code,
    units: Type.Union([
      Type.Object(
        {
          job: IssuanceJob,
          urls: Type.Union([Type.Array(Type.String()), Type.Null()], {
            description: 'The unit-code URLs when there are at most 1,000; otherwise null: download the CSV',
          }),
        },
        { additionalProperties: false },
      ),
      Type.Null(),
    ]),
  },
  { $id: 'IssueCodesResult', additionalProperties: false },
);

export const BatchCodes = Type.Object(
  {
    batchId: Uuid,
    batchCode: Type.Union([Code, Type.Null()]),
    unitCodes: Type.Integer({ description: 'Unit codes issued so far' }),
    jobs: Type.Array(IssuanceJob),
    csv: Type.String(),
  },
  { $id: 'BatchCodes', additionalProperties: false },
);

export const ListCodesQuery = Type.Object(
  {
    format: Type.Optional(Type.Union([Type.Literal('json'), Type.Literal('csv')], { default: 'json' })),
    job: Type.Optional(Uuid),
  },
  { additionalProperties: false },
);

export const BatchIdParams = Type.Object({ id: Uuid }, { additionalProperties: false });
export const JobParams = Type.Object({ id: Uuid, jobId: Uuid }, { additionalProperties: false });

/**
 * A top-level response schema that the OpenAPI document shows as a reference to its named
 * component (`allOf: [schema]`), as route-helpers.ts `named` does for the registry modules.
 */
export function named<T extends TSchema>(schema: T) {
  return Type.Unsafe<Static<T>>({ allOf: [schema] });
}
