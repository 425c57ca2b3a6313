// The fast parser's line loops (quotedLines for `"key": "value"` files, plainLines for nested `key: value` files)
// and its duplicate detection by path, against the full parser: wherever the fast parser accepts, both give the
// same keys in the same order. yaml.test.ts covers the subset as a whole; these inputs aim at the loops' edges:
// where a loop stops and hands the line to the main loop, and keys that meet again.

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { parseSimpleYamlKeys } from './simpleyaml.js';
import { parseFullYamlKeys, parseYamlKeys } from './yaml.js';
import { prng as rng } from '../../../test/support/prng.js';

function simple(text: string): [string, string][] | null {
  const m = new Map<string, string>();
  return parseSimpleYamlKeys(text, m) ? [...m] : null;
}

function full(text: string): [string, string][] | string {
  const m = new Map<string, string>();
  try {
    parseFullYamlKeys('k.yaml', text, m);
  } catch (e) {
    return (e as Error).message;
  }
  return [...m];
}

/** Asserts agreement where the fast parser accepts; returns whether it did. */
function agree(text: string): boolean {
  const s = simple(text);
  if (s === null) return false;
  assert.deepEqual(s, full(text), JSON.stringify(text));
  return true;
}

const q = (k: string, v: string): string => `"${k}": "${v}"`;

describe('quoted lines ("key": "value")', () => {
  it('takes whole files and hands odd lines to the main loop', () => {
    const accepted: [string, Record<string, string>][] = [
      [`${q('/a/b', '1')}\n${q('/a/c', '2')}`, { '/a/b': '1', '/a/c': '2' }], // no final newline
      [`${q('/a', '1')}   \n${q('/b', '2')} # note\n`, { '/a': '1', '/b': '2' }],
      [`# head\n\n${q('/a', '1')}\n\n${q('/b', 'x: y # z')}\n`, { '/a': '1', '/b': 'x: y # z' }],
      [`---\n${q('/a', '')}\n${q('', 'root')}\n`, { '/a': '', '/': 'root' }],
      [`${q('/a', '1')}\n"/b":   "2"\n${q('/c', '3')}\n`, { '/a': '1', '/b': '2', '/c': '3' }], // main loop, then back
      [`${q('/a', '1')}\nb: 2\n${q('/c', "it's")}\n`, { '/a': '1', '/b': '2', '/c': "it's" }],
      [`${q('/a', '1')}\nk:\n  m: x\n${q('/c', '3')}\n`, { '/a': '1', '/k/m': 'x', '/c': '3' }],
      [`${q('/a', '1')}\nl:\n- x\n${q('/c', '3')}\n`, { '/a': '1', '/l/0': 'x', '/c': '3' }],
      [`${q('a//b/', '1')}\n${q('../c', '2')}\n${q('/.d', '3')}\n${q('é/日本', '4')}\n`, { '/a/b': '1', '/c': '2', '/.d': '3', '/é/日本': '4' }],
      [`'/a': '1'\n${q('/b', '2')}\n`, { '/a': '1', '/b': '2' }],
      [`# a \\ in a comment: no quoted lines loop, same keys\n${q('/a', '1')}\n`, { '/a': '1' }],
      [`${q('k'.repeat(998), 'v')}\n`, { [`/${'k'.repeat(998)}`]: 'v' }],
    ];
    for (const [text, want] of accepted) {
      assert.ok(agree(text), `refused: ${JSON.stringify(text)}`);
      assert.deepEqual(Object.fromEntries(simple(text) ?? []), want, JSON.stringify(text));
    }
  });

  it('leaves everything else to the full parser', () => {
    const refused = [
      '"/a":"1"\n', '"/a": "1\n"\n', '"/a\n": "1"\n', '"/a": "1" x\n', '"/a": "1"x\n', '"/a": "1\\t"\n', '"/a": "1',
      `${q('k'.repeat(999), 'v')}\n`, '"/a": "1"\n  "/b": "2"\n', '"/a": "1"\n- x\n', '"/a": "1"\n---\n"/b": "2"\n',
    ];
    for (const text of refused) assert.equal(simple(text), null, JSON.stringify(text));
  });

  it('refuses keys whose path was seen before: duplicates, and paths met twice', () => {
    const refused = [
      `${q('/a', '1')}\n${q('/a', '2')}\n`, // a duplicate key: the full parser keeps the first place and the last value
      `${q('/a/b', '1')}\n${q('a/b', '2')}\n`, // not a duplicate, but the same path
      `${q('/a', '1')}\n${q('/x/../a', '2')}\n`,
      `a:\n${q('/a', '1')}\n`, // after a null
      `a:\n  b: 1\n${q('/a', '2')}\n`, // after a mapping
      `${q('/a/b', '1')}\na:\n  b: 2\n`,
    ];
    for (const text of refused) {
      assert.equal(simple(text), null, JSON.stringify(text));
      const m = new Map<string, string>();
      parseYamlKeys('k.yaml', text, m); // the full parser's result, as before this fast path
      assert.deepEqual([...m], full(text), JSON.stringify(text));
    }
  });
});

