import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { sharedPath } from '@opencti-ts/testing';
import { describe, expect, it } from 'vitest';
import { InputError } from '../errors/index.ts';
import {
  allOf,
  anyOf,
  combineObservations,
  compare,
  emailMessageComparison,
  equals,
  hashComparison,
  networkTrafficComparison,
  observationPattern,
  patternFromObservables,
  path as patternPath,
  quoteString,
} from './pattern.ts';
import { type PatternComparisonNode, parseStixPattern, stixPatternProblems } from './pattern-grammar.ts';

const SHA256 = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855';

/** The first comparison of a one-observation pattern. */
function firstTest(pattern: string): Extract<PatternComparisonNode, { kind: 'test' }> {
  const parsed = parseStixPattern(pattern);
  if (!parsed.ok) throw new Error(`${pattern}: ${parsed.message}`);
  if (parsed.ast.kind !== 'observation') throw new Error('not a single observation');
  let node = parsed.ast.comparison;
  while (node.kind === 'and' || node.kind === 'or') node = node.operands[0] as PatternComparisonNode;
  if (node.kind !== 'test') throw new Error('no comparison');
  return node;
}

describe('patterns from observables (MISP connector parity)', () => {
  it.each([
    ['ip', [{ type: 'ipv4-addr', value: '198.51.100.7' }], "[ipv4-addr:value = '198.51.100.7']"],
    ['file name + sha256', [{ type: 'file', name: 'a.exe', hashes: { 'SHA-256': SHA256 } }], `[file:name = 'a.exe' AND file:hashes.'SHA-256' = '${SHA256}']`],
    [
      'ip|port',
      [
        { type: 'ipv4-addr', value: '198.51.100.7' },
        { type: 'text', value: '443' },
      ],
      "[ipv4-addr:value = '198.51.100.7' AND text:value = '443']",
    ],
    [
      'domain|ip',
      [
        { type: 'domain-name', value: 'x.example' },
        { type: 'ipv4-addr', value: '192.0.2.1' },
      ],
      "[domain-name:value = 'x.example' AND ipv4-addr:value = '192.0.2.1']",
    ],
    [
      'registry key (backslashes doubled)',
      [{ type: 'windows-registry-key', key: 'HKLM\\Software\\Run' }],
      "[windows-registry-key:key = 'HKLM\\\\Software\\\\Run']",
    ],
    [
      'md5 lower-case key normalised',
      [{ type: 'file', hashes: { md5: 'd41d8cd98f00b204e9800998ecf8427e' } }],
      "[file:hashes.MD5 = 'd41d8cd98f00b204e9800998ecf8427e']",
    ],
    ['email subject', [{ type: 'email-message', subject: "it's urgent" }], "[email-message:subject = 'it\\'s urgent']"],
    ['user account', [{ type: 'user-account', account_login: 'octocat', account_type: 'github' }], "[user-account:account_login = 'octocat']"],
    ['autonomous system number unquoted', [{ type: 'autonomous-system', number: 64496 }], '[autonomous-system:number = 64496]'],
    ['a timestamp-looking text is a timestamp constant', [{ type: 'text', value: '2024-01-15T10:00:00.500Z' }], "[text:value = t'2024-01-15T10:00:00.5Z']"],
  ])('%s', (_name, observables, expected) => {
    const pattern = patternFromObservables(observables);
    expect(pattern).toBe(expected);
    expect(stixPatternProblems(pattern as string)).toEqual([]);
  });

  it('returns null when no observable has a usable value', () => {
    expect(
      patternFromObservables([
        { type: 'process', pid: 4 },
        { type: 'url', value: '' },
      ]),
    ).toBeNull();
  });
});

