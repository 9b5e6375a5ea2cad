import { Type, type Static } from '@sinclair/typebox';
import { StrictObject, Uuid } from '../common-schemas.ts';

export const TokenRequest = StrictObject(
  {
    email: Type.String({ format: 'email', maxLength: 254 }),
    password: Type.String({ minLength: 1, maxLength: 200 }),
  },
  { $id: 'TokenRequest' },
);
export type TokenRequest = Static<typeof TokenRequest>;

export const TokenResponse = Type.Object(
  {
    access_token: Type.String(),
    token_type: Type.Literal('Bearer'),
    expires_in: Type.Integer(),
  },
  { $id: 'TokenResponse' },
);

export const Me = Type.Object(
  {
    id: Uuid,
    email: Type.String(),
    role: Type.Union([
      Type.Literal('admin'),
      Type.Literal('officer'),
      Type.Literal('producer'),
      Type.Literal('inspector'),
    ]),
    displayName: Type.String(),
    producerId: Type.Union([Uuid, Type.Null()]),
    adminUnitId: Type.Union([Type.String(), Type.Null()]),
  },
  { $id: 'Me' },
);
