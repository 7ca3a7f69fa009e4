/**
 * A local fake HTTP gateway (SMS, mail, robot webhooks) on 127.0.0.1 that
 * records every request. Tests point the real channel code at it: no mock
 * inside the code under test.
 */
import { createServer, type Server } from 'node:http';

/** A recorded request. */
export interface GatewayCall {
  path: string;
  body: Record<string, unknown>;
}

/** A running fake gateway. */
export interface FakeGateway {
  url: string;
  calls: GatewayCall[];
  /** Make the next N requests fail with HTTP 500. */
  failNext(n: number): void;
  close(): Promise<void>;
}

/** Start a fake gateway on an ephemeral port. */
export async function startFakeGateway(): Promise<FakeGateway> {
  const calls: GatewayCall[] = [];
  let failures = 0;
  const server: Server = createServer((req, res) => {
    let raw = '';
    req.on('data', (c: Buffer) => {
      raw += c.toString('utf8');
    });
    req.on('end', () => {
      if (failures > 0) {
        failures--;
        res.writeHead(500, { 'content-type': 'application/json' }).end('{"error":"gateway down"}');
        return;
      }
      calls.push({ path: req.url ?? '/', body: JSON.parse(raw || '{}') as Record<string, unknown> });
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"errcode":0,"errmsg":"ok"}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const addr = server.address();
  const port = typeof addr === 'object' && addr ? addr.port : 0;
  return {
    url: `http://127.0.0.1:${port}`,
    calls,
    failNext: (n) => {
      failures = n;
    },
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
