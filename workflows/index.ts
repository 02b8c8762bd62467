// Every workflow the worker runs. The worker bundles this file.
export { exchange } from './exchange';
export { catalogPublication } from './catalog-publication';
