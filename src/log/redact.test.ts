// Log lines: node credentials never appear, and nothing a key, value or command prints can forge a text line.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createLogger } from './index.js';
import { escapeControls, redactNode, redactUrls, secretRedactor } from './redact.js';

describe('redaction', () => {
  it('hides the password of a URL wherever it occurs, and of a schemeless node', () => {
    assert.equal(redactUrls('read at endpoint http://root:s3cret@10.0.0.1:2379: refused'), 'read at endpoint http://root:xxxxx@10.0.0.1:2379: refused');
    assert.equal(redactUrls('endpoints https://a:b@h1:2379,https://c:d@h2:2379'), 'endpoints https://a:xxxxx@h1:2379,https://c:xxxxx@h2:2379');
    assert.equal(redactUrls('mail root@example.com, http://h:2379'), 'mail root@example.com, http://h:2379');
    assert.equal(redactNode('default:s3cret@127.0.0.1:6379/2'), 'default:xxxxx@127.0.0.1:6379/2');
    assert.equal(redactNode('127.0.0.1:6379'), '127.0.0.1:6379');
    assert.equal(redactNode('http://u:p@h:1'), 'http://u:xxxxx@h:1');
  });

  it('hides node passwords in any text a client library built from the URL', () => {
    const hide = secretRedactor(['http://user:hunter2@127.0.0.1:2379', '127.0.0.1:2380'], ['s3cr3t', undefined]);
    assert.equal(hide('Name resolution failed for target dns:user:hunter2@127.0.0.1:2379 (AUTH s3cr3t)'), 'Name resolution failed for target dns:user:xxxxx@127.0.0.1:2379 (AUTH xxxxx)');
    assert.equal(secretRedactor(['127.0.0.1:2379'])('at http://a:b@h'), 'at http://a:xxxxx@h');
  });

  it('escapes control characters as Go quotes them', () => {
    assert.equal(escapeControls('a\nb\r\tc\x1b[31md\x7f\u0085\u2028'), 'a\\nb\\r\\tc\\x1b[31md\\x7f\\x85\\u2028');
    assert.equal(escapeControls('plain / ünïcode'), 'plain / ünïcode');
  });

  it('text lines: one line per entry, credentials redacted; JSON lines: credentials redacted', () => {
    const lines: string[] = [];
    const text = createLogger({ write: (l) => lines.push(l), now: () => new Date(0), hostname: 'h', pid: 1 });
    text.warn('Key prefix /a\n1970-01-01T00:00:00Z h confd[1]: ERROR forged does not exist at http://u:pw@h:2379');
    assert.equal(lines.length, 1);
    assert.equal((lines[0] ?? '').split('\n').length, 2, 'one line and its newline');
    assert.match(lines[0] ?? '', /Key prefix \/a\\n1970.*ERROR forged does not exist at http:\/\/u:xxxxx@h:2379\n$/);
    const json: string[] = [];
    createLogger({ format: 'json', write: (l) => json.push(l) }).error('at http://u:pw@h:2379\n', { endpoint: 'http://u:pw@h:2379' });
    assert.doesNotMatch(json[0] ?? '', /pw/);
    const entry = JSON.parse(json[0] ?? '{}') as { msg: string; endpoint: string };
    assert.equal(entry.msg, 'at http://u:xxxxx@h:2379\n');
    assert.equal(entry.endpoint, 'http://u:xxxxx@h:2379');
  });
});
