"use client";

import { useState } from "react";
import { ApiButton } from "@/components/manage/api-button";
import { ApiForm } from "@/components/manage/api-form";
import type { McpServerJson, SkillSourceJson } from "@/lib/contract/team-workspace";

// The team's repositories, MCP servers and skills (Settings, admins). A repository is added by
// POST; the MCP and skills APIs take the whole list (PUT), so adding or removing one entry sends
// the list the page was rendered with, changed, on the version it was read at (If-Match): if
// another admin wrote the list meanwhile the write is refused and the page shows the list as it is
// now. A stored header value goes back as null, which keeps it (the page never had it).

/** A list the team replaces whole (PUT), as this page read it. */
export interface VersionedList<T> {
  url: string;
  field: "servers" | "sources";
  items: T[];
  version: number;
}

const ifMatch = (list: VersionedList<unknown>) => ({ "if-match": `"${list.version}"` });

const lines = (value: FormDataEntryValue | null) =>
  String(value ?? "")
    .split("\n")
    .map((line) => line.trim())
    .filter(Boolean);

const optional = (value: FormDataEntryValue | null) => String(value ?? "").trim() || undefined;

/**
 * Every add form of the workspace sections: a titled card whose fields make one new entry, POSTed
 * (`into` a URL) or appended to a versioned list and PUT on its version.
 */
function AddEntryCard({
  title,
  into,
  toEntry,
  submitLabel,
  testId,
  onDone,
  children,
}: {
  title: string;
  into: string | VersionedList<unknown>;
  toEntry: (form: FormData) => unknown;
  submitLabel: string;
  testId: string;
  onDone?: () => void;
  children: React.ReactNode;
}) {
  const request =
    typeof into === "string"
      ? { method: "POST", url: into, toBody: toEntry }
      : { method: "PUT", url: into.url, headers: ifMatch(into), toBody: (form: FormData) => ({ [into.field]: [...into.items, toEntry(form)] }) };
  return (
    <div className="card">
      <h3 className="manage-card-title">{title}</h3>
      <ApiForm {...request} submitLabel={submitLabel} testId={testId} onDone={onDone}>
        {children}
      </ApiForm>
    </div>
  );
}

/** Removes one entry of a versioned list: the rest is PUT on the version the page read. */
export function RemoveListEntry({ list, index, confirm, testId }: { list: VersionedList<unknown>; index: number; confirm: string; testId: string }) {
  return (
    <ApiButton
      method="PUT"
      url={list.url}
      headers={ifMatch(list)}
      body={{ [list.field]: list.items.filter((_, other) => other !== index) }}
      label="Remove"
      pendingLabel="Removing…"
      className="button small ghost"
      confirm={confirm}
      testId={testId}
    />
  );
}

/** How the portal reaches a repository: a token over HTTPS, or a deploy key over SSH (made here, or the admin's own). */
type RepositoryCredentialChoice = "token" | "generate" | "privateKey";

/**
 * A new repository: the token or private key is sent once, sealed by the portal, and never shown
 * again; a generated deploy key's public half is listed above, to copy into the host.
 */
