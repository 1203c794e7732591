"use client";

import { memo, useMemo } from "react";
import ReactMarkdown, { type Components } from "react-markdown";
import remarkGfm from "remark-gfm";
import { splitMarkdownBlocks } from "@/components/session/markdown-blocks";

// Agent messages as Markdown, safely: raw HTML stays text (react-markdown turns it into text nodes
// unless rehype-raw is added, which it must never be), unsafe URLs are dropped by the default
// urlTransform, and images are shown as links so a message cannot load anything by itself.

/** Blocks larger than this are shown as plain text: parsing them on every chunk would stall the page. */
const MAX_MARKDOWN_BLOCK = 64 * 1024;

const components: Components = {
  a: ({ href, children }) => (
    <a href={href} target="_blank" rel="noopener noreferrer nofollow">
      {children}
    </a>
  ),
  img: ({ src, alt }) => (
    <a className="md-image" href={typeof src === "string" ? src : undefined} target="_blank" rel="noopener noreferrer nofollow">
      [image{alt ? `: ${alt}` : ""}]
    </a>
  ),
  table: ({ children }) => (
    <div className="md-table">
      <table>{children}</table>
    </div>
  ),
};

const plugins = [remarkGfm];

const MarkdownBlock = memo(function MarkdownBlock({ source }: { source: string }) {
  if (source.length > MAX_MARKDOWN_BLOCK) return <p className="md-plain">{source}</p>;
  return (
    <ReactMarkdown remarkPlugins={plugins} components={components}>
      {source}
    </ReactMarkdown>
  );
});

export function Markdown({ text }: { text: string }) {
  const blocks = useMemo(() => splitMarkdownBlocks(text), [text]);
  return (
    <div className="md">
      {blocks.map((block, index) => (
        // Blocks only grow at the end, so the position is a stable key.
        <MarkdownBlock key={index} source={block} />
      ))}
    </div>
  );
}