describe('plain lines (nested key: value)', () => {
  it('takes nested mappings and hands odd lines to the main loop', () => {
    const accepted: [string, Record<string, string>][] = [
      ['a:\n  b:\n    c: 1\n    d: x\n  e:\n    f: 2\ng: 3\n', { '/a/b/c': '1', '/a/b/d': 'x', '/a/e/f': '2', '/g': '3' }],
      ['a:\n   b: 1\n   c:\n        d: 2\n   e: 3', { '/a/b': '1', '/a/c/d': '2', '/a/e': '3' }], // odd but consistent indents
      ['a:\nb:\n  c:\nd: 1\n', { '/d': '1' }], // pending keys that stay null
      ['a:\n  b: 1\n\n  # c\n  c: 2 # two\n  d: 3   \n', { '/a/b': '1', '/a/c': '2', '/a/d': '3' }],
      ['a:\n  l:\n  - x\n  - z\n  b: 1\nc: 2\n', { '/a/l/0': 'x', '/a/l/1': 'z', '/a/b': '1', '/c': '2' }], // sequence at its key's indent
      ['a:\n  l:\n    - x\n  b: 1\n', { '/a/l/0': 'x', '/a/b': '1' }],
      ['a:\n  "b c": 1\n  d: "e f"\n  g: \'h\'\n  i: j\n', { '/a/b c': '1', '/a/d': 'e f', '/a/g': 'h', '/a/i': 'j' }],
      ['a:\n  b: ~\n  c: null\n  d: 18446744073709551615\n  e: yes\n  f: 0x1F\n  g: 1.50\n  h: .inf\n  i: -1\n', {
        '/a/e': 'true', '/a/f': '31', '/a/g': '1.5', '/a/h': '+Inf', '/a/i': '-1',
      }],
      ['a:\n  b/c: 1\n  d.e: 2\n  _f: 3\n', { '/a/b/c': '1', '/a/d.e': '2', '/a/_f': '3' }],
      ['a:\n  b:\n    c: 1\n  d:\n    e: 2\n', { '/a/b/c': '1', '/a/d/e': '2' }],
    ];
    for (const [text, want] of accepted) {
      assert.ok(agree(text), `refused: ${JSON.stringify(text)}`);
      assert.deepEqual(Object.fromEntries(simple(text) ?? []), want, JSON.stringify(text));
    }
  });

  it('leaves everything else to the full parser', () => {
    const refused = [
      'a:\n  b: 1\n c: 2\n', 'a:\n    b: 1\n  c: 2\n', 'a:\n  b: 1\n    c: 2\n', 'a:\n  yes: 1\n', 'a:\n  1: x\n', 'a:\n  null: x\n',
      'a:\n  b: c: d\n', 'l:\n- a\n  b: 1\n', 'l:\n-\n  b: 1\n', `a:\n  ${'k'.repeat(999)}: v\n`, 'a:\n  b: 1\n---\nc: 2\n',
    ];
    for (const text of refused) assert.equal(simple(text), null, JSON.stringify(text));
  });

  it('refuses keys whose path was seen before: duplicates anywhere in a mapping, and paths met twice', () => {
    const refused = [
      'a:\n  b: 1\n  c: 2\n  b: 3\n', // duplicate leaf, not adjacent
      'a:\n  b: 1\na:\n  c: 2\n', // duplicate mapping key: the full parser keeps the second mapping only
      'a:\n  b:\n    x: 1\n  b: 2\n',
      'a:\nb: 1\na: 2\n', // the first was null
      'a: ~\na: 1\n',
      'a:\n  b: ~\n  b:\n    c: 1\n',
      'a/b: 1\na:\n  b: 2\n', // different keys, same path
      'a:\n  b: 1\na/b: 2\n',
      'a:\n  ".": 1\n',
      'l:\n- x\nl/0: y\n',
    ];
    for (const text of refused) {
      assert.equal(simple(text), null, JSON.stringify(text));
      const m = new Map<string, string>();
      parseYamlKeys('k.yaml', text, m);
      assert.deepEqual([...m], full(text), JSON.stringify(text));
    }
    // A sequence item may meet a key's path: no duplicate key, and both parsers set it twice.
    assert.ok(agree('"l/0": x\nl:\n- y\n'));
  });
});


