import type { Kysely } from 'kysely';
import type { AdminLevel, Database } from './schema.ts';

/**
 * Administrative units of Quảng Ngãi as data: the two provinces before the 2025 reform (Quảng Ngãi
 * and Kon Tum) with the districts and communes that the demo products come from, and the merged
 * province Quảng Ngãi from 01/07/2025 with its new commune-level units. Not the whole map: only
 * what producers, products, zones and certificates point at, plus the parents they need.
 *
 * - Old units end on 2025-06-30; new ones start on 2025-07-01 (NQ 202/2025/QH15 merges Kon Tum into
 *   Quảng Ngãi; NQ 1677/NQ-UBTVQH15 rearranges the communes; Law 72/2025/QH15 abolishes districts).
 * - Old → new links are in {@link QNG_ADMIN_UNIT_SUCCESSORS}. Where the mapping is not confirmed by
 *   a source, the unit is left without a successor rather than guessed (Đức Nhuận, Ba Thành).
 * - Lý Sơn dissolved its three communes on 01/02/2020 (NQ 867/NQ-UBTVQH14, CONFIRMED vov.vn);
 *   from then the district itself was the lowest unit. The same resolution made Đức Phổ a town
 *   (thị xã) with wards.
 * - Codes: only the national codes of 124/2004/QĐ-TTg we are sure of (provinces 51 and 62, the
 *   districts). Commune codes and the codes of the new units (believed to be in 19/2025/QĐ-TTg,
 *   UNCONFIRMED, domain.md §3.1) are left null.
 *
 * Ids are stable readable keys: `qng-2025…` for the merged province and its units, `qng-…` and
 * `ktm-…` for the old Quảng Ngãi and Kon Tum.
 */

export interface AdminUnitSeed {
  id: string;
  code: string | null;
  name: string;
  level: AdminLevel;
  parentId: string | null;
  validFrom: string;
  validTo: string | null;
}

export interface AdminUnitSuccessorSeed {
  predecessorId: string;
  successorId: string;
  effectiveOn: string;
}

/**
 * Not a founding date: a floor before every record this system holds (the first OCOP criteria
 * date from 2019-08-21 and every production date fall after it).
 */
const KNOWN_SINCE = '2000-01-01';
/** Last day of the three-tier map. */
const OLD_END = '2025-06-30';
/** First day of the two-tier map and the merged province. */
const NEW_START = '2025-07-01';
/** NQ 867/NQ-UBTVQH14 of 10/01/2020, in force 01/02/2020. */
const REFORM_2020 = '2020-02-01';
const BEFORE_REFORM_2020 = '2020-01-31';

export const QNG_PROVINCE_2025_ID = 'qng-2025';
export const QNG_OLD_PROVINCE_ID = 'qng-tinh';
export const KTM_OLD_PROVINCE_ID = 'ktm-tinh';

function oldUnit(
  id: string,
  name: string,
  level: AdminLevel,
  parentId: string | null,
  code: string | null = null,
  validFrom = KNOWN_SINCE,
  validTo = OLD_END,
): AdminUnitSeed {
  return { id, code, name, level, parentId, validFrom, validTo };
}

function newUnit(id: string, name: string, level: AdminLevel): AdminUnitSeed {
  return { id, code: null, name, level, parentId: QNG_PROVINCE_2025_ID, validFrom: NEW_START, validTo: null };
}

