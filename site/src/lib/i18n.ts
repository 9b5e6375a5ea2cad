/**
 * Vietnamese first, English second (DESIGN "Who uses it"). The language comes from `?lang=en`;
 * every internal link keeps it. Strings live here, not in the pages, so both languages stay whole.
 */
export type Lang = 'vi' | 'en';

export function langOf(url: URL): Lang {
  return url.searchParams.get('lang') === 'en' ? 'en' : 'vi';
}

/** An internal link in the current language. */
export function href(lang: Lang, path: string, params: Record<string, string | undefined> = {}): string {
  const u = new URL(path, 'http://x');
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== '') u.searchParams.set(k, v);
  if (lang === 'en') u.searchParams.set('lang', 'en');
  else u.searchParams.delete('lang');
  return u.pathname + u.search;
}

/** The same page in the other language. */
export function switchLangHref(url: URL, to: Lang): string {
  const u = new URL(url.pathname + url.search, 'http://x');
  if (to === 'en') u.searchParams.set('lang', 'en');
  else u.searchParams.delete('lang');
  return u.pathname + u.search;
}

const TZ = 'Asia/Ho_Chi_Minh';

// Intl formatters are built once per language and reused: building one costs far more than
// formatting with it, and a verification page formats a dozen dates and numbers.
const DATE = new Intl.DateTimeFormat('vi-VN', {
  timeZone: TZ,
  day: '2-digit',
  month: '2-digit',
  year: 'numeric',
});
const dateTimeOptions: Intl.DateTimeFormatOptions = {
  timeZone: TZ,
  day: '2-digit',
  month: '2-digit',
  year: 'numeric',
  hour: '2-digit',
  minute: '2-digit',
};
const DATE_TIME: Record<Lang, Intl.DateTimeFormat> = {
  vi: new Intl.DateTimeFormat('vi-VN', dateTimeOptions),
  en: new Intl.DateTimeFormat('en-GB', dateTimeOptions),
};
const NUMBER: Record<Lang, Intl.NumberFormat> = {
  vi: new Intl.NumberFormat('vi-VN', { maximumFractionDigits: 3 }),
  en: new Intl.NumberFormat('en-GB', { maximumFractionDigits: 3 }),
};

/** `2026-03-15` → `15/03/2026` (both languages use day/month/year in Vietnam). */
export function formatDate(iso: string | null | undefined): string {
  if (!iso) return '—';
  const m = /^(\d{4})-(\d{2})-(\d{2})/.exec(iso);
  if (m && iso.length === 10) return `${m[3]}/${m[2]}/${m[1]}`;
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  return DATE.format(d);
}

/**
 * ISO dates inside a sentence (the checks' details come from the API as `2027-09-29`) in the
 * day/month/year the rest of the page uses.
 */
export function localDates(text: string): string {
  return text.replace(/\b(\d{4})-(\d{2})-(\d{2})\b/g, '$3/$2/$1');
}

export function formatDateTime(iso: string | null | undefined, lang: Lang): string {
  if (!iso) return '—';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  return DATE_TIME[lang].format(d);
}

export function formatNumber(n: number | string | null | undefined, lang: Lang): string {
  if (n === null || n === undefined || n === '') return '—';
  const v = typeof n === 'string' ? Number(n) : n;
  if (!Number.isFinite(v)) return String(n);
  return NUMBER[lang].format(v);
}

export type Verdict =
  | 'forged'
  | 'unknown'
  | 'revoked_certificate'
  | 'recalled_batch'
  | 'expired_certificate'
  | 'suspected_copy'
  | 'status_unknown'
  | 'genuine';

export const VERDICTS: readonly Verdict[] = [
  'forged',
  'unknown',
  'revoked_certificate',
  'recalled_batch',
  'expired_certificate',
  'suspected_copy',
  'status_unknown',
  'genuine',
];

