/**
 * The composition root of one CLI run: global settings resolved from flags and environment,
 * and the adapters they name, opened lazily and closed once at the end.
 *
 * @module @fedtrust/cli
 */
import type { LocalCa } from '@fedtrust/ca-local';
import type { StepCa } from '@fedtrust/ca-stepca';
import type { Clock, Random } from '@fedtrust/core';
import { systemClock, systemRandom } from '@fedtrust/core/system';
import type { CliIo } from '../io.js';
import { UsageError } from '../output/exit-codes.js';
import { DEFAULT_HOST_FILE, type HostFile, loadHostFile } from './host-file.js';
import { type LoadedSealer, loadSealer } from './load-sealer.js';
import {
  type OpenedStore,
  type OpenMode,
  openStore,
  parseStoreUrl,
  type StoreLocation,
} from './open-store.js';
import { readTextFile, resolvePath } from './read-file.js';

/** Global flags as commander parsed them (every one optional; environment fills the gaps). */
export interface GlobalFlags {
  store?: string;
  migrationsDir?: string;
  ca?: string;
  caName?: string;
  caRoot?: string;
  provisioner?: string;
  provisionerPasswordFile?: string;
  sealKeysFile?: string;
  resources?: string;
  arc?: string;
  json?: boolean;
}

/** Global settings after flags and environment were merged. Flags win. */
export interface Settings {
  storeUrl: string | undefined;
  migrationsDir: string | undefined;
  /** `local` or an `https://` Step-CA URL. */
  ca: string;
  /** The local CA's name (`ca:<name>:…` records); ca-local's default when unset. */
  caName: string | undefined;
  caRoot: string | undefined;
  provisioner: string | undefined;
  provisionerPasswordFile: string | undefined;
  sealKeysFile: string | undefined;
  sealKeysEnv: string | undefined;
  hostFile: string;
  arc: string | undefined;
  json: boolean;
}

/** Every environment variable the CLI reads, documented in `docs/cli.md`. */
export const ENVIRONMENT = {
  FEDTRUST_STORE: 'store URL, as --store',
  FEDTRUST_MIGRATIONS_DIR: 'migrations directory override, as --migrations-dir',
  FEDTRUST_CA: 'CA, as --ca',
  FEDTRUST_CA_NAME: 'name of the local CA, as --ca-name',
  FEDTRUST_CA_ROOT: 'pinned CA root PEM file, as --ca-root',
  FEDTRUST_CA_PROVISIONER: 'Step-CA provisioner name, as --provisioner',
  FEDTRUST_CA_PROVISIONER_PASSWORD_FILE:
    'file holding the provisioner password, as --provisioner-password-file',
  FEDTRUST_SEAL_KEYS: 'sealing keys `kid:base64,…`, current key first (or --seal-keys-file)',
  FEDTRUST_RESOURCES: 'host file, as --resources',
  FEDTRUST_IDENTITY_ARC: 'OID arc of the identity extensions, as --arc',
  FEDTRUST_SERVER_CERT: 'server certificate PEM for `doctor --check certs`, as --server-cert',
  FEDTRUST_PEER_URLS: 'comma-separated peer gateway URLs for `doctor --check clock`, as --peer-url',
  FEDTRUST_REQUIRE_PROVIDER_TOKENS: '`true` when the gateway runs with requireProviderTokens on',
  FEDTRUST_CLOCK_OFFSET_SECONDS:
    'shift this host clock as `doctor --check clock` sees it (rehearse skew), as --clock-offset',
} as const;

function env(io: CliIo, name: keyof typeof ENVIRONMENT): string | undefined {
  const value = io.env[name];
  return value === undefined || value === '' ? undefined : value;
}

/** Merges flags over environment. */
export function resolveSettings(flags: GlobalFlags, io: CliIo): Settings {
  return {
    storeUrl: flags.store ?? env(io, 'FEDTRUST_STORE'),
    migrationsDir: flags.migrationsDir ?? env(io, 'FEDTRUST_MIGRATIONS_DIR'),
    ca: flags.ca ?? env(io, 'FEDTRUST_CA') ?? 'local',
    caName: flags.caName ?? env(io, 'FEDTRUST_CA_NAME'),
    caRoot: flags.caRoot ?? env(io, 'FEDTRUST_CA_ROOT'),
    provisioner: flags.provisioner ?? env(io, 'FEDTRUST_CA_PROVISIONER'),
    provisionerPasswordFile:
      flags.provisionerPasswordFile ?? env(io, 'FEDTRUST_CA_PROVISIONER_PASSWORD_FILE'),
    sealKeysFile: flags.sealKeysFile,
    sealKeysEnv: env(io, 'FEDTRUST_SEAL_KEYS'),
    hostFile: flags.resources ?? env(io, 'FEDTRUST_RESOURCES') ?? DEFAULT_HOST_FILE,
    arc: flags.arc ?? env(io, 'FEDTRUST_IDENTITY_ARC'),
    json: flags.json === true,
  };
}

/** The CA the settings name, with what doctor needs to know about it. */
export type OpenedCa =
  | { kind: 'local'; ca: LocalCa; name: string; pinnedRootPem: string | null; url: null }
  | { kind: 'stepca'; ca: StepCa; pinnedRootPem: string; url: string };

