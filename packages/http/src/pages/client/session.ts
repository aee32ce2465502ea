/**
 * What every page script shares (`/assets/session.js`): the page's data, its elements, and the
 * browser side of its credentials. The server turns a connect link, or the admin token posted by
 * the console's form, into an HttpOnly, SameSite=Strict cookie and redirects to the clean address
 * before this script runs, so the script never holds a token: API calls and the event stream go
 * with the cookie, and the page's data only says who is signed in.
 */

/** What the server put in the page's `<script type="application/json" id="page-data">`. */
export interface PageData<Strings> {
  lang: string;
  strings: Strings;
  session?: { subject: string | null; exp: number; expired?: boolean } | null;
  sandbox?: boolean;
  variables?: string[];
  /** Why a sign-in form is shown (`"token-in-url"`: a token came in the address and was not taken). */
  notice?: string | null;
}

/** An API error body (the contract's error shape). */
export interface ApiError {
  error?: { code?: string; message?: string; details?: unknown };
}

/** A call's outcome, never a rejection: `status` 0 when the network failed. */
export type ApiResponse<T> = { ok: true; status: number; body: T } | { ok: false; status: number; body: ApiError | null };

export interface ApiOptions {
  method?: string;
  body?: unknown;
}

export type Api = <T>(path: string, options?: ApiOptions) => Promise<ApiResponse<T>>;

export interface PageSessionHandle {
  /** fetch() on the API with the page's cookie; resolves to {ok, status, body} and never rejects. */
  api: Api;
  /** An EventSource on the API: the cookie goes with it, nothing in the URL. */
  events(path: string): EventSource;
  /** The user id the server verified when it rendered the page. */
  subject(): string | null;
  /** Ends the page's session: the server clears its cookie. */
  forget(): void;
}

/** The page's element of that id, checked to be of the expected kind (a missing one is a page bug). */
export function byId<T extends HTMLElement = HTMLElement>(id: string, kind?: new () => T): T {
  const element = document.getElementById(id);
  if (!element || !(element instanceof (kind ?? HTMLElement))) throw new Error(`#${id}: missing or not a ${(kind ?? HTMLElement).name}`);
  return element as T;
}

/** The page's data (`{}` when it cannot be read). */
export function pageData<Strings>(): PageData<Strings> {
  try {
    return JSON.parse(document.getElementById("page-data")?.textContent || "{}");
  } catch {
    return {} as PageData<Strings>;
  }
}

/** A string table read with a key built at run time (`"err." + code`): undefined when unknown. */
export const lookup = (strings: object, key: string): string | undefined => (strings as Record<string, string | undefined>)[key];

/** The session the server opened for this page (from its cookie), or null. */
export function openSession(): PageSessionHandle | null {
  const current = pageData<unknown>().session;
  if (current && current.expired) return expiredSession();
  return current && current.subject ? session(current.subject) : null;
}

/** A token pasted into a page's form: posted (never in a URL), exchanged by the server for the cookie. */
export function saveSession(token: string): void {
  const form = document.createElement("form");
  form.method = "post";
  form.action = location.pathname + location.search;
  const field = document.createElement("input");
  field.type = "hidden";
  field.name = "token";
  field.value = token.trim();
  form.append(field);
  document.body.append(form);
  form.submit();
}

/** A refused or stale token: every call answers 401, so the page explains that the link expired. */
function expiredSession(): PageSessionHandle {
  const refused = { ok: false, status: 401, body: { error: { code: "unauthorized", message: "Invalid or expired token" } } } as const;
  return {
    async api() {
      return refused;
    },
    events(path) {
      return new EventSource(path, { withCredentials: true });
    },
    subject() {
      return null;
    },
    forget() {
      location.assign(location.pathname + "?signout=1");
    },
  };
}

function session(subject: string): PageSessionHandle {
  return {
    async api<T>(path: string, options: ApiOptions = {}): Promise<ApiResponse<T>> {
      const headers: Record<string, string> = {};
      if (options.body !== undefined) headers["content-type"] = "application/json";
      try {
        const response = await fetch(path, { method: options.method || "GET", headers, credentials: "same-origin", body: options.body === undefined ? undefined : JSON.stringify(options.body) });
        const text = await response.text();
        let body = null;
        try {
          body = text ? JSON.parse(text) : null;
        } catch {
          body = null;
        }
        return { ok: response.ok, status: response.status, body };
      } catch {
        return { ok: false, status: 0, body: null };
      }
    },
    events(path) {
      return new EventSource(path, { withCredentials: true });
    },
    subject() {
      return subject;
    },
    forget() {
      location.assign(location.pathname + "?signout=1");
    },
  };
}
