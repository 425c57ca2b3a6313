// TOML helpers shared by confd.toml and the template resource files: parse with file:line:column errors, find the
// line a key sits on (smol-toml gives values, not positions), and name TOML value types for messages.

import { parse, TomlError } from 'smol-toml';

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  constructor(
    message: string,
    readonly code: string = 'ECONFIG',
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

export type TomlTable = Record<string, unknown>;

/** Parses `text` (from `file`); syntax errors become `FILE:LINE:COL: reason`. */
export function parseToml(file: string, text: string): TomlTable {
  try {
    return parse(text) as TomlTable;
  } catch (e) {
    if (e instanceof TomlError) {
      const reason = (e.message.split('\n')[0] ?? e.message).replace(/^Invalid TOML document: /, '');
      throw new ConfigError(`${file}:${e.line}:${e.column}: invalid TOML: ${reason}`, 'ETOML', { cause: e });
    }
    throw e;
  }
}

function escapeRe(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/**
 * 1-based line where `key` is assigned inside `table` ('' = top level), found by scanning the text: enough for
 * error messages, which is all it is used for. Undefined when not found (e.g. inline tables).
 */
export function keyLine(text: string, key: string, table = ''): number | undefined {
  const keyRe = new RegExp(`^\\s*(?:${escapeRe(key)}|"${escapeRe(key)}"|'${escapeRe(key)}')\\s*=`);
  const headerRe = /^\s*\[\s*([^\]]*?)\s*\]/;
  let current = '';
  const lines = text.split('\n');
  for (const [i, line] of lines.entries()) {
    const h = headerRe.exec(line);
    if (h && !/^\s*\[\[/.test(line)) {
      current = (h[1] ?? '').replace(/["']/g, '').trim();
      continue;
    }
    if (current === table && keyRe.test(line)) return i + 1;
  }
  return undefined;
}

/** TOML's name for a parsed value's type, for "expected X, got Y". */
export function tomlTypeName(v: unknown): string {
  if (typeof v === 'string') return 'string';
  if (typeof v === 'boolean') return 'boolean';
  if (typeof v === 'bigint') return 'integer';
  if (typeof v === 'number') return Number.isInteger(v) ? 'integer' : 'float';
  if (Array.isArray(v)) return 'array';
  if (v instanceof Date) return 'datetime';
  if (typeof v === 'object' && v !== null) return 'table';
  return typeof v;
}

/** "FILE:LINE: " or "FILE: " when the line is unknown. */
export function where(file: string, line: number | undefined): string {
  return line === undefined ? `${file}: ` : `${file}:${line}: `;
}
