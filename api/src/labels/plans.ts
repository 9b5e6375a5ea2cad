import { labelText, planLabel, type LabelPlan } from './compose.ts';
import type { Dpi, Insets, Layout } from './layouts.ts';
import { encodeQr, type QrMatrix } from './qr.ts';
import { LabelError, type LabelData } from './types.ts';

/**
 * The plans of one rendering job, cached. A batch's labels differ only by their URL, so the text
 * is fitted once per (text, QR size, cell keep-out); the QR of every label is encoded at one
 * version — the first label's — so a sheet shows codes of one size (a later URL that needs more
 * gets its own, larger, symbol).
 */
export class PlanCache {
  private version: number | undefined;
  private readonly plans = new Map<string, LabelPlan>();

  constructor(
    readonly layout: Layout,
    readonly dpi: Dpi,
  ) {}

  /** The QR and plan of one label. @throws LabelError when it cannot be drawn. */
  label(data: LabelData, insets: Insets): { qr: QrMatrix; plan: LabelPlan } {
    const qr = this.encode(data.url);
    return { qr, plan: this.plan(data, insets, qr) };
  }

  /** Encodes a URL at the job's version (the first label's). @throws LabelError */
  encode(url: string): QrMatrix {
    try {
      const qr = encodeQr(url, this.version);
      this.version ??= qr.version;
      return qr;
    } catch (err) {
      throw new LabelError({ ok: false, code: 'invalid_label', reason: (err as Error).message });
    }
  }

  /** The plan of a label whose QR is already encoded (by the worker pool). @throws LabelError */
  plan(data: LabelData, insets: Insets, qr: QrMatrix): LabelPlan {
    const t = labelText(data);
    if (!t.ok) throw new LabelError(t);
    this.version ??= qr.version;
    const key = JSON.stringify([t.text, qr.size, insets]);
    let plan = this.plans.get(key);
    if (!plan) {
      const r = planLabel({ label: this.layout.label, insets, dpi: this.dpi, qrSize: qr.size, text: t.text });
      if (!r.ok) throw new LabelError(r);
      plan = r.plan;
      // A job rarely has more than a few distinct texts × cell kinds; bound it anyway.
      if (this.plans.size >= 64) this.plans.clear();
      this.plans.set(key, plan);
    }
    return plan;
  }
}
