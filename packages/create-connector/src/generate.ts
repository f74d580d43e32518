// Renders a connector package from templates/shared + templates/<kind> (+ the one
// Dockerfile template), then derives its generated files (config sample, JSON schema,
// README table, compose environment) from its config schema as `pnpm connectors:generate`
// does. Returns problems instead of throwing: the command line turns them into one line
// and exit code 2.

import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { syncConnectorFiles } from '../../../scripts/connector-files.ts';
import { renderDockerfile } from './dockerfile.ts';
import { type Kind, namesOf, SLUG_PATTERN } from './names.ts';
import { render, type Variables } from './render.ts';

export const TEMPLATES_DIR = path.resolve(import.meta.dirname, '../templates');

/** What differs by kind beyond the kind's own template folder. */
const CONNECTOR_USER = 'a dedicated OpenCTI user with the "Connector" role';
const ADMIN_USER = 'an OpenCTI administrator with the "Bypass all capabilities" capability (the platform requires it for file import and export connectors)';
const KIND_VARIABLES: Record<Kind, { KIND: string; what: string; user: string }> = {
  'external-import': { KIND: 'EXTERNAL_IMPORT', what: 'import', user: CONNECTOR_USER },
  'internal-enrichment': { KIND: 'INTERNAL_ENRICHMENT', what: 'enrichment', user: CONNECTOR_USER },
  'internal-import-file': { KIND: 'INTERNAL_IMPORT_FILE', what: 'file import', user: ADMIN_USER },
  'internal-export-file': { KIND: 'INTERNAL_EXPORT_FILE', what: 'file export', user: ADMIN_USER },
};

export interface GenerateOptions {
  slug: string;
  kind: Kind;
  /** Display name (CONNECTOR_NAME default, README title); default from the slug. */
  name?: string;
  /** Folder that receives `<slug>/`, e.g. <repo>/connectors. */
  dir: string;
}

export type GenerateResult = { ok: true; dir: string; files: string[]; warnings: string[] } | { ok: false; error: string };

function templateFiles(dir: string, prefix = ''): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const relative = path.join(prefix, entry.name);
    return entry.isDirectory() ? templateFiles(path.join(dir, entry.name), relative) : [relative];
  });
}

/** Template path → output path: `.tmpl` dropped, `__slug__` replaced, `dot-x` → `.x` (npm-safe dotfiles). */
function outputPath(relative: string, slug: string): string {
  const withoutSuffix = relative.replace(/\.tmpl$/, '').replaceAll('__slug__', slug);
  return withoutSuffix
    .split(path.sep)
    .map((part) => (part.startsWith('dot-') ? `.${part.slice(4)}` : part))
    .join(path.sep);
}

export function variablesFor(options: GenerateOptions): Variables {
  const names = namesOf(options.slug, options.name);
  const kind = KIND_VARIABLES[options.kind];
  return { ...names, kind: options.kind, ...kind, description: `${names.Name} ${kind.what} for OpenCTI` };
}

const WORKSPACE_PACKAGES = path.resolve(import.meta.dirname, '../..');
const REPO_ROOT = path.resolve(WORKSPACE_PACKAGES, '..');

/**
 * The links `pnpm install` makes for the workspace dependencies (@opencti-ts/sdk …), made
 * now so the config schema can be loaded to derive the generated files, and tsc/vitest work
 * before the next install (which replaces them).
 */
function linkWorkspacePackages(target: string, packageJson: string): void {
  const manifest = JSON.parse(packageJson) as { dependencies?: Record<string, string>; devDependencies?: Record<string, string> };
  for (const name of Object.keys({ ...manifest.dependencies, ...manifest.devDependencies })) {
    const folder = path.join(WORKSPACE_PACKAGES, name.replace(/^@opencti-ts\//, ''));
    const link = path.join(target, 'node_modules', name);
    if (!name.startsWith('@opencti-ts/') || !existsSync(folder) || existsSync(link)) continue;
    mkdirSync(path.dirname(link), { recursive: true });
    symlinkSync(path.relative(path.dirname(link), folder), link);
  }
}

export async function generateConnector(options: GenerateOptions): Promise<GenerateResult> {
  if (!SLUG_PATTERN.test(options.slug)) return { ok: false, error: `invalid slug "${options.slug}": use kebab-case (e.g. my-feed)` };
  const target = path.resolve(options.dir, options.slug);
  if (existsSync(target)) return { ok: false, error: `${target} already exists` };
  const variables = variablesFor(options);
  const rendered = new Map<string, string>();
  for (const folder of ['shared', options.kind]) {
    const base = path.join(TEMPLATES_DIR, folder);
    for (const relative of templateFiles(base)) {
      const { text, unknown } = render(readFileSync(path.join(base, relative), 'utf8'), variables);
      if (unknown.length > 0) return { ok: false, error: `template ${folder}/${relative} uses unknown placeholder(s): ${unknown.join(', ')}` };
      rendered.set(outputPath(relative, options.slug), text);
    }
  }
  rendered.set('Dockerfile', renderDockerfile(options.slug, variables.description ?? ''));
  for (const [relative, text] of rendered) {
    const file = path.join(target, relative);
    mkdirSync(path.dirname(file), { recursive: true });
    writeFileSync(file, text, { mode: relative.startsWith(`bin${path.sep}`) ? 0o755 : 0o644 });
  }
  linkWorkspacePackages(target, rendered.get('package.json') ?? '{}');
  // Names change line lengths: the repository's formatter gives the final layout.
  const formatted = spawnSync(path.join(REPO_ROOT, 'node_modules/.bin/biome'), ['format', '--write', target], { cwd: REPO_ROOT, encoding: 'utf8' });
  const warnings = formatted.status === 0 ? [] : [`biome format failed: ${(formatted.stderr || formatted.stdout).trim().split('\n')[0]}`];
  // config.yml.sample, __metadata__/connector_config_schema.json, README table, compose env.
  let problems: string[];
  try {
    problems = await syncConnectorFiles(target, { check: false });
  } catch (error) {
    problems = [`generated files not derived (${error instanceof Error ? error.message : String(error)}): run pnpm install, then pnpm connectors:generate`];
  }
  return {
    ok: true,
    dir: target,
    files: [...rendered.keys(), 'config.yml.sample', '__metadata__/connector_config_schema.json'].sort(),
    warnings: [...warnings, ...problems],
  };
}
