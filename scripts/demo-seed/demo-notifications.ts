import type { PrismaClient } from '@/lib/generated/prisma/client';
import { encryptSecret } from '@/lib/crypto';
import { NOTIFICATION_EVENT_TYPES } from '@/lib/notifications/events';

// The demo's notifications: e-mail through the demo's local mail sink and a webhook to its local
// receiver (scripts/services/notification-sinks.ts), so that a new user sees under Admin >
// Notifications > Sent notifications what the product would send, without a mail server. Settings
// an administrator changed are theirs: only the demo's own (updated/created by "demo") follow the
// sinks' ports from one start to the next.

export const DEMO_ACTOR = 'demo';
export const DEMO_WEBHOOK_NAME = 'Demo receiver (local)';

export type DemoNotificationSinks = { smtpPort: number; webhookUrl: string; webhookSecret: string };

export async function seedDemoNotifications(db: PrismaClient, sinks: DemoNotificationSinks, encryptionKey: Buffer): Promise<'seeded' | 'kept'> {
  let seeded = false;
  const smtp = await db.smtpSettings.findUnique({ where: { id: 1 } });
  if (!smtp || smtp.updatedBy === DEMO_ACTOR) {
    const data = {
      enabled: true,
      host: '127.0.0.1',
      port: sinks.smtpPort,
      security: 'NONE',
      username: null,
      passwordEncrypted: null,
      fromAddress: 'identity-manager@example.com',
      recipients: ['idm-admins@example.com', 'service-desk@example.com'],
      events: [...NOTIFICATION_EVENT_TYPES],
      updatedBy: DEMO_ACTOR,
    };
    await db.smtpSettings.upsert({ where: { id: 1 }, create: { id: 1, ...data }, update: smtp ? { port: sinks.smtpPort } : data });
    seeded = true;
  }
  const webhook = await db.webhook.findFirst({ where: { name: DEMO_WEBHOOK_NAME, createdBy: DEMO_ACTOR } });
  if (!webhook) {
    await db.webhook.create({
      data: { name: DEMO_WEBHOOK_NAME, url: sinks.webhookUrl, events: [...NOTIFICATION_EVENT_TYPES], secretEncrypted: encryptSecret(sinks.webhookSecret, encryptionKey), createdBy: DEMO_ACTOR },
    });
    seeded = true;
  } else if (webhook.url !== sinks.webhookUrl) {
    await db.webhook.update({ where: { id: webhook.id }, data: { url: sinks.webhookUrl, secretEncrypted: encryptSecret(sinks.webhookSecret, encryptionKey) } });
    seeded = true;
  }
  return seeded ? 'seeded' : 'kept';
}
