// A recursive-descent parser for the STIX 2.1 patterning language (STIX 2.1 §9), written
// from the OASIS ANTLR grammar (cti-stix2-json-schemas pattern_grammar/STIXPattern.g4).
// It checks syntax only (what the grammar accepts); it is used by tests and by validate.ts
// for indicators with `pattern_type: stix`.

/** Token kinds, named after the grammar's lexer rules. */
type TokenKind =
  | 'IntNeg'
  | 'IntPos'
  | 'FloatNeg'
  | 'FloatPos'
  | 'Hex'
  | 'Binary'
  | 'String'
  | 'Bool'
  | 'Timestamp'
  | 'AND'
  | 'OR'
  | 'NOT'
  | 'FOLLOWEDBY'
  | 'LIKE'
  | 'MATCHES'
  | 'ISSUPERSET'
  | 'ISSUBSET'
  | 'EXISTS'
  | 'LAST'
  | 'IN'
  | 'START'
  | 'STOP'
  | 'SECONDS'
  | 'WITHIN'
  | 'REPEATS'
  | 'TIMES'
  | 'IdentWithoutHyphen'
  | 'IdentWithHyphen'
  | 'EQ'
  | 'NEQ'
  | 'LE'
  | 'LT'
  | 'GE'
  | 'GT'
  | 'QUOTE'
  | 'COLON'
  | 'DOT'
  | 'COMMA'
  | 'RPAREN'
  | 'LPAREN'
  | 'RBRACK'
  | 'LBRACK'
  | 'PLUS'
  | 'HYPHEN'
  | 'POWER_OP'
  | 'DIVIDE'
  | 'ASTERISK'
  | 'Invalid'
  | 'EOF';

interface Token {
  kind: TokenKind;
  text: string;
  offset: number;
}

const KEYWORDS = [
  'AND',
  'OR',
  'NOT',
  'FOLLOWEDBY',
  'LIKE',
  'MATCHES',
  'ISSUPERSET',
  'ISSUBSET',
  'EXISTS',
  'LAST',
  'IN',
  'START',
  'STOP',
  'SECONDS',
  'WITHIN',
  'REPEATS',
  'TIMES',
] as const;

const B64 = '[A-Za-z0-9+/]';
// Lexer rules in grammar order: the longest match wins, ties go to the earlier rule (ANTLR).
const RULES: ReadonlyArray<readonly [TokenKind, RegExp]> = [
  ['IntNeg', /-(?:0|[1-9][0-9]*)/y],
  ['IntPos', /\+?(?:0|[1-9][0-9]*)/y],
  ['FloatNeg', /-[0-9]*\.[0-9]+/y],
  ['FloatPos', /\+?[0-9]*\.[0-9]+/y],
  ['Hex', /h'(?:[A-Fa-f0-9]{2})*'/y],
  ['Binary', new RegExp(`b'(?:${B64}{4})*(?:${B64}{4}|${B64}{3}=|${B64}{2}==)'`, 'y')],
  ['String', /'(?:[^'\\]|\\'|\\\\)*'/y],
  ['Bool', /true|false/y],
  ['Timestamp', /t'[0-9]{4}-(?:0[1-9]|1[012])-(?:0[1-9]|[12][0-9]|3[01])T(?:[01][0-9]|2[0-3]):[0-5][0-9]:(?:[0-5][0-9]|60)(?:\.[0-9]+)?Z'/y],
  ...KEYWORDS.map((word) => [word, new RegExp(word, 'y')] as const),
  ['IdentWithoutHyphen', /[a-zA-Z_][a-zA-Z0-9_]*/y],
  ['IdentWithHyphen', /[a-zA-Z_][a-zA-Z0-9_-]*/y],
  ['EQ', /==|=/y],
  ['NEQ', /!=|<>/y],
  ['LT', /</y],
  ['LE', /<=/y],
  ['GT', />/y],
  ['GE', />=/y],
  ['QUOTE', /'/y],
  ['COLON', /:/y],
  ['DOT', /\./y],
  ['COMMA', /,/y],
  ['RPAREN', /\)/y],
  ['LPAREN', /\(/y],
  ['RBRACK', /\]/y],
  ['LBRACK', /\[/y],
  ['PLUS', /\+/y],
  ['HYPHEN', /-/y],
  ['POWER_OP', /\^/y],
  ['DIVIDE', /\//y],
  ['ASTERISK', /\*/y],
];
const SKIP = /(?:[ \t\r\n\v\f\u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]+|\/\*[\s\S]*?\*\/|\/\/[^\r\n]*)+/y;

function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  let offset = 0;
  while (true) {
    SKIP.lastIndex = offset;
    if (SKIP.exec(text)) offset = SKIP.lastIndex;
    if (offset >= text.length) break;
    let best: Token | undefined;
    for (const [kind, regex] of RULES) {
      regex.lastIndex = offset;
      const match = regex.exec(text);
      if (match && match[0].length > 0 && (!best || match[0].length > best.text.length)) best = { kind, text: match[0], offset };
    }
    const token = best ?? { kind: 'Invalid' as const, text: String.fromCodePoint(text.codePointAt(offset) ?? 0), offset };
    tokens.push(token);
    offset += token.text.length;
  }
  tokens.push({ kind: 'EOF', text: '', offset: text.length });
  return tokens;
}

