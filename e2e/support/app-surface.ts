import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { ROOT } from './app-server';

// Everything a browser can reach in the app, enumerated from the files themselves so that a new
// page, route handler or server action cannot be left out of the authorization matrix.

const APP_DIR = path.join(ROOT, 'app');

/** Sample values for dynamic segments: the role check comes before any lookup of the value. */
export const SAMPLE_SEGMENT = 'sample';

export type AppEntry = { file: string; route: string; dynamic: boolean };

function walk(dir: string, found: string[] = []): string[] {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) {
      if (entry.name === 'node_modules' || entry.name.startsWith('.')) continue;
      walk(full, found);
    } else found.push(full);
  }
  return found;
}

/**
 * The URL path of an app/ file, or null when the file is not routable (private `_folders`).
 * Route groups `(x)` and parallel slots `@x` add nothing to the URL.
 */
export function routeOf(fileUnderApp: string): { route: string; dynamic: boolean } | null {
  const segments = path.dirname(fileUnderApp).split(path.sep).filter((s) => s !== '.' && s !== '');
  const parts: string[] = [];
  let dynamic = false;
  for (const segment of segments) {
    if (segment.startsWith('_')) return null;
    if (/^\(.*\)$/.test(segment) || segment.startsWith('@')) continue;
    if (/^\[.*\]$/.test(segment)) {
      dynamic = true;
      parts.push(SAMPLE_SEGMENT);
      continue;
    }
    parts.push(segment);
  }
  return { route: `/${parts.join('/')}`, dynamic };
}

function entries(pattern: RegExp): AppEntry[] {
  return walk(APP_DIR)
    .map((file) => path.relative(APP_DIR, file))
    .filter((rel) => pattern.test(path.basename(rel)))
    .flatMap((rel) => {
      const r = routeOf(rel);
      return r ? [{ file: `app/${rel.split(path.sep).join('/')}`, ...r }] : [];
    })
    .sort((a, b) => a.route.localeCompare(b.route));
}

export const appPages = () => entries(/^page\.(tsx|ts|jsx|js|mdx)$/);
export const appRouteHandlers = () => entries(/^route\.(ts|js)$/);

const HTTP_METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'] as const;

/** The HTTP methods a route.ts exports. */
export function routeMethods(file: string): string[] {
  const source = readFileSync(path.join(ROOT, file), 'utf8');
  return HTTP_METHODS.filter((m) => new RegExp(`export\\s+(async\\s+)?(function|const)\\s+${m}\\b`).test(source));
}

const SOURCE_DIRS = ['app', 'components', 'lib'];

/** Files with a module-level 'use server' directive and the functions they export. */
export function serverActionModules(): Array<{ file: string; exports: string[] }> {
  const found: Array<{ file: string; exports: string[] }> = [];
  for (const dir of SOURCE_DIRS) {
    const full = path.join(ROOT, dir);
    if (!existsSync(full)) continue;
    for (const file of walk(full)) {
      if (!/\.(ts|tsx)$/.test(file) || file.includes(`${path.sep}generated${path.sep}`)) continue;
      const source = readFileSync(file, 'utf8');
      // The directive must be the first statement (comments may precede it).
      const body = source.replace(/^(\s*(\/\/[^\n]*\n|\/\*[\s\S]*?\*\/))*\s*/, '');
      if (!/^['"]use server['"]/.test(body)) continue;
      const exports = [...source.matchAll(/export\s+(?:async\s+)?(?:function\s+|const\s+)(\w+)/g)].map((m) => m[1]!);
      found.push({ file: path.relative(ROOT, file).split(path.sep).join('/'), exports });
    }
  }
  return found;
}

export type BuiltAction = { id: string; file: string; exportedName: string; pages: string[] };

/** The server actions of the build, from Next's server reference manifest. */
export function builtServerActions(): BuiltAction[] {
  const manifestFile = path.join(ROOT, '.next', 'server', 'server-reference-manifest.json');
  const manifest = JSON.parse(readFileSync(manifestFile, 'utf8')) as {
    node: Record<string, { workers: Record<string, unknown>; filename?: string; exportedName?: string }>;
  };
  return Object.entries(manifest.node).map(([id, entry]) => ({
    id,
    file: entry.filename ?? '(unknown)',
    exportedName: entry.exportedName ?? '(unknown)',
    // Worker keys look like "app/admin/page"; each is a page that can receive the action.
    pages: Object.keys(entry.workers)
      .filter((w) => w.endsWith('/page'))
      .map((w) => routeOf(`${w.replace(/^app\//, '')}.tsx`)?.route)
      .filter((r): r is string => typeof r === 'string'),
  }));
}

/**
 * Posts a server action as the browser does for a form with useActionState ([previousState,
 * formData]), from the same origin. Answers the status, the redirect the action asked for, the
 * session cookie it set (the Set-Cookie line and its token), and the body.
 */
export async function postFormAction(
  baseUrl: string,
  target: { file: string; name: string; page: string },
  fields: Record<string, string>,
  options: { previousState?: unknown; cookie?: string } = {},
) {
  const action = builtServerActions().find((a) => a.file === target.file && a.exportedName === target.name);
  if (!action) throw new Error(`${target.file}#${target.name} is not in the build`);
  const form = new FormData();
  for (const [key, value] of Object.entries(fields)) form.set(`_1_${key}`, value);
  form.set('0', JSON.stringify([options.previousState ?? {}, '$K1']));
  const res = await fetch(`${baseUrl}${target.page}`, {
    method: 'POST',
    redirect: 'manual',
    headers: { 'Next-Action': action.id, Origin: baseUrl, Accept: 'text/x-component', ...(options.cookie ? { cookie: options.cookie } : {}) },
    body: form,
  });
  const cookie = res.headers.getSetCookie().find((c) => c.startsWith('idm_session='));
  const token = /^idm_session=([^;]+)/.exec(cookie ?? '')?.[1];
  return { status: res.status, redirect: res.headers.get('x-action-redirect'), cookie, token, body: await res.text() };
}
