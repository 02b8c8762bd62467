// `npm install` runs this (package.json's prepare script): it builds what `npm start` serves and runs,
// so neither the first start nor the first `npm test` waits for it. Each is made again later only
// when its sources change (the web apps by their build stamps, the bundle by the build cache).
import { ensureTemporalUiBuild, ensureWebBuild } from './web-build';
import { workflowBundlePath } from './workflow-bundle';

const say = (msg: string) => console.log(`[prepare] ${msg}`);

try {
  await ensureWebBuild({ say });
  await ensureTemporalUiBuild({ say });
  const started = Date.now();
  await workflowBundlePath();
  say(`the workflow bundle is ready (${((Date.now() - started) / 1000).toFixed(1)} s)`);
} catch (err) {
  console.error((err as Error).message);
  process.exit(1);
}
