/// <reference lib="webworker" />
/**
 * Decodes QR codes off the main thread with jsQR (pure JavaScript; this Chromium has no
 * BarcodeDetector). Receives RGBA frames, answers with the text of the first code found, or null.
 */
import jsQR from 'jsqr';

export interface DecodeRequest {
  id: number;
  width: number;
  height: number;
  data: ArrayBuffer;
  /** Photos may be light-on-dark; camera frames are tried as they are (twice as fast). */
  invert: boolean;
}
export interface DecodeResponse {
  id: number;
  text: string | null;
}

self.onmessage = (event: MessageEvent<DecodeRequest>) => {
  const { id, width, height, data, invert } = event.data;
  let text: string | null;
  try {
    const found = jsQR(new Uint8ClampedArray(data), width, height, {
      inversionAttempts: invert ? 'attemptBoth' : 'dontInvert',
    });
    text = found?.data ?? null;
  } catch {
    text = null;
  }
  const answer: DecodeResponse = { id, text };
  self.postMessage(answer);
};
