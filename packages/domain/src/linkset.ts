/**
 * GS1-conformant resolver, the pure parts: the syntax of a code URL's path (GS1 Digital Link, or
 * the same shape under our non-GS1 prefix `/p/`), link types, RFC 9264 linksets and the content
 * negotiation that picks between the page, a linkset and a redirect.
 * @see GS1 Digital Link URI Syntax 1.x §4 (path: primary key, then key qualifiers in fixed order)
 * @see GS1-Conformant Resolver 1.x (standards.md §1.7)
 * @see RFC 9264 (linkset), RFC 8288 (Link header), RFC 8187 (`title*`)
 */
import { isValidGtin, toGtin14 } from './gtin.ts';
import { isIsoDate } from './dates.ts';
import { PUBLIC_REF_PATTERN } from './code-format.ts';

/** The GS1 Web Vocabulary namespace, as link types are written in linksets. */
export const GS1_VOC = 'https://ref.gs1.org/voc/';

/** JSON-LD context for GS1 linksets (served as the `json-ld#context` Link of every linkset). */
export const GS1_LINKSET_CONTEXT = 'https://ref.gs1.org/standards/resolver/linkset-context';

export const LINKSET_MEDIA_TYPE = 'application/linkset+json';

/** The link types this resolver publishes, as full URIs. */
export const LINK_TYPE = {
  pip: `${GS1_VOC}pip`,
  certificationInfo: `${GS1_VOC}certificationInfo`,
  traceability: `${GS1_VOC}traceability`,
  verificationService: `${GS1_VOC}verificationService`,
  recallStatus: `${GS1_VOC}recallStatus`,
  defaultLink: `${GS1_VOC}defaultLink`,
} as const;

/**
 * GS1 AI (10) batch/lot, (21) serial and (22) CPV: up to 20 characters of GS1 AI encodable
 * character set 82 (after percent-decoding).
 * @see GS1 General Specifications §7.11 (character set 82)
 */
