// Splits Markdown source into top-level blocks at blank lines outside fenced code, so a growing
// message re-parses only its last block. Joining the blocks with "\n\n" gives the source back.

const FENCE = /^ {0,3}(`{3,}|~{3,})/;

export function splitMarkdownBlocks(source: string): string[] {
  const blocks: string[] = [];
  const lines = source.split("\n");
  let current: string[] = [];
  let fence: string | null = null;
  let blankRun = false;

  for (const line of lines) {
    const marker = FENCE.exec(line)?.[1];
    if (fence === null && marker) {
      fence = marker;
    } else if (fence !== null && marker && marker[0] === fence[0] && marker.length >= fence.length && line.trim() === marker) {
      fence = null;
    }
    const blank = line.trim() === "";
    if (fence === null && blank) {
      blankRun = true;
      continue;
    }
    if (blankRun && current.length > 0) {
      blocks.push(current.join("\n"));
      current = [];
    }
    blankRun = false;
    current.push(line);
  }
  if (current.length > 0) blocks.push(current.join("\n"));
  return blocks;
}
