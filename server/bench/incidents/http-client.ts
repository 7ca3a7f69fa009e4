/**
 * A minimal keep-alive JSON client over node:http for the incident benchmark.
 * node:http costs the load generator less CPU than global fetch (undici) on
 * this 2-core machine, and every request has a hard timeout. Only loopback
 * addresses are accepted.
 */
import { Agent, request } from 'node:http';

/** A JSON response. */
export interface JsonResponse<T = unknown> {
  status: number;
  body: T;
  headers: Record<string, string | string[] | undefined>;
}

/** A client bound to one loopback base URL. */
export class BenchClient {
  private readonly agent: Agent;
  private readonly host: string;
  private readonly port: number;

  constructor(baseUrl: string, maxSockets: number, private readonly timeoutMs = 30_000) {
    const u = new URL(baseUrl);
    if (u.hostname !== '127.0.0.1' && u.hostname !== 'localhost' && u.hostname !== '[::1]') {
      throw new Error(`the benchmark only talks to loopback addresses, not ${u.hostname}`);
    }
    this.host = u.hostname;
    this.port = Number(u.port);
    this.agent = new Agent({ keepAlive: true, maxSockets, maxFreeSockets: maxSockets });
  }

  /** Send one request; resolves with status and parsed JSON body (null when empty). */
  send<T = unknown>(method: 'GET' | 'POST', path: string, body?: unknown, cookie?: string): Promise<JsonResponse<T>> {
    return new Promise((resolve, reject) => {
      const payload = body === undefined ? undefined : Buffer.from(JSON.stringify(body));
      const headers: Record<string, string | number> = { accept: 'application/json' };
      if (payload) {
        headers['content-type'] = 'application/json';
        headers['content-length'] = payload.length;
      }
      if (cookie) headers['cookie'] = cookie;
      const req = request({ host: this.host, port: this.port, method, path, headers, agent: this.agent, timeout: this.timeoutMs }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          let parsed: unknown = null;
          try {
            parsed = text ? (JSON.parse(text) as unknown) : null;
          } catch {
            parsed = text;
          }
          resolve({ status: res.statusCode ?? 0, body: parsed as T, headers: res.headers });
        });
        res.on('error', reject);
      });
      req.on('timeout', () => req.destroy(new Error(`request timed out after ${this.timeoutMs} ms: ${method} ${path}`)));
      req.on('error', reject);
      if (payload) req.write(payload);
      req.end();
    });
  }

  /** Close idle keep-alive sockets. */
  close(): void {
    this.agent.destroy();
  }
}

/** Sign in and return the `yunwei_session=…` cookie pair. */
export async function signIn(client: BenchClient, username: string, password: string): Promise<string> {
  const r = await client.send('POST', '/api/auth/login', { username, password });
  if (r.status !== 200) throw new Error(`sign-in of ${username} failed: HTTP ${r.status} ${JSON.stringify(r.body)}`);
  const raw = r.headers['set-cookie'];
  const cookies = Array.isArray(raw) ? raw : raw ? [raw] : [];
  const session = cookies.map((c) => c.split(';')[0] ?? '').find((c) => c.startsWith('yunwei_session='));
  if (!session) throw new Error(`sign-in of ${username} returned no session cookie`);
  return session;
}
