/**
 * The office's registry work: producers, products and raw-material zones; certificates (record an
 * evaluation result, renew or upgrade, revoke); accounts and roles; signing keys; the audit log.
 * Everything goes through the registry API of issues 3 and 4.
 */
import type { JSX } from 'preact';
import { useState } from 'preact/hooks';
import { PRODUCER_KINDS } from '@ocop/domain/producers';
import { ZONE_SCHEMES } from '@ocop/domain/zones';
import { REVOCATION_REASONS } from '@ocop/domain/validity';
import { CERT_LEVEL, CERT_STATUS, PRODUCER_KIND, REVOCATION_REASON, ZONE_SCHEME } from '../../lib/i18n.ts';
import { CONSOLE, ROLE_NAME, type Lang } from '../../lib/console-i18n.ts';
import {
  call,
  newId,
  post,
  type Certificate,
  type Page,
  type ProductDetail,
  type ProductRow,
  type Renewal,
  type Session,
  type Zone,
} from '../../lib/console.ts';
import { Field, Message, Show, Stars, Table, formatDate, formatDateTime, useAction, useApi } from './ui.tsx';

const today = () => new Date(Date.now() + 7 * 3600_000).toISOString().slice(0, 10);

interface Producer {
  id: string;
  name: string;
  kind: string;
  taxCode: string | null;
  addressLine: string | null;
  adminUnitName: string | null;
  phone: string | null;
}

function Producers(props: { lang: Lang }): JSX.Element {
  const t = CONSOLE[props.lang];
  const [q, setQ] = useState('');
  const [query, setQuery] = useState('');
  const [list, reload] = useApi<Page<Producer>>(
    `/api/v1/producers?limit=50${query ? `&q=${encodeURIComponent(query)}` : ''}`,
  );
  const [form, setForm] = useState({ name: '', kind: 'HTX', taxCode: '', addressLine: '', phone: '' });
  const [key, setKey] = useState(newId);
  const action = useAction();
  const submit = async (e: Event) => {
    e.preventDefault();
    const body = {
      name: form.name.trim(),
      kind: form.kind,
      ...(form.taxCode.trim() ? { taxCode: form.taxCode.trim() } : {}),
      ...(form.addressLine.trim() ? { addressLine: form.addressLine.trim() } : {}),
      ...(form.phone.trim() ? { phone: form.phone.trim() } : {}),
    };
    const ok = await action.run(
      () => post('/api/v1/producers', body, { headers: { 'idempotency-key': key } }),
      t.created,
      props.lang,
    );
    if (ok) {
      setForm({ name: '', kind: 'HTX', taxCode: '', addressLine: '', phone: '' });
      setKey(newId());
      reload();
    }
  };
  return (
    <section class="panel" aria-labelledby="producers-title">
      <h3 id="producers-title">{t.registryProducers}</h3>
      <form
        role="search"
        onSubmit={(e) => {
          e.preventDefault();
          setQuery(q.trim());
        }}
      >
        <Field id="producer-q" label={t.search}>
          <input id="producer-q" type="search" value={q} onInput={(e) => setQ(e.currentTarget.value)} />
        </Field>
      </form>
      <Show lang={props.lang} loaded={list} retry={reload}>
        {(page) => (
          <Table head={[t.name, t.kind, t.taxCode, t.commune, t.phone]}>
            {page.items.map((p) => (
              <tr key={p.id}>
                <td>{p.name}</td>
                <td>{PRODUCER_KIND[p.kind]?.[props.lang] ?? p.kind}</td>
                <td class="mono">{p.taxCode ?? t.none}</td>
                <td>{p.adminUnitName ?? t.none}</td>
                <td>{p.phone ?? t.none}</td>
              </tr>
            ))}
          </Table>
        )}
      </Show>
      <details>
        <summary>{t.addProducer}</summary>
        <form onSubmit={(e) => void submit(e)} class="form-grid">
          <Field id="np-name" label={t.name}>
            <input
              id="np-name"
              type="text"
              required
              maxLength={300}
              value={form.name}
              onInput={(e) => setForm({ ...form, name: e.currentTarget.value })}
            />
          </Field>
          <Field id="np-kind" label={t.kind}>
            <select
              id="np-kind"
              value={form.kind}
              onChange={(e) => setForm({ ...form, kind: e.currentTarget.value })}
            >
              {PRODUCER_KINDS.map((k) => (
                <option key={k} value={k}>
                  {PRODUCER_KIND[k]?.[props.lang] ?? k}
                </option>
              ))}
            </select>
          </Field>
          <Field id="np-tax" label={`${t.taxCode} ${t.optional}`}>
            <input
              id="np-tax"
              type="text"
              inputMode="numeric"
              maxLength={14}
              value={form.taxCode}
              onInput={(e) => setForm({ ...form, taxCode: e.currentTarget.value })}
            />
          </Field>
          <Field id="np-phone" label={`${t.phone} ${t.optional}`}>
            <input
              id="np-phone"
              type="tel"
              maxLength={20}
              value={form.phone}
              onInput={(e) => setForm({ ...form, phone: e.currentTarget.value })}
            />
          </Field>
          <div class="full">
            <Field id="np-address" label={`${t.address} ${t.optional}`}>
              <input
                id="np-address"
                type="text"
                maxLength={500}
                value={form.addressLine}
                onInput={(e) => setForm({ ...form, addressLine: e.currentTarget.value })}
              />
            </Field>
            <button type="submit" class="button" disabled={action.busy}>
              {t.addProducer}
            </button>
            <Message message={action.message} />
          </div>
        </form>
      </details>
    </section>
  );
}