export function AddRepositoryForm({ teamId }: { teamId: string }) {
  const [credential, setCredential] = useState<RepositoryCredentialChoice>("token");
  function toEntry(form: FormData) {
    const entry = {
      name: String(form.get("name") ?? "").trim(),
      url: String(form.get("url") ?? "").trim(),
      defaultBranch: optional(form.get("defaultBranch")),
    };
    if (credential === "generate") return { ...entry, deployKey: { generate: true } };
    if (credential === "privateKey") return { ...entry, deployKey: { privateKey: String(form.get("privateKey") ?? "") } };
    return { ...entry, token: form.get("token") || undefined };
  }
  const ssh = credential !== "token";
  return (
    <AddEntryCard
      title="Add a repository"
      into={`/api/teams/${teamId}/repositories`}
      toEntry={toEntry}
      submitLabel="Add repository"
      testId="repository-form"
      onDone={() => setCredential("token")}
    >
      <div className="manage-fields">
        <label className="field">
          <span>Name</span>
          <input name="name" required maxLength={100} placeholder="web-app" autoComplete="off" data-testid="repository-name" />
        </label>
        <label className="field">
          <span>Credential</span>
          <select
            name="credential"
            value={credential}
            onChange={(event) => setCredential(event.target.value as RepositoryCredentialChoice)}
            data-testid="repository-credential"
          >
            <option value="token">HTTPS token</option>
            <option value="generate">New deploy key (SSH)</option>
            <option value="privateKey">My own deploy key (SSH)</option>
          </select>
        </label>
        <label className="field">
          <span>Clone URL</span>
          {/* Not type=url: an SSH address (git@host:path) is no URL to the browser. */}
          <input
            name="url"
            required
            inputMode="url"
            maxLength={2000}
            placeholder={ssh ? "git@github.com:acme/web-app.git" : "https://github.com/acme/web-app.git"}
            spellCheck={false}
            autoCapitalize="off"
            data-testid="repository-url"
          />
        </label>
        <label className="field">
          <span>Default branch</span>
          <input name="defaultBranch" maxLength={200} placeholder="main" spellCheck={false} data-testid="repository-branch" />
        </label>
        {credential === "token" && (
          <label className="field">
            <span>
              HTTPS token <span className="muted small">(optional)</span>
            </span>
            <input name="token" type="password" maxLength={4096} autoComplete="off" placeholder="none for a public repository" data-testid="repository-token" />
          </label>
        )}
      </div>
      {credential === "privateKey" && (
        <label className="field">
          <span>
            Private key <span className="muted small">(OpenSSH or PEM, without a passphrase)</span>
          </span>
          <textarea
            name="privateKey"
            required
            rows={5}
            maxLength={16_384}
            spellCheck={false}
            autoComplete="off"
            placeholder={"-----BEGIN OPENSSH PRIVATE KEY-----\n…\n-----END OPENSSH PRIVATE KEY-----"}
            data-testid="repository-private-key"
          />
        </label>
      )}
      {ssh && (
        <p className="muted small" data-testid="repository-ssh-note">
          {credential === "generate"
            ? "The portal makes an ed25519 key pair and keeps the private key sealed; its public key is shown in the list, to add to the repository's deploy keys. "
            : ""}
          The host&apos;s SSH key is read and pinned when you add the repository: a host that later shows another key is refused.
        </p>
      )}
    </AddEntryCard>
  );
}

/** A new MCP server: a command run inside each sandbox (stdio), or an HTTP address with headers. */
export function AddMcpServerForm({ servers }: { servers: VersionedList<McpServerJson> }) {
  const [kind, setKind] = useState<"local" | "remote">("local");
  const [headerRows, setHeaderRows] = useState(1);
  function toEntry(form: FormData) {
    const name = String(form.get("name") ?? "").trim();
    return kind === "local"
      ? { name, type: "local", command: String(form.get("command") ?? "").trim(), args: lines(form.get("args")), env: envOf(form.get("env")) }
      : { name, type: "remote", url: String(form.get("url") ?? "").trim(), headers: headersOf(form) };
  }
  return (
    <AddEntryCard title="Add an MCP server" into={servers} toEntry={toEntry} submitLabel="Add MCP server" testId="mcp-form" onDone={() => setHeaderRows(1)}>
      <div className="manage-fields">
        <label className="field">
          <span>Name</span>
          <input
            name="name"
            required
            maxLength={64}
            pattern="[A-Za-z0-9][A-Za-z0-9_.\-]{0,63}"
            title="Letters, digits, . _ - (up to 64)"
            placeholder="tracker"
            autoComplete="off"
            data-testid="mcp-name"
          />
        </label>
        <label className="field">
          <span>Kind</span>
          <select name="type" value={kind} onChange={(event) => setKind(event.target.value as "local" | "remote")} data-testid="mcp-type">
            <option value="local">Command in the sandbox (stdio)</option>
            <option value="remote">HTTP server</option>
          </select>
        </label>
      </div>
      {kind === "local" ? (
        <div className="manage-fields">
          <label className="field">
            <span>Command</span>
            <input name="command" required maxLength={1000} placeholder="npx" spellCheck={false} data-testid="mcp-command" />
          </label>
          <label className="field">
            <span>
              Arguments <span className="muted small">(one a line)</span>
            </span>
            <textarea name="args" rows={3} spellCheck={false} placeholder={"-y\n@modelcontextprotocol/server-filesystem\n/workspace"} data-testid="mcp-args" />
          </label>
          <label className="field">
            <span>
              Environment <span className="muted small">(NAME=value, one a line; optional)</span>
            </span>
            <textarea name="env" rows={3} spellCheck={false} placeholder="LOG_LEVEL=info" data-testid="mcp-env" />
          </label>
        </div>
      ) : (
        <div className="manage-fields">
          <label className="field">
            <span>URL</span>
            <input name="url" type="url" required maxLength={2000} placeholder="https://mcp.example.com/v1" spellCheck={false} data-testid="mcp-url" />
          </label>
          <fieldset className="field mcp-headers">
            <legend>
              Headers <span className="muted small">(values are kept sealed and never shown again)</span>
            </legend>
            {Array.from({ length: headerRows }, (_, index) => (
              <div key={index} className="mcp-header-row">
                <input
                  name="headerName"
                  maxLength={100}
                  placeholder="Authorization"
                  aria-label={`Header ${index + 1} name`}
                  spellCheck={false}
                  autoComplete="off"
                  data-testid="mcp-header-name"
                />
                <input
                  name="headerValue"
                  type="password"
                  maxLength={10_000}
                  placeholder="Bearer …"
                  aria-label={`Header ${index + 1} value`}
                  autoComplete="off"
                  data-testid="mcp-header-value"
                />
              </div>
            ))}
            <button type="button" className="button ghost small" onClick={() => setHeaderRows((rows) => Math.min(rows + 1, 20))}>
              Another header
            </button>
          </fieldset>
        </div>
      )}
    </AddEntryCard>
  );
}

