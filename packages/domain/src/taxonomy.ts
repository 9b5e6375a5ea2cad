/**
 * OCOP product classification as versioned reference data.
 *
 * The classification belongs to a criteria set: 1048 (2019) and 148 (2023) name and cut the
 * groups differently ("Thảo dược" became "Dược liệu", "Vải và may mặc" was folded into
 * handicrafts), so a product is classified against the taxonomy of the set it was scored under,
 * never against an enum. Codes are ours (group I–VI, nhóm I.1, phân nhóm I.1.a), following the
 * numbering of the annex. @see Decision 148/QĐ-TTg, Phụ lục I; domain.md §1.6
 */

export type CategoryLevel = 'group' | 'nhom' | 'phan_nhom';

export interface CategoryNode {
  code: string;
  level: CategoryLevel;
  parentCode: string | null;
  nameVi: string;
  nameEn: string;
  /** Managing ministry as named in the annex (names of 2023, before the 2025 ministry merger). */
  ministry?: string;
  /** True for rows recalled from memory and not yet checked against Phụ lục I: verify before use. */
  unconfirmed?: boolean;
}

export interface Taxonomy {
  criteriaSetId: string;
  nodes: CategoryNode[];
}

const NN = 'Bộ Nông nghiệp và Phát triển nông thôn';
const CT = 'Bộ Công Thương';

/**
 * The six groups of 148 Art. 1.1.a (CONFIRMED) and the nhóm / phân nhóm rows of Phụ lục I as far
 * as the sources quoted them (food nhóm 1–3, CONFIRMED). Every row marked `unconfirmed: true` is
 * recalled from memory (domain.md §1.6 "UNCONFIRMED") and must be checked against the annex
 * before it is seeded for real classification.
 */