function Zones(props: { lang: Lang }): JSX.Element {
  const t = CONSOLE[props.lang];
  const [list, reload] = useApi<Page<Zone>>('/api/v1/zones?limit=100');
  const [form, setForm] = useState({
    scheme: 'VUNG_TRONG',
    code: '',
    issuer: '',
    cropOrSpecies: '',
    name: '',
    validFrom: today(),
  });
  const [key, setKey] = useState(newId);
  const action = useAction();
  const submit = async (e: Event) => {
    e.preventDefault();
    const body = {
      scheme: form.scheme,
      code: form.code.trim(),
      issuer: form.issuer.trim(),
      cropOrSpecies: form.cropOrSpecies.trim(),
      validFrom: form.validFrom,
      ...(form.name.trim() ? { name: form.name.trim() } : {}),
    };
    const ok = await action.run(
      () => post('/api/v1/zones', body, { headers: { 'idempotency-key': key } }),
      t.created,
      props.lang,
    );
    if (ok) {
      setKey(newId());
      reload();
    }
  };
  return (
    <section class="panel" aria-labelledby="zones-title">
      <h3 id="zones-title">{t.registryZones}</h3>
      <Show lang={props.lang} loaded={list} retry={reload}>
        {(page) => (
          <Table head={[t.zoneCode, t.zoneScheme, t.name, t.zoneCrop, t.zoneIssuer, t.status]}>
            {page.items.map((z) => (
              <tr key={z.id}>
                <td class="mono">{z.code}</td>
                <td>{ZONE_SCHEME[z.scheme]?.[props.lang] ?? z.scheme}</td>
                <td>{z.name ?? t.none}</td>
                <td>{z.cropOrSpecies}</td>
                <td>{z.issuer}</td>
                <td>{z.status}</td>
              </tr>
            ))}
          </Table>
        )}
      </Show>
      <details>
        <summary>{t.addZone}</summary>
        <form onSubmit={(e) => void submit(e)} class="form-grid">
          <Field id="nz-scheme" label={t.zoneScheme}>
            <select
              id="nz-scheme"
              value={form.scheme}
              onChange={(e) => setForm({ ...form, scheme: e.currentTarget.value })}
            >
              {ZONE_SCHEMES.map((s) => (
                <option key={s} value={s}>
                  {ZONE_SCHEME[s]?.[props.lang] ?? s}
                </option>
              ))}
            </select>
          </Field>
          <Field id="nz-code" label={t.zoneCode}>
            <input
              id="nz-code"
              type="text"
              required
              maxLength={64}
              value={form.code}
              onInput={(e) => setForm({ ...form, code: e.currentTarget.value })}
            />
          </Field>
          <Field id="nz-issuer" label={t.zoneIssuer}>
            <input
              id="nz-issuer"
              type="text"
              required
              maxLength={200}
              value={form.issuer}
              onInput={(e) => setForm({ ...form, issuer: e.currentTarget.value })}
            />
          </Field>
          <Field id="nz-crop" label={t.zoneCrop}>
            <input
              id="nz-crop"
              type="text"
              required
              maxLength={100}
              value={form.cropOrSpecies}
              onInput={(e) => setForm({ ...form, cropOrSpecies: e.currentTarget.value })}
            />
          </Field>
          <Field id="nz-name" label={`${t.name} ${t.optional}`}>
            <input
              id="nz-name"
              type="text"
              maxLength={200}
              value={form.name}
              onInput={(e) => setForm({ ...form, name: e.currentTarget.value })}
            />
          </Field>
          <Field id="nz-from" label={t.zoneValidFrom}>
            <input
              id="nz-from"
              type="date"
              required
              value={form.validFrom}
              onInput={(e) => setForm({ ...form, validFrom: e.currentTarget.value })}
            />
          </Field>
          <div class="full">
            <button type="submit" class="button" disabled={action.busy}>
              {t.addZone}
            </button>
            <Message message={action.message} />
          </div>
        </form>
      </details>
    </section>
  );
}