/** The colour family of a verdict banner: good, caution, bad, neutral. */
export function verdictTone(v: Verdict): 'good' | 'caution' | 'bad' | 'neutral' {
  switch (v) {
    case 'genuine':
      return 'good';
    case 'suspected_copy':
    case 'status_unknown':
      return 'caution';
    case 'unknown':
      return 'neutral';
    default:
      return 'bad';
  }
}

/** The icon beside a verdict: never colour alone (WCAG 1.4.1). */
export function verdictIcon(v: Verdict): 'shield' | 'warn' | 'question' | 'cross' {
  const tone = verdictTone(v);
  return tone === 'good' ? 'shield' : tone === 'caution' ? 'warn' : tone === 'neutral' ? 'question' : 'cross';
}

/**
 * Verdict wording. Honest: each says what was checked, and only `genuine` says the product passed;
 * `status_unknown` never reads as genuine (DESIGN "What a verification says").
 */
export const VERDICT_TEXT: Record<Verdict, Record<Lang, { title: string; body: string; advice: string }>> = {
  genuine: {
    vi: {
      title: 'Mã hợp lệ: sản phẩm OCOP đang được chứng nhận',
      body: 'Chữ ký số của mã đúng, chứng nhận OCOP của sản phẩm còn hiệu lực và lô hàng không bị thu hồi.',
      advice: 'Hãy so sánh tên sản phẩm và số sao dưới đây với bao bì.',
    },
    en: {
      title: 'Genuine code: a currently certified OCOP product',
      body: "The code's digital signature is valid, the product's OCOP certificate is in force and the batch has not been recalled.",
      advice: 'Compare the product name and the stars below with the pack.',
    },
  },
  forged: {
    vi: {
      title: 'Cảnh báo: mã giả hoặc đã bị sửa',
      body: 'Chữ ký số không khớp: mã này không do hệ thống OCOP Trace cấp, hoặc đã bị thay đổi sau khi cấp.',
      advice: 'Không tin các thông tin in trên bao bì. Hãy báo cáo sản phẩm bằng mẫu bên dưới.',
    },
    en: {
      title: 'Warning: forged or altered code',
      body: 'The digital signature does not match: OCOP Trace did not issue this code, or it was changed after issue.',
      advice: 'Do not trust what the pack says. Please report the product with the form below.',
    },
  },
  unknown: {
    vi: {
      title: 'Không phải mã của OCOP Trace',
      body: 'Mã này không theo định dạng của hệ thống nên không kiểm tra được.',
      advice: 'Nếu bao bì có dấu OCOP, hãy quét mã QR truy xuất OCOP khác trên bao bì hoặc báo cáo sản phẩm.',
    },
    en: {
      title: 'Not an OCOP Trace code',
      body: 'This code is not in the format of this system, so it could not be checked.',
      advice: 'If the pack shows the OCOP mark, scan its OCOP traceability QR code or report the product.',
    },
  },
  revoked_certificate: {
    vi: {
      title: 'Chứng nhận OCOP đã bị thu hồi',
      body: 'Mã do hệ thống cấp, nhưng cơ quan có thẩm quyền đã thu hồi chứng nhận OCOP của sản phẩm này.',
      advice: 'Sản phẩm không còn được dùng nhãn OCOP và số sao.',
    },
    en: {
      title: 'OCOP certificate revoked',
      body: 'The code was issued by this system, but the certifying authority has revoked the product’s OCOP certificate.',
      advice: 'The product may no longer carry the OCOP mark or its stars.',
    },
  },
  recalled_batch: {
    vi: {
      title: 'Lô hàng đã bị thu hồi',
      body: 'Mã do hệ thống cấp, nhưng lô hàng này đã bị thu hồi.',
      advice: 'Không sử dụng sản phẩm. Liên hệ nơi bán hoặc nhà sản xuất.',
    },
    en: {
      title: 'Batch recalled',
      body: 'The code was issued by this system, but this batch has been recalled.',
      advice: 'Do not use the product. Contact the shop or the producer.',
    },
  },
  expired_certificate: {
    vi: {
      title: 'Chứng nhận OCOP đã hết hiệu lực',
      body: 'Mã do hệ thống cấp, nhưng chứng nhận OCOP của sản phẩm đã quá thời hạn 36 tháng.',
      advice: 'Sau khi hết hạn, nhãn OCOP và số sao phải được gỡ khỏi bao bì cho đến khi đánh giá lại.',
    },
    en: {
      title: 'OCOP certificate expired',
      body: 'The code was issued by this system, but the product’s OCOP certificate is past its 36 months.',
      advice: 'After expiry the OCOP mark and stars must leave the pack until the product is re-evaluated.',
    },
  },
  suspected_copy: {
    vi: {
      title: 'Nghi ngờ mã bị sao chép',
      body: 'Chữ ký số đúng, nhưng mã này đã được quét bất thường (nhiều thiết bị, nhiều nơi xa nhau hoặc quá số lượng của lô).',
      advice: 'Tem có thể đã bị in lại. Hãy cẩn thận và báo cáo nếu nghi ngờ.',
    },
    en: {
      title: 'Suspected copied code',
      body: 'The signature is valid, but this code has been scanned unusually (many devices, far-apart places, or more often than the batch has units).',
      advice: 'The label may have been reprinted. Be careful and report it if in doubt.',
    },
  },
  status_unknown: {
    vi: {
      title: 'Chữ ký đúng, chưa kiểm tra được tình trạng hiện tại',
      body: 'Mã do hệ thống cấp, nhưng chưa xác nhận được chứng nhận và lô hàng hiện còn hiệu lực hay không.',
      advice: 'Chưa thể khẳng định sản phẩm hợp lệ. Hãy kết nối mạng và kiểm tra lại.',
    },
    en: {
      title: 'Signature valid, current status not checked',
      body: 'The code was issued by this system, but whether its certificate and batch are still in good standing could not be confirmed.',
      advice: 'This is not a confirmation that the product is genuine. Go online and check again.',
    },
  },
};

