import { render } from "preact";
import { useEffect } from "preact/hooks";
import { completeCognito, current, signOut } from "./auth";
import { loadConfig } from "./config";
import { lang, setLang, useT, type Lang } from "./i18n";
import { go, href, useRoute } from "./router";
import { useSignal } from "./state";
import { AskSeller, BuyerOrders, BuyerThread, ContactSeller } from "./pages/buyer";
import { ContactBuyer } from "./pages/contact-buyer";
import { SellerConversation } from "./pages/seller-conversation";
import { SellerInbox } from "./pages/seller-inbox";
import { BuyerSettings, SellerSettings } from "./pages/settings";
import { SignIn } from "./pages/signin";
import { Templates } from "./pages/templates";
import "./styles.css";

function LanguageSwitch() {
  const [t, l] = useT();
  return (
    <div class="lang">
      <label for="language">{t("language")}</label>
      <select id="language" value={l} onChange={(e) => setLang(e.currentTarget.value as Lang)}>
        <option value="en" lang="en">
          English
        </option>
        <option value="de" lang="de">
          Deutsch
        </option>
      </select>
    </div>
  );
}

function Nav() {
  const [t] = useT();
  const s = useSignal(current);
  const { parts } = useRoute();
  if (!s) return null;
  const links: [string, string][] =
    s.kind === "seller"
      ? [
          ["/seller", t("navInbox")],
          ["/seller/templates", t("navTemplates")],
          ["/seller/settings", t("navSettings")],
        ]
      : [
          ["/buyer", t("navOrders")],
          ["/buyer/ask", t("navAsk")],
          ["/buyer/settings", t("navSettings")],
        ];
  const here = "/" + parts.join("/");
  return (
    <nav aria-label={t("navMain")} class="nav">
      <ul>
        {links.map(([path, label]) => (
          <li key={path}>
            <a href={href(path)} aria-current={here === path ? "page" : undefined}>
              {label}
            </a>
          </li>
        ))}
      </ul>
    </nav>
  );
}

function Page() {
  const s = useSignal(current);
  const { parts } = useRoute();
  const [area, a, b] = parts;
  if (!s) return <SignIn />;
  if (s.kind === "seller") {
    if (area !== "seller") return <SellerInbox />;
    if (a === "c" && b) return <SellerConversation id={b} key={b} />;
    if (a === "contact" && b) return <ContactBuyer id={b} key={b} />;
    if (a === "templates") return <Templates />;
    if (a === "settings") return <SellerSettings />;
    return <SellerInbox />;
  }
  if (area !== "buyer") return <BuyerOrders />;
  if (a === "c" && b) return <BuyerThread id={b} key={b} />;
  if (a === "contact" && b) return <ContactSeller id={b} key={b} />;
  if (a === "ask") return <AskSeller />;
  if (a === "settings") return <BuyerSettings />;
  return <BuyerOrders />;
}

function App() {
  const [t] = useT();
  const s = useSignal(current);
  const { parts } = useRoute();
  useEffect(() => {
    // a party only sees its own side: a seller's link opened as a buyer goes to the buyer's home
    if (s && parts[0] && parts[0] !== s.kind) go(`/${s.kind}`);
  }, [s, parts[0]]);
  useEffect(() => {
    document.title = `${t("appName")} · Parley`;
  });
  return (
    <>
      <a class="skip" href="#main" onClick={(e) => { e.preventDefault(); document.getElementById("main")?.focus(); }}>
        {t("skip")}
      </a>
      <header class="top">
        <div class="brand">
          <span aria-hidden="true" class="logo" /> Parley · {t("appName")}
        </div>
        <Nav />
        <div class="session">
          <LanguageSwitch />
          {s ? (
            <>
              <span class="who">{t("signedInAs", { name: s.name || s.partyId, kind: t(s.kind) })}</span>
              <button type="button" onClick={() => { signOut(); go("/"); }}>
                {t("signOut")}
              </button>
            </>
          ) : null}
        </div>
      </header>
      <main id="main" tabIndex={-1}>
        <Page />
      </main>
    </>
  );
}

async function start() {
  const root = document.getElementById("root")!;
  try {
    await loadConfig();
    await completeCognito();
  } catch (err) {
    root.textContent = `The message center could not start: ${String((err as Error).message ?? err)}`;
    return;
  }
  document.documentElement.lang = lang.value;
  render(<App />, root);
}

void start();
