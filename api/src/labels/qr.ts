import QRCode, { type QRCode as QrSymbol } from 'qrcode';

/**
 * The QR symbol of a code URL, as a matrix we draw ourselves (dark runs per row), never through
 * qrcode's PNG or data-URL path: the raster is drawn at the printer's own dot grid and the
 * vectors are merged runs, so every module has exactly the intended size.
 *
 * Error correction M (DESIGN.md, "Public contract": the whole URL fits version 10 or less at M).
 * @see ISO/IEC 18004:2015 §9.1 (quiet zone of 4 modules)
 */
export const ECC = 'M';
export const QUIET_ZONE = 4;

export interface QrMatrix {
  /** The URL encoded, exactly. */
  text: string;
  version: number;
  /** Modules per side, without the quiet zone (17 + 4 × version). */
  size: number;
  /** Dark runs, three numbers each: row, first column, length (in modules). */
  runs: Uint16Array;
  /** Number of runs in `runs`. */
  runCount: number;
}

/** Modules per side of a QR symbol of this version. */
export function modulesOf(version: number): number {
  return 17 + 4 * version;
}

/**
 * Encodes `url` at ECC M. With `version`, the symbol has that version when the text fits it (a
 * sheet of labels then shows QR codes of one size); otherwise, and without it, the smallest one.
 * qrcode picks the mask and splits the text into byte, alphanumeric and numeric segments.
 * @throws RangeError when the text does not fit any version (qrcode's own error, rewrapped).
 */
export function encodeQr(url: string, version?: number): QrMatrix {
  let qr: QrSymbol;
  try {
    qr =
      version === undefined
        ? QRCode.create(url, { errorCorrectionLevel: ECC })
        : QRCode.create(url, { errorCorrectionLevel: ECC, version });
  } catch (err) {
    if (version !== undefined) return encodeQr(url);
    throw new RangeError(`this text does not fit a QR code: ${(err as Error).message}`, { cause: err });
  }
  return fromModules(url, qr.version, qr.modules.size, qr.modules.data);
}

/** The runs of a module matrix (`data[row * size + col]` truthy = dark), as {@link encodeQr} returns. */
export function fromModules(text: string, version: number, size: number, data: ArrayLike<number>): QrMatrix {
  // At most size/2 + 1 runs per row.
  const runs = new Uint16Array(size * (Math.ceil(size / 2) + 1) * 3);
  let n = 0;
  for (let row = 0; row < size; row++) {
    const base = row * size;
    let col = 0;
    while (col < size) {
      if (data[base + col]) {
        const start = col;
        while (col < size && data[base + col]) col++;
        runs[n * 3] = row;
        runs[n * 3 + 1] = start;
        runs[n * 3 + 2] = col - start;
        n++;
      } else {
        col++;
      }
    }
  }
  return { text, version, size, runs, runCount: n };
}

/** Whether the module at (row, col) is dark (tests; the renderers use the runs). */
export function isDark(qr: QrMatrix, row: number, col: number): boolean {
  for (let i = 0; i < qr.runCount; i++) {
    const r = qr.runs[i * 3]!;
    if (r < row) continue;
    if (r > row) break;
    const start = qr.runs[i * 3 + 1]!;
    if (col >= start && col < start + qr.runs[i * 3 + 2]!) return true;
  }
  return false;
}