export const CERT_LEVEL: Record<string, Record<Lang, string>> = {
  district: { vi: 'Cấp huyện', en: 'District level' },
  province: { vi: 'Cấp tỉnh', en: 'Provincial level' },
  central: { vi: 'Cấp trung ương', en: 'National level' },
};

export const CERT_STATUS: Record<string, Record<Lang, string>> = {
  active: { vi: 'Còn hiệu lực', en: 'In force' },
  valid: { vi: 'Còn hiệu lực', en: 'In force' },
  not_yet_valid: { vi: 'Chưa có hiệu lực', en: 'Not yet in force' },
  expired: { vi: 'Hết hiệu lực', en: 'Expired' },
  revoked: { vi: 'Đã bị thu hồi', en: 'Revoked' },
  superseded: { vi: 'Đã được thay thế', en: 'Superseded' },
  none: { vi: 'Chưa có chứng nhận', en: 'No certificate' },
};

export const REVOCATION_REASON: Record<string, Record<Lang, string>> = {
  EXPIRED_NOT_REEVALUATED: { vi: 'Không đánh giá lại đúng hạn', en: 'Not re-evaluated in time' },
  FAILED_REEVALUATION: { vi: 'Không đạt khi đánh giá lại', en: 'Failed re-evaluation' },
  PROCESS_NONCOMPLIANCE: { vi: 'Vi phạm quy trình sản xuất', en: 'Production process violations' },
  FOOD_SAFETY: { vi: 'Vi phạm an toàn thực phẩm', en: 'Food-safety violations' },
  PRODUCT_CHANGED: { vi: 'Sản phẩm đã thay đổi', en: 'Product changed' },
  CEASED_OPERATION: { vi: 'Chủ thể ngừng hoạt động', en: 'Producer ceased operating' },
  OTHER: { vi: 'Lý do khác', en: 'Other reason' },
};

