// Runs every test file (src/**/*.test.ts beside the code, test/**/*.test.ts for integration, tools/**/*.test.ts for
// the tooling) with Node's test runner through tsx. `npm test -- word` runs only the files whose path contains
// "word".
//
// The runner's own report (TAP, or spec on a terminal) streams as usual. When tests fail, the run then ends with
// the list of the failed tests (name, file, first line of the error) and repeats the runner's summary lines
// (`# tests N`, `# pass N`, `# fail N`, ...) last, where CI reads them.
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';

function walk(dir, out = []) {
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) walk(p, out);
    else if (name.endsWith('.test.ts')) out.push(p);
  }
  return out;
}
const filters = process.argv.slice(2);
const files = ['src', 'test', 'tools']
  .flatMap((d) => walk(d))
  .filter((f) => filters.length === 0 || filters.some((w) => f.includes(w)))
  .sort();
if (files.length === 0) {
  console.error('no test files matched');
  process.exit(1);
}

const work = mkdtempSync(join(tmpdir(), 'confd-ts-test-run-'));
const failuresFile = join(work, 'failures.jsonl');
const reporter = process.stdout.isTTY ? 'spec' : 'tap';
const child = spawn(
  process.execPath,
  [
    '--import',
    'tsx',
    '--test',
    '--test-concurrency=2',
    `--test-reporter=${reporter}`,
    '--test-reporter-destination=stdout',
    `--test-reporter=${new URL('./failures-reporter.mjs', import.meta.url).href}`,
    `--test-reporter-destination=${failuresFile}`,
    ...files,
  ],
  { stdio: ['inherit', 'pipe', 'inherit'] },
);

// The runner's summary lines, kept from the end of its report to be repeated last.
const SUMMARY = /^(?:#|ℹ) (?:tests|suites|pass|fail|cancelled|skipped|todo|duration_ms) /;
let tail = '';
child.stdout.on('data', (chunk) => {
  process.stdout.write(chunk);
  tail = (tail + chunk.toString('utf8')).slice(-8192);
});
// Interrupted (Ctrl-C): the runner gets the signal too; wait for it to finish its report.
for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => child.kill(sig));

const status = await new Promise((resolve) => child.on('close', (code, signal) => resolve(code ?? (signal ? 1 : 0))));

let failures = [];
try {
  failures = readFileSync(failuresFile, 'utf8')
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => JSON.parse(l));
} catch {
  // no failure recorded (or the runner died before writing any)
}
rmSync(work, { recursive: true, force: true });

if (failures.length > 0 || status !== 0) {
  const out = ['', `Failed tests (${failures.length}):`];
  for (const f of failures) {
    // No line: tsx compiles the tests, and mapping lines back (--enable-source-maps) makes the run twice as slow.
    const where = f.file ? relative(process.cwd(), f.file.replace(/^file:\/\//, '')) : '(no file)';
    out.push(`  ✖ ${f.name}  (${where})${f.message ? `\n      ${f.message}` : ''}`);
  }
  if (failures.length === 0) out.push(`  (none recorded; the test runner exited with status ${status})`);
  const summary = tail.split('\n').filter((l) => SUMMARY.test(l));
  if (summary.length > 0) out.push('', ...summary);
  process.stdout.write(`${out.join('\n')}\n`);
}
process.exit(status);
