import type { IncomingMessage } from 'node:http';
import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { readJsonBody } from './read-json-body.js';

/** A request body stream fed chunk by chunk, as node's parser feeds an IncomingMessage. */
function request(chunks: (string | Buffer)[], headers: Record<string, string> = {}) {
  const stream = new PassThrough();
  Object.assign(stream, { headers });
  setImmediate(() => {
    for (const chunk of chunks) stream.write(chunk);
    stream.end();
  });
  return stream as PassThrough & IncomingMessage;
}

describe('readJsonBody', () => {
  it('parses an object sent in several chunks, a UTF-8 character split between two of them', async () => {
    const bytes = Buffer.from('{"query":"café","limit":3}');
    const split = bytes.indexOf(0xa9);
    const body = await readJsonBody(request([bytes.subarray(0, split), bytes.subarray(split)]), 1024);
    expect(body).toEqual({ query: 'café', limit: 3 });
  });

  it('reads an empty body as {}', async () => {
    expect(await readJsonBody(request([]), 1024)).toEqual({});
  });

  it.each([
    ['not JSON', '{"query":'],
    ['an array', '[1,2]'],
    ['a string', '"x"'],
    ['null', 'null'],
  ])('refuses %s with body_invalid (400)', async (_label, text) => {
    await expect(readJsonBody(request([text]), 1024)).rejects.toMatchObject({
      code: 'body_invalid',
      status: 400,
    });
  });

  it('refuses a declared length past the cap before reading anything', async () => {
    const req = request(['{}'], { 'content-length': '2048' });
    await expect(readJsonBody(req, 1024)).rejects.toMatchObject({ code: 'body_too_large', status: 413 });
    expect(req.readableEnded).toBe(false);
  });

  it('stops reading an undeclared body once it passes the cap (413, the request is destroyed)', async () => {
    const req = request(['{"a":"', 'x'.repeat(600), 'x'.repeat(600), '"}']);
    await expect(readJsonBody(req, 1024)).rejects.toMatchObject({ code: 'body_too_large', status: 413 });
    expect(req.destroyed).toBe(true);
  });

  it('rejects with the stream error, or a premature close, when the body never ends', async () => {
    const failing = new PassThrough();
    Object.assign(failing, { headers: {} });
    setImmediate(() => failing.destroy(new Error('socket reset')));
    await expect(readJsonBody(failing as PassThrough & IncomingMessage, 1024)).rejects.toThrow(
      'socket reset',
    );

    const cut = new PassThrough();
    Object.assign(cut, { headers: {} });
    setImmediate(() => {
      cut.write('{"a":');
      cut.destroy();
    });
    await expect(readJsonBody(cut as PassThrough & IncomingMessage, 1024)).rejects.toMatchObject({
      code: 'ERR_STREAM_PREMATURE_CLOSE',
    });
  });
});
