// The TLS files of -client-ca-keys, -client-cert and -client-key, for every backend that speaks TLS (etcd v3 and
// v2; the factory checks them for redis too): checked when the backend is created and read by its connection
// code, with one error naming the flag and the file. Written once here.

import { accessSync, constants as fsConstants, readFileSync } from 'node:fs';
import { BackendError, type BackendOptions } from '../types.js';
import { describeError } from '../util.js';

type TlsOptions = Pick<BackendOptions, 'clientCaKeys' | 'clientCert' | 'clientKey'>;

const FILES = [
  { option: 'clientCaKeys', flag: '-client-ca-keys', field: 'ca' },
  { option: 'clientCert', flag: '-client-cert', field: 'cert' },
  { option: 'clientKey', flag: '-client-key', field: 'key' },
] as const;

/** The contents of the TLS files that are set (PEM). */
export interface TlsFiles {
  readonly ca?: Buffer;
  readonly cert?: Buffer;
  readonly key?: Buffer;
}

function fileError(backend: string, flag: string, file: string, err: unknown): BackendError {
  return new BackendError(`${backend}: ${flag} ${file}: ${describeError(err)}`, 'ETLSFILE', { retryable: false, cause: err });
}

/**
 * The files must be readable when the backend is created, not at its first read: a SIGHUP to a configuration
 * naming a missing key is then refused while the running configuration keeps working.
 */
export function checkTlsFiles(backend: string, o: TlsOptions): void {
  for (const { option, flag } of FILES) {
    const file = o[option];
    if (file === undefined || file === '') continue;
    try {
      accessSync(file, fsConstants.R_OK);
    } catch (err) {
      throw fileError(backend, flag, file, err);
    }
  }
}

/** Reads the TLS files that are set; throws a BackendError (ETLSFILE, not retryable) naming flag and file. */
export function readTlsFiles(backend: string, o: TlsOptions): TlsFiles {
  const out: { ca?: Buffer; cert?: Buffer; key?: Buffer } = {};
  for (const { option, flag, field } of FILES) {
    const file = o[option];
    if (file === undefined || file === '') continue;
    try {
      out[field] = readFileSync(file);
    } catch (err) {
      throw fileError(backend, flag, file, err);
    }
  }
  return out;
}
