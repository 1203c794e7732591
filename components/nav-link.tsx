"use client";

import Link from "next/link";
import { usePathname } from "next/navigation";

/** A top-bar link that knows when its section is the one on screen. */
export function NavLink({ href, exact = false, className, children }: { href: string; exact?: boolean; className?: string; children: React.ReactNode }) {
  const pathname = usePathname();
  const active = exact ? pathname === href : pathname === href || (pathname.startsWith(`${href}/`) && !pathname.startsWith(`${href}/new`));
  return (
    <Link href={href} className={`nav-link${active ? " active" : ""}${className ? ` ${className}` : ""}`} aria-current={active ? "page" : undefined}>
      {children}
    </Link>
  );
}
