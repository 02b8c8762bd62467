/**
 * The subset of Temporal's visibility list filter language that the dev server
 * supports: `WorkflowType = 'x' AND StartTime > '2026-01-01T00:00:00Z' ORDER BY StartTime DESC`.
 *
 * Pipeline: tokenize -> recursive-descent parse -> a predicate closure over a record.
 * All validation (attribute names, operators allowed per kind, literal coercion)
 * happens at compile time, so `matches` never throws.
 */

export type SearchAttributeKind = 'Keyword' | 'Text' | 'Int' | 'Double' | 'Bool' | 'Datetime' | 'KeywordList';

/** A value as stored on a workflow record: strings for Keyword/Text, numbers for Int/Double, booleans for Bool, epoch milliseconds (number) for Datetime, string[] for KeywordList. Missing attributes are undefined. */
export type RecordValue = string | number | boolean | string[] | undefined;

export class VisibilityQueryError extends Error {
  override name = 'VisibilityQueryError';
}

export interface CompiledQuery {
  matches(record: (name: string) => RecordValue): boolean;
  /** Empty when the query has no ORDER BY. */
  orderBy: { name: string; descending: boolean }[];
}

/** kinds: every attribute the query may reference (system + custom), by exact name. */
export function compileVisibilityQuery(query: string, kinds: ReadonlyMap<string, SearchAttributeKind>): CompiledQuery {
  return new Parser(tokenize(query), kinds).parseQuery();
}

// ---------------------------------------------------------------------------
// Tokenizer

interface Token {
  /** 'word' is a bare identifier (keyword or attribute); 'name' is a `backticked` attribute. */
  type: 'word' | 'name' | 'string' | 'number' | 'op' | '(' | ')' | ',' | 'eof';
  /** Decoded text: unquoted/unescaped for strings and names, the source text otherwise. */
  text: string;
  /** Exactly as written, for error messages. */
  raw: string;
  /** 0-based offset into the query. */
  pos: number;
}

const NUMBER = /-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?/y;
const WORD = /[A-Za-z_][A-Za-z0-9_]*/y;
// Read the whole run of operator characters so that e.g. '==' is reported as one unknown operator.
const OPERATOR = /[=!<>]+/y;
const COMPARISON_OPS = new Set(['=', '!=', '<>', '<', '>', '<=', '>=']);

function fail(problem: string, pos: number): VisibilityQueryError {
  return new VisibilityQueryError(`invalid query: ${problem} at position ${pos + 1}`);
}

function describe(tok: Token): string {
  if (tok.type === 'eof') return 'end of query';
  // Strings and backticked names already carry their own quotes.
  return tok.type === 'string' || tok.type === 'name' ? tok.raw : `'${tok.raw}'`;
}

function tokenize(src: string): Token[] {
  const tokens: Token[] = [];
  const matchAt = (re: RegExp, i: number): string | undefined => {
    re.lastIndex = i;
    return re.exec(src)?.[0];
  };
  let i = 0;
  while (i < src.length) {
    const c = src[i];
    if (/\s/.test(c)) {
      i++;
      continue;
    }
    const push = (type: Token['type'], raw: string, text = raw) => {
      tokens.push({ type, text, raw, pos: i });
      i += raw.length;
    };
    if (c === '(' || c === ')' || c === ',') {
      push(c, c);
      continue;
    }
    if (c === "'" || c === '"' || c === '`') {
      const { text, end } = readQuoted(src, i);
      push(c === '`' ? 'name' : 'string', src.slice(i, end), text);
      continue;
    }
    const number = matchAt(NUMBER, i);
    if (number !== undefined) {
      push('number', number);
      continue;
    }
    const word = matchAt(WORD, i);
    if (word !== undefined) {
      push('word', word);
      continue;
    }
    const op = matchAt(OPERATOR, i);
    if (op !== undefined) {
      if (!COMPARISON_OPS.has(op)) throw fail(`unknown operator '${op}'`, i);
      push('op', op);
      continue;
    }
    throw fail(`unexpected character '${c}'`, i);
  }
  tokens.push({ type: 'eof', text: '', raw: '', pos: src.length });
  return tokens;
}

