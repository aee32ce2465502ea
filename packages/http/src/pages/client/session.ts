/**
 * The browser side of a page's credentials, as one ES module (`/assets/session.js`). Pages get
 * their token as `?token=<JWT>` in a link; this module is the only code that knows it, so that a
 * later cookie exchange (the link's token traded for an HttpOnly session cookie) replaces this
 * file and nothing else: `api()` would send `credentials: "same-origin"`, `events()` would open
 * the stream without a query token, `subject()` would come from the exchange's answer.
 *
 * Today: the token is taken from the address bar, kept in sessionStorage (per tab, gone when the
 * tab closes) and removed from the URL at once, so it is not left in history or bookmarks.
 */
export const SESSION_SCRIPT = String.raw`
const KEY = (scope) => "relance-token:" + scope;

/** Reads ?token= (then strips it from the address bar) or the one this tab already holds. */
export function openSession(scope) {
  const url = new URL(location.href);
  let token = url.searchParams.get("token");
  if (token) {
    sessionStorage.setItem(KEY(scope), token);
    url.searchParams.delete("token");
    history.replaceState(null, "", url.pathname + url.search + url.hash);
  } else {
    token = sessionStorage.getItem(KEY(scope));
  }
  return token ? session(scope, token) : null;
}

/** A token pasted into a page's form. */
export function saveSession(scope, token) {
  sessionStorage.setItem(KEY(scope), token.trim());
}

function session(scope, token) {
  return {
    /** fetch() on the API with the caller's credentials; resolves to {ok, status, body} and never rejects. */
    async api(path, options = {}) {
      const headers = { authorization: "Bearer " + token };
      if (options.body !== undefined) headers["content-type"] = "application/json";
      try {
        const response = await fetch(path, { method: options.method || "GET", headers, body: options.body === undefined ? undefined : JSON.stringify(options.body) });
        const text = await response.text();
        let body = null;
        try { body = text ? JSON.parse(text) : null; } catch { body = null; }
        return { ok: response.ok, status: response.status, body };
      } catch {
        return { ok: false, status: 0, body: null };
      }
    },
    /** An EventSource on the API (browsers cannot send headers on it: the token goes in the query). */
    events(path) {
      return new EventSource(path + (path.includes("?") ? "&" : "?") + "access_token=" + encodeURIComponent(token));
    },
    /** The user id the token names (read, not verified: the server verifies every call). */
    subject() {
      try {
        const payload = token.split(".")[1].replace(/-/g, "+").replace(/_/g, "/");
        return JSON.parse(atob(payload)).sub || null;
      } catch {
        return null;
      }
    },
    forget() {
      sessionStorage.removeItem(KEY(scope));
    },
  };
}
`;
