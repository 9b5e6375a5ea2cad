// Build the site when site/dist is missing or older than its sources (root `postinstall` and
// `prestart`), so `npm start` serves the current site without a manual build step, and starts at
// once when nothing changed. The inputs include packages/domain: the scan page bundles its verifier.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../../', import.meta.url));
const site = join(root, 'site');
const stamp = join(site, 'dist', '.build-stamp');
const inputs = [
  join(site, 'src'),
  join(site, 'public'),
  join(site, 'scripts'),
  join(site, 'astro.config.mjs'),
  join(site, 'package.json'),
  join(root, 'packages', 'domain', 'src'),
];

function newest(path) {
  if (!existsSync(path)) return 0;
  const st = statSync(path);
  if (!st.isDirectory()) return st.mtimeMs;
  let max = st.mtimeMs;
  for (const e of readdirSync(path)) {
    if (e === 'node_modules' || e.endsWith('.test.ts')) continue;
    max = Math.max(max, newest(join(path, e)));
  }
  return max;
}

const built =
  existsSync(stamp) && existsSync(join(site, 'dist', 'server', 'entry.mjs'))
    ? Number(readFileSync(stamp, 'utf8'))
    : 0;
const source = Math.max(...inputs.map(newest));
if (built >= source) {
  process.exit(0);
}
console.log(
  built ? 'site: sources changed since the last build; rebuilding…' : 'site: not built yet; building…',
);
const started = Date.now();
// The same steps as `npm run build -w site`, with Astro's log reduced to warnings and errors.
const env = { ...process.env, OCOP_BUILD_STARTED: String(started) };
const astro = join(root, 'node_modules', 'astro', 'astro.js');
let res = spawnSync(process.execPath, [astro, 'build', '--silent'], { cwd: site, stdio: 'inherit', env });
if (res.status === 0) {
  res = spawnSync(process.execPath, [join(site, 'scripts', 'postbuild.mjs')], {
    cwd: site,
    stdio: 'inherit',
    env,
  });
}
if (res.status !== 0) {
  console.error('site: build failed (see above). The API still starts; the site will not be served.');
  process.exit(process.argv.includes('--strict') ? 1 : 0);
}
console.log(`site: built in ${((Date.now() - started) / 1000).toFixed(1)} s`);
