/**
 * Runs once when the server starts: decides whether a login token is needed and, if one is
 * generated, prints it now rather than at the first request (lib/security/login-token).
 */
export async function register(): Promise<void> {
  if (process.env.NEXT_RUNTIME !== "nodejs") return;
  const { tokenState } = await import("./lib/security/login-token");
  tokenState();
}
