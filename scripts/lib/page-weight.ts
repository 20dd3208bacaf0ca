import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, posix, relative } from 'node:path';
import { brotliCompressSync, constants, gzipSync } from 'node:zlib';
import { kb as kbText } from '../../bench/lib/table.js';

/** Gzip budgets in bytes (1 KB = 1000 bytes, as Vite prints sizes). */
export interface Budget {
  jsGzip: number;
  cssGzip: number;
  /**
   * When set, `jsGzip` holds what every visitor loads (the eager JavaScript) and this holds the lazy
   * chunks, which only some visitors load (the call page's recording engine: doctors only). Unset, one
   * budget holds both.
   */
  lazyJsGzip?: number;
}

export interface FileWeight {
  /** Path as the page requests it, e.g. `/assets/call-abc.js`. */
  path: string;
  raw: number;
  gzip: number;
  brotli: number;
  /** Reached only through a dynamic `import()`: loaded later, still code the page can need. */
  lazy: boolean;
}

export interface PageWeight {
  page: string;
  html: FileWeight;
  js: FileWeight[];
  css: FileWeight[];
  /** Fetched when the browser is idle, for the page the user goes on to; not counted in the budget. */
  prefetch: FileWeight[];
  totals: {
    jsRaw: number;
    jsGzip: number;
    jsBrotli: number;
    jsLazyGzip: number;
    cssRaw: number;
    cssGzip: number;
    prefetchGzip: number;
  };
}

export interface BudgetResult {
  page: string;
  budget: Budget;
  /** The page has no budget of its own and was held to the default. */
  defaultBudget: boolean;
  problems: string[];
}

/**
 * What the HTML asks for directly (same-origin paths only): module scripts, modulepreloads and
 * stylesheets, which the page needs, and prefetches, which it fetches when idle for the next page.
 */
export function htmlReferences(html: string): { scripts: string[]; styles: string[]; prefetches: string[] } {
  const scripts: string[] = [];
  const styles: string[] = [];
  const prefetches: string[] = [];
  const attribute = (tag: string, name: string) =>
    new RegExp(`\\s${name}\\s*=\\s*(?:"([^"]*)"|'([^']*)'|([^\\s>]+))`, 'i')
      .exec(tag)
      ?.slice(1)
      .find(Boolean) ?? null;
  for (const [tag] of html.matchAll(/<script\b[^>]*>/gi)) {
    const src = attribute(tag, 'src');
    if (src) scripts.push(src);
  }
  for (const [tag] of html.matchAll(/<link\b[^>]*>/gi)) {
    const rel = (attribute(tag, 'rel') ?? '').toLowerCase().split(/\s+/);
    const href = attribute(tag, 'href');
    if (!href) continue;
    if (rel.includes('modulepreload')) scripts.push(href);
    else if (rel.includes('stylesheet')) styles.push(href);
    else if (rel.includes('prefetch')) prefetches.push(href);
  }
  const local = (url: string) => url.startsWith('/') && !url.startsWith('//');
  return {
    scripts: scripts.filter(local),
    styles: styles.filter(local),
    prefetches: prefetches.filter(local),
  };
}

/**
 * Other chunks a built chunk loads: static `import … from "./x.js"`, `import "./x.js"`, dynamic
 * `import("./x.js")` (or with backquotes), and the `assets/…` dependency lists Vite's preload helper carries.
 */
