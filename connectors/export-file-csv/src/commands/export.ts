// `connector-export-file-csv export FILE.json [--delimiter X] [--bom]`: the CSV the connector
// would upload for the entities of a local file (a STIX bundle, a list of STIX objects or of
// GraphQL nodes), printed to stdout. No platform needed.
import { readFile, stat } from 'node:fs/promises';
import { ConfigError, InputError } from '@opencti-ts/sdk/errors';
import { defineOfflineCommand } from '@opencti-ts/sdk/runtime';
import { parseDelimiter } from '../config.ts';
import { rowsOfDocument } from '../convert/stix.ts';
import { writeCsv } from '../export.ts';

const MAX_INPUT_BYTES = 512 * 1024 * 1024;

export const exportCommand = defineOfflineCommand({
  summary: 'print the CSV of a STIX bundle or entity list file (no platform needed)',
  usage: 'export FILE.json [--delimiter X] [--bom]',
  options: { delimiter: { type: 'string' }, bom: { type: 'boolean', default: false } },
  positionals: { min: 1, max: 1 },
  async run({ values, positionals: [file = ''], io, out, err }) {
    // The option wins over EXPORT_FILE_CSV_DELIMITER, so the section is not loaded as a whole.
    const raw = values.delimiter ?? io.env.EXPORT_FILE_CSV_DELIMITER ?? ';';
    const delimiter = parseDelimiter(raw);
    if (delimiter === undefined)
      throw new ConfigError([
        { envVar: values.delimiter === undefined ? 'EXPORT_FILE_CSV_DELIMITER' : '--delimiter', message: 'must be one character, or \\t / tab / \\|' },
      ]);
    const size = (await stat(file).catch(() => undefined))?.size;
    if (size === undefined) throw new InputError('INPUT_NOT_FOUND', `cannot read ${file}`);
    if (size > MAX_INPUT_BYTES) throw new InputError('INPUT_TOO_LARGE', `${file} is larger than ${MAX_INPUT_BYTES} bytes`);
    let document: unknown;
    try {
      document = JSON.parse(await readFile(file, 'utf8'));
    } catch {
      throw new InputError('INPUT_NOT_JSON', `${file} is not valid JSON`);
    }
    const rows = rowsOfDocument(document);
    const result = await out.stream((writable) => writeCsv([rows], writable, { delimiter, bom: values.bom }));
    if (result.failed > 0) await err.line(`warning: ${result.failed} row(s) could not be written`);
    return 0;
  },
});
