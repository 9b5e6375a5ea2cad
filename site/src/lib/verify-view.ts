/**
 * What the verification page and the scan page show, read from a verification answer: the API's
 * (POST /api/v1/verify, typed by its TypeBox schema) on the server and online, or the shared pure
 * verifier's offline (scripts/offline-verifier.ts builds the same shape). Pure, so it runs on the
 * server and in the browser alike.
 */
import type { VerifyResponse } from '../../../api/src/routes/verify/schemas.ts';
import { VERDICTS, type Verdict } from './i18n.ts';

/** The API's answer (type-only import: nothing of the API is bundled). */
export type { VerifyResponse };

export interface VerifyCheck {
  id: string;
  ok: boolean;
  label_vi: string;
  label_en: string;
  detail_vi: string | null;
  detail_en: string | null;
  /** A failed check that only warns (past best-before): it does not change the verdict. */
  warning: boolean;
}

export interface VerifyView {
  verdict: Verdict;
  checks: VerifyCheck[];
  codeKind: 'unit' | 'batch' | null;
  product: {
    id: string | null;
    name: string;
    nameEn: string | null;
    gtin: string | null;
    /** Category code of the 148 taxonomy (`I.1.a`). */
    groupCode: string | null;
    category: string | null;
    imageUrl: string | null;
    commune: string | null;
  } | null;
  producer: {
    id: string | null;
    name: string;
    kind: string | null;
    address: string | null;
    commune: string | null;
    phone: string | null;
    website: string | null;
  } | null;
  certificate: {
    stars: number | null;
    level: string | null;
    authority: string | null;
    decisionNo: string | null;
    decisionDate: string | null;
    validFrom: string | null;
    validTo: string | null;
    /** The certificate's state today: valid, expired, revoked, superseded, not_yet_valid. */
    status: string;
    revocationReason: string | null;
    revokedAt: string | null;
    madeWhileValid: boolean | null;
  } | null;
  batch: {
    lot: string;
    serial: string | null;
    producedOn: string | null;
    bestBefore: string | null;
    pastBestBefore: boolean;
    quantity: string | null;
    unit: string | null;
    status: string | null;
    recallReason: string | null;
    recalledAt: string | null;
  } | null;
  zones: {
    scheme: string;
    code: string;
    issuer: string | null;
    name: string | null;
    crop: string | null;
    areaHa: string | null;
    place: string | null;
  }[];
  events: {
    type: string;
    occurredAt: string | null;
    place: string | null;
    actor: string | null;
    note: string | null;
  }[];
  scanHistory: { count: number; first: string | null; last: string | null; devices: number | null } | null;
  checkedAt: string;
}

/** A verification answer as the views read it: the API's, or the offline verifier's partial one. */
export type VerifyAnswer = Pick<VerifyResponse, 'verdict' | 'checks'> &
  Partial<Omit<VerifyResponse, 'verdict' | 'checks'>>;

/** Map a verification answer to the page's view. `now` is the fallback check time. */
export function toVerifyView(r: VerifyAnswer, now: string): VerifyView {
  const checkedAt = r.checkedAt ?? now;
  const today = checkedAt.slice(0, 10);
  const p = r.product ?? null;
  const pr = r.producer ?? null;
  const c = r.certificate ?? null;
  const b = r.batch ?? null;
  const sh = r.scanHistory ?? null;
  return {
    verdict: VERDICTS.includes(r.verdict) ? r.verdict : 'unknown',
    checks: r.checks.map((x) => ({
      id: x.id,
      ok: x.ok,
      label_vi: x.label_vi,
      label_en: x.label_en,
      detail_vi: x.detail_vi ?? null,
      detail_en: x.detail_en ?? null,
      warning: x.warning === true,
    })),
    codeKind: r.code?.kind ?? null,
    product: p
      ? {
          id: p.id,
          name: p.nameVi,
          nameEn: p.nameEn,
          gtin: p.gtin,
          groupCode: p.categoryCode,
          category: p.category,
          imageUrl: p.imageUrl,
          commune: p.commune,
        }
      : null,
    producer: pr
      ? {
          id: pr.id,
          name: pr.name,
          kind: pr.kind,
          address: pr.address,
          commune: pr.commune,
          phone: pr.phone,
          website: pr.website,
        }
      : null,
    certificate: c
      ? {
          stars: c.stars,
          level: c.level,
          authority: c.authority,
          decisionNo: c.decisionNo,
          decisionDate: c.decisionDate,
          validFrom: c.validFrom,
          validTo: c.validTo,
          status: c.state,
          revocationReason: c.revocationReason,
          revokedAt: c.revokedAt,
          madeWhileValid: c.madeWhileValid,
        }
      : null,
    batch: b
      ? {
          lot: b.lot,
          serial: b.serial,
          producedOn: b.producedOn,
          bestBefore: b.bestBefore,
          pastBestBefore: b.bestBefore !== null && b.bestBefore < today,
          quantity: b.quantity,
          unit: b.unit,
          status: b.status,
          recallReason: b.recallReason,
          recalledAt: b.recalledAt,
        }
      : null,
    zones: (r.zones ?? []).map((z) => ({
      scheme: z.scheme,
      code: z.code,
      issuer: z.issuer,
      name: z.name,
      crop: z.cropOrSpecies,
      areaHa: z.areaHa,
      place: z.commune,
    })),
    events: (r.events ?? []).map((e) => ({
      type: e.type,
      occurredAt: e.occurredAt,
      place: e.place,
      actor: e.actor,
      note: e.note,
    })),
    scanHistory: sh ? { count: sh.count, first: sh.first, last: sh.last, devices: sh.devices } : null,
    checkedAt,
  };
}