function readQuoted(src: string, start: number): { text: string; end: number } {
  const quote = src[start];
  let text = '';
  for (let i = start + 1; i < src.length; i++) {
    const c = src[i];
    if (c === quote) return { text, end: i + 1 };
    // Only quotes and backslash are escapable; any other backslash is kept literally (e.g. Windows paths).
    if (c === '\\' && i + 1 < src.length && `'"\`\\`.includes(src[i + 1])) {
      text += src[++i];
    } else {
      text += c;
    }
  }
  throw fail(`unterminated ${quote === '`' ? 'quoted name' : 'string'} starting`, start);
}

// ---------------------------------------------------------------------------
// Semantics: which operators each kind supports, literal coercion, matching

type Op = '=' | '!=' | '<' | '>' | '<=' | '>=' | 'IN' | 'NOT IN' | 'BETWEEN' | 'NOT BETWEEN' | 'STARTS_WITH';
type Scalar = string | number | boolean;
type Predicate = (record: (name: string) => RecordValue) => boolean;

interface Literal {
  value: Scalar;
  tok: Token;
}

interface Attribute {
  name: string;
  kind: SearchAttributeKind;
}

const ORDERED_OPS: readonly Op[] = ['=', '!=', '<', '>', '<=', '>=', 'IN', 'NOT IN', 'BETWEEN', 'NOT BETWEEN'];
const ALLOWED_OPS: Record<SearchAttributeKind, readonly Op[]> = {
  Keyword: [...ORDERED_OPS, 'STARTS_WITH'],
  Int: ORDERED_OPS,
  Double: ORDERED_OPS,
  Datetime: ORDERED_OPS,
  // Text is full-text matched, so ordering and exact-set operators have no meaning.
  Text: ['=', '!='],
  Bool: ['=', '!='],
  KeywordList: ['=', '!=', 'IN', 'NOT IN'],
};

function coerce(attr: Attribute, lit: Literal): Scalar {
  const { value, tok } = lit;
  switch (attr.kind) {
    case 'Keyword':
    case 'Text':
    case 'KeywordList':
      if (typeof value === 'string') return value;
      break;
    case 'Int':
    case 'Double': {
      // Quoted numbers are accepted because clients often quote every value.
      const n = typeof value === 'number' ? value : typeof value === 'string' && value.trim() !== '' ? Number(value) : NaN;
      if (Number.isFinite(n)) return n;
      break;
    }
    case 'Bool':
      if (typeof value === 'boolean') return value;
      if (typeof value === 'string' && /^(true|false)$/i.test(value)) return value.toLowerCase() === 'true';
      break;
    case 'Datetime': {
      const ms = typeof value === 'string' ? Date.parse(value) : NaN;
      if (!Number.isNaN(ms)) return ms;
      break;
    }
  }
  throw fail(`${describe(tok)} is not a valid ${attr.kind} value for '${attr.name}'`, tok.pos);
}

function compare(a: string | number, b: Scalar): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * A missing value (or one of the wrong runtime type) never satisfies a comparison,
 * not even '!=' or NOT IN, mirroring Elasticsearch; only IS NULL sees missing values.
 */
function buildTest(kind: SearchAttributeKind, op: Op, args: Scalar[]): (value: RecordValue) => boolean {
  switch (kind) {
    case 'KeywordList': {
      const positive = op === '=' || op === 'IN';
      return (v) => {
        const list = Array.isArray(v) ? v : typeof v === 'string' ? [v] : undefined;
        return list !== undefined && args.some((a) => list.includes(a as string)) === positive;
      };
    }
    case 'Text': {
      const needle = (args[0] as string).toLowerCase();
      return (v) => typeof v === 'string' && v.toLowerCase().includes(needle) === (op === '=');
    }
    case 'Bool':
      return (v) => typeof v === 'boolean' && (v === args[0]) === (op === '=');
    default: {
      const present = kind === 'Keyword' ? (v: RecordValue) => typeof v === 'string' : (v: RecordValue) => typeof v === 'number' && !Number.isNaN(v);
      return (v) => present(v) && compareScalar(op, v as string | number, args);
    }
  }
}

function compareScalar(op: Op, v: string | number, args: Scalar[]): boolean {
  switch (op) {
    case '=': return compare(v, args[0]) === 0;
    case '!=': return compare(v, args[0]) !== 0;
    case '<': return compare(v, args[0]) < 0;
    case '>': return compare(v, args[0]) > 0;
    case '<=': return compare(v, args[0]) <= 0;
    case '>=': return compare(v, args[0]) >= 0;
    case 'IN': return args.includes(v);
    case 'NOT IN': return !args.includes(v);
    case 'BETWEEN': return compare(v, args[0]) >= 0 && compare(v, args[1]) <= 0;
    case 'NOT BETWEEN': return !(compare(v, args[0]) >= 0 && compare(v, args[1]) <= 0);
    case 'STARTS_WITH': return String(v).startsWith(args[0] as string);
  }
}

// ---------------------------------------------------------------------------
// Parser
//
//   query     := [or] [ORDER BY orderKey (',' orderKey)*] EOF
//   or        := and (OR and)*
//   and       := not (AND not)*
//   not       := NOT not | '(' or ')' | condition
//   condition := attr ( cmpOp value
//                     | [NOT] IN '(' value (',' value)* ')'
//                     | [NOT] BETWEEN value AND value
//                     | STARTS_WITH value
//                     | IS [NOT] NULL )

// Reserved so a typo such as `AND AND` is reported as a misplaced keyword; backticks escape them.
const RESERVED = new Set(['AND', 'OR', 'NOT', 'IN', 'BETWEEN', 'STARTS_WITH', 'IS', 'NULL', 'ORDER', 'BY', 'ASC', 'DESC', 'TRUE', 'FALSE']);

class Parser {
  private readonly tokens: Token[];
  private readonly kinds: ReadonlyMap<string, SearchAttributeKind>;
  private index = 0;

  constructor(tokens: Token[], kinds: ReadonlyMap<string, SearchAttributeKind>) {
    this.tokens = tokens;
    this.kinds = kinds;
  }

  parseQuery(): CompiledQuery {
    let matches: Predicate = () => true;
    if (this.peek().type !== 'eof' && !this.isWord(this.peek(), 'ORDER')) matches = this.parseOr();
    const orderBy = this.acceptWord('ORDER') ? this.parseOrderBy() : [];
    const extra = this.peek();
    if (extra.type === ')') throw fail(`unmatched ')'`, extra.pos);
    if (extra.type !== 'eof') throw fail(`unexpected ${describe(extra)} after a complete condition (missing AND/OR?)`, extra.pos);
    return { matches, orderBy };
  }

  private parseOr(): Predicate {
    const parts = [this.parseAnd()];
    while (this.acceptWord('OR')) parts.push(this.parseAnd());
    return parts.length === 1 ? parts[0] : (r) => parts.some((p) => p(r));
  }

  private parseAnd(): Predicate {
    const parts = [this.parseNot()];
    while (this.acceptWord('AND')) parts.push(this.parseNot());
    return parts.length === 1 ? parts[0] : (r) => parts.every((p) => p(r));
  }

  private parseNot(): Predicate {
    if (this.acceptWord('NOT')) {
      const inner = this.parseNot();
      return (r) => !inner(r);
    }
    const open = this.peek();
    if (open.type !== '(') return this.parseCondition();
    this.index++;
    const inner = this.parseOr();
    const close = this.next();
    if (close.type !== ')') {
      throw fail(`expected ')' to close the '(' at position ${open.pos + 1} but found ${describe(close)}`, close.pos);
    }
    return inner;
  }

  private parseCondition(): Predicate {
    const attr = this.parseAttribute();
    const { name } = attr;
    const opTok = this.next();

    if (opTok.type === 'op') {
      const op: Op = opTok.text === '<>' ? '!=' : (opTok.text as Op);
      return this.condition(attr, op, opTok, [this.parseValue()]);
    }
    if (this.isWord(opTok, 'IS')) {
      const negated = this.acceptWord('NOT');
      this.expectWord('NULL');
      return (r) => (r(name) === undefined) !== negated;
    }
    const negated = this.isWord(opTok, 'NOT');
    const keyword = negated ? this.next() : opTok;
    if (this.isWord(keyword, 'IN')) {
      return this.condition(attr, negated ? 'NOT IN' : 'IN', opTok, this.parseValueList());
    }
    if (this.isWord(keyword, 'BETWEEN')) {
      const low = this.parseValue();
      this.expectWord('AND');
      return this.condition(attr, negated ? 'NOT BETWEEN' : 'BETWEEN', opTok, [low, this.parseValue()]);
    }
    if (negated) throw fail(`expected IN or BETWEEN after NOT but found ${describe(keyword)}`, keyword.pos);
    if (this.isWord(keyword, 'STARTS_WITH')) {
      return this.condition(attr, 'STARTS_WITH', opTok, [this.parseValue()]);
    }
    if (opTok.type === 'word') throw fail(`unknown operator ${describe(opTok)}`, opTok.pos);
    throw fail(`expected an operator after '${name}' but found ${describe(opTok)}`, opTok.pos);
  }

  private condition(attr: Attribute, op: Op, opTok: Token, literals: Literal[]): Predicate {
    if (!ALLOWED_OPS[attr.kind].includes(op)) {
      throw fail(`operator '${op}' is not supported for ${attr.kind} attribute '${attr.name}'`, opTok.pos);
    }
    const test = buildTest(attr.kind, op, literals.map((lit) => coerce(attr, lit)));
    return (r) => test(r(attr.name));
  }

  private parseAttribute(): Attribute {
    const tok = this.next();
    const bare = tok.type === 'word' && !RESERVED.has(tok.text.toUpperCase());
    if (!bare && tok.type !== 'name') throw fail(`expected a search attribute name but found ${describe(tok)}`, tok.pos);
    const kind = this.kinds.get(tok.text);
    if (kind !== undefined) return { name: tok.text, kind };
    // Attribute names are case-sensitive; point out the near miss instead of a bare "unknown".
    const lower = tok.text.toLowerCase();
    const similar = [...this.kinds.keys()].find((k) => k.toLowerCase() === lower);
    const hint = similar === undefined ? '' : ` (did you mean '${similar}'?)`;
    throw fail(`unknown search attribute '${tok.text}'${hint}`, tok.pos);
  }

  private parseValue(): Literal {
    const tok = this.next();
    if (tok.type === 'string') return { value: tok.text, tok };
    if (tok.type === 'number') return { value: Number(tok.text), tok };
    if (this.isWord(tok, 'TRUE') || this.isWord(tok, 'FALSE')) return { value: tok.text.toUpperCase() === 'TRUE', tok };
    throw fail(`expected a value but found ${describe(tok)}`, tok.pos);
  }

  private parseValueList(): Literal[] {
    const open = this.next();
    if (open.type !== '(') throw fail(`expected '(' after IN but found ${describe(open)}`, open.pos);
    const values = [this.parseValue()];
    for (;;) {
      const tok = this.next();
      if (tok.type === ')') return values;
      if (tok.type !== ',') throw fail(`expected ',' or ')' in IN list but found ${describe(tok)}`, tok.pos);
      values.push(this.parseValue());
    }
  }

  private parseOrderBy(): CompiledQuery['orderBy'] {
    this.expectWord('BY');
    const keys: CompiledQuery['orderBy'] = [];
    do {
      const start = this.peek();
      const { name, kind } = this.parseAttribute();
      // Text is analysed for full-text search and has no sortable value (Temporal rejects it too).
      if (kind === 'Text') throw fail(`cannot ORDER BY Text attribute '${name}'`, start.pos);
      const descending = this.acceptWord('DESC');
      if (!descending) this.acceptWord('ASC');
      keys.push({ name, descending });
    } while (this.accept(','));
    return keys;
  }

  private peek(): Token {
    return this.tokens[this.index];
  }

  private next(): Token {
    const tok = this.tokens[this.index];
    // Never step past eof so error paths can keep calling next().
    if (tok.type !== 'eof') this.index++;
    return tok;
  }

  private accept(type: Token['type']): boolean {
    if (this.peek().type !== type) return false;
    this.index++;
    return true;
  }

  private isWord(tok: Token, word: string): boolean {
    return tok.type === 'word' && tok.text.toUpperCase() === word;
  }

  private acceptWord(word: string): boolean {
    if (!this.isWord(this.peek(), word)) return false;
    this.index++;
    return true;
  }

  private expectWord(word: string): void {
    const tok = this.next();
    if (!this.isWord(tok, word)) throw fail(`expected ${word} but found ${describe(tok)}`, tok.pos);
  }
}
