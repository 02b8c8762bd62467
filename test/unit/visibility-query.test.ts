import { describe, it, expect } from 'vitest';
import {
  compileVisibilityQuery,
  VisibilityQueryError,
  type RecordValue,
  type SearchAttributeKind,
} from '../../devserver/visibility-query';

const kinds = new Map<string, SearchAttributeKind>([
  ['WorkflowId', 'Keyword'],
  ['WorkflowType', 'Keyword'],
  ['ExecutionStatus', 'Keyword'],
  ['StartTime', 'Datetime'],
  ['Note', 'Text'],
  ['Count', 'Int'],
  ['Score', 'Double'],
  ['Urgent', 'Bool'],
  ['Tags', 'KeywordList'],
  ['Custom Name', 'Keyword'],
  ['Order', 'Keyword'],
]);

const ms = (iso: string) => Date.parse(iso);

const base: Record<string, RecordValue> = {
  WorkflowId: 'req-42',
  WorkflowType: 'fulfilRequest',
  ExecutionStatus: 'Running',
  StartTime: ms('2026-11-26T10:00:00Z'),
  Note: 'Customer asked for Express Delivery',
  Count: 5,
  Score: 2.5,
  Urgent: true,
  Tags: ['blue', 'green'],
  'Custom Name': 'hello',
  Order: 'first',
};

/** Evaluate `query` against `base` with `overrides` applied (use undefined to remove an attribute). */
function matches(query: string, overrides: Record<string, RecordValue> = {}): boolean {
  const record = { ...base, ...overrides };
  return compileVisibilityQuery(query, kinds).matches((name) => record[name]);
}

function compileError(query: string): VisibilityQueryError {
  try {
    compileVisibilityQuery(query, kinds);
  } catch (err) {
    expect(err).toBeInstanceOf(VisibilityQueryError);
    expect((err as Error).name).toBe('VisibilityQueryError');
    expect((err as Error).message).toMatch(/^invalid query: .* at position \d+$/);
    return err as VisibilityQueryError;
  }
  throw new Error(`expected ${JSON.stringify(query)} to be rejected`);
}

describe('empty query', () => {
  it('matches everything and has no ordering', () => {
    for (const q of ['', '   ', '\n\t']) {
      const compiled = compileVisibilityQuery(q, kinds);
      expect(compiled.matches(() => undefined)).toBe(true);
      expect(compiled.orderBy).toEqual([]);
    }
  });
});

describe('Keyword', () => {
  it('supports = and != / <>', () => {
    expect(matches("WorkflowType = 'fulfilRequest'")).toBe(true);
    expect(matches("WorkflowType = 'fulfilrequest'")).toBe(false); // exact, case-sensitive
    expect(matches("WorkflowType != 'other'")).toBe(true);
    expect(matches("WorkflowType != 'fulfilRequest'")).toBe(false);
    expect(matches("WorkflowType <> 'other'")).toBe(true);
    expect(matches("WorkflowType <> 'fulfilRequest'")).toBe(false);
  });

  it('compares lexicographically with < > <= >=', () => {
    expect(matches("WorkflowId > 'req-41'")).toBe(true);
    expect(matches("WorkflowId > 'req-42'")).toBe(false);
    expect(matches("WorkflowId >= 'req-42'")).toBe(true);
    expect(matches("WorkflowId < 'req-5'")).toBe(true); // '4' < '5' as text
    expect(matches("WorkflowId < 'req-42'")).toBe(false);
    expect(matches("WorkflowId <= 'req-42'")).toBe(true);
    expect(matches("WorkflowId <= 'req-3'")).toBe(false);
  });

  it('supports IN and NOT IN', () => {
    expect(matches("ExecutionStatus IN ('Completed', 'Running')")).toBe(true);
    expect(matches("ExecutionStatus IN ('Completed', 'Failed')")).toBe(false);
    expect(matches("ExecutionStatus NOT IN ('Completed', 'Failed')")).toBe(true);
    expect(matches("ExecutionStatus NOT IN ('Running')")).toBe(false);
  });

  it('supports BETWEEN (inclusive) and NOT BETWEEN', () => {
    expect(matches("WorkflowId BETWEEN 'req-42' AND 'req-42'")).toBe(true);
    expect(matches("WorkflowId BETWEEN 'req-1' AND 'req-5'")).toBe(true);
    expect(matches("WorkflowId BETWEEN 'req-5' AND 'req-9'")).toBe(false);
    expect(matches("WorkflowId NOT BETWEEN 'req-5' AND 'req-9'")).toBe(true);
    expect(matches("WorkflowId NOT BETWEEN 'req-1' AND 'req-5'")).toBe(false);
  });

  it('supports STARTS_WITH', () => {
    expect(matches("WorkflowId STARTS_WITH 'req-'")).toBe(true);
    expect(matches("WorkflowId starts_with 'req-4'")).toBe(true);
    expect(matches("WorkflowId STARTS_WITH 'REQ-'")).toBe(false);
    expect(matches("WorkflowId STARTS_WITH 'eq'")).toBe(false);
  });
});

