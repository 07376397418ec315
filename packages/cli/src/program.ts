/**
 * The commander definition of `fedtrust`: global options and every command. `docs/cli.md`
 * is rendered from this same definition, so the reference cannot drift from the binary.
 *
 * @module @fedtrust/cli
 */
import { Command } from 'commander';
import type { CommandContext } from './command-context.js';
import { registerAudit } from './commands/audit.js';
import { registerDoctor } from './commands/doctor.js';
import { registerEnrollToken } from './commands/enroll-token.js';
import { registerExplain } from './commands/explain.js';
import { registerGrant } from './commands/grant.js';
import { registerMigrate } from './commands/migrate.js';
import { registerPeer } from './commands/peer.js';
import { registerTokens } from './commands/tokens.js';
import { DEFAULT_HOST_FILE } from './compose/host-file.js';

/** Builds the program; `ctx.run` executes a command's handler (the runner, or nothing for docs). */
export function buildProgram(ctx: CommandContext): Command {
  const program = new Command('fedtrust')
    .description('Operate a fedtrust gateway: grants, peers, tokens, audit, migrations, doctor and explain.')
    .option(
      '--store <url>',
      'store URL: sqlite:./fedtrust.db or postgres://user@host/db[?schema=s] (env FEDTRUST_STORE)',
    )
    .option(
      '--migrations-dir <dir>',
      "use these migration files instead of the store package's own (env FEDTRUST_MIGRATIONS_DIR)",
    )
    .option(
      '--ca <ca>',
      'certificate authority: local, or an https:// Step-CA URL (env FEDTRUST_CA; default local)',
    )
    .option(
      '--ca-name <name>',
      "the local CA's name, as the gateway passes it to localCa (env FEDTRUST_CA_NAME; default fedtrust-local)",
    )
    .option('--ca-root <file>', 'pinned CA root certificate, PEM (env FEDTRUST_CA_ROOT)')
    .option('--provisioner <name>', 'Step-CA JWK provisioner name (env FEDTRUST_CA_PROVISIONER)')
    .option(
      '--provisioner-password-file <file>',
      'file holding the provisioner password (env FEDTRUST_CA_PROVISIONER_PASSWORD_FILE)',
    )
    .option(
      '--seal-keys-file <file>',
      'sealing keys `kid:base64,…`, current first (default: env FEDTRUST_SEAL_KEYS)',
    )
    .option(
      '--resources <file>',
      `host file: resource catalogue, optional tenants and rbac (env FEDTRUST_RESOURCES; default ./${DEFAULT_HOST_FILE})`,
    )
    .option(
      '--arc <oid>',
      'OID arc of the identity extensions (env FEDTRUST_IDENTITY_ARC; default the development arc)',
    )
    .option('--json', 'print one JSON document instead of the transcript')
    .showSuggestionAfterError(true);
  registerGrant(program, ctx);
  registerPeer(program, ctx);
  registerEnrollToken(program, ctx);
  registerTokens(program, ctx);
  registerAudit(program, ctx);
  registerMigrate(program, ctx);
  registerExplain(program, ctx);
  registerDoctor(program, ctx);
  return program;
}
