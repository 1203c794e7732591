import type { Metadata } from "next";
import { notFound } from "next/navigation";
import { cache } from "react";
import { SharedTranscript } from "@/components/share/shared-transcript";
import { agentDisplayName } from "@/lib/runtime/agents";
import { countOpen, shareByToken, sharedRedactor } from "@/lib/shares/shares";
import "./share.css";

export const dynamic = "force-dynamic";

type Props = { params: Promise<{ token: string }> };

// One read per request for the title and the page; no sign-in: the link is the key.
const lookup = cache(async (token: string) => {
  const share = await shareByToken(token);
  if (!share) return null;
  const redact = await sharedRedactor(share.teamId);
  return { share, title: String(redact(share.session.title)) };
});

export async function generateMetadata({ params }: Props): Promise<Metadata> {
  const found = await lookup((await params).token);
  // The token is in this page's URL: no referrer carries it elsewhere, and no search engine keeps it.
  return { title: found ? `${found.title} (shared)` : "Link not found", referrer: "no-referrer", robots: { index: false, follow: false } };
}

export default async function SharePage({ params }: Props) {
  const { token } = await params;
  const found = await lookup(token);
  if (!found) notFound();
  await countOpen(found.share.id);
  const { share, title } = found;
  return (
    <main className="share-page">
      <header className="share-header">
        <div className="brand">
          <span className="brand-mark" aria-hidden>
            ◆
          </span>
          <span className="brand-name">Agent Portal</span>
        </div>
        <div className="share-heading">
          <h1 data-testid="share-title">{title}</h1>
          <p className="muted small">
            Shared read-only · {agentDisplayName(share.session.agent)} · link valid until{" "}
            <time dateTime={share.expiresAt.toISOString()}>{share.expiresAt.toISOString().slice(0, 10)}</time>
          </p>
        </div>
      </header>
      <section className="share-main" aria-label="Transcript">
        <SharedTranscript token={token} sessionId={share.sessionId} eventCount={share.session.eventCount} agentName={agentDisplayName(share.session.agent)} />
      </section>
    </main>
  );
}
