// The typed client: paths and models come from the generated schema (npm run openapi).
import createClient, { type Middleware } from "openapi-fetch";
import type { components, paths } from "./schema";
import { config } from "../config";
import { session, signOut } from "../auth";

export type Schemas = components["schemas"];
export type Conversation = Schemas["Conversation"];
export type Waiting = Schemas["Waiting"];
export type Message = Schemas["MessageView"];
export type Attachment = Schemas["Attachment"];
export type Action = Schemas["Action"];
export type Template = Schemas["Template"];
export type Settings = Schemas["Settings"];
export type Accepted = Schemas["Accepted"];

/** GET /conversations answers conversations, or (needs_response=true, for helpdesks) the
 *  running clocks; the pages list conversations. */
export function conversationsOf(items: readonly (Conversation | Waiting)[]): Conversation[] {
  return items.filter((item): item is Conversation => "counterpart" in item);
}

/** An API error as the page shows it: the message, and the input field it is about. */
export class ApiError extends Error {
  constructor(
    message: string,
    readonly status: number,
    readonly field: string | null,
    readonly title: string,
  ) {
    super(message);
  }
}

const auth: Middleware = {
  onRequest({ request }) {
    const token = session()?.token;
    if (token) request.headers.set("Authorization", `Bearer ${token}`);
    return request;
  },
  onResponse({ response }) {
    if (response.status === 401) signOut("expired");
    return response;
  },
};

let client: ReturnType<typeof createClient<paths>> | null = null;

export function api() {
  if (!client) {
    client = createClient<paths>({ baseUrl: config().api });
    client.use(auth);
  }
  return client;
}

type Loc = string | number;

/**
 * RFC 9457 problem details (`type, title, status, detail, field`); also reads the older
 * `{error, message, field}` answers and the validator's `{detail: [{loc, msg}]}` list.
 */
export function problem(status: number, body: unknown): ApiError {
  const b = (body ?? {}) as Record<string, unknown>;
  let field = typeof b.field === "string" ? b.field : null;
  let detail = typeof b.detail === "string" ? b.detail : typeof b.message === "string" ? b.message : "";
  if (Array.isArray(b.detail) && b.detail.length) {
    const first = b.detail[0] as { loc?: Loc[]; msg?: string };
    const loc = (first.loc ?? []).filter((part) => part !== "body");
    field ??= loc.length ? loc.map((p, i) => (typeof p === "number" ? `[${p}]` : i ? `.${p}` : p)).join("") : null;
    detail = first.msg ?? detail;
  }
  if (!field && Array.isArray(b.errors) && b.errors.length) {
    const first = b.errors[0] as { field?: string; detail?: string; pointer?: string };
    field = first.field ?? first.pointer?.replace(/^#?\//, "").replaceAll("/", ".") ?? null;
    detail = first.detail ?? detail;
  }
  const title = typeof b.title === "string" ? b.title : typeof b.error === "string" ? b.error : "";
  return new ApiError(detail || title || `HTTP ${status}`, status, field, title);
}

/** The data of an openapi-fetch answer, or the ApiError it carries. */
export async function must<T>(
  call: Promise<{ data?: T; error?: unknown; response: Response }>,
): Promise<T> {
  let result;
  try {
    result = await call;
  } catch (err) {
    throw new ApiError(String((err as Error).message ?? err), 0, null, "network");
  }
  if (!result.response.ok) throw problem(result.response.status, result.error);
  return result.data as T;
}

/** Upload one file through a presigned S3 form; returns the id a message references. */
export async function upload(file: File, field = "attachment_ids"): Promise<string> {
  const form = await must(
    api().POST("/attachments", {
      body: { name: file.name, content_type: file.type || "application/octet-stream", size: file.size },
    }),
  ).catch((err: ApiError) => {
    throw new ApiError(`${file.name}: ${err.message}`, err.status, field, err.title);
  });
  const data = new FormData();
  for (const [key, value] of Object.entries(form.upload.fields)) data.append(key, value);
  data.append("file", file);
  const sent = await fetch(form.upload.url, { method: "POST", body: data });
  if (!sent.ok) throw new ApiError(`${file.name}: upload refused (${sent.status})`, sent.status, field, "upload");
  return form.attachment_id;
}
