import { readFileSync } from 'node:fs';
import { sql, type Kysely, type Transaction } from 'kysely';
import {
  RENEWAL_NOTICE_DAYS,
  addDays,
  addMonths,
  certificateStateOn,
  certificateValidTo,
  certifyingLevel,
  checkZoneCode,
  compareDates,
  criteriaSetOn,
  defaultAuthority,
  evaluateScores,
  findCategory,
  foldVietnamese,
  gtinCheckDigit,
  isIsoDate,
  isRenewalDue,
  isValidTaxCode,
  maxDate,
  minDate,
  roundScore,
  taxCodeCheckDigit,
  toGtin14,
  wasValidOn,
  TAXONOMY_148,
  type CertificateState,
  type CriteriaSet,
  type IsoDate,
  type RevocationReason,
} from '@ocop/domain';
import {
  QNG_ADMIN_UNITS,
  QNG_PROVINCE_2025_ID,
  seedAdminUnits,
  type AdminUnitSeed,
} from './admin-units-qng.ts';
import { syncReferenceData } from './reference.ts';
import type {
  BatchEventType,
  CertificateStatus,
  Database,
  ProducerKind,
  Role,
  ZoneScheme,
} from './schema.ts';

/**
 * Demo data for `npm start` on an empty database (DESIGN "Demo mode"): the real Quảng Ngãi OCOP
 * products of `data/quang-ngai-ocop-products.csv` (name, group, commune, stars, producer, decision
 * where the source gives it), made complete with illustrative details so every verdict can be seen.
 *
 * What is real and what is not:
 * - Real (from the sources in the CSV): products, producers and their kind, communes, star levels,
 *   the decision numbers 2361/QĐ-BNNMT (26/06/2025) and 1898/QĐ-UBND (2025, round 2).
 * - Illustrative: every other decision number and date, scores, GTINs (company prefix 893999…),
 *   tax codes (valid check digit, sequence 9xxxxx), phone numbers (0255 000 xxxx / 0260 000 xxxx),
 *   zone codes, batches, events, and the expired, revoked and recalled states. Notes that state a
 *   fact about a real producer say "dữ liệu minh họa" (illustrative data).
 *
 * Dates are computed from `today`, so the states hold whatever the real date: the known decision
 * dates are used while they still give the intended state, otherwise the decision moves relative
 * to `today`. The seed checks its own guarantees before it commits and throws if one fails.
 */

export interface SeedDemoOptions {
  hashPassword: (password: string) => Promise<string>;
  /** The reference day in Vietnam, `YYYY-MM-DD` (todayInVietnam). Not before 2025-07-01. */
  today: IsoDate;
}

export interface SeedDemoSummary {
  seeded: boolean;
  producers: number;
  products: number;
  certificates: number;
  batches: number;
  zones: number;
  users: number;
}

/** Password of every demo account (DESIGN "Demo mode"). */
export const DEMO_PASSWORD = 'ocop-demo';

export const DEMO_ACCOUNTS = [
  { email: 'admin@demo.ocop.vn', role: 'admin', displayName: 'Quản trị hệ thống (demo)' },
  { email: 'producer@demo.ocop.vn', role: 'producer', displayName: 'Công ty TNHH TM&DV Phú Sinh (demo)' },
  { email: 'inspector@demo.ocop.vn', role: 'inspector', displayName: 'Kiểm soát viên QLTT (demo)' },
  { email: 'officer@demo.ocop.vn', role: 'officer', displayName: 'Văn phòng OCOP tỉnh Quảng Ngãi (demo)' },
] as const satisfies readonly { email: string; role: Role; displayName: string }[];

/** The producer the producer@ account is bound to. */
export const DEMO_PRODUCER_NAME = 'Công ty TNHH TM&DV Phú Sinh';

// ---------------------------------------------------------------------------------------------
// The CSV

export interface OcopCsvRow {
  product_vi: string;
  group: string;
  commune_after_2025: string;
  commune_before_2025: string;
  stars: string;
  producer: string;
  producer_type: string;
  recognition: string;
  source: string;
}

const CSV_COLUMNS = [
  'product_vi',
  'group',
  'commune_after_2025',
  'commune_before_2025',
  'stars',
  'producer',
  'producer_type',
  'recognition',
  'source',
] as const;

/** RFC 4180 records: quoted fields may hold commas, newlines and doubled quotes. */
export function parseCsv(text: string): string[][] {
  const records: string[][] = [];
  let record: string[] = [];
  let field = '';
  let quoted = false;
  let i = 0;
  const s = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  while (i < s.length) {
    const c = s[i];
    if (quoted) {
      if (c === '"') {
        if (s[i + 1] === '"') {
          field += '"';
          i += 2;
          continue;
        }
        quoted = false;
      } else {
        field += c;
      }
      i += 1;
      continue;
    }
    if (c === '"' && field === '') {
      quoted = true;
    } else if (c === ',') {
      record.push(field);
      field = '';
    } else if (c === '\n' || c === '\r') {
      if (c === '\r' && s[i + 1] === '\n') i += 1;
      record.push(field);
      records.push(record);
      record = [];
      field = '';
    } else {
      field += c;
    }
    i += 1;
  }
  if (quoted) throw new Error('CSV: unterminated quoted field');
  if (field !== '' || record.length > 0) {
    record.push(field);
    records.push(record);
  }
  return records.filter((r) => !(r.length === 1 && r[0] === ''));
}

export function loadOcopProducts(): OcopCsvRow[] {
  const text = readFileSync(new URL('./data/quang-ngai-ocop-products.csv', import.meta.url), 'utf8');
  const [header, ...rows] = parseCsv(text);
  if (!header || CSV_COLUMNS.some((c, i) => header[i] !== c)) {
    throw new Error(`CSV: unexpected header ${JSON.stringify(header)}`);
  }
  return rows.map((r, n) => {
    if (r.length !== CSV_COLUMNS.length) throw new Error(`CSV: row ${n + 2} has ${r.length} fields`);
    const row = {} as OcopCsvRow;
    CSV_COLUMNS.forEach((c, i) => (row[c] = r[i] ?? ''));
    return row;
  });
}

// ---------------------------------------------------------------------------------------------
// Illustrative details the CSV does not hold

type CertState = 'valid' | 'renewal_due' | 'expired' | 'revoked' | 'superseded';

interface CertSpec {
  stars: 3 | 4 | 5;
  /** Total score; the parts are split from it within the criteria set's maxima. */
  total: number;
  state: CertState;
  /** The CSV's decision number when it gives one (checked), else an illustrative one. */
  decisionNo: string;
  /** The known decision date, used while it gives `state`. */
  knownDate?: IsoDate;
  /** Otherwise the decision is this many months before today. */
  monthsAgo: number;
  round?: string;
  revocation?: { reason: RevocationReason; note: string; monthsAgo: number };
}

interface ZoneUse {
  zone: string;
  kgPerUnit: number;
}

interface BatchSpec {
  seq: string;
  /** Production this many days before today, kept inside the certificate's validity. */
  daysAgo: number;
  quantity: number;
  unit: string;
  shelfLifeMonths: number;
  /** Which certificate covers it (index into `certificates`); the last one by default. */
  certIndex?: number;
  recall?: { reason: string; daysAgo: number };
}

interface ChainSpec {
  first: 'harvest' | 'receiving';
  leadDays: number;
  firstPlace: string;
  firstActor: string;
  firstNote: string;
  processLeadDays: number;
  processPlace: string;
  processNote: string;
}

interface ProductDetail {
  category: string;
  nameEn: string;
  descriptionVi: string;
  descriptionEn: string;
  /** The unit the product came from before 01/07/2025 (commune, or district where there was none). */
  oldUnitId: string;
  /** Its successor from 01/07/2025, when known. */
  newUnitId: string | null;
  /** Item reference for an illustrative GTIN-13 under the producer's company prefix. */
  gtinItem?: number;
  lotPrefix: string;
  chain: ChainSpec;
  zones: ZoneUse[];
  certificates: CertSpec[];
  batches: BatchSpec[];
}

interface ProducerDetail {
  slug: string;
  unitId: string;
  addressLine: string;
  /** 2-digit tax-office prefix (Quảng Ngãi 43, Kon Tum 61); null for a household business. */
  taxPrefix: '43' | '61' | null;
  /** Branch (chi nhánh) suffix of a dependent unit's tax code. */
  taxBranch?: string;
  phoneArea: '0255' | '0260';
  gtinCompany?: string;
}

interface ZoneSpec {
  scheme: ZoneScheme;
  code: string;
  issuer: string;
  producer: string | null;
  unitId: string;
  name: string;
  areaHa: number | null;
  crop: string;
  standards: string[];
  validFrom: IsoDate;
}

const QN_PPD = 'Chi cục Trồng trọt và Bảo vệ thực vật tỉnh Quảng Ngãi';
const KT_PPD = 'Chi cục Trồng trọt và Bảo vệ thực vật tỉnh Kon Tum';
const DEMO_NOTE = 'dữ liệu minh họa';