describe('Int and Double', () => {
  it('compares Int numerically with every comparison operator', () => {
    expect(matches('Count = 5')).toBe(true);
    expect(matches('Count = 6')).toBe(false);
    expect(matches('Count != 6')).toBe(true);
    expect(matches('Count != 5')).toBe(false);
    expect(matches('Count > 4')).toBe(true);
    expect(matches('Count > 5')).toBe(false);
    expect(matches('Count >= 5')).toBe(true);
    expect(matches('Count >= 6')).toBe(false);
    expect(matches('Count < 10')).toBe(true); // numeric, not '5' < '10' as text
    expect(matches('Count < 5')).toBe(false);
    expect(matches('Count <= 5')).toBe(true);
    expect(matches('Count <= 4')).toBe(false);
  });

  it('accepts negative numbers, decimals and quoted numbers', () => {
    expect(matches('Count > -1')).toBe(true);
    expect(matches('Count < -1')).toBe(false);
    expect(matches('Score = 2.5')).toBe(true);
    expect(matches('Score > 2.49 AND Score < 2.51')).toBe(true);
    expect(matches('Score >= 2.51')).toBe(false);
    expect(matches("Count = '5'")).toBe(true);
    expect(matches("Count = '6'")).toBe(false);
    expect(matches('Score < -0.5', { Score: -1 })).toBe(true);
  });

  it('supports IN, NOT IN and BETWEEN', () => {
    expect(matches('Count IN (1, 5, 9)')).toBe(true);
    expect(matches('Count IN (1, 9)')).toBe(false);
    expect(matches('Count NOT IN (1, 9)')).toBe(true);
    expect(matches('Count NOT IN (5)')).toBe(false);
    expect(matches('Count BETWEEN 5 AND 10')).toBe(true);
    expect(matches('Count BETWEEN 1 AND 5')).toBe(true);
    expect(matches('Count BETWEEN 6 AND 10')).toBe(false);
    expect(matches('Score BETWEEN 2 AND 3')).toBe(true);
    expect(matches('Score BETWEEN 3 AND 4')).toBe(false);
  });
});

describe('Bool', () => {
  it('supports = and != with true/false in any case, and quoted booleans', () => {
    expect(matches('Urgent = true')).toBe(true);
    expect(matches('Urgent = TRUE')).toBe(true);
    expect(matches('Urgent = false')).toBe(false);
    expect(matches('Urgent != false')).toBe(true);
    expect(matches('Urgent != true')).toBe(false);
    expect(matches("Urgent = 'true'")).toBe(true);
    expect(matches("Urgent = 'False'")).toBe(false);
    expect(matches('Urgent = false', { Urgent: false })).toBe(true);
  });
});