/** A comparison operand, with its literal kind as the grammar names it. */
export type PatternLiteralNode =
  | { kind: 'int' | 'float'; value: number; text: string }
  | { kind: 'string'; value: string; text: string }
  | { kind: 'bool'; value: boolean; text: string }
  | { kind: 'timestamp' | 'hex' | 'binary'; value: string; text: string };

export interface PatternObjectPath {
  objectType: string;
  /** Property names (unquoted) and list indexes (numbers, or '*'). */
  steps: readonly (string | number)[];
}

export type PatternComparisonNode =
  | { kind: 'and' | 'or'; operands: readonly PatternComparisonNode[] }
  | { kind: 'exists'; negated: boolean; path: PatternObjectPath }
  | { kind: 'test'; path: PatternObjectPath; negated: boolean; operator: string; value: PatternLiteralNode | readonly PatternLiteralNode[] };

export type PatternQualifier = { kind: 'start-stop'; start: string; stop: string } | { kind: 'within'; seconds: number } | { kind: 'repeats'; times: number };

export type PatternObservationNode =
  | { kind: 'and' | 'or' | 'followedby'; operands: readonly PatternObservationNode[]; qualifiers: readonly PatternQualifier[] }
  | { kind: 'observation'; comparison: PatternComparisonNode; qualifiers: readonly PatternQualifier[] };

export type PatternParseResult = { ok: true; ast: PatternObservationNode } | { ok: false; message: string; offset: number };

class PatternSyntaxError {
  readonly message: string;
  readonly offset: number;
  constructor(message: string, offset: number) {
    this.message = message;
    this.offset = offset;
  }
}

const ORDERABLE: ReadonlySet<TokenKind> = new Set(['IntPos', 'IntNeg', 'FloatPos', 'FloatNeg', 'String', 'Binary', 'Hex', 'Timestamp']);
const COMPARATORS: ReadonlySet<TokenKind> = new Set(['EQ', 'NEQ', 'GT', 'LT', 'GE', 'LE', 'IN', 'LIKE', 'MATCHES', 'ISSUBSET', 'ISSUPERSET']);

