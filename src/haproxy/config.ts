// A model of a rendered haproxy.cfg, as much as deciding "runtime or reload" needs: the structure (every line
// except server lines, normalised) and, per backend, its servers with address, port, weight, state and options,
// the default-server settings they inherit, the balance algorithm and dynamic-cookie key. Two models with the same
// structure differ only in servers, which haproxy 2.6 can change through its Runtime API.
//
// Parsing follows haproxy's own line rules closely enough for generated files: sections start at a line whose
// first word is a section keyword, `#` starts a comment outside quotes, words are separated by blanks. Anything
// unusual (quotes, escapes, environment variables in a server line) makes the server "not runtime-capable", which
// only means a reload: the model never has to be cleverer than haproxy.

const SECTIONS = new Set([
  'global',
  'defaults',
  'frontend',
  'backend',
  'listen',
  'resolvers',
  'peers',
  'userlist',
  'program',
  'mailers',
  'cache',
  'ring',
  'http-errors',
]);

/** One `server` line of a backend. */
export interface ServerModel {
  readonly name: string;
  /** The address as written (IP literal or DNS name), without the port. */
  readonly addr: string;
  /** The port, or undefined when the line has none or an offset/range (then it is not runtime-capable). */
  readonly port: number | undefined;
  /** Words after the address on the server line. */
  readonly options: readonly string[];
  /** default-server words (defaults, then the backend's) followed by the server's own: what haproxy applies. */
  readonly effective: readonly string[];
  readonly weight: number;
  readonly disabled: boolean;
  readonly check: boolean;
}

export interface BackendModel {
  readonly name: string;
  /** The default-server words of the defaults section in force where the backend starts. */
  readonly inherited: readonly string[];
  readonly servers: ReadonlyMap<string, ServerModel>;
  /** The balance algorithm's first word (default roundrobin). */
  readonly balance: string;
  /** `cookie ... dynamic` with `dynamic-cookie-key K`: K (haproxy 2.6 does not compute dynamic servers' cookies itself). */
  readonly dynamicCookieKey: string | undefined;
}

export interface ConfigModel {
  /** Every line except server lines, comments and blanks, normalised: equal skeletons = same structure. */
  readonly skeleton: string;
  readonly backends: ReadonlyMap<string, BackendModel>;
  /** Map files referenced by converters (`map(FILE)`, `map_str(FILE)`, ...). */
  readonly maps: readonly string[];
}

