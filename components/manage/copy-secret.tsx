"use client";

import { useState } from "react";

/** A secret shown once (a token, an invitation link) with a copy button. */
export function CopySecret({ value, note, testId }: { value: string; note: string; testId: string }) {
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
    <div className="secret-box" role="status">
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
