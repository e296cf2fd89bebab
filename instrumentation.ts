// Runs once when the Next.js server starts (not during `next build`).
export async function register(): Promise<void> {
  if (process.env.NEXT_RUNTIME !== 'nodejs') return;
  if (process.env.NEXT_PHASE === 'phase-production-build') return;
  const { refuseToStartWithoutProductionSecrets } = await import('./lib/require-production-secrets');
  refuseToStartWithoutProductionSecrets('The Identity Manager web server');
  // The TCP peer's address, for the client address when no proxy is trusted (TRUST_PROXY).
  const { installPeerAddressHeader } = await import('./lib/http/peer-address');
  installPeerAddressHeader();
  // A wrong TRUST_PROXY stops the start, not the first request.
  const { parseTrustProxy } = await import('./lib/http/client-address');
  parseTrustProxy(process.env.TRUST_PROXY);
}
