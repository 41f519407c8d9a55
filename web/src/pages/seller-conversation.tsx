import { useState } from "preact/hooks";
import { api, must, type Action, type Message, type Template } from "../api/client";
import { reasonText, useT } from "../i18n";
import { href, useRoute } from "../router";
import { ReplyForm } from "../components/compose";
import { Thread } from "../components/thread";
import { Alert, Loading, Title, useLoad } from "../components/ui";

export function lastReceived(messages: Message[]): Message | undefined {
  return [...messages].reverse().find((m) => !m.sent_by_me && m.status !== "in_progress");
}

export function ReviewRequest({ orderId, action, onSent }: { orderId: string; action: Action | undefined; onSent: () => void }) {
  const [t, l] = useT();
  const [note, setNote] = useState<{ kind: "ok" | "error"; text: string } | null>(null);
  const [busy, setBusy] = useState(false);
  if (!action) return null;
  const send = async () => {
    setBusy(true);
    try {
      const r = await must(api().POST("/orders/{order_id}/review-request", { params: { path: { order_id: orderId } } }));
      setNote({ kind: "ok", text: t("reviewSent", { status: r.status }) });
      onSent();
    } catch (err) {
      setNote({ kind: "error", text: String((err as Error).message) });
    } finally {
      setBusy(false);
    }
  };
  return (
    <div class="review">
      <button type="button" onClick={send} disabled={!action.allowed || busy} aria-describedby="review-window">
        {t("requestReview")}
      </button>
      <p class="hint" id="review-window">
        {t("reviewWindow")}
        {!action.allowed && action.reason ? <> {t("notAllowed", { reason: reasonText(action.reason, l) })}</> : null}
      </p>
      {note ? <Alert kind={note.kind}>{note.text}</Alert> : null}
    </div>
  );
}

export function SellerConversation({ id }: { id: string }) {
  const [t] = useT();
  const { query } = useRoute();
  const sent = query.get("sent");
  const [notice, setNotice] = useState<{ kind: "ok" | "error" | "info"; text: string } | null>(
    sent ? { kind: "ok", text: t("sent", { status: sent }) } : null,
  );
  const state = useLoad(async () => {
    const inquiry = id.startsWith("inquiry-");
    const [thread, templates, actions] = await Promise.all([
      must(api().GET("/conversations/{conversation_id}/messages", { params: { path: { conversation_id: id } } })),
      must(api().GET("/templates")).then((r) => r.items as Template[]),
      inquiry
        ? Promise.resolve([] as Action[])
        : must(api().GET("/orders/{order_id}/messaging-actions", { params: { path: { order_id: id } } })).then((r) => r.actions),
    ]);
    return { messages: thread.messages, templates, actions };
  }, [id]);

  const noResponse = async (m: Message) => {
    try {
      const r = await must(api().POST("/messages/{message_id}/no-response-needed", { params: { path: { message_id: m.message_id } } }));
      setNotice({ kind: r.clock_stopped ? "ok" : "info", text: r.clock_stopped ? t("noResponseDone") : t("noResponseNone") });
    } catch (err) {
      setNotice({ kind: "error", text: String((err as Error).message) });
    }
  };

  const title = id.startsWith("inquiry-") ? t("inquiryTitle", { id }) : t("conversationTitle", { id });
  if (state.loading || state.error || !state.data) {
    return (
      <>
        <Title>{title}</Title>
        <Loading error={state.error} retry={state.reload} />
      </>
    );
  }
  const { messages, templates, actions } = state.data;
  const target = lastReceived(messages);
  return (
    <>
      <Title>{title}</Title>
      <p>
        <a href={href("/seller")}>← {t("navInbox")}</a>
        {!id.startsWith("inquiry-") ? (
          <>
            {" · "}
            <a href={href(`/seller/contact/${id}`)}>{t("contactBuyer")}</a>
          </>
        ) : null}
      </p>
      {notice ? <Alert kind={notice.kind}>{notice.text}</Alert> : null}
      <Thread
        messages={messages}
        actions={(m) =>
          !m.sent_by_me && m.direction === "buyer_to_seller" ? (
            <button type="button" onClick={() => noResponse(m)}>
              {t("noResponseNeeded")}
            </button>
          ) : null
        }
      />
      {target ? (
        <ReplyForm
          messageId={target.message_id}
          subject={target.subject}
          templates={templates}
          heading={t("reply")}
          onSent={(a) => {
            setNotice({ kind: "ok", text: t("sent", { status: a.status }) });
            state.reload();
          }}
        />
      ) : null}
      {!id.startsWith("inquiry-") ? (
        <section class="card" aria-labelledby="review-heading">
          <h2 id="review-heading">{t("kind_requestReview")}</h2>
          <ReviewRequest orderId={id} action={actions.find((a) => a.kind === "requestReview")} onSent={state.reload} />
        </section>
      ) : null}
    </>
  );
}
