import { Type } from '@sinclair/typebox';
import type { FastifyPluginAsyncTypebox, TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { todayInVietnam } from '@ocop/domain';
import type { Config } from '../../config.ts';
import { AppError } from '../../errors.ts';
import type { Signer } from '../../plugins/keys.ts';
import { problems } from '../common-schemas.ts';
import { publicCors, publicDocumentConfig } from '../resolver/public-access.ts';
import { IdParams } from '../route-helpers.ts';
import { conformityCredential } from './credential.ts';
import { certificateWithParties } from './queries.ts';

/** The media type of a VC secured with JOSE (VC-JOSE-COSE §3.1.1). */
export const VC_JWT_MEDIA_TYPE = 'application/vc+jwt';

/**
 * A credential as a compact JWS (an "enveloping proof"): the protected header names the signing
 * key and the explicit types `typ: vc+jwt`, `cty: vc`; the payload is the credential itself.
 * Signed with the current code-signing key (ES256), so the same JWKS verifies codes and
 * credentials, while the distinct `typ` keeps a credential from ever passing as a code signature
 * and the reverse (RFC 8725 §3.11).
 * @see https://www.w3.org/TR/vc-jose-cose/ §3.1.1
 */
export function signVcJwt(signer: Signer, credential: Record<string, unknown>): string {
  const header = { alg: 'ES256', kid: signer.kid, typ: 'vc+jwt', cty: 'vc' };
  const b64 = (v: unknown) => Buffer.from(JSON.stringify(v), 'utf8').toString('base64url');
  const input = `${b64(header)}.${b64(credential)}`;
  return `${input}.${signer.sign(input)}`;
}

/**
 * `GET /api/v1/certificates/{id}/credential` (issue 10): the OCOP certificate as a W3C VC 2.0
 * Digital Conformity Credential, secured with VC-JOSE (`application/vc+jwt`), verifiable with any
 * JOSE library from `/.well-known/jwks.json`. Public (the certificate is public registry data),
 * readable from any origin, issued fresh on every request so its `ocop:status` is current; the
 * `gs1:certificationInfo` link of the resolver points here.
 */
const credentials: FastifyPluginAsyncTypebox<{ config: Readonly<Config> }> = async (app, opts) => {
  const origin = opts.config.publicBaseUrl;
  await app.register(async (scope) => {
    const r = scope.withTypeProvider<TypeBoxTypeProvider>();
    publicCors(scope, ['/api/v1/certificates/:id/credential']);
    r.get(
      '/api/v1/certificates/:id/credential',
      {
        config: publicDocumentConfig,
        schema: {
          tags: ['certificates'],
          operationId: 'getCertificateCredential',
          summary: 'The certificate as a verifiable credential (VC 2.0, VC-JOSE, UNTP DCC)',
          description:
            'A compact JWS (`application/vc+jwt`, ES256, header `kid`, `typ: vc+jwt`, `cty: vc`) whose payload is a W3C Verifiable Credential 2.0 shaped as a UNTP Digital Conformity Credential: issuer = the certifying authority as recorded, subject = the conformity attestation (product, producer, stars, the OCOP scheme, decision, validity and `ocop:status` at the time of issue). Verify it with the keys of `/.well-known/jwks.json`.',
          params: IdParams,
          response: {
            200: Type.String({ description: 'The credential as a compact JWS (application/vc+jwt)' }),
            ...problems(400, 404),
          },
        },
      },
      async (request, reply) => {
        const row = await certificateWithParties(app.db, request.params.id);
        if (!row) throw new AppError('not_found', 'No certificate has this id.');
        const now = new Date();
        const { credential } = conformityCredential({
          origin,
          certificate: row,
          product: {
            id: row.product_id,
            nameVi: row.product_name_vi,
            nameEn: row.product_name_en,
            gtin: row.product_gtin,
            ref: row.product_public_ref,
          },
          producer: {
            id: row.producer_row_id,
            name: row.producer_name,
            taxCode: row.producer_tax_code,
            addressLine: row.producer_address_line,
          },
          now,
          today: todayInVietnam(now),
        });
        const jwt = signVcJwt(await app.keys.signer(), credential);
        return reply.header('cache-control', 'no-cache').type(VC_JWT_MEDIA_TYPE).send(jwt);
      },
    );
  });
};

export default credentials;
