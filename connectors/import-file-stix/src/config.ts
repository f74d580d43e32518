// The connector's configuration: the SDK base for an internal import-file connector with the
// official image's names and defaults (connectors.md §4.1), so this image is a drop-in
// replacement in an existing compose file, plus the `import_file_stix:` section (empty in the
// official connector; every setting here is an opencti-ts addition listed in the README).
import { baseConfig, bool, defineConfig, int, list } from '@opencti-ts/sdk/config';

const base = baseConfig('INTERNAL_IMPORT_FILE');

/** Settings the offline `import` command reads too (it needs no platform). */
export const importSection = {
  max_file_size_mb: int({ min: 1 })
    .default(512)
    .describe('Largest file accepted, in MB (10^6 bytes); a larger upload fails its work with a clear error instead of exhausting memory.'),
  strict: bool()
    .default(false)
    .describe(
      'Reject the whole file when any object is invalid or references an object absent from the file (default: import the valid objects and report the rest on the work).',
    ),
  download_timeout_s: int({ min: 1 })
    .default(300)
    .describe('Seconds the platform may stay silent while the file is downloaded before the work fails (pycti: 300).')
    .advanced(),
};

export const importFileStixConfig = defineConfig({
  ...base,
  connector: {
    ...base.connector,
    id: base.connector.id.default('f2637f59-2103-4e1b-b250-7825e3033122'),
    name: base.connector.name.default('ImportFileStix'),
    scope: list().default(['application/json', 'text/xml']).describe('MIME types the platform routes to this connector.'),
    validate_before_import: base.connector.validate_before_import
      .default(true)
      .describe('Send the file to a workbench (or a draft) for an analyst to validate instead of importing it directly.'),
  },
  import_file_stix: importSection,
});
