import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { verifySignature } from '../../lib/notifications/signature';

// The demo's stand-ins for a mail server and a webhook receiver, on loopback: they accept what the
// worker sends and print one line per message, so `npm run demo` shows notifications without any
// mail server. What was sent is listed in the app under Admin > Notifications > Sent notifications.

export type NotificationSinks = { smtpPort: number; webhookUrl: string; stop: () => Promise<void> };

export async function startNotificationSinks(options: { smtpPort: number; webhookPort: number; webhookSecret: string; log: (line: string) => void }): Promise<NotificationSinks> {
  // smtp-server is a dev dependency (the tests' mail server too): an install without it runs the
  // demo without the mail sink (e-mails then fail and are retried, as with a mail server down).
  const { SMTPServer } = await import('smtp-server');
  const smtp = new SMTPServer({
    disabledCommands: ['STARTTLS', 'AUTH'],
    logger: false,
    onData(stream, session, callback) {
      let raw = '';
      stream.on('data', (c: Buffer) => (raw += c.toString('utf8')));
      stream.on('end', () => {
        const subject = /^Subject: (.*(?:\r?\n[ \t].*)*)$/im.exec(raw.split(/\r?\n\r?\n/)[0] ?? '')?.[1]?.replace(/\r?\n[ \t]+/g, ' ') ?? '(no subject)';
        options.log(`mail sink: "${subject}" for ${session.envelope.rcptTo.map((r) => r.address).join(', ')}`);
        callback();
      });
    },
  });
  await listenOrAnyPort((port, done) => {
    smtp.server.once('error', done);
    smtp.listen(port, '127.0.0.1', () => done());
  }, options.smtpPort);
  const receiver = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString('utf8')));
    req.on('end', () => {
      const signed = verifySignature(options.webhookSecret, body, String(req.headers['x-idm-signature'] ?? ''));
      options.log(`webhook receiver: ${String(req.headers['x-idm-event'])} ${String(req.headers['x-idm-delivery'])}, signature ${signed ? 'verified' : 'WRONG'}`);
      res.writeHead(signed ? 204 : 401).end();
    });
  });
  await listenOrAnyPort((port, done) => {
    receiver.once('error', done);
    receiver.listen(port, '127.0.0.1', () => done());
  }, options.webhookPort);
  return {
    smtpPort: (smtp.server.address() as AddressInfo).port,
    webhookUrl: `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/idm-events`,
    stop: async () => {
      await new Promise<void>((r) => smtp.close(() => r()));
      await new Promise<void>((r) => receiver.close(() => r()));
    },
  };
}

/** Listens on `port`, or on any free port when it is taken (the demo's settings follow the port). */
async function listenOrAnyPort(listen: (port: number, done: (error?: Error) => void) => void, port: number): Promise<void> {
  const attempt = (p: number) => new Promise<void>((resolve, reject) => listen(p, (error) => (error ? reject(error) : resolve())));
  try {
    await attempt(port);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EADDRINUSE') throw error;
    await attempt(0);
  }
}
