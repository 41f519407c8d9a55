import { useState } from "preact/hooks";
import { api, conversationsOf, must, type Conversation } from "../api/client";
import { relative, useT, day } from "../i18n";
import { go, href, useRoute } from "../router";
import { Field, Loading, Title, useLoad } from "../components/ui";

type Filter = "needs" | "blocked" | "all";

/** Needs-answer first (soonest deadline first), then the rest newest first. */
export function inboxOrder(items: Conversation[]): Conversation[] {
  const due = (c: Conversation) => (c.answer_due ? Date.parse(c.answer_due) : Number.MAX_SAFE_INTEGER);
  return [...items].sort((a, b) => {
    if (a.awaiting_answer !== b.awaiting_answer) return a.awaiting_answer ? -1 : 1;
    if (a.awaiting_answer) return due(a) - due(b);
    return b.created_at.localeCompare(a.created_at);
  });
}

/** Colour by urgency; the words carry the same information. */
export function urgency(due: string | null | undefined, now = Date.now()): "overdue" | "soon" | "ok" {
  if (!due) return "ok";
  const left = Date.parse(due) - now;
  if (left < 0) return "overdue";
  return left < 24 * 3600 * 1000 ? "soon" : "ok";
}

export function Deadline({ c }: { c: Conversation }) {
  const [t, l] = useT();
  if (!c.awaiting_answer) return <span class="deadline deadline-none">{t("answered")}</span>;
  if (!c.answer_due) return <span class="deadline deadline-soon">{t("needsAnswer")}</span>;
  const level = urgency(c.answer_due);
  const when = relative(c.answer_due, l);
  return (
    <span class={`deadline deadline-${level}`}>
      <span aria-hidden="true" class="dot" />
      {level === "overdue" ? t("overdue", { when }) : t("dueIn", { when })}
    </span>
  );
}

export function SellerInbox() {
  const [t, l] = useT();
  const { query } = useRoute();
  const filter = (query.get("show") as Filter | null) ?? "all";
  const [pages, setPages] = useState<{ items: Conversation[]; next: string | null }>({ items: [], next: null });
  const [search, setSearch] = useState("");
  const [searchError, setSearchError] = useState<string | undefined>();
  const state = useLoad(async () => {
    const first = await must(api().GET("/conversations", { params: { query: { limit: 50 } } }));
    setPages({ items: conversationsOf(first.items), next: first.next ?? null });
    return true;
  }, []);

  const more = async () => {
    if (!pages.next) return;
    const page = await must(api().GET("/conversations", { params: { query: { limit: 50, next: pages.next } } }));
    setPages({ items: [...pages.items, ...conversationsOf(page.items)], next: page.next ?? null });
  };

  const find = async (e: Event) => {
    e.preventDefault();
    const id = search.trim();
    setSearchError(undefined);
    if (!/^(\d{3}-\d{7}-\d{7}|inquiry-[0-9a-f]{16})$/.test(id)) {
      setSearchError(t("orderNotFound"));
      return;
    }
    try {
      await must(api().GET("/conversations/{conversation_id}/messages", { params: { path: { conversation_id: id } } }));
      go(`/seller/c/${id}`);
    } catch {
      setSearchError(t("orderNotFound"));
    }
  };

  const shown = inboxOrder(pages.items).filter((c) =>
    filter === "needs" ? c.awaiting_answer : filter === "blocked" ? (c.blocked ?? 0) > 0 : true,
  );
  const filters: [Filter, string][] = [
    ["needs", t("filterNeedsAnswer")],
    ["blocked", t("filterBlocked")],
    ["all", t("filterAll")],
  ];
  return (
    <>
      <Title>{t("inboxTitle")}</Title>
      <div class="toolbar">
        <nav aria-label={t("filter")} class="filters">
          <span class="label">{t("filter")}:</span>
          {filters.map(([key, label]) => (
            <a key={key} href={href(`/seller?show=${key}`)} aria-current={filter === key ? "page" : undefined} class="chip">
              {label}
            </a>
          ))}
        </nav>
        <form role="search" class="search" onSubmit={find} noValidate>
          <Field id="search-order" label={t("searchOrder")} hint={t("searchHint")} error={searchError}>
            {(a11y) => (
              <input {...a11y} type="search" inputMode="numeric" autoComplete="off" value={search} onInput={(e) => setSearch(e.currentTarget.value)} />
            )}
          </Field>
          <button type="submit">{t("searchButton")}</button>
        </form>
      </div>
      {state.loading || state.error ? (
        <Loading error={state.error} retry={state.reload} />
      ) : shown.length === 0 ? (
        <p>{t("noConversations")}</p>
      ) : (
        <ul class="conversations">
          {shown.map((c) => (
            <li key={c.conversation_id} class={`conversation card ${c.awaiting_answer ? "needs" : ""}`}>
              <h2>
                <a href={href(`/seller/c/${c.conversation_id}`)}>
                  {c.kind === "inquiry" ? t("inquiry") : t("order", { id: c.conversation_id })}
                </a>
              </h2>
              <p class="meta">
                {t("withBuyer", { name: c.counterpart.name })}
                {c.delivered_on ? <> · {t("deliveredOn", { date: day(c.delivered_on, l) })}</> : null}
                {c.cancelled ? <> · <span class="badge badge-cancelled">{t("cancelled")}</span></> : null}
                {(c.blocked ?? 0) > 0 ? <> · <span class="badge badge-blocked">{t("blockedCount", { n: c.blocked ?? 0 })}</span></> : null}
              </p>
              <Deadline c={c} />
            </li>
          ))}
        </ul>
      )}
      {pages.next ? (
        <button type="button" onClick={more}>
          {t("loadMore")}
        </button>
      ) : null}
    </>
  );
}