export function chunkReferences(code: string): {
  imports: string[];
  dynamicImports: string[];
  styles: string[];
} {
  const imports = new Set<string>();
  const dynamicImports = new Set<string>();
  const styles = new Set<string>();
  for (const match of code.matchAll(/(?:\bfrom|\bimport)\s*["']([^"']+\.js)["']/g)) {
    if (match[1]) imports.add(match[1]);
  }
  // Rolldown writes a dynamic import's path as a template literal: import(`./x.js`).
  for (const match of code.matchAll(/\bimport\s*\(\s*["'`]([^"'`]+\.js)["'`]\s*\)/g)) {
    if (match[1]) dynamicImports.add(match[1]);
  }
  for (const match of code.matchAll(/["'](assets\/[^"']+\.(js|css))["']/g)) {
    const path = `/${match[1]}`;
    if (match[2] === 'css') styles.add(path);
    else dynamicImports.add(path);
  }
  return { imports: [...imports], dynamicImports: [...dynamicImports], styles: [...styles] };
}

function resolveFrom(importer: string, specifier: string): string {
  return specifier.startsWith('/') ? specifier : posix.join(posix.dirname(importer), specifier);
}

/** Raw, gzip (level 9, what the server sends pre-compressed) and brotli (quality 11) sizes of one file. */
export function weigh(path: string, content: Buffer, lazy = false): FileWeight {
  return {
    path,
    raw: content.length,
    gzip: gzipSync(content, { level: 9 }).length,
    brotli: brotliCompressSync(content, { params: { [constants.BROTLI_PARAM_QUALITY]: 11 } }).length,
    lazy,
  };
}

function sum(files: readonly FileWeight[], key: 'raw' | 'gzip' | 'brotli'): number {
  return files.reduce((total, file) => total + file[key], 0);
}

/** Everything one HTML page of `clientDir` downloads, following chunk imports to the end. */
export function measurePage(clientDir: string, htmlFile: string): PageWeight {
  const htmlPath = join(clientDir, htmlFile);
  const html = readFileSync(htmlPath);
  const urlOf = (file: string) => `/${relative(clientDir, file).split('\\').join('/')}`;
  const read = (url: string): Buffer => {
    const file = join(clientDir, url.replace(/^\//, ''));
    if (!existsSync(file)) throw new Error(`${htmlFile} needs ${url}, which is not in ${clientDir}`);
    return readFileSync(file);
  };
  const refs = htmlReferences(html.toString('utf8'));
  const js = new Map<string, FileWeight>();
  const css = new Map<string, FileWeight>();
  const queue: { url: string; lazy: boolean }[] = refs.scripts.map((url) => ({ url, lazy: false }));
  for (const url of refs.styles) css.set(url, weigh(url, read(url)));
  while (queue.length > 0) {
    const next = queue.shift();
    if (!next) break;
    const known = js.get(next.url);
    if (known && (known.lazy === next.lazy || !known.lazy)) continue;
    const content = read(next.url);
    js.set(next.url, weigh(next.url, content, next.lazy));
    const found = chunkReferences(content.toString('utf8'));
    for (const spec of found.imports) queue.push({ url: resolveFrom(next.url, spec), lazy: next.lazy });
    for (const spec of found.dynamicImports) queue.push({ url: resolveFrom(next.url, spec), lazy: true });
    for (const url of found.styles) if (!css.has(url)) css.set(url, weigh(url, read(url), true));
  }
  const jsFiles = [...js.values()];
  const cssFiles = [...css.values()];
  const prefetch = refs.prefetches.filter((url) => !js.has(url)).map((url) => weigh(url, read(url)));
  return {
    page: htmlFile.replace(/\.html$/, ''),
    html: weigh(urlOf(htmlPath), html),
    js: jsFiles,
    css: cssFiles,
    prefetch,
    totals: {
      jsRaw: sum(jsFiles, 'raw'),
      jsGzip: sum(jsFiles, 'gzip'),
      jsBrotli: sum(jsFiles, 'brotli'),
      jsLazyGzip: sum(
        jsFiles.filter((f) => f.lazy),
        'gzip',
      ),
      cssRaw: sum(cssFiles, 'raw'),
      cssGzip: sum(cssFiles, 'gzip'),
      prefetchGzip: sum(prefetch, 'gzip'),
    },
  };
}

/** Every `*.html` page at the top of `clientDir`. */
export function measureClient(clientDir: string): PageWeight[] {
  if (!existsSync(clientDir)) throw new Error(`${clientDir} does not exist: build the client first`);
  return readdirSync(clientDir)
    .filter((name) => name.endsWith('.html'))
    .sort()
    .map((name) => measurePage(clientDir, name));
}

/**
 * Holds each page to its budget: all the JavaScript it can load (eager and lazy, or each to its own budget
 * where the page has a lazy one) and its CSS, gzipped.
 * A page without a budget of its own is held to `fallback` and said so, so that a new page is noticed.
 */
export function checkBudgets(
  pages: readonly PageWeight[],
  budgets: Readonly<Record<string, Budget>>,
  fallback: Budget,
): BudgetResult[] {
  return pages.map((weight) => {
    const own = budgets[weight.page];
    const budget = own ?? fallback;
    const problems: string[] = [];
    if (weight.js.length === 0) problems.push('no JavaScript found: the page or its parser is broken');
    const { jsGzip, jsLazyGzip } = weight.totals;
    const split = budget.lazyJsGzip !== undefined;
    const heldJs = split ? jsGzip - jsLazyGzip : jsGzip;
    const what = split ? 'JavaScript loaded by every visitor' : 'JavaScript';
    if (heldJs > budget.jsGzip) {
      problems.push(
        `${what} ${kbText(heldJs)} gzip is over its budget of ${kbText(budget.jsGzip)} by ${kbText(heldJs - budget.jsGzip)}`,
      );
    }
    if (budget.lazyJsGzip !== undefined && jsLazyGzip > budget.lazyJsGzip) {
      problems.push(
        `Lazy JavaScript ${kbText(jsLazyGzip)} gzip is over its budget of ${kbText(budget.lazyJsGzip)} by ${kbText(jsLazyGzip - budget.lazyJsGzip)}`,
      );
    }
    if (weight.totals.cssGzip > budget.cssGzip) {
      problems.push(
        `CSS ${kbText(weight.totals.cssGzip)} gzip is over its budget of ${kbText(budget.cssGzip)} by ${kbText(weight.totals.cssGzip - budget.cssGzip)}`,
      );
    }
    return { page: weight.page, budget, defaultBudget: own === undefined, problems };
  });
}
