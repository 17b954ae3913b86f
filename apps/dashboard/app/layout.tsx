import type { Metadata } from "next";
import type { ReactNode } from "react";
import { Shell } from "../components/shell";
import "./globals.css";

export const metadata: Metadata = { title: "P2P Network Dashboard", description: "Topology, ring ownership, replication and lookups of a Kademlia network" };

export default function RootLayout({ children }: { children: ReactNode }) {
  return (
    <html lang="en">
      <body className="antialiased">
        <Shell>{children}</Shell>
      </body>
    </html>
  );
}
