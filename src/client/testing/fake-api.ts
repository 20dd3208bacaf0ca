import type { FetchLike } from '../api/http-client.js';

export interface Route {
  method: string;
  path: string;
  status: number;
  body?: unknown;
}

export interface RecordedRequest {
  method: string;
  path: string;
  body: unknown;
  headers: Record<string, string>;
}

/** A fetch that answers from a table of routes (first match wins, the last match repeats). */
export function fakeApi(routes: Route[]): { fetch: FetchLike; requests: RecordedRequest[]; routes: Route[] } {
  const requests: RecordedRequest[] = [];
  const fetch: FetchLike = async (url, init) => {
    const method = init.method ?? 'GET';
    requests.push({
      method,
      path: url,
      body: typeof init.body === 'string' ? JSON.parse(init.body) : null,
      headers: (init.headers ?? {}) as Record<string, string>,
    });
    const matches = routes.filter((r) => r.method === method && r.path === url);
    const route = matches.length > 1 ? routes.splice(routes.indexOf(matches[0] as Route), 1)[0] : matches[0];
    if (!route)
      return new Response(JSON.stringify({ error: { code: 'not_found', message: 'Not found.' } }), {
        status: 404,
      });
    return new Response(route.status === 204 ? null : JSON.stringify(route.body ?? {}), {
      status: route.status,
    });
  };
  return { fetch, requests, routes };
}
