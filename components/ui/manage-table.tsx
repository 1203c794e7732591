import type { ReactNode } from "react";

/** A titled part of a management page; `card` sets it on a panel (forms beside a table). */
export function ManageSection({ title, card = false, testId, children }: { title: ReactNode; card?: boolean; testId?: string; children: ReactNode }) {
  return (
    <section className={card ? "card manage-section" : "manage-section"} data-testid={testId}>
      <h2>{title}</h2>
      {children}
    </section>
  );
}

/**
 * The table of a management page (members, tokens, users, sandboxes...): it scrolls inside its own
 * box on a narrow screen instead of widening the page. A `null` column is the row's actions: it has
 * no visible heading but is named for screen readers. No `columns`: a list without a heading row.
 */
export function ManageTable({ columns, testId, className, children }: { columns?: Array<string | null>; testId?: string; className?: string; children: ReactNode }) {
  return (
    <div className="table-wrap">
      <table className={className ? `table manage-table ${className}` : "table manage-table"} data-testid={testId}>
        {columns && (
          <thead>
            <tr>
              {columns.map((column, i) =>
                column === null ? (
                  <th key={i}>
                    <span className="sr-only">Actions</span>
                  </th>
                ) : (
                  <th key={i}>{column}</th>
                ),
              )}
            </tr>
          </thead>
        )}
        <tbody>{children}</tbody>
      </table>
    </div>
  );
}
