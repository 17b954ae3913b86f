/**
 * Renders a lookup trace as an indented tree. Takes plain data, not protobuf messages, so the
 * same renderer serves today's flat list of lookup steps and tomorrow's nested spans: a node
 * is a label with an optional outcome and duration, and children.
 */

/** One node of the tree: e.g. a lookup, a round, a contact, a span. */
export interface TraceNode {
  label: string;
  /** What came of it ("ok", "had record", "error: unavailable"); shown after the label. */
  outcome?: string;
  /** Duration in milliseconds; shown right after the outcome. */
  ms?: number;
  /** Extra fields (e.g. "sent at +1.2 ms"), shown in parentheses. */
  details?: string[];
  children?: TraceNode[];
}

/** Milliseconds with a precision that suits their size: 0.42 ms, 12.3 ms, 1234 ms. */
export function formatMs(ms: number): string {
  if (!Number.isFinite(ms)) return "? ms";
  if (ms < 10) return `${ms.toFixed(2)} ms`;
  if (ms < 100) return `${ms.toFixed(1)} ms`;
  return `${Math.round(ms)} ms`;
}

function line(node: TraceNode): string {
  let s = node.label;
  const tail: string[] = [];
  if (node.outcome) tail.push(node.outcome);
  if (node.ms !== undefined) tail.push(formatMs(node.ms));
  if (tail.length) s += ` — ${tail.join(", ")}`;
  if (node.details?.length) s += ` (${node.details.join(", ")})`;
  return s;
}

/**
 * The tree as lines joined by "\n" (no trailing newline), drawn with box characters:
 *   lookup 3fa1…
 *   ├─ round 1
 *   │  └─ peer 9c0e… — ok, 1.20 ms
 *   └─ …
 */
export function renderTraceTree(root: TraceNode): string {
  const out: string[] = [line(root)];
  const walk = (children: TraceNode[], indent: string) => {
    children.forEach((child, i) => {
      const last = i === children.length - 1;
      out.push(`${indent}${last ? "└─ " : "├─ "}${line(child)}`);
      if (child.children?.length) walk(child.children, indent + (last ? "   " : "│  "));
    });
  };
  walk(root.children ?? [], "");
  return out.join("\n");
}