/** Raw-material zones (codes illustrative, in the shapes of 3156/QĐ-BNN-TT and domain.md §3). */
const ZONES: Record<string, ZoneSpec> = {
  'toi-ly-son-phu-sinh': {
    scheme: 'VUNG_TRONG',
    code: 'VN-51-536-21550-01-23',
    issuer: QN_PPD,
    producer: 'Công ty TNHH TM&DV Phú Sinh',
    unitId: 'qng-ly-son-huyen',
    name: 'Vùng trồng tỏi Lý Sơn thôn Tây An Vĩnh',
    areaHa: 3.2,
    crop: 'Tỏi Lý Sơn (Allium sativum)',
    standards: ['VietGAP'],
    validFrom: '2023-05-18',
  },
  'toi-ly-son-dori': {
    scheme: 'VUNG_TRONG',
    code: 'VN-51-536-21553-02-23',
    issuer: QN_PPD,
    producer: 'Công ty Cổ phần DORI',
    unitId: 'qng-ly-son-huyen',
    name: 'Vùng trồng tỏi Lý Sơn thôn Đông An Hải',
    areaHa: 2.4,
    crop: 'Tỏi Lý Sơn (Allium sativum)',
    standards: ['VietGAP'],
    validFrom: '2023-05-18',
  },
  'que-tra-bong': {
    scheme: 'VUNG_TRONG',
    code: 'VN-51-525-20986-01-23',
    issuer: QN_PPD,
    producer: 'Công ty TNHH Hương Quế Trà Bồng',
    unitId: 'qng-tra-bong-tra-son',
    name: 'Vùng trồng quế hữu cơ xã Trà Sơn',
    areaHa: 25,
    crop: 'Quế Trà Bồng (Cinnamomum cassia)',
    standards: ['Hữu cơ TCVN 11041-2:2017'],
    validFrom: '2023-08-09',
  },
  'hanh-tim-binh-hai': {
    scheme: 'VUNG_TRONG',
    code: 'VN-51-524-20839-03-23',
    issuer: QN_PPD,
    producer: 'HTX NN Bình Hải',
    unitId: 'qng-binh-son-binh-hai',
    name: 'Cánh đồng hành tím Bình Hải',
    areaHa: 6.5,
    crop: 'Hành tím (Allium ascalonicum)',
    standards: ['VietGAP'],
    validFrom: '2023-10-02',
  },
  'nghe-bon-van': {
    scheme: 'VUNG_TRONG',
    code: 'VN-51-534-21205-02-24',
    issuer: QN_PPD,
    producer: 'HTX SX&KD NN Bốn Vân',
    unitId: 'qng-duc-pho-nguyen-nghiem',
    name: 'Vùng trồng nghệ Bốn Vân',
    areaHa: 1.8,
    crop: 'Nghệ vàng (Curcuma longa)',
    standards: ['VietGAP'],
    validFrom: '2024-04-12',
  },
  'ca-phe-dak-rve': {
    scheme: 'VUNG_TRONG',
    code: 'VN-62-614-23563-01-24',
    issuer: KT_PPD,
    producer: 'HTX NN&DV Hoa Nam',
    unitId: 'ktm-kon-ray-dak-rve',
    name: 'Vùng trồng cà phê Đăk Rve',
    areaHa: 14,
    crop: 'Cà phê vối (Coffea canephora)',
    standards: ['VietGAP'],
    validFrom: '2024-03-20',
  },
  'lua-dak-kan': {
    scheme: 'VUNG_TRONG',
    code: 'VN-62-611-23379-01-24',
    issuer: KT_PPD,
    producer: 'HTX DVNN Đăk Kan',
    unitId: 'ktm-ngoc-hoi-dak-kan',
    name: 'Cánh đồng lúa Đăk Kan',
    areaHa: 30,
    crop: 'Lúa (Oryza sativa)',
    standards: ['VietGAP'],
    validFrom: '2024-02-26',
  },
  'ca-com-binh-son': {
    scheme: 'OTHER',
    code: 'QNG-KTTS-BS-2023-0117',
    issuer: 'Chi cục Thủy sản tỉnh Quảng Ngãi',
    producer: 'Công ty TNHH SX TM&DV Mười Quý',
    unitId: 'qng-binh-son-huyen',
    name: 'Ngư trường khai thác cá cơm ven bờ Bình Sơn – Lý Sơn',
    areaHa: null,
    crop: 'Cá cơm (Stolephorus spp.)',
    standards: ['Khai thác có xác nhận nguồn gốc (IUU)'],
    validFrom: '2023-01-10',
  },
  'muoi-sa-huynh': {
    scheme: 'OTHER',
    code: 'QNG-DM-SH-2022-03',
    issuer: 'Sở Nông nghiệp và Phát triển nông thôn tỉnh Quảng Ngãi',
    producer: 'Công ty TNHH MTV Muối SAHU',
    unitId: 'qng-duc-pho-pho-thanh',
    name: 'Đồng muối Sa Huỳnh',
    areaHa: 4.5,
    crop: 'Muối biển',
    standards: [],
    validFrom: '2022-06-01',
  },
  'huou-dong-tien': {
    scheme: 'OTHER',
    code: 'KT-CN-HUOU-2024-0042',
    issuer: 'Chi cục Chăn nuôi và Thú y tỉnh Kon Tum',
    producer: 'HTX Nông nghiệp Đồng Tiến',
    unitId: 'ktm-ia-hdrai-ia-toi',
    name: 'Cơ sở nuôi hươu sao HTX Đồng Tiến',
    areaHa: 1.2,
    crop: 'Hươu sao (Cervus nippon)',
    standards: [],
    validFrom: '2024-01-15',
  },
};

const PRODUCERS: Record<string, ProducerDetail> = {
  'Công ty TNHH TM&DV Phú Sinh': {
    slug: 'phu-sinh',
    unitId: 'qng-2025-ly-son',
    addressLine: 'Thôn Tây An Vĩnh, đặc khu Lý Sơn',
    taxPrefix: '43',
    phoneArea: '0255',
    gtinCompany: '893999901',
  },
  'Nhà máy Nha Quảng Ngãi, CN CTCP Đường Quảng Ngãi': {
    slug: 'nha-quang-ngai',
    unitId: QNG_PROVINCE_2025_ID,
    addressLine: 'Khu vực thành phố Quảng Ngãi cũ (phường sau 01/07/2025 chưa xác minh)',
    taxPrefix: '43',
    taxBranch: '001',
    phoneArea: '0255',
    gtinCompany: '893999902',
  },
  'Công ty Cổ phần DORI': {
    slug: 'dori',
    unitId: 'qng-2025-ly-son',
    addressLine: 'Đặc khu Lý Sơn',
    taxPrefix: '43',
    phoneArea: '0255',
    gtinCompany: '893999903',
  },
  'Công ty TNHH Hương Quế Trà Bồng': {
    slug: 'huong-que-tra-bong',
    unitId: 'qng-2025-tra-bong',
    addressLine: 'Xã Trà Bồng (trước 01/07/2025: xã Trà Sơn, huyện Trà Bồng)',
    taxPrefix: '43',
    phoneArea: '0255',
    gtinCompany: '893999904',
  },
  'Công ty TNHH MTV Muối SAHU': {
    slug: 'muoi-sahu',
    unitId: 'qng-2025-sa-huynh',
    addressLine: 'Phường Sa Huỳnh (trước 01/07/2025: phường Phổ Thạnh, thị xã Đức Phổ)',
    taxPrefix: '43',
    phoneArea: '0255',
    gtinCompany: '893999905',
  },
  'HTX SX&KD nấm Đức Nhuận': {
    slug: 'nam-duc-nhuan',
    unitId: 'qng-mo-duc-duc-nhuan',
    addressLine: 'Xã Đức Nhuận, huyện Mộ Đức (địa chỉ trước 01/07/2025)',
    taxPrefix: '43',
    phoneArea: '0255',
  },
  'Công ty TNHH SX&TM Thu Ba': {
    slug: 'thu-ba',
    unitId: 'qng-2025-cam-thanh',
    addressLine: 'Phường Cẩm Thành',
    taxPrefix: '43',
    phoneArea: '0255',
    gtinCompany: '893999906',
  },
  'Hộ kinh doanh Đặng Văn Trịnh': {
    slug: 'gom-my-thien',
    unitId: 'qng-2025-binh-son',
    addressLine: 'Làng gốm Mỹ Thiện, xã Bình Sơn',
    taxPrefix: null,
    phoneArea: '0255',
  },
  'Công ty TNHH MTV Nấm dược liệu Ninh Trương': {
    slug: 'ninh-truong',
    unitId: 'qng-2025-tho-phong',
    addressLine: 'Xã Thọ Phong',
    taxPrefix: '43',
    phoneArea: '0255',
    gtinCompany: '893999907',
  },
  'Công ty TNHH SX TM&DV Mười Quý': {
    slug: 'muoi-quy',
    unitId: 'qng-2025-binh-son',
    addressLine: 'Thôn Vĩnh Trà, xã Bình Sơn (trước 01/07/2025: xã Bình Thạnh, huyện Bình Sơn)',
    taxPrefix: '43',
    phoneArea: '0255',
    gtinCompany: '893999908',
  },
  'Hộ kinh doanh Phạm Thị Y Hòa': {
    slug: 'tho-cam-y-hoa',
    unitId: 'qng-ba-to-ba-thanh',
    addressLine: 'Thôn Làng Teng, xã Ba Thành, huyện Ba Tơ (địa chỉ trước 01/07/2025)',
    taxPrefix: null,
    phoneArea: '0255',
  },
  'HTX Nông nghiệp Đồng Tiến': {
    slug: 'dong-tien',
    unitId: 'qng-2025-ia-toi',
    addressLine: 'Xã Ia Tơi',
    taxPrefix: '61',
    phoneArea: '0260',
  },
  'HTX NN&DV Hoa Nam': {
    slug: 'hoa-nam',
    unitId: 'qng-2025-dak-rve',
    addressLine: 'Xã Đăk Rve',
    taxPrefix: '61',
    phoneArea: '0260',
  },
  'HTX DVNN Đăk Kan': {
    slug: 'dak-kan',
    unitId: 'qng-2025-sa-loong',
    addressLine: 'Xã Sa Loong (trước 01/07/2025: xã Đăk Kan, huyện Ngọc Hồi)',
    taxPrefix: '61',
    phoneArea: '0260',
  },
  'HTX NN Bình Hải': {
    slug: 'binh-hai',
    unitId: 'qng-2025-van-tuong',
    addressLine: 'Xã Vạn Tường (trước 01/07/2025: xã Bình Hải, huyện Bình Sơn)',
    taxPrefix: '43',
    phoneArea: '0255',
  },
  'HTX SX&KD NN Bốn Vân': {
    slug: 'bon-van',
    unitId: 'qng-2025-duc-pho',
    addressLine: 'Phường Đức Phổ',
    taxPrefix: '43',
    phoneArea: '0255',
  },
  'Công ty TNHH MTV Sim Thiên Sơn': {
    slug: 'sim-thien-son',
    unitId: 'qng-2025-mang-den',
    addressLine: 'Xã Măng Đen (trước 01/07/2025: thị trấn Măng Đen, huyện Kon Plông)',
    taxPrefix: '61',
    phoneArea: '0260',
    gtinCompany: '893999909',
  },
};