export const EVENT_TYPE: Record<string, Record<Lang, string>> = {
  harvest: { vi: 'Thu hoạch', en: 'Harvest' },
  receiving: { vi: 'Tiếp nhận nguyên liệu', en: 'Receiving' },
  processing: { vi: 'Chế biến', en: 'Processing' },
  packaging: { vi: 'Đóng gói', en: 'Packaging' },
  storage: { vi: 'Lưu kho', en: 'Storage' },
  shipping: { vi: 'Vận chuyển', en: 'Shipping' },
  inspection: { vi: 'Kiểm tra', en: 'Inspection' },
  other: { vi: 'Khác', en: 'Other' },
};

export const ZONE_SCHEME: Record<string, Record<Lang, string>> = {
  VUNG_TRONG: { vi: 'Mã số vùng trồng', en: 'Growing-area code' },
  VUNG_TRONG_XK: { vi: 'Mã số vùng trồng xuất khẩu', en: 'Export growing-area code' },
  NUOI_TRONG_THUY_SAN: { vi: 'Mã số cơ sở nuôi trồng thủy sản', en: 'Aquaculture facility code' },
  CA_TRA: { vi: 'Mã số vùng nuôi cá tra', en: 'Pangasius farm code' },
  OTHER: { vi: 'Mã vùng nguyên liệu', en: 'Raw-material zone code' },
};

export const PRODUCER_KIND: Record<string, Record<Lang, string>> = {
  DN: { vi: 'Doanh nghiệp', en: 'Enterprise' },
  HTX: { vi: 'Hợp tác xã', en: 'Cooperative' },
  THT: { vi: 'Tổ hợp tác', en: 'Cooperative group' },
  HKD: { vi: 'Hộ kinh doanh', en: 'Household business' },
};

/** The top group (I … VI of 148/QĐ-TTg annex I) of a category code such as `I.1.a`. */
export function groupOf(categoryCode: string | null | undefined): string | null {
  const g = categoryCode?.split('.')[0];
  return g && /^(?:I|II|III|IV|V|VI)$/.test(g) ? g : null;
}

/** Groups as numbers 1–6, for the placeholder photos. */
export const GROUP_NUMBER: Record<string, number> = { I: 1, II: 2, III: 3, IV: 4, V: 5, VI: 6 };

/** Reasons offered by the report form; the API stores the code, never free text for the reason. */
export const REPORT_REASONS = [
  'fake',
  'stars_mismatch',
  'expired_mark',
  'label_damaged',
  'quality',
  'other',
] as const;
export type ReportReason = (typeof REPORT_REASONS)[number];

export const REPORT_REASON_TEXT: Record<ReportReason, Record<Lang, string>> = {
  fake: { vi: 'Nghi hàng giả, hàng nhái', en: 'Looks counterfeit' },
  stars_mismatch: {
    vi: 'Số sao trên bao bì khác số sao được chứng nhận',
    en: 'Stars on the pack differ from the certified stars',
  },
  expired_mark: {
    vi: 'Vẫn dùng nhãn OCOP dù chứng nhận hết hiệu lực hoặc bị thu hồi',
    en: 'OCOP mark used although the certificate expired or was revoked',
  },
  label_damaged: { vi: 'Tem, mã QR bị dán đè hoặc hư hỏng', en: 'Label or QR code covered or damaged' },
  quality: { vi: 'Chất lượng sản phẩm có vấn đề', en: 'Product quality problem' },
  other: { vi: 'Lý do khác', en: 'Other' },
};

