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
import {
  Field,
  Message,
  Show,
  Stars,
  Table,
  formatDate,
  formatDateTime,
  useAction,
  useApi,
  useFocusOnShow,
} from './ui.tsx';
import type { Loaded } from './ui.tsx';
import {
  AddForm,
  CodeOptions,
  InputField,
  ListPanel,
  SearchForm,
  SelectField,
  useCreate,
  useFields,
  useSearch,
  withSearch,
} from './forms.tsx';

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

/** A choice of producer: none yet, then the producers loaded (while they load, none). */
function ProducerOptions(props: { producers: Loaded<Page<Producer>> }): JSX.Element {
  return (
    <>
      <option value="">—</option>
      {props.producers.state === 'ok' &&
        props.producers.data.items.map((p) => (
          <option key={p.id} value={p.id}>
            {p.name}
          </option>
        ))}
    </>
  );
}

/** The trimmed value of each named field that is not blank, for the optional fields of a request. */
function filled<F extends { [K in keyof F]: string }>(form: F, ...names: (keyof F)[]): Partial<F> {
  const out: Partial<F> = {};
  for (const k of names) {
    const v = form[k].trim();
    if (v) out[k] = v as F[keyof F];
  }
  return out;
}

const NO_PRODUCER = { name: '', kind: 'HTX', taxCode: '', addressLine: '', phone: '' };

function Producers(props: { lang: Lang }): JSX.Element {
  const t = CONSOLE[props.lang];
  const search = useSearch();
  const [list, reload] = useApi<Page<Producer>>(withSearch('/api/v1/producers?limit=50', search.query));
  const { form, setForm, bind } = useFields(NO_PRODUCER);
  const { action, create } = useCreate('/api/v1/producers', props.lang);
  const submit = async () => {
    const body = {
      name: form.name.trim(),
      kind: form.kind,
      ...filled(form, 'taxCode', 'addressLine', 'phone'),
    };
    if (await create(body)) {
      setForm(NO_PRODUCER);
      reload();
    }
  };
  return (
    <ListPanel
      lang={props.lang}
      id="producers-title"
      title={t.registryProducers}
      search={<SearchForm id="producer-q" label={t.search} search={search} />}
      loaded={list}
      retry={reload}
      head={[t.name, t.kind, t.taxCode, t.commune, t.phone]}
      row={(p) => (
        <tr key={p.id}>
          <td>{p.name}</td>
          <td>{PRODUCER_KIND[p.kind]?.[props.lang] ?? p.kind}</td>
          <td class="mono">{p.taxCode ?? t.none}</td>
          <td>{p.adminUnitName ?? t.none}</td>
          <td>{p.phone ?? t.none}</td>
        </tr>
      )}
    >
      <AddForm
        title={t.addProducer}
        busy={action.busy}
        message={action.message}
        onSubmit={submit}
        wide={
          <InputField
            id="np-address"
            label={`${t.address} ${t.optional}`}
            maxLength={500}
            field={bind('addressLine')}
          />
        }
      >
        <InputField id="np-name" label={t.name} required maxLength={300} field={bind('name')} />
        <SelectField id="np-kind" label={t.kind} field={bind('kind')}>
          <CodeOptions codes={PRODUCER_KINDS} names={PRODUCER_KIND} lang={props.lang} />
        </SelectField>
        <InputField
          id="np-tax"
          label={`${t.taxCode} ${t.optional}`}
          inputMode="numeric"
          maxLength={14}
          field={bind('taxCode')}
        />
        <InputField
          id="np-phone"
          label={`${t.phone} ${t.optional}`}
          type="tel"
          maxLength={20}
          field={bind('phone')}
        />
      </AddForm>
    </ListPanel>
  );
}

