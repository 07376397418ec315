/**
 * The X.509 template a step-ca JWK provisioner must be configured with for fedtrust.
 *
 * @module @fedtrust/ca-stepca
 */
import { DEFAULT_IDENTITY_ARC } from '@fedtrust/core';
import { GRANT_ID_CLAIM, SUBJECT_USER_ID_CLAIM } from './token/create-token.js';

const OID = /^[0-2](\.(0|[1-9]\d*))+$/;
/** Standard base64 of a non-empty DER value; anything else must not reach the certificate. */
const BASE64 = '^[A-Za-z0-9+/]+={0,2}$';
/**
 * What the decoded claim must be: the DER UTF8String (tag 0x0c, length 36) of a canonical
 * lower-case UUID, exactly what `encodeIdentity` writes. A Go regexp in a Go template
 * string literal, hence the doubled backslashes.
 */
const DER_UUID = '^\\\\x0c\\\\x24[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$';

/**
 * The template (step-ca's `options.x509.template`) that copies both identity extension
 * values from the one-time token into the leaf, under `<arc>.1.1` (grant id) and
 * `<arc>.1.2` (subject user id). When either claim is missing or is not the base64 DER
 * UTF8String of a lower-case UUID the template calls `fail`, so step-ca refuses the request (400 with the message) instead
 * of issuing a certificate without the extension.
 *
 * @example
 * ```ts
 * provisioner.options = { x509: { template: templateFor('1.3.6.1.4.1.99999') } };
 * ```
 */
export function templateFor(arc: string = DEFAULT_IDENTITY_ARC): string {
  if (!OID.test(arc)) throw new TypeError(`templateFor: "${arc}" is not a dotted object identifier`);
  // Go templates' `and` short-circuits (Go 1.18+), so b64dec only sees a base64 string.
  const check = (claim: string) =>
    `{{- if not (and (kindIs "string" .Token.${claim}) (regexMatch "${BASE64}" (toString .Token.${claim})) (regexMatch "${DER_UUID}" (b64dec (toString .Token.${claim})))) }}` +
    `{{ fail "fedtrust: the token claim ${claim} is missing or not the base64 DER of a UUID" }}{{ end }}`;
  return [
    check(GRANT_ID_CLAIM),
    check(SUBJECT_USER_ID_CLAIM),
    '{',
    '  "subject": {{ toJson .Subject }},',
    '  "sans": {{ toJson .SANs }},',
    '  "keyUsage": ["digitalSignature"],',
    '  "extKeyUsage": ["clientAuth"],',
    '  "extensions": [',
    `    {"id": "${arc}.1.1", "critical": false, "value": {{ toJson .Token.${GRANT_ID_CLAIM} }}},`,
    `    {"id": "${arc}.1.2", "critical": false, "value": {{ toJson .Token.${SUBJECT_USER_ID_CLAIM} }}}`,
    '  ]',
    '}',
    '',
  ].join('\n');
}
