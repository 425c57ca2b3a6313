// Owner and group names -> ids, from /etc/passwd and /etc/group (what `owner = "haproxy"` needs). Directory
// services (LDAP, sssd) are not consulted: use a numeric uid/gid for users that only exist there.

import { readFileSync } from 'node:fs';

function lookup(file: string, name: string): number | undefined {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
  for (const line of text.split('\n')) {
    if (line.startsWith('#')) continue;
    const parts = line.split(':');
    if (parts[0] === name && parts[2] !== undefined && /^\d+$/.test(parts[2])) return Number(parts[2]);
  }
  return undefined;
}

export function lookupUser(name: string, passwdFile = '/etc/passwd'): number | undefined {
  return lookup(passwdFile, name);
}

export function lookupGroup(name: string, groupFile = '/etc/group'): number | undefined {
  return lookup(groupFile, name);
}