/** One run's composition root. Everything is opened on first use and closed by `close()`. */
export class Runtime {
  readonly clock: Clock = systemClock;
  readonly random: Random = systemRandom;
  readonly #opened: Array<() => Promise<void>> = [];
  #store: Promise<OpenedStore> | undefined;
  #sealer: LoadedSealer | undefined;
  #host: HostFile | undefined;
  #ca: Promise<OpenedCa> | undefined;

  constructor(
    readonly settings: Settings,
    readonly io: CliIo,
  ) {}

  /** Where the store is; throws `UsageError` when no or a malformed URL was given. */
  storeLocation(): StoreLocation {
    return parseStoreUrl(this.settings.storeUrl, this.io.cwd);
  }

  /** The store, opened once per run in `mode` (see `openStore`). */
  store(mode: OpenMode = 'use'): Promise<OpenedStore> {
    this.#store ??= openStore(this.storeLocation(), {
      mode,
      migrationsDir:
        this.settings.migrationsDir === undefined
          ? undefined
          : resolvePath(this.settings.migrationsDir, this.io.cwd),
    }).then((opened) => {
      this.#opened.push(() => opened.close());
      return opened;
    });
    return this.#store;
  }

  sealer(): LoadedSealer {
    this.#sealer ??= loadSealer({
      file: this.settings.sealKeysFile,
      env: this.settings.sealKeysEnv,
      cwd: this.io.cwd,
    });
    return this.#sealer;
  }

  host(): HostFile {
    this.#host ??= loadHostFile(this.settings.hostFile, this.io.cwd);
    return this.#host;
  }

  /** The pinned root PEM from `--ca-root`, or `null` when none is pinned. */
  pinnedRoot(): string | null {
    return this.settings.caRoot === undefined
      ? null
      : readTextFile(this.settings.caRoot, this.io.cwd, '--ca-root');
  }

  /** The CA: `local` (keys sealed in the store) or a Step-CA at an https URL with its pinned root and provisioner. */
  ca(storeMode: OpenMode = 'use'): Promise<OpenedCa> {
    this.#ca ??= this.#openCa(storeMode);
    return this.#ca;
  }

  async #openCa(storeMode: OpenMode): Promise<OpenedCa> {
    const { ca } = this.settings;
    if (ca === 'local') {
      const pinnedRootPem = this.pinnedRoot();
      const { store } = await this.store(storeMode);
      const { localCa } = await import('@fedtrust/ca-local');
      let authority: LocalCa;
      try {
        authority = localCa({
          store,
          sealer: this.sealer().sealer,
          clock: this.clock,
          random: this.random,
          ...(this.settings.caName === undefined ? {} : { name: this.settings.caName }),
        });
      } catch (error) {
        throw new UsageError(
          'ca_invalid',
          `The local CA settings are invalid: ${(error as Error).message}`,
          'Give --ca-name (or FEDTRUST_CA_NAME) as the name the gateway passes to localCa: 1-64 letters, digits, dots, dashes or underscores.',
        );
      }
      return { kind: 'local', ca: authority, name: authority.name, pinnedRootPem, url: null };
    }
    if (!ca.startsWith('https://')) {
      throw new UsageError(
        'ca_invalid',
        `--ca must be "local" or an https:// Step-CA URL, not "${ca}".`,
        'Pass --ca local, or --ca https://ca.example:9000 with --ca-root, --provisioner and --provisioner-password-file.',
      );
    }
    const missing = [
      this.settings.caRoot === undefined ? '--ca-root' : null,
      this.settings.provisioner === undefined ? '--provisioner' : null,
      this.settings.provisionerPasswordFile === undefined ? '--provisioner-password-file' : null,
    ].filter((flag) => flag !== null);
    if (missing.length > 0) {
      throw new UsageError(
        'ca_settings_missing',
        `A Step-CA needs ${missing.join(', ')}.`,
        'Pass the pinned root PEM, the JWK provisioner name and a file holding its password (or set the FEDTRUST_CA_* variables).',
      );
    }
    const rootPem = this.pinnedRoot() as string;
    const password = readTextFile(
      this.settings.provisionerPasswordFile as string,
      this.io.cwd,
      '--provisioner-password-file',
    ).replace(/\r?\n$/, '');
    const { stepCa } = await import('@fedtrust/ca-stepca');
    let authority: StepCa;
    try {
      authority = stepCa({
        url: ca,
        root: rootPem,
        provisioner: { name: this.settings.provisioner as string, password },
        ...(this.settings.arc === undefined ? {} : { arc: this.settings.arc }),
        timeoutMs: 5000,
      });
    } catch (error) {
      throw new UsageError(
        'ca_invalid',
        `The Step-CA settings are invalid: ${(error as Error).message}.`,
        'Check that --ca-root is the PEM of the CA root certificate and --ca an https URL.',
      );
    }
    this.#opened.push(() => authority.close());
    return { kind: 'stepca', ca: authority, pinnedRootPem: rootPem, url: ca };
  }

  /** Closes everything this run opened, newest first; never throws. */
  async close(): Promise<void> {
    for (const close of this.#opened.reverse()) {
      await close().catch(() => {});
    }
    // A store that failed to open left nothing to close, but its rejection must not go unhandled.
    await this.#store?.catch(() => {});
    await this.#ca?.catch(() => {});
  }
}