const CSET82_X20 = /^[!"%&'()*+,\-./0-9:;<=>?A-Z_a-z]{1,20}$/;

/** Key qualifiers after each primary key, in the only order the syntax allows. */
const QUALIFIERS: Record<'01' | 'p', readonly string[]> = { '01': ['22', '10', '21'], p: ['10', '21'] };

/**
 * Data attributes (query string) whose format we check: dates as YYMMDD. `DD = 00` means the last
 * day of the month for expiry and best-before dates.
 * @see GS1 General Specifications §3.4 (AI 11, 13, 15, 16, 17)
 */
const DATE_AIS = new Set(['11', '13', '15', '16', '17']);

export type PrimaryKey = { ai: '01'; gtin: string } | { ai: 'p'; productRef: string };

/** A parsed code-shaped path. Values are percent-decoded; the GTIN is in its 14-digit form. */
export interface ResolverPath {
  primary: PrimaryKey;
  cpv?: string;
  lot?: string;
  serial?: string;
  /**
   * The canonical path of each level, from the request's own level up to the primary key
   * (`/01/…/10/…/21/…`, `/01/…/10/…`, `/01/…`). Links of every level are listed in a linkset.
   */
  levels: { level: 'item' | 'lot' | 'cpv' | 'product'; path: string }[];
}

export type ResolverPathResult = { ok: true; value: ResolverPath } | { ok: false; reason: string };

function enc(s: string): string {
  return encodeURIComponent(s);
}

function decode(segment: string): string | null {
  try {
    return decodeURIComponent(segment);
  } catch {
    return null;
  }
}

/** True for the paths this resolver owns: `/01/…` (GS1 Digital Link, GTIN) and `/p/…` (ours). */
export function isCodeShapedPath(path: string): boolean {
  return /^\/(?:01|p)(?:\/|$)/.test(path);
}

/**
 * Parse and syntactically validate the path of a code URL (no query string). One trailing slash
 * is tolerated (GS1 resolver: "SHOULD tolerate trailing slashes"). Everything else that is not
 * a well-formed primary key followed by known key qualifiers in order is refused with a reason,
 * which the resolver answers with 400.
 */
export function parseResolverPath(path: string): ResolverPathResult {
  const trimmed = path.endsWith('/') && path.length > 1 ? path.slice(0, -1) : path;
  const parts = trimmed.split('/').slice(1);
  if (parts.length < 2 || parts.length % 2 !== 0) {
    return { ok: false, reason: 'The path must be pairs of /{key}/{value}, starting with /01/{GTIN}.' };
  }
  const key = parts[0];
  if (key !== '01' && key !== 'p') return { ok: false, reason: `Unknown primary key "${key}".` };
  const values: string[] = [];
  for (let i = 1; i < parts.length; i += 2) {
    const raw = parts[i] ?? '';
    const value = decode(raw);
    if (value === null || value === '') {
      return { ok: false, reason: `The value after /${parts[i - 1]}/ is empty or wrongly %-encoded.` };
    }
    values.push(value);
  }
  let primary: PrimaryKey;
  const first = values[0] ?? '';
  if (key === '01') {
    if (!/^\d+$/.test(first) || ![8, 12, 13, 14].includes(first.length)) {
      return { ok: false, reason: 'A GTIN (AI 01) has 8, 12, 13 or 14 digits.' };
    }
    if (!isValidGtin(first)) return { ok: false, reason: 'The GTIN check digit is wrong.' };
    primary = { ai: '01', gtin: toGtin14(first) };
  } else {
    if (!PUBLIC_REF_PATTERN.test(first)) {
      return { ok: false, reason: 'A product reference (/p/) is 8 to 10 characters of Crockford base32.' };
    }
    primary = { ai: 'p', productRef: first };
  }
  const allowed = QUALIFIERS[key];
  const result: ResolverPath = { primary, levels: [] };
  let lastIndex = -1;
  for (let i = 2; i < parts.length; i += 2) {
    const ai = parts[i] ?? '';
    const value = values[i / 2] ?? '';
    const index = allowed.indexOf(ai);
    if (index < 0) return { ok: false, reason: `"${ai}" is not a key qualifier of /${key}/.` };
    if (index <= lastIndex) {
      return { ok: false, reason: `Key qualifiers must come in the order ${allowed.join(', ')}.` };
    }
    lastIndex = index;
    if (!CSET82_X20.test(value)) {
      return { ok: false, reason: `AI ${ai} holds 1 to 20 characters of GS1 character set 82.` };
    }
    if (ai === '22') result.cpv = value;
    if (ai === '10') result.lot = value;
    if (ai === '21') result.serial = value;
  }
  const root = primary.ai === '01' ? `/01/${primary.gtin}` : `/p/${enc(primary.productRef)}`;
  const cpv = result.cpv === undefined ? '' : `/22/${enc(result.cpv)}`;
  const lot = result.lot === undefined ? '' : `/10/${enc(result.lot)}`;
  if (result.serial !== undefined) {
    result.levels.push({ level: 'item', path: `${root}${cpv}${lot}/21/${enc(result.serial)}` });
  }
  if (result.lot !== undefined) result.levels.push({ level: 'lot', path: `${root}${cpv}${lot}` });
  if (result.cpv !== undefined) result.levels.push({ level: 'cpv', path: `${root}${cpv}` });
  result.levels.push({ level: 'product', path: root });
  return { ok: true, value: result };
}

/**
 * Check the data attributes we know in a query string (dates as YYMMDD); other keys pass, since
 * the resolver passes every `key=value` on. Returns the reason of the first bad one, or null.
 */
export function checkDataAttributes(query: URLSearchParams): string | null {
  for (const [key, value] of query) {
    if (!DATE_AIS.has(key)) continue;
    const m = /^(\d{2})(\d{2})(\d{2})$/.exec(value);
    const [, yy, mm, dd] = m ?? [];
    if (!yy || !mm || !dd) return `AI ${key} is a date written YYMMDD.`;
    if (dd === '00' ? !/^(0[1-9]|1[0-2])$/.test(mm) : !isIsoDate(`20${yy}-${mm}-${dd}`)) {
      return `AI ${key} is not a calendar date.`;
    }
  }
  return null;
}

export type RequestedLinkType = { kind: 'linkset' } | { kind: 'type'; uri: string };

/**
 * The link type asked for with `?linkType=`, as a full URI. `linkset` (Conformant Resolver 1.0)
 * and `all` (Digital Link 1.2) ask for the linkset; `gs1:x`, `https://gs1.org/voc/x` and
 * `https://ref.gs1.org/voc/x` all name the same GS1 link type; a bare word is read as `gs1:`.
 */
export function parseLinkType(value: string): RequestedLinkType {
  const v = value.trim();
  if (v === 'linkset' || v === 'all') return { kind: 'linkset' };
  const gs1 = /^(?:gs1:|https?:\/\/(?:www\.|ref\.)?gs1\.org\/voc\/)([A-Za-z][A-Za-z0-9]*)$/.exec(v);
  if (gs1?.[1]) return { kind: 'type', uri: `${GS1_VOC}${gs1[1]}` };
  if (/^[A-Za-z][A-Za-z0-9]*$/.test(v)) return { kind: 'type', uri: `${GS1_VOC}${v}` };
  return { kind: 'type', uri: v };
}

/** The CURIE of a GS1 link type URI (`gs1:pip`), or the URI itself for other namespaces. */
export function linkTypeCurie(uri: string): string {
  return uri.startsWith(GS1_VOC) ? `gs1:${uri.slice(GS1_VOC.length)}` : uri;
}

export type Language = 'vi' | 'en';

/** One link target. Titles in Vietnamese first, English second (DESIGN: Vietnamese first). */
export interface LinkTarget {
  href: string;
  title: { vi: string; en: string };
  /** Languages of the target resource (RFC 8288 `hreflang`). */
  hreflang?: readonly Language[];
  /** IANA media type of the target. */
  type?: string;
}

/** The links of one level, about `anchor`. Link types are full URIs ({@link LINK_TYPE}). */
export interface LinkContext {
  anchor: string;
  /** GS1 linkset extension: a short description of the identified item. */
  itemDescription?: string;
  links: Record<string, LinkTarget[]>;
}

/** A target as RFC 9264 §4.2 writes it: `title` in the asked language, `title*` in both. */
export interface LinksetTargetJson {
  href: string;
  title: string;
  'title*'?: { value: string; language: Language }[];
  hreflang?: Language[];
  type?: string;
}

/**
 * The RFC 9264 JSON linkset of the given levels. `gs1:defaultLink` carries only `href` and
 * `title` ("the default link SHALL NOT have any optional attributes").
 */
export function toLinksetJson(
  contexts: readonly LinkContext[],
  language: Language = 'vi',
): { linkset: Record<string, unknown>[] } {
  return {
    linkset: contexts.map((ctx) => {
      const out: Record<string, unknown> = { anchor: ctx.anchor };
      if (ctx.itemDescription) out.itemDescription = ctx.itemDescription;
      for (const [rel, targets] of Object.entries(ctx.links)) {
        if (targets.length === 0) continue;
        out[rel] = targets.map((t): LinksetTargetJson => {
          if (rel === LINK_TYPE.defaultLink) return { href: t.href, title: t.title[language] };
          return {
            href: t.href,
            title: t.title[language],
            'title*': [
              { value: t.title.vi, language: 'vi' },
              { value: t.title.en, language: 'en' },
            ],
            ...(t.hreflang ? { hreflang: [...t.hreflang] } : {}),
            ...(t.type ? { type: t.type } : {}),
          };
        });
      }
      return out;
    }),
  };
}

/** Every target of `linkType` in the given levels, most specific level first. */
export function linksOfType(contexts: readonly LinkContext[], linkType: string): LinkTarget[] {
  return contexts.flatMap((c) => c.links[linkType] ?? []);
}

interface Preference {
  value: string;
  q: number;
}

/** An Accept or Accept-Language header as `value;q=…` entries (q = 0 entries are kept). */
function parsePreferences(header: string | undefined): Preference[] {
  if (!header) return [];
  const out: Preference[] = [];
  for (const part of header.split(',')) {
    const [value = '', ...params] = part.split(';').map((s) => s.trim());
    if (!value) continue;
    let q = 1;
    for (const p of params) {
      const m = /^q=([0-9.]+)$/i.exec(p);
      if (m?.[1]) q = Math.min(1, Math.max(0, Number(m[1]) || 0));
    }
    out.push({ value: value.toLowerCase(), q });
  }
  return out;
}

/**
 * The quality an Accept header gives `mediaType`, and how specific the matching range was
 * (2 exact, 1 `type/*`, 0 `*\/*`, -1 no match). No header accepts everything.
 */
function acceptQuality(prefs: Preference[], mediaType: string): { q: number; specificity: number } {
  if (prefs.length === 0) return { q: 1, specificity: 0 };
  const [type] = mediaType.split('/');
  let best = { q: 0, specificity: -1 };
  for (const p of prefs) {
    const specificity = p.value === mediaType ? 2 : p.value === `${type}/*` ? 1 : p.value === '*/*' ? 0 : -1;
    if (specificity > best.specificity) best = { q: p.q, specificity };
  }
  return best;
}

/**
 * The offered media type an Accept header prefers: highest quality, then the most specific
 * match, then the order of `offered`. Null when the header accepts none of them.
 */
export function preferredMediaType(accept: string | undefined, offered: readonly string[]): string | null {
  const prefs = parsePreferences(accept);
  let best: { type: string; q: number; specificity: number } | null = null;
  for (const type of offered) {
    const { q, specificity } = acceptQuality(prefs, type);
    if (q <= 0) continue;
    if (!best || q > best.q || (q === best.q && specificity > best.specificity))
      best = { type, q, specificity };
  }
  return best?.type ?? null;
}

/** The first of our languages an Accept-Language header asks for (by quality), else Vietnamese. */
export function preferredLanguage(acceptLanguage: string | undefined): Language {
  const prefs = parsePreferences(acceptLanguage)
    .filter((p) => p.q > 0)
    .sort((a, b) => b.q - a.q);
  for (const p of prefs) {
    const primary = p.value.split('-')[0];
    if (primary === 'vi' || primary === 'en') return primary;
  }
  return 'vi';
}

/**
 * The target to redirect to among several of one link type ("SHOULD use Accept-Language, MAY
 * use Accept"): first those in the asked language, then those whose media type the client
 * accepts best; the first target when nothing discriminates.
 */
export function chooseLink(
  targets: readonly LinkTarget[],
  accept: string | undefined,
  acceptLanguage: string | undefined,
): LinkTarget | null {
  if (targets.length === 0) return null;
  let pool = [...targets];
  if (acceptLanguage) {
    const lang = preferredLanguage(acceptLanguage);
    const inLang = pool.filter((t) => t.hreflang?.includes(lang));
    if (inLang.length > 0) pool = inLang;
  }
  if (accept) {
    const types = pool.map((t) => t.type).filter((t): t is string => t !== undefined);
    const best = preferredMediaType(accept, types);
    const ofType = pool.filter((t) => t.type === best);
    if (best && ofType.length > 0) pool = ofType;
  }
  return pool[0] ?? null;
}

/**
 * An RFC 8288 Link header value. Header values must be ASCII: the English title goes in
 * `title`, the Vietnamese one in `title*` (RFC 8187 UTF-8 encoding).
 */
export function linkHeader(
  links: readonly { href: string; rel: string; type?: string; title?: { vi: string; en: string } }[],
): string {
  return links
    .map((l) => {
      const parts = [`<${l.href}>`, `rel="${l.rel}"`];
      if (l.type) parts.push(`type="${l.type}"`);
      if (l.title) {
        parts.push(`title="${l.title.en.replace(/["\\]/g, '')}"`);
        parts.push(
          `title*=UTF-8'vi'${encodeURIComponent(l.title.vi).replace(/['()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`)}`,
        );
      }
      return parts.join('; ');
    })
    .join(', ');
}
