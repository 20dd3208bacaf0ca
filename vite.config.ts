import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { brotliCompressSync, constants, gzipSync } from 'node:zlib';
import preact from '@preact/preset-vite';
import { defineConfig, type Plugin } from 'vite';

const root = fileURLToPath(new URL('./src/client', import.meta.url));
const outDir = fileURLToPath(new URL('./dist/client', import.meta.url));

const PAGES = [
  'login',
  'set-password',
  'people',
  'dashboard',
  'policy',
  'analytics',
  'audit',
  'appointments',
  'appointment',
  'call',
  'device-test',
] as const;

/** The server's page routes, so `vite` and `vite preview` answer the same URLs the server does. */
function pageFor(pathname: string): string | null {
  if (pathname === '/login') return 'login';
  if (pathname === '/set-password') return 'set-password';
  if (pathname === '/people') return 'people';
  if (pathname === '/dashboard') return 'dashboard';
  if (pathname === '/policy') return 'policy';
  if (pathname === '/analytics') return 'analytics';
  if (pathname === '/audit') return 'audit';
  if (pathname === '/appointments') return 'appointments';
  if (pathname === '/device-test') return 'device-test';
  if (/^\/appointments\/[^/]+\/call\/?$/.test(pathname)) return 'call';
  if (/^\/appointments\/[^/]+\/?$/.test(pathname)) return 'appointment';
  return null;
}

function pageRoutes(): Plugin {
  const rewrite = (req: { url?: string | undefined }) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const page = pageFor(url.pathname);
    if (page) req.url = `/${page}.html${url.search}`;
  };
  return {
    name: 'carecall-page-routes',
    configureServer(server) {
      server.middlewares.use((req, _res, next) => {
        rewrite(req);
        next();
      });
    },
    configurePreviewServer(server) {
      server.middlewares.use((req, _res, next) => {
        rewrite(req);
        next();
      });
    },
  };
}

/**
 * Writes `<file>.br` and `<file>.gz` beside every page, script and stylesheet of the build. The server
 * sends them to browsers that accept them (@fastify/static `preCompressed`): patients download a third
 * of the bytes, and the server spends no CPU compressing per request.
 */
function precompress(): Plugin {
  return {
    name: 'carecall-precompress',
    apply: 'build',
    writeBundle(options, bundle) {
      const dir = options.dir ?? outDir;
      for (const fileName of Object.keys(bundle)) {
        if (!/\.(js|css|html)$/.test(fileName)) continue;
        const path = join(dir, fileName);
        const content = readFileSync(path);
        writeFileSync(`${path}.gz`, gzipSync(content, { level: 9 }));
        writeFileSync(
          `${path}.br`,
          brotliCompressSync(content, {
            params: {
              [constants.BROTLI_PARAM_QUALITY]: 11,
              [constants.BROTLI_PARAM_SIZE_HINT]: content.length,
            },
          }),
        );
      }
    },
  };
}

/**
 * Pages a user goes on to, with the page they come from: the appointment page's Start and Join buttons
 * lead to the call page. The page they come from gets `<link rel="prefetch">` for the next page's
 * scripts, so a patient's Join click finds the call page's code already in the HTTP cache (fetched while
 * the browser was idle; hashed assets are cached for a year).
 */
const NEXT_PAGES: Readonly<Record<string, readonly string[]>> = { appointment: ['call'] };

function prefetchNextPages(): Plugin {
  return {
    name: 'carecall-prefetch-next-pages',
    apply: 'build',
    transformIndexHtml: {
      order: 'post',
      handler(html, ctx) {
        const page = ctx.filename.replace(/^.*[\\/]/, '').replace(/\.html$/, '');
        const next = NEXT_PAGES[page];
        const bundle = ctx.bundle;
        if (!next || !bundle) return html;
        const chunks = Object.values(bundle).filter((output) => output.type === 'chunk');
        const wanted = new Set<string>();
        const add = (fileName: string) => {
          if (wanted.has(fileName)) return;
          wanted.add(fileName);
          const chunk = chunks.find((c) => c.fileName === fileName);
          for (const imported of chunk?.imports ?? []) add(imported);
        };
        for (const target of next) {
          const entry = chunks.find((c) => c.isEntry && c.facadeModuleId?.endsWith(`/${target}.html`));
          if (!entry) throw new Error(`prefetch: no entry chunk for ${target}.html`);
          add(entry.fileName);
        }
        // What this page loads anyway needs no prefetch.
        const already = (fileName: string) => html.includes(`/${fileName}"`);
        return [...wanted]
          .filter((fileName) => !already(fileName))
          .map((fileName) => ({
            tag: 'link',
            attrs: { rel: 'prefetch', href: `/${fileName}`, crossorigin: '' },
            injectTo: 'head' as const,
          }));
      },
    },
  };
}

// `vite` serves the pages and forwards the API to a running server; that server must list the dev origin
// (http://127.0.0.1:5173) in ALLOWED_ORIGINS, or it refuses the socket and every state-changing request.
const apiTarget = process.env['CARECALL_DEV_API'] ?? 'http://127.0.0.1:8080';

export default defineConfig({
  root,
  base: '/',
  publicDir: false,
  plugins: [preact(), pageRoutes(), prefetchNextPages(), precompress()],
  build: {
    outDir,
    emptyOutDir: true,
    sourcemap: true,
    rolldownOptions: {
      input: Object.fromEntries(PAGES.map((page) => [page, `${root}/${page}.html`])),
      output: {
        assetFileNames: (asset) =>
          asset.names.some((name) => name.endsWith('.css'))
            ? 'assets/carecall-[hash][extname]'
            : 'assets/[name]-[hash][extname]',
        codeSplitting: { groups: [{ name: 'preact', test: /node_modules[\\/]preact/ }] },
      },
    },
  },
  server: {
    host: '127.0.0.1',
    proxy: {
      '/api': apiTarget,
      '/ws': { target: apiTarget.replace(/^http/, 'ws'), ws: true },
    },
  },
  preview: {
    host: '127.0.0.1',
    proxy: {
      '/api': apiTarget,
      '/ws': { target: apiTarget.replace(/^http/, 'ws'), ws: true },
    },
  },
});
