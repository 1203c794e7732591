import type { Metadata } from "next";
import { GeistMono } from "geist/font/mono";
import { GeistSans } from "geist/font/sans";
import "./globals.css";

// Every page renders per request, so each gets the CSP nonce proxy.ts made for it.
export const dynamic = "force-dynamic";

export const metadata: Metadata = { title: "Agent Portal", description: "Run coding agents together" };

export default function RootLayout({ children }: { children: React.ReactNode }) {
  return (
    <html lang="en" className={`${GeistSans.variable} ${GeistMono.variable}`}>
      <body>{children}</body>
    </html>
  );
}
