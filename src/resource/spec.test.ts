import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { unifiedDiff } from './diff.js';
import { parseMode, parseResourceSpec, resolvePrefix } from './spec.js';
import { KeyView } from './view.js';

const ctx = (warnings: string[] = [], prefix = '') => ({ prefix, templateDir: '/etc/confd/templates', warn: (m: string) => warnings.push(m) });

describe('template resource files', () => {
  it('parses every confd field', () => {
    const spec = parseResourceSpec(
      '/etc/confd/conf.d/haproxy.toml',
      [
        '[template]',
        'src = "haproxy.cfg.tmpl"',
        'dest = "/etc/haproxy/haproxy.cfg"',
        'keys = ["/nginx", "/extra"]',
        'prefix = "/prod"',
        'owner = "root"',
        'group = "root"',
        'mode = "0640"',
        'check_cmd = "haproxy -c -f {{.src}}"',
        'reload_cmd = "systemctl reload haproxy"',
        '',
      ].join('\n'),
      ctx(),
    );
    assert.equal(spec.name, 'haproxy.toml');
    assert.equal(spec.src, '/etc/confd/templates/haproxy.cfg.tmpl');
    assert.equal(spec.dest, '/etc/haproxy/haproxy.cfg');
    assert.deepEqual(spec.keys, ['/nginx', '/extra']);
    assert.equal(spec.prefix, '/prod');
    assert.deepEqual(spec.watchKeys, ['/prod/nginx', '/prod/extra']);
    assert.equal(spec.uid, 0);
    assert.equal(spec.gid, 0);
    assert.equal(spec.mode, 0o640);
    assert.equal(spec.checkCmd, 'haproxy -c -f {{.src}}');
    assert.equal(spec.reloadCmd, 'systemctl reload haproxy');
  });

  it('mode "644" means 0644 (confd reads it as decimal 644)', () => {
    assert.equal(parseMode('644'), 0o644);
    assert.equal(parseMode('0644'), 0o644);
    assert.equal(parseMode('0o600'), 0o600);
    assert.equal(parseMode(420), 0o644);
    assert.equal(parseMode('rw-r--r--'), undefined);
    assert.equal(parseMode('99999'), undefined);
  });

  it('rejects a decimal TOML integer mode (644 would be 0o1204), naming file, line and key; accepts 0o644', () => {
    assert.throws(() => parseResourceSpec('/c/x.toml', '[template]\nsrc = "a"\ndest = "/tmp/a"\nmode = 644\n', ctx()), {
      message: '/c/x.toml:4: key "mode": 644 is a decimal number; write the mode as a string ("0644") or a TOML octal integer (0o644)',
    });
    assert.equal(parseResourceSpec('/c/x.toml', '[template]\nsrc = "a"\ndest = "/tmp/a"\nmode = 0o640\n', ctx()).mode, 0o640);
  });

  it("combines prefixes exactly as confd does: a global prefix replaces the resource's", () => {
    assert.equal(resolvePrefix('', ''), '/');
    assert.equal(resolvePrefix('', 'app'), '/app');
    assert.equal(resolvePrefix('', '/app'), '/app');
    assert.equal(resolvePrefix('', 'app/'), '/app/');
    assert.equal(resolvePrefix('/prod', ''), '/prod');
    assert.equal(resolvePrefix('/prod', 'app'), '/prod');
    assert.equal(resolvePrefix('prod', '/app/'), '/prod');
  });

  it('names file and line for wrong types, and file for missing fields', () => {
    assert.throws(() => parseResourceSpec('/c/x.toml', '[template]\nsrc = "a"\ndest = "/tmp/a"\nkeys = "/db"\n', ctx()), {
      message: '/c/x.toml:4: key "keys": expected an array of strings, got string',
    });
    assert.throws(() => parseResourceSpec('/c/x.toml', '[template]\ndest = "/tmp/a"\n', ctx()), { message: '/c/x.toml: [template] src is missing (empty src template)' });
    assert.throws(() => parseResourceSpec('/c/x.toml', 'src = "a"\n', ctx()), { message: '/c/x.toml: missing [template] table' });
    assert.throws(() => parseResourceSpec('/c/x.toml', '[template]\nsrc = "a"\ndest = "/tmp/a"\nmode = "rw"\n', ctx()), /\/c\/x\.toml:4: key "mode": invalid file mode "rw"/);
    assert.throws(() => parseResourceSpec('/c/x.toml', '[template]\nsrc = "a"\ndest = "/tmp/a"\nowner = "no-such-user-xyz"\n', ctx()), /\/c\/x\.toml:4: owner "no-such-user-xyz": no such user/);
    assert.throws(() => parseResourceSpec('/c/x.toml', '[template\nsrc = "a"\n', ctx()), /^ConfigError|\/c\/x\.toml:1:\d+: invalid TOML/);
  });

  it('warns about unknown keys with their line', () => {
    const w: string[] = [];
    parseResourceSpec('/c/x.toml', '[template]\nsrc = "a"\ndest = "/tmp/a"\nreload = "x"\n', ctx(w));
    assert.deepEqual(w, ['/c/x.toml:4: unknown key "reload" in [template] ignored']);
  });
});

describe('key views', () => {
  it('filters by raw prefix and strips the prefix by raw string (the /apple quirk)', () => {
    const v = new KeyView('/app', ['/app']);
    v.reset(new Map([['/app/db/host', 'h'], ['/apple/pie', 'p'], ['/app', 'root'], ['/other', 'x']]));
    assert.deepEqual(v.store.entries(), [['/', 'root'], ['/db/host', 'h'], ['/le/pie', 'p']]);
    assert.equal(v.put('/other/y', '1'), false);
    assert.equal(v.put('/app/db/host', 'h'), false); // same value: nothing to render
    assert.equal(v.put('/app/db/host', 'h2'), true);
    assert.equal(v.delete('/app/db/host'), true);
    assert.equal(v.store.has('/db/host'), false);
  });
});

describe('unified diff', () => {
  const cases: Array<[string, string]> = [
    ['a\nb\nc\n', 'a\nB\nc\n'],
    ['', 'new\n'],
    ['1\n2\n3\n4\n5\n6\n7\n8\n9\n10\n11\n12\n', '1\n2\nx\n4\n5\n6\n7\n8\n9\n10\ny\n12\n13\n'],
    ['keep\nremove me\nkeep2\n', 'keep\nkeep2\nadded\n'],
    ['no newline', 'no newline\n'],
  ];
  const dir = mkdtempSync(join(tmpdir(), 'diff-'));
  const haveDiff = spawnSync('diff', ['--version']).status === 0;
  for (const [a, b] of cases) {
    it(`matches diff -u for ${JSON.stringify(a).slice(0, 30)}`, { skip: haveDiff ? false : 'diff(1) not installed' }, () => {
      writeFileSync(join(dir, 'a'), a);
      writeFileSync(join(dir, 'b'), b);
      const want = spawnSync('diff', ['-u', '--label', 'old', '--label', 'new', join(dir, 'a'), join(dir, 'b')], { encoding: 'utf8' }).stdout;
      assert.equal(unifiedDiff(a, b, { oldName: 'old', newName: 'new' }), want);
    });
  }
  it('is empty for equal texts', () => {
    assert.equal(unifiedDiff('x\n', 'x\n', { oldName: 'a', newName: 'b' }), '');
    rmSync(dir, { recursive: true, force: true });
  });
});