function Zones(props: { lang: Lang }): JSX.Element {
  const t = CONSOLE[props.lang];
  const [list, reload] = useApi<Page<Zone>>('/api/v1/zones?limit=100');
  const { form, bind } = useFields(() => ({
    scheme: 'VUNG_TRONG',
    code: '',
    issuer: '',
    cropOrSpecies: '',
    name: '',
    validFrom: today(),
  }));
  const { action, create } = useCreate('/api/v1/zones', props.lang);
  const submit = async () => {
    const body = {
      scheme: form.scheme,
      code: form.code.trim(),
      issuer: form.issuer.trim(),
      cropOrSpecies: form.cropOrSpecies.trim(),
      validFrom: form.validFrom,
      ...filled(form, 'name'),
    };
    if (await create(body)) reload();
  };
  return (
    <ListPanel
      lang={props.lang}
      id="zones-title"
      title={t.registryZones}
      loaded={list}
      retry={reload}
      head={[t.zoneCode, t.zoneScheme, t.name, t.zoneCrop, t.zoneIssuer, t.status]}
      row={(z) => (
        <tr key={z.id}>
          <td class="mono">{z.code}</td>
          <td>{ZONE_SCHEME[z.scheme]?.[props.lang] ?? z.scheme}</td>
          <td>{z.name ?? t.none}</td>
          <td>{z.cropOrSpecies}</td>
          <td>{z.issuer}</td>
          <td>{z.status}</td>
        </tr>
      )}
    >
      <AddForm title={t.addZone} busy={action.busy} message={action.message} onSubmit={submit}>
        <SelectField id="nz-scheme" label={t.zoneScheme} field={bind('scheme')}>
          <CodeOptions codes={ZONE_SCHEMES} names={ZONE_SCHEME} lang={props.lang} />
        </SelectField>
        <InputField id="nz-code" label={t.zoneCode} required maxLength={64} field={bind('code')} />
        <InputField id="nz-issuer" label={t.zoneIssuer} required maxLength={200} field={bind('issuer')} />
        <InputField id="nz-crop" label={t.zoneCrop} required maxLength={100} field={bind('cropOrSpecies')} />
        <InputField id="nz-name" label={`${t.name} ${t.optional}`} maxLength={200} field={bind('name')} />
        <InputField id="nz-from" label={t.zoneValidFrom} type="date" required field={bind('validFrom')} />
      </AddForm>
    </ListPanel>
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
  const { form, setForm, bind } = useFields({
    producerId: '',
    categoryCode: '',
    nameVi: '',
    nameEn: '',
    gtin: '',
  });
  const { action, create } = useCreate('/api/v1/products', props.lang);
  const submit = async () => {
    const body = {
      producerId: form.producerId,
      categoryCode: form.categoryCode,
      nameVi: form.nameVi.trim(),
      ...filled(form, 'nameEn', 'gtin'),
    };
    if (await create(body)) {
      setForm({ ...form, nameVi: '', nameEn: '', gtin: '' });
      props.onCreated();
    }
  };
  return (
    <AddForm title={t.addProduct} busy={action.busy} message={action.message} onSubmit={submit}>
      <SelectField id="npr-producer" label={t.producer} required field={bind('producerId')}>
        <ProducerOptions producers={producers} />
      </SelectField>
      <SelectField id="npr-category" label={t.group} required field={bind('categoryCode')}>
        <option value="">—</option>
        {categories.state === 'ok' &&
          categories.data.items.map((c) => (
            <option key={c.code} value={c.code}>
              {`${c.code} · ${props.lang === 'vi' ? c.nameVi : c.nameEn}`}
            </option>
          ))}
      </SelectField>
      <InputField id="npr-name" label={t.name} required maxLength={300} field={bind('nameVi')} />
      <InputField
        id="npr-name-en"
        label={`${t.nameEn} ${t.optional}`}
        maxLength={300}
        field={bind('nameEn')}
      />
      <InputField
        id="npr-gtin"
        label={`GTIN ${t.optional}`}
        hint={t.gtinHint}
        inputMode="numeric"
        pattern="[0-9]{8,14}"
        maxLength={14}
        field={bind('gtin')}
      />
    </AddForm>
  );
}

export function RegistryView(props: { lang: Lang }): JSX.Element {
  const t = CONSOLE[props.lang];
  const search = useSearch();
  const [products, reload] = useApi<Page<ProductRow>>(withSearch('/api/v1/products?limit=50', search.query));
  return (
    <section aria-labelledby="registry-title">
      <h2 id="registry-title">{t.tabRegistry}</h2>
      <Producers lang={props.lang} />
      <ListPanel
        lang={props.lang}
        id="products-title"
        title={t.registryProducts}
        search={<SearchForm id="product-q" label={t.search} search={search} />}
        loaded={products}
        retry={reload}
        head={[t.product, t.producer, t.commune, t.certStars, t.status]}
        row={(p) => (
          <tr key={p.id}>
            <td>{p.nameVi}</td>
            <td>{p.producer.name}</td>
            <td>{p.commune?.name ?? t.none}</td>
            <td>{p.stars ? <Stars n={p.stars} lang={props.lang} /> : t.none}</td>
            <td>{CERT_STATUS[p.certificateStatus]?.[props.lang] ?? p.certificateStatus}</td>
          </tr>
        )}
      >
        <NewProduct lang={props.lang} onCreated={reload} />
      </ListPanel>
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
  const { form: f, bind } = useFields(() => ({
    scoreA: '',
    scoreB: '',
    scoreC: '',
    decisionNo: '',
    decisionDate: today(),
    round: '',
  }));
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
      ...filled(f, 'round'),
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
        <InputField
          key={k}
          id={`cf-${k}`}
          label={t[k]}
          type="number"
          required
          min={0}
          max={k === 'scoreA' ? 40 : k === 'scoreB' ? 25 : 35}
          step="0.5"
          inputMode="decimal"
          field={bind(k)}
        />
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
      <InputField
        id="cf-no"
        label={t.decisionNo}
        required
        maxLength={50}
        placeholder="1898/QĐ-UBND"
        field={bind('decisionNo')}
      />
      <InputField
        id="cf-date"
        label={t.decisionDate}
        type="date"
        required
        max={today()}
        field={bind('decisionDate')}
      />
      <InputField id="cf-round" label={`${t.round} ${t.optional}`} maxLength={50} field={bind('round')} />
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
    // Irreversible, and at once for every printed label: one stray tap must not do it.
    const why = REVOCATION_REASON[reason]?.[props.lang] ?? reason;
    if (!confirm(t.revokeConfirm(props.certificate.decisionNo, why))) return;
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
      <SelectField id="rv-reason" label={t.revokeReason} field={{ value: reason, set: setReason }}>
        <CodeOptions codes={REVOCATION_REASONS} names={REVOCATION_REASON} lang={props.lang} />
      </SelectField>
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
  const focusTitle = useFocusOnShow<HTMLHeadingElement>(props.id);
  const titleId = `product-cert-title-${props.id}`;
  return (
    <Show lang={props.lang} loaded={product} retry={reload}>
      {(p) => {
        const active = p.certificates.find((c) => c.status === 'active') ?? null;
        return (
          <div class="panel" data-product-id={p.id} aria-labelledby={titleId}>
            <h3 id={titleId} tabIndex={-1} ref={focusTitle}>
              {p.nameVi}
            </h3>
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
                <RevokeForm
                  lang={props.lang}
                  certificate={active}
                  onDone={() => {
                    reload();
                    // The form goes with the active certificate: the product's title keeps the focus.
                    document.getElementById(titleId)?.focus();
                  }}
                />
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
  const search = useSearch();
  const [products] = useApi<Page<ProductRow>>(
    search.query ? withSearch('/api/v1/products?limit=20', search.query) : null,
  );
  const [selected, setSelected] = useState<string | null>(null);
  /** The cell that opens a product's certificates (`marked`: the button carries the product's id). */
  const openCell = (id: string, marked = false) => (
    <td>
      <button
        type="button"
        class="button secondary small"
        data-open-product={marked ? id : undefined}
        onClick={() => setSelected(id)}
      >
        {t.open}
      </button>
    </td>
  );
  return (
    <section aria-labelledby="certs-title">
      <h2 id="certs-title">{t.tabCertificates}</h2>
      <ListPanel
        lang={props.lang}
        id="renewals-title"
        title={t.renewalsTitle}
        loaded={renewals}
        retry={reloadRenewals}
        head={[t.product, t.producer, t.certStars, t.validTo, '']}
        row={(x) => (
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
            {openCell(x.product.id)}
          </tr>
        )}
      />
      <ListPanel
        lang={props.lang}
        id="cert-search-title"
        title={t.chooseProductCert}
        search={<SearchForm id="cert-q" label={t.search} search={search} button={t.search} />}
        loaded={search.query ? products : null}
        head={[t.product, t.producer, t.certStars, t.status, '']}
        row={(p) => (
          <tr key={p.id} class={selected === p.id ? 'selected' : ''}>
            <td>{p.nameVi}</td>
            <td>{p.producer.name}</td>
            <td>{p.stars ? <Stars n={p.stars} lang={props.lang} /> : t.none}</td>
            <td>{CERT_STATUS[p.certificateStatus]?.[props.lang] ?? p.certificateStatus}</td>
            {openCell(p.id, true)}
          </tr>
        )}
      />
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
  const { form, setForm, bind } = useFields({
    email: '',
    displayName: '',
    role: 'inspector',
    password: '',
    producerId: '',
    adminUnitId: 'qng-2025',
  });
  const { action, create } = useCreate('/api/v1/users', props.lang);
  const submit = async () => {
    const body = {
      email: form.email.trim(),
      displayName: form.displayName.trim(),
      role: form.role,
      password: form.password,
      ...(form.role === 'producer' ? { producerId: form.producerId } : {}),
      ...(form.role === 'officer' ? { adminUnitId: form.adminUnitId.trim() } : {}),
    };
    if (await create(body)) {
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
      <AddForm class="panel" title={t.addUser} busy={action.busy} onSubmit={submit}>
        <InputField
          id="nu-email"
          label={t.email}
          type="email"
          required
          maxLength={254}
          field={bind('email')}
        />
        <InputField id="nu-name" label={t.displayName} required maxLength={200} field={bind('displayName')} />
        <SelectField id="nu-role" label={t.role} field={bind('role')}>
          <CodeOptions codes={Object.keys(ROLE_NAME)} names={ROLE_NAME} lang={props.lang} />
        </SelectField>
        <InputField
          id="nu-password"
          label={t.password}
          hint={t.passwordHint}
          type="password"
          required
          minLength={12}
          autoComplete="new-password"
          field={bind('password')}
        />
        {form.role === 'producer' && (
          <SelectField id="nu-producer" label={t.producer} required field={bind('producerId')}>
            <ProducerOptions producers={producers} />
          </SelectField>
        )}
        {form.role === 'officer' && (
          <InputField id="nu-unit" label={t.area} required maxLength={100} field={bind('adminUnitId')} />
        )}
      </AddForm>
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

/** The tables whose changes the audit log records. */
const AUDITED = [
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
];

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
      <SelectField id="audit-entity" label={t.entity} field={{ value: entity, set: setEntity }}>
        <option value="">{t.filterAll}</option>
        <CodeOptions codes={AUDITED} lang={props.lang} />
      </SelectField>
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
