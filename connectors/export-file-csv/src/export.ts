// Pages of rows → CSV, without holding the export in memory: rows are spooled to a
// temporary file as JSON lines while the column set (the union of their keys, as the
// official connector computes it) is collected, then rendered line by line.
import { once } from 'node:events';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import type { Writable } from 'node:stream';
import type { Logger } from '@opencti-ts/sdk/log';
import { buildColumns, csvRecord, type Row, renderRow, toWellFormed } from './convert/csv.ts';

export interface CsvOptions {
  delimiter: string;
  visibleColumns?: readonly string[] | null;
  /** Opt-in UTF-8 byte order mark for spreadsheet applications. */
  bom?: boolean;
  logger?: Logger;
  /** Stops the writing (a connector stop) between rows. */
  signal?: AbortSignal;
}

export interface CsvResult {
  rows: number;
  /** Rows dropped because rendering them failed (logged as warnings). */
  failed: number;
  columns: number;
}

async function writeText(out: Writable, text: string): Promise<void> {
  if (!out.write(text, 'utf8')) await once(out, 'drain');
}

/** Writes the CSV of every row of `pages` to `out` (not ended). */
export async function writeCsv(pages: AsyncIterable<readonly Row[]> | Iterable<readonly Row[]>, out: Writable, options: CsvOptions): Promise<CsvResult> {
  const dir = await mkdtemp(path.join(tmpdir(), 'export-file-csv-'));
  try {
    const spoolPath = path.join(dir, 'rows.jsonl');
    const spool = createWriteStream(spoolPath, { encoding: 'utf8' });
    const keys = new Set<string>();
    let total = 0;
    try {
      for await (const page of pages) {
        options.signal?.throwIfAborted();
        for (const row of page) {
          for (const key of Object.keys(row)) keys.add(key);
          await writeText(spool, `${JSON.stringify(row)}\n`);
          total += 1;
        }
      }
    } finally {
      spool.end();
      await once(spool, 'close');
    }
    const columns = buildColumns(keys, options.visibleColumns);
    if (options.bom) await writeText(out, '\uFEFF');
    await writeText(
      out,
      toWellFormed(
        csvRecord(
          columns.map((column) => column.header),
          options.delimiter,
        ),
      ),
    );
    let failed = 0;
    let index = 0;
    const input = createReadStream(spoolPath, { encoding: 'utf8' });
    try {
      const lines = createInterface({ input, crlfDelay: Number.POSITIVE_INFINITY });
      for await (const line of lines) {
        if (line === '') continue;
        options.signal?.throwIfAborted();
        index += 1;
        let record: string;
        try {
          record = csvRecord(renderRow(JSON.parse(line) as Row, columns), options.delimiter);
        } catch (error) {
          failed += 1;
          options.logger?.warn('A row could not be written to the CSV', { row: index, error });
          continue;
        }
        await writeText(out, toWellFormed(record));
      }
    } finally {
      // Leaving the loop early (stop, write error) does not close readline's input.
      input.destroy();
    }
    return { rows: total - failed, failed, columns: columns.length };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** The work message of the official connector when rows were dropped (connectors.md §5.5). */
export const failedRowsMessage = (failed: number) => `Some values were not processed in CSV (for ${failed} lines). See connector logs for details.`;
