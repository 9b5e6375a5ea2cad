import { Type, type Static } from '@sinclair/typebox';
import { Uuid } from '../common-schemas.ts';
import { DateTime, Nullable, StringEnum } from '../route-helpers.ts';
import { DPIS, FORMATS, LAYOUTS } from '../../labels/index.ts';

/** Who prints labels: the batch's producer, an officer of its area, an admin (prepare.ts). */
export const PRINTERS = ['admin', 'officer', 'producer'] as const;

/** Most labels one request renders (about 40 s of a PDF on the 2-core reference machine). */
export const MAX_LABELS = 10_000;
/** Most labels one label job renders: under a ZIP's 65,535 entries (zip.ts), a few minutes of work. */
export const MAX_JOB_LABELS = 50_000;

export const LabelsParams = Type.Object({ id: Uuid }, { additionalProperties: false });

export const LabelsQuery = Type.Object(
  {
    format: Type.Optional(
      StringEnum(FORMATS, {
        description: 'pdf: sheets or roll pages; png, svg: one file, or a ZIP of one file per label',
      }),
    ),
    layout: Type.Optional(
      Type.String({
        pattern: '^[a-z0-9.-]{1,40}$',
        description:
          `A preset (${LAYOUTS.map((l) => l.id).join(', ')}) or custom-{width}x{height} in mm ` +
          '(15–150 mm, one decimal), e.g. custom-60x40. Default a4-40-52x30.',
      }),
    ),
    dpi: Type.Optional(
      Type.Unsafe<(typeof DPIS)[number]>({
        type: 'integer',
        enum: [...DPIS],
        description:
          'The printer’s native resolution: PNG pixels and the dot grid QR modules snap to (default: 203 for rolls, 300 for sheets)',
      }),
    ),
    codes: Type.Optional(
      StringEnum(['batch', 'units'] as const, {
        description: 'batch: the batch code (`copies` times); units: unit codes `from`–`to`. Default batch.',
      }),
    ),
    job: Type.Optional(
      Type.String({ format: 'uuid', description: 'units: only the codes of this issuance job' }),
    ),
    from: Type.Optional(
      Type.Integer({ minimum: 1, description: 'units: first code, 1-based, in issuing order (default 1)' }),
    ),
    to: Type.Optional(
      Type.Integer({ minimum: 1, description: 'units: last code, inclusive (default: the last one issued)' }),
    ),
    copies: Type.Optional(
      Type.Integer({ minimum: 1, maximum: MAX_LABELS, description: 'batch: how many labels (default 1)' }),
    ),
    start: Type.Optional(
      Type.Integer({
        minimum: 1,
        maximum: 100,
        description: 'pdf sheets: the first free cell of the first sheet, 1-based, row by row (default 1)',
      }),
    ),
    mono: Type.Optional(Type.Boolean({ description: 'png: black and white only (thermal printers)' })),
    guides: Type.Optional(
      Type.Boolean({ description: 'pdf: light cell outlines, for a test print on plain paper' }),
    ),
  },
  { additionalProperties: false, $id: 'LabelsQuery' },
);
export type LabelsQuery = Static<typeof LabelsQuery>;

export const LabelsFile = Type.Unsafe<Buffer | NodeJS.ReadableStream>({
  type: 'string',
  format: 'binary',
  description:
    'application/pdf; image/png or image/svg+xml for one label; application/zip of PNG or SVG files for several. ' +
    'Streamed as it is drawn; `X-Label-Count` gives the number of labels.',
});

const jobProperties = {
  ...LabelsQuery.properties,
  copies: Type.Optional(
    Type.Integer({ minimum: 1, maximum: MAX_JOB_LABELS, description: 'batch: how many labels (default 1)' }),
  ),
};

/** The body of `POST …/label-jobs`: the parameters of `GET …/labels`, with room for more labels. */
export const LabelJobBody = Type.Object(jobProperties, { additionalProperties: false, $id: 'LabelJobBody' });

export const LabelJobParams = Type.Object({ id: Uuid }, { additionalProperties: false });

export const LABEL_JOB_STATUSES = ['queued', 'running', 'done', 'failed'] as const;

export const LabelJob = Type.Object(
  {
    id: Uuid,
    batchId: Uuid,
    status: StringEnum(LABEL_JOB_STATUSES, {
      description:
        'queued, running, done (the file is ready), failed (see `error`; `POST …/retry` runs it again)',
    }),
    done: Type.Integer({ minimum: 0, description: 'labels drawn so far' }),
    total: Type.Integer({ minimum: 1, description: 'labels the job draws' }),
    params: Type.Object(jobProperties, {
      additionalProperties: false,
      description: 'the parameters, with the range of unit codes made explicit',
    }),
    mediaType: Type.String(),
    fileName: Type.String(),
    bytes: Nullable(Type.Integer({ minimum: 0 })),
    file: Nullable(
      Type.String({
        description: 'where to download the result, once done (GET /api/v1/label-jobs/{id}/file)',
      }),
    ),
    error: Nullable(
      Type.Object({
        reason: Type.String({
          description: 'interrupted, labels_refused, label_does_not_fit, no_codes_to_print, render_failed…',
        }),
        detailVi: Type.String(),
        detail: Type.String(),
      }),
    ),
    createdAt: DateTime,
    startedAt: Nullable(DateTime),
    finishedAt: Nullable(DateTime),
    fileExpiresAt: Nullable(DateTime, {
      description:
        'when a done job’s file is deleted from the server (LABEL_JOB_FILE_DAYS after it was made, 7 by ' +
        'default): download it before; later, POST …/retry makes it again. Null unless done',
    }),
  },
  { $id: 'LabelJob', additionalProperties: false },
);
export type LabelJob = Static<typeof LabelJob>;

export const LabelLayoutsQuery = Type.Object(
  {
    format: Type.Optional(
      StringEnum(FORMATS, {
        description: 'the output to check (PDF sheets keep their cells off the paper edge); default pdf',
      }),
    ),
  },
  { additionalProperties: false },
);

const LabelRefusal = Type.Object(
  {
    dpi: Type.Integer(),
    reason: Type.String({ description: 'qr_does_not_fit or text_does_not_fit' }),
    detailVi: Type.String(),
    detail: Type.String(),
    alternatives: Type.Object({
      dpi: Nullable(Type.Integer({ description: 'the lowest finer resolution at which this layout fits' })),
      layouts: Type.Array(Type.String(), {
        description: 'presets of the same kind that fit at this resolution',
      }),
    }),
  },
  { additionalProperties: false },
);

export const LabelLayouts = Type.Object(
  {
    sample: Type.Object({
      url: Type.String({
        description: 'the code that stands for the batch: its first unit code, or the batch code',
      }),
      qrVersion: Type.Integer({
        description:
          'the largest QR version (error correction M) a code of this shape may need, whatever its random serial and ' +
          'signature: what fits is decided by it',
      }),
    }),
    layouts: Type.Array(
      Type.Object(
        {
          id: Type.String(),
          kind: StringEnum(['sheet', 'roll'] as const),
          title: Type.String(),
          widthMm: Type.Number(),
          heightMm: Type.Number(),
          defaultDpi: Type.Integer(),
          fits: Type.Array(Type.Integer(), { description: 'the printer resolutions (dpi) at which it fits' }),
          refused: Type.Array(LabelRefusal, { description: 'the others, each with why and what would fit' }),
        },
        { additionalProperties: false },
      ),
    ),
  },
  { $id: 'LabelLayouts', additionalProperties: false },
);
export type LabelLayouts = Static<typeof LabelLayouts>;
