// Every connector image comes from ONE Dockerfile template (templates/Dockerfile.tmpl),
// rendered per connector: `pnpm lint` (scripts/connector-files.ts --check) fails when a
// connectors/*/Dockerfile differs from its rendering, so images cannot drift apart.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { render } from './render.ts';

export const DOCKERFILE_TEMPLATE = path.resolve(import.meta.dirname, '../templates/Dockerfile.tmpl');

/**
 * The OCI description label: the package description up to its first ": " (the rest, e.g.
 * "a drop-in for opencti/connector-x", is for the package list, not the image).
 */
export function imageDescription(packageDescription: string): string {
  const cut = packageDescription.indexOf(': ');
  return cut < 0 ? packageDescription : packageDescription.slice(0, cut);
}

export function renderDockerfile(slug: string, packageDescription: string): string {
  // The label is a double-quoted Dockerfile string.
  const description = imageDescription(packageDescription).replace(/[\\"$]/g, (char) => `\\${char}`);
  return render(readFileSync(DOCKERFILE_TEMPLATE, 'utf8'), { slug, description }).text;
}