function unquote(text: string): string {
  return text.slice(1, -1).replace(/\\(['\\])/g, '$1');
}

function literal(token: Token): PatternLiteralNode {
  switch (token.kind) {
    case 'IntPos':
    case 'IntNeg':
      return { kind: 'int', value: Number(token.text), text: token.text };
    case 'FloatPos':
    case 'FloatNeg':
      return { kind: 'float', value: Number(token.text), text: token.text };
    case 'Bool':
      return { kind: 'bool', value: token.text === 'true', text: token.text };
    case 'String':
      return { kind: 'string', value: unquote(token.text), text: token.text };
    case 'Timestamp':
      return { kind: 'timestamp', value: token.text.slice(2, -1), text: token.text };
    case 'Hex':
      return { kind: 'hex', value: token.text.slice(2, -1), text: token.text };
    default:
      return { kind: 'binary', value: token.text.slice(2, -1), text: token.text };
  }
}

function describe(token: Token): string {
  return token.kind === 'EOF' ? 'end of pattern' : `"${token.text}"`;
}

/** Parses with one token of look-ahead; each method is one grammar rule. */
class Parser {
  private index = 0;
  private readonly tokens: readonly Token[];
  constructor(tokens: readonly Token[]) {
    this.tokens = tokens;
  }

  private peek(): Token {
    return this.tokens[this.index] ?? (this.tokens[this.tokens.length - 1] as Token);
  }
  private next(): Token {
    const token = this.peek();
    if (token.kind !== 'EOF') this.index += 1;
    return token;
  }
  private accept(...kinds: TokenKind[]): Token | undefined {
    return kinds.includes(this.peek().kind) ? this.next() : undefined;
  }
  private expect(what: string, ...kinds: TokenKind[]): Token {
    const token = this.accept(...kinds);
    if (!token) throw new PatternSyntaxError(`expected ${what}, found ${describe(this.peek())}`, this.peek().offset);
    return token;
  }

  pattern(): PatternObservationNode {
    const ast = this.observationExpressions();
    this.expect('end of pattern', 'EOF');
    return ast;
  }

  private binary(kind: 'and' | 'or' | 'followedby', keyword: TokenKind, operand: () => PatternObservationNode): PatternObservationNode {
    const operands = [operand()];
    while (this.accept(keyword)) operands.push(operand());
    return operands.length === 1 ? (operands[0] as PatternObservationNode) : { kind, operands, qualifiers: [] };
  }

  private observationExpressions(): PatternObservationNode {
    return this.binary('followedby', 'FOLLOWEDBY', () => this.binary('or', 'OR', () => this.binary('and', 'AND', () => this.observationExpression())));
  }

  private observationExpression(): PatternObservationNode {
    let node: PatternObservationNode;
    if (this.accept('LBRACK')) {
      const comparison = this.comparisonExpression();
      this.expect('"]"', 'RBRACK');
      node = { kind: 'observation', comparison, qualifiers: [] };
    } else if (this.accept('LPAREN')) {
      node = this.observationExpressions();
      this.expect('")"', 'RPAREN');
      node = { ...node, qualifiers: [...node.qualifiers] };
    } else {
      throw new PatternSyntaxError(`expected "[" or "(" to start an observation expression, found ${describe(this.peek())}`, this.peek().offset);
    }
    const qualifiers: PatternQualifier[] = [...node.qualifiers];
    while (true) {
      if (this.accept('START')) {
        const start = this.expect('a timestamp literal after START', 'Timestamp');
        this.expect('STOP', 'STOP');
        const stop = this.expect('a timestamp literal after STOP', 'Timestamp');
        qualifiers.push({ kind: 'start-stop', start: start.text.slice(2, -1), stop: stop.text.slice(2, -1) });
      } else if (this.accept('WITHIN')) {
        const seconds = this.expect('a positive number after WITHIN', 'IntPos', 'FloatPos');
        this.expect('SECONDS', 'SECONDS');
        qualifiers.push({ kind: 'within', seconds: Number(seconds.text) });
      } else if (this.accept('REPEATS')) {
        const times = this.expect('a positive integer after REPEATS', 'IntPos');
        this.expect('TIMES', 'TIMES');
        qualifiers.push({ kind: 'repeats', times: Number(times.text) });
      } else break;
    }
    return { ...node, qualifiers };
  }

  private comparisonExpression(): PatternComparisonNode {
    const operands = [this.comparisonExpressionAnd()];
    while (this.accept('OR')) operands.push(this.comparisonExpressionAnd());
    return operands.length === 1 ? (operands[0] as PatternComparisonNode) : { kind: 'or', operands };
  }

  private comparisonExpressionAnd(): PatternComparisonNode {
    const operands = [this.propTest()];
    while (this.accept('AND')) operands.push(this.propTest());
    return operands.length === 1 ? (operands[0] as PatternComparisonNode) : { kind: 'and', operands };
  }

  private propTest(): PatternComparisonNode {
    if (this.accept('LPAREN')) {
      const inner = this.comparisonExpression();
      this.expect('")"', 'RPAREN');
      return inner;
    }
    if (this.peek().kind === 'NOT' || this.peek().kind === 'EXISTS') {
      const negated = this.accept('NOT') !== undefined;
      this.expect('EXISTS', 'EXISTS');
      return { kind: 'exists', negated, path: this.objectPath() };
    }
    const path = this.objectPath();
    const negated = this.accept('NOT') !== undefined;
    const operator = this.peek();
    if (!COMPARATORS.has(operator.kind)) throw new PatternSyntaxError(`expected a comparison operator, found ${describe(operator)}`, operator.offset);
    this.next();
    switch (operator.kind) {
      case 'EQ':
      case 'NEQ': {
        const value = this.peek();
        if (!ORDERABLE.has(value.kind) && value.kind !== 'Bool')
          throw new PatternSyntaxError(`expected a literal after "${operator.text}", found ${describe(value)}`, value.offset);
        return { kind: 'test', path, negated, operator: operator.text, value: literal(this.next()) };
      }
      case 'GT':
      case 'LT':
      case 'GE':
      case 'LE': {
        const value = this.peek();
        if (!ORDERABLE.has(value.kind))
          throw new PatternSyntaxError(`expected an orderable literal after "${operator.text}", found ${describe(value)}`, value.offset);
        return { kind: 'test', path, negated, operator: operator.text, value: literal(this.next()) };
      }
      case 'IN':
        return { kind: 'test', path, negated, operator: 'IN', value: this.setLiteral() };
      default:
        return { kind: 'test', path, negated, operator: operator.text, value: literal(this.expect(`a string literal after ${operator.text}`, 'String')) };
    }
  }

  private setLiteral(): PatternLiteralNode[] {
    this.expect('"(" to start a set', 'LPAREN');
    const values: PatternLiteralNode[] = [];
    if (this.accept('RPAREN')) return values;
    do {
      const value = this.peek();
      if (!ORDERABLE.has(value.kind) && value.kind !== 'Bool')
        throw new PatternSyntaxError(`expected a literal in the set, found ${describe(value)}`, value.offset);
      values.push(literal(this.next()));
    } while (this.accept('COMMA'));
    this.expect('")" to close the set', 'RPAREN');
    return values;
  }

  private objectPath(): PatternObjectPath {
    const objectType = this.expect('an object type', 'IdentWithoutHyphen', 'IdentWithHyphen').text;
    this.expect('":" after the object type', 'COLON');
    const first = this.expect('a property name', 'IdentWithoutHyphen', 'String');
    const steps: (string | number)[] = [first.kind === 'String' ? unquote(first.text) : first.text];
    while (true) {
      if (this.accept('DOT')) {
        const key = this.expect('a property name after "."', 'IdentWithoutHyphen', 'String');
        steps.push(key.kind === 'String' ? unquote(key.text) : key.text);
      } else if (this.peek().kind === 'LBRACK') {
        this.next();
        const index = this.expect('a list index or "*"', 'IntPos', 'IntNeg', 'ASTERISK');
        this.expect('"]"', 'RBRACK');
        steps.push(index.kind === 'ASTERISK' ? '*' : Number(index.text));
      } else break;
    }
    return { objectType, steps };
  }
}

/** Parses a STIX 2.1 pattern; on failure says what was expected and where (UTF-16 offset). */
export function parseStixPattern(pattern: string): PatternParseResult {
  try {
    return { ok: true, ast: new Parser(tokenize(pattern)).pattern() };
  } catch (error) {
    if (error instanceof PatternSyntaxError) return { ok: false, message: error.message, offset: error.offset };
    throw error;
  }
}

/** The problems of a STIX pattern (empty when it parses), each with its character offset. */
export function stixPatternProblems(pattern: string): string[] {
  const result = parseStixPattern(pattern);
  return result.ok ? [] : [`${result.message} at offset ${result.offset}`];
}