const PHU_SINH_STORE = 'Kho tỏi Phú Sinh, thôn Tây An Vĩnh';
const PHU_SINH_FERMENTING = 'Xưởng lên men tỏi đen Phú Sinh, Lý Sơn';

/** Illustrative: one provincial 4★ decision for the 2024 round of old Quảng Ngãi. */
const PROVINCE_2024 = '2184/QĐ-UBND';

const FRESH_GARLIC_CHAIN = (place: string, actor: string, workshop: string): ChainSpec => ({
  first: 'harvest',
  leadDays: 21,
  firstPlace: place,
  firstActor: actor,
  firstNote: 'Thu hoạch tỏi, hong khô tự nhiên trên giàn',
  processLeadDays: 3,
  processPlace: workshop,
  processNote: 'Phân loại, cắt rễ, đánh sạch vỏ ngoài',
});

const BLACK_GARLIC_CHAIN = (place: string, actor: string, workshop: string): ChainSpec => ({
  first: 'receiving',
  leadDays: 40,
  firstPlace: place,
  firstActor: actor,
  firstNote: 'Nhận tỏi Lý Sơn khô từ vùng trồng',
  processLeadDays: 35,
  processPlace: workshop,
  processNote: 'Lên men nhiệt ẩm 30 ngày, sấy ổn định',
});

const CINNAMON_CHAIN = (note: string): ChainSpec => ({
  first: 'harvest',
  leadDays: 45,
  firstPlace: 'Vùng trồng quế hữu cơ xã Trà Sơn',
  firstActor: 'Tổ thu hái quế Trà Bồng',
  firstNote: 'Bóc vỏ quế, phơi khô',
  processLeadDays: 10,
  processPlace: 'Xưởng Hương Quế Trà Bồng',
  processNote: note,
});

