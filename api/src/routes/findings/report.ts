import { createRequire } from 'node:module';
import { PassThrough } from 'node:stream';
import PDFDocument from 'pdfkit';
import sharp from 'sharp';
import type { Finding } from './schemas.ts';

/**
 * The inspection session's report, as CSV (a sortable spreadsheet, FSMA 204 style — products.md
 * §4.2 "bulk export") and as PDF (a printable record with the photos). Vietnamese first.
 */
export type Lang = 'vi' | 'en';

export const VERDICT_LABEL: Record<string, Record<Lang, string>> = {
  genuine: { vi: 'Hợp lệ', en: 'Genuine' },
  forged: { vi: 'Mã giả', en: 'Forged' },
  unknown: { vi: 'Không phải mã OCOP Trace', en: 'Not an OCOP Trace code' },
  revoked_certificate: { vi: 'Chứng nhận bị thu hồi', en: 'Certificate revoked' },
  recalled_batch: { vi: 'Lô hàng bị thu hồi', en: 'Batch recalled' },
  expired_certificate: { vi: 'Chứng nhận hết hiệu lực', en: 'Certificate expired' },
  suspected_copy: { vi: 'Nghi mã bị sao chép', en: 'Suspected copy' },
  status_unknown: { vi: 'Chưa kiểm tra được tình trạng', en: 'Status unknown' },
  not_scanned: { vi: 'Không quét mã', en: 'Not scanned' },
};

export const OUTCOME_LABEL: Record<string, Record<Lang, string>> = {
  compliant: { vi: 'Đạt', en: 'Compliant' },
  counterfeit_suspected: { vi: 'Nghi hàng giả', en: 'Suspected counterfeit' },
  stars_mismatch: { vi: 'Số sao trên bao bì sai', en: 'Stars on pack differ' },
  expired_mark: { vi: 'Dùng nhãn OCOP khi chứng nhận hết hạn', en: 'OCOP mark after expiry' },
  revoked_mark: { vi: 'Dùng nhãn OCOP khi chứng nhận bị thu hồi', en: 'OCOP mark after revocation' },
  recalled_on_sale: { vi: 'Lô bị thu hồi vẫn bày bán', en: 'Recalled batch on sale' },
  label_damaged: { vi: 'Tem, mã bị hỏng hoặc dán đè', en: 'Label damaged or covered' },
  no_code: { vi: 'Không có mã truy xuất', en: 'No trace code' },
  other: { vi: 'Khác', en: 'Other' },
};

const TZ = 'Asia/Ho_Chi_Minh';

export function formatTime(isoTime: string, lang: Lang): string {
  return new Intl.DateTimeFormat(lang === 'vi' ? 'vi-VN' : 'en-GB', {
    timeZone: TZ,
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    hour12: false,
  }).format(new Date(isoTime));
}

const HEADERS: Record<Lang, string[]> = {
  vi: [
    'STT',
    'Thời điểm',
    'Kiểm soát viên',
    'Địa điểm',
    'Địa bàn',
    'Kết quả quét',
    'Nguồn kiểm tra',
    'Sản phẩm',
    'Số lô',
    'Sao chứng nhận',
    'Sao trên bao bì',
    'Sai số sao',
    'Kết luận',
    'Ghi chú',
    'Số ảnh',
    'Mã QR',
    'Mã vụ việc',
    'Mã phát hiện',
  ],
  en: [
    'No.',
    'Time',
    'Inspector',
    'Place',
    'Area',
    'Scan verdict',
    'Checked',
    'Product',
    'Lot',
    'Certified stars',
    'Stars on pack',
    'Stars mismatch',
    'Outcome',
    'Note',
    'Photos',
    'QR code',
    'Case',
    'Finding id',
  ],
};

const SOURCE: Record<string, Record<Lang, string>> = {
  online: { vi: 'Trực tuyến', en: 'Online' },
  offline: { vi: 'Ngoại tuyến', en: 'Offline' },
  none: { vi: '—', en: '—' },
};

/**
 * One CSV field: always quoted, quotes doubled; a leading `= + - @` (or tab, CR) gets an apostrophe
 * so a spreadsheet never runs a note as a formula (OWASP "CSV injection").
 */
