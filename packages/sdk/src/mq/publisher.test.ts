import { sharedPath } from '@opencti-ts/testing';
import { describe, expect, it } from 'vitest';
import { pythonJsonDumps } from '../stix/python-strings.ts';
import { transcriptPublishes } from './__fixtures__/transcript.ts';
import { type BundleMessageInput, encodeBundleMessage } from './publisher.ts';

const transcript = sharedPath('data/vectors/helper/transcript.json');

/** The encoder's input that reproduces a message pycti published. */
function inputFrom(body: Record<string, unknown>): BundleMessageInput {
  return {
    applicantId: body.applicant_id as string | null,
    actionSequence: body.action_sequence as number,
    entitiesTypes: body.entities_types as string[],
    content: Buffer.from(body.content as string, 'base64').toString('utf8'),
    update: body.update as boolean,
    draftId: body.draft_id as string | null,
    workId: body.work_id as string | undefined,
  };
}

describe.skipIf(!transcript.available)('encodeBundleMessage against pycti publishes', () => {
  const publishes = transcript.available ? transcriptPublishes(transcript.path) : [];

  it('the transcript holds publishes to check against', () => {
    expect(publishes.length).toBeGreaterThan(20);
  });

  it.each(publishes.map((publish) => [`${publish.scenario.slice(0, 40)} #${String(publish.body.action_sequence)}`, publish] as const))(
    '%s: same bytes as json.dumps of the body',
    (_title, publish) => {
      const encoded = encodeBundleMessage(inputFrom(publish.body));
      expect(encoded.toString('utf8')).toBe(pythonJsonDumps(publish.body));
      expect(Object.keys(JSON.parse(encoded.toString('utf8')) as object)).toEqual(Object.keys(publish.body));
    },
  );
});

describe('encodeBundleMessage', () => {
  const base: BundleMessageInput = { applicantId: 'user-1', actionSequence: 1, entitiesTypes: [], content: '{}', update: false, draftId: null };

  it.each([
    [
      'no work: work_id is left out',
      base,
      '{"bundle_type": "QUEUE_BUNDLE", "applicant_id": "user-1", "action_sequence": 1, "entities_types": [], "content": "e30=", "update": false, "draft_id": null}',
    ],
    [
      'a work, a draft reset to "" and types',
      { ...base, actionSequence: 7, entitiesTypes: ['malware', 'report'], update: true, draftId: '', workId: 'work_1' },
      '{"bundle_type": "QUEUE_BUNDLE", "applicant_id": "user-1", "action_sequence": 7, "entities_types": ["malware", "report"], "content": "e30=", "update": true, "draft_id": "", "work_id": "work_1"}',
    ],
    [
      'null applicant and a null work id',
      { ...base, applicantId: null, workId: null },
      '{"bundle_type": "QUEUE_BUNDLE", "applicant_id": null, "action_sequence": 1, "entities_types": [], "content": "e30=", "update": false, "draft_id": null}',
    ],
  ])('%s', (_title, input, expected) => {
    expect(encodeBundleMessage(input).toString('utf8')).toBe(expected);
  });

  it('base64-encodes the UTF-8 bytes of the content and escapes non-ASCII like Python', () => {
    const content = '{"name": "Zürich 😀"}';
    const body = encodeBundleMessage({ ...base, entitiesTypes: ['café'], draftId: 'd\u007f' }).toString('utf8');
    expect(body).toContain('"entities_types": ["caf\\u00e9"]');
    expect(body).toContain('"draft_id": "d\\u007f"');
    expect(body).toMatch(/^[\x20-\x7e]*$/);
    const encoded = JSON.parse(encodeBundleMessage({ ...base, content }).toString('utf8')) as { content: string };
    expect(Buffer.from(encoded.content, 'base64').toString('utf8')).toBe(content);
    expect(encoded.content).toBe(Buffer.from(content, 'utf8').toString('base64'));
  });
});