/** Keyed by the CSV's product_vi. */
const PRODUCTS: Record<string, ProductDetail> = {
  'Tỏi Lý Sơn': {
    category: 'I.1.a',
    nameEn: 'Lý Sơn garlic',
    descriptionVi:
      'Tỏi một lớp vỏ trồng trên đất cát núi lửa của đảo Lý Sơn, thu hoạch và phơi khô tự nhiên.',
    descriptionEn: 'Garlic grown on the volcanic sand of Lý Sơn island, harvested and dried naturally.',
    oldUnitId: 'qng-ly-son-huyen',
    newUnitId: 'qng-2025-ly-son',
    gtinItem: 1,
    lotPrefix: 'TLS',
    chain: FRESH_GARLIC_CHAIN(
      'Ruộng tỏi thôn Tây An Vĩnh, Lý Sơn',
      'Tổ sản xuất tỏi VietGAP Phú Sinh',
      'Xưởng sơ chế Phú Sinh, Lý Sơn',
    ),
    zones: [{ zone: 'toi-ly-son-phu-sinh', kgPerUnit: 0.5 }],
    certificates: [
      {
        stars: 5,
        total: 91.5,
        state: 'valid',
        decisionNo: '2361/QĐ-BNNMT',
        knownDate: '2025-06-26',
        monthsAgo: 17,
        round: 'Năm 2025 (đợt 1)',
      },
    ],
    batches: [
      // Fresh garlic keeps about 6 months: this one is past its best-before date.
      { seq: '027', daysAgo: 400, quantity: 800, unit: 'hộp', shelfLifeMonths: 6 },
      { seq: '011', daysAgo: 62, quantity: 1200, unit: 'hộp', shelfLifeMonths: 6 },
      { seq: '014', daysAgo: 20, quantity: 900, unit: 'hộp', shelfLifeMonths: 6 },
    ],
  },
  'Mạch nha Quảng Ngãi – Đường Mantoza': {
    category: 'I.3.b',
    nameEn: 'Quảng Ngãi malt syrup (maltose)',
    descriptionVi: 'Mạch nha từ tinh bột gạo, sản xuất theo ISO 22000, chứng nhận Halal.',
    descriptionEn: 'Malt syrup from rice starch, made under ISO 22000, Halal certified.',
    oldUnitId: 'qng-quang-ngai-tp',
    newUnitId: null,
    gtinItem: 1,
    lotPrefix: 'MNQN',
    chain: {
      first: 'receiving',
      leadDays: 6,
      firstPlace: 'Kho nguyên liệu Nhà máy Nha Quảng Ngãi',
      firstActor: 'Bộ phận kho nguyên liệu',
      firstNote: 'Nhận tinh bột gạo, kiểm tra độ ẩm',
      processLeadDays: 2,
      processPlace: 'Dây chuyền thủy phân, Nhà máy Nha Quảng Ngãi',
      processNote: 'Thủy phân bằng enzyme, lọc, cô đặc',
    },
    zones: [],
    certificates: [{ stars: 5, total: 90.75, state: 'valid', decisionNo: '1357/QĐ-BNNMT', monthsAgo: 20 }],
    batches: [
      { seq: '102', daysAgo: 75, quantity: 3000, unit: 'hũ', shelfLifeMonths: 24 },
      { seq: '118', daysAgo: 12, quantity: 2500, unit: 'hũ', shelfLifeMonths: 24 },
    ],
  },
  'Tỏi đen cô đơn': {
    category: 'I.3.c',
    nameEn: 'Single-clove black garlic',
    descriptionVi: 'Tỏi cô đơn Lý Sơn lên men tự nhiên thành tỏi đen, vị ngọt dịu.',
    descriptionEn: 'Single-clove Lý Sơn garlic naturally fermented into black garlic.',
    oldUnitId: 'qng-ly-son-huyen',
    newUnitId: 'qng-2025-ly-son',
    gtinItem: 2,
    lotPrefix: 'TDCD',
    chain: BLACK_GARLIC_CHAIN(PHU_SINH_STORE, DEMO_PRODUCER_NAME, PHU_SINH_FERMENTING),
    zones: [{ zone: 'toi-ly-son-phu-sinh', kgPerUnit: 0.6 }],
    certificates: [{ stars: 4, total: 80.5, state: 'valid', decisionNo: PROVINCE_2024, monthsAgo: 26 }],
    batches: [
      {
        seq: '004',
        daysAgo: 48,
        quantity: 600,
        unit: 'hộp',
        shelfLifeMonths: 18,
        recall: {
          reason: `Mối hàn bao bì lô hàng bị hở, nguy cơ nhiễm ẩm (${DEMO_NOTE})`,
          daysAgo: 9,
        },
      },
      { seq: '006', daysAgo: 15, quantity: 700, unit: 'hộp', shelfLifeMonths: 18 },
    ],
  },
  'Cao tỏi đen Phú Sinh': {
    category: 'I.3.c',
    nameEn: 'Phú Sinh black garlic extract',
    descriptionVi: 'Cao chiết từ tỏi đen Lý Sơn; nâng hạng từ 3 sao lên 4 sao năm 2025.',
    descriptionEn: 'Extract of Lý Sơn black garlic; upgraded from 3 to 4 stars in 2025.',
    oldUnitId: 'qng-ly-son-huyen',
    newUnitId: 'qng-2025-ly-son',
    gtinItem: 3,
    lotPrefix: 'CTD',
    chain: {
      ...BLACK_GARLIC_CHAIN(PHU_SINH_STORE, DEMO_PRODUCER_NAME, PHU_SINH_FERMENTING),
      processNote: 'Lên men tỏi đen, chiết và cô cao',
    },
    zones: [{ zone: 'toi-ly-son-phu-sinh', kgPerUnit: 1.5 }],
    certificates: [
      { stars: 3, total: 66.5, state: 'superseded', decisionNo: '845/QĐ-UBND', monthsAgo: 30 },
      {
        stars: 4,
        total: 76.25,
        state: 'valid',
        decisionNo: '1012/QĐ-UBND',
        monthsAgo: 18,
        round: 'Năm 2025 (đợt 1)',
      },
    ],
    batches: [
      { seq: '003', daysAgo: 560, quantity: 300, unit: 'lọ', shelfLifeMonths: 24, certIndex: 0 },
      { seq: '009', daysAgo: 40, quantity: 400, unit: 'lọ', shelfLifeMonths: 24 },
    ],
  },
  'Tỏi đen nhiều nhánh': {
    category: 'I.3.c',
    nameEn: 'Multi-clove black garlic',
    descriptionVi: 'Tỏi Lý Sơn nhiều nhánh lên men thành tỏi đen.',
    descriptionEn: 'Multi-clove Lý Sơn garlic fermented into black garlic.',
    oldUnitId: 'qng-ly-son-huyen',
    newUnitId: 'qng-2025-ly-son',
    gtinItem: 4,
    lotPrefix: 'TDNN',
    chain: BLACK_GARLIC_CHAIN(PHU_SINH_STORE, DEMO_PRODUCER_NAME, PHU_SINH_FERMENTING),
    zones: [{ zone: 'toi-ly-son-phu-sinh', kgPerUnit: 0.6 }],
    certificates: [
      {
        stars: 4,
        total: 75.5,
        state: 'valid',
        decisionNo: '1898/QĐ-UBND',
        // The source gives number, year and round; the day is approximate.
        knownDate: '2025-09-15',
        monthsAgo: 14,
        round: 'Năm 2025 (đợt 2)',
      },
    ],
    batches: [{ seq: '021', daysAgo: 30, quantity: 650, unit: 'hộp', shelfLifeMonths: 18 }],
  },
  'Tỏi Lý Sơn DORI': {
    category: 'I.1.a',
    nameEn: 'DORI Lý Sơn garlic',
    descriptionVi: 'Tỏi Lý Sơn tuyển chọn, đóng túi lưới và hộp quà.',
    descriptionEn: 'Selected Lý Sơn garlic in net bags and gift boxes.',
    oldUnitId: 'qng-ly-son-huyen',
    newUnitId: 'qng-2025-ly-son',
    gtinItem: 1,
    lotPrefix: 'DRT',
    chain: FRESH_GARLIC_CHAIN(
      'Ruộng tỏi thôn Đông An Hải, Lý Sơn',
      'Nông hộ liên kết DORI',
      'Xưởng DORI, Lý Sơn',
    ),
    zones: [{ zone: 'toi-ly-son-dori', kgPerUnit: 0.5 }],
    certificates: [
      {
        stars: 4,
        total: 77,
        state: 'valid',
        decisionNo: '1012/QĐ-UBND',
        monthsAgo: 18,
        round: 'Năm 2025 (đợt 1)',
      },
    ],
    batches: [{ seq: '031', daysAgo: 55, quantity: 1000, unit: 'túi', shelfLifeMonths: 6 }],
  },
  'Tỏi đen Lý Sơn DORI': {
    category: 'I.3.c',
    nameEn: 'DORI Lý Sơn black garlic',
    descriptionVi: 'Tỏi đen lên men từ tỏi Lý Sơn.',
    descriptionEn: 'Black garlic fermented from Lý Sơn garlic.',
    oldUnitId: 'qng-ly-son-huyen',
    newUnitId: 'qng-2025-ly-son',
    gtinItem: 2,
    lotPrefix: 'DRTD',
    chain: BLACK_GARLIC_CHAIN('Kho nguyên liệu DORI, Lý Sơn', 'Công ty Cổ phần DORI', 'Xưởng DORI, Lý Sơn'),
    zones: [{ zone: 'toi-ly-son-dori', kgPerUnit: 0.6 }],
    certificates: [
      {
        stars: 4,
        total: 74.25,
        state: 'valid',
        decisionNo: '1012/QĐ-UBND',
        monthsAgo: 18,
        round: 'Năm 2025 (đợt 1)',
      },
    ],
    batches: [{ seq: '012', daysAgo: 25, quantity: 500, unit: 'hộp', shelfLifeMonths: 18 }],
  },
  'Tỏi Lý Sơn ngâm mật ong Dori': {
    category: 'I.3.c',
    nameEn: 'DORI Lý Sơn garlic in honey',
    descriptionVi: 'Tỏi Lý Sơn bóc vỏ ngâm mật ong.',
    descriptionEn: 'Peeled Lý Sơn garlic steeped in honey.',
    oldUnitId: 'qng-ly-son-huyen',
    newUnitId: 'qng-2025-ly-son',
    gtinItem: 3,
    lotPrefix: 'DRMO',
    chain: {
      first: 'receiving',
      leadDays: 70,
      firstPlace: 'Kho nguyên liệu DORI, Lý Sơn',
      firstActor: 'Công ty Cổ phần DORI',
      firstNote: 'Nhận tỏi Lý Sơn và mật ong',
      processLeadDays: 60,
      processPlace: 'Xưởng DORI, Lý Sơn',
      processNote: 'Bóc vỏ, ngâm mật ong 60 ngày',
    },
    zones: [{ zone: 'toi-ly-son-dori', kgPerUnit: 0.3 }],
    certificates: [
      {
        stars: 3,
        total: 63.5,
        state: 'revoked',
        decisionNo: '562/QĐ-UBND',
        monthsAgo: 28,
        revocation: {
          reason: 'FAILED_REEVALUATION',
          note: `Hậu kiểm: sản phẩm không còn đáp ứng tiêu chí bắt buộc hạng 3 sao (${DEMO_NOTE})`,
          monthsAgo: 2,
        },
      },
    ],
    batches: [{ seq: '005', daysAgo: 120, quantity: 400, unit: 'hũ', shelfLifeMonths: 12 }],
  },
  'Nhang quế Trà Bồng': {
    category: 'IV',
    nameEn: 'Trà Bồng cinnamon incense',
    descriptionVi: 'Nhang làm từ bột vỏ quế Trà Bồng, không hóa chất tạo mùi.',
    descriptionEn: 'Incense made from Trà Bồng cinnamon bark powder, no added fragrance.',
    oldUnitId: 'qng-tra-bong-tra-son',
    newUnitId: 'qng-2025-tra-bong',
    gtinItem: 1,
    lotPrefix: 'NQTB',
    chain: CINNAMON_CHAIN('Nghiền bột quế, se nhang, phơi khô'),
    zones: [{ zone: 'que-tra-bong', kgPerUnit: 0.2 }],
    certificates: [
      {
        stars: 4,
        total: 79,
        state: 'valid',
        decisionNo: '1012/QĐ-UBND',
        monthsAgo: 18,
        round: 'Năm 2025 (đợt 1)',
      },
    ],
    batches: [{ seq: '017', daysAgo: 33, quantity: 1500, unit: 'hộp', shelfLifeMonths: 36 }],
  },
  'Tinh dầu quế': {
    category: 'III.3',
    nameEn: 'Cinnamon essential oil',
    descriptionVi: 'Tinh dầu chưng cất từ lá và vỏ quế Trà Bồng.',
    descriptionEn: 'Essential oil distilled from Trà Bồng cinnamon leaves and bark.',
    oldUnitId: 'qng-tra-bong-tra-son',
    newUnitId: 'qng-2025-tra-bong',
    gtinItem: 2,
    lotPrefix: 'TDQ',
    chain: CINNAMON_CHAIN('Chưng cất hơi nước, lắng tách tinh dầu'),
    zones: [{ zone: 'que-tra-bong', kgPerUnit: 2 }],
    certificates: [{ stars: 4, total: 72.75, state: 'valid', decisionNo: PROVINCE_2024, monthsAgo: 26 }],
    batches: [{ seq: '008', daysAgo: 90, quantity: 800, unit: 'chai', shelfLifeMonths: 36 }],
  },
  'Bộ bình ly từ vỏ quế': {
    category: 'IV',
    nameEn: 'Cinnamon-bark vase and cup set',
    descriptionVi: 'Bộ bình và ly tiện từ vỏ quế Trà Bồng.',
    descriptionEn: 'Vase and cups turned from Trà Bồng cinnamon bark.',
    oldUnitId: 'qng-tra-bong-tra-son',
    newUnitId: 'qng-2025-tra-bong',
    gtinItem: 3,
    lotPrefix: 'BLQ',
    chain: CINNAMON_CHAIN('Tiện, đánh bóng, phủ sáp ong'),
    zones: [{ zone: 'que-tra-bong', kgPerUnit: 1.2 }],
    certificates: [{ stars: 4, total: 71.5, state: 'valid', decisionNo: PROVINCE_2024, monthsAgo: 26 }],
    batches: [{ seq: '002', daysAgo: 70, quantity: 120, unit: 'bộ', shelfLifeMonths: 60 }],
  },
  'Muối tre SAHU': {
    category: 'I.4.b',
    nameEn: 'SAHU bamboo salt',
    descriptionVi: 'Muối biển Sa Huỳnh nung trong ống tre.',
    descriptionEn: 'Sa Huỳnh sea salt roasted in bamboo tubes.',
    oldUnitId: 'qng-duc-pho-pho-thanh',
    newUnitId: 'qng-2025-sa-huynh',
    gtinItem: 1,
    lotPrefix: 'MTSH',
    chain: {
      first: 'harvest',
      leadDays: 30,
      firstPlace: 'Đồng muối Sa Huỳnh',
      firstActor: 'Diêm dân Sa Huỳnh',
      firstNote: 'Thu hoạch muối hạt',
      processLeadDays: 12,
      processPlace: 'Xưởng muối SAHU',
      processNote: 'Nhồi ống tre, nung nhiều lần',
    },
    zones: [{ zone: 'muoi-sa-huynh', kgPerUnit: 0.3 }],
    certificates: [{ stars: 4, total: 73.5, state: 'valid', decisionNo: PROVINCE_2024, monthsAgo: 26 }],
    batches: [{ seq: '044', daysAgo: 52, quantity: 2000, unit: 'hũ', shelfLifeMonths: 36 }],
  },
  'Nấm linh chi Đức Nhuận': {
    category: 'III.1',
    nameEn: 'Đức Nhuận lingzhi mushroom',
    descriptionVi: 'Nấm linh chi trồng trong nhà màng, sấy khô.',
    descriptionEn: 'Lingzhi mushroom grown under cover and dried.',
    oldUnitId: 'qng-mo-duc-duc-nhuan',
    newUnitId: null,
    lotPrefix: 'LCDN',
    chain: {
      first: 'harvest',
      leadDays: 10,
      firstPlace: 'Nhà trồng nấm HTX Đức Nhuận',
      firstActor: 'HTX SX&KD nấm Đức Nhuận',
      firstNote: 'Thu hái quả thể linh chi',
      processLeadDays: 7,
      processPlace: 'Lò sấy HTX Đức Nhuận',
      processNote: 'Sấy khô ở nhiệt độ thấp',
    },
    zones: [],
    certificates: [{ stars: 4, total: 76.75, state: 'valid', decisionNo: PROVINCE_2024, monthsAgo: 26 }],
    batches: [{ seq: '015', daysAgo: 44, quantity: 300, unit: 'túi', shelfLifeMonths: 24 }],
  },
  'Thịt bò khô Thu Ba': {
    category: 'I.3.d',
    nameEn: 'Thu Ba dried beef',
    descriptionVi: 'Thịt bò tẩm gia vị, sấy khô, đóng gói hút chân không.',
    descriptionEn: 'Seasoned, dried beef, vacuum packed.',
    oldUnitId: 'qng-quang-ngai-tran-hung-dao',
    newUnitId: 'qng-2025-cam-thanh',
    gtinItem: 1,
    lotPrefix: 'BKTB',
    chain: {
      first: 'receiving',
      leadDays: 4,
      firstPlace: 'Cơ sở giết mổ tập trung Quảng Ngãi',
      firstActor: 'Công ty TNHH SX&TM Thu Ba',
      firstNote: 'Nhận thịt bò có giấy kiểm dịch',
      processLeadDays: 2,
      processPlace: 'Xưởng chế biến Thu Ba, phường Cẩm Thành',
      processNote: 'Tẩm ướp, sấy khô',
    },
    zones: [],
    certificates: [
      {
        stars: 4,
        total: 78.5,
        state: 'valid',
        decisionNo: '1012/QĐ-UBND',
        monthsAgo: 18,
        round: 'Năm 2025 (đợt 1)',
      },
    ],
    batches: [
      // Six months of shelf life, made ten months ago: past its best-before date whatever today is.
      { seq: '029', daysAgo: 300, quantity: 700, unit: 'gói', shelfLifeMonths: 6 },
      { seq: '038', daysAgo: 21, quantity: 900, unit: 'gói', shelfLifeMonths: 6 },
    ],
  },
  'Lục bình gốm Mỹ Thiện': {
    category: 'IV',
    nameEn: 'Mỹ Thiện ceramic vase',
    descriptionVi: 'Lục bình gốm men làng gốm Mỹ Thiện.',
    descriptionEn: 'Glazed vase from the Mỹ Thiện pottery village.',
    oldUnitId: 'qng-binh-son-chau-o',
    newUnitId: 'qng-2025-binh-son',
    lotPrefix: 'LBMT',
    chain: {
      first: 'receiving',
      leadDays: 25,
      firstPlace: 'Làng gốm Mỹ Thiện',
      firstActor: 'Hộ kinh doanh Đặng Văn Trịnh',
      firstNote: 'Nhận đất sét, lọc và ủ đất',
      processLeadDays: 12,
      processPlace: 'Lò gốm Mỹ Thiện',
      processNote: 'Tạo hình trên bàn xoay, tráng men, nung',
    },
    zones: [],
    certificates: [
      {
        stars: 4,
        total: 71,
        state: 'valid',
        decisionNo: '1012/QĐ-UBND',
        monthsAgo: 18,
        round: 'Năm 2025 (đợt 1)',
      },
    ],
    batches: [{ seq: '006', daysAgo: 60, quantity: 40, unit: 'chiếc', shelfLifeMonths: 120 }],
  },
  'Đông trùng hạ thảo khô Sonita': {
    category: 'III.1',
    nameEn: 'Sonita dried cordyceps',
    descriptionVi: 'Đông trùng hạ thảo (Cordyceps militaris) nuôi cấy, sấy thăng hoa.',
    descriptionEn: 'Cultivated Cordyceps militaris, freeze-dried.',
    oldUnitId: 'qng-son-tinh-tinh-phong',
    newUnitId: 'qng-2025-tho-phong',
    gtinItem: 1,
    lotPrefix: 'DTHT',
    chain: {
      first: 'harvest',
      leadDays: 8,
      firstPlace: 'Phòng nuôi cấy Ninh Trương',
      firstActor: 'Công ty TNHH MTV Nấm dược liệu Ninh Trương',
      firstNote: 'Thu hoạch quả thể sau 60 ngày nuôi cấy',
      processLeadDays: 5,
      processPlace: 'Xưởng sấy Ninh Trương',
      processNote: 'Sấy thăng hoa',
    },
    zones: [],
    certificates: [
      {
        stars: 4,
        total: 80,
        state: 'valid',
        decisionNo: '1012/QĐ-UBND',
        monthsAgo: 18,
        round: 'Năm 2025 (đợt 1)',
      },
    ],
    batches: [{ seq: '019', daysAgo: 28, quantity: 250, unit: 'hộp', shelfLifeMonths: 24 }],
  },
  'Nước mắm cốt đặc biệt Mười Quý': {
    category: 'I.4.a',
    nameEn: 'Mười Quý special first-press fish sauce',
    descriptionVi: 'Nước mắm cốt từ cá cơm và muối, ủ chượp trong thùng gỗ.',
    descriptionEn: 'First-press fish sauce from anchovy and salt, fermented in wooden vats.',
    oldUnitId: 'qng-binh-son-binh-thanh',
    newUnitId: 'qng-2025-binh-son',
    gtinItem: 1,
    lotPrefix: 'NMMQ',
    chain: {
      first: 'harvest',
      leadDays: 400,
      firstPlace: 'Bến cá ven biển Bình Sơn',
      firstActor: 'Tàu cá khai thác ven bờ (nguồn cá có xác nhận)',
      firstNote: 'Nhận cá cơm tươi, trộn muối ngay tại cảng',
      processLeadDays: 395,
      processPlace: 'Nhà thùng Mười Quý, thôn Vĩnh Trà',
      processNote: 'Ủ chượp 12 tháng, rút nước mắm cốt',
    },
    zones: [{ zone: 'ca-com-binh-son', kgPerUnit: 0.9 }],
    certificates: [
      // Expired: 36 months passed without re-evaluation; the OCOP mark must leave the label.
      { stars: 3, total: 64.25, state: 'expired', decisionNo: '377/QĐ-UBND', monthsAgo: 40 },
    ],
    // Made while the certificate was valid (see batchDates).
    batches: [{ seq: '023', daysAgo: 300, quantity: 1500, unit: 'chai', shelfLifeMonths: 24 }],
  },
  'Túi xách thổ cẩm Y Hòa': {
    category: 'IV',
    nameEn: 'Y Hòa brocade handbag',
    descriptionVi: 'Túi xách dệt thổ cẩm Hre làng Teng.',
    descriptionEn: 'Handbag of Hre brocade woven in Làng Teng.',
    oldUnitId: 'qng-ba-to-ba-thanh',
    newUnitId: null,
    lotPrefix: 'THYH',
    chain: {
      first: 'receiving',
      leadDays: 40,
      firstPlace: 'Làng Teng, Ba Tơ',
      firstActor: 'Hộ kinh doanh Phạm Thị Y Hòa',
      firstNote: 'Chuẩn bị sợi, nhuộm màu tự nhiên',
      processLeadDays: 30,
      processPlace: 'Khung dệt hộ Y Hòa, làng Teng',
      processNote: 'Dệt thổ cẩm, may túi',
    },
    zones: [],
    certificates: [{ stars: 3, total: 58.5, state: 'valid', decisionNo: '611/QĐ-UBND', monthsAgo: 29 }],
    batches: [{ seq: '003', daysAgo: 50, quantity: 60, unit: 'chiếc', shelfLifeMonths: 60 }],
  },
  'Nhung hươu ngâm mật ong Đồng Tiến': {
    category: 'III.1',
    nameEn: 'Đồng Tiến deer antler velvet in honey',
    descriptionVi: 'Nhung hươu sao thái lát ngâm mật ong.',
    descriptionEn: 'Sliced sika deer antler velvet steeped in honey.',
    oldUnitId: 'ktm-ia-hdrai-ia-toi',
    newUnitId: 'qng-2025-ia-toi',
    lotPrefix: 'NHDT',
    chain: {
      first: 'harvest',
      leadDays: 35,
      firstPlace: 'Trại hươu HTX Đồng Tiến',
      firstActor: 'HTX Nông nghiệp Đồng Tiến',
      firstNote: 'Cắt nhung hươu sao',
      processLeadDays: 30,
      processPlace: 'Xưởng HTX Đồng Tiến',
      processNote: 'Sơ chế, thái lát, ngâm mật ong',
    },
    zones: [{ zone: 'huou-dong-tien', kgPerUnit: 0.05 }],
    certificates: [
      {
        stars: 4,
        total: 73,
        state: 'valid',
        decisionNo: '1898/QĐ-UBND',
        knownDate: '2025-09-15',
        monthsAgo: 14,
        round: 'Năm 2025 (đợt 2)',
      },
    ],
    batches: [{ seq: '007', daysAgo: 38, quantity: 200, unit: 'hũ', shelfLifeMonths: 12 }],
  },
  'Cà phê Đăk Rve': {
    category: 'I.6',
    nameEn: 'Đăk Rve coffee',
    descriptionVi: 'Cà phê vối rang xay từ vùng trồng Đăk Rve.',
    descriptionEn: 'Roasted ground robusta from the Đăk Rve growing area.',
    oldUnitId: 'ktm-kon-ray-dak-rve',
    newUnitId: 'qng-2025-dak-rve',
    lotPrefix: 'CFDR',
    chain: {
      first: 'harvest',
      leadDays: 60,
      firstPlace: 'Vùng trồng cà phê Đăk Rve',
      firstActor: 'Xã viên HTX Hoa Nam',
      firstNote: 'Thu hái quả chín',
      processLeadDays: 5,
      processPlace: 'Xưởng rang HTX Hoa Nam',
      processNote: 'Phơi, xát, rang mộc, xay',
    },
    zones: [{ zone: 'ca-phe-dak-rve', kgPerUnit: 2.5 }],
    certificates: [
      {
        stars: 3,
        total: 61.5,
        state: 'valid',
        decisionNo: '1898/QĐ-UBND',
        knownDate: '2025-09-15',
        monthsAgo: 14,
        round: 'Năm 2025 (đợt 2)',
      },
    ],
    batches: [{ seq: '010', daysAgo: 26, quantity: 500, unit: 'gói', shelfLifeMonths: 12 }],
  },
  'Gạo DAKA': {
    category: 'I.2.a',
    nameEn: 'DAKA rice',
    descriptionVi: 'Gạo trồng theo VietGAP trên cánh đồng Đăk Kan.',
    descriptionEn: 'Rice grown under VietGAP in the Đăk Kan fields.',
    oldUnitId: 'ktm-ngoc-hoi-dak-kan',
    newUnitId: 'qng-2025-sa-loong',
    lotPrefix: 'GDK',
    chain: {
      first: 'harvest',
      leadDays: 20,
      firstPlace: 'Cánh đồng lúa Đăk Kan',
      firstActor: 'Xã viên HTX DVNN Đăk Kan',
      firstNote: 'Gặt lúa, phơi',
      processLeadDays: 4,
      processPlace: 'Nhà máy xay xát HTX Đăk Kan',
      processNote: 'Xay xát, tách màu',
    },
    zones: [{ zone: 'lua-dak-kan', kgPerUnit: 7 }],
    certificates: [
      {
        stars: 3,
        total: 60.25,
        state: 'valid',
        decisionNo: '1898/QĐ-UBND',
        knownDate: '2025-09-15',
        monthsAgo: 14,
        round: 'Năm 2025 (đợt 2)',
      },
    ],
    batches: [{ seq: '005', daysAgo: 35, quantity: 1000, unit: 'bao 5 kg', shelfLifeMonths: 12 }],
  },
  'Hành tím Bình Hải': {
    category: 'I.1.a',
    nameEn: 'Bình Hải shallots',
    descriptionVi: 'Hành tím trồng trên đất cát ven biển Bình Hải.',
    descriptionEn: 'Shallots grown on the coastal sand of Bình Hải.',
    oldUnitId: 'qng-binh-son-binh-hai',
    newUnitId: 'qng-2025-van-tuong',
    lotPrefix: 'HTBH',
    chain: {
      first: 'harvest',
      leadDays: 12,
      firstPlace: 'Cánh đồng hành tím Bình Hải',
      firstActor: 'Xã viên HTX NN Bình Hải',
      firstNote: 'Nhổ hành, phơi héo',
      processLeadDays: 3,
      processPlace: 'Nhà sơ chế HTX Bình Hải',
      processNote: 'Cắt lá, phân loại củ',
    },
    zones: [{ zone: 'hanh-tim-binh-hai', kgPerUnit: 1 }],
    certificates: [
      {
        stars: 3,
        total: 62,
        state: 'valid',
        decisionNo: '1898/QĐ-UBND',
        knownDate: '2025-09-15',
        monthsAgo: 14,
        round: 'Năm 2025 (đợt 2)',
      },
    ],
    batches: [{ seq: '009', daysAgo: 18, quantity: 2000, unit: 'kg', shelfLifeMonths: 4 }],
  },
  'Bột nghệ Bốn Vân': {
    category: 'I.4.b',
    nameEn: 'Bốn Vân turmeric powder',
    descriptionVi: 'Bột nghệ vàng nguyên chất.',
    descriptionEn: 'Pure yellow turmeric powder.',
    oldUnitId: 'qng-duc-pho-nguyen-nghiem',
    newUnitId: 'qng-2025-duc-pho',
    lotPrefix: 'BNBV',
    chain: {
      first: 'harvest',
      leadDays: 30,
      firstPlace: 'Vùng trồng nghệ Bốn Vân',
      firstActor: 'Xã viên HTX Bốn Vân',
      firstNote: 'Thu hoạch củ nghệ',
      processLeadDays: 10,
      processPlace: 'Xưởng HTX Bốn Vân',
      processNote: 'Rửa, thái lát, sấy, nghiền mịn',
    },
    zones: [{ zone: 'nghe-bon-van', kgPerUnit: 0.8 }],
    certificates: [
      {
        stars: 3,
        total: 59.75,
        state: 'valid',
        decisionNo: '1898/QĐ-UBND',
        knownDate: '2025-09-15',
        monthsAgo: 14,
        round: 'Năm 2025 (đợt 2)',
      },
    ],
    batches: [{ seq: '014', daysAgo: 42, quantity: 600, unit: 'hũ', shelfLifeMonths: 18 }],
  },
  'Vang Sim rừng Măng Đen': {
    category: 'II.1.b',
    nameEn: 'Măng Đen wild rose-myrtle wine',
    descriptionVi: 'Rượu vang lên men từ quả sim rừng Măng Đen.',
    descriptionEn: 'Wine fermented from wild rose-myrtle berries of Măng Đen.',
    oldUnitId: 'ktm-kon-plong-mang-den',
    newUnitId: 'qng-2025-mang-den',
    gtinItem: 1,
    lotPrefix: 'VSMD',
    chain: {
      first: 'harvest',
      leadDays: 150,
      firstPlace: 'Đồi sim rừng Măng Đen',
      firstActor: 'Người dân thu hái sim liên kết',
      firstNote: 'Thu hái quả sim chín',
      processLeadDays: 140,
      processPlace: 'Xưởng vang Sim Thiên Sơn',
      processNote: 'Lên men, ủ chín 4 tháng, lọc',
    },
    zones: [],
    certificates: [
      // Kon Tum decided it before the merger; it expires within the renewal notice window.
      { stars: 4, total: 72.5, state: 'renewal_due', decisionNo: '1246/QĐ-UBND', monthsAgo: 36 },
    ],
    batches: [{ seq: '016', daysAgo: 80, quantity: 1200, unit: 'chai', shelfLifeMonths: 36 }],
  },
};