describe('pattern building blocks', () => {
  it('normalises hash algorithm names and quotes hyphenated path components', () => {
    expect(observationPattern(hashComparison('sha256', SHA256))).toBe(`[file:hashes.'SHA-256' = '${SHA256}']`);
    expect(observationPattern(hashComparison('SHA1', 'a'.repeat(40), 'artifact'))).toBe(`[artifact:hashes.'SHA-1' = '${'a'.repeat(40)}']`);
  });

  it('builds network-traffic comparisons with ports and protocols', () => {
    const pattern = observationPattern(networkTrafficComparison({ dstValue: '203.0.113.5', dstPort: 443, protocols: ['TCP'] }));
    expect(pattern).toBe("[network-traffic:dst_ref.value = '203.0.113.5' AND network-traffic:dst_port = 443 AND network-traffic:protocols[*] = 'tcp']");
    expect(stixPatternProblems(pattern)).toEqual([]);
    expect(() => networkTrafficComparison({ dstPort: 70000 })).toThrow(InputError);
    expect(() => networkTrafficComparison({})).toThrow(InputError);
  });

  it('builds e-mail comparisons (subject, sender, recipient)', () => {
    const pattern = observationPattern(emailMessageComparison({ subject: 'Invoice', from: 'a@example.org', to: 'b@example.org' }));
    expect(pattern).toBe(
      "[email-message:subject = 'Invoice' AND email-message:from_ref.value = 'a@example.org' AND email-message:to_refs[*].value = 'b@example.org']",
    );
    expect(stixPatternProblems(pattern)).toEqual([]);
  });

  it('parenthesises OR inside AND so the parse keeps the intended grouping', () => {
    const expression = allOf(
      anyOf(equals('url', ['value'], 'http://a.example/'), equals('url', ['value'], 'http://b.example/')),
      equals('file', ['name'], 'x'),
    );
    const pattern = observationPattern(expression);
    expect(pattern).toBe("[(url:value = 'http://a.example/' OR url:value = 'http://b.example/') AND file:name = 'x']");
    const parsed = parseStixPattern(pattern);
    expect(parsed.ok && parsed.ast.kind === 'observation' && parsed.ast.comparison.kind).toBe('and');
  });

  it('prints IN sets, negation, LIKE and MATCHES', () => {
    const pattern = observationPattern(
      allOf(
        compare(patternPath('network-traffic', 'dst_port'), 'IN', [80, 443]),
        compare(patternPath('domain-name', 'value'), 'LIKE', '%.example', true),
        compare(patternPath('file', 'name'), 'MATCHES', '^a\\.exe$'),
      ),
    );
    expect(pattern).toBe("[network-traffic:dst_port IN (80, 443) AND domain-name:value NOT LIKE '%.example' AND file:name MATCHES '^a\\\\.exe$']");
    expect(stixPatternProblems(pattern)).toEqual([]);
  });

  it('combines observations with OR / FOLLOWEDBY', () => {
    const pattern = combineObservations('OR', [observationPattern(equals('url', ['value'], 'http://a.example/')), "[ipv4-addr:value = '192.0.2.1']"]);
    expect(pattern).toBe("([url:value = 'http://a.example/']) OR ([ipv4-addr:value = '192.0.2.1'])");
    expect(stixPatternProblems(pattern)).toEqual([]);
  });

  it.each([
    ['a bad object type', () => patternPath('File', 'name')],
    ['a path without a property', () => patternPath('file')],
    ['IN without a list', () => compare(patternPath('file', 'size'), 'IN', 3)],
    ['LIKE with a number', () => compare(patternPath('file', 'size'), 'LIKE', 3)],
    ['an invalid timestamp constant', () => observationPattern(equals('file', ['ctime'], { timestamp: '2024-02-30T00:00:00Z' }))],
  ])('rejects %s with an InputError', (_name, build) => {
    expect(build).toThrow(InputError);
  });
});

describe('string escaping round-trips through the grammar', () => {
  // Deterministic pseudo-random strings rich in quotes, backslashes and non-ASCII.
  const alphabet = ["'", '\\', '"', 'a', ' ', 'é', '\n', '*', ']', '[', '😀', 't', '-'];
  let seed = 42;
  const random = () => {
    seed = (seed * 1103515245 + 12345) % 2147483648;
    return seed / 2147483648;
  };
  const samples = Array.from({ length: 200 }, () =>
    Array.from({ length: Math.floor(random() * 12) }, () => alphabet[Math.floor(random() * alphabet.length)]).join(''),
  );

  it.each(["it's", 'C:\\temp\\', "\\'", "''", '', ...samples])('%j', (value) => {
    const pattern = observationPattern(equals('text', ['value'], value));
    const test = firstTest(pattern);
    expect(test.value).toMatchObject({ kind: 'string', value });
  });

  it('quoteString escapes backslashes before quotes', () => {
    expect(quoteString("a\\'b")).toBe("'a\\\\\\'b'");
  });
});

