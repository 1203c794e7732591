import type { ReactNode } from "react";

/**
 * The block every page opens with: an optional trail back (`crumb`), the page's h1, a line saying
 * what the page is for, and whatever acts on the whole page (`actions`, placed as given).
 */
export function PageHeader({
  title,
  subtitle,
  crumb,
  actions,
  titleTestId,
}: {
  title: ReactNode;
  subtitle?: ReactNode;
  crumb?: ReactNode;
  actions?: ReactNode;
  titleTestId?: string;
}) {
  return (
    <div className="page-header">
      <div>
        {crumb && <div className="crumb">{crumb}</div>}
        <h1 data-testid={titleTestId}>{title}</h1>
        {subtitle && <p className="muted page-subtitle">{subtitle}</p>}
      </div>
      {actions}
    </div>
  );
}