/** Rows of the CSV left out, with the reason. */
const SKIPPED: Record<string, string> = {
  'Điểm du lịch Thành Cổ Quảng Ngãi': 'tourism service; operator UNCONFIRMED (domain.md §7)',
  'Công viên di sản làng Gò Cỏ': 'tourism service; operator UNCONFIRMED (domain.md §7)',
};

/**
 * Not OCOP: a rural-industry award product of 2024 (domain.md §7), with no certificate, for
 * counterfeit-claim demos (an OCOP mark on it is a false claim).
 */
const PENDING_PRODUCT = {
  name: 'Mật mía Miền Xanh',
  nameEn: 'Miền Xanh sugarcane molasses',
  category: 'I.2.b',
  descriptionVi:
    'Mật mía nấu thủ công; sản phẩm công nghiệp nông thôn tiêu biểu 2024, chưa phải sản phẩm OCOP.',
  descriptionEn: 'Hand-boiled sugarcane molasses; 2024 rural-industry award product, not OCOP-certified.',
  producer: 'Cơ sở mật mía Miền Xanh',
};

// ---------------------------------------------------------------------------------------------
// Derivations

const UNITS = new Map<string, AdminUnitSeed>(QNG_ADMIN_UNITS.map((u) => [u.id, u]));
const TWO_TIER_FROM = '2025-07-01';

