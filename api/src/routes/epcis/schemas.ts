import { Type, type Static } from '@sinclair/typebox';
import { Uuid } from '../common-schemas.ts';

/**
 * The shapes of the EPCIS routes. The documents themselves are validated against the official
 * EPCIS 2.0 JSON schema (validate.ts); these TypeBox shapes only describe them in OpenAPI.
 */

const EPCIS_DOC = 'https://ref.gs1.org/standards/epcis/artefacts';

export const EpcisDocument = Type.Object(
  {
    '@context': Type.Unknown(),
    id: Type.Optional(Type.String({ format: 'uri' })),
    type: Type.Literal('EPCISDocument'),
    schemaVersion: Type.String(),
    creationDate: Type.String({ format: 'date-time' }),
    epcisHeader: Type.Optional(Type.Unknown()),
    epcisBody: Type.Object({ eventList: Type.Array(Type.Unknown()) }, { additionalProperties: true }),
  },
  {
    $id: 'EpcisDocument',
    additionalProperties: true,
    description: `An EPCIS 2.0 JSON-LD document; valid against the official EPCIS 2.0 JSON schema (${EPCIS_DOC}).`,
  },
);

export const EpcisQueryDocument = Type.Object(
  {
    '@context': Type.Unknown(),
    type: Type.Literal('EPCISQueryDocument'),
    schemaVersion: Type.String(),
    creationDate: Type.String({ format: 'date-time' }),
    epcisBody: Type.Object(
      {
        queryResults: Type.Object(
          {
            queryName: Type.String(),
            resultsBody: Type.Object(
              { eventList: Type.Array(Type.Unknown()) },
              { additionalProperties: true },
            ),
          },
          { additionalProperties: true },
        ),
      },
      { additionalProperties: true },
    ),
  },
  {
    $id: 'EpcisQueryDocument',
    additionalProperties: true,
    description: 'An EPCIS 2.0 query document (SimpleEventQuery results); valid against the official schema.',
  },
);

/** What a partner sends: an EPCIS document (or a query document holding events). */
export const EpcisImportBody = Type.Object(
  { type: Type.String({ description: '`EPCISDocument` or `EPCISQueryDocument`' }) },
  {
    $id: 'EpcisImportBody',
    additionalProperties: true,
    description: `An EPCIS 2.0 JSON or JSON-LD document, validated against the official EPCIS 2.0 JSON schema (${EPCIS_DOC}). Every event must name this batch: its lot (class-level identifier) or units of it.`,
  },
);

export const EpcisImportResult = Type.Object(
  {
    batchId: Uuid,
    received: Type.Integer({ minimum: 0 }),
    imported: Type.Integer({ minimum: 0 }),
    duplicates: Type.Integer({ minimum: 0 }),
    events: Type.Array(
      Type.Object({
        eventID: Type.String(),
        status: Type.Union([Type.Literal('imported'), Type.Literal('duplicate')]),
        batchEventId: Uuid,
      }),
    ),
  },
  { $id: 'EpcisImportResult' },
);

const List = (description: string) =>
  Type.Optional(
    Type.String({
      minLength: 1,
      maxLength: 4000,
      description: `${description} Several values: separate with \`|\`.`,
    }),
  );

/**
 * A small subset of the EPCIS 2.0 SimpleEventQuery parameters (REST binding `GET /events`), plus
 * `lot` and `gtin`. At least one of the identifying parameters is required.
 */
export const EventsQuery = Type.Object(
  {
    MATCH_epc: List(
      'Events naming this EPC (a GS1 Digital Link URI, our code URL, or an EPC URN). A unit matches the events of its lot.',
    ),
    MATCH_anyEPC: List('Same as MATCH_epc.'),
    MATCH_epcClass: List(
      'Events naming this EPC class (LGTIN: `https://id.gs1.org/01/{gtin}/10/{lot}` or `urn:epc:class:lgtin:…`).',
    ),
    MATCH_anyEPCClass: List('Same as MATCH_epcClass.'),
    EQ_epc: List('Same as MATCH_epc.'),
    lot: Type.Optional(
      Type.String({ minLength: 1, maxLength: 20, description: 'Every event of batches with this lot.' }),
    ),
    gtin: Type.Optional(
      Type.String({ pattern: '^[0-9]{14}$', description: 'With `lot`: only this GTIN-14.' }),
    ),
    EQ_bizStep: List('Only events with this business step (CBV short name, e.g. `shipping`).'),
    eventType: List('Only events of this type (`ObjectEvent`, `TransformationEvent`, …).'),
    GE_eventTime: Type.Optional(Type.String({ format: 'date-time' })),
    LT_eventTime: Type.Optional(Type.String({ format: 'date-time' })),
  },
  { additionalProperties: false },
);
export type EventsQuery = Static<typeof EventsQuery>;
