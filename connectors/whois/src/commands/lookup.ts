// `connector-whois lookup VALUE [--type Domain-Name|Hostname|IPv4-Addr|IPv6-Addr|Autonomous-System|Url]`:
// looks VALUE up as the connector would (same WHOIS_* settings, TLP gate aside: the value is
// typed by you) and prints the bundle it would send, one JSON line. No platform, no broker.
import { createHttpClient } from '@opencti-ts/sdk/api';
import { resolveConfig } from '@opencti-ts/sdk/config';
import { InputError } from '@opencti-ts/sdk/errors';
import { createLogger } from '@opencti-ts/sdk/log';
import { defineOfflineCommand, type StixObject } from '@opencti-ts/sdk/runtime';
import { createStixBuilders } from '@opencti-ts/sdk/stix';
import { whoisConfig } from '../config.ts';
import { normalizeDomain } from '../convert/input.ts';
import { enrich, lookupSettings } from '../enrich.ts';
import { parseIp } from '../net/bootstrap.ts';
import { WhoisLookup } from '../net/lookup.ts';

const TYPES = ['Domain-Name', 'Hostname', 'IPv4-Addr', 'IPv6-Addr', 'Autonomous-System', 'Url'] as const;

/** The observable the platform would hand the connector for VALUE. */
export function entityFor(value: string, type: string | undefined): StixObject {
  const b = createStixBuilders();
  const kind =
    type ??
    (parseIp(value)?.bits === 32
      ? 'IPv4-Addr'
      : parseIp(value)
        ? 'IPv6-Addr'
        : /^AS\d+$/i.test(value)
          ? 'Autonomous-System'
          : /^[a-z]+:\/\//i.test(value)
            ? 'Url'
            : 'Domain-Name');
  switch (kind) {
    case 'Domain-Name':
      return b.domainName(normalizeDomain(value) ?? value);
    case 'Hostname':
      return b.hostname(normalizeDomain(value) ?? value);
    case 'IPv4-Addr':
      return b.ipv4Addr(value);
    case 'IPv6-Addr':
      return b.ipv6Addr(value);
    case 'Url':
      return b.url(value);
    case 'Autonomous-System': {
      const number = Number(value.replace(/^AS/i, ''));
      if (!Number.isInteger(number) || number < 0) throw new InputError('WHOIS_BAD_ASN', `"${value}" is not an AS number`);
      return b.autonomousSystem(number);
    }
    default:
      throw new InputError('WHOIS_UNSUPPORTED_TYPE', `--type must be one of ${TYPES.join(', ')}`);
  }
}

export const lookupCommand = defineOfflineCommand({
  summary: 'print the bundle the connector would send for VALUE (no platform needed)',
  usage: `lookup VALUE [--type ${TYPES.join('|')}]`,
  options: { type: { type: 'string' } },
  positionals: { min: 1, max: 1 },
  async run({ values, positionals: [value = ''], io, out, err }) {
    // enrich() takes the whole config: placeholders for the platform settings, unused offline,
    // let the WHOIS_* settings be checked (a ConfigError exits 2 with every problem).
    const env = { OPENCTI_URL: 'http://localhost', OPENCTI_TOKEN: 'offline', CONNECTOR_ID: 'offline', ...io.env };
    const config = resolveConfig(whoisConfig, { env }).config;
    const entity = entityFor(value, values.type);
    const logger = createLogger({ name: 'connector-whois', level: 'error', sink: (line) => void io.stderr.write(`${line}\n`) });
    const lookup = new WhoisLookup(lookupSettings(config), { http: createHttpClient({ env: io.env, logger }), logger });
    // Every type the command accepts is looked up, whatever CONNECTOR_SCOPE says.
    const offlineConfig = { ...config, connector: { ...config.connector, scope: [...TYPES] } };
    const outcome = await enrich({ entity, stixObjects: [entity] }, offlineConfig, lookup);
    if (outcome.status === 'skipped') throw outcome.error ?? new InputError('WHOIS_SKIPPED', outcome.reason);
    if (outcome.status === 'not-found') {
      await err.line(outcome.reason);
      await out.bundle([entity]);
      return 0;
    }
    await out.bundle(outcome.objects);
    return 0;
  },
});