export function csvField(v: string | number | null | undefined): string {
  let s = v === null || v === undefined ? '' : String(v);
  if (/^[=+\-@\t\r]/.test(s)) s = `'${s}`;
  return `"${s.replace(/"/g, '""')}"`;
}

/** UTF-8 with a byte-order mark and CRLF lines (RFC 4180), so Excel shows the diacritics. */
export function findingsCsv(items: Finding[], lang: Lang): string {
  const yes = lang === 'vi' ? 'Có' : 'Yes';
  const no = lang === 'vi' ? 'Không' : 'No';
  const lines = [HEADERS[lang].map(csvField).join(',')];
  items.forEach((f, i) => {
    lines.push(
      [
        i + 1,
        formatTime(f.observedAt, lang),
        f.inspector.displayName,
        f.place,
        f.area?.name,
        VERDICT_LABEL[f.verdict]?.[lang] ?? f.verdict,
        SOURCE[f.verdictSource]?.[lang],
        f.product?.name,
        f.batch?.lot,
        f.certifiedStars,
        f.printedStars,
        f.printedStars === null || f.certifiedStars === null ? '' : f.starsMismatch ? yes : no,
        OUTCOME_LABEL[f.outcome]?.[lang] ?? f.outcome,
        f.note,
        f.photos.length,
        f.code,
        f.caseId,
        f.id,
      ]
        .map(csvField)
        .join(','),
    );
  });
  return '\uFEFF' + lines.join('\r\n') + '\r\n';
}

const require = createRequire(import.meta.url);
const FONT_REGULAR =
  require.resolve('@expo-google-fonts/be-vietnam-pro/400Regular/BeVietnamPro_400Regular.ttf');
const FONT_BOLD = require.resolve('@expo-google-fonts/be-vietnam-pro/700Bold/BeVietnamPro_700Bold.ttf');

export interface ReportPhoto {
  findingId: string;
  data: Buffer;
}

const T = {
  vi: {
    title: 'BIÊN BẢN KIỂM TRA SẢN PHẨM OCOP',
    subtitle: 'Kết quả quét mã và ghi nhận tại hiện trường',
    session: 'Phiên kiểm tra',
    inspector: 'Kiểm soát viên',
    period: 'Thời gian',
    made: 'Lập lúc',
    total: 'Số sản phẩm đã kiểm tra',
    problems: 'Số trường hợp có vấn đề',
    byOutcome: 'Theo kết luận',
    findings: 'Chi tiết từng sản phẩm',
    stars: (c: number | null, p: number | null) =>
      `Sao chứng nhận: ${c ?? '—'} · Sao trên bao bì: ${p ?? '—'}${c !== null && p !== null && c !== p ? ' (SAI LỆCH)' : ''}`,
    code: 'Mã',
    none: 'Không có phát hiện nào.',
    footer:
      'OCOP Trace · biên bản tạo tự động từ dữ liệu đã đồng bộ; mỗi phát hiện có mã định danh duy nhất.',
  },
  en: {
    title: 'OCOP PRODUCT INSPECTION REPORT',
    subtitle: 'Scan results and findings recorded in the field',
    session: 'Session',
    inspector: 'Inspector',
    period: 'Period',
    made: 'Made at',
    total: 'Products checked',
    problems: 'Findings with a problem',
    byOutcome: 'By outcome',
    findings: 'Each product',
    stars: (c: number | null, p: number | null) =>
      `Certified stars: ${c ?? '—'} · Stars on pack: ${p ?? '—'}${c !== null && p !== null && c !== p ? ' (MISMATCH)' : ''}`,
    code: 'Code',
    none: 'No findings.',
    footer: 'OCOP Trace · generated from synchronised data; every finding has a unique id.',
  },
};

/** PDF photos: pdfkit draws JPEG and PNG, so each stored WebP becomes a small JPEG thumbnail. */
export async function thumbnail(webp: Buffer): Promise<Buffer> {
  return sharp(webp).resize({ width: 360, height: 360, fit: 'inside' }).jpeg({ quality: 70 }).toBuffer();
}

