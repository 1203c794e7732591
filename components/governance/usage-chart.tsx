"use client";

import { Bar, BarChart, CartesianGrid, ResponsiveContainer, Tooltip, XAxis, YAxis } from "recharts";
import { formatUsd, type UsageItem } from "@/lib/contract/usage";

// One grouping of the Usage page as a bar chart: cost where prices are known, else tokens. The
// figures are also in the table beside it, so the chart is one picture for screen readers.

const compact = new Intl.NumberFormat("en", { notation: "compact", maximumFractionDigits: 1 });

export function UsageChart({ items, title, horizontal = false }: { items: UsageItem[]; title: string; horizontal?: boolean }) {
  const priced = items.some((item) => item.costUsd !== null && item.costUsd > 0);
  const data = items.map((item) => ({
    label: item.label.length > 28 ? `${item.label.slice(0, 27)}…` : item.label,
    value: priced ? (item.costUsd ?? 0) : item.inputTokens + item.outputTokens,
  }));
  const format = (value: number) => (priced ? formatUsd(value) : `${compact.format(value)} tokens`);
  const height = horizontal ? Math.max(160, data.length * 30 + 40) : 240;
  return (
    <figure
      className="usage-chart"
      role="img"
      aria-label={`${title}: ${priced ? "cost" : "tokens"} per ${horizontal ? "entry" : "day"}`}
      data-testid="usage-chart"
    >
      <ResponsiveContainer width="100%" height={height}>
        <BarChart
          data={data}
          layout={horizontal ? "vertical" : "horizontal"}
          margin={{ top: 8, right: 16, bottom: 8, left: horizontal ? 8 : 0 }}
          accessibilityLayer={false}
        >
          <CartesianGrid stroke="var(--border)" strokeDasharray="3 3" horizontal={!horizontal} vertical={horizontal} />
          {horizontal ? (
            <>
              <XAxis type="number" tickFormatter={format} tick={{ fill: "var(--text-soft)", fontSize: 11 }} stroke="var(--border)" />
              <YAxis type="category" dataKey="label" width={140} tick={{ fill: "var(--text-soft)", fontSize: 11 }} stroke="var(--border)" />
            </>
          ) : (
            <>
              <XAxis dataKey="label" tick={{ fill: "var(--text-soft)", fontSize: 11 }} stroke="var(--border)" />
              <YAxis tickFormatter={format} width={72} tick={{ fill: "var(--text-soft)", fontSize: 11 }} stroke="var(--border)" />
            </>
          )}
          <Tooltip
            formatter={(value) => format(Number(value))}
            contentStyle={{ background: "var(--panel)", border: "1px solid var(--border)", color: "var(--text)" }}
            cursor={{ fill: "var(--subtle)" }}
          />
          <Bar dataKey="value" fill="var(--accent)" radius={3} isAnimationActive={false} />
        </BarChart>
      </ResponsiveContainer>
    </figure>
  );
}
