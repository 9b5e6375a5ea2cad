// QR encoding off the main thread (see qr-pool.ts). Plain JavaScript on purpose: a worker is a
// fresh Node.js isolate, and under tsx or vitest it could not load TypeScript. It does one thing:
// QRCode.create at error-correction level M — the level of qr.ts `ECC` — and hands back the
// module matrix; qr.ts turns it into runs exactly as for codes encoded on the main thread.
import { parentPort } from 'node:worker_threads';
import QRCode from 'qrcode';

parentPort.on('message', ({ id, urls, version }) => {
  const out = [];
  const transfer = [];
  for (const url of urls) {
    try {
      let qr;
      try {
        qr = QRCode.create(
          url,
          version ? { errorCorrectionLevel: 'M', version } : { errorCorrectionLevel: 'M' },
        );
      } catch (err) {
        // The text does not fit the job's version: the smallest that holds it, as encodeQr does.
        if (!version) throw err;
        qr = QRCode.create(url, { errorCorrectionLevel: 'M' });
      }
      const data = Uint8Array.from(qr.modules.data);
      out.push({ version: qr.version, size: qr.modules.size, data });
      transfer.push(data.buffer);
    } catch (err) {
      out.push({ error: err instanceof Error ? err.message : String(err) });
    }
  }
  parentPort.postMessage({ id, out }, transfer);
});