/** Strips a comment (`#` outside quotes) and splits into words; undefined when the line has quotes or escapes we do not model. */
function words(line: string): { words: string[]; plain: boolean } {
  let s = line;
  let plain = true;
  const hash = s.indexOf('#');
  if (hash >= 0) s = s.slice(0, hash);
  if (/["'\\$]/.test(s)) plain = false;
  const w = s.trim().split(/\s+/).filter((x) => x !== '');
  return { words: w, plain };
}

/** `1.2.3.4:80`, `::1:8080`, `[::1]:8080`, `host:80` -> address and port. */
export function splitAddress(a: string): { addr: string; port: number | undefined } {
  const br = /^\[([^\]]+)\](?::(\d+))?$/.exec(a);
  if (br?.[1] !== undefined) return { addr: br[1], port: br[2] === undefined ? undefined : Number(br[2]) };
  const i = a.lastIndexOf(':');
  if (i < 0) return { addr: a, port: undefined };
  const p = a.slice(i + 1);
  return { addr: a.slice(0, i), port: /^\d+$/.test(p) && Number(p) <= 65535 ? Number(p) : undefined };
}

export function isIpLiteral(addr: string): boolean {
  return /^\d{1,3}(\.\d{1,3}){3}$/.test(addr) || (addr.includes(':') && /^[0-9a-fA-F:.]+$/.test(addr));
}

/** The value of the last `key V` pair in a word list (default-server then server: the last one wins). */
function lastValue(ws: readonly string[], key: string): string | undefined {
  let v: string | undefined;
  for (let i = 0; i < ws.length - 1; i++) if (ws[i] === key) v = ws[i + 1];
  return v;
}

export function parseConfig(text: string): ConfigModel {
  const skeleton: string[] = [];
  const backends = new Map<string, BackendModel>();
  const maps = new Set<string>();
  let section = '';
  let defaultsServer: string[] = [];
  let cur:
    | { name: string; inherited: string[]; servers: Map<string, ServerModel>; defaultServer: string[]; balance: string; cookieDynamic: boolean; key: string | undefined }
    | undefined;
  const finish = (): void => {
    if (cur) {
      backends.set(cur.name, {
        name: cur.name,
        inherited: cur.inherited,
        servers: cur.servers,
        balance: cur.balance,
        dynamicCookieKey: cur.cookieDynamic ? cur.key : undefined,
      });
    }
    cur = undefined;
  };
  const lines = text.split('\n');
  for (const line of lines) {
    const { words: w, plain } = words(line);
    const first = w[0];
    if (first === undefined) continue;
    for (const m of line.matchAll(/\bmap(?:_\w+)?\(([^,)]+)/g)) if (m[1] !== undefined) maps.add(m[1]);
    if (SECTIONS.has(first) && !/^\s/.test(line)) {
      finish();
      section = first;
      skeleton.push(w.join(' '));
      if (first === 'defaults') defaultsServer = [];
      if (first === 'backend' || first === 'listen') {
        cur = { name: w[1] ?? '', inherited: [...defaultsServer], servers: new Map(), defaultServer: [...defaultsServer], balance: 'roundrobin', cookieDynamic: false, key: undefined };
      }
      continue;
    }
    if (first === 'default-server') {
      if (section === 'defaults') defaultsServer.push(...w.slice(1));
      else if (cur) cur.defaultServer.push(...w.slice(1));
    }
    if (cur && first === 'balance') cur.balance = w[1] ?? 'roundrobin';
    if (cur && first === 'cookie') cur.cookieDynamic = w.includes('dynamic');
    if (cur && first === 'dynamic-cookie-key') cur.key = w[1];
    const [, name, address] = w;
    if (cur && first === 'server' && name !== undefined && address !== undefined) {
      const { addr, port } = splitAddress(address);
      const options = w.slice(3);
      const effective = [...cur.defaultServer, ...options];
      const weight = Number(lastValue(effective, 'weight') ?? '1');
      let disabled = false;
      for (const x of effective) if (x === 'disabled') disabled = true;
      else if (x === 'enabled') disabled = false;
      cur.servers.set(name, {
        name,
        addr,
        port: plain ? port : undefined,
        options,
        effective,
        weight: Number.isFinite(weight) ? weight : 1,
        disabled,
        check: effective.includes('check'),
      });
      continue;
    }
    skeleton.push(w.join(' '));
  }
  finish();
  return { skeleton: skeleton.join('\n'), backends, maps: [...maps] };
}

/** Length of the longest common prefix of a and b (compared in native slices, halving: ~log n steps). */
function commonPrefix(a: string, b: string): number {
  let lo = 0;
  let hi = Math.min(a.length, b.length);
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (a.slice(lo, mid) === b.slice(lo, mid)) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}

function commonSuffix(a: string, b: string, max: number): number {
  let lo = 0;
  let hi = Math.min(a.length, b.length, max);
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (a.slice(a.length - mid, a.length - lo) === b.slice(b.length - mid, b.length - lo)) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}

const SECTION_LINE = /^[^\s#]/;

/**
 * The model of `nextText` from the model of `prevText`, when the two differ only in server lines (and comments)
 * of one backend: that backend is parsed again, the rest is shared. A change of one server in a 10,000-server
 * file then costs a few string comparisons instead of parsing 600 KB. Undefined when the change is anything
 * else (the caller parses the whole file).
 */
export function updateConfig(prevText: string, prev: ConfigModel, nextText: string): { model: ConfigModel; backend: string | undefined } | undefined {
  if (prevText === nextText) return { model: prev, backend: undefined };
  const p = commonPrefix(prevText, nextText);
  const suffix = commonSuffix(prevText, nextText, Math.min(prevText.length, nextText.length) - p);
  // Whole lines: from the start of the line holding the first difference to the end of the last one.
  const start = prevText.lastIndexOf('\n', p - 1) + 1;
  const endOf = (t: string): number => {
    const i = t.indexOf('\n', t.length - suffix);
    return i < 0 ? t.length : i;
  };
  const prevRegion = prevText.slice(start, Math.max(start, endOf(prevText)));
  const nextEnd = Math.max(start, endOf(nextText));
  const nextRegion = nextText.slice(start, nextEnd);
  for (const line of [...prevRegion.split('\n'), ...nextRegion.split('\n')]) {
    const w = words(line).words;
    if (w.length === 0) continue;
    if (SECTION_LINE.test(line) || w[0] !== 'server' || /\bmap(?:_\w+)?\(/.test(line)) return undefined;
  }
  // The section the region is in: the last section line before it (the same text on both sides).
  let h = start;
  let header: string[] | undefined;
  while (h > 0) {
    const ls = nextText.lastIndexOf('\n', h - 2) + 1;
    const line = nextText.slice(ls, h - 1);
    if (SECTION_LINE.test(line)) {
      header = words(line).words;
      h = ls;
      break;
    }
    h = ls;
  }
  if (!header || (header[0] !== 'backend' && header[0] !== 'listen')) return undefined;
  const old = prev.backends.get(header[1] ?? '');
  if (!old) return undefined;
  const after = nextText.slice(nextEnd).search(/\n[^\s#]/);
  const sectionText = nextText.slice(h, after < 0 ? nextText.length : nextEnd + after + 1);
  const prefix = old.inherited.length > 0 ? `defaults\n    default-server ${old.inherited.join(' ')}\n` : '';
  const b = parseConfig(prefix + sectionText).backends.get(old.name);
  if (!b) return undefined;
  const backends = new Map(prev.backends);
  backends.set(old.name, { ...b, inherited: old.inherited });
  return { model: { skeleton: prev.skeleton, backends, maps: prev.maps }, backend: old.name };
}

// ---- dynamic servers (haproxy 2.6 `add server`) -----------------------------------------------------------------

/** Keywords `add server` accepts in 2.6 that take no argument (management guide 9.3, "add server"). */
const DYNAMIC_FLAGS = new Set([
  'agent-check', 'allow-0rtt', 'backup', 'check', 'check-send-proxy', 'check-ssl', 'check-via-socks4', 'disabled', 'enabled',
  'no-ssl-reuse', 'no-sslv3', 'no-tlsv10', 'no-tlsv11', 'no-tlsv12', 'no-tlsv13', 'no-tls-tickets', 'send-proxy', 'send-proxy-v2',
  'send-proxy-v2-ssl', 'send-proxy-v2-ssl-cn', 'ssl', 'tfo', 'tls-tickets', 'force-sslv3', 'force-tlsv10', 'force-tlsv11',
  'force-tlsv12', 'force-tlsv13',
]);
/** Keywords `add server` accepts in 2.6 that take one argument. */
const DYNAMIC_WITH_ARG = new Set([
  'agent-addr', 'agent-inter', 'agent-port', 'agent-send', 'alpn', 'addr', 'ca-file', 'check-alpn', 'check-proto', 'check-sni',
  'ciphers', 'ciphersuites', 'crl-file', 'crt', 'downinter', 'error-limit', 'fall', 'fastinter', 'id', 'inter', 'maxconn',
  'maxqueue', 'minconn', 'npn', 'observe', 'on-error', 'on-marked-down', 'on-marked-up', 'pool-low-conn', 'pool-max-conn',
  'pool-purge-delay', 'port', 'proto', 'proxy-v2-options', 'rise', 'slowstart', 'sni', 'source', 'ssl-max-ver', 'ssl-min-ver',
  'track', 'usesrc', 'verify', 'verifyhost', 'weight', 'ws',
]);
/** Balance algorithms that allow dynamic servers (2.6: not static-rr, not map-based hashing). */
const DYNAMIC_BALANCE = new Set(['roundrobin', 'leastconn', 'first', 'random']);

export type DynamicServerLine = { readonly ok: true; readonly args: string } | { readonly ok: false; readonly why: string };

/**
 * The `add server` arguments that give a dynamic server exactly the settings the server line gives a static one:
 * default-server words written out (dynamic servers do not inherit them), `disabled`/`enabled` left out (the
 * server is added in maintenance and enabled afterwards as the model says). `init-addr` is dropped for IP
 * literals, where it has no effect; anything `add server` does not accept makes the server need a reload.
 */
export function dynamicServerLine(b: BackendModel, s: ServerModel): DynamicServerLine {
  if (!DYNAMIC_BALANCE.has(b.balance)) return { ok: false, why: `backend ${b.name} uses "balance ${b.balance}", which does not allow dynamic servers` };
  if (s.port === undefined) return { ok: false, why: `server ${b.name}/${s.name} has no plain port` };
  if (!isIpLiteral(s.addr)) return { ok: false, why: `server ${b.name}/${s.name} is addressed by name (${s.addr}); dynamic servers do not resolve names` };
  const out: string[] = [];
  const ws = s.effective;
  for (let i = 0; i < ws.length; i++) {
    const k = ws[i] ?? '';
    const arg = ws[i + 1];
    if (k === 'disabled' || k === 'enabled') continue;
    if (k === 'init-addr') {
      i++;
      continue;
    }
    if (DYNAMIC_FLAGS.has(k)) out.push(k);
    else if (DYNAMIC_WITH_ARG.has(k) && arg !== undefined) {
      out.push(k, arg);
      i++;
    }
    else return { ok: false, why: `server ${b.name}/${s.name}: "${k}" cannot be set on a dynamic server in haproxy 2.6` };
  }
  const addr = s.addr.includes(':') ? `[${s.addr}]` : s.addr;
  return { ok: true, args: [`${addr}:${s.port}`, ...out].join(' ') };
}

/** Server options other than the ones the Runtime API changes in place (address, port, weight, state). */
export function fixedOptions(s: ServerModel): string {
  const out: string[] = [];
  for (let i = 0; i < s.effective.length; i++) {
    const k = s.effective[i] ?? '';
    if (k === 'disabled' || k === 'enabled') continue;
    if (k === 'weight') {
      i++;
      continue;
    }
    out.push(k);
  }
  return out.join(' ');
}
