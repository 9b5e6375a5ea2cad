import Ajv from 'ajv';
import addFormats from 'ajv-formats';
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';

/**
 * Reject, don't strip (STYLE habit 5). Fastify's default Ajv removes unknown properties and coerces
 * types everywhere. Bodies get a strict Ajv (no coercion, no removal: schemas declare
 * `additionalProperties: false`, so unknown fields are a 400). Querystrings and params are text by
 * nature, so they keep type coercion — but unknown query parameters are still refused.
 */
export const validationPlugin = fp(
  async (app: FastifyInstance) => {
    const common = { allErrors: false, useDefaults: true, removeAdditional: false, strict: false } as const;
    const bodyAjv = addFormats.default(new Ajv.default({ ...common, coerceTypes: false }));
    const textAjv = addFormats.default(new Ajv.default({ ...common, coerceTypes: 'array' }));
    app.setValidatorCompiler(({ schema, httpPart }) =>
      httpPart === 'body' ? bodyAjv.compile(schema) : textAjv.compile(schema),
    );
  },
  { name: 'validation' },
);
