/**
 * @p2p/cli: the `p2p` command (bin: dist/main.js). The trace renderer and the error-to-exit-code
 * mapping are exported for other tools that print lookups or wrap the CLI.
 */
export { renderTraceTree, formatMs, type TraceNode } from "./trace-tree.js";
export { lookupTree, groupRounds, type LookupTraceData, type LookupStepData } from "./lookup-trace.js";
export { ExitCode, exitCodeOf, describeFailure } from "./errors.js";
