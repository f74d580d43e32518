// Every spelling of a connector's name the templates use, derived from its slug (the
// folder, package, image and bin name), as the official create_connector_dir.sh derives
// template/Template/TEMPLATE.

export const KINDS = ['external-import', 'internal-enrichment', 'internal-import-file', 'internal-export-file'] as const;
export type Kind = (typeof KINDS)[number];

/** Kebab-case, starting with a letter: a valid npm name part, image name and folder. */
export const SLUG_PATTERN = /^[a-z][a-z0-9]*(?:-[a-z0-9]+)*$/;

export function isKind(value: string): value is Kind {
  return (KINDS as readonly string[]).includes(value);
}

const words = (slug: string) => slug.split('-');
const capitalize = (word: string) => word.charAt(0).toUpperCase() + word.slice(1);

export interface Names {
  /** my-feed */
  slug: string;
  /** My Feed (or --name) */
  Name: string;
  /** my_feed: the config section, hence the env prefix */
  section: string;
  /** MY_FEED */
  ENV_PREFIX: string;
  /** myFeed */
  camel: string;
  /** MyFeed */
  Pascal: string;
}

export function namesOf(slug: string, displayName?: string): Names {
  const parts = words(slug);
  const Pascal = parts.map(capitalize).join('');
  return {
    slug,
    Name: displayName ?? parts.map(capitalize).join(' '),
    section: parts.join('_'),
    ENV_PREFIX: parts.join('_').toUpperCase(),
    camel: Pascal.charAt(0).toLowerCase() + Pascal.slice(1),
    Pascal,
  };
}
