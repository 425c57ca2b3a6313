// The seed scenario's template and template resource (section 3.4 of the tutorial), read from the repository's
// own copy (test/fixtures/seed/scenario). The resource's dest is the placeholder DEST.
import { readFileSync } from 'node:fs';

const CONFD = new URL('../../test/fixtures/seed/scenario/confd/', import.meta.url);

/** haproxy.cfg.tmpl from the seed: lsdir over /nginx, then getv for each host's ip and port. */
export const SEED_TEMPLATE = readFileSync(new URL('templates/haproxy.cfg.tmpl', CONFD), 'utf8');

/** conf.d/haproxy.toml from the seed (dest = "DEST", reload_cmd = "echo restarting"). */
export const SEED_RESOURCE_TOML = readFileSync(new URL('conf.d/haproxy.toml', CONFD), 'utf8');
