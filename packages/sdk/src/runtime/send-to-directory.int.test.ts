// Send-to-directory end to end (sdk-protocol §g.1): an external-import connector run with
// CONNECTOR_SEND_TO_DIRECTORY=true against the stand-in writes the file of the transcript
// scenario "external-import: file written by send_to_directory": pycti's name pattern and
// its content, key by key (the applicant id, the stand-in's connector user, aside).
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { rabbitMq, sharedPath } from '@opencti-ts/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { baseConfig, defineConfig } from '../config/index.ts';
import { type StandIn, startStandIn } from './__fixtures__/stand-in.ts';
import { defineConnector } from './define.ts';
import type { StixBundle } from './sender.ts';
import { startConnector } from './start.ts';

const broker = await rabbitMq();
const transcriptFile = sharedPath('data/vectors/helper/transcript.json');

interface DirectoryScenario {
  scenario: string;
  file_name_pattern_example: string;
  content: {
    applicant_id: string;
    connector: { id: string; name: string; type: string; scope: string; auto: boolean; validate_before_import: boolean };
    entities_types: string[];
    bundle: StixBundle;
    update: boolean;
  } & Record<string, unknown>;
}

describe.skipIf(!broker.available || !transcriptFile.available)('send to directory from a running connector', () => {
  let platform: StandIn;
  let directory: string;
  let expected: DirectoryScenario;

  beforeAll(async () => {
    if (!transcriptFile.available) return;
    const transcript = JSON.parse(await readFile(transcriptFile.path, 'utf8')) as { transcript: DirectoryScenario[] };
    const scenario = transcript.transcript.find((entry) => entry.scenario === 'external-import: file written by send_to_directory');
    if (!scenario) throw new RangeError('the transcript has no send_to_directory scenario');
    expected = scenario;
    platform = await startStandIn({ objects: [] });
    directory = await mkdtemp(path.join(tmpdir(), 'opencti-ts-directory-'));
  });
  afterAll(async () => {
    await platform?.stop();
    if (directory) await rm(directory, { recursive: true, force: true });
  });

  it('writes one file per send, named and filled like pycti', async () => {
    const { connector: info, bundle, entities_types, update } = expected.content;
    const definition = defineConnector({
      kind: 'EXTERNAL_IMPORT',
      config: defineConfig(baseConfig('EXTERNAL_IMPORT')),
      async run(ctx) {
        // A copy: the splitter annotates the objects it is given (nb_deps, merged references).
        await ctx.send(structuredClone(bundle), { entitiesTypes: entities_types, update });
        return 'Sent';
      },
    });
    const running = startConnector(definition, {
      env: {
        OPENCTI_URL: platform.url,
        OPENCTI_TOKEN: platform.token,
        CONNECTOR_ID: info.id,
        CONNECTOR_NAME: info.name,
        CONNECTOR_SCOPE: info.scope,
        CONNECTOR_RUN_AND_TERMINATE: 'true',
        CONNECTOR_SEND_TO_DIRECTORY: 'true',
        CONNECTOR_SEND_TO_DIRECTORY_PATH: directory,
      },
      handleSignals: false,
      logSink: () => {},
    });
    expect(await running.done).toBe(0);

    const files = await readdir(directory);
    expect(files).toHaveLength(1);
    const [name] = files as [string];
    // pycti: <name lower-cased, spaces → _>-<YYYYmmdd-HHMMSS>-<epoch seconds as float>.json
    const shape = (file: string) => file.replace(/\d/g, '9').replace(/\.9+\.json$/, '.json');
    expect(shape(name)).toBe(shape(expected.file_name_pattern_example));
    expect(name).toMatch(/^mitre_att&ck-\d{8}-\d{6}-\d{10}\.\d{1,7}\.json$/);

    const written = JSON.parse(await readFile(path.join(directory, name), 'utf8')) as Record<string, unknown>;
    expect(Object.keys(written)).toEqual(Object.keys(expected.content));
    expect(written.applicant_id).toEqual(expect.any(String));
    expect({ ...written, applicant_id: expected.content.applicant_id }).toEqual(expected.content);
  });
});