/** Interface strings. */
const vi = {
  siteName: 'OCOP Trace',
  tagline: 'Kiểm tra sản phẩm OCOP Quảng Ngãi',
  skip: 'Bỏ qua, đến nội dung chính',
  navHome: 'Trang chủ',
  navScan: 'Quét mã',
  navCatalogue: 'Sản phẩm OCOP',
  language: 'Ngôn ngữ',
  otherLang: 'English',
  footer: 'Hệ thống truy xuất và xác thực sản phẩm OCOP, theo Kế hoạch 69/KH-UBND của UBND tỉnh Quảng Ngãi.',
  footerApi: 'API mở',
  checkedAt: 'Kiểm tra lúc',
  stars: 'sao',
  /** The certified stars, large on the page: "4 sao OCOP". */
  starsOcop: (n: number) => `${n} sao OCOP`,
  certifiedStars: 'Số sao OCOP được chứng nhận',
  compareStars: 'So sánh với số sao in trên bao bì',
  starsNotValid: 'Chứng nhận không còn hiệu lực: sản phẩm không được dùng số sao này.',
  whatChecked: 'Những gì đã được kiểm tra',
  passed: 'Đạt',
  failed: 'Không đạt',
  warning: 'Lưu ý',
  product: 'Sản phẩm',
  producer: 'Chủ thể sản xuất',
  commune: 'Xã, phường',
  address: 'Địa chỉ',
  phone: 'Điện thoại',
  group: 'Nhóm sản phẩm',
  batch: 'Lô hàng',
  lot: 'Số lô',
  serial: 'Số sê-ri',
  producedOn: 'Ngày sản xuất',
  bestBefore: 'Hạn sử dụng',
  pastBestBefore: 'Đã quá hạn sử dụng in trên lô hàng.',
  quantity: 'Số lượng lô',
  certificate: 'Chứng nhận OCOP',
  decision: 'Quyết định',
  decisionDate: 'Ngày quyết định',
  level: 'Cấp công nhận',
  authority: 'Cơ quan công nhận',
  validTo: 'Hiệu lực đến',
  status: 'Tình trạng',
  certExpired: 'Chứng nhận OCOP đã hết hiệu lực',
  certRevoked: 'Chứng nhận OCOP đã bị thu hồi',
  revocationReason: 'Lý do thu hồi',
  madeWhileValid: 'Lô hàng được sản xuất khi chứng nhận còn hiệu lực.',
  madeWhileInvalid: 'Lô hàng được sản xuất khi chứng nhận không còn hiệu lực.',
  zones: 'Vùng nguyên liệu',
  zoneCode: 'Mã số',
  zoneIssuer: 'Cơ quan cấp mã',
  zoneCrop: 'Cây trồng, vật nuôi',
  zoneArea: 'Diện tích',
  noZones: 'Lô hàng không khai báo vùng nguyên liệu.',
  timeline: 'Chuỗi giá trị',
  noEvents: 'Chưa có bước nào của chuỗi giá trị được ghi lại.',
  scanHistory: 'Lịch sử quét',
  scannedTimes: (n: number) => `Mã này đã được quét ${n} lần`,
  firstScan: 'lần đầu lúc',
  lastScan: 'gần nhất lúc',
  devices: 'thiết bị khác nhau',
  report: 'Báo cáo sản phẩm đáng ngờ',
  reportIntro:
    'Thấy điều gì không đúng? Báo cho cơ quan quản lý OCOP. Bạn không cần để lại thông tin cá nhân.',
  reportReason: 'Vấn đề bạn thấy',
  reportDetails: 'Mô tả thêm (không bắt buộc)',
  reportWhere: 'Nơi bán (không bắt buộc)',
  reportContact: 'Số điện thoại hoặc email để cơ quan liên hệ lại (không bắt buộc)',
  reportSend: 'Gửi báo cáo',
  reportThanks: 'Cảm ơn bạn. Báo cáo đã được gửi tới cơ quan quản lý OCOP.',
  reportRef: 'Mã báo cáo',
  reportFailed: 'Chưa gửi được báo cáo. Hãy thử lại sau ít phút.',
  reportInvalid: 'Hãy chọn vấn đề bạn thấy.',
  reportLimited: 'Bạn đã gửi nhiều báo cáo liên tiếp. Hãy thử lại sau.',
  apiDown: 'Chưa kết nối được máy chủ kiểm tra. Hãy thử lại sau ít phút.',
  scanAnother: 'Quét mã khác',
  viewProduct: 'Xem sản phẩm trong danh mục',
  unitCode: 'Mã từng sản phẩm',
  batchCode: 'Mã lô hàng',
  notFoundTitle: 'Không tìm thấy trang',
  notFoundBody:
    'Địa chỉ này không có nội dung. Nếu bạn quét mã QR trên bao bì mà đến đây, hãy báo cho cơ quan quản lý.',
};

