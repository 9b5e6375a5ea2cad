import { Type, type Static, type TSchema } from '@sinclair/typebox';
import { StrictObject, Uuid } from '../common-schemas.ts';

const Nullable = <T extends TSchema>(t: T) => Type.Union([t, Type.Null()]);
const DateTime = Type.String({ format: 'date-time' });
const IsoDate = Type.String({ format: 'date' });

export const VerifyBody = StrictObject(
  {
    code: Type.String({
      maxLength: 4096,
      description: 'The scanned text, usually the code URL. Anything else answers 200 with verdict unknown.',
    }),
    deviceId: Type.Optional(
      Type.String({
        minLength: 8,
        maxLength: 128,
        description:
          'A random id the client keeps for this device (e.g. in localStorage). Stored only as a keyed hash, ' +
          'to count distinct devices that scanned a unit code (clone detection).',
      }),
    ),
    area: Type.Optional(
      Type.String({
        minLength: 1,
        maxLength: 100,
        description: 'Coarse area of the scan (province or commune name), if the user chose to give it.',
      }),
    ),
    location: Type.Optional(
      StrictObject(
        {
          lat: Type.Number({ minimum: -90, maximum: 90 }),
          lng: Type.Number({ minimum: -180, maximum: 180 }),
          consent: Type.Literal(true, {
            description: 'Precise location is stored only with explicit consent.',
          }),
        },
        { description: 'Precise location, only with the user’s consent (Decree 13/2023/NĐ-CP).' },
      ),
    ),
  },
  { $id: 'VerifyRequest' },
);
export type VerifyBody = Static<typeof VerifyBody>;

const Verdict = Type.Union(
  [
    Type.Literal('forged'),
    Type.Literal('unknown'),
    Type.Literal('revoked_certificate'),
    Type.Literal('recalled_batch'),
    Type.Literal('expired_certificate'),
    Type.Literal('suspected_copy'),
    Type.Literal('status_unknown'),
    Type.Literal('genuine'),
  ],
  {
    description:
      'From worst to best: forged, unknown, revoked_certificate, recalled_batch, expired_certificate, suspected_copy, status_unknown, genuine',
  },
);

export const VerifyCheck = Type.Object(
  {
    id: Type.String(),
    ok: Type.Boolean(),
    label_vi: Type.String(),
    label_en: Type.String(),
    detail_vi: Type.Optional(Type.String()),
    detail_en: Type.Optional(Type.String()),
    warning: Type.Optional(Type.Boolean({ description: 'A failed check that does not change the verdict' })),
    verdict: Type.Optional(Verdict),
    evidence: Type.Optional(
      Type.Record(Type.String(), Type.Union([Type.Number(), Type.String(), Type.Null()])),
    ),
  },
  { $id: 'VerifyCheck', additionalProperties: false },
);

export const VerifyResponse = Type.Object(
  {
    verdict: Verdict,
    checks: Type.Array(VerifyCheck),
    code: Nullable(
      Type.Object(
        {
          kind: Type.Union([Type.Literal('batch'), Type.Literal('unit')]),
          url: Type.String({ description: 'The canonical code (the signed payload)' }),
          gtin: Nullable(Type.String()),
          productRef: Nullable(Type.String()),
          lot: Type.String(),
          serial: Nullable(Type.String()),
          keyRef: Type.String(),
        },
        { additionalProperties: false },
      ),
    ),
    key: Nullable(
      Type.Object(
        {
          kid: Type.String(),
          status: Type.Union([Type.Literal('active'), Type.Literal('retired'), Type.Literal('revoked')]),
        },
        { additionalProperties: false },
      ),
    ),
    product: Nullable(
      Type.Object(
        {
          id: Uuid,
          ref: Type.String(),
          gtin: Nullable(Type.String()),
          nameVi: Type.String(),
          nameEn: Nullable(Type.String()),
          categoryCode: Type.String(),
          category: Nullable(Type.String()),
          imageUrl: Nullable(Type.String()),
          commune: Nullable(Type.String()),
        },
        { additionalProperties: false },
      ),
    ),
    producer: Nullable(
      Type.Object(
        {
          id: Uuid,
          name: Type.String(),
          kind: Type.String(),
          address: Nullable(Type.String()),
          commune: Nullable(Type.String()),
          phone: Nullable(Type.String()),
          website: Nullable(Type.String()),
        },
        { additionalProperties: false },
      ),
    ),
    certificate: Nullable(
      Type.Object(
        {
          id: Uuid,
          stars: Type.Integer({ description: 'Certified stars: compare with the stars printed on the pack' }),
          level: Type.String(),
          authority: Type.String(),
          decisionNo: Type.String(),
          decisionDate: IsoDate,
          validFrom: IsoDate,
          validTo: IsoDate,
          status: Type.String(),
          state: Type.String({ description: 'valid, expired, revoked, superseded or not_yet_valid, today' }),
          revocationReason: Nullable(Type.String()),
          revokedAt: Nullable(DateTime),
          madeWhileValid: Nullable(Type.Boolean()),
          starsWhenMade: Nullable(Type.Integer()),
        },
        { additionalProperties: false },
      ),
    ),
    batch: Nullable(
      Type.Object(
        {
          lot: Type.String(),
          serial: Nullable(Type.String()),
          producedOn: IsoDate,
          bestBefore: Nullable(IsoDate),
          quantity: Type.String(),
          unit: Type.String(),
          status: Type.String(),
          recallReason: Nullable(Type.String()),
          recalledAt: Nullable(DateTime),
          issuedAt: DateTime,
        },
        { additionalProperties: false },
      ),
    ),
    zones: Type.Array(
      Type.Object(
        {
          scheme: Type.String(),
          code: Type.String({ description: 'The official zone code, as issued' }),
          issuer: Type.String(),
          name: Nullable(Type.String()),
          cropOrSpecies: Type.String(),
          areaHa: Nullable(Type.String()),
          status: Type.String(),
          commune: Nullable(Type.String()),
        },
        { additionalProperties: false },
      ),
    ),
    events: Type.Array(
      Type.Object(
        {
          type: Type.String(),
          occurredAt: Nullable(DateTime),
          place: Nullable(Type.String()),
          actor: Nullable(Type.String()),
          note: Nullable(Type.String()),
        },
        { additionalProperties: false },
      ),
    ),
    scanHistory: Nullable(
      Type.Object(
        {
          count: Type.Integer({ description: 'Verified scans of this unit code, this one included' }),
          first: Nullable(DateTime),
          last: Nullable(DateTime),
          devices: Type.Integer(),
          areas: Type.Integer(),
          windowDays: Type.Integer(),
        },
        { additionalProperties: false },
      ),
    ),
    checkedAt: DateTime,
  },
  { $id: 'VerifyResponse', additionalProperties: false },
);
export type VerifyResponse = Static<typeof VerifyResponse>;