interface CategoryRow {
  code: string;
  level: string;
  nameVi: string;
  nameEn: string;
}

/** Register a product of a producer (the office records products before their evaluation). */
function NewProduct(props: { lang: Lang; onCreated: () => void }): JSX.Element {
  const t = CONSOLE[props.lang];
  const [producers] = useApi<Page<Producer>>('/api/v1/producers?limit=100');
  const [categories] = useApi<{ items: CategoryRow[] }>('/api/v1/categories');
  const [form, setForm] = useState({ producerId: '', categoryCode: '', nameVi: '', nameEn: '', gtin: '' });
  const [key, setKey] = useState(newId);
  const action = useAction();
  const submit = async (e: Event) => {
    e.preventDefault();
    const body = {
      producerId: form.producerId,
      categoryCode: form.categoryCode,
      nameVi: form.nameVi.trim(),
      ...(form.nameEn.trim() ? { nameEn: form.nameEn.trim() } : {}),
      ...(form.gtin.trim() ? { gtin: form.gtin.trim() } : {}),
    };
    const ok = await action.run(
      () => post('/api/v1/products', body, { headers: { 'idempotency-key': key } }),
      t.created,
      props.lang,
    );
    if (ok) {
      setKey(newId());
      setForm({ ...form, nameVi: '', nameEn: '', gtin: '' });
      props.onCreated();
    }
  };
  return (
    <details>
      <summary>{t.addProduct}</summary>
      <form onSubmit={(e) => void submit(e)} class="form-grid">
        <Field id="npr-producer" label={t.producer}>
          <select
            id="npr-producer"
            required
            value={form.producerId}
            onChange={(e) => setForm({ ...form, producerId: e.currentTarget.value })}
          >
            <option value="">—</option>
            {producers.state === 'ok' &&
              producers.data.items.map((p) => (
                <option key={p.id} value={p.id}>
                  {p.name}
                </option>
              ))}
          </select>
        </Field>
        <Field id="npr-category" label={t.group}>
          <select
            id="npr-category"
            required
            value={form.categoryCode}
            onChange={(e) => setForm({ ...form, categoryCode: e.currentTarget.value })}
          >
            <option value="">—</option>
            {categories.state === 'ok' &&
              categories.data.items.map((c) => (
                <option key={c.code} value={c.code}>
                  {`${c.code} · ${props.lang === 'vi' ? c.nameVi : c.nameEn}`}
                </option>
              ))}
          </select>
        </Field>
        <Field id="npr-name" label={t.name}>
          <input
            id="npr-name"
            type="text"
            required
            maxLength={300}
            value={form.nameVi}
            onInput={(e) => setForm({ ...form, nameVi: e.currentTarget.value })}
          />
        </Field>
        <Field id="npr-name-en" label={`${t.nameEn} ${t.optional}`}>
          <input
            id="npr-name-en"
            type="text"
            maxLength={300}
            value={form.nameEn}
            onInput={(e) => setForm({ ...form, nameEn: e.currentTarget.value })}
          />
        </Field>
        <Field id="npr-gtin" label={`GTIN ${t.optional}`} hint={t.gtinHint}>
          <input
            id="npr-gtin"
            type="text"
            inputMode="numeric"
            pattern="[0-9]{8,14}"
            maxLength={14}
            value={form.gtin}
            onInput={(e) => setForm({ ...form, gtin: e.currentTarget.value })}
          />
        </Field>
        <div class="full">
          <button type="submit" class="button" disabled={action.busy}>
            {t.addProduct}
          </button>
          <Message message={action.message} />
        </div>
      </form>
    </details>
  );
}

