import { describe, expect, it } from 'vitest';
import { ApiError } from './api-error.js';
import { ApiClient, type FetchLike } from './http-client.js';

interface Call {
  url: string;
  init: RequestInit;
}

function fakeFetch(responses: Response[]): { fetch: FetchLike; calls: Call[] } {
  const calls: Call[] = [];
  return {
    calls,
    fetch: async (url, init) => {
      calls.push({ url, init });
      const next = responses.shift();
      if (!next) throw new TypeError('Failed to fetch');
      return next;
    },
  };
}

const json = (status: number, body: unknown) =>
  new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });

const session = { user: { id: 'u1' }, csrfToken: 'tok' };

describe('ApiClient', () => {
  it('sends the CSRF token, a JSON content type and a body on every non-GET request', async () => {
    const { fetch, calls } = fakeFetch([json(200, session), json(200, { call: {}, iceServers: [] })]);
    const api = new ApiClient(fetch);
    await api.getSession();
    await api.startCall('a/1');
    const [get, post] = calls;
    expect(get?.init.method).toBe('GET');
    expect(get?.init.credentials).toBe('same-origin');
    expect(get?.init.body).toBeUndefined();
    expect(post?.url).toBe('/api/appointments/a%2F1/call/start');
    expect(post?.init.headers).toMatchObject({ 'x-csrf-token': 'tok', 'content-type': 'application/json' });
    expect(post?.init.body).toBe('{}');
  });

  it('signs in without a CSRF token', async () => {
    const { fetch, calls } = fakeFetch([json(200, session)]);
    const api = new ApiClient(fetch);
    api.csrfToken = 'stale';
    await api.signIn('a@b.c', 'pw');
    expect(calls[0]?.init.headers).not.toHaveProperty('x-csrf-token');
    expect(JSON.parse(String(calls[0]?.init.body))).toEqual({ email: 'a@b.c', password: 'pw' });
  });

  it('turns an error body into an ApiError with its code and message', async () => {
    const { fetch } = fakeFetch([json(409, { error: { code: 'call_not_active', message: 'Not yet.' } })]);
    const error = await new ApiClient(fetch).joinCall('1').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ApiError);
    expect(error).toMatchObject({ status: 409, code: 'call_not_active', message: 'Not yet.' });
  });

  it('reports a network failure and a non-JSON error distinctly', async () => {
    const { fetch } = fakeFetch([new Response('<html>bad gateway</html>', { status: 502 })]);
    const api = new ApiClient(fetch);
    await expect(api.listAppointments()).rejects.toMatchObject({ status: 502, code: 'unexpected_response' });
    await expect(api.listAppointments()).rejects.toMatchObject({ status: 0, code: 'network_error' });
  });

  it('accepts 204 without a body', async () => {
    const { fetch, calls } = fakeFetch([new Response(null, { status: 204 })]);
    await new ApiClient(fetch).signOut();
    expect(calls[0]?.init.method).toBe('DELETE');
  });

  it('exchanges a call link and then sends the context’s CSRF token', async () => {
    const { fetch, calls } = fakeFetch([
      json(200, { csrfToken: 'link-csrf', appointmentId: 'a1' }),
      json(200, { call: {} }),
    ]);
    const api = new ApiClient(fetch);
    await api.exchangeLink({ token: 't', displayName: 'Pat' });
    await api.endCall('a1', 'failed');
    expect(calls[0]?.url).toBe('/api/call-links/exchange');
    expect(calls[0]?.init.headers).not.toHaveProperty('x-csrf-token');
    expect(JSON.parse(String(calls[0]?.init.body))).toEqual({ token: 't', displayName: 'Pat' });
    expect(calls[1]?.init.headers).toMatchObject({ 'x-csrf-token': 'link-csrf' });
    expect(JSON.parse(String(calls[1]?.init.body))).toEqual({ reason: 'failed' });
  });

  it('addresses the call context, enter, invite and signaling endpoints', async () => {
    const { fetch, calls } = fakeFetch([
      json(200, {}),
      json(200, { call: {}, iceServers: [] }),
      json(200, { link: { url: 'u' } }),
      new Response(null, { status: 204 }),
      new Response('', { status: 200 }),
    ]);
    const api = new ApiClient(fetch);
    await api.getCallContext('a/1');
    await api.enterCall('a1');
    expect(await api.inviteLink('a1')).toEqual({ url: 'u' });
    await api.sendSignal('s1', { type: 'ping' });
    await api.closeSignal('s1');
    expect(calls.map((c) => `${c.init.method} ${c.url}`)).toEqual([
      'GET /api/call/context?appointmentId=a%2F1',
      'POST /api/appointments/a1/call/enter',
      'POST /api/appointments/a1/call/invite',
      'POST /api/signal/s1/send',
      'DELETE /api/signal/s1',
    ]);
  });

  it('addresses the recording routes and sends the consent answer and the stop’s segments as JSON', async () => {
    const view = { id: 'r/1', state: 'asking' };
    const { fetch, calls } = fakeFetch([
      json(200, view),
      json(200, view),
      json(200, view),
      json(200, view),
      json(200, { canPlay: true, recordings: [], events: [] }),
    ]);
    const api = new ApiClient(fetch);
    api.csrfToken = 'tok';
    expect(await api.askRecording('a/1')).toEqual(view);
    await api.answerRecording('r/1', 'allow');
    await api.withdrawRecording('r1');
    await api.stopRecording('r1', { segments: [{ segment: 0, chunks: 3 }] });
    expect(await api.listRecordings('a1')).toEqual({ canPlay: true, recordings: [], events: [] });
    expect(calls.map((c) => `${c.init.method} ${c.url}`)).toEqual([
      'POST /api/appointments/a%2F1/recordings',
      'POST /api/recordings/r%2F1/consent',
      'POST /api/recordings/r1/withdraw',
      'POST /api/recordings/r1/stop',
      'GET /api/appointments/a1/recordings',
    ]);
    expect(JSON.parse(String(calls[1]?.init.body))).toEqual({ answer: 'allow' });
    expect(JSON.parse(String(calls[3]?.init.body))).toEqual({ segments: [{ segment: 0, chunks: 3 }] });
    expect(calls[3]?.init.headers).toMatchObject({ 'x-csrf-token': 'tok' });
  });

  it('uploads a chunk as the raw blob with its checksum and the CSRF token, and returns the receipt', async () => {
    const receipt = { segment: 2, seq: 7, stored: true, recordingBytes: 10 };
    const { fetch, calls } = fakeFetch([json(200, receipt)]);
    const api = new ApiClient(fetch);
    api.csrfToken = 'tok';
    const blob = new Blob([new Uint8Array([1, 2, 3])]);
    expect(await api.putRecordingChunk('r1', 2, 7, blob, 'ab12')).toEqual(receipt);
    const [put] = calls;
    expect(put?.url).toBe('/api/recordings/r1/segments/2/chunks/7');
    expect(put?.init.method).toBe('PUT');
    expect(put?.init.body).toBe(blob);
    expect(put?.init.headers).toEqual({
      accept: 'application/json',
      'content-type': 'application/octet-stream',
      'x-chunk-sha256': 'ab12',
      'x-csrf-token': 'tok',
    });
  });

  it('reports a refused chunk with the server’s code', async () => {
    const { fetch } = fakeFetch([json(507, { error: { code: 'storage_full', message: 'Full.' } })]);
    const api = new ApiClient(fetch);
    await expect(api.putRecordingChunk('r1', 0, 0, new Blob(['x']), 'h')).rejects.toMatchObject({
      status: 507,
      code: 'storage_full',
    });
  });
});
