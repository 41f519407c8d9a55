// Where the API is and how to sign in: /app/config.json, written by whoever serves the app
// (parley dev, or the CDK stack's deployment). Nothing here is built into the bundle.
export interface DevAuth {
  mode: "dev";
}
export interface CognitoAuth {
  mode: "cognito";
  domain: string; // https://<prefix>.auth.<region>.amazoncognito.com
  clientId: string;
  redirectUri: string;
  scopes?: string[];
}
export interface AppConfig {
  api: string;
  auth: DevAuth | CognitoAuth;
  supportUrl?: string;
}

let loaded: AppConfig | null = null;

export async function loadConfig(): Promise<AppConfig> {
  const answer = await fetch(new URL("config.json", document.baseURI), { cache: "no-store" });
  if (!answer.ok) throw new Error(`config.json: HTTP ${answer.status}`);
  const raw = (await answer.json()) as AppConfig;
  loaded = { ...raw, api: raw.api.replace(/\/+$/, "") || window.location.origin };
  return loaded;
}

export function config(): AppConfig {
  if (!loaded) throw new Error("config not loaded");
  return loaded;
}
