import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { connectWithBatchedReads } from './batched-reads';

// A local TCP server that writes like slapd does during a search: many small writes in a row.
let server: net.Server | undefined;
afterEach(() => new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve())));

async function serve(onConnection: (socket: net.Socket) => void): Promise<number> {
  server = net.createServer(onConnection);
  await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
  return (server.address() as net.AddressInfo).port;
}

describe('connectWithBatchedReads', () => {
  it('delivers every byte in order, in far fewer reads than the server wrote, and sees the server close', async () => {
    const WRITES = 2000;
    const port = await serve((socket) => {
      let i = 0;
      const next = () => {
        if (i === WRITES) return socket.end();
        socket.write(Buffer.alloc(100, i++ % 251));
        setImmediate(next);
      };
      next();
    });
    const client = connectWithBatchedReads(port, '127.0.0.1');
    const chunks: Buffer[] = [];
    client.on('data', (chunk: Buffer) => chunks.push(chunk));
    await new Promise<void>((resolve, reject) => {
      client.once('close', () => resolve());
      client.once('error', reject);
    });
    const all = Buffer.concat(chunks);
    expect(all.length).toBe(WRITES * 100);
    for (let i = 0; i < WRITES; i++) expect(all[i * 100]).toBe(i % 251);
    // Each chunk is a copy: the read buffer is reused underneath.
    expect(new Set(chunks.map((c) => c.buffer)).size).toBeGreaterThan(1);
    expect(chunks.length).toBeLessThan(WRITES / 4);
  });

  it('answers a request/response exchange without waiting for more data', async () => {
    const port = await serve((socket) => socket.on('data', (d) => socket.write(Buffer.concat([Buffer.from('re:'), d]))));
    const client = connectWithBatchedReads(port, '127.0.0.1');
    await new Promise((resolve) => client.once('connect', resolve));
    for (const message of ['one', 'two', 'three']) {
      const reply = new Promise<string>((resolve) => client.once('data', (d: Buffer) => resolve(d.toString())));
      client.write(message);
      expect(await reply).toBe(`re:${message}`);
    }
    client.destroy();
  });
});
