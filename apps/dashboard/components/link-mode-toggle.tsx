"use client";
/** Topology links: all of them, or only the selected peer's (the default on a large fleet). */
export type LinkMode = "all" | "selected";

export function LinkModeToggle({ mode, onChange, large, selectedName }: {
  mode: LinkMode;
  onChange: (m: LinkMode) => void;
  /** The fleet is large: say why only one peer's links are drawn. */
  large: boolean;
  selectedName?: string;
}) {
  const hint = mode === "selected" ? (selectedName ? `links of ${selectedName}, in and out` : "click a peer to see its links") : large ? "every link: dense at this size" : "";
  const button = (m: LinkMode, label: string) => (
    <button type="button" onClick={() => onChange(m)} aria-pressed={mode === m} data-testid={`topo-links-${m}`}
      className={`px-2.5 py-1 ${mode === m ? "bg-indigo-500/20 text-indigo-200" : "text-slate-400 hover:bg-slate-800"}`}>{label}</button>
  );
  return (
    <div className="flex items-center gap-2 text-xs" data-testid="topo-link-mode" data-mode={mode}>
      <span className="text-slate-400">Links</span>
      <div className="flex overflow-hidden rounded-md border border-slate-700">
        {button("selected", "Selected peer")}
        {button("all", "All")}
      </div>
      {/* Fixed width: the hint changes with the selection and must not reflow the header. */}
      <span className="w-52 truncate text-slate-500" title={hint}>{hint}</span>
    </div>
  );
}
