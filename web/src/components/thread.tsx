import type { Message } from "../api/client";
import { dateTime, has, size, useT } from "../i18n";
import { StatusBadge } from "./ui";

/** One conversation as the signed-in party sees it: what they sent (with the verdicts and,
 * for their own blocked messages, each rule with its evidence) and what reached them. */
export function Thread({ messages, actions }: { messages: Message[]; actions?: (m: Message) => preact.ComponentChildren }) {
  const [t, l] = useT();
  if (!messages.length) return <p>{t("noMessages")}</p>;
  return (
    <ol class="thread">
      {messages.map((m) => {
        const who = m.sent_by_me ? t("fromMe") : m.direction?.startsWith("seller") ? t("fromSeller") : t("fromBuyer");
        const kind = m.message_type ? `kind_${m.message_type}` : "";
        return (
          <li key={m.message_id} class={`message ${m.sent_by_me ? "mine" : "theirs"}`} aria-labelledby={`m-${m.message_id}`}>
            <article>
              <header>
                <h3 id={`m-${m.message_id}`}>{m.subject || "—"}</h3>
                <p class="meta">
                  <strong>{who}</strong> · <time dateTime={m.received_at ?? ""}>{dateTime(m.received_at, l)}</time>
                  {kind && has(kind) ? <> · {t(kind)}</> : null} <StatusBadge status={m.status} />
                </p>
              </header>
              {m.sent_by_me && m.violations?.length ? (
                <div class={`policy ${m.status === "blocked" ? "policy-blocked" : ""}`}>
                  <p>{m.status === "blocked" ? t("blockedBecause") : t("sanitizedBecause")}</p>
                  <table class="violations">
                    <thead>
                      <tr>
                        <th scope="col">{t("rule")}</th>
                        <th scope="col">{t("evidence")}</th>
                      </tr>
                    </thead>
                    <tbody>
                      {m.violations.map((v, i) => (
                        <tr key={i}>
                          <td>
                            <code>{v.rule}</code>
                          </td>
                          <td>
                            <q>{v.evidence}</q>
                          </td>
                        </tr>
                      ))}
                    </tbody>
                  </table>
                </div>
              ) : null}
              <div class="body">{m.text}</div>
              {m.attachments.length ? (
                <section class="attachments" aria-label={t("attachments")}>
                  <ul>
                    {m.attachments.map((a) =>
                      a.removed_by ? (
                        <li key={a.attachment_id} class="removed">
                          {t("removedBy", { name: a.name, rule: a.removed_by })}
                        </li>
                      ) : (
                        <li key={a.attachment_id}>
                          {a.content_type.startsWith("image/") ? (
                            <img class="inline-image" src={a.download_url} alt={a.name} loading="lazy" />
                          ) : null}
                          <a href={a.download_url} download={a.name} rel="noopener noreferrer">
                            {t("download", { name: a.name, size: size(a.size, l) })}
                          </a>
                        </li>
                      ),
                    )}
                  </ul>
                </section>
              ) : null}
              {actions ? <div class="message-actions">{actions(m)}</div> : null}
            </article>
          </li>
        );
      })}
    </ol>
  );
}
