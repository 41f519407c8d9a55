import { useState } from "preact/hooks";
import { api, conversationsOf, must, type Conversation } from "../api/client";
import { config } from "../config";
import { day, useT } from "../i18n";
import { go, href, useRoute } from "../router";
import { ReplyForm, uploadAll } from "../components/compose";
import { Thread } from "../components/thread";
import { Alert, Field, FilePicker, FormErrors, Loading, TextArea, Title, useLoad } from "../components/ui";
import { lastReceived } from "./seller-conversation";

export const TOPICS = ["order-status", "shipping", "return", "damaged", "invoice", "product", "other"] as const;
const topicKey = (topic: string) => `topic_${topic.replace("-", "_")}` as "topic_order_status";

async function allConversations(): Promise<Conversation[]> {
  const items: Conversation[] = [];
  let next: string | undefined;
  do {
    const page = await must(api().GET("/conversations", { params: { query: next ? { limit: 50, next } : { limit: 50 } } }));
    items.push(...conversationsOf(page.items));
    next = page.next ?? undefined;
  } while (next && items.length < 500);
  return items;
}

function CustomerService() {
  const [t] = useT();
  const url = config().supportUrl;
  return (
    <p class="notice">
      {t("cancelledOrder")}{" "}
      {url ? (
        <a href={url} rel="noopener">
          {t("customerService")}
        </a>
      ) : null}
    </p>
  );
}

export function BuyerOrders() {
  const [t, l] = useT();
  const state = useLoad(allConversations, []);
  return (
    <>
      <Title>{t("ordersTitle")}</Title>
      {state.loading || state.error || !state.data ? (
        <Loading error={state.error} retry={state.reload} />
      ) : state.data.length === 0 ? (
        <p>{t("noOrders")}</p>
      ) : (
        <ul class="conversations">
          {state.data.map((c) => (
            <li key={c.conversation_id} class="conversation card">
              <h2>{c.kind === "inquiry" ? t("inquiry") : t("order", { id: c.conversation_id })}</h2>
              <p class="meta">
                {t("withSeller", { name: c.counterpart.name })}
                {c.delivered_on ? <> · {t("deliveredOn", { date: day(c.delivered_on, l) })}</> : null}
                {c.cancelled ? <> · <span class="badge badge-cancelled">{t("cancelled")}</span></> : null}
              </p>
              {c.cancelled ? <CustomerService /> : null}
              <div class="buttons">
                <a class="button" href={href(`/buyer/c/${c.conversation_id}`)}>
                  {t("viewMessages")}
                  <span class="sr-only"> ({c.conversation_id})</span>
                </a>
                {c.kind !== "inquiry" && !c.cancelled ? (
                  <a class="button primary" href={href(`/buyer/contact/${c.conversation_id}`)}>
                    {t("contactSeller")}
                    <span class="sr-only"> ({c.conversation_id})</span>
                  </a>
                ) : null}
              </div>
            </li>
          ))}
        </ul>
      )}
    </>
  );
}

export function BuyerThread({ id }: { id: string }) {
  const [t] = useT();
  const { query } = useRoute();
  const [notice, setNotice] = useState<string | null>(query.get("sent") ? t("sent", { status: query.get("sent")! }) : null);
  const state = useLoad(
    async () => (await must(api().GET("/conversations/{conversation_id}/messages", { params: { path: { conversation_id: id } } }))).messages,
    [id],
  );
  const title = id.startsWith("inquiry-") ? t("inquiryTitle", { id }) : t("threadTitle", { id });
  const target = state.data ? lastReceived(state.data) : undefined;
  return (
    <>
      <Title>{title}</Title>
      <p>
        <a href={href("/buyer")}>← {t("navOrders")}</a>
        {!id.startsWith("inquiry-") ? (
          <>
            {" · "}
            <a href={href(`/buyer/contact/${id}`)}>{t("contactSeller")}</a>
          </>
        ) : null}
      </p>
      {notice ? <Alert kind="ok">{notice}</Alert> : null}
      {state.loading || state.error || !state.data ? (
        <Loading error={state.error} retry={state.reload} />
      ) : (
        <>
          <Thread messages={state.data} />
          {target ? (
            <ReplyForm
              messageId={target.message_id}
              subject={target.subject}
              heading={t("yourAnswer")}
              onSent={(a) => {
                setNotice(t("sent", { status: a.status }));
                state.reload();
              }}
            />
          ) : null}
        </>
      )}
    </>
  );
}

