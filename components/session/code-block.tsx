"use client";

import { useEffect, useState, type ReactNode } from "react";
import type { ThemedToken } from "shiki/core";

// A fenced code block: plain at once, highlighted when the highlighter has loaded. Tokens become
// React text nodes with a colour, never HTML, so code cannot inject markup.

export function CodeBlock({ className, children }: { className?: string; children?: ReactNode }) {
  const code = typeof children === "string" ? children.replace(/\n$/, "") : null;
  const [tokens, setTokens] = useState<ThemedToken[][] | null>(null);

  useEffect(() => {
    let cancelled = false;
    if (code === null || code.length > 20_000) return;
    void import("@/components/session/highlight").then(async ({ highlight, languageOf }) => {
      const language = languageOf(className);
      if (!language) return;
      const result = await highlight(code, language).catch(() => null);
      if (!cancelled && result) setTokens(result);
    });
    return () => {
      cancelled = true;
    };
  }, [code, className]);

  if (!tokens) return <code className={className}>{children}</code>;
  return (
    <code className={`${className ?? ""} highlighted`} data-testid="highlighted-code">
      {tokens.map((line, index) => (
        <span key={index} className="code-line">
          {line.map((token, at) => (
            <span key={at} style={{ color: token.color }}>
              {token.content}
            </span>
          ))}
          {index < tokens.length - 1 ? "\n" : null}
        </span>
      ))}
    </code>
  );
}
