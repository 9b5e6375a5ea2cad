import type { FastifyPluginAsyncTypebox, TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyReply, FastifyRequest } from 'fastify';
import {
  GS1_LINKSET_CONTEXT,
  GS1_VOC,
  LINKSET_MEDIA_TYPE,
  LINK_TYPE,
  checkDataAttributes,
  chooseLink,
  linkHeader,
  linkTypeCurie,
  linksOfType,
  parseLinkType,
  parseResolverPath,
  preferredLanguage,
  preferredMediaType,
  toLinksetJson,
  type LinkContext,
  type LinkTarget,
  type RequestedLinkType,
  type ResolverPath,
} from '@ocop/domain';
import type { Config } from '../../config.ts';
import { AppError } from '../../errors.ts';
import { problems } from '../common-schemas.ts';
import {
  certificateForBatch,
  certificatesOfProduct,
  credentialUrl,
  currentCertificate,
} from '../credentials/queries.ts';
import { publicCors, publicDocumentConfig, setPublicCorsHeaders } from './public-access.ts';
import { batchRecallStatus, codeIssued, findBatch, findProduct } from './queries.ts';
import { IdParams } from '../route-helpers.ts';
import { RecallStatus, ResolverDescription } from './schemas.ts';

/** What a client may ask for at a code URL, best first when it does not say (a browser). */
const NEGOTIATED = ['text/html', LINKSET_MEDIA_TYPE, 'application/ld+json', 'application/json'];
const LINKSET_TYPES = [LINKSET_MEDIA_TYPE, 'application/ld+json', 'application/json'];
const JSON_LD_CONTEXT_REL = 'http://www.w3.org/ns/json-ld#context';

function splitUrl(url: string): { path: string; query: string } {
  const q = url.indexOf('?');
  return q < 0 ? { path: url, query: '' } : { path: url.slice(0, q), query: url.slice(q + 1) };
}

/** The query string minus `linkType`, byte for byte ("SHALL pass on all key=value pairs"). */
function passedOn(query: string): string {
  return query
    .split('&')
    .filter((part) => {
      if (part === '') return false;
      const key = part.split('=')[0] ?? '';
      try {
        return decodeURIComponent(key.replace(/\+/g, ' ')) !== 'linkType';
      } catch {
        return true;
      }
    })
    .join('&');
}

function withQuery(href: string, query: string): string {
  if (!query) return href;
  return `${href}${href.includes('?') ? '&' : '?'}${query}`;
}

/** The minimal page served at a code URL when the Astro site is not built (API-only runs). */
function fallbackPage(linksetHref: string): string {
  return `<!doctype html>
<html lang="vi"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width">
<title>OCOP Trace</title></head><body>
<p>Trang kiểm tra của OCOP Trace chưa được cài trên máy chủ này.</p>
<p lang="en">The OCOP Trace verification page is not installed on this server.</p>
<p><a href="${linksetHref.replace(/&/g, '&amp;').replace(/"/g, '&quot;')}">Danh sách liên kết / Links (linkset)</a></p>
</body></html>
`;
}

/**
 * The GS1-conformant resolver on every code URL (issue 10; standards.md §1.7), and the documents
 * its links lead to that no other module serves:
 * - `/01/{gtin}[/22/…][/10/{lot}][/21/{serial}]` and our non-GS1 `/p/{ref}/10/{lot}[/21/{serial}]`:
 *   bad syntax or a wrong check digit → 400 problem; `?linkType=linkset` (or `all`), or an Accept
 *   header preferring `application/linkset+json` (or JSON) → the RFC 9264 linkset of every level;
 *   `?linkType=gs1:…` → 307 to that link with the query passed on, or 404 when there is none;
 *   anything else (a browser) → the verification page of the site, which is the default link, so
 *   a code this system issued never answers 404 for it;
 * - `/.well-known/gs1resolver`: the resolver description file;
 * - `/api/v1/batches/{id}/recall-status`: the target of `gs1:recallStatus`.
 * All of it is public and CORS-enabled (GET, HEAD, OPTIONS), and registered before the site, whose
 * catch-all would otherwise take these paths.
 */
