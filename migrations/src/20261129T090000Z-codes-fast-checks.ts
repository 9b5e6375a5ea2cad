import { sql, type Kysely } from 'kysely';

/**
 * The same rules for a code's path and signature as migration 20261129T044000Z-codes, written so
 * that PostgreSQL checks them about five times faster (bench/README.md, issuance: the checks were
 * the largest part of storing 100,000 codes). Its regular-expression engine expands a bounded
 * repeat such as `{86}` or `{1,20}` into as many states; a character class repeated with `+` and
 * the lengths compared apart accept exactly the same texts (migrations/codes-checks.test.ts runs
 * the old and the new expressions side by side over thousands of paths and signatures).
 *
 * The path `/01/{gtin}/10/{lot}[/21/{serial}]` or `/p/{ref}/10/{lot}[/21/{serial}]` has no `/`
 * inside a part, so `split_part` by `/` gives the parts: 2 the prefix, 3 the GTIN or reference,
 * 5 the lot, 7 the serial (empty for a batch code).
 */
/** The checks of migration 20261129T044000Z-codes, and their rewrite (the same texts pass). */
export const SLOW_PATH = sql`path ~ '^/(01/[0-9]{14}|p/[0-9A-HJKMNP-TV-Z]{8,10})/10/[A-Za-z0-9._-]{1,20}(/21/[0-9A-Za-z]{1,20})?$'`;
export const SLOW_SIG = sql`sig ~ '^[A-Za-z0-9_-]{86}$'`;

export const FAST_PATH = sql`path ~ '^/(01/[0-9]+|p/[0-9A-HJKMNP-TV-Z]+)/10/[A-Za-z0-9._-]+(/21/[0-9A-Za-z]+)?$'
  and length(split_part(path, '/', 3)) between
    (case split_part(path, '/', 2) when '01' then 14 else 8 end) and
    (case split_part(path, '/', 2) when '01' then 14 else 10 end)
  and length(split_part(path, '/', 5)) <= 20
  and length(split_part(path, '/', 7)) <= 20`;
export const FAST_SIG = sql`length(sig) = 86 and sig !~ '[^A-Za-z0-9_-]'`;

/**
 * Swapped without reading the table: `not valid` skips checking the rows already there, which the
 * original checks (the same rule) accepted when they were written. Checking them again would scan
 * every code under the ACCESS EXCLUSIVE lock this migration holds until it commits, stopping every
 * scan of every label for as long as that takes on a registry of millions of codes. New and
 * updated rows are checked as always.
 */
async function replace(db: Kysely<unknown>, path: typeof SLOW_PATH, sig: typeof SLOW_SIG): Promise<void> {
  await sql`alter table codes
    drop constraint codes_path, add constraint codes_path check (${path}) not valid,
    drop constraint codes_sig, add constraint codes_sig check (${sig}) not valid`.execute(db);
}

export async function up(db: Kysely<unknown>): Promise<void> {
  await replace(db, FAST_PATH, FAST_SIG);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await replace(db, SLOW_PATH, SLOW_SIG);
}
