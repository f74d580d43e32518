// The connector's configuration: the SDK base for an internal export file connector plus
// the `export-file-csv:` section, with the official image's names and defaults
// (connectors.md §5.1) so this image is a drop-in replacement in an existing compose file.
import { baseConfig, bool, defineConfig, int, list, str } from '@opencti-ts/sdk/config';

const base = baseConfig('INTERNAL_EXPORT_FILE');

const ESCAPES: Readonly<Record<string, string>> = { '\\t': '\t', tab: '\t', TAB: '\t', '\\|': '|', pipe: '|', '\\;': ';', '\\,': ',' };

/**
 * The delimiter as written in the environment. Fix of §5.1: the official README suggests
 * `\t`, which reaches Python as two characters and fails every export; `\t`, `tab` and `\|`
 * are understood here. Anything else must be one character.
 */
export function parseDelimiter(raw: string): string | undefined {
  const value = ESCAPES[raw] ?? raw;
  if ([...value].length !== 1 || value === '"' || value === '\r' || value === '\n') return undefined;
  return value;
}

export const csvConfig = defineConfig({
  ...base,
  connector: {
    ...base.connector,
    name: base.connector.name.default('ExportFileCsv'),
    scope: list().default(['text/csv']).describe('Export formats offered (MIME types); the platform routes CSV exports to the connector for text/csv.'),
    confidence_level: int({ min: 0, max: 100 })
      .default(100)
      .describe('Deprecated, ignored by the platform (kept so existing configurations still load).')
      .advanced(),
  },
  'export-file-csv': {
    delimiter: str()
      .default(';')
      .check((value) => (parseDelimiter(value) === undefined ? 'must be one character, or \\t / tab / \\| (got a longer value)' : undefined))
      .describe('Field delimiter: one character; \\t or tab for a tab, \\| for a pipe.'),
    excel_bom: bool()
      .default(false)
      .describe('Start the file with a UTF-8 byte order mark, for spreadsheet applications that need one (opencti-ts addition).')
      .advanced(),
    page_size: int({ min: 1, max: 5000 }).default(500).describe('Rows read per API page (opencti-ts addition).').advanced(),
  },
});
