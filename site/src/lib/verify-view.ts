/**
 * What the verification page and the scan page show, read from a verification answer: the API's
 * (POST /api/v1/verify) on the server and online, or the shared pure verifier's offline. Pure, so
 * it runs on the server and in the browser alike.
 */
import type { Verdict } from './i18n.ts';
import { VERDICTS } from './i18n.ts';

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

/** What the verification page shows, read from the API's answer. */
export interface VerifyView {
  verdict: Verdict;
  checks: VerifyCheck[];
  codeKind: 'unit' | 'batch' | null;
  product: {
    id: string | null;
    name: string;
    nameEn: string | null;
    gtin: string | null;
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

export type Obj = Record<string, unknown>;
export const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

/** The first present key, as text (the API mixes snake_case and camelCase across resources). */
export function str(o: Obj | undefined, ...keys: string[]): string | null {
  if (!o) return null;
  for (const k of keys) {
    const v = o[k];
    if (typeof v === 'string' && v !== '') return v;
    if (typeof v === 'number' && Number.isFinite(v)) return String(v);
    if (isObj(v)) {
      const name = str(v, 'name', 'name_vi', 'nameVi');
      if (name) return name;
    }
  }
  return null;
}
export function num(o: Obj | undefined, ...keys: string[]): number | null {
  const s = str(o, ...keys);
  const n = s === null ? NaN : Number(s);
  return Number.isFinite(n) ? n : null;
}
export function bool(o: Obj | undefined, ...keys: string[]): boolean | null {
  if (!o) return null;
  for (const k of keys) if (typeof o[k] === 'boolean') return o[k];
  return null;
}
export function obj(o: Obj | undefined, ...keys: string[]): Obj | undefined {
  if (!o) return undefined;
  for (const k of keys) if (isObj(o[k])) return o[k];
  return undefined;
}

/** Read the API's verification answer into the page's view, tolerating absent parts. */
export function toVerifyView(raw: unknown, checkedAt: string): VerifyView {
  const r = isObj(raw) ? raw : {};
  const verdict = VERDICTS.includes(r.verdict as Verdict) ? (r.verdict as Verdict) : 'unknown';
  const checks = Array.isArray(r.checks)
    ? r.checks.filter(isObj).map((c) => ({
        id: str(c, 'id') ?? '',
        ok: c.ok === true,
        label_vi: str(c, 'label_vi', 'labelVi', 'label') ?? '',
        label_en: str(c, 'label_en', 'labelEn', 'label') ?? '',
        detail_vi: str(c, 'detail_vi', 'detailVi'),
        detail_en: str(c, 'detail_en', 'detailEn'),
        warning: c.warning === true,
      }))
    : [];
  const p = obj(r, 'product');
  const pr = obj(r, 'producer') ?? obj(p, 'producer');
  const c = obj(r, 'certificate') ?? obj(p, 'certificate');
  const b = obj(r, 'batch');
  const sh = obj(r, 'scanHistory', 'scan_history');
  const today = checkedAt.slice(0, 10);
  const bestBefore = str(b, 'bestBefore', 'best_before');
  const code = obj(r, 'code');
  const serial = str(b, 'serial') ?? str(code, 'serial');
  const kind = str(r, 'codeKind', 'code_kind', 'kind') ?? str(code, 'kind');
  return {
    verdict,
    checks,
    codeKind: kind === 'unit' || kind === 'batch' ? kind : serial ? 'unit' : b ? 'batch' : null,
    product: p
      ? {
          id: str(p, 'id'),
          name: str(p, 'name_vi', 'nameVi', 'name') ?? '',
          nameEn: str(p, 'name_en', 'nameEn'),
          gtin: str(p, 'gtin'),
          groupCode: str(p, 'groupCode', 'group_code', 'group'),
          category: str(p, 'categoryName', 'category_name', 'category'),
          imageUrl: str(p, 'imageUrl', 'image_url'),
          commune: str(p, 'commune', 'originUnit', 'origin_unit', 'origin'),
        }
      : null,
    producer: pr
      ? {
          id: str(pr, 'id'),
          name: str(pr, 'name') ?? '',
          kind: str(pr, 'kind'),
          address: str(pr, 'address', 'addressLine', 'address_line'),
          commune: str(pr, 'commune', 'adminUnit', 'admin_unit'),
          phone: str(pr, 'phone'),
          website: str(pr, 'website'),
        }
      : null,
    certificate: c
      ? {
          stars: num(c, 'stars'),
          level: str(c, 'level'),
          authority: str(c, 'authority'),
          decisionNo: str(c, 'decisionNo', 'decision_no', 'decision'),
          decisionDate: str(c, 'decisionDate', 'decision_date'),
          validFrom: str(c, 'validFrom', 'valid_from'),
          validTo: str(c, 'validTo', 'valid_to'),
          status: str(c, 'state', 'status') ?? 'active',
          revocationReason: str(c, 'revocationReason', 'revocation_reason'),
          revokedAt: str(c, 'revokedAt', 'revoked_at'),
          madeWhileValid: bool(c, 'validOnProduction', 'valid_on_production', 'madeWhileValid'),
        }
      : null,
    batch: b
      ? {
          lot: str(b, 'lot') ?? '',
          serial,
          producedOn: str(b, 'producedOn', 'produced_on'),
          bestBefore,
          pastBestBefore: bestBefore !== null && bestBefore < today,
          quantity: str(b, 'quantity'),
          unit: str(b, 'unit'),
          status: str(b, 'status'),
          recallReason: str(b, 'recallReason', 'recall_reason'),
          recalledAt: str(b, 'recalledAt', 'recalled_at'),
        }
      : null,
    zones: (Array.isArray(r.zones) ? r.zones : []).filter(isObj).map((z) => ({
      scheme: str(z, 'scheme') ?? 'OTHER',
      code: str(z, 'code') ?? '',
      issuer: str(z, 'issuer'),
      name: str(z, 'name'),
      crop: str(z, 'cropOrSpecies', 'crop_or_species', 'crop'),
      areaHa: str(z, 'areaHa', 'area_ha'),
      place: str(z, 'commune', 'adminUnit', 'admin_unit', 'place'),
    })),
    events: (Array.isArray(r.events) ? r.events : []).filter(isObj).map((e) => ({
      type: str(e, 'type') ?? 'other',
      occurredAt: str(e, 'occurredAt', 'occurred_at'),
      place: str(e, 'place'),
      actor: str(e, 'actor'),
      note: str(e, 'note'),
    })),
    scanHistory: sh
      ? {
          count: num(sh, 'count', 'scans', 'total') ?? 0,
          first: str(sh, 'first', 'firstAt', 'first_at', 'firstScanAt'),
          last: str(sh, 'last', 'lastAt', 'last_at', 'lastScanAt'),
          devices: num(sh, 'devices', 'distinctDevices', 'distinct_devices'),
        }
      : null,
    checkedAt,
  };
}
