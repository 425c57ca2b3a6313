// `confd -render-test`: the template test harness a user runs in CI. Renders every template resource of a confdir
// against fixture keys (YAML files, as the file backend reads them; no backend server), compares each output with
// an expected file, and optionally runs the resource's check_cmd on it (-run-check). Exit 0 when every output
// matches (and passes its check), 1 otherwise, with a unified diff (expected -> rendered) for each mismatch.
//
//   confd -render-test -confdir ./confd -file test/keys.yaml -expect test/expected/ [-run-check]
//
// -expect is a directory holding one expected file per resource, named as dest's base name (haproxy.cfg), or,
// when the confdir has exactly one resource, the expected file itself. Nothing is written to dest.

import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { ConfigError, resolveConfig, type ParsedArgs } from '../config/index.js';
import { unifiedDiff } from '../resource/diff.js';
import { loadResources, unionPrefixes } from '../resource/load.js';
import { check, type CommandContext } from '../resource/pipeline.js';
import { runShellCommand } from '../resource/command.js';
import { createLogger } from '../log/index.js';
import { backendOptions } from '../daemon/backend.js';
import { createFileBackend } from '../backends/file/index.js';

export interface RenderTestIO {
  readonly args: ParsedArgs;
  readonly env: Readonly<Record<string, string | undefined>>;
  /** Results and diffs (stdout). */
  readonly out: (text: string) => void;
  /** Errors and the summary (stderr). */
  readonly err: (text: string) => void;
}

function isDirectory(p: string): boolean {
  try {
    return statSync(p).isDirectory();
  } catch {
    return false;
  }
}

export async function renderTest(io: RenderTestIO): Promise<number> {
  const log = createLogger({ write: io.err, level: 'warn' });
  // The fixture keys are YAML files: the file backend, whatever confd.toml names for production.
  const values = new Map(io.args.values);
  values.set('backend', 'file');
  let config;
  try {
    config = resolveConfig({ args: { ...io.args, values }, env: io.env }).config;
  } catch (e) {
    if (e instanceof ConfigError) {
      log.error(e.message);
      return 1;
    }
    throw e;
  }
  if (config.expect === '') {
    log.error('-render-test needs -expect DIR (one expected file per dest base name) or -expect FILE (one resource)');
    return 1;
  }
  const loaded = loadResources({
    confdir: config.confdir,
    configDir: config.configDir,
    templateDir: config.templateDir,
    prefix: config.prefix,
    getenv: (n) => io.env[n],
    warn: (m) => log.warn(m),
  });
  let failed = loaded.failures.length;
  for (const f of loaded.failures) io.out(`FAIL ${f.file}: ${f.error.message}\n`);
  const expectDir = isDirectory(config.expect);
  if (!expectDir && loaded.resources.length !== 1) {
    log.error(`-expect ${config.expect} is a file, but ${config.confdir} has ${loaded.resources.length} template resources: give a directory`);
    return 1;
  }

  const backend = createFileBackend(backendOptions(config, [], log));
  try {
    const snapshot = await backend.read(unionPrefixes(loaded.views));
    for (const v of loaded.views) v.reset(snapshot.values);
  } catch (e) {
    log.error(`reading fixture keys: ${(e as Error).message}`);
    return 1;
  } finally {
    await backend.close();
  }

  const work = mkdtempSync(join(tmpdir(), 'confd-render-test-'));
  try {
    for (const r of loaded.resources) {
      const { spec } = r;
      const expectedFile = expectDir ? join(config.expect, basename(spec.dest)) : config.expect;
      let rendered: string;
      try {
        rendered = r.render();
      } catch (e) {
        failed++;
        io.out(`FAIL ${spec.name}: ${(e as Error).message}\n`);
        continue;
      }
      let expected: string;
      try {
        expected = readFileSync(expectedFile, 'utf8');
      } catch (e) {
        failed++;
        io.out(`FAIL ${spec.name}: cannot read expected output ${expectedFile}: ${(e as Error).message}\n`);
        continue;
      }
      if (rendered !== expected) {
        failed++;
        io.out(`FAIL ${spec.name}: output differs from ${expectedFile}\n`);
        io.out(unifiedDiff(expected, rendered, { oldName: expectedFile, newName: `${spec.dest} (rendered from ${spec.src})` }));
        continue;
      }
      if (config.runCheck && spec.checkCmd !== '') {
        const staged = join(work, basename(spec.dest));
        writeFileSync(staged, rendered);
        const ctx: CommandContext = { run: runShellCommand, timeoutMs: config.commandTimeoutMs, log };
        try {
          await check(spec.checkCmd, staged, spec.dest, ctx);
        } catch (e) {
          failed++;
          io.out(`FAIL ${spec.name}: output matches ${expectedFile}, but check_cmd failed: ${(e as Error).message}\n`);
          continue;
        }
        io.out(`ok   ${spec.name}: matches ${expectedFile}; check_cmd passed\n`);
        continue;
      }
      io.out(`ok   ${spec.name}: matches ${expectedFile}\n`);
    }
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
  const total = loaded.resources.length + loaded.failures.length;
  io.err(failed === 0 ? `render-test: all ${total} template resource(s) match\n` : `render-test: ${failed} of ${total} template resource(s) failed\n`);
  return failed === 0 ? 0 : 1;
}