/** Parents always come before their children, so the list inserts in order. */
export const QNG_ADMIN_UNITS: readonly AdminUnitSeed[] = [
  // Provinces before the merger.
  oldUnit(QNG_OLD_PROVINCE_ID, 'Tỉnh Quảng Ngãi', 'province', null, '51'),
  oldUnit(KTM_OLD_PROVINCE_ID, 'Tỉnh Kon Tum', 'province', null, '62'),

  // Old Quảng Ngãi: districts (codes 124/2004/QĐ-TTg).
  oldUnit('qng-quang-ngai-tp', 'Thành phố Quảng Ngãi', 'district', QNG_OLD_PROVINCE_ID, '522'),
  oldUnit('qng-binh-son-huyen', 'Huyện Bình Sơn', 'district', QNG_OLD_PROVINCE_ID, '524'),
  oldUnit('qng-tra-bong-huyen', 'Huyện Trà Bồng', 'district', QNG_OLD_PROVINCE_ID, '525'),
  oldUnit('qng-son-tinh-huyen', 'Huyện Sơn Tịnh', 'district', QNG_OLD_PROVINCE_ID, '527'),
  oldUnit('qng-tu-nghia-huyen', 'Huyện Tư Nghĩa', 'district', QNG_OLD_PROVINCE_ID, '528'),
  oldUnit('qng-mo-duc-huyen', 'Huyện Mộ Đức', 'district', QNG_OLD_PROVINCE_ID, '533'),
  // Huyện Đức Phổ became Thị xã Đức Phổ on 01/02/2020 and kept its code.
  oldUnit('qng-duc-pho-tx', 'Thị xã Đức Phổ', 'district', QNG_OLD_PROVINCE_ID, '534', REFORM_2020),
  oldUnit('qng-ba-to-huyen', 'Huyện Ba Tơ', 'district', QNG_OLD_PROVINCE_ID, '535'),
  oldUnit('qng-ly-son-huyen', 'Huyện Lý Sơn', 'district', QNG_OLD_PROVINCE_ID, '536'),

  // Old Quảng Ngãi: communes, wards and townships (thị trấn, stored as level commune).
  oldUnit(
    'qng-ly-son-an-vinh',
    'Xã An Vĩnh',
    'commune',
    'qng-ly-son-huyen',
    null,
    KNOWN_SINCE,
    BEFORE_REFORM_2020,
  ),
  oldUnit(
    'qng-ly-son-an-hai',
    'Xã An Hải',
    'commune',
    'qng-ly-son-huyen',
    null,
    KNOWN_SINCE,
    BEFORE_REFORM_2020,
  ),
  oldUnit(
    'qng-ly-son-an-binh',
    'Xã An Bình',
    'commune',
    'qng-ly-son-huyen',
    null,
    KNOWN_SINCE,
    BEFORE_REFORM_2020,
  ),
  oldUnit('qng-quang-ngai-tran-hung-dao', 'Phường Trần Hưng Đạo', 'ward', 'qng-quang-ngai-tp'),
  oldUnit('qng-quang-ngai-nguyen-nghiem', 'Phường Nguyễn Nghiêm', 'ward', 'qng-quang-ngai-tp'),
  oldUnit('qng-quang-ngai-chanh-lo', 'Phường Chánh Lộ', 'ward', 'qng-quang-ngai-tp'),
  oldUnit('qng-quang-ngai-nghia-chanh', 'Phường Nghĩa Chánh', 'ward', 'qng-quang-ngai-tp'),
  oldUnit('qng-tra-bong-tra-xuan', 'Thị trấn Trà Xuân', 'commune', 'qng-tra-bong-huyen'),
  oldUnit('qng-tra-bong-tra-son', 'Xã Trà Sơn', 'commune', 'qng-tra-bong-huyen'),
  oldUnit('qng-binh-son-chau-o', 'Thị trấn Châu Ổ', 'commune', 'qng-binh-son-huyen'),
  oldUnit('qng-binh-son-binh-thanh', 'Xã Bình Thạnh', 'commune', 'qng-binh-son-huyen'),
  oldUnit('qng-binh-son-binh-hai', 'Xã Bình Hải', 'commune', 'qng-binh-son-huyen'),
  oldUnit('qng-son-tinh-tinh-tho', 'Xã Tịnh Thọ', 'commune', 'qng-son-tinh-huyen'),
  oldUnit('qng-son-tinh-tinh-phong', 'Xã Tịnh Phong', 'commune', 'qng-son-tinh-huyen'),
  oldUnit('qng-mo-duc-duc-nhuan', 'Xã Đức Nhuận', 'commune', 'qng-mo-duc-huyen'),
  oldUnit('qng-duc-pho-nguyen-nghiem', 'Phường Nguyễn Nghiêm', 'ward', 'qng-duc-pho-tx', null, REFORM_2020),
  oldUnit('qng-duc-pho-pho-thanh', 'Phường Phổ Thạnh', 'ward', 'qng-duc-pho-tx', null, REFORM_2020),
  oldUnit('qng-ba-to-ba-thanh', 'Xã Ba Thành', 'commune', 'qng-ba-to-huyen'),

  // Old Kon Tum: districts (codes 124/2004/QĐ-TTg) and communes.
  oldUnit('ktm-kon-tum-tp', 'Thành phố Kon Tum', 'district', KTM_OLD_PROVINCE_ID, '608'),
  oldUnit('ktm-ngoc-hoi-huyen', 'Huyện Ngọc Hồi', 'district', KTM_OLD_PROVINCE_ID, '611'),
  oldUnit('ktm-kon-plong-huyen', 'Huyện Kon Plông', 'district', KTM_OLD_PROVINCE_ID, '613'),
  oldUnit('ktm-kon-ray-huyen', 'Huyện Kon Rẫy', 'district', KTM_OLD_PROVINCE_ID, '614'),
  oldUnit('ktm-dak-ha-huyen', 'Huyện Đăk Hà', 'district', KTM_OLD_PROVINCE_ID, '615'),
  oldUnit('ktm-sa-thay-huyen', 'Huyện Sa Thầy', 'district', KTM_OLD_PROVINCE_ID, '616'),
  oldUnit('ktm-ia-hdrai-huyen', "Huyện Ia H'Drai", 'district', KTM_OLD_PROVINCE_ID, '618'),
  oldUnit('ktm-kon-plong-mang-den', 'Thị trấn Măng Đen', 'commune', 'ktm-kon-plong-huyen'),
  oldUnit('ktm-ngoc-hoi-sa-loong', 'Xã Sa Loong', 'commune', 'ktm-ngoc-hoi-huyen'),
  oldUnit('ktm-ngoc-hoi-dak-kan', 'Xã Đăk Kan', 'commune', 'ktm-ngoc-hoi-huyen'),
  oldUnit('ktm-kon-ray-dak-rve', 'Thị trấn Đăk Rve', 'commune', 'ktm-kon-ray-huyen'),
  oldUnit('ktm-ia-hdrai-ia-toi', 'Xã Ia Tơi', 'commune', 'ktm-ia-hdrai-huyen'),

  // The merged province from 01/07/2025 and its new commune-level units.
  {
    id: QNG_PROVINCE_2025_ID,
    code: null,
    name: 'Tỉnh Quảng Ngãi',
    level: 'province',
    parentId: null,
    validFrom: NEW_START,
    validTo: null,
  },
  newUnit('qng-2025-ly-son', 'Đặc khu Lý Sơn', 'special_zone'),
  newUnit('qng-2025-cam-thanh', 'Phường Cẩm Thành', 'ward'),
  newUnit('qng-2025-duc-pho', 'Phường Đức Phổ', 'ward'),
  newUnit('qng-2025-sa-huynh', 'Phường Sa Huỳnh', 'ward'),
  newUnit('qng-2025-tra-bong', 'Xã Trà Bồng', 'commune'),
  newUnit('qng-2025-binh-son', 'Xã Bình Sơn', 'commune'),
  newUnit('qng-2025-van-tuong', 'Xã Vạn Tường', 'commune'),
  newUnit('qng-2025-tho-phong', 'Xã Thọ Phong', 'commune'),
  newUnit('qng-2025-mang-den', 'Xã Măng Đen', 'commune'),
  newUnit('qng-2025-sa-loong', 'Xã Sa Loong', 'commune'),
  newUnit('qng-2025-dak-rve', 'Xã Đăk Rve', 'commune'),
  newUnit('qng-2025-ia-toi', 'Xã Ia Tơi', 'commune'),
];