/** The report as a PDF stream (A4, fonts embedded). */
export function findingsPdf(
  items: Finding[],
  photos: ReportPhoto[],
  meta: { lang: Lang; sessionId: string | null; madeAt: Date },
): PassThrough {
  const t = T[meta.lang];
  const doc = new PDFDocument({
    size: 'A4',
    margin: 42,
    info: { Title: t.title, Producer: 'OCOP Trace', Creator: 'OCOP Trace' },
  });
  const out = new PassThrough();
  doc.pipe(out);
  doc.registerFont('r', FONT_REGULAR);
  doc.registerFont('b', FONT_BOLD);
  const width = doc.page.width - 84;

  doc.font('b').fontSize(15).text(t.title, { align: 'center' });
  doc.font('r').fontSize(10).fillColor('#47525e').text(t.subtitle, { align: 'center' }).moveDown(0.8);
  doc.fillColor('#17202a');
  const inspectors = [...new Set(items.map((f) => f.inspector.displayName))].join(', ') || '—';
  const first = items[0]?.observedAt;
  const last = items[items.length - 1]?.observedAt;
  const line = (label: string, value: string) =>
    doc.font('b').fontSize(10).text(`${label}: `, { continued: true }).font('r').text(value);
  if (meta.sessionId) line(t.session, meta.sessionId);
  line(t.inspector, inspectors);
  if (first && last) line(t.period, `${formatTime(first, meta.lang)} – ${formatTime(last, meta.lang)}`);
  line(t.made, formatTime(meta.madeAt.toISOString(), meta.lang));
  line(t.total, String(items.length));
  line(t.problems, String(items.filter((f) => f.outcome !== 'compliant').length));

  const counts = new Map<string, number>();
  for (const f of items) counts.set(f.outcome, (counts.get(f.outcome) ?? 0) + 1);
  if (counts.size > 0) {
    doc.moveDown(0.5).font('b').text(t.byOutcome);
    for (const [k, n] of counts) doc.font('r').text(`• ${OUTCOME_LABEL[k]?.[meta.lang] ?? k}: ${n}`);
  }

  doc.moveDown(0.8).font('b').fontSize(12).text(t.findings).moveDown(0.3);
  if (items.length === 0) doc.font('r').fontSize(10).text(t.none);
  const byFinding = new Map<string, Buffer[]>();
  for (const p of photos) byFinding.set(p.findingId, [...(byFinding.get(p.findingId) ?? []), p.data]);

  items.forEach((f, i) => {
    if (doc.y > doc.page.height - 170) doc.addPage();
    const problem = f.outcome !== 'compliant';
    doc
      .font('b')
      .fontSize(10.5)
      .fillColor(problem ? '#b42318' : '#0b6b3a')
      .text(
        `${i + 1}. ${OUTCOME_LABEL[f.outcome]?.[meta.lang] ?? f.outcome} — ${VERDICT_LABEL[f.verdict]?.[meta.lang] ?? f.verdict}`,
        { width },
      );
    doc.fillColor('#17202a').font('r').fontSize(9.5);
    const parts = [
      formatTime(f.observedAt, meta.lang),
      [f.place, f.area?.name].filter(Boolean).join(', '),
      f.product ? `${f.product.name}${f.batch ? ` · ${f.batch.lot}` : ''}` : null,
    ].filter((s): s is string => Boolean(s));
    doc.text(parts.join(' · '), { width });
    if (f.certifiedStars !== null || f.printedStars !== null)
      doc.text(t.stars(f.certifiedStars, f.printedStars));
    if (f.note) doc.text(f.note, { width });
    if (f.code)
      doc.fillColor('#47525e').fontSize(8).text(`${t.code}: ${f.code}`, { width }).fillColor('#17202a');
    const thumbs = byFinding.get(f.id) ?? [];
    if (thumbs.length > 0) {
      if (doc.y > doc.page.height - 150) doc.addPage();
      const y = doc.y + 4;
      thumbs.slice(0, 4).forEach((img, k) => {
        doc.image(img, 42 + k * 128, y, { fit: [120, 120] });
      });
      doc.y = y + 126;
      doc.x = 42;
    }
    doc.moveDown(0.6);
  });

  doc.moveDown(1).fontSize(8).fillColor('#47525e').text(t.footer, { width });
  doc.end();
  return out;
}
