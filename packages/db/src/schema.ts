import type { ColumnType, Generated, Insertable, Selectable, Updateable } from 'kysely';

/** Dates (SQL `date`) travel as `YYYY-MM-DD` strings; both drivers are configured to return them so. */
type IsoDate = string;
/** Numerics travel as strings from both drivers; convert explicitly at the edges. */
type Numeric = ColumnType<string, string | number, string | number>;
type Timestamp = ColumnType<Date, Date | string | undefined, Date | string>;
type CreatedAt = ColumnType<Date, Date | string | undefined, never>;

export interface CriteriaSetsTable {
  id: string;
  name: string;
  effective_from: IsoDate;
  effective_to: IsoDate | null;
  part_a_max: Numeric;
  part_b_max: Numeric;
  part_c_max: Numeric;
}

export interface StarBandsTable {
  criteria_set_id: string;
  stars: number;
  min_score: Numeric;
  certified: boolean;
}

export interface CertifyingPeriodsTable {
  id: string;
  basis: string;
  effective_from: IsoDate;
  effective_to: IsoDate | null;
  level_3: string;
  level_4: string;
  level_5: string;
}

export interface ProductCategoriesTable {
  criteria_set_id: string;
  code: string;
  level: 'group' | 'nhom' | 'phan_nhom';
  parent_code: string | null;
  name_vi: string;
  name_en: string;
  ministry: string | null;
}

export type AdminLevel = 'province' | 'district' | 'commune' | 'ward' | 'special_zone';

export interface AdminUnitsTable {
  id: string;
  code: string | null;
  name: string;
  level: AdminLevel;
  parent_id: string | null;
  valid_from: IsoDate;
  valid_to: IsoDate | null;
}

export interface AdminUnitSuccessorsTable {
  predecessor_id: string;
  successor_id: string;
  effective_on: IsoDate;
}

export type ProducerKind = 'DN' | 'HTX' | 'THT' | 'HKD';

export interface ProducersTable {
  id: Generated<string>;
  name: string;
  kind: ProducerKind;
  tax_code: string | null;
  address_line: string | null;
  admin_unit_id: string | null;
  representative: string | null;
  phone: string | null;
  email: string | null;
  website: string | null;
  created_at: CreatedAt;
  updated_at: Timestamp;
}

export interface ProductsTable {
  id: Generated<string>;
  producer_id: string;
  criteria_set_id: string;
  category_code: string;
  origin_unit_id: string | null;
  name_vi: string;
  name_en: string | null;
  description_vi: string | null;
  description_en: string | null;
  gtin: string | null;
  image_path: string | null;
  /** Diacritic-folded name, producer and place, for `q` search (foldVietnamese). */
  search_text: Generated<string>;
  /** Short public reference for codes of products without a GTIN (`/p/{ref}/…`); set by default. */
  public_ref: Generated<string>;
  created_at: CreatedAt;
  updated_at: Timestamp;
}

export type CertificateStatus = 'active' | 'superseded' | 'revoked';
export type CertifyingLevel = 'district' | 'province' | 'central';

export interface CertificatesTable {
  id: Generated<string>;
  product_id: string;
  criteria_set_id: string;
  score_a: Numeric;
  score_b: Numeric;
  score_c: Numeric;
  total_score: Numeric;
  mandatory_passed: ColumnType<number[], number[] | undefined, number[]>;
  stars: number;
  level: CertifyingLevel;
  authority: string;
  decision_no: string;
  decision_date: IsoDate;
  round: string | null;
  valid_from: IsoDate;
  valid_to: IsoDate;
  status: Generated<CertificateStatus>;
  supersedes_id: string | null;
  revocation_reason: string | null;
  revocation_note: string | null;
  revoked_at: Date | null;
  evidence_url: string | null;
  created_at: CreatedAt;
}

export type ZoneScheme = 'VUNG_TRONG' | 'VUNG_TRONG_XK' | 'NUOI_TRONG_THUY_SAN' | 'CA_TRA' | 'OTHER';

export interface RawMaterialZonesTable {
  id: Generated<string>;
  scheme: ZoneScheme;
  code: string;
  issuer: string;
  producer_id: string | null;
  admin_unit_id: string | null;
  name: string | null;
  area_ha: Numeric | null;
  crop_or_species: string;
  standards: ColumnType<string[], string[] | undefined, string[]>;
  valid_from: IsoDate;
  valid_to: IsoDate | null;
  status: Generated<'active' | 'suspended' | 'cancelled'>;
  created_at: CreatedAt;
  updated_at: Timestamp;
}

