import net from 'node:net';

/** How long reading pauses after each read (see connectWithBatchedReads). */
const READ_PAUSE_MS = 1;
/** The most one read takes: ~30 KB arrive per pause from a directory serving 100,000 entries/s. */
const READ_BUFFER_BYTES = 256 * 1024;

/**
 * A plain TCP connection to the directory that reads in batches. slapd writes each search entry
 * as soon as it has it, and a Node socket reading as fast as bytes arrive gets them a few hundred
 * bytes at a time: ~12,000 reads (each a syscall, an event and a Buffer) for 20,000 entries,
 * ~150 ms of CPU before anything is decoded, measured on the bench directory. Pausing reads for
 * READ_PAUSE_MS after each one lets the kernel gather ~30 KB per read (~200 reads, ~40 ms) while
 * the server keeps writing into the socket buffer; a response waits at most READ_PAUSE_MS longer.
 *
 * Chunks are still delivered as 'data' events, which is all ldapts (createConnection option)
 * listens to. Used for ldap:// without StartTLS only: TLS takes the socket's reads over.
 */
export function connectWithBatchedReads(port: number, host: string): net.Socket {
  const buffer = Buffer.allocUnsafe(READ_BUFFER_BYTES);
  const resume = () => {
    if (!socket.destroyed) socket.resume();
  };
  const socket: net.Socket = net.connect({
    port,
    host,
    onread: {
      buffer,
      callback: (length: number) => {
        // `buffer` is reused for the next read: hand over a copy.
        socket.emit('data', Buffer.from(buffer.subarray(0, length)));
        if (socket.destroyed) return true;
        // Not unref'd: a paused socket does not keep the process alive, and a response is still coming.
        setTimeout(resume, READ_PAUSE_MS);
        return false; // pauses reading until `resume`
      },
    },
  });
  return socket;
}