describe('Datetime', () => {
  it('parses RFC3339 literals and compares instants', () => {
    expect(matches("StartTime = '2026-11-26T10:00:00Z'")).toBe(true);
    expect(matches("StartTime = '2026-11-26T11:00:00+01:00'")).toBe(true); // same instant
    expect(matches("StartTime = '2026-11-26T10:00:01Z'")).toBe(false);
    expect(matches("StartTime > '2026-11-26T09:59:59Z'")).toBe(true);
    expect(matches("StartTime > '2026-11-26T10:00:00Z'")).toBe(false);
    expect(matches("StartTime <= '2026-11-26T10:00:00Z'")).toBe(true);
    expect(matches("StartTime < '2026-11-26T10:00:00Z'")).toBe(false);
    expect(matches("StartTime >= \"2026-11-26T10:00:00.000Z\"")).toBe(true);
    expect(matches("StartTime != '2026-01-01T00:00:00Z'")).toBe(true);
  });

  it('supports BETWEEN and IN', () => {
    expect(matches("StartTime BETWEEN '2026-11-26T00:00:00Z' AND '2026-11-27T00:00:00Z'")).toBe(true);
    expect(matches("StartTime BETWEEN '2026-11-27T00:00:00Z' AND '2026-11-28T00:00:00Z'")).toBe(false);
    expect(matches("StartTime IN ('2026-11-26T10:00:00Z')")).toBe(true);
    expect(matches("StartTime IN ('2026-11-26T10:00:01Z')")).toBe(false);
  });
});

describe('Text', () => {
  it('= and != are case-insensitive substring matches', () => {
    expect(matches("Note = 'express delivery'")).toBe(true);
    expect(matches("Note = 'EXPRESS'")).toBe(true);
    expect(matches("Note = 'overnight'")).toBe(false);
    expect(matches("Note != 'overnight'")).toBe(true);
    expect(matches("Note != 'customer'")).toBe(false);
  });
});

describe('KeywordList', () => {
  it('= means contains and != means does not contain', () => {
    expect(matches("Tags = 'blue'")).toBe(true);
    expect(matches("Tags = 'red'")).toBe(false);
    expect(matches("Tags = 'Blue'")).toBe(false); // exact element match
    expect(matches("Tags != 'red'")).toBe(true);
    expect(matches("Tags != 'green'")).toBe(false);
  });

  it('IN means contains any and NOT IN means contains none', () => {
    expect(matches("Tags IN ('red', 'green')")).toBe(true);
    expect(matches("Tags IN ('red', 'yellow')")).toBe(false);
    expect(matches("Tags NOT IN ('red', 'yellow')")).toBe(true);
    expect(matches("Tags NOT IN ('red', 'blue')")).toBe(false);
  });

  it('an empty list contains nothing', () => {
    expect(matches("Tags = 'blue'", { Tags: [] })).toBe(false);
    expect(matches("Tags != 'blue'", { Tags: [] })).toBe(true);
  });
});

describe('missing attributes', () => {
  it('never satisfy a comparison, including != and NOT IN', () => {
    const missing = {
      WorkflowId: undefined, Count: undefined, Urgent: undefined, Note: undefined,
      Tags: undefined, StartTime: undefined,
    };
    for (const q of [
      "WorkflowId = 'x'", "WorkflowId != 'x'", "WorkflowId NOT IN ('x')", "WorkflowId STARTS_WITH ''",
      'Count != 1', 'Count < 100', 'Count NOT BETWEEN 1 AND 2', 'Urgent != true', 'Urgent != false',
      "Note != 'x'", "Tags != 'x'", "Tags NOT IN ('x')", "StartTime > '2000-01-01T00:00:00Z'",
    ]) {
      expect(matches(q, missing), q).toBe(false);
    }
  });

  it('a value of the wrong runtime type is treated like a missing one', () => {
    expect(matches('Count = 5', { Count: '5' })).toBe(false);
    expect(matches("WorkflowId != 'x'", { WorkflowId: 7 })).toBe(false);
  });

  it('NOT around a comparison does match a missing attribute', () => {
    expect(matches("NOT WorkflowId = 'x'", { WorkflowId: undefined })).toBe(true);
  });
});

