/**
 * A local fake ClamAV daemon (clamd) on 127.0.0.1 that speaks INSTREAM over
 * TCP and answers like clamd: `stream: Eicar-Signature FOUND` for a stream
 * that holds the EICAR test string, `stream: OK` otherwise. The real scanner
 * client is pointed at it: the process edge, no mock inside the code under test.
 */
import { createServer, type Server, type Socket } from 'node:net';

/** The EICAR anti-virus test file (68 bytes, harmless, recognised by every scanner). */
export const EICAR = 'X5O!P%@AP[4\\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*';

/** A running fake clamd. */
export interface FakeClamd {
  host: string;
  port: number;
  /** The streams received, in order. */
  scans: Buffer[];
  close(): Promise<void>;
}

function serve(socket: Socket, scans: Buffer[]): void {
  let buf = Buffer.alloc(0);
  let commandSeen = false;
  const parts: Buffer[] = [];
  socket.on('data', (b: Buffer) => {
    buf = Buffer.concat([buf, b]);
    if (!commandSeen) {
      const nul = buf.indexOf(0);
      if (nul < 0) return;
      const command = buf.subarray(0, nul).toString('latin1');
      buf = buf.subarray(nul + 1);
      commandSeen = true;
      if (command !== 'zINSTREAM') {
        socket.end(`UNKNOWN COMMAND\0`);
        return;
      }
    }
    while (buf.length >= 4) {
      const size = buf.readUInt32BE(0);
      if (size === 0) {
        const stream = Buffer.concat(parts);
        scans.push(stream);
        socket.end(stream.includes(EICAR) ? 'stream: Eicar-Signature FOUND\0' : 'stream: OK\0');
        return;
      }
      if (buf.length < 4 + size) return;
      parts.push(buf.subarray(4, 4 + size));
      buf = buf.subarray(4 + size);
    }
  });
  socket.on('error', () => undefined);
}

/** Start a fake clamd on an ephemeral port. */
export async function startFakeClamd(): Promise<FakeClamd> {
  const scans: Buffer[] = [];
  const server: Server = createServer((socket) => serve(socket, scans));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const addr = server.address();
  const port = typeof addr === 'object' && addr ? addr.port : 0;
  return { host: '127.0.0.1', port, scans, close: () => new Promise((resolve) => server.close(() => resolve())) };
}

/** A TCP port on 127.0.0.1 where nothing listens (a stopped clamd). */
export async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const addr = server.address();
  const port = typeof addr === 'object' && addr ? addr.port : 0;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}
