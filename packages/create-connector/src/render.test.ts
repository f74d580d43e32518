import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { imageDescription, renderDockerfile } from './dockerfile.ts';
import { namesOf, SLUG_PATTERN } from './names.ts';
import { render } from './render.ts';

const root = path.resolve(import.meta.dirname, '../../..');

describe('render', () => {
  it('replaces known placeholders and reports unknown ones instead of emptying them', () => {
    expect(render('{{ slug }}/{{Name}} {{nope}}', { slug: 'my-feed', Name: 'My Feed' })).toEqual({ text: 'my-feed/My Feed {{nope}}', unknown: ['nope'] });
  });
});

describe('names', () => {
  it.each([
    ['my-feed', { Name: 'My Feed', section: 'my_feed', ENV_PREFIX: 'MY_FEED', camel: 'myFeed', Pascal: 'MyFeed' }],
    ['abuse-ch2', { Name: 'Abuse Ch2', section: 'abuse_ch2', ENV_PREFIX: 'ABUSE_CH2', camel: 'abuseCh2', Pascal: 'AbuseCh2' }],
  ])('%s', (slug, expected) => {
    expect(namesOf(slug)).toMatchObject({ slug, ...expected });
  });
  it.each(['my-feed', 'x', 'feed2'])('accepts the slug %s', (slug) => expect(SLUG_PATTERN.test(slug)).toBe(true));
  it.each(['My-Feed', 'my_feed', '-feed', 'feed-', 'my--feed', '2feed', ''])('refuses the slug "%s"', (slug) => expect(SLUG_PATTERN.test(slug)).toBe(false));
});

describe('the one Dockerfile template', () => {
  it('renders the MITRE ATT&CK Dockerfile byte for byte', () => {
    const pkg = JSON.parse(readFileSync(path.join(root, 'connectors/mitre-attack/package.json'), 'utf8')) as { description: string };
    expect(renderDockerfile('mitre-attack', pkg.description)).toBe(readFileSync(path.join(root, 'connectors/mitre-attack/Dockerfile'), 'utf8'));
  });
  it('takes the image description from the package description up to ": " and escapes it for the LABEL', () => {
    expect(imageDescription('X import for OpenCTI: a drop-in for y')).toBe('X import for OpenCTI');
    expect(renderDockerfile('x', 'A "quoted" $HOME: rest')).toContain('org.opencontainers.image.description="A \\"quoted\\" \\$HOME"');
  });
  it('leaves no placeholder in any connector Dockerfile it renders', () => {
    for (const slug of readdirSync(path.join(root, 'connectors'))) expect(renderDockerfile(slug, 'd')).not.toMatch(/\{\{|\}\}/);
  });
});
