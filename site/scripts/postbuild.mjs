// After `astro build`: product placeholder photos as responsive WebP (sharp), app icons, and
// precompressed twins (.br, .gz) of the text assets, which the Fastify site plugin serves
// (@fastify/static preCompressed). Nothing is downloaded.
import { cp, mkdir, readdir, readFile, stat, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { brotliCompressSync, constants, gzipSync } from 'node:zlib';
import sharp from 'sharp';

const client = fileURLToPath(new URL('../dist/client/', import.meta.url));
const WIDTHS = [320, 640, 960];

/** Six product groups (148/QĐ-TTg annex I), each with a motif; three colour variants each. */
const PALETTES = [
  ['#0b6b3a', '#e8f3ea', '#f2b100'],
  ['#7a4d00', '#fbf1dc', '#c0392b'],
  ['#1f4e79', '#e6eef6', '#2e8b57'],
];
const motif = {
  // 1 food: a jar of preserves on a mat
  1: (
    a,
    b,
    c,
  ) => `<rect x="230" y="150" width="180" height="210" rx="28" fill="${b}" stroke="${a}" stroke-width="10"/>
    <rect x="215" y="120" width="210" height="45" rx="12" fill="${a}"/><rect x="255" y="220" width="130" height="80" rx="10" fill="${c}"/>
    <ellipse cx="320" cy="385" rx="220" ry="26" fill="${a}" opacity=".25"/>`,
  // 2 beverages: a bottle and a cup
  2: (
    a,
    b,
    c,
  ) => `<path d="M250 110h60v60c40 20 50 50 50 90v120a20 20 0 0 1-20 20h-120a20 20 0 0 1-20-20V260c0-40 10-70 50-90z" fill="${b}" stroke="${a}" stroke-width="10"/>
    <rect x="255" y="270" width="70" height="70" rx="8" fill="${c}"/><path d="M390 270h90l-12 110h-66z" fill="${a}"/><path d="M480 295c30 0 30 45 0 45" fill="none" stroke="${a}" stroke-width="10"/>`,
  // 3 herbal: leaves on a stem
  3: (a, b, c) => `<path d="M320 400V150" stroke="${a}" stroke-width="12"/>
    <path d="M320 300c-90 0-130-60-130-120 70 0 130 40 130 120z" fill="${a}"/><path d="M320 250c90 0 130-60 130-120-70 0-130 40-130 120z" fill="${c}"/>
    <path d="M320 200c-50 0-70-40-70-80 40 0 70 30 70 80z" fill="${a}" opacity=".8"/><circle cx="320" cy="405" r="14" fill="${b}" stroke="${a}" stroke-width="6"/>`,
  // 4 handicrafts: a woven basket
  4: (a, b, c) => `<path d="M170 220h300l-40 170H210z" fill="${b}" stroke="${a}" stroke-width="10"/>
    ${[250, 290, 330, 370].map((y) => `<path d="M${190 + (y - 220) * 0.24} ${y}h${260 - (y - 220) * 0.48}" stroke="${a}" stroke-width="8"/>`).join('')}
    <path d="M230 220c0-90 180-90 180 0" fill="none" stroke="${c}" stroke-width="14"/>`,
  // 5 ornamental: a flower in a pot
  5: (
    a,
    b,
    c,
  ) => `<rect x="260" y="300" width="120" height="100" rx="12" fill="${a}"/><path d="M320 300V200" stroke="${a}" stroke-width="10"/>
    ${[0, 72, 144, 216, 288].map((r) => `<ellipse cx="320" cy="140" rx="26" ry="55" fill="${c}" transform="rotate(${r} 320 190)"/>`).join('')}
    <circle cx="320" cy="190" r="24" fill="${b}" stroke="${a}" stroke-width="6"/>`,
  // 6 community tourism: a stilt house by the hills
  6: (a, b, c) => `<path d="M60 380l140-150 110 110 90-70 180 110z" fill="${a}" opacity=".35"/>
    <path d="M240 230l80-70 80 70z" fill="${c}"/><rect x="255" y="230" width="130" height="90" fill="${b}" stroke="${a}" stroke-width="8"/>
    <path d="M265 320v60M375 320v60M320 320v60" stroke="${a}" stroke-width="8"/><rect x="300" y="255" width="40" height="40" fill="${a}"/>`,
};

function svg(group, variant) {
  const [a, b, c] = PALETTES[variant - 1];
  return Buffer.from(`<svg xmlns="http://www.w3.org/2000/svg" width="640" height="480" viewBox="0 0 640 480">
    <defs><linearGradient id="g" x1="0" y1="0" x2="1" y2="1"><stop offset="0" stop-color="${b}"/><stop offset="1" stop-color="#ffffff"/></linearGradient></defs>
    <rect width="640" height="480" fill="url(#g)"/>
    <circle cx="560" cy="70" r="120" fill="${c}" opacity=".12"/><circle cx="60" cy="430" r="140" fill="${a}" opacity=".08"/>
    ${motif[group](a, b, c)}
  </svg>`);
}

/** Generated once into a cache (Astro empties dist/ on every build), then copied. */
const IMAGE_CACHE = fileURLToPath(new URL('../.astro/ocop-img/v1/', import.meta.url));

async function images() {
  const dir = join(client, 'img', 'products');
  if (existsSync(join(IMAGE_CACHE, 'g6-3-960.webp'))) {
    await mkdir(dir, { recursive: true });
    await cp(IMAGE_CACHE, dir, { recursive: true });
    return (await readdir(dir)).length;
  }
  await mkdir(dir, { recursive: true });
  let n = 0;
  for (let g = 1; g <= 6; g++) {
    for (let v = 1; v <= 3; v++) {
      const src = svg(g, v);
      for (const w of WIDTHS) {
        const out = await sharp(src, { density: 72 * (w / 640) * 1.5 })
          .resize(w, Math.round((w * 3) / 4))
          .webp({ quality: 72, effort: 4 })
          .toBuffer();
        await writeFile(join(dir, `g${g}-${v}-${w}.webp`), out);
        n++;
      }
    }
  }
  await mkdir(IMAGE_CACHE, { recursive: true });
  await cp(dir, IMAGE_CACHE, { recursive: true });
  return n;
}

async function icons() {
  const src = await readFile(join(client, 'favicon.svg'));
  for (const size of [192, 512]) {
    await sharp(src, { density: (72 * size) / 32 })
      .resize(size, size)
      .png()
      .toFile(join(client, `icon-${size}.png`));
  }
}

async function walk(dir) {
  const out = [];
  for (const e of await readdir(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) out.push(...(await walk(p)));
    else out.push(p);
  }
  return out;
}

async function precompress() {
  let n = 0;
  for (const file of await walk(client)) {
    if (!/\.(?:js|mjs|css|svg|json|webmanifest|txt|html)$/.test(file)) continue;
    if ((await stat(file)).size < 1024) continue;
    const buf = await readFile(file);
    await writeFile(
      `${file}.br`,
      brotliCompressSync(buf, { params: { [constants.BROTLI_PARAM_QUALITY]: 11 } }),
    );
    await writeFile(`${file}.gz`, gzipSync(buf, { level: 9 }));
    n++;
  }
  return n;
}

/**
 * Astro's server entry loads each page with `() => import('./pages/….mjs')` on every request. Under
 * `tsx` (how `npm start` runs the server) each dynamic import goes through tsx's resolve hook on its
 * loader thread: about 1.5 ms a call, two calls a page (bench/site.ts), against 36 µs with plain
 * node. The modules never change while the server runs, so each import is made once and its
 * promise kept (a failed import is tried again next time).
 */
async function memoisePageImports() {
  const entry = fileURLToPath(new URL('../dist/server/entry.mjs', import.meta.url));
  if (!existsSync(entry)) return 0;
  const text = await readFile(entry, 'utf8');
  if (text.includes('function __ocopOnce(')) return 0;
  let n = 0;
  const rewritten = text.replace(/\(\) => import\(('[^']+'|"[^"]+")\)/g, (_m, spec) => {
    n++;
    return `__ocopOnce(() => import(${spec}))`;
  });
  const helper =
    '\nfunction __ocopOnce(load) {\n  let p;\n  return () => (p ??= load().catch((err) => {\n    p = undefined;\n    throw err;\n  }));\n}\n';
  await writeFile(entry, rewritten + helper);
  return n;
}

const started = performance.now();
// When the build began (set by ensure-built.mjs); otherwise a safe guess: a source saved during the
// build then only causes one extra rebuild.
const buildStarted = Number(process.env.OCOP_BUILD_STARTED) || Date.now() - 60_000;
const made = await images();
await icons();
const compressed = await precompress();
const memoised = await memoisePageImports();
// ensure-built.mjs compares this with the sources' modification times.
await writeFile(join(client, '..', '.build-stamp'), String(buildStarted));
console.log(
  `postbuild: ${made} product placeholder images, 2 icons, ${compressed} files precompressed, ${memoised} page imports made once, in ${Math.round(performance.now() - started)} ms`,
);
