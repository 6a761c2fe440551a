// Browser test: the HTML reports of splice-on, splice-off and misconfigured fixtures render in headless Chromium,
// offline, with a sized ladder and chart; a screenshot of each lands in test-artifacts/ (git-ignored).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { runPipeline } from '../../src/pipeline.js';
import { diagnose } from '../../src/analysis/analyze.js';
import { renderChartSvg, renderHtml, writeTriageHtml } from '../../src/report/html/index.js';

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
  // One context and one page for all reports (a new page costs seconds on a busy machine); every request but the
  // page being tested is recorded and refused.
  const context = await browser.newContext({ viewport: { width: 1100, height: 900 }, offline: true });
  let allowed = '';
  const requests: string[] = [];
  const errors: string[] = [];
  await context.route('**/*', (route) => {
    const url = route.request().url();
    if (url === allowed) return route.continue();
    requests.push(url);
    return route.abort();
  });
  const page = await context.newPage();
  page.on('request', (req) => {
    if (req.url() !== allowed && !requests.includes(req.url())) requests.push(req.url());
  });
  page.on('pageerror', (e) => errors.push(String(e)));
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(m.text());
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
        const svgFile = join(OUT, `${c.file}.svg`);
        writeFileSync(svgFile, renderChartSvg({ document: doc, sessions: r.sessions }));
        requests.length = 0;
        errors.length = 0;
        allowed = pathToFileURL(file).href;
        await page.emulateMedia({ media: 'screen', colorScheme: 'light' });
        await page.goto(allowed, { waitUntil: 'load' });
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
        await page.screenshot({ path: join(OUT, `${c.file}.dark.png`) });
        await page.emulateMedia({ media: 'print', colorScheme: 'light' });
        const printBox = await page.locator('svg.chart').boundingBox();
        assert.ok(printBox && printBox.width > 300, 'chart still sized in print media');
        // The standalone chart file opens on its own too.
        allowed = pathToFileURL(svgFile).href;
        await page.emulateMedia({ media: 'screen', colorScheme: 'light' });
        await page.goto(allowed, { waitUntil: 'load' });
        const svgBox = await page.locator('svg').first().boundingBox();
        assert.ok(svgBox && svgBox.width > 300 && svgBox.height > 150, `standalone SVG sized: ${JSON.stringify(svgBox)}`);
        assert.deepEqual(requests, []);
        assert.deepEqual(errors, []);
      });
    }
    await t.test('triage summary page links each report', async () => {
      const dir = join(OUT, 'triage');
      const docs = new Map<string, { html: string; verdict: string }>();
      for (const c of CASES) {
        const r = await runPipeline(join(FIX, c.file));
        const document = diagnose(r);
        docs.set(c.file, { html: renderHtml({ document, sessions: r.sessions }), verdict: document.verdict });
      }
      const res = await writeTriageHtml(
        dir,
        [
          ...CASES.map((c) => ({ path: c.file, ticket: `T-${c.file.length}`, document: { verdict: docs.get(c.file)!.verdict, confidence: 'high', summary: c.file } })),
          { path: 'broken.pcap', ticket: null, error: { message: 'not a capture file', offset: 0 } },
        ],
        async (p) => docs.get(p)?.html ?? null,
      );
      requests.length = 0;
      errors.length = 0;
      allowed = pathToFileURL(res.index).href;
      await page.goto(allowed, { waitUntil: 'load' });
      assert.equal(await page.locator('tbody tr').count(), CASES.length + 1);
      assert.deepEqual(requests, []);
      await page.screenshot({ path: join(OUT, 'triage.png'), fullPage: true });
      const link = page.locator('tbody a').first();
      const href = await link.getAttribute('href');
      assert.ok(href && href.startsWith('reports/'), String(href));
      allowed = new URL(href, allowed).href;
      await link.click();
      await page.waitForLoadState('load');
      assert.equal(page.url(), allowed);
      assert.ok((await page.locator('svg.chart').count()) === 1);
      assert.deepEqual(requests, []);
      assert.deepEqual(errors, []);
    });
  } finally {
    await context.close();
    await browser.close();
  }
});