export function RegistryView(props: { lang: Lang }): JSX.Element {
  const t = CONSOLE[props.lang];
  const [q, setQ] = useState('');
  const [query, setQuery] = useState('');
  const [products, reload] = useApi<Page<ProductRow>>(
    `/api/v1/products?limit=50${query ? `&q=${encodeURIComponent(query)}` : ''}`,
  );
  return (
    <section aria-labelledby="registry-title">
      <h2 id="registry-title">{t.tabRegistry}</h2>
      <Producers lang={props.lang} />
      <section class="panel" aria-labelledby="products-title">
        <h3 id="products-title">{t.registryProducts}</h3>
        <form
          role="search"
          onSubmit={(e) => {
            e.preventDefault();
            setQuery(q.trim());
          }}
        >
          <Field id="product-q" label={t.search}>
            <input id="product-q" type="search" value={q} onInput={(e) => setQ(e.currentTarget.value)} />
          </Field>
        </form>
        <Show lang={props.lang} loaded={products} retry={reload}>
          {(page) => (
            <Table head={[t.product, t.producer, t.commune, t.certStars, t.status]}>
              {page.items.map((p) => (
                <tr key={p.id}>
                  <td>{p.nameVi}</td>
                  <td>{p.producer.name}</td>
                  <td>{p.commune?.name ?? t.none}</td>
                  <td>{p.stars ? <Stars n={p.stars} lang={props.lang} /> : t.none}</td>
                  <td>{CERT_STATUS[p.certificateStatus]?.[props.lang] ?? p.certificateStatus}</td>
                </tr>
              ))}
            </Table>
          )}
        </Show>
        <NewProduct lang={props.lang} onCreated={reload} />
      </section>
      <Zones lang={props.lang} />
    </section>
  );
}

// ---------------------------------------------------------------------------------------------
// Certificates

function CertificateForm(props: {
  lang: Lang;
  productId: string;
  supersedes: Certificate | null;
  onDone: () => void;
}): JSX.Element {
  const t = CONSOLE[props.lang];
  const [f, setF] = useState({
    scoreA: '',
    scoreB: '',
    scoreC: '',
    decisionNo: '',
    decisionDate: today(),
    round: '',
  });
  const [mandatory, setMandatory] = useState<number[]>([3]);
  const [key] = useState(newId);
  const action = useAction();
  const submit = async (e: Event) => {
    e.preventDefault();
    const body = {
      productId: props.productId,
      scoreA: Number(f.scoreA),
      scoreB: Number(f.scoreB),
      scoreC: Number(f.scoreC),
      mandatoryPassed: mandatory,
      decisionNo: f.decisionNo.trim(),
      decisionDate: f.decisionDate,
      ...(f.round.trim() ? { round: f.round.trim() } : {}),
      ...(props.supersedes ? { supersedesId: props.supersedes.id } : {}),
    };
    const ok = await action.run(
      () => post<Certificate>('/api/v1/certificates', body, { headers: { 'idempotency-key': key } }),
      (c) => t.certificateRecorded(c.stars),
      props.lang,
    );
    if (ok) props.onDone();
  };
  return (
    <form onSubmit={(e) => void submit(e)} class="form-grid">
      {(['scoreA', 'scoreB', 'scoreC'] as const).map((k) => (
        <Field key={k} id={`cf-${k}`} label={t[k]}>
          <input
            id={`cf-${k}`}
            type="number"
            required
            min={0}
            max={k === 'scoreA' ? 40 : k === 'scoreB' ? 25 : 35}
            step="0.5"
            inputMode="decimal"
            value={f[k]}
            onInput={(e) => setF({ ...f, [k]: e.currentTarget.value })}
          />
        </Field>
      ))}
      <fieldset class="full">
        <legend>{t.mandatory}</legend>
        <div class="checks-inline">
          {[3, 4, 5].map((n) => (
            <label key={n}>
              <input
                type="checkbox"
                checked={mandatory.includes(n)}
                onChange={(e) =>
                  setMandatory((m) => (e.currentTarget.checked ? [...m, n].sort() : m.filter((x) => x !== n)))
                }
              />
              {t.stars(n)}
            </label>
          ))}
        </div>
      </fieldset>
      <Field id="cf-no" label={t.decisionNo}>
        <input
          id="cf-no"
          type="text"
          required
          maxLength={50}
          placeholder="1898/QĐ-UBND"
          value={f.decisionNo}
          onInput={(e) => setF({ ...f, decisionNo: e.currentTarget.value })}
        />
      </Field>
      <Field id="cf-date" label={t.decisionDate}>
        <input
          id="cf-date"
          type="date"
          required
          max={today()}
          value={f.decisionDate}
          onInput={(e) => setF({ ...f, decisionDate: e.currentTarget.value })}
        />
      </Field>
      <Field id="cf-round" label={`${t.round} ${t.optional}`}>
        <input
          id="cf-round"
          type="text"
          maxLength={50}
          value={f.round}
          onInput={(e) => setF({ ...f, round: e.currentTarget.value })}
        />
      </Field>
      <div class="full">
        <button type="submit" class="button" disabled={action.busy}>
          {props.supersedes ? t.renew : t.recordResult}
        </button>
        <Message message={action.message} />
      </div>
    </form>
  );
}