function unit(id: string): AdminUnitSeed {
  const u = UNITS.get(id);
  if (!u) throw new Error(`demo seed: unknown admin unit ${id}`);
  return u;
}

function ancestor(id: string, level: 'district' | 'province'): AdminUnitSeed | null {
  let u: AdminUnitSeed | undefined = unit(id);
  while (u) {
    if (u.level === level) return u;
    u = u.parentId ? unit(u.parentId) : undefined;
  }
  return null;
}

/** 'Huyện Lý Sơn' → 'huyện Lý Sơn', as names are written inside 'UBND huyện Lý Sơn'. */
function lowerKind(name: string): string {
  return name.replace(/^\p{Lu}/u, (c) => c.toLowerCase());
}

/** The unit that stood for the product's place on `date`. */
function unitOn(p: ProductDetail, date: IsoDate): string {
  if (compareDates(date, TWO_TIER_FROM) < 0) return p.oldUnitId;
  return p.newUnitId ?? QNG_PROVINCE_2025_ID;
}

/** Split a total into parts A, B, C in proportion to the maxima, in quarter points. */
function splitScore(total: number, set: CriteriaSet, tilt: number): { a: number; b: number; c: number } {
  const quarter = (x: number) => Math.round(x * 4) / 4;
  const max = set.partMax;
  const sum = max.a + max.b + max.c;
  let a = quarter((total * max.a) / sum);
  const b = quarter((total * max.b) / sum);
  let c = roundScore(total - a - b);
  // A little variety between products, never past a part's maximum.
  const shift = (tilt % 5) * 0.25 - 0.5;
  if (a + shift >= 0 && a + shift <= max.a && c - shift >= 0 && c - shift <= max.c) {
    a = roundScore(a + shift);
    c = roundScore(c - shift);
  }
  if (a > max.a || b > max.b || c > max.c || c < 0) throw new Error(`demo seed: cannot split ${total}`);
  return { a, b, c };
}

interface PlannedCertificate {
  spec: CertSpec;
  decisionDate: IsoDate;
  validTo: IsoDate;
  /** Last day a batch may be made under it (superseded or revoked certificates end earlier). */
  coverTo: IsoDate;
  revokedOn: IsoDate | null;
}

/** The decision date that gives `spec.state` on `today`, using the known date when it does. */
function decisionDate(spec: CertSpec, today: IsoDate): IsoDate {
  let date: IsoDate;
  switch (spec.state) {
    case 'renewal_due':
      date = addDays(addMonths(today, -36), 12);
      break;
    case 'expired':
      date =
        spec.knownDate && compareDates(certificateValidTo(spec.knownDate), today) < 0
          ? spec.knownDate
          : addMonths(today, -spec.monthsAgo);
      break;
    default: {
      const known = spec.knownDate;
      const keepsState =
        known !== undefined &&
        compareDates(known, today) <= 0 &&
        compareDates(certificateValidTo(known), addDays(today, RENEWAL_NOTICE_DAYS)) > 0;
      date = known !== undefined && keepsState ? known : addMonths(today, -spec.monthsAgo);
    }
  }
  // No district certified between the end of districts (01/07/2025) and 1489/QĐ-TTg (06/07/2025).
  if (compareDates(date, TWO_TIER_FROM) >= 0 && compareDates(date, '2025-07-05') <= 0) date = '2025-07-06';
  return date;
}

