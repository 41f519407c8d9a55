import { useState } from "preact/hooks";
import { api, must, type Settings as S } from "../api/client";
import { useT } from "../i18n";
import { Alert, Field, FormErrors, Loading, Title, useLoad } from "../components/ui";

const lines = (s: string) => s.split(/[\n,]/).map((x) => x.trim()).filter(Boolean);

export function SellerSettings() {
  const [t] = useT();
  const state = useLoad(async () => must(api().GET("/settings")), []);
  const [form, setForm] = useState<{ enabled: boolean; email: string; senders: string; hosts: string } | null>(null);
  const [errors, setErrors] = useState(new FormErrors());
  const [saved, setSaved] = useState(false);
  const [confirmed, setConfirmed] = useState(false);
  const [busy, setBusy] = useState(false);
  const s = state.data;
  const f = form ?? (s ? { enabled: Boolean(s.messaging_enabled), email: s.notification_email ?? "", senders: (s.authorized_senders ?? []).join("\n"), hosts: (s.link_hosts ?? []).join("\n") } : null);

  const save = async (e: Event) => {
    e.preventDefault();
    if (!f) return;
    setBusy(true);
    setSaved(false);
    setConfirmed(false);
    setErrors(new FormErrors());
    try {
      const next = await must(
        api().PATCH("/settings", {
          body: { messaging_enabled: f.enabled, notification_email: f.email.trim() || null, authorized_senders: lines(f.senders), link_hosts: lines(f.hosts) },
        }),
      );
      state.set(next);
      setForm(null);
      setSaved(true);
    } catch (err) {
      setErrors(FormErrors.from(err, ["messaging_enabled", "notification_email", "authorized_senders", "link_hosts"], t));
    } finally {
      setBusy(false);
    }
  };

  return (
    <>
      <Title>{t("settingsTitle")}</Title>
      {state.loading || state.error || !f || !s ? (
        <Loading error={state.error} retry={state.reload} />
      ) : (
        <form class="card compose" onSubmit={save} noValidate>
          {saved ? <Alert kind="ok">{t("saved")}</Alert> : null}
          {confirmed ? <Alert kind="ok">{t("addressConfirmed")}</Alert> : null}
          {errors.general ? <Alert>{errors.general}</Alert> : null}
          <p class="meta">{t("fulfillment", { value: s.fulfillment ?? "merchant" })}</p>
          <div class={`field checkbox${errors.of("messaging_enabled") ? " has-error" : ""}`}>
            <input id="messaging-enabled" type="checkbox" checked={f.enabled} aria-describedby="messaging-enabled-hint" onChange={(e) => setForm({ ...f, enabled: e.currentTarget.checked })} />
            <label for="messaging-enabled">{t("messagingEnabled")}</label>
            <p class="hint" id="messaging-enabled-hint">
              {t("messagingEnabledHint")}
            </p>
            {errors.of("messaging_enabled") ? <p class="error" role="alert">{errors.of("messaging_enabled")}</p> : null}
          </div>
          <Field id="notification-email" label={t("notificationEmail")} hint={t("notificationEmailHint")} error={errors.of("notification_email")}>
            {(a11y) => <input {...a11y} type="email" autoComplete="email" value={f.email} onInput={(e) => setForm({ ...f, email: e.currentTarget.value })} />}
          </Field>
          <Field id="authorized-senders" label={t("authorizedSenders")} hint={t("authorizedSendersHint")} error={errors.of("authorized_senders")}>
            {(a11y) => <textarea {...a11y} rows={3} value={f.senders} onInput={(e) => setForm({ ...f, senders: e.currentTarget.value })} />}
          </Field>
          <Field id="link-hosts" label={t("linkHosts")} hint={t("linkHostsHint")} error={errors.of("link_hosts")}>
            {(a11y) => <textarea {...a11y} rows={3} value={f.hosts} onInput={(e) => setForm({ ...f, hosts: e.currentTarget.value })} />}
          </Field>
          <LinkHostStatus settings={s} />
          <button type="submit" class="primary" disabled={busy}>
            {t("save")}
          </button>
        </form>
      )}
      {s?.notification_email_pending ? (
        <ConfirmAddress
          pending={s.notification_email_pending}
          onConfirmed={(next) => {
            state.set(next);
            setForm(null);
            setSaved(false);
            setConfirmed(true);
          }}
        />
      ) : null}
    </>
  );
}

