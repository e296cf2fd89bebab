// The demo organisation: a deterministic directory of about 300 people under dc=example,dc=com,
// used by `npm run demo` (private slapd + matching Identity Manager data) and by tests.
//
// Inactive people carry the documented status attribute `employeeType: inactive` AND an OpenLDAP
// password-policy lock (`pwdAccountLockedTime`), so both filter presets select the same people.

export const DEMO_BASE_DN = 'dc=example,dc=com';
export const DEMO_PEOPLE_DN = `ou=people,${DEMO_BASE_DN}`;
export const DEMO_SERVICES_DN = `ou=services,${DEMO_BASE_DN}`;
/** When the demo's inactive people were locked (a fixed time keeps the LDIF reproducible). */
export const DEMO_LOCKED_TIME = '20260101000000Z';

export type DemoPerson = {
  uid: string;
  givenName: string;
  sn: string;
  cn: string;
  displayName: string;
  mail: string;
  employeeNumber: string;
  department: string;
  active: boolean;
  /** Set in the LDIF (slapadd keeps a given entryUUID), so the demo's IdM users can already be linked. */
  entryUUID: string;
  /** Relative distinguished name, already escaped (RFC 4514), possibly multi-valued. */
  rdn: string;
  dn: string;
};

export type DemoService = { cn: string; description: string; dn: string };

export const DEPARTMENTS = ['Engineering', 'Finance', 'Human Resources', 'Operations', 'Sales', 'Support'] as const;
const DEPARTMENT_WEIGHTS = [0.3, 0.12, 0.08, 0.18, 0.2, 0.12];

const GIVEN_NAMES = [
  'Anna', 'Erik', 'Maria', 'Lars', 'Sofia', 'Johan', 'Emma', 'Karl', 'Elin', 'Nils', 'Ingrid', 'Oskar',
  'Björn', 'Åsa', 'Zoë', 'José', 'François', 'Jürgen', 'Søren', 'Łukasz', 'Małgorzata', 'Renée', 'Chloé',
  'Siobhán', 'Mário', 'Ayşe', 'Dmitri', 'Priya', 'Wei', 'Yuki', 'Fatima', 'Omar', 'Lucía', 'Mateo',
  'Hannah', 'David', 'Sarah', 'Thomas', 'Laura', 'Michael', 'Olivia', 'Daniel', 'Noah', 'Linnea', 'Göran',
];
const SURNAMES = [
  'Andersson', 'Johansson', 'Karlsson', 'Nilsson', 'Eriksson', 'Larsson', 'Olsson', 'Persson', 'Svensson',
  'Öberg', 'Muñoz', 'Müller', 'Østergaard', 'Nowak', 'Wiśniewski', 'García', 'Lindqvist', "O'Brien",
  'Dubois', 'Schröder', 'Kowalczyk', 'Fernández', 'Åkesson', 'Häkkinen', 'Nguyen', 'Tanaka', 'Patel',
  'Smith', 'Brown', 'Wilson', 'Taylor', 'Rossi', 'Bianchi', 'Novák', 'Horváth', 'Ivanova', 'Çelik',
  'Yılmaz', 'Kim', 'Chen', 'Lehmann', 'Berg', 'Holm', 'Sandström', 'Ström',
];

/** Small, fast, seedable PRNG (mulberry32): the same seed gives the same organisation. */
export function createRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function pick<T>(random: () => number, items: readonly T[]): T {
  return items[Math.floor(random() * items.length)] as T;
}

function weighted<T>(random: () => number, items: readonly T[], weights: readonly number[]): T {
  let r = random() * weights.reduce((a, b) => a + b, 0);
  for (let i = 0; i < items.length; i++) {
    r -= weights[i] ?? 0;
    if (r < 0) return items[i] as T;
  }
  return items[items.length - 1] as T;
}

