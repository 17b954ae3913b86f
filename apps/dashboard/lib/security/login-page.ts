/**
 * The login form: plain HTML with no script, so it works under the dashboard's CSP and before
 * any of the app's assets may load (they need the cookie too). A GET form: the token lands in
 * the URL once, and the 303 that sets the cookie replaces it in the address bar.
 */
const escape = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

export function loginPage(problem?: string): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Dashboard login</title>
<style>body{font:15px system-ui,sans-serif;background:#0b1020;color:#e2e8f0;display:grid;place-items:center;min-height:90vh}
form{display:grid;gap:.6rem;min-width:22rem}input,button{font:inherit;padding:.45rem .6rem;border-radius:.4rem;border:1px solid #334155;background:#111827;color:inherit}
button{background:#0e7490;border-color:#0e7490;cursor:pointer}p{margin:0;color:#94a3b8}.bad{color:#fda4af}</style></head>
<body><form method="get" action="/login"><h1>p2p dashboard</h1>
<p>This dashboard listens beyond loopback: enter the token printed in its server log (or set as DASHBOARD_TOKEN).</p>
${problem ? `<p class="bad">${escape(problem)}</p>` : ""}<input name="token" type="password" autocomplete="current-password" placeholder="token" required autofocus>
<button type="submit">Log in</button></form></body></html>`;
}
