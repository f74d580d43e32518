import { describe, expect, it } from 'vitest';
import { parseDelimiter } from '../config.ts';
import { buildColumns, compareCodePoints, csvRecord, pythonFloatRepr, pythonNumber, renderCell, renderValue } from './csv.ts';
import { forSingleExport, toRow } from './rows.ts';

describe('cell rendering (connectors.md §5.4.3)', () => {
  it.each([
    ['missing / null', null, ''],
    ['string', 'APT 28', 'APT 28'],
    ['boolean true', true, 'True'],
    ['boolean false', false, 'False'],
    ['integer', 75, '75'],
    ['float', 48.8566, '48.8566'],
    ['small float', 0.00001, '1e-05'],
    ['huge number', 1e21, '1e+21'],
    ['list of strings', ['russia', 'rrn'], 'russia,rrn'],
    ['markings', [{ definition: 'TLP:GREEN' }, { definition: 'PAP:CLEAR' }], 'TLP:GREEN,PAP:CLEAR'],
    [
      'labels',
      [
        { id: 'l1', value: 'apt' },
        { id: 'l2', value: 'backdoor' },
      ],
      'apt,backdoor',
    ],
    ['list items without a display key are skipped', [{ source_name: 'x' }, { name: 'kept' }], 'kept'],
    ['null display value', [{ name: null }, { name: 'b' }], ',b'],
    ['hashes render empty', [{ algorithm: 'MD5', hash: 'abc' }], ''],
    ['empty list', [], ''],
    ['list of numbers', [1, 2], ''],
    ['object by name', { id: 'x', name: 'AlienVault' }, 'AlienVault'],
    ['object ignores definition', { definition: 'TLP:RED' }, ''],
    ['object with observable value', { observable_value: '1.2.3.4' }, '1.2.3.4'],
  ])('%s', (_name, value, expected) => {
    expect(renderValue(value)).toBe(expected);
  });

  it('a list mixing strings and other values fails the row, as Python join does', () => {
    expect(() => renderValue(['a', 1])).toThrow(/mixes strings/);
  });

  it('hash sub-columns read the algorithm exactly; from/to presentation columns', () => {
    const row = {
      hashes: [
        { algorithm: 'MD5', hash: 'aa' },
        { algorithm: 'SHA-256', hash: 'bb' },
      ],
      from: { entity_type: 'Malware', name: 'Emotet', representative: { main: 'Emotet' } },
    };
    const columns = buildColumns(Object.keys(row), null);
    expect(columns.map((c) => c.header)).toEqual(['from', 'hashes', 'hashes_MD5', 'hashes_SHA-1', 'hashes_SHA-256', 'hashes_SHA-512', 'hashes_SSDEEP']);
    expect(columns.map((c) => renderCell(row, c))).toEqual(['Emotet', '', 'aa', '', 'bb', '', '']);
    const visible = buildColumns(Object.keys(row), ['fromName', 'fromType', 'nope', 'fromName']);
    expect(visible.map((c) => [c.header, renderCell(row, c)])).toEqual([
      ['fromName', 'Emotet'],
      ['fromType', 'Malware'],
    ]);
  });
});

describe('Python float repr', () => {
  it.each([
    [1.5, '1.5'],
    [0.1, '0.1'],
    [1e-5, '1e-05'],
    [0.0001, '0.0001'],
    [1e16, '1e+16'],
    [1.2345e16, '1.2345e+16'],
    [123456789012345.6, '123456789012345.6'],
    [-2.5e-7, '-2.5e-07'],
    [Number.POSITIVE_INFINITY, 'inf'],
    [Number.NaN, 'nan'],
    [3, '3.0'],
  ])('%s → %s', (value, expected) => {
    expect(pythonFloatRepr(value)).toBe(expected);
  });
  it('integral JSON numbers print as Python ints', () => {
    expect(pythonNumber(10_000_000_000_000_000)).toBe('10000000000000000');
    expect(pythonNumber(7.0)).toBe('7');
  });
});

describe('columns and records', () => {
  it('sorts by code point: upper case before _ before lower case', () => {
    const keys = ['creators', 'created_at', 'createdById', 'createdBy', 'Z', 'é', 'a'];
    expect(buildColumns(keys).map((c) => c.header)).toEqual(['Z', 'a', 'createdBy', 'createdById', 'created_at', 'creators', 'é']);
    expect(compareCodePoints('𝒜', '\uffff')).toBeGreaterThan(0);
  });
  it('quotes every field, doubles quotes, keeps newlines, ends with CRLF', () => {
    expect(csvRecord(['a"b', 'x;y', 'line\nbreak', ''], ';')).toBe('"a""b";"x;y";"line\nbreak";""\r\n');
    expect(csvRecord([], ';')).toBe('\r\n');
  });
});

describe('pycti rows', () => {
  it('adds the Ids twins and flattens connections', () => {
    const row = toRow({
      id: 'x',
      createdBy: { id: 'c', name: 'AlienVault' },
      objectMarking: [{ id: 'm', definition: 'TLP:CLEAR' }],
      externalReferences: { edges: [{ node: { id: 'e', source_name: 's' } }] },
      importFiles: { edges: [] },
    });
    expect(row).toMatchObject({
      createdById: 'c',
      objectMarkingIds: ['m'],
      externalReferences: [{ id: 'e', source_name: 's' }],
      externalReferencesIds: ['e'],
      importFilesIds: [],
    });
    expect(toRow({ createdBy: null }).createdById).toBeNull();
  });
  it('single exports drop objectLabelIds and the entity objectsIds', () => {
    expect(Object.keys(forSingleExport({ a: 1, objectLabelIds: [], objectsIds: ['x'] }, 'entity'))).toEqual(['a']);
    expect(Object.keys(forSingleExport({ a: 1, objectLabelIds: [] }, 'content'))).toEqual(['a']);
  });
});

describe('EXPORT_FILE_CSV_DELIMITER (Fix: escapes)', () => {
  it.each([
    [';', ';'],
    [',', ','],
    ['\\t', '\t'],
    ['tab', '\t'],
    ['\\|', '|'],
    ['\t', '\t'],
    [';;', undefined],
    ['', undefined],
    ['"', undefined],
  ])('%j → %j', (raw, expected) => {
    expect(parseDelimiter(raw)).toBe(expected);
  });
});
