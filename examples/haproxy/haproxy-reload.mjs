#!/usr/bin/env node
// haproxy-reload.mjs MASTER_SOCKET [TIMEOUT_SECONDS]
//
// Reloads an haproxy running in master-worker mode (`haproxy -W -S MASTER_SOCKET ...`, which is how Debian's
// haproxy.service runs it, with MASTER_SOCKET = /run/haproxy-master.sock) and waits for the outcome, so that
// confd's `reload_cmd` fails when haproxy refuses the new configuration.
//
// Why not `kill -USR2` or `echo reload | socat`: both return at once and succeed even when the new configuration
// fails at start-up (a port already in use, a missing certificate: things `haproxy -c` does not catch). haproxy
// then keeps the old workers serving the old configuration, and nobody notices. haproxy 2.6's master CLI counts
// reloads and failed reloads in `show proc` ("1 [failed: 1]"), so this script reads the counters, sends
// `reload`, and polls until the reload counter moves, then compares the failure counter.
//
// Exit status: 0 reloaded (the new worker's pid is printed), 1 haproxy refused the configuration or did not
// answer in time (the reason is on stderr; haproxy's own log has the details), 2 usage.
// Plain Node (>= 18), no dependencies: it also works next to the Go confd.

import { connect } from 'node:net';

const [socketPath, timeoutArg] = process.argv.slice(2);
if (!socketPath || process.argv.length > 4) {
  process.stderr.write('usage: haproxy-reload.mjs MASTER_SOCKET [TIMEOUT_SECONDS]\n');
  process.exit(2);
}
const timeoutMs = (timeoutArg === undefined ? 10 : Number(timeoutArg)) * 1000;
if (!Number.isFinite(timeoutMs) || timeoutMs <= 0) {
  process.stderr.write(`haproxy-reload: bad timeout ${JSON.stringify(timeoutArg)}\n`);
  process.exit(2);
}

/** Sends one command to the master CLI and resolves to its whole answer (the master closes after answering). */
function masterCommand(command, { tolerateReset = false } = {}) {
  return new Promise((resolve, reject) => {
    const sock = connect(socketPath);
    let out = '';
    const timer = setTimeout(() => sock.destroy(new Error(`no answer to "${command}" within 2s`)), 2000);
    sock.setEncoding('utf8');
    sock.on('connect', () => sock.end(`${command}\n`));
    sock.on('data', (d) => (out += d));
    sock.on('error', (err) => {
      clearTimeout(timer);
      // The master re-executes itself on `reload` and may drop the connection before answering.
      if (tolerateReset && err.code === 'ECONNRESET') resolve(out);
      else reject(err);
    });
    sock.on('close', () => {
      clearTimeout(timer);
      resolve(out);
    });
  });
}

/** Parses `show proc`: the master's reload and failed-reload counters and the workers' pids and reload ages. */
function parseShowProc(text) {
  const master = /^(\d+)\s+master\s+(\d+)\s+\[failed:\s*(\d+)\]/m.exec(text);
  if (!master) return undefined;
  const workers = [];
  for (const m of text.matchAll(/^(\d+)\s+worker\s+(\d+)/gm)) workers.push({ pid: Number(m[1]), reloads: Number(m[2]) });
  return { masterPid: Number(master[1]), reloads: Number(master[2]), failed: Number(master[3]), workers };
}

async function showProc() {
  const text = await masterCommand('show proc');
  const state = parseShowProc(text);
  if (!state) throw new Error(`unexpected answer to "show proc": ${JSON.stringify(text.slice(0, 200))}`);
  return state;
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

async function main() {
  let before;
  // A few tries: the master's CLI is briefly unavailable while it re-executes for another reload.
  for (let attempt = 1; before === undefined; attempt++) {
    try {
      before = await showProc();
    } catch (err) {
      if (attempt >= 10) {
        throw new Error(`cannot reach the haproxy master CLI at ${socketPath}: ${err.message} (is haproxy running with -W -S ${socketPath}?)`);
      }
      await sleep(100);
    }
  }
  await masterCommand('reload', { tolerateReset: true });
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    await sleep(50);
    let now;
    try {
      now = await showProc();
    } catch {
      now = undefined; // the master is re-executing: its CLI is briefly unavailable
    }
    if (now && now.reloads > before.reloads) {
      if (now.failed > before.failed) {
        throw new Error(
          `haproxy refused the new configuration (reload ${now.reloads} failed, ${now.failed} failed so far); ` +
            `the previous workers keep serving the previous configuration; haproxy's log says why`,
        );
      }
      const fresh = now.workers.find((w) => w.reloads === 0);
      if (!fresh) throw new Error('haproxy reloaded but reports no new worker (show proc lists none with 0 reloads)');
      return fresh.pid;
    }
    if (Date.now() > deadline) {
      throw new Error(`haproxy did not complete the reload within ${timeoutMs / 1000}s (master CLI ${socketPath})`);
    }
  }
}

main().then(
  (pid) => {
    process.stdout.write(`haproxy reloaded: new worker ${pid}\n`);
  },
  (err) => {
    process.stderr.write(`haproxy-reload: ${err.message}\n`);
    process.exit(1);
  },
);