describe('IS NULL / IS NOT NULL', () => {
  it('tests presence', () => {
    expect(matches('Count IS NULL', { Count: undefined })).toBe(true);
    expect(matches('Count IS NULL')).toBe(false);
    expect(matches('Count is not null')).toBe(true);
    expect(matches('Count IS NOT NULL', { Count: undefined })).toBe(false);
    // Present-but-empty values are not null.
    expect(matches('Tags IS NULL', { Tags: [] })).toBe(false);
    expect(matches("WorkflowId IS NOT NULL", { WorkflowId: '' })).toBe(true);
  });
});

describe('boolean operators', () => {
  it('AND binds tighter than OR', () => {
    // a OR (b AND c): a true, b false
    expect(matches("WorkflowId = 'req-42' OR Count = 0 AND Urgent = false")).toBe(true);
    // a false, b true, c false
    expect(matches("WorkflowId = 'nope' OR Count = 5 AND Urgent = false")).toBe(false);
    // a true, b false, c false: left-to-right ((a OR b) AND c) would give false
    expect(matches("Count = 5 OR Count = 0 AND Urgent = false")).toBe(true);
    expect(matches("(Count = 5 OR Count = 0) AND Urgent = false")).toBe(false);
  });

  it('parentheses override precedence and may nest', () => {
    expect(matches("(WorkflowId = 'nope' OR Count = 5) AND Urgent = true")).toBe(true);
    expect(matches("(WorkflowId = 'nope' OR Count = 4) AND Urgent = true")).toBe(false);
    expect(matches("((Count = 5))")).toBe(true);
    expect(matches("((Count = 4))")).toBe(false);
  });

  it('NOT binds tighter than AND and can be nested', () => {
    expect(matches('NOT Count = 4')).toBe(true);
    expect(matches('NOT Count = 5')).toBe(false);
    // (NOT a) AND b, not NOT (a AND b)
    expect(matches('NOT Count = 5 AND Urgent = false')).toBe(false);
    expect(matches('NOT (Count = 5 AND Urgent = false)')).toBe(true);
    expect(matches('NOT NOT Count = 5')).toBe(true);
  });

  it('keywords are case-insensitive', () => {
    // ...but attribute names are not.
    expect(compileError('count = 5').message).toContain("unknown search attribute 'count'");
    expect(matches("Count = 5 and Urgent = true or Count = 0")).toBe(true);
    expect(matches("Count = 4 And Urgent = true oR Count = 0")).toBe(false);
    expect(matches("Count Not In (4) aNd Count between 1 and 9")).toBe(true);
  });
});

describe('names and literals', () => {
  it('accepts backtick-quoted names, including ones with spaces or that are keywords', () => {
    expect(matches("`Custom Name` = 'hello'")).toBe(true);
    expect(matches("`Custom Name` = 'bye'")).toBe(false);
    expect(matches("`Order` = 'first'")).toBe(true);
    expect(matches("`WorkflowId` = 'req-42'")).toBe(true);
  });

  it('accepts single- and double-quoted strings with backslash escapes', () => {
    expect(matches(`WorkflowId = "it's"`, { WorkflowId: "it's" })).toBe(true);
    expect(matches(String.raw`WorkflowId = 'it\'s'`, { WorkflowId: "it's" })).toBe(true);
    expect(matches(String.raw`WorkflowId = "say \"hi\""`, { WorkflowId: 'say "hi"' })).toBe(true);
    expect(matches(String.raw`WorkflowId = 'a\\b'`, { WorkflowId: 'a\\b' })).toBe(true);
    expect(matches(String.raw`WorkflowId = 'a\\b'`, { WorkflowId: 'a\\\\b' })).toBe(false);
    // Other backslashes are kept as written.
    expect(matches(String.raw`WorkflowId = 'C:\temp'`, { WorkflowId: 'C:\\temp' })).toBe(true);
    expect(matches("WorkflowId = ''", { WorkflowId: '' })).toBe(true);
  });

  it('tolerates arbitrary whitespace and no whitespace', () => {
    expect(matches('Count>=5 AND(Urgent=true)')).toBe(true);
    expect(matches('Count>=5 AND(Urgent=false)')).toBe(false);
    expect(matches("\n  Count\t=\n5  ")).toBe(true);
    expect(matches("Count IN(5,6)")).toBe(true);
  });
});

