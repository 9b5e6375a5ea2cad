import { Type } from '@sinclair/typebox';
import { Uuid } from '../common-schemas.ts';

/** The resolver description file (GS1-Conformant Resolver, `/.well-known/gs1resolver`). */
export const ResolverDescription = Type.Object(
  {
    name: Type.String(),
    resolverRoot: Type.String({ format: 'uri' }),
    supportedPrimaryKeys: Type.Array(Type.String()),
    supportedLinkType: Type.Array(
      Type.Object({ namespace: Type.String({ format: 'uri' }), prefix: Type.String() }),
    ),
    linkTypeDefaultCanBeLinkset: Type.Boolean(),
    linkTypeDefaultCanBeAll: Type.Boolean(),
    supportsSemanticInterpretation: Type.Boolean(),
    validatesAIcombinations: Type.Boolean(),
    supportsLanguageVariants: Type.Boolean(),
    supportedContextValuesEnumerated: Type.Array(Type.String()),
    jsonLdContextLocation: Type.String({ format: 'uri' }),
    contact: Type.Object({ fn: Type.String() }),
  },
  { $id: 'ResolverDescription' },
);

export const RecallStatus = Type.Object(
  {
    batchId: Uuid,
    lot: Type.String(),
    product: Type.Object({ nameVi: Type.String(), nameEn: Type.Union([Type.String(), Type.Null()]) }),
    recalled: Type.Boolean(),
    status: Type.Union([Type.Literal('active'), Type.Literal('recalled')]),
    recalledAt: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
    reason: Type.Union([Type.String(), Type.Null()]),
    message: Type.Object({ vi: Type.String(), en: Type.String() }),
    checkedAt: Type.String({ format: 'date-time' }),
  },
  { $id: 'RecallStatus', description: 'Whether a batch was recalled, now (the gs1:recallStatus link).' },
);
