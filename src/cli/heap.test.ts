import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { boundHeapGrowth, DAEMON_HEAP_GROWING_PERCENT } from './heap.js';

describe('boundHeapGrowth', () => {
  it('sets a fixed heap growing factor for the daemon', () => {
    assert.equal(boundHeapGrowth({ execArgv: [] }), `--heap-growing-percent=${DAEMON_HEAP_GROWING_PERCENT}`);
    assert.equal(boundHeapGrowth({ execArgv: ['--max-old-space-size=900'] }), `--heap-growing-percent=${DAEMON_HEAP_GROWING_PERCENT}`);
  });

  it("keeps the user's own choice from node's command line", () => {
    assert.equal(boundHeapGrowth({ execArgv: ['--heap-growing-percent=20'] }), undefined);
    assert.equal(boundHeapGrowth({ execArgv: ['--trace-gc', '--heap_growing_percent=80'] }), undefined);
  });
});