function RevokeForm(props: { lang: Lang; certificate: Certificate; onDone: () => void }): JSX.Element {
  const t = CONSOLE[props.lang];
  const [reason, setReason] = useState<string>('FOOD_SAFETY');
  const [note, setNote] = useState('');
  const action = useAction();
  const submit = async (e: Event) => {
    e.preventDefault();
    const ok = await action.run(
      () =>
        post(`/api/v1/certificates/${props.certificate.id}/revoke`, {
          reason,
          ...(note.trim() ? { note: note.trim() } : {}),
        }),
      t.revoked,
      props.lang,
    );
    if (ok) props.onDone();
  };
  return (
    <form onSubmit={(e) => void submit(e)} id="revoke-form">
      <p class="alert caution">{t.revokeWarning}</p>
      <Field id="rv-reason" label={t.revokeReason}>
        <select id="rv-reason" value={reason} onChange={(e) => setReason(e.currentTarget.value)}>
          {REVOCATION_REASONS.map((r) => (
            <option key={r} value={r}>
              {REVOCATION_REASON[r]?.[props.lang] ?? r}
            </option>
          ))}
        </select>
      </Field>
      <Field id="rv-note" label={`${t.revokeNote} ${t.optional}`}>
        <textarea
          id="rv-note"
          maxLength={2000}
          rows={2}
          value={note}
          onInput={(e) => setNote(e.currentTarget.value)}
        />
      </Field>
      <button type="submit" class="button danger" disabled={action.busy}>
        {t.revoke}
      </button>
      <Message message={action.message} />
    </form>
  );
}

function ProductCertificates(props: { lang: Lang; id: string }): JSX.Element {
  const t = CONSOLE[props.lang];
  const [product, reload] = useApi<ProductDetail>(`/api/v1/products/${props.id}`);
  return (
    <Show lang={props.lang} loaded={product} retry={reload}>
      {(p) => {
        const active = p.certificates.find((c) => c.status === 'active') ?? null;
        return (
          <div class="panel" data-product-id={p.id}>
            <h3>{p.nameVi}</h3>
            <p class="muted">
              {p.producer.name}
              {p.commune ? ` · ${p.commune.name}` : ''}
            </p>
            <Table caption={t.certHistory} head={[t.certStars, t.decision, t.validTo, t.status]}>
              {p.certificates.map((c) => (
                <tr key={c.id} data-certificate-id={c.id} data-state={c.state}>
                  <td>
                    <Stars n={c.stars} lang={props.lang} />
                    <div class="hint">
                      {c.totalScore} · {CERT_LEVEL[c.level]?.[props.lang] ?? c.level}
                    </div>
                  </td>
                  <td>
                    {c.decisionNo}
                    <div class="hint">
                      {formatDate(c.decisionDate)} · {c.authority}
                    </div>
                  </td>
                  <td>
                    {formatDate(c.validTo)}
                    {c.renewalDue && <div class="badge caution">{t.daysLeft(c.daysUntilExpiry)}</div>}
                  </td>
                  <td>
                    {CERT_STATUS[c.state]?.[props.lang] ?? c.state}
                    {c.revocation && (
                      <div class="hint">
                        {props.lang === 'vi' ? c.revocation.reasonVi : c.revocation.reasonEn} ·{' '}
                        {formatDateTime(c.revocation.revokedAt, props.lang)}
                      </div>
                    )}
                  </td>
                </tr>
              ))}
            </Table>
            <details>
              <summary>{active ? t.renew : t.recordResult}</summary>
              <CertificateForm
                key={active?.id ?? 'first'}
                lang={props.lang}
                productId={p.id}
                supersedes={active}
                onDone={reload}
              />
            </details>
            {active && (
              <details>
                <summary>{t.revoke}</summary>
                <RevokeForm lang={props.lang} certificate={active} onDone={reload} />
              </details>
            )}
          </div>
        );
      }}
    </Show>
  );
}

