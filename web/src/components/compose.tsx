import { useState } from "preact/hooks";
import { api, must, upload, type Accepted, type Template } from "../api/client";
import { useT } from "../i18n";
import { Alert, Field, FilePicker, FormErrors, TextArea } from "./ui";

const AUTO = new Set(["order_id", "buyer_name", "seller_name"]);
const PLACEHOLDER = /\{\{\s*([a-z_]{1,40})\s*\}\}/g;

export function placeholders(text: string): string[] {
  const names = new Set<string>();
  for (const m of text.matchAll(PLACEHOLDER)) if (!AUTO.has(m[1]!)) names.add(m[1]!);
  return [...names];
}

/** Text or a template with its values, plus files: what a reply and most typed messages take. */
export interface Draft {
  text: string;
  files: File[];
  templateId: string;
  variables: Record<string, string>;
}

export const emptyDraft = (): Draft => ({ text: "", files: [], templateId: "", variables: {} });

export function TemplatePicker({
  id,
  templates,
  draft,
  setDraft,
  errors,
}: {
  id: string;
  templates: Template[];
  draft: Draft;
  setDraft: (d: Draft) => void;
  errors: FormErrors;
}) {
  const [t] = useT();
  const chosen = templates.find((x) => x.template_id === draft.templateId);
  return (
    <>
      <Field id={`${id}-template`} label={t("template")} error={errors.of("template_id")}>
        {(a11y) => (
          <select
            {...a11y}
            value={draft.templateId}
            onChange={(e) => setDraft({ ...draft, templateId: e.currentTarget.value, variables: {} })}
          >
            <option value="">{t("noTemplate")}</option>
            {templates.map((x) => (
              <option key={x.template_id} value={x.template_id}>
                {x.name} ({x.language})
              </option>
            ))}
          </select>
        )}
      </Field>
      {chosen ? (
        <fieldset class="variables">
          <legend>{t("variables")}</legend>
          {placeholders(chosen.text).map((name) => (
            <Field key={name} id={`${id}-var-${name}`} label={t("variableLabel", { name })} required error={undefined}>
              {(a11y) => (
                <input
                  {...a11y}
                  type="text"
                  maxLength={200}
                  value={draft.variables[name] ?? ""}
                  onInput={(e) => setDraft({ ...draft, variables: { ...draft.variables, [name]: e.currentTarget.value } })}
                />
              )}
            </Field>
          ))}
          {errors.of("variables") ? (
            <p class="error" role="alert">
              {errors.of("variables")}
            </p>
          ) : null}
          <details>
            <summary>{t("templatePreview")}</summary>
            <pre class="preview">{chosen.text}</pre>
          </details>
        </fieldset>
      ) : null}
    </>
  );
}

/** Uploads the draft's files; the ids go into the message. */
export async function uploadAll(files: File[]): Promise<string[]> {
  const ids: string[] = [];
  for (const f of files) ids.push(await upload(f));
  return ids;
}

/** Reply to one received message (buyer or seller). */
export function ReplyForm({
  messageId,
  subject,
  templates,
  heading,
  onSent,
}: {
  messageId: string;
  subject: string;
  templates?: Template[] | undefined;
  heading: string;
  onSent: (a: Accepted) => void;
}) {
  const [t] = useT();
  const [draft, setDraft] = useState<Draft>(emptyDraft());
  const [errors, setErrors] = useState(new FormErrors());
  const [busy, setBusy] = useState(false);
  const fields = ["text", "attachment_ids", "template_id", "variables"];
  const submit = async (e: Event) => {
    e.preventDefault();
    setBusy(true);
    setErrors(new FormErrors());
    try {
      const attachment_ids = await uploadAll(draft.files);
      const body = draft.templateId
        ? { template_id: draft.templateId, variables: draft.variables, attachment_ids }
        : { text: draft.text, attachment_ids };
      const result = await must(api().POST("/messages/{message_id}/replies", { params: { path: { message_id: messageId } }, body }));
      setDraft(emptyDraft());
      onSent(result);
    } catch (err) {
      setErrors(FormErrors.from(err, fields, t));
    } finally {
      setBusy(false);
    }
  };
  return (
    <form class="card compose" onSubmit={submit} aria-labelledby="reply-heading" noValidate>
      <h2 id="reply-heading">{heading}</h2>
      <p class="hint">{t("replyTo", { subject })}</p>
      {errors.general ? <Alert>{errors.general}</Alert> : null}
      {templates ? <TemplatePicker id="reply" templates={templates} draft={draft} setDraft={setDraft} errors={errors} /> : null}
      {!draft.templateId ? (
        <TextArea id="reply-text" label={t("text")} value={draft.text} onInput={(text) => setDraft({ ...draft, text })} error={errors.of("text")} max={2000} required />
      ) : null}
      <FilePicker
        id="reply-files"
        label={t("files")}
        hint={t("filesHint")}
        files={draft.files}
        onChange={(files) => setDraft({ ...draft, files })}
        error={errors.of("attachment_ids")}
      />
      <button type="submit" class="primary" disabled={busy}>
        {t("send")}
      </button>
    </form>
  );
}
