// The profile summary names the bottlenecks in the bench report: self and inclusive times must add up right.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { formatProfile, summarizeProfile } from './profile.js';

const frame = (functionName: string, lineNumber = 0) => ({ functionName, url: 'file:///app/x.js', lineNumber, scriptId: '1', columnNumber: 0 });

test('summarizeProfile attributes self and inclusive time, counts recursion once and leaves out idle', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'bench-profile-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  // (root) -> main -> render -> render (recursive) ; (root) -> (idle)
  const profile = {
    nodes: [
      { id: 1, callFrame: { ...frame('(root)'), url: '' }, children: [2, 5] },
      { id: 2, callFrame: frame('main', 0), children: [3] },
      { id: 3, callFrame: frame('render', 9), children: [4] },
      { id: 4, callFrame: frame('render', 9), children: [] },
      { id: 5, callFrame: { ...frame('(idle)'), url: '' }, children: [] },
    ],
    startTime: 0,
    endTime: 10_000,
    // Each sample i lasts timeDeltas[i + 1] microseconds.
    samples: [4, 3, 2, 5, 4],
    timeDeltas: [0, 1000, 2000, 3000, 4000, 0],
  };
  const path = join(dir, 'p.cpuprofile');
  writeFileSync(path, JSON.stringify(profile));
  const s = summarizeProfile(path, '/app');
  const get = (name: string) => s.functions.find((f) => f.name === name);
  assert.equal(s.totalMs, 10);
  assert.equal(s.idleMs, 4);
  // render: leaf in samples 0 (1 ms) and 4 (0 ms), own frame in sample 1 (2 ms): recursion not double-counted.
  assert.deepEqual(get('render x.js:10'), { name: 'render x.js:10', selfMs: 3, totalMs: 3 });
  assert.deepEqual(get('main x.js:1'), { name: 'main x.js:1', selfMs: 3, totalMs: 6 });
  assert.equal(get('(idle)'), undefined);
  assert.match(formatProfile(s), /top by self time:\n\s+3 ms self\s+\d+ ms total/);
});
