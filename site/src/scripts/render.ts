/**
 * Draws a verification result on the scan page with DOM calls only: scanned text and API data
 * always go through textContent, never HTML (the CSP forbids inline script; this forbids markup).
 */
import type { VerifyView } from '../lib/verify-view.ts';
import {
  CERT_STATUS,
  SCAN,
  UI,
  VERDICT_TEXT,
  formatDate,
  formatDateTime,
  localDates,
  verdictIcon,
  verdictTone,
  type Lang,
} from '../lib/i18n.ts';

const SVG = 'http://www.w3.org/2000/svg';
const ICONS: Record<string, string> = {
  check: 'M12 2a10 10 0 1 0 0 20 10 10 0 0 0 0-20zm-1.2 14.6-4.4-4.4 1.5-1.5 2.9 2.9 5.9-5.9 1.5 1.5z',
  cross:
    'M12 2a10 10 0 1 0 0 20 10 10 0 0 0 0-20zm4.3 12.9-1.4 1.4L12 13.4l-2.9 2.9-1.4-1.4 2.9-2.9-2.9-2.9 1.4-1.4 2.9 2.9 2.9-2.9 1.4 1.4-2.9 2.9z',
  warn: 'M12 2 1 21h22zm1 15h-2v-2h2zm0-4h-2V9h2z',
  question:
    'M12 2a10 10 0 1 0 0 20 10 10 0 0 0 0-20zm1 16h-2v-2h2zm2.1-7.8-.9.9c-.7.7-1.2 1.3-1.2 2.9h-2v-.5c0-1.1.5-2.1 1.2-2.8l1.2-1.3a2 2 0 1 0-3.4-1.4H8a4 4 0 1 1 7.1 2.2z',
  shield:
    'M12 1 3 5v6c0 5.5 3.8 10.7 9 12 5.2-1.3 9-6.5 9-12V5zm-1.2 15.6-4.4-4.4 1.5-1.5 2.9 2.9 5.9-5.9 1.5 1.5z',
};
const STAR = 'M12 1.8l3.1 6.4 7 1-5.1 4.9 1.2 7-6.2-3.3-6.2 3.3 1.2-7L1.9 9.2l7-1z';

type Child = Node | string | null | undefined | false;

export function h(
  tag: string,
  attrs: Record<string, string | undefined> = {},
  ...children: Child[]
): HTMLElement {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) if (v !== undefined) el.setAttribute(k, v);
  for (const c of children) if (c) el.append(c);
  return el;
}

function svg(viewBox: string, paths: { d: string; cls?: string }[], cls?: string): SVGSVGElement {
  const s = document.createElementNS(SVG, 'svg');
  s.setAttribute('viewBox', viewBox);
  s.setAttribute('aria-hidden', 'true');
  s.setAttribute('focusable', 'false');
  if (cls) s.setAttribute('class', cls);
  for (const p of paths) {
    const path = document.createElementNS(SVG, 'path');
    path.setAttribute('d', p.d);
    if (p.cls) {
      path.setAttribute('class', p.cls);
      path.setAttribute('stroke-width', '1.2');
      path.setAttribute('stroke-linejoin', 'round');
    }
    s.append(path);
  }
  return s;
}

const icon = (name: string) => {
  const s = svg('0 0 24 24', [{ d: ICONS[name] ?? '' }], 'icon');
  s.setAttribute('fill', 'currentColor');
  return s;
};

function stars(n: number, lang: Lang): HTMLElement {
  const count = Math.max(0, Math.min(5, Math.round(n)));
  const box = h('span', {
    class: 'stars lg',
    role: 'img',
    'aria-label': lang === 'vi' ? `${count} sao trên 5` : `${count} of 5 stars`,
  });
  for (let i = 0; i < 5; i++) box.append(svg('0 0 24 24', [{ d: STAR, cls: i < count ? 'on' : 'off' }]));
  return box;
}

export function ageText(issuedAt: Date, now: Date, lang: Lang): string {
  const s = SCAN[lang];
  const minutes = Math.max(0, Math.round((now.getTime() - issuedAt.getTime()) / 60_000));
  if (minutes < 1) return s.justNow;
  if (minutes < 60) return s.minutes(minutes);
  if (minutes < 48 * 60) return s.hours(Math.round(minutes / 60));
  return s.days(Math.round(minutes / 1440));
}

export interface Shown {
  view: VerifyView;
  code: string;
  source: 'online' | 'offline';
  snapshotIssuedAt: Date | null;
}

