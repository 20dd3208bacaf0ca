import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { checkBudgets, chunkReferences, htmlReferences, measureClient, measurePage } from './page-weight.js';

/** Text that gzip cannot shrink much: random letters, so a byte budget is easy to cross on purpose. */
function incompressible(bytes: number, seed = 1): string {
  let x = seed;
  let out = '';
  for (let i = 0; i < bytes; i++) {
    x = (x * 1103515245 + 12345) % 2 ** 31;
    out += String.fromCharCode(97 + (x % 26));
  }
  return out;
}

const DEFAULT = { jsGzip: 60_000, cssGzip: 10_000 };

const PAGE_HTML = `<!doctype html><html><head>
<script type="module" crossorigin src="/assets/call-1.js"></script>
<link rel="modulepreload" crossorigin href="/assets/shared-1.js">
<link rel="stylesheet" crossorigin href="/assets/app-1.css">
<link rel="prefetch" crossorigin href="/assets/next-1.js">
<script src="https://cdn.example/elsewhere.js"></script>
</head><body></body></html>`;

describe('page weight', () => {
  let dir: string;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'carecall-page-weight-'));
    mkdirSync(join(dir, 'assets'));
    const write = (name: string, text: string) => writeFileSync(join(dir, name), text);
    write('call.html', PAGE_HTML);
    write(
      'assets/call-1.js',
      `import{a}from"./shared-1.js";import"./deep-1.js";const l=()=>import("./lazy-1.js");`,
    );
    write('assets/shared-1.js', `export const a=1;${incompressible(2_000, 2)}`);
    write('assets/deep-1.js', `/*${incompressible(3_000, 3)}*/`);
    write('assets/lazy-1.js', `/*${incompressible(4_000, 4)}*/`);
    write('assets/app-1.css', `body{color:red}`);
    write('assets/next-1.js', `/*${incompressible(5_000, 5)}*/`);
  });

  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('reads scripts, modulepreloads and stylesheets from the HTML, same-origin only', () => {
    expect(htmlReferences(PAGE_HTML)).toEqual({
      scripts: ['/assets/call-1.js', '/assets/shared-1.js'],
      styles: ['/assets/app-1.css'],
      prefetches: ['/assets/next-1.js'],
    });
  });

  it('finds static, dynamic and preload-helper references in a chunk', () => {
    const refs = chunkReferences(
      `import{h}from"./preact-x.js";import"./side.js";import("./later.js");const d=["assets/dep.js","assets/dep.css"]`,
    );
    expect(refs.imports.sort()).toEqual(['./preact-x.js', './side.js']);
    expect(refs.dynamicImports.sort()).toEqual(['./later.js', '/assets/dep.js']);
    expect(refs.styles).toEqual(['/assets/dep.css']);
  });

  it('finds a dynamic import Vite wrote with a template literal', () => {
    const refs = chunkReferences('const q=()=>Fn(()=>import(`./quality-window-1.js`),[]);');
    expect(refs.dynamicImports).toEqual(['./quality-window-1.js']);
  });

  it('counts every chunk the page can load, lazy ones marked, each once', () => {
    const page = measurePage(dir, 'call.html');
    expect(page.page).toBe('call');
    expect(page.js.map((f) => [f.path, f.lazy]).sort()).toEqual([
      ['/assets/call-1.js', false],
      ['/assets/deep-1.js', false],
      ['/assets/lazy-1.js', true],
      ['/assets/shared-1.js', false],
    ]);
    expect(page.totals.jsGzip).toBe(page.js.reduce((sum, f) => sum + f.gzip, 0));
    expect(page.totals.jsLazyGzip).toBe(page.js.find((f) => f.lazy)?.gzip);
    expect(page.css.map((f) => f.path)).toEqual(['/assets/app-1.css']);
    expect(page.prefetch.map((f) => f.path)).toEqual(['/assets/next-1.js']);
    expect(page.totals.prefetchGzip).toBeGreaterThan(0);
  });

  it('passes a page within its budget', () => {
    const [result] = checkBudgets(
      measureClient(dir),
      { call: { jsGzip: 60_000, cssGzip: 10_000 } },
      {
        jsGzip: 1,
        cssGzip: 1,
      },
    );
    expect(result).toMatchObject({ page: 'call', defaultBudget: false, problems: [] });
  });

  it('a page with a lazy budget holds its eager and its lazy JavaScript each to its own', () => {
    const pages = measureClient(dir);
    const lazy = pages[0]?.totals.jsLazyGzip ?? 0;
    const eager = (pages[0]?.totals.jsGzip ?? 0) - lazy;
    expect(lazy).toBeGreaterThan(0);
    const fits = checkBudgets(pages, { call: { jsGzip: eager, cssGzip: 10_000, lazyJsGzip: lazy } }, DEFAULT);
    expect(fits[0]?.problems).toEqual([]);
    const over = checkBudgets(
      pages,
      { call: { jsGzip: eager - 1, cssGzip: 10_000, lazyJsGzip: lazy - 1 } },
      DEFAULT,
    );
    expect(over[0]?.problems).toEqual([
      expect.stringMatching(/^JavaScript loaded by every visitor .* over its budget/),
      expect.stringMatching(/^Lazy JavaScript .* over its budget/),
    ]);
  });

  it('fails a page whose JavaScript (lazy chunks included) is over budget, and says by how much', () => {
    const pages = measureClient(dir);
    const eager = (pages[0]?.totals.jsGzip ?? 0) - (pages[0]?.totals.jsLazyGzip ?? 0);
    const [result] = checkBudgets(pages, { call: { jsGzip: eager, cssGzip: 10_000 } }, DEFAULT);
    expect(result?.problems).toHaveLength(1);
    expect(result?.problems[0]).toMatch(/^JavaScript .* gzip is over its budget of .* by \d+\.\d KB$/);
  });

  it('fails CSS over budget', () => {
    const [result] = checkBudgets(measureClient(dir), { call: { jsGzip: 60_000, cssGzip: 10 } }, DEFAULT);
    expect(result?.problems).toEqual([expect.stringMatching(/^CSS /)]);
  });

  it('holds a page without a budget of its own to the default, and says so', () => {
    const [result] = checkBudgets(measureClient(dir), {}, { jsGzip: 100, cssGzip: 10_000 });
    expect(result?.defaultBudget).toBe(true);
    expect(result?.problems).toEqual([expect.stringMatching(/^JavaScript /)]);
  });

  it('refuses a page that references a file the build did not produce', () => {
    rmSync(join(dir, 'assets', 'deep-1.js'));
    expect(() => measurePage(dir, 'call.html')).toThrow(/needs \/assets\/deep-1\.js/);
  });

  it('fails a page where no JavaScript was found', () => {
    writeFileSync(join(dir, 'empty.html'), '<!doctype html><title>x</title>');
    const result = checkBudgets(measureClient(dir), {}, DEFAULT).find((r) => r.page === 'empty');
    expect(result?.problems).toEqual([expect.stringMatching(/no JavaScript found/)]);
  });
});
