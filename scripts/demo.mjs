#!/usr/bin/env node
// `npm run demo`: builds the app, then starts it with demo data. A newcomer needs two things from the
// screen: that it is building, and then the sign-in address and the demo accounts. So the build's own
// output (the bundler's file list, the page-weight table) is kept back unless the build fails, and the
// server logs only warnings unless LOG_LEVEL says otherwise.

import { spawn, spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const started = Date.now();
process.stdout.write('Building carecall (a minute the first time)… ');
const build = spawnSync('npm', ['run', '--silent', 'build'], { cwd: root, encoding: 'utf8' });
if (build.status !== 0) {
  process.stdout.write('failed:\n\n');
  process.stdout.write(build.stdout ?? '');
  process.stderr.write(build.stderr ?? '');
  process.exit(build.status ?? 1);
}
console.log(`done in ${((Date.now() - started) / 1000).toFixed(0)} s.`);

const server = spawn(process.execPath, ['bin/carecall.js', 'serve', '--demo', ...process.argv.slice(2)], {
  cwd: root,
  stdio: 'inherit',
  env: { LOG_LEVEL: 'warn', ...process.env },
});
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => server.kill(signal));
server.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