/** Replace the result area with the verdict banner (carrying `data-verdict`) and its essentials. */
export function renderResult(target: HTMLElement, r: Shown, lang: Lang): void {
  const t = UI[lang];
  const s = SCAN[lang];
  const v = r.view;
  const text = VERDICT_TEXT[v.verdict][lang];
  const now = new Date();
  const trusted = v.verdict !== 'forged' && v.verdict !== 'unknown';
  const cert = trusted ? v.certificate : null;
  const certBad =
    cert?.status === 'expired' ||
    cert?.status === 'revoked' ||
    v.verdict === 'expired_certificate' ||
    v.verdict === 'revoked_certificate';
  const source = h(
    'p',
    { class: 'checked-at' },
    r.source === 'online' ? s.online : s.offline,
    ' ',
    `${t.checkedAt} ${formatDateTime(now.toISOString(), lang)}.`,
  );
  if (r.source === 'offline' && r.snapshotIssuedAt) {
    source.append(
      h('br'),
      h(
        'span',
        { 'data-snapshot-age': String(Math.round((now.getTime() - r.snapshotIssuedAt.getTime()) / 1000)) },
        `${s.offlineData}: ${s.snapshotAge(ageText(r.snapshotIssuedAt, now, lang), formatDateTime(r.snapshotIssuedAt.toISOString(), lang))}`,
      ),
    );
  }
  const banner = h(
    'section',
    {
      class: `banner tone-${verdictTone(v.verdict)}`,
      'data-verdict': v.verdict,
      'data-source': r.source,
      'aria-labelledby': 'scan-verdict-title',
      tabindex: '-1',
    },
    icon(verdictIcon(v.verdict)),
    h(
      'div',
      {},
      h('h2', { id: 'scan-verdict-title' }, text.title),
      h('p', {}, text.body),
      h('p', {}, h('strong', {}, text.advice)),
      source,
    ),
  );
  const parts: HTMLElement[] = [banner];

  if (cert && cert.stars !== null) {
    parts.push(
      h(
        'div',
        { class: `card stars-box${certBad ? ' stars-void' : ''}` },
        h('h3', {}, t.certifiedStars),
        stars(cert.stars, lang),
        h('span', { class: 'stars-count' }, t.starsOcop(cert.stars)),
        h('p', {}, h('strong', {}, t.compareStars)),
        certBad ? h('p', { class: 'muted' }, t.starsNotValid) : null,
      ),
    );
  }
  const facts = h('dl', { class: 'facts' });
  const fact = (k: string, val: string | null | undefined, mono = false) => {
    if (!val) return;
    facts.append(h('dt', {}, k), h('dd', mono ? { class: 'mono' } : {}, val));
  };
  if (trusted) {
    fact(t.producer, v.producer?.name);
    fact(t.commune, v.product?.commune ?? v.producer?.commune);
    fact(t.lot, v.batch?.lot, true);
    fact(t.serial, v.batch?.serial, true);
    fact(t.producedOn, v.batch?.producedOn ? formatDate(v.batch.producedOn) : null);
    if (cert) {
      fact(t.certificate, CERT_STATUS[cert.status]?.[lang] ?? cert.status);
      fact(t.validTo, cert.validTo ? formatDate(cert.validTo) : null);
      fact(t.decision, cert.decisionNo);
    }
  }
  const checks = h('ul', { class: 'checks' });
  for (const c of v.checks) {
    const detail = lang === 'vi' ? c.detail_vi : c.detail_en;
    checks.append(
      h(
        'li',
        { class: c.ok ? 'ok' : c.warning ? 'warn' : 'ko', 'data-check': c.id },
        icon(c.ok ? 'check' : c.warning ? 'warn' : 'cross'),
        h(
          'span',
          {},
          h('span', { class: 'visually-hidden' }, `${c.ok ? t.passed : c.warning ? t.warning : t.failed}: `),
          lang === 'vi' ? c.label_vi : c.label_en,
          detail ? h('span', { class: 'detail' }, localDates(detail)) : null,
        ),
      ),
    );
  }
  const name =
    trusted && v.product ? (lang === 'en' && v.product.nameEn ? v.product.nameEn : v.product.name) : null;
  const card = h(
    'div',
    { class: 'card section' },
    name ? h('h3', {}, name) : null,
    facts.childElementCount ? facts : null,
  );
  if (v.checks.length) card.append(h('h3', {}, t.whatChecked), checks);
  card.append(h('p', { class: 'muted mono' }, `${s.scanned}: `, r.code));
  parts.push(card);

  const links = h('p', { class: 'actions' });
  let sameOrigin: boolean;
  try {
    sameOrigin = new URL(r.code).origin === location.origin;
  } catch {
    sameOrigin = false;
  }
  if (sameOrigin && trusted && navigator.onLine) {
    const u = new URL(r.code);
    if (lang === 'en') u.searchParams.set('lang', 'en');
    links.append(h('a', { class: 'button', href: u.pathname + u.search }, s.details));
  }
  const report = new URL('/bao-cao', location.origin);
  report.searchParams.set('code', r.code.slice(0, 2048));
  report.searchParams.set('verdict', v.verdict);
  if (v.product?.id) report.searchParams.set('product', v.product.id);
  if (lang === 'en') report.searchParams.set('lang', 'en');
  links.append(h('a', { class: 'button secondary', href: report.pathname + report.search }, t.report));
  parts.push(links);

  target.replaceChildren(...parts);
}
