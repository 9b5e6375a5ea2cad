import { describe, it, expect } from 'vitest';
import { TAXONOMIES, TAXONOMY_148, categoryPath, childCategories, findCategory } from './taxonomy.ts';
import type { CategoryLevel, Taxonomy } from './taxonomy.ts';

const PARENT_LEVEL: Record<CategoryLevel, CategoryLevel | null> = {
  group: null,
  nhom: 'group',
  phan_nhom: 'nhom',
};

describe('TAXONOMY_148 data', () => {
  it('belongs to 148 and is listed', () => {
    expect(TAXONOMY_148.criteriaSetId).toBe('148/QĐ-TTg');
    expect(TAXONOMIES).toContain(TAXONOMY_148);
  });

  it('has the six groups I–VI in order', () => {
    expect(childCategories(TAXONOMY_148, null).map((n) => [n.code, n.nameVi])).toEqual([
      ['I', 'Thực phẩm'],
      ['II', 'Đồ uống'],
      ['III', 'Dược liệu và sản phẩm từ dược liệu'],
      ['IV', 'Hàng thủ công mỹ nghệ'],
      ['V', 'Sinh vật cảnh'],
      ['VI', 'Dịch vụ du lịch cộng đồng, du lịch sinh thái và điểm du lịch'],
    ]);
  });

  it('has unique codes, existing parents one level up, and codes that extend the parent code', () => {
    const codes = TAXONOMY_148.nodes.map((n) => n.code);
    expect(new Set(codes).size).toBe(codes.length);
    for (const node of TAXONOMY_148.nodes) {
      const parent = node.parentCode === null ? null : findCategory(TAXONOMY_148, node.parentCode);
      expect(parent?.level ?? null).toBe(PARENT_LEVEL[node.level]);
      if (parent) expect(node.code.startsWith(`${parent.code}.`)).toBe(true);
      expect(node.nameVi).not.toBe('');
      expect(node.nameEn).not.toBe('');
    }
  });

  it('marks the rows recalled from memory and none of the confirmed ones', () => {
    const confirmed = [
      'I',
      'I.1',
      'I.1.a',
      'I.1.b',
      'I.2',
      'I.2.a',
      'I.2.b',
      'I.3',
      'I.3.a',
      'I.3.b',
      'I.3.c',
      'I.3.d',
    ];
    for (const code of confirmed) expect(findCategory(TAXONOMY_148, code)?.unconfirmed).toBeUndefined();
    for (const code of ['I.4', 'I.4.a', 'I.5', 'I.6', 'II.1', 'II.1.a', 'II.2', 'III.1', 'V.1']) {
      expect(findCategory(TAXONOMY_148, code)?.unconfirmed).toBe(true);
    }
    for (const code of ['II', 'III', 'IV', 'V', 'VI']) {
      expect(findCategory(TAXONOMY_148, code)?.unconfirmed).toBeUndefined();
    }
  });

  it.each([
    ['I.1.a', 'Bộ Nông nghiệp và Phát triển nông thôn'],
    ['I.3.a', 'Bộ Công Thương'],
    ['I.3.b', 'Bộ Nông nghiệp và Phát triển nông thôn; Bộ Công Thương'],
    ['I.3.d', undefined],
  ])('ministry of %s', (code, ministry) => {
    expect(findCategory(TAXONOMY_148, code)?.ministry).toBe(ministry);
  });
});

describe('categoryPath', () => {
  it.each([
    ['I', ['I']],
    ['I.3', ['I', 'I.3']],
    ['I.3.b', ['I', 'I.3', 'I.3.b']],
    ['I.4.a', ['I', 'I.4', 'I.4.a']],
    ['II.1.a', ['II', 'II.1', 'II.1.a']],
    ['VI', ['VI']],
    ['VII', null],
    ['I.9.z', null],
    ['', null],
  ])('%s → %j', (code, expected) => {
    expect(categoryPath(TAXONOMY_148, code)?.map((n) => n.code) ?? null).toEqual(expected);
  });

  it('returns null on a dangling parent or a cycle', () => {
    const broken: Taxonomy = {
      criteriaSetId: 'test',
      nodes: [
        { code: 'A.1', level: 'nhom', parentCode: 'A', nameVi: 'a', nameEn: 'a' },
        { code: 'X', level: 'group', parentCode: 'Y', nameVi: 'x', nameEn: 'x' },
        { code: 'Y', level: 'group', parentCode: 'X', nameVi: 'y', nameEn: 'y' },
      ],
    };
    expect(categoryPath(broken, 'A.1')).toBeNull();
    expect(categoryPath(broken, 'X')).toBeNull();
  });
});

describe('childCategories', () => {
  it.each([
    ['I', ['I.1', 'I.2', 'I.3', 'I.4', 'I.5', 'I.6']],
    ['I.3', ['I.3.a', 'I.3.b', 'I.3.c', 'I.3.d']],
    ['IV', []],
    ['V', ['V.1', 'V.2', 'V.3']],
  ])('%s → %j', (code, expected) => {
    expect(childCategories(TAXONOMY_148, code).map((n) => n.code)).toEqual(expected);
  });
});
