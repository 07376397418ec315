import { DEFAULT_IDENTITY_ARC } from '@fedtrust/core';
import { describe, expect, it } from 'vitest';
import { templateFor } from './template-for.js';
import { GRANT_ID_CLAIM, SUBJECT_USER_ID_CLAIM } from './token/create-token.js';

describe('templateFor', () => {
  it('emits both extensions under the arc, non-critical, from the token claims', () => {
    const template = templateFor('1.3.6.1.4.1.99999');
    expect(template).toContain(
      `{"id": "1.3.6.1.4.1.99999.1.1", "critical": false, "value": {{ toJson .Token.${GRANT_ID_CLAIM} }}}`,
    );
    expect(template).toContain(
      `{"id": "1.3.6.1.4.1.99999.1.2", "critical": false, "value": {{ toJson .Token.${SUBJECT_USER_ID_CLAIM} }}}`,
    );
  });

  it('fails the template for each missing claim', () => {
    const template = templateFor();
    expect(template).toContain(
      `fail "fedtrust: the token claim ${GRANT_ID_CLAIM} is missing or not the base64 DER of a UUID"`,
    );
    expect(template).toContain(
      `fail "fedtrust: the token claim ${SUBJECT_USER_ID_CLAIM} is missing or not the base64 DER of a UUID"`,
    );
  });

  it('defaults to the development arc', () => {
    expect(templateFor()).toContain(`"${DEFAULT_IDENTITY_ARC}.1.1"`);
  });

  it.each(['', 'abc', '1.3.6.', '3.1', '1..2', '1.3.6.1"}, {"id": "2.5.29.17'])(
    'rejects the arc %j',
    (arc) => {
      expect(() => templateFor(arc)).toThrow(TypeError);
    },
  );
});