export const TAXONOMY_148: Taxonomy & { criteriaSetId: '148/QĐ-TTg' } = {
  criteriaSetId: '148/QĐ-TTg',
  nodes: [
    // I. Food: groups and nhóm 1–3 CONFIRMED (thuvienphapluat Q&A excerpt, brandsvip.com.vn)
    { code: 'I', level: 'group', parentCode: null, nameVi: 'Thực phẩm', nameEn: 'Food' },
    { code: 'I.1', level: 'nhom', parentCode: 'I', nameVi: 'Thực phẩm tươi sống', nameEn: 'Fresh food' },
    {
      code: 'I.1.a',
      level: 'phan_nhom',
      parentCode: 'I.1',
      nameVi: 'Rau, củ, quả, hạt tươi',
      nameEn: 'Fresh vegetables, roots, fruit and seeds',
      ministry: NN,
    },
    {
      code: 'I.1.b',
      level: 'phan_nhom',
      parentCode: 'I.1',
      nameVi: 'Thịt, thủy sản, trứng, sữa tươi',
      nameEn: 'Fresh meat, seafood, eggs and milk',
      ministry: NN,
    },
    {
      code: 'I.2',
      level: 'nhom',
      parentCode: 'I',
      nameVi: 'Thực phẩm thô, sơ chế',
      nameEn: 'Raw and semi-processed food',
    },
    {
      code: 'I.2.a',
      level: 'phan_nhom',
      parentCode: 'I.2',
      nameVi: 'Gạo, ngũ cốc, hạt sơ chế khác',
      nameEn: 'Rice, cereals and other semi-processed grains',
      ministry: NN,
    },
    {
      code: 'I.2.b',
      level: 'phan_nhom',
      parentCode: 'I.2',
      nameVi: 'Mật ong, mật khác và nông sản thực phẩm khác',
      nameEn: 'Honey, other syrups and other farm food products',
      ministry: NN,
    },
    { code: 'I.3', level: 'nhom', parentCode: 'I', nameVi: 'Thực phẩm chế biến', nameEn: 'Processed food' },
    {
      code: 'I.3.a',
      level: 'phan_nhom',
      parentCode: 'I.3',
      nameVi: 'Đồ ăn nhanh',
      nameEn: 'Fast food',
      ministry: CT,
    },
    {
      code: 'I.3.b',
      level: 'phan_nhom',
      parentCode: 'I.3',
      nameVi: 'Chế biến từ gạo, ngũ cốc',
      nameEn: 'Processed from rice and cereals',
      ministry: `${NN}; ${CT}`,
    },
    {
      code: 'I.3.c',
      level: 'phan_nhom',
      parentCode: 'I.3',
      nameVi: 'Chế biến từ rau, củ, quả, hạt',
      nameEn: 'Processed from vegetables, roots, fruit and seeds',
      ministry: NN,
    },
    {
      // Ministry cut off in the quoted source: left unset.
      code: 'I.3.d',
      level: 'phan_nhom',
      parentCode: 'I.3',
      nameVi: 'Chế biến từ thịt, trứng, sữa, thủy sản, các sản phẩm từ mật ong, mật khác',
      nameEn: 'Processed from meat, eggs, milk, seafood; honey and syrup products',
    },
    // I. Food, nhóm 4–6: UNCONFIRMED
    {
      code: 'I.4',
      level: 'nhom',
      parentCode: 'I',
      nameVi: 'Gia vị',
      nameEn: 'Condiments and spices',
      unconfirmed: true,
    },
    {
      code: 'I.4.a',
      level: 'phan_nhom',
      parentCode: 'I.4',
      nameVi: 'Tương, nước mắm, gia vị dạng lỏng',
      nameEn: 'Sauces, fish sauce and liquid condiments',
      unconfirmed: true,
    },
    {
      code: 'I.4.b',
      level: 'phan_nhom',
      parentCode: 'I.4',
      nameVi: 'Gia vị khác',
      nameEn: 'Other condiments and spices',
      unconfirmed: true,
    },
    { code: 'I.5', level: 'nhom', parentCode: 'I', nameVi: 'Chè', nameEn: 'Tea', unconfirmed: true },
    {
      code: 'I.6',
      level: 'nhom',
      parentCode: 'I',
      nameVi: 'Cà phê, ca cao',
      nameEn: 'Coffee and cocoa',
      unconfirmed: true,
    },

    // II. Beverages: group CONFIRMED; nhóm and phân nhóm UNCONFIRMED
    { code: 'II', level: 'group', parentCode: null, nameVi: 'Đồ uống', nameEn: 'Beverages' },
    {
      code: 'II.1',
      level: 'nhom',
      parentCode: 'II',
      nameVi: 'Đồ uống có cồn',
      nameEn: 'Alcoholic drinks',
      unconfirmed: true,
    },
    {
      code: 'II.1.a',
      level: 'phan_nhom',
      parentCode: 'II.1',
      nameVi: 'Rượu trắng',
      nameEn: 'White spirits',
      unconfirmed: true,
    },
    {
      code: 'II.1.b',
      level: 'phan_nhom',
      parentCode: 'II.1',
      nameVi: 'Đồ uống có cồn khác',
      nameEn: 'Other alcoholic drinks',
      unconfirmed: true,
    },
    {
      code: 'II.2',
      level: 'nhom',
      parentCode: 'II',
      nameVi: 'Đồ uống không cồn',
      nameEn: 'Non-alcoholic drinks',
      unconfirmed: true,
    },

    // III. Medicinal herbs: group CONFIRMED; nhóm UNCONFIRMED
    {
      code: 'III',
      level: 'group',
      parentCode: null,
      nameVi: 'Dược liệu và sản phẩm từ dược liệu',
      nameEn: 'Medicinal herbs and herbal products',
    },
    {
      code: 'III.1',
      level: 'nhom',
      parentCode: 'III',
      nameVi: 'Thực phẩm chức năng, thuốc dược liệu, thuốc y học cổ truyền',
      nameEn: 'Health supplements, herbal medicines and traditional medicines',
      unconfirmed: true,
    },
    {
      code: 'III.2',
      level: 'nhom',
      parentCode: 'III',
      nameVi: 'Mỹ phẩm có thành phần từ thảo dược',
      nameEn: 'Cosmetics made with herbs',
      unconfirmed: true,
    },
    {
      code: 'III.3',
      level: 'nhom',
      parentCode: 'III',
      nameVi: 'Tinh dầu và thảo dược khác',
      nameEn: 'Essential oils and other herbal products',
      unconfirmed: true,
    },

    // IV–VI: groups CONFIRMED; V's nhóm UNCONFIRMED; no nhóm of IV or VI known
    { code: 'IV', level: 'group', parentCode: null, nameVi: 'Hàng thủ công mỹ nghệ', nameEn: 'Handicrafts' },
    {
      code: 'V',
      level: 'group',
      parentCode: null,
      nameVi: 'Sinh vật cảnh',
      nameEn: 'Ornamental plants and animals',
    },
    { code: 'V.1', level: 'nhom', parentCode: 'V', nameVi: 'Hoa', nameEn: 'Flowers', unconfirmed: true },
    {
      code: 'V.2',
      level: 'nhom',
      parentCode: 'V',
      nameVi: 'Cây cảnh',
      nameEn: 'Ornamental plants',
      unconfirmed: true,
    },
    {
      code: 'V.3',
      level: 'nhom',
      parentCode: 'V',
      nameVi: 'Động vật cảnh',
      nameEn: 'Ornamental animals',
      unconfirmed: true,
    },
    {
      code: 'VI',
      level: 'group',
      parentCode: null,
      nameVi: 'Dịch vụ du lịch cộng đồng, du lịch sinh thái và điểm du lịch',
      nameEn: 'Community tourism, eco-tourism and tourist sites',
    },
  ],
};

/** All known taxonomies (the 1048 one is not encoded yet: its 26 product sets were not retrieved). */
export const TAXONOMIES: readonly Taxonomy[] = [TAXONOMY_148];

/** The node with `code`, or null. */
export function findCategory(taxonomy: Taxonomy, code: string): CategoryNode | null {
  return taxonomy.nodes.find((n) => n.code === code) ?? null;
}

/**
 * The path from the group down to `code`: [group], [group, nhóm] or [group, nhóm, phân nhóm].
 * Null when `code` (or one of its ancestors) is not in the taxonomy.
 */
export function categoryPath(taxonomy: Taxonomy, code: string): CategoryNode[] | null {
  const path: CategoryNode[] = [];
  const seen = new Set<string>();
  let current: string | null = code;
  while (current !== null) {
    if (seen.has(current)) return null; // a cycle in the data
    seen.add(current);
    const node = findCategory(taxonomy, current);
    if (!node) return null;
    path.unshift(node);
    current = node.parentCode;
  }
  return path;
}

/** Direct children of `code` (the groups when `code` is null), in data order. */
export function childCategories(taxonomy: Taxonomy, code: string | null): CategoryNode[] {
  return taxonomy.nodes.filter((n) => n.parentCode === code);
}
