"use client";

import { memo, useMemo } from "react";
import ReactMarkdown, { type Components } from "react-markdown";
import remarkGfm from "remark-gfm";
import { CodeBlock } from "@/components/session/code-block";
import { plainPieces, splitMarkdownBlocks } from "@/components/session/markdown-blocks";

// Agent messages as Markdown, safely: raw HTML stays text (react-markdown turns it into text nodes
// unless rehype-raw is added, which it must never be), unsafe URLs are dropped by the default
// urlTransform, and images are shown as links so a message cannot load anything by itself.

/** Blocks larger than this are shown as plain text: parsing them on every chunk would stall the page. */
const MAX_MARKDOWN_BLOCK = 64 * 1024;
/** GitHub extensions cost ~50x the plain parse (19 KB: ~160 ms against ~3 ms); only big blocks skip them. */
const MAX_GFM_BLOCK = 16 * 1024;
/** Only a block with one of these can hold a table, strikethrough, task, footnote or bare link. */
const MAY_NEED_GFM = /[|~@]|\[[ xX^]|https?:|www\./;

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
  // Scrollable sideways, so reachable by keyboard too.
  table: ({ children }) => (
    <div className="md-table" tabIndex={0}>
      <table>{children}</table>
    </div>
  ),
  pre: ({ children }) => <pre tabIndex={0}>{children}</pre>,
  // Inline code has no language class and stays as it is; fenced blocks are highlighted lazily.
  code: ({ className, children }) => (className?.startsWith("language-") ? <CodeBlock className={className}>{children}</CodeBlock> : <code>{children}</code>),
};

const gfm = [remarkGfm];
const none: typeof gfm = [];

const PlainPiece = memo(function PlainPiece({ text }: { text: string }) {
  return <span className="md-plain-piece">{text}</span>;
});

function PlainText({ text }: { text: string }) {
  const pieces = plainPieces(text);
  return (
    <p className="md-plain">
      {pieces.map((piece, index) => (
        <PlainPiece key={index} text={piece} />
      ))}
    </p>
  );
}

const MarkdownBlock = memo(function MarkdownBlock({ source }: { source: string }) {
  if (source.length > MAX_MARKDOWN_BLOCK) return <PlainText text={source} />;
  const plugins = source.length <= MAX_GFM_BLOCK && MAY_NEED_GFM.test(source) ? gfm : none;
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
