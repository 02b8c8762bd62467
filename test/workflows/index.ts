// Workflows the dev server conformance suite runs; one module per capability area.
export * from './messages';
export * from './activities';
export * from './lifecycle';
export * from './server-api';
export * from './update-with-start';
export * from './cron';
export * from './priority';
export * from './reset';
export * from './nexus';
