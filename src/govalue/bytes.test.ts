import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { compareGo } from '../golib/strings.js';
import { byteAt, byteLength, byteSlice, decodeBytes, encodeBytes, hasEscapedBytes, showEscapedBytes, toValidUnicode } from './bytes.js';

const b = (...x: number[]) => Buffer.from(x);

describe('Go strings as bytes', () => {
  it('keeps valid UTF-8 as plain text and maps every other byte losslessly', () => {
    assert.equal(decodeBytes(Buffer.from('héllo 日本 🎉', 'utf8')), 'héllo 日本 🎉');
    const samples = [
      b(0x61, 0xff, 0xfe, 0x62),
      b(0x00, 0x01, 0xff, 0x80, 0x44, 0x45, 0x52),
      b(0xc3), // truncated sequence
      b(0xed, 0xa0, 0x80), // an encoded surrogate is not UTF-8
      b(0xf4, 0x90, 0x80, 0x80), // above U+10FFFF
      b(0xc0, 0xaf), // overlong
      b(0xe2, 0x82, 0x61), // sequence cut by ASCII
      Buffer.from('ok ✓ \u{1f600}', 'utf8'),
    ];
    for (const x of samples) assert.deepEqual(encodeBytes(decodeBytes(x)), x, x.toString('hex'));
    // Every byte value, in every position relative to a valid sequence.
    const all = Buffer.alloc(256 * 3);
    for (let i = 0; i < 256; i++) all.set([i, 0xc3, 0xa9], i * 3);
    assert.deepEqual(encodeBytes(decodeBytes(all)), all);
    assert.equal(hasEscapedBytes(decodeBytes(b(0x61, 0xff))), true);
    assert.equal(hasEscapedBytes('\u{1f600}'), false);
  });

  it('len, index and slice count bytes (Go: len("a\\xffé") == 4)', () => {
    const s = decodeBytes(b(0x61, 0xff, 0xc3, 0xa9));
    assert.equal(byteLength(s), 4);
    assert.equal(byteAt(s, 1), 0xff);
    assert.equal(byteAt(s, 3), 0xa9);
    // A cut inside é leaves its bytes, escaped.
    assert.deepEqual(encodeBytes(byteSlice(s, 1, 3)), b(0xff, 0xc3));
    assert.deepEqual(encodeBytes(byteSlice(s, 3, 4)), b(0xa9));
  });

  it('compares by bytes, also where UTF-16 order differs', () => {
    const order = [
      'a',
      decodeBytes(b(0x61, 0x80)),
      'é', // c3 a9
      decodeBytes(b(0xc3)), // c3 alone: a prefix of é's bytes
      '\uffff', // ef bf bf
      '\u{10000}', // f0 90 80 80: after U+FFFF in bytes, before it in UTF-16
      decodeBytes(b(0xff)),
    ];
    const sortedByGo = [...order].sort(compareGo);
    const expected = [...order].sort((x, y) => Buffer.compare(encodeBytes(x), encodeBytes(y)));
    assert.deepEqual(sortedByGo.map((x) => encodeBytes(x).toString('hex')), expected.map((x) => encodeBytes(x).toString('hex')));
    for (let i = 0; i < order.length; i++) {
      for (let j = 0; j < order.length; j++) {
        assert.equal(Math.sign(compareGo(order[i]!, order[j]!)), Math.sign(Buffer.compare(encodeBytes(order[i]!), encodeBytes(order[j]!))), `${i} ${j}`);
      }
    }
  });

  it('shows escaped bytes as \\xff for terminals and U+FFFD where Go decodes runes', () => {
    const s = decodeBytes(b(0x61, 0xff, 0x0a));
    assert.equal(showEscapedBytes(s), 'a\\xff\n');
    assert.equal(toValidUnicode(s), 'a\ufffd\n');
    assert.equal(toValidUnicode('\u{1f600}'), '\u{1f600}');
  });
});