function succ(predecessorId: string, successorId: string, effectiveOn = NEW_START): AdminUnitSuccessorSeed {
  return { predecessorId, successorId, effectiveOn };
}

/**
 * Old → new. Confidence of each commune link:
 * - CONFIRMED: both provinces → the merged Quảng Ngãi (NQ 202/2025/QH15); the Lý Sơn communes →
 *   huyện Lý Sơn (2020) → đặc khu Lý Sơn (whole district).
 * - REPORTED (secondary listings of NQ 1677, thanhnien.vn on the draft): phường Cẩm Thành from
 *   Trần Hưng Đạo, Nguyễn Nghiêm, Chánh Lộ, Nghĩa Chánh; xã Bình Sơn from TT Châu Ổ and Bình Thạnh
 *   (among others); xã Vạn Tường from Bình Hải (among others).
 * - INFERRED from the new names and the demo sources (the CSV's commune before/after columns):
 *   Trà Bồng, Thọ Phong, Đức Phổ, Sa Huỳnh and the Kon Tum communes.
 */
export const QNG_ADMIN_UNIT_SUCCESSORS: readonly AdminUnitSuccessorSeed[] = [
  succ(QNG_OLD_PROVINCE_ID, QNG_PROVINCE_2025_ID),
  succ(KTM_OLD_PROVINCE_ID, QNG_PROVINCE_2025_ID),
  succ('qng-ly-son-an-vinh', 'qng-ly-son-huyen', REFORM_2020),
  succ('qng-ly-son-an-hai', 'qng-ly-son-huyen', REFORM_2020),
  succ('qng-ly-son-an-binh', 'qng-ly-son-huyen', REFORM_2020),
  succ('qng-ly-son-huyen', 'qng-2025-ly-son'),
  succ('qng-quang-ngai-tran-hung-dao', 'qng-2025-cam-thanh'),
  succ('qng-quang-ngai-nguyen-nghiem', 'qng-2025-cam-thanh'),
  succ('qng-quang-ngai-chanh-lo', 'qng-2025-cam-thanh'),
  succ('qng-quang-ngai-nghia-chanh', 'qng-2025-cam-thanh'),
  succ('qng-tra-bong-tra-xuan', 'qng-2025-tra-bong'),
  succ('qng-tra-bong-tra-son', 'qng-2025-tra-bong'),
  succ('qng-binh-son-chau-o', 'qng-2025-binh-son'),
  succ('qng-binh-son-binh-thanh', 'qng-2025-binh-son'),
  succ('qng-binh-son-binh-hai', 'qng-2025-van-tuong'),
  succ('qng-son-tinh-tinh-tho', 'qng-2025-tho-phong'),
  succ('qng-son-tinh-tinh-phong', 'qng-2025-tho-phong'),
  succ('qng-duc-pho-nguyen-nghiem', 'qng-2025-duc-pho'),
  succ('qng-duc-pho-pho-thanh', 'qng-2025-sa-huynh'),
  succ('ktm-kon-plong-mang-den', 'qng-2025-mang-den'),
  succ('ktm-ngoc-hoi-sa-loong', 'qng-2025-sa-loong'),
  succ('ktm-ngoc-hoi-dak-kan', 'qng-2025-sa-loong'),
  succ('ktm-kon-ray-dak-rve', 'qng-2025-dak-rve'),
  succ('ktm-ia-hdrai-ia-toi', 'qng-2025-ia-toi'),
];

/**
 * Inserts the units and their successor links; rows that already exist (by id) are left as they
 * are, so an officer's later correction is never overwritten. Returns how many rows were new.
 */
export async function seedAdminUnits(db: Kysely<Database>): Promise<{ units: number; successors: number }> {
  return db.transaction().execute(async (trx) => {
    const units = await trx
      .insertInto('admin_units')
      .values(
        QNG_ADMIN_UNITS.map((u) => ({
          id: u.id,
          code: u.code,
          name: u.name,
          level: u.level,
          parent_id: u.parentId,
          valid_from: u.validFrom,
          valid_to: u.validTo,
        })),
      )
      .onConflict((oc) => oc.column('id').doNothing())
      .returning('id')
      .execute();
    const successors = await trx
      .insertInto('admin_unit_successors')
      .values(
        QNG_ADMIN_UNIT_SUCCESSORS.map((s) => ({
          predecessor_id: s.predecessorId,
          successor_id: s.successorId,
          effective_on: s.effectiveOn,
        })),
      )
      .onConflict((oc) => oc.columns(['predecessor_id', 'successor_id']).doNothing())
      .returning('predecessor_id')
      .execute();
    return { units: units.length, successors: successors.length };
  });
}
