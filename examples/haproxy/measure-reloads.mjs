#!/usr/bin/env node
// Measures failed requests across haproxy reloads, to choose a reload method (results in examples/README.md).
//
//   node examples/haproxy/measure-reloads.mjs METHOD [ka|new] [idle|noidle] [RELOADS] [CLIENTS]
//
// METHOD: mw-usr2   master-worker (-W -S), reload by SIGUSR2 to the master
//         mw-cli    master-worker, reload by "reload" on the master CLI
//         sf-x      daemon (-D), new process with -sf OLD -x STATS_SOCKET (listening sockets handed over,
//                   stats socket with "expose-fd listeners")
//         sf        daemon, new process with -sf OLD only (the new process binds its own sockets)
// ka: clients reuse keep-alive connections; new: one connection per request.
// idle / noidle: with or without "option idle-close-on-response".
// Three HTTP servers and haproxy run on 127.0.0.1 free ports; the config is rewritten (one server in or out)
// before every reload, one reload every 100 ms, while CLIENTS loops send requests.

import http from 'node:http';
import net from 'node:net';
import { spawn, execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

const [method = 'mw-usr2', conn = 'ka', idle = 'idle', reloadsArg = '50', clientsArg = '8'] = process.argv.slice(2);
if (!['mw-usr2', 'mw-cli', 'sf-x', 'sf'].includes(method)) {
  console.error('usage: measure-reloads.mjs mw-usr2|mw-cli|sf-x|sf [ka|new] [idle|noidle] [RELOADS] [CLIENTS]');
  process.exit(2);
}
const haproxy = process.env.HAPROXY_BIN ?? (() => {
  for (const p of ['/usr/sbin/haproxy', '/usr/local/sbin/haproxy']) try { execFileSync(p, ['-v']); return p; } catch {}
  return 'haproxy';
})();
const RELOADS = Number(reloadsArg);
const dir = mkdtempSync(join(tmpdir(), 'measure-reloads-'));
const freePort = () => new Promise((res) => {
  const s = net.createServer();
  s.listen(0, '127.0.0.1', () => { const p = s.address().port; s.close(() => res(p)); });
});

const backends = [];
for (const name of ['b1', 'b2', 'b3']) {
  const port = await freePort();
  const srv = http.createServer((_req, res) => res.end(`${name}\n`));
  srv.keepAliveTimeout = 60_000;
  await new Promise((res) => srv.listen(port, '127.0.0.1', res));
  backends.push({ name, port, srv });
}
const frontPort = await freePort();
const cfg = join(dir, 'haproxy.cfg');
const statsSock = join(dir, 'stats.sock');
const masterSock = join(dir, 'master.sock');
const pidFile = join(dir, 'haproxy.pid');
const render = (i) => `global
    maxconn 4096
    hard-stop-after 30s
    stats socket ${statsSock} mode 600 level admin${method === 'sf-x' ? ' expose-fd listeners' : ''}
defaults
    mode http
    timeout connect 5s
    timeout client 50s
    timeout server 50s
    timeout http-keep-alive 60s
    ${idle === 'idle' ? 'option idle-close-on-response' : '# no idle-close-on-response'}
    retries 3
    option redispatch
frontend webin
    bind 127.0.0.1:${frontPort}
    default_backend app
backend app
${backends.filter((_, j) => i === 0 || i % 3 !== j).map((b) => `    server ${b.name} 127.0.0.1:${b.port} check`).join('\n')}
`;

writeFileSync(cfg, render(0));
let master;
if (method.startsWith('mw')) {
  master = spawn(haproxy, ['-W', '-S', masterSock, '-f', cfg, '-p', pidFile], { stdio: 'ignore', detached: true });
} else {
  execFileSync(haproxy, ['-D', '-f', cfg, '-p', pidFile]);
}
await sleep(500);

const agent = new http.Agent({ keepAlive: conn === 'ka', maxSockets: 64 });
let ok = 0;
let failed = 0;
const errors = {};
let running = true;
async function client() {
  while (running) {
    await new Promise((resolve) => {
      const req = http.get({ host: '127.0.0.1', port: frontPort, path: '/', agent }, (res) => {
        res.resume();
        res.on('end', () => {
          if (res.statusCode === 200) ok++;
          else { failed++; errors[`HTTP ${res.statusCode}`] = (errors[`HTTP ${res.statusCode}`] ?? 0) + 1; }
          resolve();
        });
      });
      req.on('error', (e) => { failed++; errors[e.code ?? e.message] = (errors[e.code ?? e.message] ?? 0) + 1; resolve(); });
    });
  }
}
const clients = Array.from({ length: Number(clientsArg) }, client);
const t0 = Date.now();
for (let i = 1; i <= RELOADS; i++) {
  writeFileSync(cfg, render(i));
  if (method === 'mw-usr2') process.kill(master.pid, 'SIGUSR2');
  else if (method === 'mw-cli') {
    await new Promise((resolve) => {
      const c = net.connect(masterSock, () => c.end('reload\n'));
      const t = setTimeout(() => c.destroy(), 1000);
      c.on('close', () => { clearTimeout(t); resolve(); });
      c.on('error', () => {});
      c.resume();
    });
  } else {
    const old = readFileSync(pidFile, 'utf8').trim().split('\n');
    execFileSync(haproxy, ['-D', '-f', cfg, '-p', pidFile, ...(method === 'sf-x' ? ['-x', statsSock] : []), '-sf', ...old]);
  }
  await sleep(100);
}
await sleep(500);
running = false;
await Promise.all(clients);
console.log(`${method} ${conn === 'ka' ? 'keep-alive' : 'new connection per request'}, ${idle === 'idle' ? 'with' : 'without'} idle-close-on-response, ${clientsArg} clients: ` +
  `${ok} ok, ${failed} failed over ${RELOADS} reloads in ${Date.now() - t0} ms`, failed ? errors : '');
agent.destroy();
if (master) process.kill(-master.pid, 'SIGTERM');
else for (const p of readFileSync(pidFile, 'utf8').trim().split('\n')) try { process.kill(Number(p), 'SIGTERM'); } catch {}
for (const b of backends) { b.srv.close(); b.srv.closeAllConnections(); }
await sleep(300);
rmSync(dir, { recursive: true, force: true });
