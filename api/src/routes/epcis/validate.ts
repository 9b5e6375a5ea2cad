import { readFileSync } from 'node:fs';
import Ajv, { type ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';

/**
 * Validation against the official GS1 EPCIS 2.0 JSON schema, copied unmodified into
 * api/assets/epcis-2.0 (see SOURCE.txt there). The schema declares draft-07, which is Ajv's
 * default dialect; its `uri` and `date-time` formats come from ajv-formats. Compiled once, on
 * first use (about 150 ms), then shared.
 * @see https://ref.gs1.org/standards/epcis/artefacts
 */
export const EPCIS_SCHEMA_FILE = new URL('../../../assets/epcis-2.0/EPCIS-JSON-Schema.json', import.meta.url);

let compiled: ValidateFunction | undefined;

function validator(): ValidateFunction {
  if (!compiled) {
    const schema = JSON.parse(readFileSync(EPCIS_SCHEMA_FILE, 'utf8')) as Record<string, unknown>;
    // strict: false — the official schema uses draft-07 idioms (if/then without `type`) that Ajv's
    // strict mode flags as warnings, not errors in the schema.
    const ajv = addFormats.default(new Ajv.default({ allErrors: false, strict: false }));
    compiled = ajv.compile(schema);
  }
  return compiled;
}

export interface EpcisSchemaError {
  /** JSON pointer of the offending value (`/epcisBody/eventList/0/eventTime`). */
  path: string;
  message: string;
}

export type EpcisValidation = { ok: true } | { ok: false; errors: EpcisSchemaError[] };

/** Validate an EPCIS document, query document or event against the official schema. */
export function validateEpcis(doc: unknown): EpcisValidation {
  const validate = validator();
  if (validate(doc)) return { ok: true };
  const errors = (validate.errors ?? []).slice(0, 20).map((e) => ({
    path: e.instancePath || '/',
    message: `${e.message ?? 'is not valid'}${e.params && 'allowedValues' in e.params ? ` (${String(e.params.allowedValues as unknown)})` : ''}`,
  }));
  return { ok: false, errors };
}
