import { chmodSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { randomBytes, randomUUID } from 'node:crypto';
import { createUser } from '../db/repositories/users';
import { hashPassword } from '../services/passwords';
import { createCatalogActivities } from '../activities/catalog-activities';
import type { InstanceDatabases } from '../db/instances';
import type { CatalogItemDefinition } from '../domain/catalog-item';
import type { Role } from '../domain/model';

const CONSUMER = 'acme';
const PROVIDER = 'globex';

const people: Array<{ instance: string; env: string; name: string; email: string; role: Role }> = [
  { instance: CONSUMER, env: 'ANN_TOKEN', name: 'Ann Lee', email: 'ann@acme.example', role: 'requester' },
  { instance: CONSUMER, env: 'ACME_ADMIN_TOKEN', name: 'Alex Park', email: 'alex@acme.example', role: 'admin' },
  { instance: PROVIDER, env: 'BOB_TOKEN', name: 'Bob Stone', email: 'bob@globex.example', role: 'agent' },
  { instance: PROVIDER, env: 'CAROL_TOKEN', name: 'Carol Diaz', email: 'carol@globex.example', role: 'agent' },
  { instance: PROVIDER, env: 'GLOBEX_ADMIN_TOKEN', name: 'Gina Ross', email: 'gina@globex.example', role: 'admin' },
];

const items: CatalogItemDefinition[] = [
  {
    name: 'IT help request',
    description: 'Ask Globex support for help with hardware, software or access.',
    kind: 'help_request',
    form: [
      { name: 'category', label: 'Category', type: 'choice', required: true, choices: ['hardware', 'software', 'access'] },
      { name: 'asset_tag', label: 'Asset tag', type: 'string' },
    ],
    sla: { responseTime: '4h', resolutionTime: '3d', acceptanceWindow: '5d' },
  },
  {
    name: 'Report a service outage',
    description: 'A service Globex runs for you is down or degraded.',
    kind: 'service_affecting_issue',
    form: [
      { name: 'service', label: 'Affected service', type: 'string', required: true },
      { name: 'users_affected', label: 'Users affected', type: 'integer' },
    ],
    sla: { responseTime: '30m', resolutionTime: '8h', acceptanceWindow: '2d' },
  },
  {
    // Short SLAs so a person can watch an escalation happen: leave one unassigned for a minute.
    name: 'Urgent: production is down',
    description: 'Demo item with one-minute SLAs: escalates within a minute if nobody takes it.',
    kind: 'service_affecting_issue',
    form: [{ name: 'service', label: 'Affected service', type: 'string', required: true }],
    sla: { responseTime: '1m', resolutionTime: '3m', acceptanceWindow: '2m' },
  },
  {
    name: 'Request a change',
    description: 'Ask Globex to change a service they run for you.',
    kind: 'change_request',
    form: [{ name: 'wanted_by', label: 'Wanted by', type: 'date', required: true }],
    sla: { responseTime: '1d', resolutionTime: '10d', acceptanceWindow: '5d' },
  },
];

export interface DemoData {
  /** Token per person, by the environment variable name the README uses (ANN_TOKEN, BOB_TOKEN...). */
  tokens: Record<string, string>;
  /** Password per person, by the variable name demo-tokens.env gives it (ANN_PASSWORD, BOB_PASSWORD...). */
  passwords: Record<string, string>;
  /** Published catalog item ids by kind (the first item of each kind). */
  items: Record<CatalogItemDefinition['kind'], string>;
  /** The item with one-minute SLAs. */
  urgentItem: string;
}

/** Creates the demo people and catalog (Acme orders from Globex) in empty demo instances. */
export async function seedDemoData(instances: InstanceDatabases): Promise<DemoData> {
  const tokens: Record<string, string> = {};
  const passwords: Record<string, string> = {};
  // Hashed side by side (scrypt runs on libuv's thread pool), then created in order.
  const hashed = await Promise.all(
    people.map(async () => {
      const password = `demo-${randomBytes(9).toString('base64url')}`;
      return { password, passwordHash: await hashPassword(password) };
    }),
  );
  for (const [i, p] of people.entries()) {
    tokens[p.env] = (await createUser(instances.db(p.instance), p.instance, { ...p, passwordHash: hashed[i].passwordHash })).token;
    passwords[passwordVariable(p.env)] = hashed[i].password;
  }
  const ids = {} as DemoData['items'];
  let urgentItem = '';
  const catalog = createCatalogActivities(instances);
  for (const item of items) {
    const id = randomUUID();
    ids[item.kind] ??= id;
    if (item.sla.responseTime === '1m') urgentItem = id;
    await instances
      .db(PROVIDER)
      .insertInto('catalog_items')
      .values({ id, ...item, form: JSON.stringify(item.form), sla: JSON.stringify(item.sla), state: 'draft', published_to: JSON.stringify([]) })
      .execute();
    await catalog.putRemoteCatalogItem({ consumer: CONSUMER, provider: PROVIDER, providerName: instances.config(PROVIDER).name, item: { id, ...item }, state: 'published' });
    await catalog.setCatalogItemState({ provider: PROVIDER, id, state: 'published', publishedTo: [CONSUMER] });
  }
  return { tokens, passwords, items: ids, urgentItem };
}

/** ANN_TOKEN → ANN_PASSWORD. */
export const passwordVariable = (tokenVariable: string) => tokenVariable.replace(/_TOKEN$/, '_PASSWORD');

/**
 * Seeds the demo once, when both demo instances are configured and still empty. Tokens and passwords
 * are shown only when created, so they are kept in DATA_DIR/demo-tokens.env (mode 600) for later starts.
 */
export async function seedDemo(instances: InstanceDatabases, dataDir: string): Promise<string | undefined> {
  if (!instances.ids.includes(CONSUMER) || !instances.ids.includes(PROVIDER)) return undefined;
  const tokensFile = join(dataDir, 'demo-tokens.env');
  const existing = await instances.db(CONSUMER).selectFrom('users').select('id').limit(1).execute();
  if (existing.length > 0) return existsSync(tokensFile) ? readFileSync(tokensFile, 'utf8') : undefined;
  const { tokens, passwords } = await seedDemoData(instances);
  const text =
    people
      .flatMap((p) => [
        `export ${p.env}=${tokens[p.env]}   # ${p.name}, ${p.role} at ${instances.config(p.instance).name}`,
        `export ${passwordVariable(p.env)}=${passwords[passwordVariable(p.env)]}   # sign in as ${p.email}`,
      ])
      .join('\n') + '\n';
  writeFileSync(tokensFile, text, { mode: 0o600 });
  chmodSync(tokensFile, 0o600);
  return text;
}
