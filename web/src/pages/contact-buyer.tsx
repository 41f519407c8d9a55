import { useState } from "preact/hooks";
import { api, must, type Action, type Template } from "../api/client";
import { has, reasonText, useT } from "../i18n";
import { go, href } from "../router";
import { emptyDraft, TemplatePicker, uploadAll, type Draft } from "../components/compose";
import { Alert, Field, FilePicker, FormErrors, Loading, TextArea, Title, useLoad } from "../components/ui";

/** What each typed message carries (the API checks the same and names the field if not). */
const SHAPE: Record<string, { text: number; files: number; coverage?: boolean }> = {
  confirmCustomizationDetails: { text: 800, files: 5 },
  confirmDeliveryDetails: { text: 2000, files: 0 },
  confirmOrderDetails: { text: 2000, files: 0 },
  confirmServiceDetails: { text: 2000, files: 0 },
  unexpectedProblem: { text: 2000, files: 0 },
  legalDisclosure: { text: 0, files: 5 },
  digitalAccessKey: { text: 400, files: 5 },
  warranty: { text: 0, files: 5, coverage: true },
  invoice: { text: 0, files: 5 },
};

export function ContactBuyer({ id }: { id: string }) {
  const [t, l] = useT();
  const [kind, setKind] = useState("");
  const [draft, setDraft] = useState<Draft>(emptyDraft());
  const [coverage, setCoverage] = useState({ start: "", end: "" });
  const [errors, setErrors] = useState(new FormErrors());
  const [busy, setBusy] = useState(false);
  const state = useLoad(async () => {
    const [actions, templates] = await Promise.all([
      must(api().GET("/orders/{order_id}/messaging-actions", { params: { path: { order_id: id } } })).then((r) => r.actions),
      must(api().GET("/templates")).then((r) => r.items as Template[]),
    ]);
    return { actions: actions.filter((a: Action) => a.kind in SHAPE), templates };
  }, [id]);

  const shape = SHAPE[kind];
  const submit = async (e: Event) => {
    e.preventDefault();
    setErrors(new FormErrors());
    if (!kind) {
      setErrors(new FormErrors({ message_type: t("required") }));
      return;
    }
    setBusy(true);
    try {
      const attachment_ids = await uploadAll(draft.files);
      const body: Record<string, unknown> = { attachment_ids };
      if (draft.templateId) Object.assign(body, { template_id: draft.templateId, variables: draft.variables });
      else if (shape?.text) body.text = draft.text;
      if (shape?.coverage) Object.assign(body, { coverage_start: coverage.start || null, coverage_end: coverage.end || null });
      const r = await must(
        api().POST("/orders/{order_id}/messages/{message_type}", {
          params: { path: { order_id: id, message_type: kind } },
          body,
        }),
      );
      go(`/seller/c/${id}?sent=${r.status}`);
    } catch (err) {
      setErrors(FormErrors.from(err, ["message_type", "text", "attachment_ids", "coverage_start", "coverage_end", "template_id", "variables"], t));
    } finally {
      setBusy(false);
    }
  };

  return (
    <>
      <Title>{t("contactBuyerTitle", { id })}</Title>
      <p>
        <a href={href(`/seller/c/${id}`)}>← {t("back")}</a>
      </p>
      {state.loading || state.error || !state.data ? (
        <Loading error={state.error} retry={state.reload} />
      ) : (
        <form class="card compose" onSubmit={submit} noValidate>
          <p>{t("contactBuyerIntro")}</p>
          {errors.general ? <Alert>{errors.general}</Alert> : null}
          <fieldset class="reasons" aria-describedby={errors.of("message_type") ? "reason-error" : undefined}>
            <legend>{t("reason")}</legend>
            {state.data.actions.map((a) => {
              const label = has(`kind_${a.kind}`) ? t(`kind_${a.kind}` as never) : a.kind;
              return (
                <div key={a.kind} class={`radio ${a.allowed ? "" : "disabled"}`}>
                  <input
                    type="radio"
                    name="kind"
                    id={`kind-${a.kind}`}
                    value={a.kind}
                    disabled={!a.allowed}
                    checked={kind === a.kind}
                    aria-describedby={a.allowed ? undefined : `kind-${a.kind}-why`}
                    onChange={() => {
                      setKind(a.kind);
                      setDraft(emptyDraft());
                    }}
                  />
                  <label for={`kind-${a.kind}`}>{label}</label>
                  {!a.allowed && a.reason ? (
                    <span class="why" id={`kind-${a.kind}-why`}>
                      {t("notAllowed", { reason: reasonText(a.reason, l) })}
                    </span>
                  ) : null}
                </div>
              );
            })}
            {errors.of("message_type") ? (
              <p class="error" id="reason-error" role="alert">
                {errors.of("message_type")}
              </p>
            ) : null}
          </fieldset>
          {shape ? (
            <>
              {shape.text ? (
                <>
                  <TemplatePicker id="typed" templates={state.data.templates} draft={draft} setDraft={setDraft} errors={errors} />
                  {!draft.templateId ? (
                    <TextArea
                      id="typed-text"
                      label={t("text")}
                      value={draft.text}
                      onInput={(text) => setDraft({ ...draft, text })}
                      error={errors.of("text")}
                      max={shape.text}
                      required
                    />
                  ) : null}
                </>
              ) : (
                <p class="hint">{t("noText")}</p>
              )}
              {shape.coverage ? (
                <div class="row">
                  <Field id="coverage-start" label={t("coverageStart")} error={errors.of("coverage_start")} required>
                    {(a11y) => <input {...a11y} type="date" value={coverage.start} onInput={(e) => setCoverage({ ...coverage, start: e.currentTarget.value })} />}
                  </Field>
                  <Field id="coverage-end" label={t("coverageEnd")} error={errors.of("coverage_end")} required>
                    {(a11y) => <input {...a11y} type="date" value={coverage.end} onInput={(e) => setCoverage({ ...coverage, end: e.currentTarget.value })} />}
                  </Field>
                </div>
              ) : null}
              {shape.files ? (
                <FilePicker
                  id="typed-files"
                  label={t("files")}
                  hint={t("filesHint")}
                  files={draft.files}
                  onChange={(files) => setDraft({ ...draft, files })}
                  error={errors.of("attachment_ids")}
                  max={shape.files}
                />
              ) : null}
            </>
          ) : null}
          <button type="submit" class="primary" disabled={busy}>
            {t("send")}
          </button>
        </form>
      )}
    </>
  );
}