export function ContactSeller({ id }: { id: string }) {
  const [t] = useT();
  const [topic, setTopic] = useState("");
  const [text, setText] = useState("");
  const [files, setFiles] = useState<File[]>([]);
  const [errors, setErrors] = useState(new FormErrors());
  const [busy, setBusy] = useState(false);
  const [cancelled, setCancelled] = useState(false);
  const submit = async (e: Event) => {
    e.preventDefault();
    setErrors(new FormErrors());
    setBusy(true);
    try {
      const attachment_ids = await uploadAll(files);
      const r = await must(api().POST("/orders/{order_id}/contact", { params: { path: { order_id: id } }, body: { topic, text, attachment_ids } }));
      go(`/buyer/c/${id}?sent=${r.status}`);
    } catch (err) {
      if ((err as { status?: number }).status === 409 && /cancel/i.test(String((err as Error).message))) setCancelled(true);
      else setErrors(FormErrors.from(err, ["topic", "text", "attachment_ids"], t));
    } finally {
      setBusy(false);
    }
  };
  return (
    <>
      <Title>{t("contactSellerTitle", { id })}</Title>
      <p>
        <a href={href(`/buyer/c/${id}`)}>← {t("back")}</a>
      </p>
      {cancelled ? (
        <CustomerService />
      ) : (
        <form class="card compose" onSubmit={submit} noValidate>
          {errors.general ? <Alert>{errors.general}</Alert> : null}
          <fieldset class="topics" aria-describedby={errors.of("topic") ? "topic-error" : undefined}>
            <legend>
              {t("topic")} <span class="req">({t("required")})</span>
            </legend>
            {TOPICS.map((x) => (
              <div class="radio" key={x}>
                <input type="radio" name="topic" id={`topic-${x}`} value={x} checked={topic === x} onChange={() => setTopic(x)} />
                <label for={`topic-${x}`}>{t(topicKey(x))}</label>
              </div>
            ))}
            {errors.of("topic") ? (
              <p class="error" id="topic-error" role="alert">
                {errors.of("topic")}
              </p>
            ) : null}
          </fieldset>
          <TextArea id="contact-text" label={t("text")} value={text} onInput={setText} error={errors.of("text")} max={2000} required />
          <FilePicker
            id="contact-files"
            label={t("files")}
            hint={topic === "damaged" ? t("photosHint") : t("filesHint")}
            files={files}
            onChange={setFiles}
            error={errors.of("attachment_ids")}
          />
          <button type="submit" class="primary" disabled={busy}>
            {t("send")}
          </button>
        </form>
      )}
    </>
  );
}

export function AskSeller() {
  const [t] = useT();
  const { query } = useRoute();
  const [seller, setSeller] = useState(query.get("seller") ?? "");
  const [subject, setSubject] = useState("");
  const [text, setText] = useState("");
  const [errors, setErrors] = useState(new FormErrors());
  const [busy, setBusy] = useState(false);
  const submit = async (e: Event) => {
    e.preventDefault();
    setErrors(new FormErrors());
    if (!seller.trim()) {
      setErrors(new FormErrors({ seller_id: t("required") }));
      return;
    }
    setBusy(true);
    try {
      const r = await must(
        api().POST("/sellers/{seller_id}/questions", {
          params: { path: { seller_id: seller.trim() } },
          body: subject.trim() ? { text, subject } : { text },
        }),
      );
      go(`/buyer/c/${r.conversation_id}?sent=${r.status}`);
    } catch (err) {
      setErrors(FormErrors.from(err, ["seller_id", "subject", "text"], t));
    } finally {
      setBusy(false);
    }
  };
  return (
    <>
      <Title>{t("askTitle")}</Title>
      <p>{t("askIntro")}</p>
      <form class="card compose" onSubmit={submit} noValidate>
        {errors.general ? <Alert>{errors.general}</Alert> : null}
        <Field id="ask-seller" label={t("sellerId")} hint={t("sellerIdHint")} error={errors.of("seller_id")} required>
          {(a11y) => <input {...a11y} type="text" maxLength={80} autoComplete="off" value={seller} onInput={(e) => setSeller(e.currentTarget.value)} />}
        </Field>
        <Field id="ask-subject" label={`${t("subject")} (${t("optional")})`} hint={t("askSubjectHint")} error={errors.of("subject")}>
          {(a11y) => <input {...a11y} type="text" maxLength={200} value={subject} onInput={(e) => setSubject(e.currentTarget.value)} />}
        </Field>
        <TextArea id="ask-text" label={t("text")} value={text} onInput={setText} error={errors.of("text")} max={2000} required />
        <button type="submit" class="primary" disabled={busy}>
          {t("send")}
        </button>
      </form>
    </>
  );
}
