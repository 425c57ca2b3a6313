// What the agent refuses to write into the registry. Every value it registers ends up in a generated
// configuration (haproxy `server <host> <ip>:<port>`, nginx `upstream`), so a value with a space, a newline or a
// control character could inject configuration: such values are refused here, before anything is written, with a
// message naming the service and the field.

import { isIP } from 'node:net';

export class RegistrationError extends Error {
  override readonly name = 'RegistrationError';
  constructor(
    message: string,
    readonly code = 'EBADREGISTRATION',
  ) {
    super(message);
  }
}

/** Control characters (C0, DEL, C1): never allowed in a key or a value. */
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/;
/** One DNS label as RFC 1123 allows it, plus "_" (service names such as _http, accepted by the shipped template). */
const LABEL = /^[A-Za-z0-9_](?:[A-Za-z0-9_-]{0,61}[A-Za-z0-9_])?$/;

function describe(value: string): string {
  return JSON.stringify(value);
}

/** A DNS name (domain or host name of an address): labels of letters, digits, "-" and "_", at most 253 bytes. */
export function isHostname(s: string): boolean {
  const name = s.endsWith('.') ? s.slice(0, -1) : s;
  if (name.length === 0 || name.length > 253) return false;
  return name.split('.').every((l) => LABEL.test(l));
}

/** The domain a service is routed by (the Host header haproxy matches). */
export function checkDomain(domain: string, where: string): string {
  if (!isHostname(domain) || domain.endsWith('.')) {
    throw new RegistrationError(`${where}: domain ${describe(domain)} is not a host name (letters, digits, "-", "_" in dot-separated labels)`);
  }
  return domain.toLowerCase();
}

/** The instance name: a key segment and an haproxy server name. */
export function checkHost(host: string, where: string): string {
  if (!/^[A-Za-z0-9_][A-Za-z0-9._-]{0,127}$/.test(host)) {
    throw new RegistrationError(`${where}: host ${describe(host)} must be 1 to 128 letters, digits, ".", "-" or "_", starting with a letter, digit or "_"`);
  }
  return host;
}

/** An IPv4 or IPv6 address, or a DNS name. */
export function checkAddress(ip: string, where: string): string {
  if (isIP(ip) !== 0 || isHostname(ip)) return ip;
  throw new RegistrationError(`${where}: ip ${describe(ip)} is neither an IPv4 or IPv6 address nor a host name`);
}

/** A TCP port, 1 to 65535, from a number or decimal text. */
export function checkPort(port: number | string, where: string): number {
  const n = typeof port === 'number' ? port : /^[0-9]{1,5}$/.test(port) ? Number(port) : NaN;
  if (!Number.isInteger(n) || n < 1 || n > 65535) {
    throw new RegistrationError(`${where}: port ${describe(String(port))} is not a number from 1 to 65535`);
  }
  return n;
}

/** An extra field's name: a key segment. */
export function checkFieldName(name: string, where: string): string {
  if (!/^[A-Za-z0-9_][A-Za-z0-9._-]{0,63}$/.test(name)) {
    throw new RegistrationError(`${where}: field name ${describe(name)} must be 1 to 64 letters, digits, ".", "-" or "_"`);
  }
  return name;
}

/** Any value written: printable, at most 4 KiB. */
export function checkValue(value: string, where: string): string {
  if (CONTROL.test(value)) throw new RegistrationError(`${where}: value ${describe(value)} contains a control character`);
  if (Buffer.byteLength(value) > 4096) throw new RegistrationError(`${where}: value is longer than 4096 bytes`);
  return value;
}

/** A whole key: absolute, no empty or dot segments, no control characters. */
export function checkKey(key: string, where: string): string {
  if (!key.startsWith('/') || key.length < 2 || key.endsWith('/') || CONTROL.test(key) || key.split('/').slice(1).some((s) => s === '' || s === '.' || s === '..')) {
    throw new RegistrationError(`${where}: key ${describe(key)} is not an absolute key with non-empty segments`);
  }
  return key;
}