function planCertificates(p: ProductDetail, today: IsoDate): PlannedCertificate[] {
  const planned = p.certificates.map((spec) => {
    const date = decisionDate(spec, today);
    const validTo = certificateValidTo(date);
    const revokedOn = spec.revocation ? addMonths(today, -spec.revocation.monthsAgo) : null;
    return { spec, decisionDate: date, validTo, coverTo: validTo, revokedOn };
  });
  planned.forEach((c, i) => {
    const next = planned[i + 1];
    if (next) c.coverTo = minDate(c.coverTo, addDays(next.decisionDate, -1));
    if (c.revokedOn) c.coverTo = minDate(c.coverTo, addDays(c.revokedOn, -1));
    c.coverTo = minDate(c.coverTo, today);
  });
  return planned;
}

/** Production date `daysAgo` before today, moved inside the covering certificate's window. */
function productionDate(b: BatchSpec, cert: PlannedCertificate, today: IsoDate): IsoDate {
  const earliest = addDays(cert.decisionDate, 3);
  const latest = cert.spec.state === 'expired' ? addDays(cert.validTo, -60) : cert.coverTo;
  const wanted = addDays(today, -b.daysAgo);
  return minDate(maxDate(wanted, earliest), maxDate(latest, earliest));
}

/**
 * The decision number as the signing body writes it. An illustrative 5★ number follows the
 * ministry of its date: /QĐ-BNNMT from 01/03/2025, the MARD office's /QĐ-BNN-VPĐP before.
 */
function decisionNumber(spec: CertSpec, authority: string): string {
  if (spec.knownDate === undefined && authority === 'Bộ Nông nghiệp và Phát triển nông thôn') {
    return spec.decisionNo.replace(/\/QĐ-BNNMT$/u, '/QĐ-BNN-VPĐP');
  }
  return spec.decisionNo;
}

function demoTaxCode(prefix: string, seq: number, branch?: string): string {
  for (let s = seq; s < seq + 20; s++) {
    const nine = `${prefix}9${String(s).padStart(6, '0')}`;
    const check = taxCodeCheckDigit(nine);
    if (check !== null) {
      const code = `${nine}${check}${branch ? `-${branch}` : ''}`;
      if (!isValidTaxCode(code)) throw new Error(`demo seed: bad tax code ${code}`);
      return code;
    }
  }
  throw new Error('demo seed: no tax code');
}

function demoGtin(company: string, item: number): string {
  const body = `${company}${String(item).padStart(12 - company.length, '0')}`;
  return toGtin14(`${body}${gtinCheckDigit(body)}`);
}

function at(date: IsoDate, time: string): string {
  return `${date}T${time}:00+07:00`;
}

// ---------------------------------------------------------------------------------------------
// The seed

interface SeedState {
  certificates: { product: string; stars: number; state: CertificateState; validTo: IsoDate }[];
  onlyExpired: string[];
  batches: {
    product: string;
    lot: string;
    status: 'active' | 'recalled';
    bestBefore: IsoDate;
    made: boolean;
  }[];
}

/**
 * Seeds the demo province when the producers table is empty, in one transaction; a second call
 * (or a concurrent start) seeds nothing. Reference data and administrative units are synced first.
 */
export async function seedDemo(db: Kysely<Database>, opts: SeedDemoOptions): Promise<SeedDemoSummary> {
  const { today } = opts;
  if (!isIsoDate(today)) throw new RangeError(`today is not an ISO date: ${JSON.stringify(today)}`);
  if (compareDates(today, TWO_TIER_FROM) < 0) {
    throw new RangeError(`the demo province exists from ${TWO_TIER_FROM}; today is ${today}`);
  }
  const nothing = {
    seeded: false,
    producers: 0,
    products: 0,
    certificates: 0,
    batches: 0,
    zones: 0,
    users: 0,
  };
  if (await db.selectFrom('producers').select('id').limit(1).executeTakeFirst()) return nothing;
  await syncReferenceData(db);
  await seedAdminUnits(db);
  const rows = loadOcopProducts();
  // Hash before the transaction: scrypt is slow and needs no lock.
  const passwordHashes = await Promise.all(DEMO_ACCOUNTS.map(() => opts.hashPassword(DEMO_PASSWORD)));

  return db.transaction().execute(async (trx) => {
    await sql`select pg_advisory_xact_lock(7426101)`.execute(trx);
    const existing = await trx.selectFrom('producers').select('id').limit(1).executeTakeFirst();
    if (existing) return nothing;
    return insertDemo(trx, rows, today, passwordHashes);
  });
}

