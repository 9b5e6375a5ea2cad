/**
 * Product groups and categories for display, from the versioned taxonomy of @ocop/domain
 * (148/QĐ-TTg annex I): the catalogue filter and the names shown on pages.
 */
import { TAXONOMY_148 } from '@ocop/domain/taxonomy';
import { groupOf, type Lang } from './i18n.ts';

export const GROUP_OPTIONS = TAXONOMY_148.nodes
  .filter((n) => n.level === 'group')
  .map((n) => ({ code: n.code, vi: n.nameVi, en: n.nameEn }));

/** The name of a category code's top group, in a language. */
export function groupName(categoryCode: string | null | undefined, lang: Lang): string | null {
  const g = groupOf(categoryCode);
  const node = g ? GROUP_OPTIONS.find((o) => o.code === g) : undefined;
  return node ? node[lang] : null;
}

/** The name of the category itself (nhóm or phân nhóm), when it is more than the group. */
export function categoryName(categoryCode: string | null | undefined, lang: Lang): string | null {
  if (!categoryCode || !categoryCode.includes('.')) return null;
  const node = TAXONOMY_148.nodes.find((n) => n.code === categoryCode);
  return node ? (lang === 'vi' ? node.nameVi : node.nameEn) : null;
}
