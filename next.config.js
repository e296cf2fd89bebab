// @ts-check

// Headers every response carries. The Content-Security-Policy is set per request by proxy.ts,
// because its script nonce must be new for every page.
const securityHeaders = [
  { key: 'X-Content-Type-Options', value: 'nosniff' },
  { key: 'Referrer-Policy', value: 'same-origin' },
  { key: 'X-Frame-Options', value: 'DENY' },
  { key: 'Cross-Origin-Opener-Policy', value: 'same-origin' },
  { key: 'Cross-Origin-Resource-Policy', value: 'same-origin' },
  { key: 'Permissions-Policy', value: 'camera=(), microphone=(), geolocation=(), payment=(), usb=(), interest-cohort=()' },
  // Browsers honour HSTS only over HTTPS, so sending it on plain HTTP is harmless.
  { key: 'Strict-Transport-Security', value: 'max-age=31536000; includeSubDomains' },
];

/** @type {import('next').NextConfig} */
const nextConfig = {
  // Parallel checkouts/test runs can build side by side (NEXT_DIST_DIR=.next-e2e ...).
  distDir: process.env.NEXT_DIST_DIR || '.next',
  poweredByHeader: false,
  reactStrictMode: true,
  // The Prisma client, pg and the LDAP client run on the server only; do not bundle them.
  serverExternalPackages: ['@prisma/client', '@prisma/adapter-pg', 'pg', 'ldapts', 'bullmq', 'ioredis'],
  experimental: {
    // forbidden() / unauthorized(): pages answer 403 and actions 401/403 themselves.
    authInterrupts: true,
    serverActions: {
      // Same origin only (Next compares Origin with the Host / X-Forwarded-Host). Behind a
      // reverse proxy, forward X-Forwarded-Host rather than widening this list.
      allowedOrigins: [],
      bodySizeLimit: '1mb',
    },
  },
  async headers() {
    return [{ source: '/:path*', headers: securityHeaders }];
  },
};

export default nextConfig;