const resolver: FastifyPluginAsyncTypebox<{ config: Readonly<Config> }> = async (app, opts) => {
  const origin = opts.config.publicBaseUrl;

  const verifyApi: LinkTarget = {
    href: `${origin}/api/openapi.json`,
    title: { vi: 'API xác thực mã (POST /api/v1/verify)', en: 'Code verification API (POST /api/v1/verify)' },
    hreflang: ['en'],
    type: 'application/vnd.oai.openapi+json',
  };

  function page(href: string, title: { vi: string; en: string }): LinkTarget {
    return { href, title, hreflang: ['vi', 'en'], type: 'text/html' };
  }

  /** The links of every level of the identifier, most specific first; null for an unknown product. */
  async function linkContexts(parsed: ResolverPath): Promise<LinkContext[] | null> {
    const product = await findProduct(app.db, parsed.primary);
    if (!product) return null;
    const certs = await certificatesOfProduct(app.db, product.id);
    // A CPV (AI 22) names a variant we keep no data for: only the product's links apply.
    const batch =
      parsed.lot !== undefined && parsed.cpv === undefined
        ? await findBatch(app.db, product.id, parsed.lot)
        : undefined;
    const batchCert = batch ? certificateForBatch(certs, batch.producedOn) : null;
    // A unit level only for a serial issued in this batch: a made-up serial gets the lot's links.
    const itemPath = parsed.serial !== undefined ? parsed.levels[0]?.path : undefined;
    const unitIssued = batch !== undefined && itemPath !== undefined && (await codeIssued(app.db, itemPath));
    const productCert = currentCertificate(certs);
    const certLink = (c: NonNullable<typeof productCert>): LinkTarget => ({
      href: credentialUrl(origin, c.id),
      title: {
        vi: `Giấy chứng nhận OCOP ${c.stars} sao, quyết định ${c.decision_no} (chứng nhận số có thể kiểm chứng)`,
        en: `OCOP ${c.stars}-star certificate, decision ${c.decision_no} (verifiable credential)`,
      },
      hreflang: ['vi'],
      type: 'application/vc+jwt',
    });

    const contexts: LinkContext[] = [];
    for (const level of parsed.levels) {
      const anchor = `${origin}${level.path}`;
      if (level.level === 'item' && batch && unitIssued) {
        const pip = page(anchor, {
          vi: 'Kiểm tra sản phẩm này (tem từng sản phẩm)',
          en: 'Verify this item (unit code)',
        });
        contexts.push({
          anchor,
          itemDescription: `${product.nameVi} — lô ${batch.lot}, sê-ri ${parsed.serial ?? ''}`,
          links: {
            [LINK_TYPE.pip]: [pip],
            [LINK_TYPE.verificationService]: [
              page(anchor, { vi: 'Xác thực tem OCOP Trace', en: 'Verify this OCOP Trace code' }),
              verifyApi,
            ],
            [LINK_TYPE.defaultLink]: [pip],
          },
        });
      } else if (level.level === 'lot' && batch) {
        const pip = page(anchor, {
          vi: 'Thông tin và kiểm tra lô sản phẩm OCOP',
          en: 'OCOP batch information and verification',
        });
        contexts.push({
          anchor,
          itemDescription: `${product.nameVi} — lô ${batch.lot}`,
          links: {
            [LINK_TYPE.pip]: [pip],
            [LINK_TYPE.certificationInfo]: batchCert ? [certLink(batchCert)] : [],
            [LINK_TYPE.traceability]: [
              {
                href: `${origin}/api/v1/batches/${batch.id}/epcis`,
                title: {
                  vi: 'Truy xuất nguồn gốc lô hàng (EPCIS 2.0)',
                  en: 'Batch traceability events (EPCIS 2.0)',
                },
                hreflang: ['vi'],
                type: 'application/ld+json',
              },
            ],
            [LINK_TYPE.recallStatus]: [
              {
                href: `${origin}/api/v1/batches/${batch.id}/recall-status`,
                title: { vi: 'Tình trạng thu hồi của lô hàng', en: 'Recall status of this batch' },
                hreflang: ['vi', 'en'],
                type: 'application/json',
              },
            ],
            [LINK_TYPE.verificationService]: [
              page(anchor, { vi: 'Xác thực tem OCOP Trace', en: 'Verify this OCOP Trace code' }),
              verifyApi,
            ],
            [LINK_TYPE.defaultLink]: [pip],
          },
        });
      } else if (level.level === 'product') {
        const pip = page(anchor, { vi: 'Thông tin sản phẩm OCOP', en: 'OCOP product information' });
        const showCert = productCert && productCert.id !== batchCert?.id;
        contexts.push({
          anchor,
          itemDescription: product.nameVi,
          links: {
            [LINK_TYPE.pip]: [pip],
            [LINK_TYPE.certificationInfo]: showCert ? [certLink(productCert)] : [],
            [LINK_TYPE.defaultLink]: [pip],
          },
        });
      }
    }
    return contexts;
  }

  /**
   * Hand a browser the site's verification page for this URL. With `status`, the page's response
   * gets that status whatever the page set: a malformed code still shows the page (which tells the
   * consumer the code is not genuine) but answers the 400 a GS1 resolver owes ("never 200 for an
   * error"), and a request that is wrong stays a client error even when the page could not verify.
   */
  async function renderPage(
    request: FastifyRequest,
    reply: FastifyReply,
    link: string | null,
    status?: number,
  ) {
    const raw = reply.raw;
    // renderSite replaces the API's security headers and CSP with the site's.
    setPublicCorsHeaders(reply, true);
    if (link) raw.setHeader('link', link);
    raw.setHeader('vary', 'Accept, Accept-Language');
    if (status !== undefined) {
      const writeHead = raw.writeHead.bind(raw) as (code: number, ...rest: unknown[]) => typeof raw;
      const forced = (_code: number, ...rest: unknown[]) => writeHead(status, ...rest);
      raw.writeHead = forced;
    }
    return app.renderSite(request, reply);
  }

  async function resolve(request: FastifyRequest, reply: FastifyReply) {
    const { path, query } = splitUrl(request.url);
    const params = new URLSearchParams(query);
    const linkTypeParam = params.get('linkType');
    let requested: RequestedLinkType | null = linkTypeParam === null ? null : parseLinkType(linkTypeParam);
    const accept = request.headers.accept;
    if (requested === null) {
      const best = preferredMediaType(accept, NEGOTIATED);
      if (best !== null && best !== 'text/html') requested = { kind: 'linkset' };
    }
    // A browser when nothing asks for links: the verification page is the default link.
    const wantsPage = requested === null;
    const hasSite = app.hasDecorator('renderSite');
    reply.header('vary', 'Accept, Accept-Language');

    const parsed = parseResolverPath(path);
    const invalid = parsed.ok ? checkDataAttributes(params) : parsed.reason;
    if (!parsed.ok || invalid !== null) {
      if (wantsPage && hasSite) return renderPage(request, reply, null, 400);
      throw new AppError('invalid_digital_link', invalid ?? undefined);
    }

    const self = `${origin}${parsed.value.levels[0]?.path ?? path}`;
    const linksetHref = `${self}?linkType=linkset`;
    const selfLink = linkHeader([
      {
        href: linksetHref,
        rel: 'linkset',
        type: LINKSET_MEDIA_TYPE,
        title: { vi: 'Danh sách liên kết của mã này', en: 'Links of this identifier (linkset)' },
      },
    ]);

    if (requested === null) {
      if (hasSite) return renderPage(request, reply, selfLink);
      return reply.header('link', selfLink).type('text/html; charset=utf-8').send(fallbackPage(linksetHref));
    }

    const contexts = await linkContexts(parsed.value);
    if (contexts === null) {
      throw new AppError('not_found', 'No OCOP Trace product has this identifier.');
    }

    if (requested.kind === 'linkset') {
      const type = preferredMediaType(accept, LINKSET_TYPES) ?? LINKSET_MEDIA_TYPE;
      const body = toLinksetJson(contexts, preferredLanguage(request.headers['accept-language']));
      return reply
        .header(
          'link',
          linkHeader([{ href: GS1_LINKSET_CONTEXT, rel: JSON_LD_CONTEXT_REL, type: 'application/ld+json' }]),
        )
        .header('cache-control', 'public, max-age=60')
        .type(`${type}; charset=utf-8`)
        .send(type === 'application/ld+json' ? { '@context': GS1_LINKSET_CONTEXT, ...body } : body);
    }

    const target = chooseLink(
      linksOfType(contexts, requested.uri),
      accept,
      request.headers['accept-language'],
    );
    if (!target) {
      throw new AppError(
        'link_type_not_found',
        `This identifier has no ${linkTypeCurie(requested.uri)} link.`,
      );
    }
    return reply
      .code(307)
      .header('location', withQuery(target.href, passedOn(query)))
      .header('link', selfLink)
      .header('cache-control', 'no-cache')
      .send();
  }

  await app.register(async (scope) => {
    const r = scope.withTypeProvider<TypeBoxTypeProvider>();
    publicCors(scope, [
      '/01',
      '/01/*',
      '/p',
      '/p/*',
      '/.well-known/gs1resolver',
      '/api/v1/batches/:id/recall-status',
    ]);

    for (const url of ['/01', '/01/*', '/p', '/p/*']) {
      r.get(
        url,
        {
          config: publicDocumentConfig,
          // Paths of the public contract documented in docs/interop.md and the resolver
          // description; a wildcard path has no OpenAPI form.
          schema: { hide: true },
        },
        resolve,
      );
    }

    r.get(
      '/.well-known/gs1resolver',
      {
        config: publicDocumentConfig,
        schema: {
          tags: ['resolver'],
          operationId: 'getResolverDescription',
          summary: 'GS1-conformant resolver description file',
          description:
            'Code URLs (`/01/{gtin}/10/{lot}[/21/{serial}]`, and `/p/{ref}/…` for products without a GTIN) answer browsers with the verification page, `?linkType=linkset` or `Accept: application/linkset+json` with an RFC 9264 linkset, and `?linkType=gs1:…` with a 307 redirect (404 when the identifier has no such link).',
          response: { 200: ResolverDescription },
        },
      },
      async (_request, reply) => {
        reply.header('cache-control', 'public, max-age=3600');
        return {
          name: 'OCOP Trace — resolver of OCOP-certified products (Chương trình Mỗi xã một sản phẩm)',
          resolverRoot: origin,
          supportedPrimaryKeys: ['01'],
          supportedLinkType: [{ namespace: GS1_VOC, prefix: 'gs1:' }],
          linkTypeDefaultCanBeLinkset: false,
          linkTypeDefaultCanBeAll: false,
          supportsSemanticInterpretation: false,
          validatesAIcombinations: false,
          supportsLanguageVariants: true,
          supportedContextValuesEnumerated: [],
          jsonLdContextLocation: GS1_LINKSET_CONTEXT,
          contact: { fn: 'OCOP Trace' },
        };
      },
    );

    r.get(
      '/api/v1/batches/:id/recall-status',
      {
        config: publicDocumentConfig,
        schema: {
          tags: ['resolver'],
          operationId: 'getBatchRecallStatus',
          summary: 'Whether a batch is recalled (the gs1:recallStatus link)',
          params: IdParams,
          response: { 200: RecallStatus, ...problems(400, 404) },
        },
      },
      async (request, reply) => {
        const b = await batchRecallStatus(app.db, request.params.id);
        if (!b) throw new AppError('not_found', 'No batch has this id.');
        const recalled = b.status === 'recalled';
        const reason = recalled ? b.recall_reason : null;
        reply.header('cache-control', 'no-cache');
        return {
          batchId: b.id,
          lot: b.lot,
          product: { nameVi: b.name_vi, nameEn: b.name_en },
          recalled,
          status: b.status,
          recalledAt: recalled && b.recalled_at !== null ? new Date(b.recalled_at).toISOString() : null,
          reason,
          message: recalled
            ? {
                vi: `Lô ${b.lot} đã bị thu hồi${reason ? `: ${reason}` : ''}. Không sử dụng sản phẩm của lô này.`,
                en: `Batch ${b.lot} has been recalled${reason ? `: ${reason}` : ''}. Do not use products of this batch.`,
              }
            : { vi: `Lô ${b.lot} không bị thu hồi.`, en: `Batch ${b.lot} is not recalled.` },
          checkedAt: new Date().toISOString(),
        };
      },
    );
  });
};

export default resolver;
