import { sql, type Kysely, type RawBuilder, type Selectable } from 'kysely';
import type { Database, ReportsTable } from '@ocop/db';

/**
 * A reporter's contact as it is compared: an email lower-cased and trimmed; a phone number reduced
 * to its digits with the country code 84 written as the leading 0 of the national form.
 */
export function normalizeContact(contact: string): string {
  const c = contact.trim();
  if (/^[0-9+().\s-]+$/.test(c)) return c.replace(/\D/g, '').replace(/^84(?=\d{9,10}$)/, '0');
  return c.toLowerCase();
}

/** The same normalisation in SQL, over `reports.contact`. */
function contactKey(): RawBuilder<string> {
  return sql<string>`case when contact ~ '^[0-9+().[:space:]-]+$'
    then regexp_replace(regexp_replace(contact, '[^0-9]', '', 'g'), '^84([0-9]{9,10})$', '0\\1')
    else lower(btrim(contact)) end`;
}

export async function reportsOfReporter(
  db: Kysely<Database>,
  contact: string,
): Promise<Selectable<ReportsTable>[]> {
  return db
    .selectFrom('reports')
    .selectAll()
    .where('contact', 'is not', null)
    .where(contactKey(), '=', normalizeContact(contact))
    .orderBy('created_at')
    .orderBy('id')
    .execute();
}

/**
 * Erase what identifies the reporter (contact, place, free-text details) from their reports and
 * keep what the office counts (reason, product, verdict, code, status, date), so statistics of
 * reports stay whole (reliability.md P02: "delete removes location, keeps aggregate counts").
 */
export async function eraseReporter(db: Kysely<Database>, contact: string): Promise<string[]> {
  const rows = await db
    .updateTable('reports')
    .set({ contact: null, place: null, details: null })
    .where('contact', 'is not', null)
    .where(contactKey(), '=', normalizeContact(contact))
    .returning('id')
    .execute();
  return rows.map((r) => r.id);
}

/**
 * An entry in the hash-chained audit log for a data-subject request. It never holds the contact
 * itself (an append-only log cannot forget it), only counts and report ids.
 */
export async function auditPrivacy(
  db: Kysely<Database>,
  actorId: string,
  action: 'privacy_export' | 'privacy_erasure',
  data: Record<string, unknown>,
): Promise<void> {
  await db
    .insertInto('audit_log')
    .values({ actor_id: actorId, action, entity: 'reports', entity_id: null, data: JSON.stringify(data) })
    .execute();
}