/** A new notification address counts only once the code mailed to it comes back. */
function ConfirmAddress({ pending, onConfirmed }: { pending: string; onConfirmed: (next: S) => void }) {
  const [t] = useT();
  const [code, setCode] = useState("");
  const [errors, setErrors] = useState(new FormErrors());
  const [busy, setBusy] = useState(false);
  const submit = async (e: Event) => {
    e.preventDefault();
    setBusy(true);
    setErrors(new FormErrors());
    try {
      onConfirmed(await must(api().POST("/settings/notification-email/confirm", { body: { code: code.trim() } })));
      setCode("");
    } catch (err) {
      setErrors(FormErrors.from(err, ["code"], t));
    } finally {
      setBusy(false);
    }
  };
  return (
    <form class="card compose" id="confirm-address" onSubmit={submit} noValidate>
      <Alert kind="info">{t("pendingAddress", { address: pending })}</Alert>
      {errors.general ? <Alert>{errors.general}</Alert> : null}
      <Field id="code" label={t("confirmationCode")} hint={t("confirmationCodeHint")} error={errors.of("code")} required>
        {(a11y) => <input {...a11y} type="text" inputMode="numeric" autoComplete="one-time-code" value={code} onInput={(e) => setCode(e.currentTarget.value)} />}
      </Field>
      <button type="submit" class="primary" disabled={busy}>
        {t("confirm")}
      </button>
    </form>
  );
}

/** Approved hosts and the ones the marketplace has not approved yet. */
function LinkHostStatus({ settings }: { settings: S }) {
  const [t] = useT();
  const pending = settings.link_hosts_pending ?? [];
  const approved = (settings.link_hosts ?? []).filter((h) => !pending.includes(h));
  if (!approved.length && !pending.length) return null;
  return (
    <ul class="hosts" aria-label={t("linkHosts")}>
      {approved.map((h) => (
        <li key={h}>
          <code>{h}</code> <span class="badge badge-delivered">{t("approved")}</span>
        </li>
      ))}
      {pending.map((h) => (
        <li key={h}>
          <code>{h}</code> <span class="badge badge-pending">{t("awaitingApproval")}</span>
        </li>
      ))}
    </ul>
  );
}

export function BuyerSettings() {
  const [t] = useT();
  const state = useLoad(async () => must(api().GET("/settings")), []);
  const [note, setNote] = useState<{ kind: "ok" | "error"; text: string } | null>(null);
  const toggle = async (value: boolean) => {
    try {
      state.set(await must(api().PATCH("/settings", { body: { opted_out: value } })));
      setNote({ kind: "ok", text: t("saved") });
    } catch (err) {
      setNote({ kind: "error", text: String((err as Error).message) });
    }
  };
  return (
    <>
      <Title>{t("settingsTitle")}</Title>
      {state.loading || state.error || !state.data ? (
        <Loading error={state.error} retry={state.reload} />
      ) : (
        <div class="card">
          {note ? <Alert kind={note.kind}>{note.text}</Alert> : null}
          <div class="field checkbox">
            <input id="opted-out" type="checkbox" checked={Boolean(state.data.opted_out)} aria-describedby="opted-out-hint" onChange={(e) => toggle(e.currentTarget.checked)} />
            <label for="opted-out">{t("optedOut")}</label>
            <p class="hint" id="opted-out-hint">
              {t("optedOutHint")}
            </p>
          </div>
        </div>
      )}
    </>
  );
}
