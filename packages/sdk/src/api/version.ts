// Platform version at start-up (pycti's health check, sdk-protocol §b.1) and whether it lies
// in the range this SDK is tested against (platform-contract §12): 6.8 ≤ v < 7. The 7.x line
// uses CalVer `7.YYMMDD.N`; its contract was not examined, so it is reported as untested.
import type { Logger } from '../log/index.ts';
import type { ApiClient } from './client.ts';
import { HEALTH_CHECK } from './documents.ts';

export type VersionStatus = 'tested' | 'older' | 'newer' | 'unknown';

export interface VersionCheck {
  version: string;
  status: VersionStatus;
  /** Known incompatibilities or the reason the version is outside the tested range. */
  warnings: string[];
}

export const TESTED_RANGE = '>= 6.8.0 < 7.0.0 (schema 6.9.17)';

interface Parsed {
  major: number;
  minor: number;
  patch: number;
}

function parseVersion(version: string): Parsed | undefined {
  const match = /^v?(\d+)\.(\d+)(?:\.(\d+))?/.exec(version.trim());
  if (!match) return undefined;
  return { major: Number(match[1]), minor: Number(match[2]), patch: Number(match[3] ?? 0) };
}

/** Pure: classifies a platform version string. */
export function checkPlatformVersion(version: string): VersionCheck {
  const parsed = parseVersion(version);
  if (!parsed) return { version, status: 'unknown', warnings: [`cannot read platform version "${version}"; tested range ${TESTED_RANGE}`] };
  const { major, minor, patch } = parsed;
  if (major < 6 || (major === 6 && minor < 8)) {
    return {
      version,
      status: 'older',
      warnings: [`OpenCTI ${version} is older than the tested range ${TESTED_RANGE}; registration and pings will likely be rejected`],
    };
  }
  if (major >= 7) {
    // 7.YYMMDD.N: a six-digit minor is a date.
    const calver =
      major === 7 && /^\d{6}$/.test(String(minor))
        ? ` (CalVer release of 20${String(minor).slice(0, 2)}-${String(minor).slice(2, 4)}-${String(minor).slice(4, 6)})`
        : '';
    return {
      version,
      status: 'newer',
      warnings: [`OpenCTI ${version}${calver} is newer than the tested range ${TESTED_RANGE}; run "opencti-ts check-schema" against it`],
    };
  }
  const warnings: string[] = [];
  if (major === 6 && minor === 8 && patch < 9) {
    warnings.push(`OpenCTI ${version} predates 6.8.9: registerConnector's auto_update/enrichment_resolution are unknown to it`);
  }
  if (major === 6 && minor === 8 && patch < 10) {
    warnings.push(`OpenCTI ${version} predates 6.8.10: observable type SSHKey is unknown to it`);
  }
  return { version, status: 'tested', warnings };
}

/** Reads `about { version }` (the health check), logs it, and warns outside the tested range. */
export async function readPlatformVersion(api: ApiClient, logger: Logger): Promise<VersionCheck> {
  const result = await api.query(HEALTH_CHECK, {});
  const check = checkPlatformVersion(result.about?.version ?? '');
  logger.info('Connected to OpenCTI', { platform_version: check.version, tested_range: TESTED_RANGE });
  for (const warning of check.warnings) logger.warn(warning, { platform_version: check.version });
  return check;
}
