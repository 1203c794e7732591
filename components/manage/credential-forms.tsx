"use client";

import { ApiForm } from "@/components/manage/api-form";
import { MODEL_PROVIDER_NAMES, type ModelProvider } from "@/lib/contract/credentials";

const KEY_PLACEHOLDER: Record<ModelProvider, string> = { anthropic: "sk-ant-…", openai: "sk-…" };
const BASE_URL_PLACEHOLDER: Record<ModelProvider, string> = { anthropic: "https://api.anthropic.com", openai: "https://api.openai.com/v1" };

/** Sets a team's key for one provider; the key is sent once and never shown again. */
export function SetCredentialForm({ teamId, provider }: { teamId: string; provider: ModelProvider }) {
  const name = MODEL_PROVIDER_NAMES[provider];
  return (
    <ApiForm
      method="PUT"
      url={`/api/teams/${teamId}/credentials/${provider}`}
      toBody={(form) => ({ apiKey: form.get("apiKey"), baseUrl: String(form.get("baseUrl") ?? "").trim() || null })}
      submitLabel={`Save ${name} key`}
      testId={`credential-form-${provider}`}
    >
      <label className="field">
        <span>{name} API key</span>
        <input
          name="apiKey"
          type="password"
          required
          minLength={8}
          autoComplete="off"
          placeholder={KEY_PLACEHOLDER[provider]}
          data-testid={`credential-key-${provider}`}
        />
      </label>
      <label className="field">
        <span>
          Base URL <span className="muted small">(optional: a company gateway, a proxy, a local model server)</span>
        </span>
        <input name="baseUrl" type="url" placeholder={BASE_URL_PLACEHOLDER[provider]} data-testid={`credential-base-url-${provider}`} />
      </label>
    </ApiForm>
  );
}
