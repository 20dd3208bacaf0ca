import { fileURLToPath } from 'node:url';
import preact from '@preact/preset-vite';
import { defineConfig, type Plugin } from 'vite';

const root = fileURLToPath(new URL('./src/client', import.meta.url));
const outDir = fileURLToPath(new URL('./dist/client', import.meta.url));

const PAGES = ['login', 'appointments', 'appointment', 'call', 'device-test'] as const;

/** The server's page routes, so `vite` and `vite preview` answer the same URLs the server does. */
function pageFor(pathname: string): string | null {
  if (pathname === '/login') return 'login';
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

// `vite` serves the pages and forwards the API to a running server; that server must list the dev origin
// (http://127.0.0.1:5173) in ALLOWED_ORIGINS, or it refuses the socket and every state-changing request.
const apiTarget = process.env['CARECALL_DEV_API'] ?? 'http://127.0.0.1:8080';

export default defineConfig({
  root,
  base: '/',
  publicDir: false,
  plugins: [preact(), pageRoutes()],
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
