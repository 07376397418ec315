import { describe, expect, it } from 'vitest';
import { matchRoute } from './match-route.js';

describe('matchRoute', () => {
  it('recognises every federation route with its verb, resource and id', () => {
    expect(matchRoute('POST', '/fedtrust/v1/enroll')).toEqual({ kind: 'enroll' });
    expect(matchRoute('POST', '/fedtrust/v1/renew')).toEqual({ kind: 'renew' });
    expect(matchRoute('GET', '/fedtrust/v1/capabilities')).toEqual({ kind: 'verb', verb: 'capabilities' });
    expect(matchRoute('POST', '/fedtrust/v1/list/notes')).toEqual({
      kind: 'verb',
      verb: 'list',
      resource: 'notes',
    });
    expect(matchRoute('POST', '/fedtrust/v1/search/notes?x=1')).toEqual({
      kind: 'verb',
      verb: 'search',
      resource: 'notes',
    });
    expect(matchRoute('POST', '/fedtrust/v1/get/notes/a%2Fb')).toEqual({
      kind: 'verb',
      verb: 'get',
      resource: 'notes',
      id: 'a/b',
    });
  });

  it('answers not_found for paths outside the API or with the wrong shape', () => {
    for (const url of [
      '/',
      '/fedtrust/v2/list/notes',
      '/fedtrust/v1/list',
      '/fedtrust/v1/list/notes/extra',
      '/fedtrust/v1/get/notes',
      '/fedtrust/v1/get/notes/%E0%A4%A',
      '/fedtrust/v1/delete/notes',
      '/fedtrust/v1/list/',
      '/fedtrust/v1/renew/extra',
      `/fedtrust/v1/list/${'x'.repeat(257)}`,
    ]) {
      expect(matchRoute('POST', url), url).toEqual({ kind: 'not_found' });
    }
  });

  it('answers method_not_allowed with the method the route takes', () => {
    expect(matchRoute('GET', '/fedtrust/v1/enroll')).toEqual({ kind: 'method_not_allowed', allow: 'POST' });
    expect(matchRoute('PUT', '/fedtrust/v1/renew')).toEqual({ kind: 'method_not_allowed', allow: 'POST' });
    expect(matchRoute('POST', '/fedtrust/v1/capabilities')).toEqual({
      kind: 'method_not_allowed',
      allow: 'GET',
    });
    expect(matchRoute('DELETE', '/fedtrust/v1/list/notes')).toEqual({
      kind: 'method_not_allowed',
      allow: 'POST',
    });
  });
});