export interface BatchesTable {
  id: Generated<string>;
  product_id: string;
  lot: string;
  produced_on: IsoDate;
  best_before: IsoDate | null;
  quantity: Numeric;
  unit: string;
  status: Generated<'active' | 'recalled'>;
  recall_reason: string | null;
  recalled_at: Date | null;
  recalled_by: string | null;
  created_by: string | null;
  created_at: CreatedAt;
}

export interface BatchZonesTable {
  batch_id: string;
  zone_id: string;
  quantity: Numeric | null;
  unit: string | null;
}

export type BatchEventType =
  'harvest' | 'receiving' | 'processing' | 'packaging' | 'storage' | 'shipping' | 'inspection' | 'other';

export interface BatchEventsTable {
  id: Generated<string>;
  batch_id: string;
  type: BatchEventType;
  occurred_at: Date | string;
  place: string | null;
  admin_unit_id: string | null;
  actor: string | null;
  note: string | null;
  recorded_by: string | null;
  recorded_at: CreatedAt;
}

export type Role = 'admin' | 'officer' | 'producer' | 'inspector';

export interface UsersTable {
  id: Generated<string>;
  email: string;
  password_hash: string;
  display_name: string;
  role: Role;
  producer_id: string | null;
  admin_unit_id: string | null;
  disabled_at: Date | null;
  created_at: CreatedAt;
  updated_at: Timestamp;
}

export interface AuditLogTable {
  seq: ColumnType<string, never, never>;
  occurred_at: ColumnType<Date, never, never>;
  actor_id: string | null;
  action: string;
  entity: string;
  entity_id: string | null;
  data: ColumnType<unknown, string, never>;
  prev_hash: ColumnType<string, never, never>;
  hash: ColumnType<string, never, never>;
}

/** Stored responses of create requests by `Idempotency-Key` (migration 20261129T030000Z). */
export interface IdempotencyKeysTable {
  user_id: string;
  key: string;
  method_route: string;
  request_hash: string;
  status: number | null;
  response: ColumnType<unknown, string | null, string | null>;
  created_at: CreatedAt;
  /** The request holding the claim (migration 20261129T080000Z). */
  claim_token: string | null;
  /** Until when the claim holds unless renewed by its request's heartbeat. */
  lease_until: ColumnType<Date | null, Date | string | null, Date | string | null>;
}

export type ReportReason = 'fake' | 'stars_mismatch' | 'expired_mark' | 'label_damaged' | 'quality' | 'other';
export type ReportStatus = 'new' | 'in_review' | 'closed';

/** Consumers' reports of suspicious products (migration 20261129T033000Z-reports). */
export interface ReportsTable {
  id: Generated<string>;
  created_at: CreatedAt;
  reason: ReportReason;
  code: string | null;
  product_id: string | null;
  verdict: string | null;
  details: string | null;
  place: string | null;
  contact: string | null;
  lang: ColumnType<'vi' | 'en', 'vi' | 'en' | undefined, 'vi' | 'en'>;
  status: Generated<ReportStatus>;
  handled_by: string | null;
  handled_at: Date | null;
  resolution: string | null;
}

/** EPCIS 2.0 events imported from partners, as received (migration 20261129T043000Z). */
export interface EpcisEventsTable {
  id: Generated<string>;
  batch_id: string;
  batch_event_id: string;
  event_id: string;
  event_type: string;
  event: ColumnType<Record<string, unknown>, string, never>;
  imported_by: string | null;
  imported_at: CreatedAt;
}

/** Verdicts as inspectors' devices showed them, plus `not_scanned` for a pack without a code. */
export type FindingVerdict =
  | 'forged'
  | 'unknown'
  | 'revoked_certificate'
  | 'recalled_batch'
  | 'expired_certificate'
  | 'suspected_copy'
  | 'status_unknown'
  | 'genuine'
  | 'not_scanned';
export type FindingOutcome =
  | 'compliant'
  | 'counterfeit_suspected'
  | 'stars_mismatch'
  | 'expired_mark'
  | 'revoked_mark'
  | 'recalled_on_sale'
  | 'label_damaged'
  | 'no_code'
  | 'other';

/** Market inspectors' findings; the id is made by the device (migration 20261129T060000Z). */
export interface FindingsTable {
  id: string;
  inspector_id: string;
  session_id: string;
  observed_at: ColumnType<Date, Date | string, never>;
  received_at: CreatedAt;
  code: string | null;
  code_path: string | null;
  verdict: FindingVerdict;
  verdict_source: ColumnType<'online' | 'offline' | 'none', 'online' | 'offline' | 'none' | undefined, never>;
  product_id: string | null;
  batch_id: string | null;
  certified_stars: number | null;
  printed_stars: number | null;
  outcome: FindingOutcome;
  place: string | null;
  admin_unit_id: string | null;
  latitude: Numeric | null;
  longitude: Numeric | null;
  note: string | null;
}