export type UiStrings = typeof vi;

const en: UiStrings = {
  siteName: 'OCOP Trace',
  tagline: 'Check OCOP products of Quảng Ngãi',
  skip: 'Skip to main content',
  navHome: 'Home',
  navScan: 'Scan',
  navCatalogue: 'OCOP products',
  language: 'Language',
  otherLang: 'Tiếng Việt',
  footer:
    'Traceability and verification of OCOP products, under Plan 69/KH-UBND of the Quảng Ngãi People’s Committee.',
  footerApi: 'Open API',
  checkedAt: 'Checked at',
  stars: 'stars',
  starsOcop: (n: number) => `${n} OCOP ${n === 1 ? 'star' : 'stars'}`,
  certifiedStars: 'Certified OCOP stars',
  compareStars: 'Compare with the stars printed on the pack',
  starsNotValid: 'The certificate is not in force: the product may not use these stars.',
  whatChecked: 'What was checked',
  passed: 'Passed',
  failed: 'Failed',
  warning: 'Note',
  product: 'Product',
  producer: 'Producer',
  commune: 'Commune',
  address: 'Address',
  phone: 'Phone',
  group: 'Product group',
  batch: 'Batch',
  lot: 'Lot',
  serial: 'Serial',
  producedOn: 'Produced on',
  bestBefore: 'Best before',
  pastBestBefore: 'Past the best-before date printed for this batch.',
  quantity: 'Batch size',
  certificate: 'OCOP certificate',
  decision: 'Decision',
  decisionDate: 'Decision date',
  level: 'Certifying level',
  authority: 'Certifying authority',
  validTo: 'Valid to',
  status: 'Status',
  certExpired: 'The OCOP certificate has expired',
  certRevoked: 'The OCOP certificate has been revoked',
  revocationReason: 'Reason for revocation',
  madeWhileValid: 'The batch was made while the certificate was in force.',
  madeWhileInvalid: 'The batch was made when the certificate was not in force.',
  zones: 'Raw-material zones',
  zoneCode: 'Code',
  zoneIssuer: 'Issued by',
  zoneCrop: 'Crop or species',
  zoneArea: 'Area',
  noZones: 'No raw-material zone is declared for this batch.',
  timeline: 'Value chain',
  noEvents: 'No value-chain step has been recorded yet.',
  scanHistory: 'Scan history',
  scannedTimes: (n: number) => `This code has been scanned ${n} ${n === 1 ? 'time' : 'times'}`,
  firstScan: 'first on',
  lastScan: 'last on',
  devices: 'different devices',
  report: 'Report a suspicious product',
  reportIntro: 'Something wrong? Tell the OCOP office. You do not need to leave personal details.',
  reportReason: 'What did you notice?',
  reportDetails: 'More details (optional)',
  reportWhere: 'Where it was sold (optional)',
  reportContact: 'Phone or email so the office can reply (optional)',
  reportSend: 'Send report',
  reportThanks: 'Thank you. Your report has been sent to the OCOP office.',
  reportRef: 'Report number',
  reportFailed: 'The report could not be sent. Please try again in a few minutes.',
  reportInvalid: 'Please choose what you noticed.',
  reportLimited: 'You have sent several reports in a row. Please try again later.',
  apiDown: 'The verification server could not be reached. Please try again in a few minutes.',
  scanAnother: 'Scan another code',
  viewProduct: 'See the product in the catalogue',
  unitCode: 'Unit code',
  batchCode: 'Batch code',
  notFoundTitle: 'Page not found',
  notFoundBody:
    'There is nothing at this address. If a QR code on a pack brought you here, please tell the OCOP office.',
};

