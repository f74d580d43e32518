// Conformance on the real OpenCTI CSV exports of ../shared/data/opencti-csv. The inputs that
// produced them are not published, so each file is read back into pycti-shaped rows (display
// values with their *Ids twins, booleans, integers) and written again: the header must be the
// connector's column order for those keys, and the bytes the file's, once normalised to the
// current writer (every field quoted, CRLF: the files predate it and were hand-edited for the
// platform's parser tests; `#` comment lines removed).
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { sharedPath } from '@opencti-ts/testing';
import { describe, expect, it } from 'vitest';
import { buildColumns } from '../src/convert/csv.ts';
import { writeCsv } from '../src/export.ts';
import { collect } from './helpers.ts';

const data = sharedPath('data', 'opencti-csv');

/** A `;` CSV reader for these files: quoted or raw fields, `#` lines skipped, LF records. */
function parseCsv(text: string): string[][] {
  const records: string[][] = [];
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const fields: string[] = [];
    let i = 0;
    while (i <= line.length) {
      if (line[i] === '"') {
        let value = '';
        i += 1;
        for (;;) {
          const quote = line.indexOf('"', i);
          value += line.slice(i, quote);
          if (line[quote + 1] === '"') {
            value += '"';
            i = quote + 2;
          } else {
            i = quote + 1;
            break;
          }
        }
        fields.push(value);
      } else {
        const end = line.indexOf(';', i);
        fields.push(line.slice(i, end < 0 ? line.length : end));
        i = end < 0 ? line.length : end;
      }
      i += 1;
    }
    records.push(fields);
  }
  return records;
}

/** The pycti row a line came from, as far as its rendering tells. */
function rowOf(header: string[], fields: string[]): Record<string, unknown> {
  const row: Record<string, unknown> = {};
  const split = (value: string) => (value === '' ? [] : value.split(','));
  header.forEach((key, index) => {
    const value = fields[index] ?? '';
    if (header.includes(`${key}Ids`)) {
      const ids = split(fields[header.indexOf(`${key}Ids`)] ?? '');
      row[key] = key === 'createdBy' ? (value === '' ? null : { id: ids[0], name: value }) : split(value).map((name, n) => ({ id: ids[n], name }));
    } else if (key === 'createdById') row[key] = value === '' ? null : value;
    else if (key.endsWith('Ids')) row[key] = split(value);
    else if (value === 'True' || value === 'False') row[key] = value === 'True';
    else if (/^(confidence|x_opencti_score)$/.test(key) && /^\d+$/.test(value)) row[key] = Number(value);
    else row[key] = value;
  });
  return row;
}

const files = data.available
  ? ['exports', 'exports-edited'].flatMap((folder) => readdirSync(path.join(data.path, folder)).map((name) => path.join(data.path, folder, name)))
  : [];

describe.skipIf(!data.available)('real OpenCTI CSV exports', () => {
  it('has the three files of the README', () => {
    expect(files.length).toBe(3);
  });
  it.each(files.map((file) => [path.basename(file), file]))('%s: same header order and bytes from its rows', async (_name, file) => {
    const [header = [], ...records] = parseCsv(readFileSync(file, 'utf8'));
    expect(buildColumns(header).map((column) => column.header)).toEqual(header);
    const rows = records.map((fields) => rowOf(header, fields));
    const expected = [header, ...records].map((fields) => `${fields.map((field) => `"${field.replaceAll('"', '""')}"`).join(';')}\r\n`).join('');
    const { text, result } = await collect((out) => writeCsv([rows], out, { delimiter: ';' }));
    expect(result).toMatchObject({ rows: records.length, failed: 0, columns: header.length });
    expect(text).toBe(expected);
  });
});
