import type { Kysely } from 'kysely';
import type { Certificate, Database } from '@ocop/db';
import { compareDates, wasValidOn, type CertificateValidity } from '@ocop/domain';

/** The public URL of a certificate's verifiable credential (linkset, EPCIS `certificationInfo`). */
export function credentialUrl(origin: string, certificateId: string): string {
  return `${origin}/api/v1/certificates/${certificateId}/credential`;
}

/** The validity fields of a certificate row, as the domain rules read them. */
export function validityOf(c: Certificate): CertificateValidity {
  return {
    status: c.status,
    validFrom: c.valid_from,
    validTo: c.valid_to,
    revokedAt: c.revoked_at === null ? null : new Date(c.revoked_at).toISOString(),
  };
}

/** Every certificate of a product, newest decision first. */
export async function certificatesOfProduct(db: Kysely<Database>, productId: string): Promise<Certificate[]> {
  return db
    .selectFrom('certificates')
    .selectAll()
    .where('product_id', '=', productId)
    .orderBy('decision_date', 'desc')
    .orderBy('created_at', 'desc')
    .execute();
}

/**
 * The certificate that vouches for a batch made on `producedOn`: the newest one valid that day
 * (a later supersession does not matter, a revocation in effect that day does); else, so a link
 * still shows what happened, the newest one whose dates cover the day; else the product's current
 * one. Null for a product that never had a certificate.
 * @see DESIGN "A code may only be issued for a batch … valid on the batch's production date"
 */
export function certificateForBatch(certs: readonly Certificate[], producedOn: string): Certificate | null {
  return (
    certs.find((c) => wasValidOn(validityOf(c), producedOn)) ??
    certs.find(
      (c) => compareDates(c.valid_from, producedOn) <= 0 && compareDates(producedOn, c.valid_to) <= 0,
    ) ??
    currentCertificate(certs)
  );
}

/** The product's current certificate: the active one, else the newest decision (expired, revoked…). */
export function currentCertificate(certs: readonly Certificate[]): Certificate | null {
  return certs.find((c) => c.status === 'active') ?? certs[0] ?? null;
}

/** A certificate with its product and producer, for its credential; undefined when unknown. */
export async function certificateWithParties(db: Kysely<Database>, certificateId: string) {
  const row = await db
    .selectFrom('certificates as c')
    .innerJoin('products as p', 'p.id', 'c.product_id')
    .innerJoin('producers as pr', 'pr.id', 'p.producer_id')
    .selectAll('c')
    .select([
      'p.name_vi as product_name_vi',
      'p.name_en as product_name_en',
      'p.gtin as product_gtin',
      'p.public_ref as product_public_ref',
      'pr.id as producer_row_id',
      'pr.name as producer_name',
      'pr.tax_code as producer_tax_code',
      'pr.address_line as producer_address_line',
    ])
    .where('c.id', '=', certificateId)
    .executeTakeFirst();
  return row;
}