describe('STIX pattern grammar', () => {
  it.each([
    "[file:hashes.'SHA-256' = 'aec070645fe53ee3b3763059376134f058cc337247c978add178b6ccdfb0019f']",
    "[url:value = 'http://x4z9arb.cn/4712/']",
    "[email-message:from_ref.value MATCHES '.+\\\\.example\\\\.com$'] FOLLOWEDBY [file:name = 'x']",
    "[network-traffic:dst_ref.type = 'ipv4-addr' AND network-traffic:dst_port IN (22, 2222)] REPEATS 5 TIMES WITHIN 300 SECONDS",
    "[file:size > 1024 OR file:size <= -1] AND [x509-certificate:issuer != 'CN=x']",
    "[windows-registry-key:values[*].name = 'Run' AND windows-registry-key:values[0].data = 'x']",
    "[file:extensions.'windows-pebinary-ext'.sections[*].entropy > 7.0]",
    "[artifact:payload_bin = b'aGVsbG8=' AND artifact:mime_type = 'text/plain' AND artifact:x_hex = h'0aff']",
    "([ipv4-addr:value = '1.2.3.4']) START t'2016-06-01T00:00:00Z' STOP t'2016-07-01T00:00:00.123Z'",
    '[NOT EXISTS file:name OR EXISTS file:size]',
    "[process:name = 'a' /* comment */ AND process:pid = 4] // trailing comment",
    '[file:is_encrypted = true]',
    "[file:name ISSUBSET '10.0.0.0/8' OR file:name NOT ISSUPERSET 'x']",
  ])('accepts %s', (pattern) => {
    expect(stixPatternProblems(pattern)).toEqual([]);
  });

  it.each([
    ["[file:name = 'a.exe'", 'expected "]"', 20],
    ["file:name = 'a.exe'", 'expected "[" or "("', 0],
    ["[file:hashes.SHA-256 = 'x']", 'expected a property name after "."', 13],
    ["[file:name = 'it's']", 'expected "]"', 17],
    ["[file:name = 'a\\b']", 'expected a literal', 13],
    ['[file:size > true]', 'expected an orderable literal', 13],
    ['[file:name LIKE 5]', 'expected a string literal after LIKE', 16],
    ["[file:name = 'a'] WITHIN 5", 'expected SECONDS', 26],
    ["[file:name = 'a'] START '2020' STOP 'x'", 'expected a timestamp literal after START', 24],
    ["[:name = 'a']", 'expected an object type', 1],
    ["[file:name = t'2024-13-01T00:00:00Z']", 'expected a literal', 13],
    ["[file:name = 'a'] AND", 'expected "[" or "("', 21],
    ["[file:name IN ('a',)]", 'expected a literal in the set', 19],
    ['', 'expected "[" or "("', 0],
  ])('rejects %j (%s at %d)', (pattern, message, offset) => {
    const result = parseStixPattern(pattern);
    expect(result.ok).toBe(false);
    if (!result.ok) {
      expect(result.message).toContain(message);
      expect(result.offset).toBe(offset);
    }
  });

  const examples = sharedPath('data/stix21/examples');
  it.skipIf(!examples.available)('parses every STIX indicator pattern in the OASIS and OpenCTI example bundles', () => {
    const files = (dir: string): string[] =>
      readdirSync(dir).flatMap((name) => {
        const full = path.join(dir, name);
        return statSync(full).isDirectory() ? files(full) : name.endsWith('.json') ? [full] : [];
      });
    const patterns: string[] = [];
    for (const file of files((examples as { path: string }).path)) {
      const data = JSON.parse(readFileSync(file, 'utf8')) as unknown;
      const objects = Array.isArray(data) ? data : ((data as { objects?: unknown[] }).objects ?? [data]);
      for (const obj of objects as Record<string, unknown>[])
        if (obj.type === 'indicator' && obj.pattern_type === 'stix' && typeof obj.pattern === 'string') patterns.push(obj.pattern);
    }
    expect(patterns.length).toBeGreaterThan(40);
    expect(patterns.filter((pattern) => stixPatternProblems(pattern).length > 0)).toEqual([]);
  });
});
