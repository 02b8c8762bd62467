// Command-line options of `npm run bench`.

export interface BenchOptions {
  quick: boolean;
  /** Lifecycles in flight at once, one measured level per entry. */
  concurrency: number[];
  /** Lifecycles per level (at least the level's concurrency); undefined: max(60, 2 x concurrency). */
  lifecycles?: number;
  /** Unmeasured lifecycles run first (JIT, workflow bundle, connection pools). */
  warmup: number;
  /** Replication watcher: pause between polls of the other side's database. */
  pollMs: number;
  /** Scale phase: open (work_in_progress) request counts to measure at; empty skips the phase. */
  open: number[];
  /** Submissions in flight at once while parking requests. */
  parkConcurrency: number;
  /** Wall-clock budget for parking, all steps together; the phase reports how far it got. */
  parkBudgetS: number;
  /** Actions timed (one at a time) on parked requests at each scale step. */
  sample: number;
  /** Start-up phase: `npm start` timed on an empty data directory and on a restart. */
  startup: boolean;
  /** Attachments phase: file sizes (MiB) uploaded and timed until the other side has them; empty skips it. */
  files: number[];
  /** Where the JSON result goes (default bench/results/<ISO date>.json). */
  out?: string;
}

const HELP = `npm run bench -- [options]

  --quick                  a few seconds: concurrency 1,5, few lifecycles, no scale or start-up phase
  --concurrency 1,10,50    lifecycles in flight at once, one measured level each ("none": skip)
  --lifecycles N           lifecycles per level (default: 60, or 2x the concurrency if more;
                           never fewer than the concurrency)
  --warmup N               unmeasured lifecycles first (default 5)
  --poll-ms N              replication watcher poll interval (default 5)
  --open 1000,10000        scale phase: open requests to measure at ("none" skips it)
  --park-concurrency N     submissions in flight while parking (default 50)
  --park-budget S          seconds allowed for parking, all steps (default 380)
  --sample N               actions timed per scale step (default 100)
  --startup on|off         start-up phase: npm start's time to ready and its memory 5 s after and once
                           settled (90 s), first start and restart (default on; off with --quick)
  --files 1,20             attachments phase: file sizes in MiB, each uploaded by the consumer and
                           timed until the provider lists it (default 1,20; 1 with --quick; "none")
  --out FILE               JSON result file (default bench/results/<ISO date>.json)

Runs the whole stack in this process (embedded Temporal dev server unless TEMPORAL_ADDRESS,
embedded PGlite unless DATABASE_URL, in a temporary directory); HTTP only to 127.0.0.1.`;

const list = (name: string, raw: string | undefined): number[] => {
  if (raw === undefined) throw new Error(`${name} needs a value`);
  if (raw === 'none') return [];
  const values = raw.split(',').map((s) => Number(s.trim()));
  if (!values.length || values.some((n) => !Number.isInteger(n) || n < 1)) throw new Error(`${name} takes positive whole numbers separated by commas, got "${raw}"`);
  return values;
};

const positive = (name: string, raw: string | undefined): number => {
  const n = Number(raw);
  if (raw === undefined || !Number.isInteger(n) || n < 1) throw new Error(`${name} takes a positive whole number, got "${raw ?? ''}"`);
  return n;
};

const onOff = (name: string, raw: string | undefined): boolean => {
  if (raw !== 'on' && raw !== 'off') throw new Error(`${name} takes on or off, got "${raw ?? ''}"`);
  return raw === 'on';
};

export function parseOptions(argv: string[]): BenchOptions {
  const given = new Map<string, string | undefined>();
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--help' || arg === '-h') {
      console.log(HELP);
      process.exit(0);
    }
    if (!arg.startsWith('--')) throw new Error(`unexpected argument "${arg}" (see --help)`);
    const [name, inline] = arg.slice(2).split('=', 2);
    if (name === 'quick') {
      given.set(name, 'true');
      continue;
    }
    const value = inline ?? argv[++i];
    given.set(name, value);
  }
  const known = new Set(['quick', 'concurrency', 'lifecycles', 'warmup', 'poll-ms', 'open', 'park-concurrency', 'park-budget', 'sample', 'startup', 'files', 'out']);

  for (const name of given.keys()) if (!known.has(name)) throw new Error(`unknown option --${name} (see --help)`);

  const quick = given.has('quick');
  const opt = (name: string) => given.get(name);
  return {
    quick,
    concurrency: given.has('concurrency') ? list('--concurrency', opt('concurrency')) : quick ? [1, 5] : [1, 10, 50],
    lifecycles: given.has('lifecycles') ? positive('--lifecycles', opt('lifecycles')) : quick ? 5 : undefined,
    warmup: given.has('warmup') ? Number(opt('warmup')) || 0 : quick ? 1 : 5,
    pollMs: given.has('poll-ms') ? positive('--poll-ms', opt('poll-ms')) : 5,
    open: given.has('open') ? list('--open', opt('open')) : quick ? [] : [1000, 10000],
    parkConcurrency: given.has('park-concurrency') ? positive('--park-concurrency', opt('park-concurrency')) : 50,
    parkBudgetS: given.has('park-budget') ? positive('--park-budget', opt('park-budget')) : 380,
    sample: given.has('sample') ? positive('--sample', opt('sample')) : quick ? 10 : 100,
    startup: given.has('startup') ? onOff('--startup', opt('startup')) : !quick,
    files: given.has('files') ? list('--files', opt('files')) : quick ? [1] : [1, 20],
    out: opt('out'),
  };
}
