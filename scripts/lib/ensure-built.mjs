// Builds the app (`npm run build`) when dist/ is missing or older than its sources: the browser tests and
// the benchmarks run the built app, exactly what `npm start` serves.

import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

const BUILD_INPUTS = ['src', 'vite.config.ts', 'tsconfig.json', 'tsconfig.build.json', 'package.json'];

function newestMtime(path) {
  if (!existsSync(path)) return 0;
  const stat = statSync(path);
  if (!stat.isDirectory()) return stat.mtimeMs;
  let newest = 0;
  for (const entry of readdirSync(path)) newest = Math.max(newest, newestMtime(join(path, entry)));
  return newest;
}

/**
 * `mode`: auto (build when dist/ is missing or older than src/ and the build configuration), always, or
 * never (leave dist/ alone). `variable` names the setting in messages. Exits the process when the build
 * fails or the mode is unknown.
 */
export function ensureBuilt({ root, mode, variable, log }) {
  if (!['auto', 'always', 'never'].includes(mode)) {
    log(`${variable} must be auto, always or never (got "${mode}")`);
    process.exit(1);
  }
  if (mode === 'never') return;
  const built = newestMtime(join(root, 'dist'));
  const sources = Math.max(...BUILD_INPUTS.map((p) => newestMtime(join(root, p))));
  if (mode === 'auto' && built > 0 && built >= sources) return;
  log(
    built === 0
      ? 'dist/ is missing: running npm run build'
      : `running npm run build (${variable}=${mode}, dist/ ${built >= sources ? 'up to date' : 'older than its sources'})`,
  );
  const started = Date.now();
  const build = spawnSync('npm', ['run', 'build'], { cwd: root, stdio: 'inherit' });
  if (build.status !== 0) {
    log(`npm run build failed (exit ${build.status ?? build.signal}); the built app is needed`);
    process.exit(1);
  }
  log(`build took ${((Date.now() - started) / 1000).toFixed(1)} s`);
}