/** Evidence photos of findings, re-encoded to WebP by the API (migration 20261129T060000Z). */
export interface FindingPhotosTable {
  id: string;
  finding_id: string;
  content_type: 'image/webp';
  width: number;
  height: number;
  bytes: number;
  sha256: string;
  data: Uint8Array;
  created_at: CreatedAt;
}

export type CaseKind =
  'suspected_copy' | 'counterfeit_report' | 'inspector_finding' | 'stars_mismatch' | 'expired_mark' | 'other';
export type CaseStatus = 'open' | 'investigating' | 'closed';
export type CaseResolution =
  | 'confirmed_counterfeit'
  | 'false_alarm'
  | 'corrected_by_producer'
  | 'referred'
  | 'certificate_revoked'
  | 'batch_recalled'
  | 'other';

/** The office's follow-up queue (migration 20261129T060000Z). */
export interface CasesTable {
  id: Generated<string>;
  kind: CaseKind;
  status: Generated<CaseStatus>;
  priority: ColumnType<'high' | 'normal' | 'low', 'high' | 'normal' | 'low' | undefined>;
  title: string;
  code_path: string | null;
  product_id: string | null;
  batch_id: string | null;
  admin_unit_id: string | null;
  signals: ColumnType<Record<string, unknown>, string | undefined, string>;
  opened_at: CreatedAt;
  opened_by: string | null;
  assigned_to: string | null;
  closed_at: Date | null;
  closed_by: string | null;
  resolution: CaseResolution | null;
  resolution_note: string | null;
  updated_at: Timestamp;
}

export interface CaseLinksTable {
  case_id: string;
  kind: 'report' | 'finding';
  ref_id: string;
  linked_at: CreatedAt;
  linked_by: string | null;
}

export interface CaseEventsTable {
  id: Generated<string>;
  /** Write order (migration 20261129T070000Z). */
  seq: ColumnType<string, never, never>;
  case_id: string;
  at: CreatedAt;
  actor_id: string | null;
  action: 'opened' | 'linked' | 'note' | 'status' | 'assigned' | 'closed' | 'reopened';
  note: string | null;
}

/** The year's targets of the OCOP plan, as data (migration 20261129T060000Z). */
export interface PlanTargetsTable {
  id: Generated<string>;
  plan: string;
  year: number;
  metric: string;
  target_min: Numeric;
  target_max: Numeric | null;
  unit: ColumnType<'count' | 'percent', 'count' | 'percent' | undefined>;
  label_vi: string;
  label_en: string;
  source: string | null;
  created_at: CreatedAt;
}

export type KeyStatus = 'active' | 'retired' | 'revoked';

/** ES256 code-signing keys (migration 20261129T044000Z-codes). */
export interface SigningKeysTable {
  id: Generated<string>;
  /** RFC 7638 SHA-256 thumbprint, base64url (43 characters). */
  kid: string;
  alg: Generated<'ES256'>;
  public_jwk: ColumnType<{ kty: 'EC'; crv: 'P-256'; x: string; y: string }, string, string>;
  /** The private JWK as a compact JWE (dir, A256GCM) under the key-encryption key; null once retired. */
  private_jwe: string | null;
  status: Generated<KeyStatus>;
  created_at: CreatedAt;
  retired_at: Date | null;
  revoked_at: Date | null;
  compromised_at: Date | null;
  revocation_reason: string | null;
}

/** One row per issued code, keyed by its path (migration 20261129T044000Z-codes). */
export interface CodesTable {
  path: string;
  batch_id: string;
  kind: 'batch' | 'unit';
  serial: string | null;
  origin: string;
  kid: string;
  sig: string;
  issued_at: ColumnType<Date, Date | string | undefined, never>;
  job_id: string | null;
}

export interface IssuanceJobsTable {
  id: Generated<string>;
  batch_id: string;
  requested_by: string | null;
  total: number;
  done: Generated<number>;
  status: Generated<'running' | 'done' | 'failed'>;
  kid: string | null;
  created_at: CreatedAt;
  finished_at: Date | null;
  error: string | null;
}

