// Loading every template resource of a confdir: conf.d/**/*toml (confd's recursiveFindFiles(ConfigDir, "*toml")),
// each parsed on its own so that one broken file is reported and the others still run (confd stops everything).

import { readdirSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { ConfigError } from '../config/toml.js';
import { loadResourceSpec } from './spec.js';
import { TemplateResource } from './resource.js';
import { minimalPrefixes } from '../util/prefixes.js';
import { KeyView } from './view.js';

export interface LoadOptions {
  readonly confdir: string;
  /** confdir/conf.d */
  readonly configDir: string;
  readonly templateDir: string;
  /** Global -prefix. */
  readonly prefix: string;
  readonly getenv: (name: string) => string | undefined;
  readonly warn: (msg: string) => void;
  /** Render incrementally (watch and interval modes); see TemplateContext.memoize. */
  readonly memoize?: boolean;
}

export interface LoadFailure {
  readonly file: string;
  readonly error: Error;
}

export interface LoadedResources {
  readonly resources: readonly TemplateResource[];
  readonly views: readonly KeyView[];
  readonly failures: readonly LoadFailure[];
}

function findTomlFiles(dir: string, out: string[]): void {
  const entries = readdirSync(dir, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  for (const e of entries) {
    const p = join(dir, e.name);
    let isDir = e.isDirectory();
    let isFile = e.isFile();
    if (e.isSymbolicLink()) {
      try {
        const st = statSync(p);
        isDir = false; // filepath.Walk does not follow symlinked directories
        isFile = st.isFile();
      } catch {
        continue;
      }
    }
    if (isDir) findTomlFiles(p, out);
    else if (isFile && e.name.endsWith('toml')) out.push(p);
  }
}

/** Lists the resource files; throws ConfigError when the confdir or conf.d is missing or unreadable. */
export function listResourceFiles(o: Pick<LoadOptions, 'confdir' | 'configDir'>): string[] {
  for (const [what, dir] of [['confdir', o.confdir], ['template resource directory', o.configDir]] as const) {
    let st;
    try {
      st = statSync(dir);
    } catch (e) {
      throw new ConfigError(`${what} ${dir} does not exist or cannot be read: ${(e as Error).message}`, 'ECONFDIR', { cause: e });
    }
    if (!st.isDirectory()) throw new ConfigError(`${what} ${dir} is not a directory`, 'ECONFDIR');
  }
  const files: string[] = [];
  findTomlFiles(o.configDir, files);
  return files;
}

export function loadResources(o: LoadOptions): LoadedResources {
  const files = listResourceFiles(o);
  const views = new Map<string, KeyView>();
  const resources: TemplateResource[] = [];
  const failures: LoadFailure[] = [];
  /** dest (resolved) -> the resource file that writes it. */
  const dests = new Map<string, string>();
  for (const file of files) {
    try {
      const spec = loadResourceSpec(file, { prefix: o.prefix, templateDir: o.templateDir, configDir: o.configDir, warn: o.warn });
      // Two resources writing one file would install in turn, each undoing the other, with no warning (confd):
      // the first (in file order) keeps it, the second is refused.
      const dest = resolve(spec.dest);
      const owner = dests.get(dest);
      if (owner !== undefined) {
        throw new ConfigError(`${file}: dest ${spec.dest} is already written by ${owner}; this resource is not loaded (give each resource its own dest)`, 'EDUPDEST');
      }
      const id = KeyView.id(spec.prefix, spec.watchKeys);
      let view = views.get(id);
      if (view === undefined) {
        view = new KeyView(spec.prefix, [...new Set(spec.watchKeys)]);
        views.set(id, view);
      }
      resources.push(TemplateResource.load(spec, view, { getenv: o.getenv, memoize: o.memoize ?? false }));
      dests.set(dest, file);
    } catch (e) {
      failures.push({ file, error: e instanceof Error ? e : new Error(String(e)) });
    }
  }
  // Views no resource uses (all of its resources failed to load) are dropped.
  const used = new Set(resources.map((r) => r.view));
  return { resources, views: [...views.values()].filter((v) => used.has(v)), failures };
}

/**
 * The smallest set of backend prefixes that covers all views: a prefix already covered by a shorter one
 * (raw string prefix, as the backends match) is dropped.
 */
export function unionPrefixes(views: readonly KeyView[]): string[] {
  return minimalPrefixes(views.flatMap((v) => v.watchKeys));
}
