import { describe, expect, it } from 'vitest';
import {
  absoluteExpiry,
  expiryAfterActivity,
  isSessionAlive,
  isWellFormedToken,
  newSessionToken,
  sessionIdFromToken,
  shouldTouch,
} from './session-policy';

const t = { idleMinutes: 30, absoluteHours: 12 };
const at = (minutes: number) => new Date(Date.UTC(2026, 0, 1) + minutes * 60_000);

describe('session tokens', () => {
  it('are 32 random bytes, never repeated, stored only as their SHA-256', () => {
    const a = newSessionToken();
    const b = newSessionToken();
    expect(a).not.toBe(b);
    expect(Buffer.from(a, 'base64url')).toHaveLength(32);
    expect(isWellFormedToken(a)).toBe(true);
    expect(sessionIdFromToken(a)).toMatch(/^[0-9a-f]{64}$/);
    expect(sessionIdFromToken(a)).not.toContain(a);
  });

  it('rejects anything that is not such a token', () => {
    for (const bad of [undefined, null, '', 'short', `${newSessionToken()}x`, "' OR '1'='1' -- padding padding pad"]) {
      expect(isWellFormedToken(bad)).toBe(false);
    }
  });
});

describe('timeouts', () => {
  it('idle: alive until 30 minutes without activity', () => {
    const s = { createdAt: at(0), lastSeenAt: at(10) };
    expect(isSessionAlive(s, at(39), t)).toBe(true);
    expect(isSessionAlive(s, at(40), t)).toBe(false);
  });

  it('absolute: never beyond 12 hours, however recent the activity', () => {
    const s = { createdAt: at(0), lastSeenAt: at(12 * 60 - 1) };
    expect(isSessionAlive(s, at(12 * 60 - 0.5), t)).toBe(true);
    expect(isSessionAlive(s, at(12 * 60), t)).toBe(false);
    expect(expiryAfterActivity(at(0), at(12 * 60 - 10), t)).toEqual(absoluteExpiry(at(0), t));
  });

  it('activity moves the expiry to 30 minutes after it', () => {
    expect(expiryAfterActivity(at(0), at(100), t)).toEqual(at(130));
  });

  it('writes activity back at most once a minute', () => {
    expect(shouldTouch(at(0), at(0.5))).toBe(false);
    expect(shouldTouch(at(0), at(1))).toBe(true);
  });
});
