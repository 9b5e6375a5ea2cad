import {
  CERTIFYING_LEVEL_LABELS,
  REVOCATION_REASON_LABELS,
  certificateStateOn,
  isRevocationReason,
  type CertificateState,
} from '@ocop/domain';
import type { Certificate } from '@ocop/db';
import { credentialUrl, validityOf } from './queries.ts';

/**
 * An OCOP certificate as a W3C Verifiable Credential 2.0 shaped as a UN Transparency Protocol
 * Digital Conformity Credential (DCC): the issuer is the certifying authority as recorded on the
 * decision, the subject the conformity attestation (product, producer, stars, the OCOP scheme of
 * 148/QĐ-TTg, the decision, validity, and its status at the time of issue). Terms the UNTP
 * context lacks are prefixed `ocop:` under our own namespace (no `@vocab` catch-all).
 * @see https://www.w3.org/TR/vc-data-model-2.0/
 * @see UNTP Digital Conformity Credential (standards.md §3.1–3.2), data-models/untp-dcc
 */

export const VC_CONTEXT = 'https://www.w3.org/ns/credentials/v2';
/** The UNTP DCC JSON-LD context this credential follows (pinned version). */
export const UNTP_DCC_CONTEXT = 'https://test.uncefact.org/vocabulary/untp/dcc/0.6.0/';
const TZ = '+07:00';

export interface CredentialInput {
  origin: string;
  certificate: Certificate;
  product: { id: string; nameVi: string; nameEn: string | null; gtin: string | null; ref: string };
  producer: { id: string; name: string; taxCode: string | null; addressLine: string | null };
  now: Date;
  today: string;
}

export interface CredentialPayload {
  credential: Record<string, unknown>;
  state: CertificateState;
}

export function conformityCredential(input: CredentialInput): CredentialPayload {
  const { origin, certificate: c, product, producer } = input;
  const id = credentialUrl(origin, c.id);
  const state = certificateStateOn(validityOf(c), input.today);
  const reason = c.revocation_reason;
  const levelLabel = CERTIFYING_LEVEL_LABELS[c.level];
  const schemeId = `${origin}/id/schemes/${encodeURIComponent(c.criteria_set_id)}`;
  const authority = {
    id: `${origin}/id/authorities/${encodeURIComponent(c.authority)}`,
    name: c.authority,
  };
  const party = {
    id: `${origin}/id/producers/${producer.id}`,
    name: producer.name,
    ...(producer.taxCode
      ? {
          registeredId: producer.taxCode,
          idScheme: {
            type: ['IdentifierScheme'],
            id: 'https://masothue.gdt.gov.vn/',
            name: 'Mã số thuế (Vietnamese tax identification number)',
          },
        }
      : {}),
    ...(producer.addressLine ? { description: producer.addressLine } : {}),
  };
  const productId = product.gtin
    ? `https://id.gs1.org/01/${product.gtin}`
    : `${origin}/p/${encodeURIComponent(product.ref)}`;
  const title = {
    vi: `Giấy chứng nhận sản phẩm OCOP ${c.stars} sao — ${product.nameVi}`,
    en: `OCOP ${c.stars}-star product certificate — ${product.nameEn ?? product.nameVi}`,
  };
  const decision = `${c.decision_no} ngày ${c.decision_date}`;

  const credential = {
    '@context': [VC_CONTEXT, UNTP_DCC_CONTEXT, { ocop: `${origin}/ns/ocop#` }],
    type: ['DigitalConformityCredential', 'VerifiableCredential'],
    id,
    issuer: { type: ['CredentialIssuer'], ...authority },
    validFrom: `${c.valid_from}T00:00:00${TZ}`,
    validUntil: `${c.valid_to}T23:59:59${TZ}`,
    name: title.vi,
    description: title.en,
    credentialSubject: {
      type: ['ConformityAttestation', 'Attestation'],
      id: `${id}#attestation`,
      name: title.vi,
      description: `Sản phẩm được công nhận đạt ${c.stars} sao theo Chương trình OCOP, quyết định ${decision} của ${c.authority} (${levelLabel.vi}).`,
      assessorLevel: '3rdParty',
      assessmentLevel: 'GovtApproval',
      attestationType: 'certification',
      issuedToParty: party,
      authorisation: [
        {
          type: ['Endorsement'],
          id: `${id}#decision`,
          name: `Quyết định công nhận ${decision}${c.round ? `, đợt ${c.round}` : ''}`,
          issuingAuthority: authority,
        },
      ],
      scope: {
        type: ['ConformityAssessmentScheme'],
        id: schemeId,
        name: `Chương trình Mỗi xã một sản phẩm (OCOP): Bộ tiêu chí và quy trình đánh giá, phân hạng sản phẩm (${c.criteria_set_id})`,
        issuingParty: {
          id: `${origin}/id/authorities/${encodeURIComponent('Thủ tướng Chính phủ')}`,
          name: 'Thủ tướng Chính phủ',
        },
      },
      assessment: [
        {
          type: ['ConformityAssessment'],
          id: `${id}#assessment`,
          name: `Đánh giá, phân hạng sản phẩm OCOP: ${c.stars} sao`,
          assessmentDate: c.decision_date,
          referenceRegulation: {
            type: ['Regulation'],
            id: schemeId,
            name: `Quyết định ${c.criteria_set_id} của Thủ tướng Chính phủ (Bộ tiêu chí OCOP)`,
            jurisdictionCountry: 'VN',
          },
          declaredValue: [
            {
              metricName: 'Hạng sao OCOP (OCOP star rating)',
              metricValue: { value: c.stars, unit: 'C62' },
              score: `${c.stars}★`,
            },
            {
              metricName: 'Tổng điểm trên thang 100 (total score out of 100)',
              metricValue: { value: Number(c.total_score), unit: 'C62' },
            },
          ],
          conformance: state === 'valid',
          assessedProduct: [
            {
              product: {
                id: productId,
                name: product.nameVi,
                ...(product.gtin
                  ? {
                      registeredId: product.gtin,
                      idScheme: {
                        type: ['IdentifierScheme'],
                        id: 'https://id.gs1.org/01/',
                        name: 'Global Trade Item Number (GTIN)',
                      },
                    }
                  : {
                      registeredId: product.ref,
                      idScheme: {
                        type: ['IdentifierScheme'],
                        id: `${origin}/p/`,
                        name: 'OCOP Trace product reference',
                      },
                    }),
              },
              IDverifiedByCAB: true,
            },
          ],
          assessedOrganisation: party,
        },
      ],
      'ocop:stars': c.stars,
      'ocop:certifyingLevel': c.level,
      'ocop:decision': {
        number: c.decision_no,
        date: c.decision_date,
        round: c.round,
        authority: c.authority,
      },
      'ocop:validFrom': c.valid_from,
      'ocop:validTo': c.valid_to,
      'ocop:status': state,
      'ocop:statusCheckedAt': input.now.toISOString(),
      ...(c.supersedes_id ? { 'ocop:supersedes': credentialUrl(origin, c.supersedes_id) } : {}),
      ...(state === 'revoked' && reason && isRevocationReason(reason)
        ? {
            'ocop:revocation': {
              reason,
              reasonVi: REVOCATION_REASON_LABELS[reason].vi,
              reasonEn: REVOCATION_REASON_LABELS[reason].en,
              revokedAt: c.revoked_at === null ? null : new Date(c.revoked_at).toISOString(),
            },
          }
        : {}),
    },
  };
  return { credential, state };
}