/** A version-4 shaped UUID from the seeded PRNG. */
export function uuid(random: () => number): string {
  const bytes = Array.from({ length: 16 }, () => Math.floor(random() * 256));
  bytes[6] = ((bytes[6] ?? 0) & 0x0f) | 0x40;
  bytes[8] = ((bytes[8] ?? 0) & 0x3f) | 0x80;
  const hex = bytes.map((b) => b.toString(16).padStart(2, '0')).join('');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/** ASCII login name part: diacritics stripped, letters a-z only. */
export function asciiFold(value: string): string {
  return value
    .replace(/[Øø]/g, 'o')
    .replace(/[Łł]/g, 'l')
    .replace(/ß/g, 'ss')
    .replace(/[Ææ]/g, 'ae')
    .replace(/ı/g, 'i')
    .normalize('NFD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z]/g, '');
}

/** RFC 4514 escaping of one attribute value inside a DN. */
export function escapeDnValue(value: string): string {
  let out = value.replace(/[\\,+"<>;=]/g, (c) => `\\${c}`);
  if (out.startsWith(' ') || out.startsWith('#')) out = `\\${out}`;
  if (out.endsWith(' ') && out.length > 1) out = `${out.slice(0, -1)}\\ `;
  return out;
}

type Draft = Omit<DemoPerson, 'rdn' | 'dn' | 'mail' | 'employeeNumber' | 'cn' | 'displayName' | 'entryUUID'> & {
  cn?: string;
  /** Defaults to "given name surname"; Chinese names put the surname first, without a space. */
  displayName?: string;
  rdn?: string;
};

export type DemoDirectoryOptions = { size?: number; inactiveShare?: number; seed?: number };

/**
 * The demo's people. The first entries are fixed (non-ASCII names and DNs that need escaping,
 * so the sync's handling of them is visible in the demo); the rest are generated.
 */
export function demoPeople(options: DemoDirectoryOptions = {}): DemoPerson[] {
  const size = options.size ?? 300;
  const inactiveShare = options.inactiveShare ?? 0.15;
  const random = createRandom(options.seed ?? 20261127);
  const used = new Set<string>();
  const uniqueUid = (base: string) => {
    let uid = base;
    for (let n = 2; used.has(uid); n++) uid = `${base}${n}`;
    used.add(uid);
    return uid;
  };

  const drafts: Draft[] = [
    { uid: 'aoberg', givenName: 'Åsa', sn: 'Öberg', department: 'Engineering', active: true },
    { uid: 'jmunoz', givenName: 'José', sn: 'Muñoz', department: 'Sales', active: true },
    { uid: 'zlindqvist', givenName: 'Zoë', sn: 'Lindqvist', department: 'Support', active: false },
    { uid: 'sostergaard', givenName: 'Søren', sn: 'Østergaard', department: 'Operations', active: false },
    // A comma in the RDN value and a multi-valued RDN (cn + uid): both need escaping/parsing care.
    { uid: 'jsmith', givenName: 'John', sn: 'Smith', cn: 'Smith, John', department: 'Finance', active: true,
      rdn: `cn=${escapeDnValue('Smith, John')}+uid=jsmith` },
    // A plus sign in the naming uid (a contractor alias), locked like any inactive person.
    { uid: 'mgarcia+contractor', givenName: 'Mateo', sn: 'García', department: 'Engineering', active: false },
    { uid: 'sobrien', givenName: 'Siobhán', sn: "O'Brien", department: 'Human Resources', active: true },
    // Names in other scripts (romanized uid and mail, as directories usually have them): an
    // operator finds 王伟 by typing 王 or 伟 in the Users search.
    { uid: 'wwang', givenName: '伟', sn: '王', cn: '王伟', displayName: '王伟', department: 'Engineering', active: true },
    { uid: 'gpapadopoulos', givenName: 'Γιώργος', sn: 'Παπαδόπουλος', department: 'Sales', active: true },
    { uid: 'oivanova', givenName: 'Ольга', sn: 'Иванова', department: 'Operations', active: false },
    { uid: 'falzahrani', givenName: 'فاطمة', sn: 'الزهراني', department: 'Finance', active: true },
  ];
  for (const d of drafts) used.add(d.uid);

  while (drafts.length < size) {
    const givenName = pick(random, GIVEN_NAMES);
    const sn = pick(random, SURNAMES);
    drafts.push({
      uid: uniqueUid(`${asciiFold(givenName).slice(0, 1)}${asciiFold(sn)}`),
      givenName,
      sn,
      department: weighted(random, DEPARTMENTS, DEPARTMENT_WEIGHTS),
      active: random() >= inactiveShare,
    });
  }

  return drafts.slice(0, size).map((d, i) => {
    const cn = d.cn ?? `${d.givenName} ${d.sn}`;
    const rdn = d.rdn ?? `uid=${escapeDnValue(d.uid)}`;
    const mailLocal = d.uid.replace(/\+.*$/, '');
    return {
      uid: d.uid,
      givenName: d.givenName,
      sn: d.sn,
      cn,
      displayName: d.displayName ?? `${d.givenName} ${d.sn}`,
      mail: `${mailLocal}@example.com`,
      employeeNumber: String(10001 + i),
      department: d.department,
      active: d.active,
      entryUUID: uuid(random),
      rdn,
      dn: `${rdn},ou=${escapeDnValue(d.department)},${DEMO_PEOPLE_DN}`,
    };
  });
}

export function demoServices(): DemoService[] {
  return [
    { cn: 'mail-relay', description: 'Outgoing mail relay' },
    { cn: 'backup-agent', description: 'Nightly backup agent' },
    { cn: 'print-server', description: 'Print server directory lookups' },
  ].map((s) => ({ ...s, dn: `cn=${s.cn},${DEMO_SERVICES_DN}` }));
}

// LDIF (RFC 2849): a value that is not a SAFE-STRING (non-ASCII, leading space/colon/<, trailing
// space) must be base64-encoded with `::`.
function ldifLine(attribute: string, value: string): string {
  const safe = /^[\x01-\x09\x0b\x0c\x0e-\x1f\x21-\x39\x3b\x3d-\x7f][\x01-\x09\x0b\x0c\x0e-\x7f]*$/.test(value) && !value.endsWith(' ');
  return safe ? `${attribute}: ${value}` : `${attribute}:: ${Buffer.from(value, 'utf8').toString('base64')}`;
}

function entry(lines: Array<[string, string]>): string {
  return lines.map(([a, v]) => ldifLine(a, v)).join('\n');
}

/** The LDIF of the entries below the base DN (the base entry itself is created by the slapd service). */
export function toLdif(people: DemoPerson[], services: DemoService[] = demoServices()): string {
  const departments = [...new Set(people.map((p) => p.department))].sort();
  const blocks: string[] = [
    entry([['dn', DEMO_PEOPLE_DN], ['objectClass', 'organizationalUnit'], ['ou', 'people']]),
    ...departments.map((d) =>
      entry([['dn', `ou=${escapeDnValue(d)},${DEMO_PEOPLE_DN}`], ['objectClass', 'organizationalUnit'], ['ou', d]]),
    ),
    entry([['dn', DEMO_SERVICES_DN], ['objectClass', 'organizationalUnit'], ['ou', 'services'],
      ['description', 'Technical accounts: not people, never synchronized']]),
    ...services.map((s) =>
      entry([['dn', s.dn], ['objectClass', 'applicationProcess'], ['cn', s.cn], ['description', s.description]]),
    ),
    ...people.map((p) => {
      const lines: Array<[string, string]> = [
        ['dn', p.dn],
        ['objectClass', 'inetOrgPerson'],
        ['entryUUID', p.entryUUID],
        ['uid', p.uid],
        ['cn', p.cn],
        ['sn', p.sn],
        ['givenName', p.givenName],
        ['displayName', p.displayName],
        ['mail', p.mail],
        ['employeeNumber', p.employeeNumber],
        ['employeeType', p.active ? 'active' : 'inactive'],
        ['departmentNumber', p.department],
        ['ou', p.department],
      ];
      if (!p.active) lines.push(['pwdAccountLockedTime', DEMO_LOCKED_TIME]);
      return entry(lines);
    }),
  ];
  return blocks.join('\n\n') + '\n';
}
