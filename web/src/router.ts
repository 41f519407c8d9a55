// Hash routes (#/seller/c/123-...): deep links work from S3 and parley dev alike, with no
// server-side rewrite. The focus moves to the new page's heading (announced by screen readers).
import { signal, useSignal } from "./state";

export const route = signal<string>(currentHash());

function currentHash(): string {
  return decodeURI(window.location.hash.replace(/^#/, "")) || "/";
}

window.addEventListener("hashchange", () => {
  route.value = currentHash();
});

export function go(path: string): void {
  if (currentHash() === path) route.value = path;
  else window.location.hash = path;
}

export function href(path: string): string {
  return `#${path}`;
}

export function useRoute(): { path: string; parts: string[]; query: URLSearchParams } {
  const full = useSignal(route);
  const [path = "/", q = ""] = full.split("?");
  return { path, parts: path.split("/").filter(Boolean), query: new URLSearchParams(q) };
}
