// Who is signed in: an ID token whose custom:party claim is "seller:<id>" or "buyer:<id>".
// parley dev: the local issuer signs one for a registered party picked on the sign-in page.
// AWS: the Cognito Hosted UI, authorization code with PKCE (no client secret in a browser).
import { signal } from "./state";
import { config, type CognitoAuth } from "./config";

export interface Session {
  token: string;
  kind: "seller" | "buyer";
  partyId: string;
  name: string;
  expires: number;
}

const KEY = "parley.session";
export const current = signal<Session | null>(restore());
export const signOutReason = signal<string | null>(null);

function claims(token: string): Record<string, unknown> {
  const part = token.split(".")[1] ?? "";
  const json = atob(part.replace(/-/g, "+").replace(/_/g, "/"));
  return JSON.parse(decodeURIComponent(escape(json))) as Record<string, unknown>;
}

export function fromToken(token: string, name = ""): Session | null {
  try {
    const c = claims(token);
    const [kind, partyId] = String(c["custom:party"] ?? "").split(":");
    if ((kind !== "seller" && kind !== "buyer") || !partyId) return null;
    const shown = name || String(c["name"] ?? c["given_name"] ?? "");
    return { token, kind, partyId, name: shown, expires: Number(c.exp ?? 0) * 1000 };
  } catch {
    return null;
  }
}

function restore(): Session | null {
  try {
    const raw = sessionStorage.getItem(KEY);
    const found = raw ? (JSON.parse(raw) as Session) : null;
    return found && found.expires > Date.now() ? found : null;
  } catch {
    return null;
  }
}

export function session(): Session | null {
  return current.value;
}

export function signIn(s: Session): void {
  sessionStorage.setItem(KEY, JSON.stringify(s));
  signOutReason.value = null;
  current.value = s;
}

export function signOut(reason: string | null = null): void {
  sessionStorage.removeItem(KEY);
  signOutReason.value = reason;
  current.value = null;
}

// ---- parley dev: the local token issuer ----

export interface DevParty {
  party: string;
  kind: "seller" | "buyer";
  party_id: string;
  name: string;
}

export async function devParties(): Promise<DevParty[]> {
  const answer = await fetch(`${config().api}/dev/parties`);
  if (!answer.ok) throw new Error(`HTTP ${answer.status}`);
  return ((await answer.json()) as { items: DevParty[] }).items;
}

export async function devSignIn(party: DevParty): Promise<void> {
  const answer = await fetch(`${config().api}/dev/token`, {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ party: party.party }),
  });
  if (!answer.ok) throw new Error(`HTTP ${answer.status}`);
  const { token } = (await answer.json()) as { token: string };
  const s = fromToken(token, party.name);
  if (!s) throw new Error("the issuer's token names no party");
  signIn(s);
}

// ---- AWS: Cognito Hosted UI, authorization code + PKCE ----

const PKCE = "parley.pkce";

function random(bytes: number): string {
  const data = crypto.getRandomValues(new Uint8Array(bytes));
  return base64url(data);
}

function base64url(data: Uint8Array): string {
  let s = "";
  for (const b of data) s += String.fromCharCode(b);
  return btoa(s).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

export async function cognitoSignIn(auth: CognitoAuth): Promise<void> {
  const verifier = random(48);
  const state = random(16);
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(verifier));
  sessionStorage.setItem(PKCE, JSON.stringify({ verifier, state }));
  const url = new URL("/oauth2/authorize", auth.domain);
  url.search = new URLSearchParams({
    response_type: "code",
    client_id: auth.clientId,
    redirect_uri: auth.redirectUri,
    scope: (auth.scopes ?? ["openid", "profile"]).join(" "),
    state,
    code_challenge: base64url(new Uint8Array(digest)),
    code_challenge_method: "S256",
  }).toString();
  window.location.assign(url.toString());
}

/** Back from the Hosted UI with ?code=&state=: trade the code (and the verifier) for tokens. */
export async function completeCognito(): Promise<boolean> {
  const auth = config().auth;
  const params = new URLSearchParams(window.location.search);
  const code = params.get("code");
  if (auth.mode !== "cognito" || !code) return false;
  const saved = JSON.parse(sessionStorage.getItem(PKCE) ?? "null") as { verifier: string; state: string } | null;
  sessionStorage.removeItem(PKCE);
  window.history.replaceState(null, "", window.location.pathname + window.location.hash);
  if (!saved || saved.state !== params.get("state")) throw new Error("sign-in state does not match");
  const answer = await fetch(new URL("/oauth2/token", auth.domain), {
    method: "POST",
    headers: { "Content-Type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({
      grant_type: "authorization_code",
      client_id: auth.clientId,
      code,
      redirect_uri: auth.redirectUri,
      code_verifier: saved.verifier,
    }),
  });
  if (!answer.ok) throw new Error(`token endpoint: HTTP ${answer.status}`);
  const { id_token } = (await answer.json()) as { id_token: string };
  const s = fromToken(id_token);
  if (!s) throw new Error("the token names no seller or buyer");
  signIn(s);
  return true;
}
