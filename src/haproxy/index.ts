// haproxy as confd-ts drives it: one client for the master CLI and the Runtime API, a model of haproxy.cfg,
// diffs (file against file, live state against file) and applying server changes at run time.

export * from './client.js';
export * from './config.js';
export * from './plan.js';
export * from './apply.js';
