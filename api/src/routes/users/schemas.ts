import { Type, type Static } from '@sinclair/typebox';
import { PageQuery, StrictObject, Uuid } from '../common-schemas.ts';
import { DateTime, Nullable, Page } from '../route-helpers.ts';

export const Role = Type.Union(
  [Type.Literal('admin'), Type.Literal('officer'), Type.Literal('producer'), Type.Literal('inspector')],
  {
    description:
      'admin: everything; officer: the registry of one administrative area; producer: its own products, batches and events; inspector: reads everything, records inspections',
  },
);

export const User = Type.Object(
  {
    id: Uuid,
    email: Type.String(),
    displayName: Type.String(),
    role: Role,
    producerId: Nullable(Uuid),
    adminUnitId: Nullable(Type.String()),
    disabled: Type.Boolean(),
    disabledAt: Nullable(DateTime),
    createdAt: DateTime,
    updatedAt: DateTime,
  },
  { $id: 'User' },
);
export type User = Static<typeof User>;

export const UserPage = Page(User, 'UserPage');

export const UserCreate = StrictObject({
  email: Type.String({ format: 'email', maxLength: 254 }),
  displayName: Type.String({ minLength: 1, maxLength: 200 }),
  role: Role,
  password: Type.String({ minLength: 12, maxLength: 200, description: 'At least 12 characters' }),
  producerId: Type.Optional(
    Nullable(Type.String({ format: 'uuid', description: 'Required for a producer' })),
  ),
  adminUnitId: Type.Optional(
    Nullable(Type.String({ maxLength: 100, description: 'Required for an officer: the area they manage' })),
  ),
});
export type UserCreate = Static<typeof UserCreate>;

export const UserQuery = Type.Object(
  {
    role: Type.Optional(Role),
    disabled: Type.Optional(Type.Boolean()),
    q: Type.Optional(Type.String({ maxLength: 100, description: 'Email or name' })),
    ...PageQuery,
  },
  { additionalProperties: false },
);
export type UserQuery = Static<typeof UserQuery>;
