// Reads the token counts out of a model API's answer as it streams past, without holding it up:
// Anthropic Messages (message_start / message_delta usage), OpenAI Responses (response.completed)
// and Chat Completions (the usage chunk), streamed as server-sent events or answered as one JSON
// body. Only lines that mention "usage" are parsed, so a long stream of text deltas costs a scan.

export interface Usage {
  model: string | null;
  inputTokens: number;
  outputTokens: number;
  cacheReadTokens: number;
  cacheWriteTokens: number;
}

// A JSON body past this is not parsed for its usage (a model answer this large is not one).
const MAX_JSON_BODY = 4 * 1024 * 1024;

export class UsageMeter {
  readonly usage: Usage = { model: null, inputTokens: 0, outputTokens: 0, cacheReadTokens: 0, cacheWriteTokens: 0 };
  private pending = "";
  private body: string[] | null;
  private bodyLength = 0;

  constructor(private readonly streamed: boolean) {
    this.body = streamed ? null : [];
  }

  push(chunk: Buffer) {
    const text = chunk.toString("utf8");
    if (!this.streamed) {
      this.bodyLength += text.length;
      if (this.body && this.bodyLength <= MAX_JSON_BODY) this.body.push(text);
      else this.body = null;
      return;
    }
    const lines = (this.pending + text).split("\n");
    this.pending = lines.pop() ?? "";
    for (const line of lines) this.readLine(line);
  }

  end(): Usage {
    if (this.streamed) this.readLine(this.pending);
    else if (this.body) this.readObject(parseJson(this.body.join("")));
    return this.usage;
  }

  private readLine(line: string) {
    if (!line.startsWith("data:") || (!line.includes('"usage"') && !line.includes('"model"'))) return;
    this.readObject(parseJson(line.slice(5).trim()));
  }

  private readObject(value: unknown) {
    if (!isObject(value)) return;
    const holders = [value, value.message, value.response];
    for (const holder of holders) {
      if (!isObject(holder)) continue;
      if (typeof holder.model === "string") this.usage.model ??= holder.model;
      if (isObject(holder.usage)) this.add(holder.usage);
    }
  }

  /** Counts only grow: Anthropic repeats and raises them across a stream, the others say them once. */
  private add(usage: Record<string, unknown>) {
    const details = (key: string) => (isObject(usage[key]) ? usage[key] : {});
    const take = (field: keyof Omit<Usage, "model">, ...values: unknown[]) => {
      for (const value of values) if (typeof value === "number" && Number.isFinite(value)) this.usage[field] = Math.max(this.usage[field], value);
    };
    take("inputTokens", usage.input_tokens, usage.prompt_tokens);
    take("outputTokens", usage.output_tokens, usage.completion_tokens);
    take("cacheReadTokens", usage.cache_read_input_tokens, details("input_tokens_details").cached_tokens, details("prompt_tokens_details").cached_tokens);
    take("cacheWriteTokens", usage.cache_creation_input_tokens);
  }
}

export function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return null;
  }
}

export function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