describe('ORDER BY', () => {
  const orderOf = (q: string) => compileVisibilityQuery(q, kinds).orderBy;

  it('parses multiple keys with ASC as the default', () => {
    expect(orderOf("WorkflowType = 'x' ORDER BY StartTime DESC, WorkflowId")).toEqual([
      { name: 'StartTime', descending: true },
      { name: 'WorkflowId', descending: false },
    ]);
    expect(orderOf('ORDER BY Count asc, `Custom Name` desc, Score')).toEqual([
      { name: 'Count', descending: false },
      { name: 'Custom Name', descending: true },
      { name: 'Score', descending: false },
    ]);
  });

  it('may stand alone, and then the filter matches everything', () => {
    const compiled = compileVisibilityQuery('order by StartTime', kinds);
    expect(compiled.matches(() => undefined)).toBe(true);
    expect(compiled.orderBy).toEqual([{ name: 'StartTime', descending: false }]);
  });

  it('does not affect the filter', () => {
    expect(matches('Count = 5 ORDER BY Count DESC')).toBe(true);
    expect(matches('Count = 4 ORDER BY Count DESC')).toBe(false);
  });
});

describe('errors', () => {
  it('rejects unknown attributes, naming them and suggesting a case fix', () => {
    expect(compileError("Foo = 'x'").message).toBe("invalid query: unknown search attribute 'Foo' at position 1");
    expect(compileError("Count = 1 AND `No Such` = 'x'").message).toContain("unknown search attribute 'No Such' at position 15");
    expect(compileError('workflowid = 1').message).toContain("(did you mean 'WorkflowId'?)");
    expect(compileError('ORDER BY Bogus').message).toContain("unknown search attribute 'Bogus' at position 10");
  });

  it('rejects unknown operators', () => {
    expect(compileError("WorkflowId LIKE 'x%'").message).toBe("invalid query: unknown operator 'LIKE' at position 12");
    expect(compileError('Count == 5').message).toContain("unknown operator '==' at position 7");
    expect(compileError('Count =< 5').message).toContain("unknown operator '=<'");
    expect(compileError("WorkflowId 'x'").message).toContain("expected an operator after 'WorkflowId' but found 'x'");
    expect(compileError('Count').message).toContain("expected an operator after 'Count' but found end of query at position 6");
    expect(compileError("WorkflowId NOT STARTS_WITH 'x'").message).toContain('expected IN or BETWEEN after NOT but found \'STARTS_WITH\'');
  });

  it('rejects unexpected characters', () => {
    expect(compileError("WorkflowId = 'x' ; Count = 1").message).toContain("unexpected character ';' at position 18");
    expect(compileError('Count = 5 & Urgent = true').message).toContain("unexpected character '&'");
  });

  it('rejects unbalanced parentheses', () => {
    expect(compileError('(Count = 5').message).toBe(
      "invalid query: expected ')' to close the '(' at position 1 but found end of query at position 11",
    );
    expect(compileError('((Count = 5) OR Urgent = true').message).toContain("expected ')' to close the '(' at position 1");
    expect(compileError('Count = 5)').message).toBe("invalid query: unmatched ')' at position 10");
    expect(compileError('()').message).toContain("expected a search attribute name but found ')' at position 2");
  });

  it('rejects dangling and misplaced tokens', () => {
    expect(compileError("Count = 5 Urgent = true").message).toContain("unexpected 'Urgent' after a complete condition");
    expect(compileError("WorkflowId = 'a' 'b'").message).toContain("unexpected 'b' after a complete condition (missing AND/OR?) at position 18");
    expect(compileError('Count = 5 AND').message).toContain('expected a search attribute name but found end of query');
    expect(compileError('Count = 5 OR OR Urgent = true').message).toContain("expected a search attribute name but found 'OR' at position 14");
    expect(compileError('AND Count = 5').message).toContain("found 'AND' at position 1");
    expect(compileError('Count =').message).toContain('expected a value but found end of query');
    expect(compileError('Count = Score').message).toContain("expected a value but found 'Score'");
    expect(compileError('Count IN 5').message).toContain("expected '(' after IN but found '5'");
    expect(compileError('Count IN ()').message).toContain("expected a value but found ')'");
    expect(compileError('Count IN (1, 2').message).toContain("expected ',' or ')' in IN list but found end of query");
    expect(compileError('Count IN (1 2)').message).toContain("expected ',' or ')' in IN list but found '2'");
    expect(compileError('Count BETWEEN 1 OR 2').message).toContain("expected AND but found 'OR'");
    expect(compileError('Count IS 5').message).toContain("expected NULL but found '5'");
    expect(compileError('ORDER StartTime').message).toContain("expected BY but found 'StartTime'");
    expect(compileError('ORDER BY').message).toContain('expected a search attribute name but found end of query');
    expect(compileError('ORDER BY Count DESC Score').message).toContain("unexpected 'Score'");
    expect(compileError('ORDER BY Count, ').message).toContain('expected a search attribute name but found end of query');
  });

  it('rejects unterminated strings and names', () => {
    expect(compileError("WorkflowId = 'abc").message).toBe('invalid query: unterminated string starting at position 14');
    expect(compileError(String.raw`WorkflowId = "abc\"`).message).toContain('unterminated string starting at position 14');
    expect(compileError("`Custom Name = 'x'").message).toContain('unterminated quoted name starting at position 1');
  });

  it('rejects literals that do not fit the attribute kind', () => {
    expect(compileError("Count = 'abc'").message).toContain("'abc' is not a valid Int value for 'Count' at position 9");
    expect(compileError("Score > ''").message).toContain("'' is not a valid Double value for 'Score'");
    expect(compileError('Count = true').message).toContain("'true' is not a valid Int value");
    expect(compileError("Count IN (1, 'x')").message).toContain("'x' is not a valid Int value for 'Count' at position 14");
    expect(compileError("StartTime > 'yesterday-ish'").message).toContain("'yesterday-ish' is not a valid Datetime value for 'StartTime'");
    expect(compileError('StartTime > 1700000000000').message).toContain("'1700000000000' is not a valid Datetime value");
    expect(compileError("Urgent = 'yes'").message).toContain("'yes' is not a valid Bool value for 'Urgent'");
    expect(compileError('Urgent = 1').message).toContain("'1' is not a valid Bool value");
    expect(compileError('WorkflowId = 42').message).toContain("'42' is not a valid Keyword value for 'WorkflowId'");
    expect(compileError('Tags = true').message).toContain("'true' is not a valid KeywordList value");
  });

  it('rejects operators the attribute kind does not support', () => {
    expect(compileError("Note < 'x'").message).toContain("operator '<' is not supported for Text attribute 'Note' at position 6");
    expect(compileError("Note >= 'x'").message).toContain("operator '>=' is not supported for Text attribute 'Note'");
    expect(compileError("Note STARTS_WITH 'x'").message).toContain("operator 'STARTS_WITH' is not supported for Text");
    expect(compileError("Note IN ('x')").message).toContain("operator 'IN' is not supported for Text");
    expect(compileError('Urgent > false').message).toContain("operator '>' is not supported for Bool attribute 'Urgent'");
    expect(compileError('Urgent IN (true)').message).toContain("operator 'IN' is not supported for Bool");
    expect(compileError("Tags > 'a'").message).toContain("operator '>' is not supported for KeywordList attribute 'Tags'");
    expect(compileError("Tags BETWEEN 'a' AND 'b'").message).toContain("operator 'BETWEEN' is not supported for KeywordList");
    expect(compileError("Count STARTS_WITH '1'").message).toContain("operator 'STARTS_WITH' is not supported for Int");
    expect(compileError("Urgent NOT IN (true)").message).toContain("operator 'NOT IN' is not supported for Bool attribute 'Urgent' at position 8");
  });

  it('rejects ORDER BY on a Text attribute', () => {
    expect(compileError('ORDER BY Note').message).toContain("cannot ORDER BY Text attribute 'Note' at position 10");
  });
});