/** Background label jobs (migration 20261129T081000Z-label-jobs). */
export interface LabelJobsTable {
  id: Generated<string>;
  batch_id: string;
  requested_by: string | null;
  params: ColumnType<Record<string, unknown>, string, string>;
  total: number;
  done: Generated<number>;
  status: Generated<'queued' | 'running' | 'done' | 'failed'>;
  media_type: string;
  file_name: string;
  /** bigint: node-postgres returns it as a string. */
  bytes: ColumnType<string | number | null, number | null, number | null>;
  error_reason: string | null;
  error_vi: string | null;
  error_en: string | null;
  created_at: CreatedAt;
  started_at: Date | null;
  finished_at: Date | null;
  /** The run holding the job, and naming its file (migration 20261129T093000Z-label-jobs-lease). */
  claim_token: string | null;
  /** While `running`: until when its runner holds it (renewed by a heartbeat). */
  lease_until: Date | null;
}

/** Alerts the office lists (migration 20261129T080100Z-security-alerts). */
export interface SecurityAlertsTable {
  id: Generated<string>;
  kind: 'issuance_quota_exceeded' | 'enumeration_suspected';
  subject: string;
  window_start: ColumnType<Date, Date | string, Date | string>;
  count: Generated<number>;
  details: ColumnType<Record<string, unknown>, string | undefined, string>;
  first_at: CreatedAt;
  last_at: ColumnType<Date, Date | string | undefined, Date | string>;
}

/**
 * Misses of serial enumeration per client and fixed window, shared by the API instances
 * (migration 20261129T094000Z-enumeration-counts).
 */
export interface EnumerationCountsTable {
  client_key: string;
  window_start: ColumnType<Date, Date | string, Date | string>;
  misses: number;
}

export type UaClass = 'android' | 'ios' | 'desktop' | 'bot' | 'other';

/** Scans of codes: no IP, no precise location without consent (migration 20261129T044000Z-codes). */
export interface ScansTable {
  path: string;
  id: Generated<string>;
  scanned_at: ColumnType<Date, Date | string | undefined, never>;
  verdict: string;
  signed: boolean;
  device_hash: string | null;
  area: string | null;
  location_consent: Generated<boolean>;
  lat: Numeric | null;
  lng: Numeric | null;
  ua_class: UaClass | null;
}

/** The one Database interface (Kysely). Tables added by later migrations extend it here. */
export interface Database {
  criteria_sets: CriteriaSetsTable;
  star_bands: StarBandsTable;
  certifying_periods: CertifyingPeriodsTable;
  product_categories: ProductCategoriesTable;
  admin_units: AdminUnitsTable;
  admin_unit_successors: AdminUnitSuccessorsTable;
  producers: ProducersTable;
  products: ProductsTable;
  certificates: CertificatesTable;
  raw_material_zones: RawMaterialZonesTable;
  batches: BatchesTable;
  batch_zones: BatchZonesTable;
  batch_events: BatchEventsTable;
  users: UsersTable;
  audit_log: AuditLogTable;
  idempotency_keys: IdempotencyKeysTable;
  reports: ReportsTable;
  epcis_events: EpcisEventsTable;
  signing_keys: SigningKeysTable;
  codes: CodesTable;
  issuance_jobs: IssuanceJobsTable;
  security_alerts: SecurityAlertsTable;
  enumeration_counts: EnumerationCountsTable;
  label_jobs: LabelJobsTable;
  scans: ScansTable;
  findings: FindingsTable;
  finding_photos: FindingPhotosTable;
  cases: CasesTable;
  case_links: CaseLinksTable;
  case_events: CaseEventsTable;
  plan_targets: PlanTargetsTable;
}

export type Producer = Selectable<ProducersTable>;
export type NewProducer = Insertable<ProducersTable>;
export type ProducerUpdate = Updateable<ProducersTable>;
export type Product = Selectable<ProductsTable>;
export type NewProduct = Insertable<ProductsTable>;
export type Certificate = Selectable<CertificatesTable>;
export type NewCertificate = Insertable<CertificatesTable>;
export type Zone = Selectable<RawMaterialZonesTable>;
export type NewZone = Insertable<RawMaterialZonesTable>;
export type Batch = Selectable<BatchesTable>;
export type NewBatch = Insertable<BatchesTable>;
export type BatchEvent = Selectable<BatchEventsTable>;
export type User = Selectable<UsersTable>;
export type NewUser = Insertable<UsersTable>;
export type AdminUnit = Selectable<AdminUnitsTable>;
export type AuditEntry = Selectable<AuditLogTable>;
export type Report = Selectable<ReportsTable>;
export type NewReport = Insertable<ReportsTable>;