export function CertificatesView(props: { lang: Lang }): JSX.Element {
  const t = CONSOLE[props.lang];
  const [renewals, reloadRenewals] = useApi<{ items: Renewal[] }>(
    '/api/v1/certificates/renewals?withinDays=90',
  );
  const [q, setQ] = useState('');
  const [query, setQuery] = useState('');
  const [products] = useApi<Page<ProductRow>>(
    query ? `/api/v1/products?limit=20&q=${encodeURIComponent(query)}` : null,
  );
  const [selected, setSelected] = useState<string | null>(null);
  return (
    <section aria-labelledby="certs-title">
      <h2 id="certs-title">{t.tabCertificates}</h2>
      <section class="panel" aria-labelledby="renewals-title">
        <h3 id="renewals-title">{t.renewalsTitle}</h3>
        <Show lang={props.lang} loaded={renewals} retry={reloadRenewals}>
          {(r) => (
            <Table head={[t.product, t.producer, t.certStars, t.validTo, '']}>
              {r.items.map((x) => (
                <tr key={x.certificate.id}>
                  <td>{x.product.nameVi}</td>
                  <td>{x.producer.name}</td>
                  <td>
                    <Stars n={x.certificate.stars} lang={props.lang} />
                  </td>
                  <td>
                    {formatDate(x.certificate.validTo)}{' '}
                    <span class={`badge ${x.certificate.daysUntilExpiry <= 30 ? 'bad' : 'caution'}`}>
                      {t.daysLeft(x.certificate.daysUntilExpiry)}
                    </span>
                  </td>
                  <td>
                    <button
                      type="button"
                      class="button secondary small"
                      onClick={() => setSelected(x.product.id)}
                    >
                      {t.open}
                    </button>
                  </td>
                </tr>
              ))}
            </Table>
          )}
        </Show>
      </section>
      <section class="panel" aria-labelledby="cert-search-title">
        <h3 id="cert-search-title">{t.chooseProductCert}</h3>
        <form
          role="search"
          onSubmit={(e) => {
            e.preventDefault();
            setQuery(q.trim());
          }}
        >
          <Field id="cert-q" label={t.search}>
            <input id="cert-q" type="search" value={q} onInput={(e) => setQ(e.currentTarget.value)} />
          </Field>
          <button type="submit" class="button secondary small">
            {t.search}
          </button>
        </form>
        {query && (
          <Show lang={props.lang} loaded={products}>
            {(page) => (
              <Table head={[t.product, t.producer, t.certStars, t.status, '']}>
                {page.items.map((p) => (
                  <tr key={p.id} class={selected === p.id ? 'selected' : ''}>
                    <td>{p.nameVi}</td>
                    <td>{p.producer.name}</td>
                    <td>{p.stars ? <Stars n={p.stars} lang={props.lang} /> : t.none}</td>
                    <td>{CERT_STATUS[p.certificateStatus]?.[props.lang] ?? p.certificateStatus}</td>
                    <td>
                      <button
                        type="button"
                        class="button secondary small"
                        data-open-product={p.id}
                        onClick={() => setSelected(p.id)}
                      >
                        {t.open}
                      </button>
                    </td>
                  </tr>
                ))}
              </Table>
            )}
          </Show>
        )}
      </section>
      {selected && <ProductCertificates key={selected} lang={props.lang} id={selected} />}
    </section>
  );
}

// ---------------------------------------------------------------------------------------------
// Accounts, keys, audit (admin)

interface UserRow {
  id: string;
  email: string;
  displayName: string;
  role: string;
  disabled: boolean;
  adminUnitId: string | null;
  producerId: string | null;
}

