// Byte semantics and complex constants (test/fixtures/conformance/bytes.json): cases written for issue 12, each
// with a `source` naming where its expected output comes from (Go 1.19's documented behaviour, Go's own test
// tables, or a measurement of the Go confd). They run like the Go confd corpus (-onetime, file backend), with
// binary values given as YAML `!!binary` (go-yaml v2 decodes them to the raw bytes) and binary outputs as hex.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { confdBin, fixturesDir, requireBuilt } from './daemon-support.js';

interface BytesCase {
  id: string;
  source: string;
  keys: Record<string, string>;
  binaryKeys?: Record<string, string>;
  resourceKeys: string[];
  template: string;
  expect: { ok: true; output?: string; outputHex?: string } | { ok: false };
}

function keysYaml(c: BytesCase): string {
  const lines = Object.entries(c.keys).map(([k, v]) => `${JSON.stringify(k)}: ${JSON.stringify(v)}`);
  for (const [k, b64] of Object.entries(c.binaryKeys ?? {})) lines.push(`${JSON.stringify(k)}: !!binary ${b64}`);
  return lines.length === 0 ? '{}\n' : `${lines.join('\n')}\n`;
}

function runCase(c: BytesCase): Promise<string | null> {
  const dir = mkdtempSync(join(tmpdir(), 'confd-bytes-'));
  mkdirSync(join(dir, 'conf.d'));
  mkdirSync(join(dir, 'templates'));
  const dest = join(dir, 'out.conf');
  const q = JSON.stringify;
  writeFileSync(join(dir, 'conf.d', 'case.toml'), `[template]\nsrc = "case.tmpl"\ndest = ${q(dest)}\nkeys = [${c.resourceKeys.map((k) => q(k)).join(', ')}]\n`);
  writeFileSync(join(dir, 'templates', 'case.tmpl'), c.template);
  writeFileSync(join(dir, 'keys.yaml'), keysYaml(c));
  return new Promise((resolve) => {
    const p = spawn(confdBin, ['-onetime', '-backend', 'file', '-file', join(dir, 'keys.yaml'), '-confdir', dir, '-log-level', 'error'], {
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let err = '';
    p.stderr.on('data', (d: Buffer) => (err += d.toString()));
    p.on('close', (code) => {
      const out = existsSync(dest) ? readFileSync(dest) : null;
      rmSync(dir, { recursive: true, force: true });
      let why: string | null = null;
      if (c.expect.ok) {
        const want = c.expect.outputHex ?? Buffer.from(c.expect.output ?? '', 'utf8').toString('hex');
        if (code !== 0) why = `exit ${code}: ${err.trim()}`;
        else if (out?.toString('hex') !== want) why = `got ${out?.toString('hex')} (${JSON.stringify(out?.toString('latin1'))}), want ${want}`;
      } else if (code === 0 || out !== null) why = `should fail (exit ${code}, dest ${out === null ? 'absent' : 'written'})`;
      resolve(why === null ? null : `${c.id}: ${why}`);
    });
  });
}

test('conformance: Go byte semantics and complex constants (bytes.json)', async () => {
  requireBuilt();
  const cases = JSON.parse(readFileSync(join(fixturesDir, 'conformance', 'bytes.json'), 'utf8')) as BytesCase[];
  assert.ok(cases.length >= 20);
  for (const c of cases) assert.ok(c.source.length > 10, `${c.id} says where its expected output comes from`);
  const failures: string[] = [];
  let next = 0;
  await Promise.all(
    [0, 1].map(async () => {
      while (next < cases.length) {
        const r = await runCase(cases[next++]!);
        if (r !== null) failures.push(r);
      }
    }),
  );
  assert.deepEqual(failures, [], `${failures.length}/${cases.length} cases failed:\n${failures.join('\n')}`);
});
