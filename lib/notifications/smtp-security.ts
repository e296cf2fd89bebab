// How the SMTP connection is secured (pure: the settings form imports it in the browser).

export const SMTP_SECURITY = ['STARTTLS', 'TLS', 'NONE'] as const;
export type SmtpSecurity = (typeof SMTP_SECURITY)[number];

export const SMTP_SECURITY_LABELS: Record<SmtpSecurity, string> = {
  STARTTLS: 'STARTTLS (required; usually port 587)',
  TLS: 'TLS from the start (usually port 465)',
  NONE: 'None (plain text: only on a trusted network)',
};
