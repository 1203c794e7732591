"use client";

import { useState } from "react";

/**
 * A value to copy: a secret shown once (a token, an invitation link), announced as it appears, or a
 * value that stays on the page (a deploy key's public half: `live={false}`).
 */
export function CopySecret({ value, note, testId, live = true }: { value: string; note: string; testId: string; live?: boolean }) {
  const [copied, setCopied] = useState(false);
  async function copy() {
    try {
      await navigator.clipboard.writeText(value);
      setCopied(true);
    } catch {
      setCopied(false);
    }
  }
  return (
    <div className="secret-box" role={live ? "status" : undefined}>
      <p className="small">{note}</p>
      <div className="secret-row">
        <code className="secret-value" data-testid={testId}>
          {value}
        </code>
        <button type="button" className="button small" onClick={copy} data-testid={`${testId}-copy`}>
          {copied ? "Copied" : "Copy"}
        </button>
      </div>
    </div>
  );
}