async function insertDemo(
  trx: Transaction<Database>,
  rows: OcopCsvRow[],
  today: IsoDate,
  passwordHashes: string[],
): Promise<SeedDemoSummary> {
  const state: SeedState = { certificates: [], onlyExpired: [], batches: [] };
  const counts = { producers: 0, products: 0, certificates: 0, batches: 0, zones: 0, users: 0 };

  // Producers, in CSV order, then the pending product's producer.
  const producerIds = new Map<string, string>();
  let producerSeq = 0;
  const addProducer = async (name: string, kind: ProducerKind, d: ProducerDetail) => {
    producerSeq += 1;
    const row = await trx
      .insertInto('producers')
      .values({
        name,
        kind,
        tax_code: d.taxPrefix ? demoTaxCode(d.taxPrefix, 100 * producerSeq, d.taxBranch) : null,
        address_line: d.addressLine,
        admin_unit_id: d.unitId,
        representative: null,
        phone: `${d.phoneArea} 000 ${String(100 + producerSeq).padStart(4, '0')}`,
        email: `${d.slug}@demo.ocop.vn`,
        website: null,
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    producerIds.set(name, row.id);
    counts.producers += 1;
  };

  const seen = new Set<string>();
  for (const r of rows) {
    if (SKIPPED[r.product_vi]) continue;
    const detail = PRODUCTS[r.product_vi];
    if (!detail) throw new Error(`demo seed: no details for CSV product ${r.product_vi}`);
    seen.add(r.product_vi);
    if (producerIds.has(r.producer)) continue;
    const d = PRODUCERS[r.producer];
    if (!d) throw new Error(`demo seed: no details for producer ${r.producer}`);
    if (!['DN', 'HTX', 'THT', 'HKD'].includes(r.producer_type)) {
      throw new Error(`demo seed: producer kind ${r.producer_type} of ${r.producer}`);
    }
    await addProducer(r.producer, r.producer_type as ProducerKind, d);
  }
  for (const name of Object.keys(PRODUCTS)) {
    if (!seen.has(name)) throw new Error(`demo seed: ${name} is not in the CSV`);
  }
  await addProducer(PENDING_PRODUCT.producer, 'HKD', {
    slug: 'mat-mia-mien-xanh',
    unitId: QNG_PROVINCE_2025_ID,
    addressLine: 'Tỉnh Quảng Ngãi (địa chỉ chưa xác minh)',
    taxPrefix: null,
    phoneArea: '0255',
  });

  // Zones.
  const zoneIds = new Map<string, string>();
  for (const [key, z] of Object.entries(ZONES)) {
    const check = checkZoneCode(z.scheme, z.code);
    if (!check.ok) throw new Error(`demo seed: zone ${z.code}: ${check.messageEn}`);
    const row = await trx
      .insertInto('raw_material_zones')
      .values({
        scheme: z.scheme,
        code: z.code,
        issuer: z.issuer,
        producer_id: z.producer ? (producerIds.get(z.producer) ?? null) : null,
        admin_unit_id: z.unitId,
        name: z.name,
        area_ha: z.areaHa,
        crop_or_species: z.crop,
        standards: z.standards,
        valid_from: z.validFrom,
        valid_to: null,
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    zoneIds.set(key, row.id);
    counts.zones += 1;
  }

  // Accounts: the producer account is bound to Phú Sinh, the officer to the merged province.
  const userIds = new Map<string, string>();
  for (const [i, a] of DEMO_ACCOUNTS.entries()) {
    const row = await trx
      .insertInto('users')
      .values({
        email: a.email,
        password_hash: passwordHashes[i] ?? '',
        display_name: a.displayName,
        role: a.role,
        producer_id: a.role === 'producer' ? (producerIds.get(DEMO_PRODUCER_NAME) ?? null) : null,
        admin_unit_id: a.role === 'officer' ? QNG_PROVINCE_2025_ID : null,
        disabled_at: null,
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    userIds.set(a.role, row.id);
    counts.users += 1;
  }

  // Products, certificates, batches.
  let productSeq = 0;
  for (const r of rows) {
    const p = PRODUCTS[r.product_vi];
    if (!p) continue;
    productSeq += 1;
    const producerId = producerIds.get(r.producer);
    const producer = PRODUCERS[r.producer];
    if (!producerId || !producer) throw new Error(`demo seed: producer of ${r.product_vi}`);
    if (!findCategory(TAXONOMY_148, p.category) || p.category.split('.')[0] !== r.group.split(' ')[0]) {
      throw new Error(`demo seed: category ${p.category} of ${r.product_vi} is not in group ${r.group}`);
    }
    const placeUnit = unit(p.newUnitId ?? p.oldUnitId);
    if (r.commune_after_2025 && foldVietnamese(r.commune_after_2025) !== foldVietnamese(placeUnit.name)) {
      throw new Error(`demo seed: ${r.product_vi} is in ${r.commune_after_2025}, not ${placeUnit.name}`);
    }
    const gtin =
      p.gtinItem !== undefined && producer.gtinCompany ? demoGtin(producer.gtinCompany, p.gtinItem) : null;
    const { id: productId } = await trx
      .insertInto('products')
      .values({
        producer_id: producerId,
        criteria_set_id: TAXONOMY_148.criteriaSetId,
        category_code: p.category,
        origin_unit_id: placeUnit.id,
        name_vi: r.product_vi,
        name_en: p.nameEn,
        description_vi: p.descriptionVi,
        description_en: p.descriptionEn,
        gtin,
        image_path: null,
        search_text: foldVietnamese(`${r.product_vi} ${r.producer} ${placeUnit.name}`),
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    counts.products += 1;

    const planned = planCertificates(p, today);
    const current = planned.at(-1);
    if (!current || current.spec.stars !== Number(r.stars)) {
      throw new Error(`demo seed: ${r.product_vi} holds ${r.stars}★ in the CSV`);
    }
    const csvDecision = /(\d+\/QĐ-[A-ZĐ]+)/u.exec(r.recognition)?.[1];
    if (csvDecision && csvDecision !== current.spec.decisionNo) {
      throw new Error(`demo seed: ${r.product_vi} was recognised by ${csvDecision}`);
    }

    const certIds: string[] = [];
    for (const [i, c] of planned.entries()) {
      const set = criteriaSetOn(c.decisionDate);
      if (!set) throw new Error(`demo seed: no criteria set on ${c.decisionDate}`);
      const parts = splitScore(c.spec.total, set, productSeq + i);
      const mandatoryPassed = [3, 4, 5].filter((s) => s <= c.spec.stars);
      const evaluation = evaluateScores(
        { scoreA: parts.a, scoreB: parts.b, scoreC: parts.c, mandatoryPassed },
        set,
      );
      if (!evaluation.ok || evaluation.stars !== c.spec.stars) {
        throw new Error(`demo seed: ${r.product_vi} scores do not give ${c.spec.stars}★`);
      }
      const level = certifyingLevel(c.decisionDate, c.spec.stars);
      if (!level || level === 'commune')
        throw new Error(`demo seed: no certifying level on ${c.decisionDate}`);
      const before2025 = compareDates(c.decisionDate, TWO_TIER_FROM) < 0;
      const province = before2025 ? ancestor(p.oldUnitId, 'province') : unit(QNG_PROVINCE_2025_ID);
      const district = ancestor(p.oldUnitId, 'district');
      const authority = defaultAuthority(
        level,
        c.decisionDate,
        lowerKind(province?.name ?? ''),
        district ? lowerKind(district.name) : undefined,
      );
      if (!authority) throw new Error(`demo seed: no authority for ${r.product_vi} on ${c.decisionDate}`);
      const status: CertificateStatus =
        c.spec.state === 'superseded' ? 'superseded' : c.spec.state === 'revoked' ? 'revoked' : 'active';
      const { id } = await trx
        .insertInto('certificates')
        .values({
          product_id: productId,
          criteria_set_id: set.id,
          score_a: parts.a,
          score_b: parts.b,
          score_c: parts.c,
          total_score: evaluation.total,
          mandatory_passed: mandatoryPassed,
          stars: c.spec.stars,
          level,
          authority,
          decision_no: decisionNumber(c.spec, authority),
          decision_date: c.decisionDate,
          round: c.spec.round ?? `Năm ${c.decisionDate.slice(0, 4)}`,
          valid_from: c.decisionDate,
          valid_to: c.validTo,
          status,
          supersedes_id: i > 0 ? (certIds[i - 1] ?? null) : null,
          revocation_reason: c.spec.revocation?.reason ?? null,
          revocation_note: c.spec.revocation?.note ?? null,
          revoked_at: c.revokedOn ? new Date(at(c.revokedOn, '09:00')) : null,
          evidence_url: i === planned.length - 1 && r.source ? r.source : null,
        })
        .returning('id')
        .executeTakeFirstOrThrow();
      certIds.push(id);
      counts.certificates += 1;
      state.certificates.push({
        product: r.product_vi,
        stars: c.spec.stars,
        validTo: c.validTo,
        state: certificateStateOn(
          {
            status,
            validFrom: c.decisionDate,
            validTo: c.validTo,
            revokedAt: c.revokedOn ? at(c.revokedOn, '09:00') : null,
          },
          today,
        ),
      });
    }
    if (planned.length === 1 && planned[0]?.spec.state === 'expired') state.onlyExpired.push(r.product_vi);

    for (const b of p.batches) {
      const cert = planned[b.certIndex ?? planned.length - 1];
      if (!cert) throw new Error(`demo seed: certificate of batch ${b.seq}`);
      const producedOn = productionDate(b, cert, today);
      const bestBefore = addMonths(producedOn, b.shelfLifeMonths);
      const lot = `${p.lotPrefix}-${producedOn.slice(0, 4)}-${b.seq}`;
      const recalledOn = b.recall
        ? minDate(today, maxDate(addDays(producedOn, 5), addDays(today, -b.recall.daysAgo)))
        : null;
      const { id: batchId } = await trx
        .insertInto('batches')
        .values({
          product_id: productId,
          lot,
          produced_on: producedOn,
          best_before: bestBefore,
          quantity: b.quantity,
          unit: b.unit,
          status: b.recall ? 'recalled' : 'active',
          recall_reason: b.recall?.reason ?? null,
          recalled_at: recalledOn ? new Date(at(recalledOn, '16:30')) : null,
          recalled_by: b.recall ? (userIds.get('producer') ?? null) : null,
          created_by: r.producer === DEMO_PRODUCER_NAME ? (userIds.get('producer') ?? null) : null,
        })
        .returning('id')
        .executeTakeFirstOrThrow();
      counts.batches += 1;
      state.batches.push({
        product: r.product_vi,
        lot,
        status: b.recall ? 'recalled' : 'active',
        bestBefore,
        made: wasValidOn(
          {
            status: 'active',
            validFrom: cert.decisionDate,
            validTo: cert.validTo,
            revokedAt: cert.revokedOn ? at(cert.revokedOn, '09:00') : null,
          },
          producedOn,
        ),
      });

      for (const z of p.zones) {
        const zoneId = zoneIds.get(z.zone);
        if (!zoneId) throw new Error(`demo seed: zone ${z.zone}`);
        await trx
          .insertInto('batch_zones')
          .values({
            batch_id: batchId,
            zone_id: zoneId,
            quantity: roundScore(b.quantity * z.kgPerUnit),
            unit: 'kg',
          })
          .execute();
      }

      const ch = p.chain;
      const firstOn = addDays(producedOn, -ch.leadDays);
      const processOn = addDays(producedOn, -ch.processLeadDays);
      const shipOn = addDays(producedOn, 2);
      const events: {
        type: BatchEventType;
        on: IsoDate;
        time: string;
        place: string;
        actor: string;
        note: string;
      }[] = [
        {
          type: ch.first,
          on: firstOn,
          time: '06:30',
          place: ch.firstPlace,
          actor: ch.firstActor,
          note: ch.firstNote,
        },
        {
          type: 'processing',
          on: processOn,
          time: '08:00',
          place: ch.processPlace,
          actor: r.producer,
          note: ch.processNote,
        },
        {
          type: 'packaging',
          on: producedOn,
          time: '14:00',
          place: ch.processPlace,
          actor: r.producer,
          note: `Đóng gói lô ${lot}, ${b.quantity} ${b.unit}`,
        },
      ];
      if (compareDates(shipOn, today) <= 0) {
        events.push({
          type: 'shipping',
          on: shipOn,
          time: '07:30',
          place: `Kho ${r.producer}`,
          actor: r.producer,
          note: 'Xuất kho giao nhà phân phối và điểm bán sản phẩm OCOP',
        });
      }
      await trx
        .insertInto('batch_events')
        .values(
          events.map((e) => ({
            batch_id: batchId,
            type: e.type,
            occurred_at: at(e.on, e.time),
            place: e.place,
            admin_unit_id: unitOn(p, e.on),
            actor: e.actor,
            note: e.note,
            recorded_by: r.producer === DEMO_PRODUCER_NAME ? (userIds.get('producer') ?? null) : null,
          })),
        )
        .execute();
    }
  }

  // The pending (non-OCOP) product: no certificate, no batch.
  const pendingProducer = producerIds.get(PENDING_PRODUCT.producer);
  if (!pendingProducer) throw new Error('demo seed: pending producer');
  await trx
    .insertInto('products')
    .values({
      producer_id: pendingProducer,
      criteria_set_id: TAXONOMY_148.criteriaSetId,
      category_code: PENDING_PRODUCT.category,
      origin_unit_id: QNG_PROVINCE_2025_ID,
      name_vi: PENDING_PRODUCT.name,
      name_en: PENDING_PRODUCT.nameEn,
      description_vi: PENDING_PRODUCT.descriptionVi,
      description_en: PENDING_PRODUCT.descriptionEn,
      gtin: null,
      image_path: null,
      search_text: foldVietnamese(
        `${PENDING_PRODUCT.name} ${PENDING_PRODUCT.producer} ${unit(QNG_PROVINCE_2025_ID).name}`,
      ),
    })
    .execute();
  counts.products += 1;

  assertGuarantees(state, today);
  return { seeded: true, ...counts };
}

/** The states DESIGN's demo mode promises; thrown before commit if `today` broke one. */
function assertGuarantees(s: SeedState, today: IsoDate): void {
  const fail = (what: string) => {
    throw new Error(`demo seed on ${today}: ${what}`);
  };
  for (const stars of [3, 4, 5]) {
    if (!s.certificates.some((c) => c.stars === stars && c.state === 'valid'))
      fail(`no valid ${stars}★ certificate`);
  }
  if (s.onlyExpired.length === 0) fail('no product whose only certificate expired');
  if (!s.certificates.some((c) => c.state === 'valid' && isRenewalDue(c.validTo, today))) {
    fail('no valid certificate due for renewal');
  }
  if (!s.certificates.some((c) => c.state === 'revoked')) fail('no revoked certificate');
  if (!s.certificates.some((c) => c.state === 'superseded')) fail('no superseded certificate');
  if (!s.batches.some((b) => b.status === 'recalled')) fail('no recalled batch');
  if (!s.batches.some((b) => compareDates(b.bestBefore, today) < 0))
    fail('no batch past its best-before date');
  if (!s.batches.every((b) => b.made)) fail('a batch was made outside its certificate');
  if (!s.batches.some((b) => s.onlyExpired.includes(b.product))) fail('no batch of the expired product');
}