export function UsersView(props: { lang: Lang; session: Session }): JSX.Element {
  const t = CONSOLE[props.lang];
  const [list, reload] = useApi<Page<UserRow>>('/api/v1/users?limit=100');
  const [producers] = useApi<Page<Producer>>('/api/v1/producers?limit=100');
  const [form, setForm] = useState({
    email: '',
    displayName: '',
    role: 'inspector',
    password: '',
    producerId: '',
    adminUnitId: 'qng-2025',
  });
  const [key, setKey] = useState(newId);
  const action = useAction();
  const submit = async (e: Event) => {
    e.preventDefault();
    const body = {
      email: form.email.trim(),
      displayName: form.displayName.trim(),
      role: form.role,
      password: form.password,
      ...(form.role === 'producer' ? { producerId: form.producerId } : {}),
      ...(form.role === 'officer' ? { adminUnitId: form.adminUnitId.trim() } : {}),
    };
    const ok = await action.run(
      () => post('/api/v1/users', body, { headers: { 'idempotency-key': key } }),
      t.created,
      props.lang,
    );
    if (ok) {
      setKey(newId());
      setForm({ ...form, email: '', displayName: '', password: '' });
      reload();
    }
  };
  const toggle = async (u: UserRow) => {
    const ok = await action.run(
      () => call('POST', `/api/v1/users/${u.id}/${u.disabled ? 'enable' : 'disable'}`),
      t.done,
      props.lang,
    );
    if (ok) reload();
  };
  return (
    <section aria-labelledby="users-title">
      <h2 id="users-title">{t.users}</h2>
      <Message message={action.message} />
      <Show lang={props.lang} loaded={list} retry={reload}>
        {(page) => (
          <Table head={[t.email, t.displayName, t.role, t.status, '']}>
            {page.items.map((u) => (
              <tr key={u.id}>
                <td class="mono">{u.email}</td>
                <td>{u.displayName}</td>
                <td>{ROLE_NAME[u.role]?.[props.lang] ?? u.role}</td>
                <td>{u.disabled ? t.disabled : t.activeAccount}</td>
                <td>
                  {u.id !== props.session.user.id && (
                    <button
                      type="button"
                      class="button secondary small"
                      disabled={action.busy}
                      onClick={() => void toggle(u)}
                    >
                      {u.disabled
                        ? props.lang === 'vi'
                          ? 'Mở khóa'
                          : 'Enable'
                        : props.lang === 'vi'
                          ? 'Khóa'
                          : 'Disable'}
                    </button>
                  )}
                </td>
              </tr>
            ))}
          </Table>
        )}
      </Show>
      <details class="panel">
        <summary>{t.addUser}</summary>
        <form onSubmit={(e) => void submit(e)} class="form-grid">
          <Field id="nu-email" label={t.email}>
            <input
              id="nu-email"
              type="email"
              required
              maxLength={254}
              value={form.email}
              onInput={(e) => setForm({ ...form, email: e.currentTarget.value })}
            />
          </Field>
          <Field id="nu-name" label={t.displayName}>
            <input
              id="nu-name"
              type="text"
              required
              maxLength={200}
              value={form.displayName}
              onInput={(e) => setForm({ ...form, displayName: e.currentTarget.value })}
            />
          </Field>
          <Field id="nu-role" label={t.role}>
            <select
              id="nu-role"
              value={form.role}
              onChange={(e) => setForm({ ...form, role: e.currentTarget.value })}
            >
              {Object.entries(ROLE_NAME).map(([k, v]) => (
                <option key={k} value={k}>
                  {v[props.lang]}
                </option>
              ))}
            </select>
          </Field>
          <Field id="nu-password" label={t.password} hint={t.passwordHint}>
            <input
              id="nu-password"
              type="password"
              required
              minLength={12}
              autoComplete="new-password"
              value={form.password}
              onInput={(e) => setForm({ ...form, password: e.currentTarget.value })}
            />
          </Field>
          {form.role === 'producer' && (
            <Field id="nu-producer" label={t.producer}>
              <select
                id="nu-producer"
                required
                value={form.producerId}
                onChange={(e) => setForm({ ...form, producerId: e.currentTarget.value })}
              >
                <option value="">—</option>
                {producers.state === 'ok' &&
                  producers.data.items.map((p) => (
                    <option key={p.id} value={p.id}>
                      {p.name}
                    </option>
                  ))}
              </select>
            </Field>
          )}
          {form.role === 'officer' && (
            <Field id="nu-unit" label={t.area}>
              <input
                id="nu-unit"
                type="text"
                required
                maxLength={100}
                value={form.adminUnitId}
                onInput={(e) => setForm({ ...form, adminUnitId: e.currentTarget.value })}
              />
            </Field>
          )}
          <div class="full">
            <button type="submit" class="button" disabled={action.busy}>
              {t.addUser}
            </button>
          </div>
        </form>
      </details>
    </section>
  );
}

interface KeyRow {
  kid: string;
  keyRef: string;
  status: string;
  createdAt: string;
  retiredAt: string | null;
  revokedAt: string | null;
}

