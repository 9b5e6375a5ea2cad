import { sql, type Kysely } from 'kysely';
import {
  CERTIFYING_PERIODS,
  CRITERIA_SETS,
  TAXONOMIES,
  type CategoryNode,
  type CertifyingLevel as DomainCertifyingLevel,
} from '@ocop/domain';
import type { CertifyingLevel, Database } from './schema.ts';

/** Rows inserted or changed by one {@link syncReferenceData} run (all zero when already in sync). */
export interface ReferenceSyncSummary {
  criteriaSets: number;
  starBands: number;
  certifyingPeriods: number;
  categories: number;
}

const DEPTH: Record<CategoryNode['level'], number> = { group: 0, nhom: 1, phan_nhom: 2 };

function dbLevel(level: DomainCertifyingLevel, where: string): CertifyingLevel {
  // The commune pre-checks dossiers but never certifies (1489/QĐ-TTg); the table only knows certifiers.
  if (level === 'commune') throw new Error(`certifying period ${where}: the commune level never certifies`);
  return level;
}

/**
 * Mirrors the versioned reference data of `@ocop/domain` into the database: criteria sets with their
 * star bands, certifying periods, and the product taxonomy. Runs at every start: a change in the
 * law arrives as a change to the domain data, and the database follows. Upserts only (insert … on
 * conflict do update, skipped when nothing differs), so it is idempotent and cheap; rows the domain
 * no longer lists are kept, since registry rows may still point at them.
 */
export async function syncReferenceData(db: Kysely<Database>): Promise<ReferenceSyncSummary> {
  return db.transaction().execute(async (trx) => {
    const criteriaSets = await trx
      .insertInto('criteria_sets')
      .values(
        CRITERIA_SETS.map((s) => ({
          id: s.id,
          name: s.name,
          effective_from: s.effectiveFrom,
          effective_to: s.effectiveTo,
          part_a_max: s.partMax.a,
          part_b_max: s.partMax.b,
          part_c_max: s.partMax.c,
        })),
      )
      .onConflict((oc) =>
        oc
          .column('id')
          .doUpdateSet((eb) => ({
            name: eb.ref('excluded.name'),
            effective_from: eb.ref('excluded.effective_from'),
            effective_to: eb.ref('excluded.effective_to'),
            part_a_max: eb.ref('excluded.part_a_max'),
            part_b_max: eb.ref('excluded.part_b_max'),
            part_c_max: eb.ref('excluded.part_c_max'),
          }))
          .where(
            sql<boolean>`(criteria_sets.name, criteria_sets.effective_from, criteria_sets.effective_to,
              criteria_sets.part_a_max, criteria_sets.part_b_max, criteria_sets.part_c_max)
              is distinct from (excluded.name, excluded.effective_from, excluded.effective_to,
              excluded.part_a_max, excluded.part_b_max, excluded.part_c_max)`,
          ),
      )
      .returning('id')
      .execute();

    const starBands = await trx
      .insertInto('star_bands')
      .values(
        CRITERIA_SETS.flatMap((s) =>
          s.bands.map((b) => ({
            criteria_set_id: s.id,
            stars: b.stars,
            min_score: b.minScore,
            certified: b.stars >= s.minCertifiedStars,
          })),
        ),
      )
      .onConflict((oc) =>
        oc
          .columns(['criteria_set_id', 'stars'])
          .doUpdateSet((eb) => ({
            min_score: eb.ref('excluded.min_score'),
            certified: eb.ref('excluded.certified'),
          }))
          .where(
            sql<boolean>`(star_bands.min_score, star_bands.certified)
              is distinct from (excluded.min_score, excluded.certified)`,
          ),
      )
      .returning('stars')
      .execute();

    const certifyingPeriods = await trx
      .insertInto('certifying_periods')
      .values(
        CERTIFYING_PERIODS.map((p) => ({
          id: p.basis,
          basis: p.basis,
          effective_from: p.from,
          effective_to: p.to,
          level_3: dbLevel(p.byStars[3], p.basis),
          level_4: dbLevel(p.byStars[4], p.basis),
          level_5: dbLevel(p.byStars[5], p.basis),
        })),
      )
      .onConflict((oc) =>
        oc
          .column('id')
          .doUpdateSet((eb) => ({
            basis: eb.ref('excluded.basis'),
            effective_from: eb.ref('excluded.effective_from'),
            effective_to: eb.ref('excluded.effective_to'),
            level_3: eb.ref('excluded.level_3'),
            level_4: eb.ref('excluded.level_4'),
            level_5: eb.ref('excluded.level_5'),
          }))
          .where(
            sql<boolean>`(certifying_periods.basis, certifying_periods.effective_from,
              certifying_periods.effective_to, certifying_periods.level_3, certifying_periods.level_4,
              certifying_periods.level_5)
              is distinct from (excluded.basis, excluded.effective_from, excluded.effective_to,
              excluded.level_3, excluded.level_4, excluded.level_5)`,
          ),
      )
      .returning('id')
      .execute();

    let categories = 0;
    for (const taxonomy of TAXONOMIES) {
      // Parents before children: the (criteria set, parent code) foreign key checks each row.
      const nodes = [...taxonomy.nodes].sort((a, b) => DEPTH[a.level] - DEPTH[b.level]);
      if (nodes.length === 0) continue;
      const rows = await trx
        .insertInto('product_categories')
        .values(
          nodes.map((n) => ({
            criteria_set_id: taxonomy.criteriaSetId,
            code: n.code,
            level: n.level,
            parent_code: n.parentCode,
            name_vi: n.nameVi,
            name_en: n.nameEn,
            ministry: n.ministry ?? null,
          })),
        )
        .onConflict((oc) =>
          oc
            .columns(['criteria_set_id', 'code'])
            .doUpdateSet((eb) => ({
              level: eb.ref('excluded.level'),
              parent_code: eb.ref('excluded.parent_code'),
              name_vi: eb.ref('excluded.name_vi'),
              name_en: eb.ref('excluded.name_en'),
              ministry: eb.ref('excluded.ministry'),
            }))
            .where(
              sql<boolean>`(product_categories.level, product_categories.parent_code,
                product_categories.name_vi, product_categories.name_en, product_categories.ministry)
                is distinct from (excluded.level, excluded.parent_code, excluded.name_vi,
                excluded.name_en, excluded.ministry)`,
            ),
        )
        .returning('code')
        .execute();
      categories += rows.length;
    }

    return {
      criteriaSets: criteriaSets.length,
      starBands: starBands.length,
      certifyingPeriods: certifyingPeriods.length,
      categories: categories,
    };
  });
}
