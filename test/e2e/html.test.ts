// Browser test: the HTML reports of splice-on, splice-off and misconfigured fixtures render in headless Chromium,
// offline, with a sized ladder and chart; a screenshot of each lands in test-artifacts/ (git-ignored).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { runPipeline } from '../../src/pipeline.js';
import { diagnose } from '../../src/analysis/analyze.js';
import { renderChartSvg, renderHtml, renderTriageHtml } from '../../src/report/html/index.js';

const ROOT = resolve(import.meta.dirname, '..', '..', '..');
const FIX = join(ROOT, 'fixtures', 'scenarios');
const OUT = join(ROOT, 'test-artifacts', 'html');
const CHROMIUM = process.env.SPLICE_DOCTOR_CHROMIUM ?? '/usr/bin/chromium';

const CASES = [
  { file: 'at-risk-fgt-any-text-clean.txt', verdict: 'at-risk', shape: 'streaming' },
  { file: 'healthy-splice-off-fgt-any-text.txt', verdict: 'healthy', shape: 'buffered' },
  { file: 'misconfigured-fgt-any-text-replies.txt', verdict: 'misconfigured', shape: 'streaming' },
  { file: 'misconfigured-mail-any-notifies-sll.pcap', verdict: 'misconfigured', shape: 'unknown' },
];

type Playwright = typeof import('playwright-core');

async function loadPlaywright(): Promise<Playwright | string> {
  if (!existsSync(CHROMIUM)) return `no Chromium at ${CHROMIUM} (apt-get install chromium)`;
  try {
    return (await import('playwright-core')) as Playwright;
  } catch {
    return 'playwright-core is not installed (npm install -D playwright-core)';
  }
}

test('HTML reports render offline in headless Chromium with a sized ladder and chart', async (t) => {
  const pw = await loadPlaywright();
  if (typeof pw === 'string') {
    t.skip(pw);
    return;
  }
  mkdirSync(OUT, { recursive: true });
  const browser = await pw.chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  try {
    for (const c of CASES) {
      await t.test(c.file, async () => {
        const r = await runPipeline(join(FIX, c.file));
        const doc = diagnose(r);
        assert.equal(doc.verdict, c.verdict);
        const html = renderHtml({ document: doc, sessions: r.sessions });
        const file = join(OUT, `${c.file}.html`);
        writeFileSync(file, html);
        writeFileSync(join(OUT, `${c.file}.svg`), renderChartSvg({ document: doc, sessions: r.sessions }));
        const pageUrl = pathToFileURL(file).href;
        const context = await browser.newContext({ viewport: { width: 1100, height: 900 }, offline: true });
        const requests: string[] = [];
        await context.route('**/*', (route) => {
          const url = route.request().url();
          if (url === pageUrl) return route.continue();
          requests.push(url);
          return route.abort();
        });
        const page = await context.newPage();
        page.on('request', (req) => {
          if (req.url() !== pageUrl && !requests.includes(req.url())) requests.push(req.url());
        });
        const errors: string[] = [];
        page.on('pageerror', (e) => errors.push(String(e)));
        page.on('console', (m) => {
          if (m.type() === 'error') errors.push(m.text());
        });
        await page.goto(pageUrl, { waitUntil: 'load' });
        assert.deepEqual(requests, [], 'the page must not request anything');
        assert.deepEqual(errors, []);
        const badge = await page.locator('.verdict .badge').innerText();
        assert.match(badge.toLowerCase(), new RegExp(c.verdict.replace('-', '.')));
        for (const sel of ['svg.chart', 'svg.ladder']) {
          const box = await page.locator(sel).boundingBox();
          assert.ok(box && box.width > 300 && box.height > 150, `${sel} sized: ${JSON.stringify(box)}`);
        }
        assert.ok((await page.locator('svg.chart path.curve').count()) >= 1, 'chart has a curve');
        assert.ok((await page.locator('svg.ladder g.ev').count()) >= 5, 'ladder has events');
        if (c.shape !== 'unknown') assert.ok((await page.locator(`svg.chart .head-${c.shape}`).count()) >= 1, `chart headline says ${c.shape}`);
        if (c.verdict === 'misconfigured') assert.ok((await page.locator('svg.chart g.m-abort').count()) >= 1, 'abort marked');
        await page.screenshot({ path: join(OUT, `${c.file}.png`), fullPage: true });
        await page.emulateMedia({ colorScheme: 'dark' });
        await page.locator('#chart').scrollIntoViewIfNeeded();
        await page.screenshot({ path: join(OUT, `${c.file}.dark.png`), fullPage: false });
        await page.emulateMedia({ media: 'print', colorScheme: 'light' });
        const pdfBox = await page.locator('svg.chart').boundingBox();
        assert.ok(pdfBox && pdfBox.width > 300, 'chart still sized in print media');
        assert.deepEqual(requests, []);
        await context.close();
      });
    }
    await t.test('triage summary page', async () => {
      const html = renderTriageHtml([
        { path: 'a.pcap', ticket: 'T-1', document: { verdict: 'misconfigured', confidence: 'high', summary: 'x' }, href: 'reports/0001-a.pcap.html' },
        { path: 'b.pcap', ticket: null, error: { message: 'not a capture', offset: 0 } },
      ]);
      const context = await browser.newContext({ offline: true });
      const requests: string[] = [];
      await context.route('**/*', (route) => {
        requests.push(route.request().url());
        return route.abort();
      });
      const page = await context.newPage();
      await page.setContent(html, { waitUntil: 'load' });
      assert.equal(await page.locator('tbody tr').count(), 2);
      assert.deepEqual(requests, []);
      await page.screenshot({ path: join(OUT, 'triage.png'), fullPage: true });
      await context.close();
    });
  } finally {
    await browser.close();
  }
});
