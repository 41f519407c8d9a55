import { useState } from "preact/hooks";
import { cognitoSignIn, devParties, devSignIn, signOutReason, type DevParty } from "../auth";
import { config } from "../config";
import { useT } from "../i18n";
import { go } from "../router";
import { useSignal } from "../state";
import { Alert, Loading, Title, useLoad } from "../components/ui";

export function SignIn() {
  const [t] = useT();
  const auth = config().auth;
  const reason = useSignal(signOutReason);
  return (
    <>
      <Title>{t("signInTitle")}</Title>
      {reason === "expired" ? <Alert kind="info">{t("sessionExpired")}</Alert> : null}
      {auth.mode === "dev" ? (
        <DevSignIn />
      ) : (
        <div class="card">
          <p>{t("signInCognitoIntro")}</p>
          <button type="button" class="primary" onClick={() => cognitoSignIn(auth)}>
            {t("signInCognito")}
          </button>
        </div>
      )}
    </>
  );
}

function DevSignIn() {
  const [t] = useT();
  const state = useLoad(devParties, []);
  const [error, setError] = useState<string | null>(null);
  const pick = async (p: DevParty) => {
    try {
      await devSignIn(p);
      go(p.kind === "seller" ? "/seller" : "/buyer");
    } catch (err) {
      setError(String((err as Error).message));
    }
  };
  if (state.loading || state.error || !state.data) return <Loading error={state.error} retry={state.reload} />;
  const group = (kind: "seller" | "buyer", title: string) => {
    const items = state.data!.filter((p) => p.kind === kind);
    return (
      <section class="card" aria-labelledby={`signin-${kind}`}>
        <h2 id={`signin-${kind}`}>{title}</h2>
        <ul class="parties">
          {items.map((p) => (
            <li key={p.party}>
              <button type="button" onClick={() => pick(p)}>
                {t("signInAsParty", { name: p.name })} <span class="meta">({p.party})</span>
              </button>
            </li>
          ))}
        </ul>
      </section>
    );
  };
  return (
    <>
      <p>{t("signInDevIntro")}</p>
      {error ? <Alert>{error}</Alert> : null}
      {state.data.length === 0 ? (
        <p>{t("noParties")}</p>
      ) : (
        <div class="columns">
          {group("seller", t("sellers"))}
          {group("buyer", t("buyers"))}
        </div>
      )}
    </>
  );
}