function envOf(value: FormDataEntryValue | null): Record<string, string> {
  const env: Record<string, string> = {};
  for (const line of lines(value)) {
    const at = line.indexOf("=");
    // A line without "=" is sent as a name with no value: the API names it if it is no variable name.
    if (at < 0) env[line] = "";
    else env[line.slice(0, at).trim()] = line.slice(at + 1);
  }
  return env;
}

function headersOf(form: FormData): Record<string, string> {
  const names = form.getAll("headerName").map((name) => String(name).trim());
  const values = form.getAll("headerValue").map(String);
  return Object.fromEntries(names.flatMap((name, index) => (name ? [[name, values[index] ?? ""]] : [])));
}

const SOURCE_PLACEHOLDER = { github: "acme/agent-skills", git: "https://git.example.com/acme/skills.git", local: "/workspace/.skills" } as const;

/** A new skill source (the runtime's skills config): a GitHub repository, a git URL or a path in the sandbox. */
export function AddSkillSourceForm({ sources }: { sources: VersionedList<SkillSourceJson> }) {
  const [type, setType] = useState<keyof typeof SOURCE_PLACEHOLDER>("github");
  function toEntry(form: FormData) {
    const skills = String(form.get("skills") ?? "")
      .split(/[\s,]+/)
      .filter(Boolean);
    return {
      type: String(form.get("type")),
      source: String(form.get("source") ?? "").trim(),
      ref: optional(form.get("ref")),
      subpath: optional(form.get("subpath")),
      skills: skills.length > 0 ? skills : undefined,
    };
  }
  return (
    <AddEntryCard title="Add skills" into={sources} toEntry={toEntry} submitLabel="Add skills" testId="skill-form">
      <div className="manage-fields">
        <label className="field">
          <span>From</span>
          <select name="type" value={type} onChange={(event) => setType(event.target.value as keyof typeof SOURCE_PLACEHOLDER)} data-testid="skill-type">
            <option value="github">GitHub (owner/repo)</option>
            <option value="git">Git clone URL</option>
            <option value="local">A path in the sandbox</option>
          </select>
        </label>
        <label className="field">
          <span>Source</span>
          <input name="source" required maxLength={2000} placeholder={SOURCE_PLACEHOLDER[type]} spellCheck={false} data-testid="skill-source" />
        </label>
        <label className="field">
          <span>
            Skills <span className="muted small">(optional)</span>
          </span>
          <input name="skills" maxLength={4000} placeholder="all, or: review, pdf" spellCheck={false} data-testid="skill-names" />
        </label>
      </div>
      <div className="manage-fields">
        <label className="field">
          <span>
            Ref <span className="muted small">(optional)</span>
          </span>
          <input name="ref" maxLength={200} placeholder="main" spellCheck={false} data-testid="skill-ref" />
        </label>
        <label className="field">
          <span>
            Subpath <span className="muted small">(optional)</span>
          </span>
          <input name="subpath" maxLength={1000} placeholder="skills" spellCheck={false} data-testid="skill-subpath" />
        </label>
      </div>
    </AddEntryCard>
  );
}
