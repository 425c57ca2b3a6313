import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { BackendOptions } from '../types.js';
import { createEnvBackend, envKey, envName } from './index.js';

const o: BackendOptions = {
  nodes: [],
  scheme: 'http',
  clientInsecure: false,
  basicAuth: false,
  files: [],
  filter: '*',
  separator: '/',
  requestTimeoutMs: 1000,
};

describe('env backend', () => {
  it('maps keys to names and back as confd\'s transform/clean', () => {
    assert.equal(envName('/app/db_host'), 'APP_DB_HOST');
    assert.equal(envName('app/db'), 'APP_DB');
    assert.equal(envName('/'), '');
    assert.equal(envKey('APP_DB_HOST'), '/app/db/host');
    assert.equal(envKey('Path'), '/path');
  });

  it('reads variables by raw name prefix, and has no watch', async () => {
    const env: Record<string, string | undefined> = { APP_DB_HOST: 'db', APP_DBX: 'x', APP_CACHE: 'c', OTHER: 'o', UNSET: undefined };
    const b = createEnvBackend(o, { environ: () => env });
    assert.equal(b.watch, undefined);
    const s = await b.read(['/app/db']);
    assert.deepEqual(Object.fromEntries(s.values), { '/app/db/host': 'db', '/app/dbx': 'x' });
    const all = await b.read(['/']);
    assert.deepEqual(Object.fromEntries(all.values), { '/app/db/host': 'db', '/app/dbx': 'x', '/app/cache': 'c', '/other': 'o' });
    const r1 = (await b.read(['/app'])).revision;
    assert.equal((await b.read(['/app'])).revision, r1);
    env.APP_CACHE = 'changed';
    assert.ok((await b.read(['/app'])).revision > r1);
    await b.close();
  });

  it('reads process.env by default', async () => {
    process.env.CONFD_TS_ENV_TEST_KEY = 'v';
    try {
      const s = await createEnvBackend(o).read(['/confd/ts/env/test']);
      assert.equal(s.values.get('/confd/ts/env/test/key'), 'v');
    } finally {
      delete process.env.CONFD_TS_ENV_TEST_KEY;
    }
  });
});