function pick<T>(r: () => number, xs: readonly T[]): T {
  return xs[Math.floor(r() * xs.length)] as T;
}

/** Mostly distinct names (so that most files are accepted), sometimes one that meets another or is refused. */
function name(r: () => number): string {
  return r() < 0.8 ? `n${Math.floor(r() * 400)}` : pick(r, NAMES);
}

const NAMES = ['a', 'b', 'c', 'd0.example.com', 's01', 'ip', 'port', 'x/y', '.', '..', 'a//b', 'yes', 'null', '1', 'k k', '_k'];
const VALUES = ['1', '10.0.0.1', '8000', 'web', 'yes', '~', '', 'a b', 'x: y', 'a # b', '0x1F', '1.50', "it's", '-1', 'é'];

/** Files like the common ones (runs of quoted lines, nested plain mappings) with near misses mixed in. */
function genFile(r: () => number): string {
  const lines: string[] = [];
  const runs = 1 + Math.floor(r() * 4);
  for (let k = 0; k < runs; k++) {
    if (r() < 0.5) {
      const n = 1 + Math.floor(r() * 6);
      for (let i = 0; i < n; i++) {
        const key = r() < 0.8 ? `/${name(r)}/${name(r)}` : name(r);
        const sep = r() < 0.9 ? ': ' : pick(r, [':', ':  ', ' : ']);
        const tail = r() < 0.85 ? '' : pick(r, ['  ', ' # c', '#c', ' x']);
        lines.push(`"${key}"${sep}"${pick(r, VALUES)}"${tail}`);
        if (r() < 0.05) lines.push(pick(r, ['', '# c', '  # c']));
      }
    } else {
      const nest = (indent: number, depth: number): void => {
        const n = 1 + Math.floor(r() * 4);
        for (let i = 0; i < n; i++) {
          const pad = ' '.repeat(Math.max(0, indent + (r() < 0.03 ? pick(r, [-1, 1]) : 0)));
          const key = name(r);
          const x = r();
          if (depth < 3 && x < 0.35) {
            lines.push(`${pad}${key}:`);
            nest(indent + pick(r, [1, 2, 2, 4]), depth + 1);
          } else if (x < 0.4) {
            lines.push(`${pad}${key}:`);
            if (r() < 0.5) lines.push(`${pad}${r() < 0.5 ? '' : '  '}- ${pick(r, VALUES)}`);
          } else {
            const v = pick(r, VALUES);
            lines.push(`${pad}${key}: ${r() < 0.8 ? v : `"${v}"`}${r() < 0.9 ? '' : pick(r, ['  ', ' # c'])}`);
          }
          if (r() < 0.05) lines.push(pick(r, ['', '# c', `${pad}# c`]));
        }
      };
      nest(0, 0);
    }
  }
  return lines.join('\n') + (r() < 0.9 ? '\n' : '');
}

describe('generated files of the common shapes', () => {
  it('agree with the full parser wherever the fast parser accepts', () => {
    const r = rng(6);
    let accepted = 0;
    const N = 3000;
    for (let k = 0; k < N; k++) {
      let text = genFile(r);
      if (r() < 0.3) {
        const at = Math.floor(r() * text.length);
        text = text.slice(0, at) + pick(r, [' ', ':', '"', '\n', '#', '-', '\\', '']) + text.slice(at + (r() < 0.5 ? 1 : 0));
      }
      if (agree(text)) accepted++;
    }
    assert.ok(accepted > N * 0.2, `only ${accepted} of ${N} generated files accepted`);
  });
});
