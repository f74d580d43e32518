// The CSV export connector: each export job reads its rows page by page through the API
// (as the requesting user), writes the official CSV format to a temporary file and streams
// that file to the export mutation that fits the job (connectors.md §5). Neither the rows nor
// the CSV are held in memory; the temporary files go whatever ends the job.

import { once } from 'node:events';
import { createWriteStream } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ConfigError, PlatformError } from '@opencti-ts/sdk/errors';
import { defineConnector } from '@opencti-ts/sdk/runtime';
import { csvConfig, parseDelimiter } from './config.ts';
import { REPORT_EXPECTATION } from './documents.ts';
import { failedRowsMessage, writeCsv } from './export.ts';
import { exportPages, visibleColumnsOf } from './fetch.ts';

export const csvConnector = defineConnector({
  kind: 'INTERNAL_EXPORT_FILE',
  config: csvConfig,
  async handle(event, ctx) {
    const settings = ctx.config['export-file-csv'];
    const delimiter = parseDelimiter(settings.delimiter);
    if (delimiter === undefined) throw new ConfigError([{ envVar: 'EXPORT_FILE_CSV_DELIMITER', message: 'must be one character' }]);
    const dir = await mkdtemp(path.join(tmpdir(), 'export-file-csv-out-'));
    try {
      const file = path.join(dir, 'export.csv');
      const out = createWriteStream(file);
      let result: Awaited<ReturnType<typeof writeCsv>>;
      try {
        const pages = exportPages(event, ctx.api, { pageSize: settings.page_size, signal: ctx.signal });
        result = await writeCsv(pages, out, {
          delimiter,
          visibleColumns: visibleColumnsOf(event),
          bom: settings.excel_bom,
          logger: ctx.logger,
          signal: ctx.signal,
        });
      } finally {
        out.end();
        await once(out, 'close');
      }
      ctx.logger.info('CSV written', { scope: event.exportScope, entity_type: event.entityType, rows: result.rows, failed: result.failed });
      // Streamed from disk (reopened if the upload is retried). The platform keys the stored
      // file's MIME type on its name; the part says text/csv.
      try {
        await ctx.uploadExport({ path: file }, { mimeType: 'text/csv' });
      } catch (error) {
        // Say which step failed: the rows were read, the platform did not take the file.
        const reason = error instanceof Error ? error.message : String(error);
        throw new PlatformError('EXPORT_UPLOAD_FAILED', `the CSV file (${result.rows} rows) could not be uploaded: ${reason}`, {
          cause: error,
          details: { code: (error as { code?: unknown }).code },
        });
      }
      if (result.failed === 0) return 'Export done';
      const message = failedRowsMessage(result.failed);
      if (ctx.workId) await ctx.api.query(REPORT_EXPECTATION, { id: ctx.workId, error: { error: message, source: 'CONNECTOR' } });
      return message;
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  },
});
