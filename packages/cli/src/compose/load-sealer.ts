/**
 * The sealing key ring, from `--seal-keys-file` or `FEDTRUST_SEAL_KEYS`.
 *
 * @module @fedtrust/cli
 */
import { readFileSync } from 'node:fs';
import { createSealer, isFedtrustError, parseSealKeys, type Sealer } from '@fedtrust/core';
import { systemRandom } from '@fedtrust/core/system';
import { UsageError } from '../output/exit-codes.js';
import { resolvePath } from './read-file.js';

/** A loaded sealer with the ids of every key it holds (never the key material). */
export interface LoadedSealer {
  sealer: Sealer;
  keyIds: string[];
  source: 'file' | 'env';
}

const REMEDIATION =
  'Set FEDTRUST_SEAL_KEYS (or pass --seal-keys-file FILE) to `kid:base64,…` with the current key first and every older key still needed after it.';

/**
 * Builds the sealer: the file wins over the environment; the first key is current. Throws
 * `UsageError` `seal_keys_missing` when neither is set, and `seal_keys_invalid` (naming the
 * entry, never its bytes) for a malformed list.
 */
export function loadSealer(options: {
  file: string | undefined;
  env: string | undefined;
  cwd: string;
}): LoadedSealer {
  let text: string;
  let source: 'file' | 'env';
  if (options.file !== undefined) {
    const path = resolvePath(options.file, options.cwd);
    try {
      text = readFileSync(path, 'utf8');
    } catch {
      throw new UsageError('seal_keys_unreadable', `The seal key file ${path} cannot be read.`, REMEDIATION);
    }
    source = 'file';
  } else if (options.env !== undefined && options.env.trim() !== '') {
    text = options.env;
    source = 'env';
  } else {
    throw new UsageError('seal_keys_missing', 'No sealing keys are configured.', REMEDIATION);
  }
  try {
    const ring = parseSealKeys(text);
    return {
      sealer: createSealer({ ...ring, random: systemRandom }),
      keyIds: Object.keys(ring.keys),
      source,
    };
  } catch (error) {
    if (isFedtrustError(error)) {
      throw new UsageError('seal_keys_invalid', error.message, `${error.remediation} ${REMEDIATION}`);
    }
    throw error;
  }
}
