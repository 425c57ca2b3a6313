// The live status page in a real browser (Debian's chromium, headless, driven by playwright-core; no browser is
// ever downloaded) against a daemon following a real etcd: it shows each resource with its dest and the revision
// applied, and that revision moves after a put without reloading the page. A held change (the guard's event) is
// shown with its counts and goes away when released: that part drives the endpoint in-process with events, as the
// guard will emit them. Screenshots go to test-output/.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { ServerBinaryMissingError } from '../tools/devservers/process.js';
import { startEtcd } from '../tools/devservers/etcd.js';
import { EventBus } from '../src/observe/events.js';
import { DEFAULT_READY, ObservedState } from '../src/observe/state.js';
import { startObserveServer } from '../src/http/server.js';
import { readIf, repoRoot, requireBuilt, tempDir, waitFor, writeResource } from './daemon-support.js';
import { requireServer } from './support/servers.js';
import { eventually, ready, startObservedDaemon } from './support/observe.js';

before(() => requireBuilt());

const CHROMIUM = process.env['CHROMIUM_BIN'] ?? '/usr/bin/chromium';
const outputDir = join(repoRoot, 'test-output');

/** One headless chromium with a fresh profile for the file (starting it is most of these tests' time). */
let shared: { ctx: BrowserContext; profile: string } | undefined;
async function browser(): Promise<BrowserContext> {
  if (shared) return shared.ctx;
  const profile = mkdtempSync(join(tmpdir(), 'confd-chromium-'));
  const ctx = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    viewport: { width: 1280, height: 900 },
  });
  shared = { ctx, profile };
  return ctx;
}
after(async () => {
  if (!shared) return;
  await shared.ctx.close();
  rmSync(shared.profile, { recursive: true, force: true });
});

async function shot(page: Page, name: string): Promise<void> {
  mkdirSync(outputDir, { recursive: true });
  const path = join(outputDir, name);
  await page.screenshot({ path, fullPage: true });
  console.log(`# screenshot: ${path}`);
}

describe('status page', () => {
  it('shows resources with dest and revision, and the revision moves after a put', async (t) => {
    if (!requireServer(t, CHROMIUM, 'etcd')) return;
    let etcd;
    try {
      etcd = await startEtcd({ name: 'status-page' });
    } catch (e) {
      if (e instanceof ServerBinaryMissingError && process.env['REQUIRE_SERVERS'] !== '1') return t.skip(e.message);
      throw e;
    }
    t.after(() => etcd.stop());
    await etcd.ctl(['put', '/web/upstream/a', '10.0.0.1:80']);
    const dir = tempDir(t);
    const dest = join(dir, 'upstream.conf');
    writeResource(join(dir, 'confd'), {
      name: 'upstream',
      template: 'upstream app {\n{{range getvs "/web/upstream/*"}}  server {{.}};\n{{end}}}\n',
      dest,
      keys: ['/web'],
    });
    const { confd, base } = await startObservedDaemon(t, { endpoint: etcd.endpoint, confdir: join(dir, 'confd') });
    await eventually(async () => (await ready(base)).status === 200, 15_000, () => confd.stderr());

    const page = await (await browser()).newPage();
    t.after(() => page.close());
    await page.goto(`${base}/`);
    const row = page.locator('tr[data-resource="upstream.toml"]');
    await row.waitFor({ timeout: 10_000 });
    assert.equal(await page.locator('#ready').textContent(), 'ready');
    assert.equal(await row.locator('td').nth(1).textContent(), dest);
    assert.equal(await row.locator('td.keys').textContent(), '1');
    assert.equal(await page.locator('#backend-state').textContent(), 'connected');
    const before = Number(await row.locator('td.revision').textContent());
    assert.ok(before > 0, `revision shown: ${before}`);
    await page.locator('#members td', { hasText: 'leader' }).waitFor({ timeout: 10_000 });
    await shot(page, 'status-page-before.png');

    await etcd.ctl(['put', '/web/upstream/b', '10.0.0.2:80']);
    await waitFor(() => (readIf(dest) ?? '').includes('10.0.0.2:80'), 10_000, () => confd.stderr());
    // No reload: the page follows the daemon's event stream.
    // (Page functions as strings: they run in the browser, whose DOM types this project does not compile against.)
    await page.waitForFunction(`Number(document.querySelector('tr[data-resource="upstream.toml"] td.revision')?.textContent) > ${before}`, undefined, { timeout: 10_000 });
    const after = Number(await row.locator('td.revision').textContent());
    assert.ok(after > before, `revision ${before} -> ${after}`);
    assert.equal(await row.locator('td.keys').textContent(), '2');
    // The last diff shows the added server.
    await page.locator('[data-diff="upstream.toml"] .add', { hasText: 'server 10.0.0.2:80;' }).waitFor({ timeout: 10_000 });
    await shot(page, 'status-page-after.png');

    confd.signal('SIGTERM');
    assert.equal((await confd.exited).code, 0);
  });

  it('shows a held change with its counts, live, and clears it when released', async (t) => {
    if (!requireServer(t, CHROMIUM)) return;
    const bus = new EventBus();
    const state = new ObservedState();
    state.attach(bus);
    const server = await startObserveServer({ address: '127.0.0.1:0', bus, state, ready: DEFAULT_READY, pushIntervalMs: 20 });
    t.after(() => server.close());
    const res = { file: '/etc/confd/conf.d/haproxy.toml', name: 'haproxy.toml', dest: '/etc/haproxy/haproxy.cfg' };
    bus.emit({ type: 'resources-loaded', resources: [res], broken: [] });
    bus.emit({ type: 'backend-connected', backend: 'etcdv3', stream: true });
    bus.emit({ type: 'changes-received', revision: 41n });
    bus.emit({ type: 'revision-applied', resource: res, revision: 41n, changedAt: undefined, installed: true });
    bus.emit({ type: 'idle', revision: 41n });

    const page = await (await browser()).newPage();
    t.after(() => page.close());
    await page.goto(`${server.url}/`);
    const held = page.locator('tr[data-resource="haproxy.toml"] td.held');
    await held.waitFor({ timeout: 10_000 });
    assert.equal(await held.textContent(), 'none');
    assert.equal(await page.locator('#ready').textContent(), 'ready');

    bus.emit({ type: 'held', resource: res, held: { reason: 'removes more than 50% of the servers', removed: 8, total: 10, examples: ['web1', 'web2', 'web3'], since: Date.now() } });
    await page.locator('tr[data-resource="haproxy.toml"] td.held', { hasText: 'would remove 8 of 10' }).waitFor({ timeout: 10_000 });
    assert.match((await held.textContent()) ?? '', /removes more than 50% of the servers.*e\.g\. web1, web2, web3/);
    assert.equal(await page.locator('#ready').textContent(), 'not ready');
    assert.match((await page.locator('#reasons').textContent()) ?? '', /haproxy\.toml: a change is held/);
    await shot(page, 'status-page-held.png');

    bus.emit({ type: 'released', resource: res });
    await page.waitForFunction(`document.querySelector('tr[data-resource="haproxy.toml"] td.held')?.textContent === 'none'`, undefined, { timeout: 10_000 });
    assert.equal(await page.locator('#ready').textContent(), 'ready');
  });
});
