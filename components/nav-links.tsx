'use client';

import Link from 'next/link';
import { usePathname } from 'next/navigation';
import { activeHref, type NavSection } from './navigation';

/** The face's navigation; the current page is marked for screen readers and the eye. */
export function NavLinks({ sections, label }: { sections: NavSection[]; label: string }) {
  const pathname = usePathname();
  const current = activeHref(pathname, sections);
  return (
    <nav aria-label={label} className="flex flex-wrap items-center gap-x-6 gap-y-2">
      {sections.map((section) => (
        <div key={section.label} className="flex items-center gap-1">
          {sections.length > 1 && (
            <span className="mr-1 text-xs font-semibold tracking-wide text-slate-500 uppercase">{section.label}</span>
          )}
          <ul className="flex flex-wrap gap-1">
            {section.items.map((item) => {
              const active = item.href === current;
              return (
                <li key={item.href}>
                  <Link
                    href={item.href}
                    aria-current={active ? 'page' : undefined}
                    className={
                      active
                        ? 'block rounded-md bg-brand-50 px-3 py-1.5 text-sm font-medium text-brand-800'
                        : 'block rounded-md px-3 py-1.5 text-sm font-medium text-slate-700 hover:bg-slate-100 hover:text-slate-900'
                    }
                  >
                    {item.label}
                  </Link>
                </li>
              );
            })}
          </ul>
        </div>
      ))}
    </nav>
  );
}
