// Keeping secrets and forged lines out of the logs.
//
// Credentials: a -node may carry them (`http://user:pass@host:2379`, or a Redis `user:pass@host:6379`); every
// message that names a node, and every log line, shows the password as "xxxxx" (Go's url.URL.Redacted).
// Control characters: keys, values, file contents and command output reach log messages; in the text format a
// newline or an escape sequence in them would start a forged line or rewrite the terminal, so they are written
// escaped ("\n", "\x1b"), as Go's strconv.Quote writes them. JSON lines are escaped by JSON itself.

const URL_PASSWORD = /\b([a-z][a-z0-9+.-]*:\/\/)([^\s/?#@:]*):([^\s/?#@]*)@/gi;

/** `scheme://user:pass@host` -> `scheme://user:xxxxx@host`, wherever it occurs in `text`. */
export function redactUrls(text: string): string {
  if (!text.includes('@')) return text;
  return text.replace(URL_PASSWORD, (_m, scheme: string, user: string) => `${scheme}${user}:xxxxx@`);
}

/** One -node as given: a URL, or `user:pass@host:port` without a scheme; the password becomes "xxxxx". */
export function redactNode(node: string): string {
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(node)) return redactUrls(node);
  const at = node.lastIndexOf('@');
  if (at < 0) return node;
  const userinfo = node.slice(0, at);
  const colon = userinfo.indexOf(':');
  return colon < 0 ? node : `${userinfo.slice(0, colon)}:xxxxx${node.slice(at)}`;
}

/** The password of a -node (URL or `user:pass@host`), if it has one. */
function nodePassword(node: string): string | undefined {
  const rest = node.replace(/^[a-z][a-z0-9+.-]*:\/\//i, '');
  const at = rest.lastIndexOf('@');
  if (at < 0) return undefined;
  const colon = rest.slice(0, at).indexOf(':');
  return colon < 0 ? undefined : rest.slice(colon + 1, at);
}

/**
 * A function that hides the passwords of `nodes` (and `secrets`) in any text, such as an error a client library
 * built from the URL it was given (grpc-js: "Name resolution failed for target dns:user:pass@host:2379").
 */
export function secretRedactor(nodes: readonly string[], secrets: readonly (string | undefined)[] = []): (text: string) => string {
  const hidden = [...new Set([...nodes.map(nodePassword), ...secrets])].filter((p): p is string => p !== undefined && p.length >= 3);
  if (hidden.length === 0) return redactUrls;
  return (text) => {
    let out = redactUrls(text);
    for (const p of hidden) out = out.split(p).join('xxxxx');
    return out;
  };
}

const SIMPLE_ESCAPES: Readonly<Record<string, string>> = { '\n': '\\n', '\r': '\\r', '\t': '\\t', '\b': '\\b', '\f': '\\f', '\v': '\\v', '\x07': '\\a' };

// C0 controls, DEL, C1 controls, and the Unicode line/paragraph separators some terminals and viewers break on.
const CONTROL = /[\x00-\x1f\x7f-\x9f\u2028\u2029]/g;

/** `text` with every control character escaped; a backslash stays as it is (the line is not a Go literal). */
export function escapeControls(text: string): string {
  CONTROL.lastIndex = 0;
  if (!CONTROL.test(text)) return text;
  return text.replace(CONTROL, (c) => {
    const simple = SIMPLE_ESCAPES[c];
    if (simple !== undefined) return simple;
    const code = c.charCodeAt(0);
    return code <= 0xff ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16).padStart(4, '0')}`;
  });
}
