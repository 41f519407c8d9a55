import type { ComponentChildren, JSX } from "preact";
import { useEffect, useRef, useState } from "preact/hooks";
import { ApiError } from "../api/client";
import { has, size, useT } from "../i18n";

let firstPage = true;

/** The page's heading; it takes the focus when another page opens (not on the first load,
 * where the skip link comes first), so keyboard and screen reader users start at the top of
 * the new content. */
export function Title({ children }: { children: ComponentChildren }) {
  const ref = useRef<HTMLHeadingElement>(null);
  useEffect(() => {
    if (firstPage) firstPage = false;
    else ref.current?.focus();
  }, []);
  return (
    <h1 ref={ref} tabIndex={-1} id="page-title">
      {children}
    </h1>
  );
}

/** Errors of one form: the API's `field` says which input shows it. */
export class FormErrors {
  constructor(
    readonly byField: Record<string, string> = {},
    readonly general: string | null = null,
  ) {}

  static from(err: unknown, fields: string[], t: ReturnType<typeof useT>[0]): FormErrors {
    if (!(err instanceof ApiError)) return new FormErrors({}, String(err));
    if (err.status === 0) return new FormErrors({}, t("networkError"));
    const field = err.field ? fields.find((f) => err.field === f || err.field!.startsWith(f + "[") || err.field!.startsWith(f + ".")) : undefined;
    return field ? new FormErrors({ [field]: err.message }) : new FormErrors({}, err.message);
  }

  of(field: string): string | undefined {
    return this.byField[field];
  }

  get any(): boolean {
    return this.general !== null || Object.keys(this.byField).length > 0;
  }
}

interface FieldProps {
  id: string;
  label: string;
  error?: string | undefined;
  hint?: string | undefined;
  required?: boolean;
  children: (a11y: {
    id: string;
    "aria-invalid": boolean;
    "aria-describedby": string | undefined;
    required: boolean;
  }) => JSX.Element;
}

/** A label, the input, its hint and its error (announced, tied with aria-describedby). */
export function Field({ id, label, error, hint, required = false, children }: FieldProps) {
  const [t] = useT();
  const described = [hint ? `${id}-hint` : "", error ? `${id}-error` : ""].filter(Boolean).join(" ") || undefined;
  return (
    <div class={`field${error ? " has-error" : ""}`}>
      <label for={id}>
        {label}
        {required ? <span class="req"> ({t("required")})</span> : null}
      </label>
      {hint ? (
        <p class="hint" id={`${id}-hint`}>
          {hint}
        </p>
      ) : null}
      {children({ id, "aria-invalid": Boolean(error), "aria-describedby": described, required })}
      {error ? (
        <p class="error" id={`${id}-error`} role="alert">
          {error}
        </p>
      ) : null}
    </div>
  );
}

export function Alert({ kind = "error", children }: { kind?: "error" | "ok" | "info"; children: ComponentChildren }) {
  return (
    <div class={`alert alert-${kind}`} role={kind === "error" ? "alert" : "status"}>
      {children}
    </div>
  );
}

export function StatusBadge({ status }: { status: string }) {
  const [t] = useT();
  const key = `status_${status}`;
  return <span class={`badge badge-${status}`}>{has(key) ? t(key) : status}</span>;
}

/** Loads data on mount (and when deps change); shows loading, the error with a retry, or the page. */
export function useLoad<T>(load: () => Promise<T>, deps: unknown[]) {
  const [state, setState] = useState<{ data?: T; error?: unknown; loading: boolean }>({ loading: true });
  const [tick, setTick] = useState(0);
  useEffect(() => {
    let live = true;
    setState((s) => ({ ...s, loading: true }));
    load().then(
      (data) => live && setState({ data, loading: false }),
      (error) => live && setState({ error, loading: false }),
    );
    return () => {
      live = false;
    };
  }, [...deps, tick]);
  return { ...state, reload: () => setTick((n) => n + 1), set: (data: T) => setState({ data, loading: false }) };
}

export function Loading({ error, retry }: { error?: unknown; retry?: () => void }) {
  const [t] = useT();
  if (!error)
    return (
      <p role="status" class="loading">
        {t("loading")}
      </p>
    );
  const message = error instanceof ApiError && error.status === 0 ? t("networkError") : String((error as Error).message ?? error);
  return (
    <Alert>
      {message}{" "}
      {retry ? (
        <button type="button" class="link" onClick={retry}>
          {t("retry")}
        </button>
      ) : null}
    </Alert>
  );
}

/** File picker with the chosen files listed (and removable). */
export function FilePicker({
  id,
  label,
  hint,
  error,
  files,
  onChange,
  accept,
  max = 5,
}: {
  id: string;
  label: string;
  hint?: string;
  error?: string | undefined;
  files: File[];
  onChange: (f: File[]) => void;
  accept?: string;
  max?: number;
}) {
  const [t, l] = useT();
  return (
    <Field id={id} label={label} hint={hint} error={error}>
      {(a11y) => (
        <div>
          <input
            {...a11y}
            required={false}
            type="file"
            multiple
            accept={accept}
            onChange={(e) => {
              const input = e.currentTarget;
              onChange([...files, ...Array.from(input.files ?? [])].slice(0, max));
              input.value = "";
            }}
          />
          {files.length ? (
            <ul class="files">
              {files.map((f, i) => (
                <li key={`${f.name}-${i}`}>
                  {f.name} ({size(f.size, l)}){" "}
                  <button
                    type="button"
                    class="link"
                    aria-label={`${t("delete")}: ${f.name}`}
                    onClick={() => onChange(files.filter((_, j) => j !== i))}
                  >
                    {t("delete")}
                  </button>
                </li>
              ))}
            </ul>
          ) : null}
        </div>
      )}
    </Field>
  );
}

export function TextArea({
  id,
  label,
  value,
  onInput,
  error,
  hint,
  max,
  required = false,
  rows = 6,
}: {
  id: string;
  label: string;
  value: string;
  onInput: (v: string) => void;
  error?: string | undefined;
  hint?: string | undefined;
  max?: number;
  required?: boolean;
  rows?: number;
}) {
  const [t] = useT();
  const left = max ? max - value.length : null;
  return (
    <Field id={id} label={label} error={error} hint={hint} required={required}>
      {(a11y) => (
        <div>
          <textarea {...a11y} rows={rows} maxLength={max} value={value} onInput={(e) => onInput(e.currentTarget.value)} />
          {left !== null ? (
            <p class="counter" aria-live="polite">
              {t("charsLeft", { n: left })}
            </p>
          ) : null}
        </div>
      )}
    </Field>
  );
}
