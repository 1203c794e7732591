import { Children, cloneElement, isValidElement, type ReactNode } from "react";

/** A titled part of a management page; `card` sets it on a panel (forms beside a table). */
export function ManageSection({
  title,
  card = false,
  testId,
  id,
  children,
}: {
  title: ReactNode;
  card?: boolean;
  testId?: string;
  id?: string;
  children: ReactNode;
}) {
  return (
    <section className={card ? "card manage-section" : "manage-section"} data-testid={testId} id={id}>
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
export function ManageTable({
  columns,
  testId,
  className,
  children,
}: {
  columns?: Array<string | null>;
  testId?: string;
  className?: string;
  children: ReactNode;
}) {
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
        <tbody>{columns ? labelCells(children, columns) : children}</tbody>
      </table>
    </div>
  );
}

type CellProps = { "data-label"?: string; children?: ReactNode };

/**
 * Names each cell after its column (`data-label`), so that on a phone, where rows become cards and
 * the heading row is hidden, every value still says what it is ("Last used: never"). The first
 * column is the row's own name and the actions column has none: they go unlabelled.
 */
function labelCells(rows: ReactNode, columns: Array<string | null>): ReactNode {
  return Children.map(rows, (row) => {
    if (!isValidElement<CellProps>(row) || row.type !== "tr") return row;
    let column = 0;
    const cells = Children.map(row.props.children, (cell) => {
      if (!isValidElement<CellProps>(cell) || cell.type !== "td") return cell;
      const label = columns[column++];
      return column > 1 && label && cell.props["data-label"] === undefined ? cloneElement(cell, { "data-label": label }) : cell;
    });
    return cloneElement(row, {}, cells);
  });
}
