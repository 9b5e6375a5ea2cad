/** What one label says: plain data, no database. */
export interface LabelData {
  /** The code URL the QR carries, exactly as issued. */
  url: string;
  /** Product name, Vietnamese with full diacritics. */
  productName: string;
  producerName: string;
  lot: string;
  /** Production date (NSX), ISO `YYYY-MM-DD`. */
  producedOn: string;
  /** Best-before date (HSD), ISO `YYYY-MM-DD`; null prints no HSD line. */
  bestBefore: string | null;
  /** The certified star level (only 3★ and up are OCOP-certified). */
  stars: 3 | 4 | 5;
  /** Host shown under "Quét để kiểm tra OCOP", e.g. `ocop.quangngai.gov.vn`. */
  domain: string;
}

/** Why a label cannot be drawn as asked; `reason` is a sentence a producer can act on. */
export interface Refusal {
  ok: false;
  code: 'invalid_label' | 'qr_does_not_fit' | 'text_does_not_fit';
  reason: string;
  /** The same in Vietnamese, shown first (the labels a producer prints are refused in their language). */
  reasonVi?: string;
  /** The reason without its advice (what the code needs, what the label is), for a caller to advise better. */
  facts?: { en: string; vi: string };
  /** What would fit instead: this layout at a finer printer, or other presets at this resolution. */
  alternatives?: { dpi: number | null; layouts: string[] };
}

/** Thrown by the renderers when a label cannot be drawn (the caller checks with `checkFit` first). */
export class LabelError extends Error {
  readonly code: Refusal['code'];
  constructor(refusal: Refusal) {
    super(refusal.reason);
    this.name = 'LabelError';
    this.code = refusal.code;
  }
}
