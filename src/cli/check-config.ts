// `confd -check-config`: check everything that can be checked before deploying, without a backend, and report
// every problem at once with file:line:col (a CI step or a pre-deploy hook runs it). Exit 0 when clean, 1 on any
// problem. What is checked: confd.toml (syntax, types, unknown keys), every conf.d resource file (syntax, fields,
// unknown keys, dest's directory, the programs of check_cmd and reload_cmd), every template (syntax, unknown
// functions with the closest real name, keys read outside the resource's `keys`); see src/resource/lint.ts.

import { readFileSync } from 'node:fs';
import { ConfigError, resolveConfig, type ConfdConfig, type ParsedArgs } from '../config/index.js';
import { listResourceFiles } from '../resource/load.js';
import { formatFinding, lintResource, lintTemplate, type Finding } from '../resource/lint.js';
import { parseResourceSpec } from '../resource/spec.js';

export interface CheckConfigIO {
  readonly args: ParsedArgs;
  readonly env: Readonly<Record<string, string | undefined>>;
  /** One line per problem (stdout). */
  readonly out: (text: string) => void;
  /** The summary (stderr). */
  readonly err: (text: string) => void;
}

/** "FILE:LINE:COL: msg" or "FILE:LINE: msg" at the start of an error message -> a finding. */
function findingOf(message: string, fallbackFile: string): Finding {
  const m = /^(\/?[^:\n]+?):(\d+)(?::(\d+))?: ([\s\S]*)$/.exec(message);
  const [, file, line, col, msg] = m ?? [];
  if (file !== undefined && msg !== undefined) return { file, line: Number(line), col: col === undefined ? undefined : Number(col), message: msg };
  const f = message.startsWith(`${fallbackFile}: `) ? message.slice(fallbackFile.length + 2) : message;
  return { file: fallbackFile, line: undefined, col: undefined, message: f };
}

/** Adds the column where a finding names a key on its line ("unknown key "x""): the key's first character. */
function withColumn(f: Finding, text: string | undefined): Finding {
  if (f.line === undefined || f.col !== undefined || text === undefined) return f;
  const line = text.split('\n')[f.line - 1] ?? '';
  const key = /key "([^"]+)"/.exec(f.message)?.[1];
  const at = key !== undefined && line.includes(key) ? line.indexOf(key) : line.length - line.trimStart().length;
  return { ...f, col: Buffer.byteLength(line.slice(0, at), 'utf8') + 1 };
}

function readText(file: string): string | undefined {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
}

export function checkConfig(io: CheckConfigIO): number {
  const findings: Finding[] = [];
  let config: ConfdConfig;
  try {
    const r = resolveConfig({ args: io.args, env: io.env });
    config = r.config;
    const text = readText(config.configFile);
    for (const w of r.warnings) if (w.startsWith(config.configFile)) findings.push(withColumn(findingOf(w, config.configFile), text));
  } catch (e) {
    if (!(e instanceof ConfigError)) throw e;
    const f = findingOf(e.message, 'confd.toml');
    findings.push(withColumn(f, readText(f.file)));
    // Go on with the flags and defaults alone, so that conf.d's problems are reported too.
    try {
      config = resolveConfig({ args: io.args, env: io.env, readFile: () => '' }).config;
    } catch (e2) {
      if (!(e2 instanceof ConfigError)) throw e2;
      return report(io, findings, 0);
    }
  }

  let files: string[] = [];
  try {
    files = listResourceFiles(config);
  } catch (e) {
    if (!(e instanceof ConfigError)) throw e;
    findings.push({ file: config.configDir, line: undefined, col: undefined, message: e.message });
  }
  const path = io.env['PATH'] ?? '/usr/bin:/bin';
  for (const file of files) {
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (e) {
      findings.push({ file, line: undefined, col: undefined, message: `cannot read: ${(e as Error).message}` });
      continue;
    }
    const warnings: string[] = [];
    let spec;
    try {
      spec = parseResourceSpec(file, text, { prefix: config.prefix, templateDir: config.templateDir, configDir: config.configDir, warn: (m) => warnings.push(m) });
    } catch (e) {
      if (!(e instanceof ConfigError)) throw e;
      findings.push(withColumn(findingOf(e.message, file), text));
      continue;
    } finally {
      for (const w of warnings) findings.push(withColumn(findingOf(w, file), text));
    }
    findings.push(...lintResource(spec, text, { path }));
    let tmpl: string;
    try {
      tmpl = readFileSync(spec.src, 'utf8');
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      findings.push({ file, line: undefined, col: undefined, message: code === 'ENOENT' ? `missing template ${spec.src}` : `cannot read template ${spec.src}: ${(e as Error).message}` });
      continue;
    }
    findings.push(...lintTemplate(spec, tmpl));
  }
  return report(io, findings, files.length);
}

function report(io: CheckConfigIO, findings: readonly Finding[], resources: number): number {
  for (const f of findings) io.out(`${formatFinding(f)}\n`);
  if (findings.length === 0) {
    io.err(`configuration OK: ${resources} template resource${resources === 1 ? '' : 's'} checked\n`);
    return 0;
  }
  const files = new Set(findings.map((f) => f.file));
  io.err(`${findings.length} problem${findings.length === 1 ? '' : 's'} in ${files.size} file${files.size === 1 ? '' : 's'}\n`);
  return 1;
}
