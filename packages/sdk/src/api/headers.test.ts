import { describe, expect, it } from 'vitest';
import { parseCustomHeaders } from './headers.ts';

describe('OPENCTI_CUSTOM_HEADERS (sdk-protocol §d.1)', () => {
  it.each([
    ['X-A: 1', { 'X-A': '1' }, []],
    ['  X-A:1 ;X-B :  two words ; ', { 'X-A': '1', 'X-B': 'two words' }, []],
    ['X-Url: http://h:8080/p', { 'X-Url': 'http://h:8080/p' }, []],
    ['broken; X-A: 1', { 'X-A': '1' }, [0]],
    [';;', {}, []],
    ['', {}, []],
    [undefined, {}, []],
  ])('%j', (value, headers, invalid) => {
    expect(parseCustomHeaders(value)).toEqual({ headers, invalid });
  });
});
