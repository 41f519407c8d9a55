import { useState } from "preact/hooks";
import { api, must, type Template } from "../api/client";
import { useT } from "../i18n";
import { Alert, Field, FormErrors, Loading, TextArea, Title, useLoad } from "../components/ui";

interface Form {
  id: string | null;
  name: string;
  language: string;
  subject: string;
  text: string;
}

const blank = (language: string): Form => ({ id: null, name: "", language, subject: "", text: "" });

export function Templates() {
  const [t, l] = useT();
  const state = useLoad(async () => (await must(api().GET("/templates"))).items as Template[], []);
  const [form, setForm] = useState<Form | null>(null);
  const [errors, setErrors] = useState(new FormErrors());
  const [notice, setNotice] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  const save = async (e: Event) => {
    e.preventDefault();
    if (!form) return;
    setBusy(true);
    setErrors(new FormErrors());
    const body = { name: form.name, language: form.language, subject: form.subject, text: form.text };
    try {
      if (form.id) await must(api().PUT("/templates/{template_id}", { params: { path: { template_id: form.id } }, body }));
      else await must(api().POST("/templates", { body }));
      setForm(null);
      setNotice(t("saved"));
      state.reload();
    } catch (err) {
      setErrors(FormErrors.from(err, ["name", "language", "subject", "text"], t));
    } finally {
      setBusy(false);
    }
  };

  const remove = async (x: Template) => {
    if (!window.confirm(t("deleteConfirm", { name: x.name }))) return;
    try {
      await must(api().DELETE("/templates/{template_id}", { params: { path: { template_id: x.template_id } } }));
      setNotice(t("deleted"));
      state.reload();
    } catch (err) {
      setNotice(String((err as Error).message));
    }
  };

  const items = state.data ?? [];
  const row = (x: Template) => (
    <li key={x.template_id} class="card template">
      <h3>
        {x.name} <span class="badge">{x.language}</span>
        {x.source === "marketplace" ? <span class="badge badge-muted">{t("readOnly")}</span> : null}
      </h3>
      <p class="meta">{x.subject}</p>
      <pre class="preview">{x.text}</pre>
      <div class="buttons">
        {x.source === "seller" ? (
          <>
            <button type="button" onClick={() => setForm({ id: x.template_id, name: x.name, language: x.language, subject: x.subject, text: x.text })}>
              {t("edit")} <span class="sr-only">{x.name}</span>
            </button>
            <button type="button" class="danger" onClick={() => remove(x)}>
              {t("delete")} <span class="sr-only">{x.name}</span>
            </button>
          </>
        ) : (
          <button type="button" onClick={() => setForm({ id: null, name: x.name, language: x.language, subject: x.subject, text: x.text })}>
            {t("copyTemplate")} <span class="sr-only">{x.name}</span>
          </button>
        )}
      </div>
    </li>
  );

  return (
    <>
      <Title>{t("templatesTitle")}</Title>
      <p>{t("templatesIntro")}</p>
      {notice ? <Alert kind="ok">{notice}</Alert> : null}
      {form ? (
        <form class="card compose" onSubmit={save} noValidate aria-labelledby="template-form">
          <h2 id="template-form">{form.id ? t("editTemplate", { name: form.name }) : t("newTemplate")}</h2>
          {errors.general ? <Alert>{errors.general}</Alert> : null}
          <Field id="tpl-name" label={t("name")} error={errors.of("name")} required>
            {(a11y) => <input {...a11y} type="text" maxLength={100} value={form.name} onInput={(e) => setForm({ ...form, name: e.currentTarget.value })} />}
          </Field>
          <Field id="tpl-language" label={t("templateLanguage")} error={errors.of("language")} required>
            {(a11y) => (
              <select {...a11y} value={form.language} onChange={(e) => setForm({ ...form, language: e.currentTarget.value })}>
                <option value="en">{t("lang_en")}</option>
                <option value="de">{t("lang_de")}</option>
              </select>
            )}
          </Field>
          <Field id="tpl-subject" label={t("subject")} error={errors.of("subject")} required>
            {(a11y) => <input {...a11y} type="text" maxLength={200} value={form.subject} onInput={(e) => setForm({ ...form, subject: e.currentTarget.value })} />}
          </Field>
          <TextArea id="tpl-text" label={t("text")} value={form.text} onInput={(text) => setForm({ ...form, text })} error={errors.of("text")} max={2000} required rows={8} />
          <div class="buttons">
            <button type="submit" class="primary" disabled={busy}>
              {t("save")}
            </button>
            <button type="button" onClick={() => setForm(null)}>
              {t("cancel")}
            </button>
          </div>
        </form>
      ) : (
        <button type="button" class="primary" onClick={() => setForm(blank(l))}>
          {t("newTemplate")}
        </button>
      )}
      {state.loading || state.error ? (
        <Loading error={state.error} retry={state.reload} />
      ) : (
        <>
          <h2>{t("yourTemplates")}</h2>
          {items.some((x) => x.source === "seller") ? <ul class="templates">{items.filter((x) => x.source === "seller").map(row)}</ul> : <p>{t("noOwnTemplates")}</p>}
          <h2>{t("marketplaceTemplates")}</h2>
          <ul class="templates">{items.filter((x) => x.source === "marketplace").map(row)}</ul>
        </>
      )}
    </>
  );
}