export const UI: Record<Lang, UiStrings> = { vi, en };

/** Strings of the scan page (also used by its script in the browser). */
export const SCAN = {
  vi: {
    title: 'Quét mã QR OCOP',
    help: 'Hướng camera vào mã QR trên bao bì. Trang tự nhận mã liên tục, không cần chụp ảnh.',
    start: 'Bật camera',
    stop: 'Tắt camera',
    torchOn: 'Bật đèn',
    torchOff: 'Tắt đèn',
    idle: 'Camera đang tắt',
    starting: 'Đang bật camera…',
    scanning: 'Đang tìm mã QR…',
    noCamera: 'Không dùng được camera. Hãy cho phép trang dùng camera, hoặc nhập mã hay chọn ảnh bên dưới.',
    checking: 'Đang kiểm tra mã…',
    manual: 'Nhập hoặc dán mã',
    manualLabel: 'Nội dung mã QR (địa chỉ bắt đầu bằng https://)',
    manualSubmit: 'Kiểm tra mã',
    file: 'Chọn ảnh có mã QR',
    fileLabel: 'Ảnh chụp mã QR',
    fileNone: 'Không tìm thấy mã QR trong ảnh.',
    online: 'Kiểm tra trực tuyến với máy chủ OCOP Trace.',
    offline: 'Kiểm tra ngoại tuyến bằng dữ liệu đã lưu trên máy.',
    offlineData: 'Dữ liệu kiểm tra ngoại tuyến',
    snapshotAge: (age: string, at: string) => `cập nhật ${age} (${at})`,
    noOfflineData: 'Chưa có dữ liệu ngoại tuyến: hãy mở trang này một lần khi có mạng.',
    offlineReady: 'Trang quét đã sẵn sàng dùng khi mất mạng.',
    details: 'Xem đầy đủ thông tin',
    scanned: 'Mã vừa quét',
    justNow: 'vừa xong',
    minutes: (n: number) => `${n} phút trước`,
    hours: (n: number) => `${n} giờ trước`,
    days: (n: number) => `${n} ngày trước`,
    noscript:
      'Trang quét cần JavaScript. Bạn vẫn có thể quét mã bằng camera điện thoại hoặc Zalo: mã sẽ mở thẳng trang kết quả.',
  },
  en: {
    title: 'Scan an OCOP QR code',
    help: 'Point the camera at the QR code on the pack. Codes are read continuously; no need to take a photo.',
    start: 'Start camera',
    stop: 'Stop camera',
    torchOn: 'Torch on',
    torchOff: 'Torch off',
    idle: 'The camera is off',
    starting: 'Starting the camera…',
    scanning: 'Looking for a QR code…',
    noCamera:
      'The camera cannot be used. Allow this page to use the camera, or type a code or pick a photo below.',
    checking: 'Checking the code…',
    manual: 'Type or paste a code',
    manualLabel: 'Text of the QR code (an address starting with https://)',
    manualSubmit: 'Check code',
    file: 'Pick a photo of a QR code',
    fileLabel: 'Photo of the QR code',
    fileNone: 'No QR code was found in the photo.',
    online: 'Checked online with the OCOP Trace server.',
    offline: 'Checked offline with the data saved on this device.',
    offlineData: 'Offline verification data',
    snapshotAge: (age: string, at: string) => `updated ${age} (${at})`,
    noOfflineData: 'No offline data yet: open this page once while online.',
    offlineReady: 'The scan page is ready to work offline.',
    details: 'See all the details',
    scanned: 'Scanned code',
    justNow: 'just now',
    minutes: (n: number) => `${n} min ago`,
    hours: (n: number) => `${n} h ago`,
    days: (n: number) => `${n} days ago`,
    noscript:
      'The scan page needs JavaScript. You can still scan with your phone camera or Zalo: the code opens its result page directly.',
  },
};