export function KeysView(props: { lang: Lang }): JSX.Element {
  const t = CONSOLE[props.lang];
  const [keys, reload] = useApi<{ items: KeyRow[] }>('/api/v1/keys');
  const action = useAction();
  const rotate = async () => {
    if (!confirm(t.rotateConfirm)) return;
    const ok = await action.run(() => post('/api/v1/keys/rotate', {}), t.rotated, props.lang);
    if (ok) reload();
  };
  return (
    <section aria-labelledby="keys-title">
      <h2 id="keys-title">{t.keys}</h2>
      <p>{t.keysIntro}</p>
      <Show lang={props.lang} loaded={keys} retry={reload}>
        {(k) => (
          <Table head={['kid', t.status, t.createdAt, '']}>
            {k.items.map((x) => (
              <tr key={x.kid}>
                <td class="code-url">{x.kid}</td>
                <td>
                  <span
                    class={`badge ${x.status === 'active' ? 'good' : x.status === 'revoked' ? 'bad' : 'neutral'}`}
                  >
                    {t.keyStatus[x.status] ?? x.status}
                  </span>
                </td>
                <td>{formatDateTime(x.createdAt, props.lang)}</td>
                <td>{formatDateTime(x.retiredAt ?? x.revokedAt, props.lang)}</td>
              </tr>
            ))}
          </Table>
        )}
      </Show>
      <button type="button" class="button" disabled={action.busy} onClick={() => void rotate()}>
        {t.rotate}
      </button>
      <Message message={action.message} />
    </section>
  );
}

interface AuditRow {
  seq: number;
  occurredAt: string;
  actorEmail: string | null;
  action: string;
  entity: string;
  entityId: string | null;
  data: unknown;
}

export function AuditView(props: { lang: Lang }): JSX.Element {
  const t = CONSOLE[props.lang];
  const [entity, setEntity] = useState('');
  const [limit, setLimit] = useState(50);
  const [log, reload] = useApi<Page<AuditRow>>(
    `/api/v1/audit?limit=${limit}${entity ? `&entity=${encodeURIComponent(entity)}` : ''}`,
  );
  const [verdict, setVerdict] = useState<string | null>(null);
  const verify = async () => {
    const res = await call<{ ok: boolean; entries?: number; firstBrokenSeq?: number; reason?: string }>(
      'GET',
      '/api/v1/audit/verify',
    );
    if (res.ok)
      setVerdict(
        res.data.ok
          ? t.auditOk(res.data.entries ?? 0)
          : t.auditBroken(res.data.firstBrokenSeq ?? 0, res.data.reason ?? ''),
      );
  };
  return (
    <section aria-labelledby="audit-title">
      <h2 id="audit-title">{t.audit}</h2>
      <p>
        <button type="button" class="button secondary small" onClick={() => void verify()}>
          {t.auditVerify}
        </button>
      </p>
      {verdict && (
        <p role="status" class="notice">
          {verdict}
        </p>
      )}
      <Field id="audit-entity" label={t.entity}>
        <select id="audit-entity" value={entity} onChange={(e) => setEntity(e.currentTarget.value)}>
          <option value="">{t.filterAll}</option>
          {[
            'certificates',
            'products',
            'producers',
            'batches',
            'batch_events',
            'raw_material_zones',
            'users',
            'signing_keys',
            'findings',
            'cases',
            'plan_targets',
          ].map((x) => (
            <option key={x} value={x}>
              {x}
            </option>
          ))}
        </select>
      </Field>
      <Show lang={props.lang} loaded={log} retry={reload}>
        {(page) => (
          <>
            <Table head={['#', t.when, t.actor, t.action, t.entity, t.details]}>
              {page.items.map((a) => (
                <tr key={a.seq}>
                  <td class="num">{a.seq}</td>
                  <td>{formatDateTime(a.occurredAt, props.lang)}</td>
                  <td>{a.actorEmail ?? t.none}</td>
                  <td>{a.action}</td>
                  <td>
                    {a.entity}
                    {a.entityId && <div class="code-url">{a.entityId}</div>}
                  </td>
                  <td class="code-url">{JSON.stringify(a.data).slice(0, 200)}</td>
                </tr>
              ))}
            </Table>
            {page.total > page.items.length && limit < 100 && (
              <button type="button" class="button secondary small" onClick={() => setLimit(100)}>
                {t.more}
              </button>
            )}
          </>
        )}
      </Show>
    </section>
  );
}
