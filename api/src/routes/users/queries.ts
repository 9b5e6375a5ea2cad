import { DEFAULT_PAGE_SIZE } from '../common-schemas.ts';
import { sql, type Kysely, type Transaction } from 'kysely';
import type { Database, Role } from '@ocop/db';
import { foldVietnamese } from '@ocop/domain';
import { foldSql, iso, isoOrNull, likeEscape } from '../route-helpers.ts';
import type { User, UserQuery } from './schemas.ts';

const COLUMNS = [
  'id',
  'email',
  'display_name',
  'role',
  'producer_id',
  'admin_unit_id',
  'disabled_at',
  'created_at',
  'updated_at',
] as const;

function toUser(r: {
  id: string;
  email: string;
  display_name: string;
  role: Role;
  producer_id: string | null;
  admin_unit_id: string | null;
  disabled_at: Date | null;
  created_at: Date;
  updated_at: Date;
}): User {
  return {
    id: r.id,
    email: r.email,
    displayName: r.display_name,
    role: r.role,
    producerId: r.producer_id,
    adminUnitId: r.admin_unit_id,
    disabled: r.disabled_at !== null,
    disabledAt: isoOrNull(r.disabled_at),
    createdAt: iso(r.created_at),
    updatedAt: iso(r.updated_at),
  };
}

export async function listUsers(db: Kysely<Database>, q: UserQuery) {
  let query = db.selectFrom('users');
  if (q.role) query = query.where('role', '=', q.role);
  if (q.disabled !== undefined) query = query.where('disabled_at', q.disabled ? 'is not' : 'is', null);
  for (const word of q.q ? foldVietnamese(q.q).split(' ').filter(Boolean) : []) {
    const pattern = `%${likeEscape(word)}%`;
    query = query.where((eb) =>
      eb.or([eb('email', 'like', pattern), eb(foldSql(sql.ref('display_name')), 'like', pattern)]),
    );
  }
  const total = await query.select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
  const rows = await query
    .select(COLUMNS)
    .orderBy('email')
    .limit(q.limit ?? DEFAULT_PAGE_SIZE)
    .offset(q.offset ?? 0)
    .execute();
  return { items: rows.map(toUser), total: Number(total.n) };
}

export async function getUser(db: Kysely<Database>, id: string): Promise<User | null> {
  const row = await db.selectFrom('users').select(COLUMNS).where('id', '=', id).executeTakeFirst();
  return row ? toUser(row) : null;
}

export async function insertUser(
  trx: Transaction<Database>,
  u: {
    email: string;
    passwordHash: string;
    displayName: string;
    role: Role;
    producerId: string | null;
    adminUnitId: string | null;
  },
): Promise<string> {
  const row = await trx
    .insertInto('users')
    .values({
      email: u.email,
      password_hash: u.passwordHash,
      display_name: u.displayName,
      role: u.role,
      producer_id: u.producerId,
      admin_unit_id: u.adminUnitId,
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  return row.id;
}

/** Disable (now) or enable a user; a disabled user loses access at once (auth reads the row per request). */
export async function setDisabled(trx: Transaction<Database>, id: string, disabled: boolean): Promise<void> {
  await trx
    .updateTable('users')
    .set({ disabled_at: disabled ? new Date() : null, updated_at: new Date() })
    .where('id', '=', id)
    .where('disabled_at', disabled ? 'is' : 'is not', null)
    .execute();
}
