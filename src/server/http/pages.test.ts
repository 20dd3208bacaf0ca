import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { brotliCompressSync, brotliDecompressSync, gunzipSync, gzipSync } from 'node:zlib';
import Fastify, { type FastifyInstance } from 'fastify';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { AppContext } from '../context.js';
import { pageRoutes } from './pages.js';

const SCRIPT = `export const answer = 42;${' // padding'.repeat(200)}`;
const PAGE =
  '<!doctype html><title>Video call</title><script type="module" src="/assets/call-1.js"></script>';

describe('built client pages and assets', () => {
  let dir: string;
  let app: FastifyInstance;

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'carecall-pages-'));
    mkdirSync(join(dir, 'assets'));
    const write = (name: string, text: string) => {
      writeFileSync(join(dir, name), text);
      writeFileSync(join(dir, `${name}.gz`), gzipSync(text));
      writeFileSync(join(dir, `${name}.br`), brotliCompressSync(text));
    };
    write('login.html', PAGE);
    write('call.html', PAGE);
    write('set-password.html', PAGE);
    write('assets/call-1.js', SCRIPT);
    writeFileSync(join(dir, 'assets', 'plain-1.js'), SCRIPT);
    app = Fastify();
    // Only `/` reads the context (to find a session); these tests never ask for it.
    await pageRoutes(app, {} as AppContext, dir);
    await app.ready();
  });

  afterEach(async () => {
    await app.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('caches hashed assets for a year as immutable, so a page load does not revalidate them', async () => {
    const response = await app.inject({ url: '/assets/call-1.js' });
    expect(response.statusCode).toBe(200);
    expect(response.headers['cache-control']).toBe('public, max-age=31536000, immutable');
    expect(response.headers['vary']).toBe('accept-encoding');
  });

  it('sends the pre-compressed brotli or gzip file to a browser that accepts it', async () => {
    const br = await app.inject({ url: '/assets/call-1.js', headers: { 'accept-encoding': 'gzip, br' } });
    expect(br.headers['content-encoding']).toBe('br');
    expect(br.headers['content-type']).toMatch(/^text\/javascript|^application\/javascript/);
    expect(brotliDecompressSync(br.rawPayload).toString()).toBe(SCRIPT);

    const gz = await app.inject({ url: '/assets/call-1.js', headers: { 'accept-encoding': 'gzip' } });
    expect(gz.headers['content-encoding']).toBe('gzip');
    expect(gunzipSync(gz.rawPayload).toString()).toBe(SCRIPT);
    expect(gz.headers['cache-control']).toBe('public, max-age=31536000, immutable');
  });

  it('sends the file as it is to a browser that accepts no compression, or when no compressed copy exists', async () => {
    const identity = await app.inject({ url: '/assets/call-1.js' });
    expect(identity.headers['content-encoding']).toBeUndefined();
    expect(identity.payload).toBe(SCRIPT);

    const plain = await app.inject({ url: '/assets/plain-1.js', headers: { 'accept-encoding': 'gzip, br' } });
    expect(plain.headers['content-encoding']).toBeUndefined();
    expect(plain.payload).toBe(SCRIPT);
  });

  it('serves the public set-password page; its token stays in the fragment, which no request carries', async () => {
    const response = await app.inject({ url: '/set-password' });
    expect(response.statusCode).toBe(200);
    expect(response.headers['content-type']).toBe('text/html; charset=utf-8');
  });

  it('serves pages as no-cache HTML, compressed when accepted', async () => {
    const response = await app.inject({
      url: '/appointments/abc/call',
      headers: { 'accept-encoding': 'br' },
    });
    expect(response.statusCode).toBe(200);
    expect(response.headers['cache-control']).toBe('no-cache');
    expect(response.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(response.headers['content-encoding']).toBe('br');
    expect(brotliDecompressSync(response.rawPayload).toString()).toBe(PAGE);
  });

  it('answers 404 for an asset that does not exist', async () => {
    const response = await app.inject({ url: '/assets/missing-1.js', headers: { 'accept-encoding': 'br' } });
    expect(response.statusCode).toBe(404);
  });
});
