import { Type, type Static } from '@sinclair/typebox';
import { StrictObject } from '../common-schemas.ts';

const DateTime = Type.String({ format: 'date-time' });
const Nullable = <T extends ReturnType<typeof Type.String>>(t: T) => Type.Union([t, Type.Null()]);

/** A signing key as listed publicly: public JWK, status and lifecycle dates; never the private part. */
export const SigningKey = Type.Object(
  {
    kid: Type.String({ description: 'RFC 7638 SHA-256 thumbprint of the public JWK' }),
    keyRef: Type.String({ description: 'The first 8 characters of the kid, printed as `k` in codes' }),
    status: Type.Union([Type.Literal('active'), Type.Literal('retired'), Type.Literal('revoked')]),
    publicJwk: Type.Object(
      { kty: Type.Literal('EC'), crv: Type.Literal('P-256'), x: Type.String(), y: Type.String() },
      { additionalProperties: false },
    ),
    createdAt: DateTime,
    retiredAt: Nullable(DateTime),
    revokedAt: Nullable(DateTime),
    compromisedAt: Nullable(
      Type.String({
        format: 'date-time',
        description: 'Codes this key signed from this instant on are forged; earlier ones still verify',
      }),
    ),
    revocationReason: Type.Union([Type.String(), Type.Null()]),
  },
  { additionalProperties: false, title: 'SigningKey' },
);

export const SigningKeyList = Type.Object(
  { items: Type.Array(SigningKey) },
  { $id: 'SigningKeyList', additionalProperties: false },
);

export const RotateResult = Type.Object(
  { active: SigningKey, retired: Type.Union([SigningKey, Type.Null()]) },
  { $id: 'RotateResult', additionalProperties: false },
);

export const RevokeBody = StrictObject(
  {
    compromisedAt: Type.Optional(
      Type.String({
        format: 'date-time',
        description:
          'From when the key must be presumed compromised; codes signed earlier keep verifying. Default: the key’s creation (it vouches for nothing).',
      }),
    ),
    reason: Type.String({ minLength: 1, maxLength: 500 }),
  },
  { $id: 'RevokeKeyBody' },
);
export type RevokeBody = Static<typeof RevokeBody>;

export const RevokeResult = Type.Object(
  { revoked: SigningKey, active: Type.Union([SigningKey, Type.Null()]) },
  { $id: 'RevokeResult', additionalProperties: false },
);

export const KidParams = Type.Object(
  { kid: Type.String({ pattern: '^[A-Za-z0-9_-]{43}$', description: 'The full kid' }) },
  { additionalProperties: false },
);
