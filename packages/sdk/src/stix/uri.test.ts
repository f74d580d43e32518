import { describe, expect, it } from 'vitest';
import { toUri } from './uri.ts';

describe('toUri', () => {
  it.each([
    ['https://attack.mitre.org/techniques/T1059/', 'https://attack.mitre.org/techniques/T1059/'],
    ['https://example.com/a b ', 'https://example.com/a%20b'],
    [' https://pentera.io/blog/dhcp-spoofing-101', 'https://pentera.io/blog/dhcp-spoofing-101'],
    [
      'https://www.zscaler.com/blogs/research/super-mario-run-malware-2-–-droidjack-rat',
      'https://www.zscaler.com/blogs/research/super-mario-run-malware-2-%E2%80%93-droidjack-rat',
    ],
    ['https://example.com/?q=%41&x=[1]', 'https://example.com/?q=%41&x=[1]'],
  ])('%s → %s', (input, expected) => {
    expect(toUri(input)).toBe(expected);
  });
});
