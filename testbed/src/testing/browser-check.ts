/**
 * Test-only: opens a report.html in headless Chromium (Debian's /usr/bin/chromium, driven by
 * playwright-core; no browser download) with the network cut off, and reports what a person would
 * see: console errors, page errors, requests that left the file, and, per chart, how many marks
 * it drew. Takes a full-page screenshot.
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

export const CHROMIUM_PATHS = ['/usr/bin/chromium', '/usr/bin/chromium-browser'];

export function findChromium(): string | undefined {
  const fromEnv = process.env.CHROMIUM_PATH;
  if (fromEnv && existsSync(fromEnv)) return fromEnv;
  return CHROMIUM_PATHS.find((p) => existsSync(p));
}

export interface ChartCheck {
  id: string;
  /** Drawn marks: paths, rects, lines, text and symbols inside vega's mark groups. */
  marks: number;
  width: number;
  height: number;
}

export interface BrowserCheck {
  title: string;
  consoleErrors: string[];
  pageErrors: string[];
  /** Requests to anything but the file itself (a self-contained page makes none). */
  externalRequests: string[];
  charts: ChartCheck[];
  screenshot: string;
}

export async function checkReportInBrowser(htmlFile: string, screenshot: string, executablePath = findChromium()): Promise<BrowserCheck> {
  if (!executablePath) throw new Error('chromium is not installed (apt-get install -y chromium)');
  const { chromium } = await import('playwright-core');
  const userDataDir = mkdtempSync(join(tmpdir(), 'report-chromium-'));
  const args = [
    '--headless',
    '--no-sandbox',
    '--disable-gpu',
    '--disable-quic',
    '--no-first-run',
    '--disable-background-networking',
    '--disable-component-update',
    '--disable-sync',
  ];
  // A fresh profile each time (playwright passes it as --user-data-dir).
  const context = await chromium.launchPersistentContext(userDataDir, { executablePath, args, headless: true, timeout: 60_000, viewport: { width: 1200, height: 900 } });
  try {
    const page = context.pages()[0] ?? (await context.newPage());
    const out: BrowserCheck = { title: '', consoleErrors: [], pageErrors: [], externalRequests: [], charts: [], screenshot };
    page.on('console', (m) => {
      if (m.type() === 'error') out.consoleErrors.push(m.text());
    });
    page.on('pageerror', (e) => out.pageErrors.push(e.message));
    const url = pathToFileURL(htmlFile).href;
    await page.route('**/*', (route) => {
      const u = route.request().url();
      if (u === url || u.startsWith(`${url}#`)) return route.continue();
      out.externalRequests.push(u);
      return route.abort();
    });
    await page.goto(url, { waitUntil: 'load', timeout: 30_000 });
    out.title = await page.title();
    out.charts = await page.$$eval('figure.chart', (figures) =>
      figures.map((f) => {
        const svg = f.querySelector('svg');
        const box = svg?.getBoundingClientRect();
        const marks = svg ? svg.querySelectorAll('g[class*="role-mark"] path, g[class*="role-mark"] rect, g[class*="role-mark"] line, g[class*="role-mark"] text, g[class*="role-mark"] circle').length : 0;
        return { id: f.getAttribute('data-chart') ?? '', marks, width: box?.width ?? 0, height: box?.height ?? 0 };
      }),
    );
    await page.screenshot({ path: screenshot, fullPage: true });
    return out;
  } finally {
    await context.close();
    rmSync(userDataDir, { recursive: true, force: true });
  }
}
