// confd-haproxy-reload MASTER_SOCKET [TIMEOUT_SECONDS]: reloads an haproxy running in master-worker mode and
// waits for the outcome, for `reload_cmd` (the Go confd, or a confd-ts resource without [template.haproxy]).
// `systemctl reload haproxy` and `kill -USR2` return at once and succeed even when haproxy refuses the new
// configuration at start-up; this command fails then (exit 1, the reason on stderr). The work is done by
// src/haproxy's MasterCli, the same code the haproxy applier reloads with.
//
// Exit status: 0 reloaded (prints the generation and the new worker's pid), 1 refused or no answer, 2 usage.

import { MasterCli } from '../haproxy/client.js';

async function main(argv: readonly string[]): Promise<number> {
  const [socketPath, timeoutArg] = argv;
  if (socketPath === undefined || argv.length > 2) {
    process.stderr.write('usage: confd-haproxy-reload MASTER_SOCKET [TIMEOUT_SECONDS]\n');
    return 2;
  }
  const timeoutMs = (timeoutArg === undefined ? 10 : Number(timeoutArg)) * 1000;
  if (!Number.isFinite(timeoutMs) || timeoutMs <= 0) {
    process.stderr.write(`confd-haproxy-reload: bad timeout ${JSON.stringify(timeoutArg)}\n`);
    return 2;
  }
  try {
    const r = await new MasterCli(socketPath, { timeoutMs: 2000 }).reload(timeoutMs);
    process.stdout.write(`haproxy reloaded: generation ${r.generation}, new worker ${r.workerPid}\n`);
    return 0;
  } catch (err) {
    process.stderr.write(`confd-haproxy-reload: ${(err as Error).message}\n`);
    return 1;
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    process.stderr.write(`confd-haproxy-reload: ${String(err)}\n`);
    process.exitCode = 1;
  },
);
